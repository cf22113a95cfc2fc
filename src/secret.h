/* secret.h — passwords read at connect time from password_file or
 * password_env, never kept in the config and never logged. */
#ifndef PACKETD_SECRET_H
#define PACKETD_SECRET_H

#include <stddef.h>

/* Longest password accepted; a longer file is refused, not truncated. */
#define SECRET_MAX 1024

/* Reads the password from file (first line, trailing CR/LF removed) or
 * from the environment variable env; exactly one should be given. Returns
 * a malloc'ed string the caller releases with secret_free, or NULL (the
 * reason, without the secret, is logged with what = "source.NAME" etc.). */
char *secret_read(const char *what, const char *file, const char *env);
/* Zeroes and frees a secret (NULL is fine). */
void secret_free(char *s);

#endif
