/* transmit.h — the transmittal to SOEHK (seed 运作方式 (2), 一览表 item 3):
 * every application recommended and not yet sent goes into one zip archive
 * with index.csv (UTF-8 with BOM: one row per application) and, under a
 * folder named after its number, the application's current documents as
 * the spool keeps them. The archive is written under a temporary name and
 * renamed into place in the same transaction that moves the applications
 * from recommended to soehk_review, so a failure leaves neither a
 * half-written archive nor applications marked sent that are not in one.
 */
#ifndef PACKETD_TRANSMIT_H
#define PACKETD_TRANSMIT_H

#include <stddef.h>

#include "workflow.h"

/* Writes the transmittal into outdir (created when missing). WF_OK with
 * the archive's path in path (len bytes) and the number of applications in
 * *count; WF_REFUSED when nothing is waiting (w->err says so); WF_ERROR. */
int transmit_run(workflow *w, const char *outdir, char *path, size_t len, int *count);

#endif
