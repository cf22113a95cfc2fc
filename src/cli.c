/* cli.c — see cli.h: loading the config for a command, and help printed
 * from the command table. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "version.h"

/* The default config relative to the binary (build/packetd → config/), so
 * that `packetd validate` also works from another folder. Caller frees. */
static char *config_beside_binary(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *bindir, *top, *path;
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	bindir = util_dirname(exe);
	top = util_dirname(bindir);
	path = util_path_join(top, "config/packetd.conf");
	free(bindir);
	free(top);
	if (access(path, R_OK) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

int cli_load(cli_env *env)
{
	char err[1024];
	const char *path;
	char *fallback = NULL;
	int rc;
	if (env->conf_loaded && env->rules_loaded)
		return 0;
	path = config_default_path(env->config_path);
	if (env->config_path == NULL && getenv("PACKETD_CONFIG") == NULL && access(path, F_OK) != 0 &&
	    (fallback = config_beside_binary()) != NULL)
		path = fallback;
	rc = config_load(&env->conf, path, err, sizeof err);
	free(fallback);
	if (rc != 0) {
		fprintf(stderr, "packetd: %s\n", err);
		return -1;
	}
	env->conf_loaded = 1;
	log_set_level_name(env->conf.log_level);
	if (rules_load(&env->r, env->conf.rules, err, sizeof err) != 0) {
		fprintf(stderr, "packetd: %s\n", err);
		return -1;
	}
	env->rules_loaded = 1;
	log_debug("configuration %s: %zu sources, rules %s, templates %s (%zu), zone %s", env->conf.file,
		  env->conf.nsources, env->conf.rules, env->conf.templates, env->conf.texts.ntmpl, env->conf.timezone);
	return 0;
}

void cli_unload(cli_env *env)
{
	if (env->rules_loaded)
		rules_free(&env->r);
	if (env->conf_loaded)
		config_free(&env->conf);
	env->rules_loaded = env->conf_loaded = 0;
}

const cli_command *cli_find(const char *name)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

void cli_print_help(FILE *out)
{
	fprintf(out, "packetd %s — intake of the CMES–SOE engineer-registration scheme\n\n"
		     "usage: packetd [-c CONFIG] [-v] COMMAND [ARGS]\n"
		     "       packetd help COMMAND | COMMAND --help\n"
		     "       packetd --version\n\ncommands:\n",
		PACKETD_VERSION);
	for (size_t i = 0; i < cli_ncommands; i++)
		fprintf(out, "  %-13s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fputs("\noptions:\n"
	      "  -c CONFIG     the configuration (else $PACKETD_CONFIG, else config/packetd.conf)\n"
	      "  -v            debug logging (overrides log_level)\n"
	      "  -h, --help    this help\n"
	      "  --version     the version\n\n"
	      "exit status: 0 done, 1 refused or failed, 2 usage (validate: 0 complete, 1 incomplete,\n"
	      "2 rejected, 3 usage or system error). See packetd(8) and packetd.conf(5).\n",
	      out);
}

void cli_print_command_help(FILE *out, const cli_command *cmd)
{
	fprintf(out, "usage: packetd %s%s%s\n%s\n", cmd->name, *cmd->usage ? " " : "", cmd->usage, cmd->summary);
	if (cmd->help)
		fprintf(out, "\n%s", cmd->help);
}

int cli_usage_error(const cli_command *cmd, const char *msg)
{
	if (msg)
		fprintf(stderr, "packetd: %s: %s\n", cmd->name, msg);
	fprintf(stderr, "usage: packetd %s%s%s\n", cmd->name, *cmd->usage ? " " : "", cmd->usage);
	return CLI_USAGE;
}
