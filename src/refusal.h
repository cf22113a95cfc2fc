/* refusal.h — why a centre's command (review, soehk, interview, result, pay,
 * cpd, certify, transmit, report) refused to act or rejected a value, in
 * both languages. The texts are phrases.ini keys refusal.CODE.zh and
 * refusal.CODE.en; the codes and their placeholders are the refusal part of
 * the contract in texts.c, held by check-config. The commands and the desk
 * render through here, so an officer reads the same words in both places.
 */
#ifndef PACKETD_REFUSAL_H
#define PACKETD_REFUSAL_H

#include <stddef.h>
#include <stdio.h>

#include "texts.h"

/* Renders refusal code into out: the 中文 line, "\n", the English line.
 * After code come name, value pairs (const char *), ending with a
 * (const char *)NULL (a bare NULL may be an int in a variadic call). A
 * phrase missing from phrases.ini (check-config names it) is replaced by
 * the code and its values, so nothing is lost. Returns out. */
char *refusal_say(const texts *t, char *out, size_t len, const char *code, ...) __attribute__((sentinel));

/* Writes msg to f, each of its lines after "packetd: ". */
void refusal_print(FILE *f, const char *msg);

#endif
