/* secret.c — see secret.h. The bytes are wiped before they are freed so a
 * core dump or a reused heap block does not show them. */
#include "secret.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

char *secret_read(const char *what, const char *file, const char *env)
{
	char *data = NULL, *out = NULL;
	size_t len = 0;
	if (file) {
		if (util_read_file(file, SECRET_MAX + 2, &data, &len) != 0) {
			log_error("%s: cannot read password_file %s: %s", what, file, strerror(errno));
			goto out;
		}
		while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
			len--;
		if (memchr(data, '\n', len) || len > SECRET_MAX) {
			log_error("%s: password_file %s must hold one line of at most %d bytes", what, file,
				  SECRET_MAX);
			goto out;
		}
		out = xstrndup(data, len);
	} else if (env) {
		const char *v = getenv(env);
		if (v == NULL || strlen(v) > SECRET_MAX) {
			log_error("%s: environment variable %s is %s", what, env, v ? "too long" : "not set");
			goto out;
		}
		out = xstrdup(v);
	} else {
		out = xstrdup("");   /* no password configured (e.g. SMTP without AUTH) */
	}
out:
	if (data) {
		memset(data, 0, len);
		free(data);
	}
	return out;
}

void secret_free(char *s)
{
	if (s == NULL)
		return;
	/* volatile so the wipe is not optimised away before free */
	for (volatile char *p = s; *p; p++)
		*p = 0;
	free(s);
}
