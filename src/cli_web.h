/* cli_web.h — the desk's commands: `packetd serve` (web.h) and
 * `packetd user add|del|list` (desk users; passwords from standard input,
 * never from the command line). main.c only dispatches here. */
#ifndef PACKETD_CLI_WEB_H
#define PACKETD_CLI_WEB_H

#include <stdio.h>

#include "config.h"
#include "rules.h"

/* Exit status: 0 done (serve: stopped by SIGTERM), 1 failed, 2 usage. */
int cli_web_serve(const config *conf, const rules *r, int argc, char **argv);
int cli_web_user(const config *conf, int argc, char **argv);
void cli_web_usage(FILE *out);

#endif
