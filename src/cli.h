/* cli.h — the command table. One row per command (name, handler, usage,
 * summary, option help) drives dispatch, `packetd --help`, `packetd help
 * COMMAND` and `COMMAND --help`; packetd(8) documents the same rows.
 *
 * Exit status, the same for every command (packetd(8), EXIT STATUS):
 *   CLI_OK       0  done
 *   CLI_REFUSED  1  refused or failed: the application's state does not allow
 *                   it, an unknown application, a value out of range, a config
 *                   that does not load, a database or file that cannot be used
 *   CLI_USAGE    2  a malformed command line (unknown command or option, a
 *                   missing operand)
 * `validate` keeps its documented scheme: 0 complete, 1 incomplete,
 * 2 rejected, 3 usage or system error. */
#ifndef PACKETD_CLI_H
#define PACKETD_CLI_H

#include <stdio.h>

#include "config.h"
#include "rules.h"

enum cli_exit { CLI_OK = 0, CLI_REFUSED = 1, CLI_USAGE = 2 };

/* What every command is handed: the config path from -c (or NULL) and the
 * config and rules once cli_load has read them. */
typedef struct cli_env {
	const char *config_path;
	config conf;
	rules r;
	int conf_loaded, rules_loaded;
} cli_env;

typedef struct cli_command {
	const char *name;
	/* argv[0] is the command's name; returns an enum cli_exit (validate:
	 * its own scheme). */
	int (*run)(cli_env *env, int argc, char **argv);
	const char *usage;    /* operands and options, after the name */
	const char *summary;  /* one line for `packetd --help` */
	const char *help;     /* the options, one per line; may be NULL */
} cli_command;

/* Loads the config (explicit, $PACKETD_CONFIG, config/packetd.conf, else the
 * one beside the binary) and its rules; prints why not to stderr. */
int cli_load(cli_env *env);
void cli_unload(cli_env *env);

/* The table, defined in main.c. */
extern const cli_command cli_commands[];
extern const size_t cli_ncommands;

/* The row of name, or NULL. */
const cli_command *cli_find(const char *name);
/* `packetd --help`: every command with its summary. */
void cli_print_help(FILE *out);
/* `packetd help COMMAND` and `COMMAND --help`. */
void cli_print_command_help(FILE *out, const cli_command *cmd);
/* A usage error of cmd: "packetd: CMD: msg" and the command's usage line on
 * stderr; returns CLI_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *msg);

#endif
