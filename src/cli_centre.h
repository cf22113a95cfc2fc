/* cli_centre.h — the certification centre's commands (SPEC section 9):
 * review, soehk, interview, result, pay, certify, transmit and
 * `report nightly`, and what `show` adds for the workflow (fees, the
 * interview plan, history with events). main.c only dispatches here. */
#ifndef PACKETD_CLI_CENTRE_H
#define PACKETD_CLI_CENTRE_H

#include <jansson.h>
#include <stdio.h>

#include "config.h"
#include "rules.h"
#include "store.h"

/* 1 when name is one of the centre's commands. */
int cli_centre_is_command(const char *name);
/* Runs argv[0] with its options. Exit status: 0 done, 1 refused (the
 * application's state does not allow it, a value out of range, unknown
 * application) or failed, 2 usage. Nothing changes unless it returns 0. */
int cli_centre_main(const config *conf, const rules *r, int argc, char **argv);
void cli_centre_usage(FILE *out);
/* Adds "fees" (the ledger: each item with its periods), "fees_total",
 * "cpd", "interview" and the full "history" (with each row's event) to the
 * show JSON of a, and marks purged files "purged": true. */
void cli_centre_show(store *db, const config *conf, const rules *r, const store_application *a, json_t *j);

/* The show JSON (with what cli_centre_show adds) as a readable summary. */
void cli_centre_show_text(json_t *j, FILE *out);

#endif
