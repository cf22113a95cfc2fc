/* cli_web.h — the desk's commands: `packetd serve` (web.h) and
 * `packetd user add|del|list` (desk users; passwords from standard input,
 * never from the command line). Rows of main.c's command table. */
#ifndef PACKETD_CLI_WEB_H
#define PACKETD_CLI_WEB_H

#include "cli.h"

/* Exit status (cli.h): 0 done (serve: stopped by SIGTERM), 1 refused or
 * failed, 2 usage. */
int cli_web_serve(cli_env *env, int argc, char **argv);
int cli_web_user(cli_env *env, int argc, char **argv);

#endif
