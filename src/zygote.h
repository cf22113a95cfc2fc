/* zygote.h — a small long-lived helper process that forks the sandboxed
 * children (sandbox.h) for the daemon. Forking the daemon itself for every
 * packet cost about 45 ms a child once its heap had grown (copy-on-write
 * faults, page tables, locale and gconv loading again): the helper is
 * forked once, early (after the config and rules are loaded, before the
 * database and the sources), loads the locale and the character-set
 * converters once, and forks each child from its own small image.
 *
 * A process cannot call a function pointer with an argument in another
 * process's memory, so a job is a named kind (a row of the table given to
 * zygote_init) with serialised arguments: the limits, a depth, the work
 * folder and up to ZYGOTE_MAXARGS strings. The helper runs the kind's
 * function in a child under the same limits as sandbox_run (sandbox.h) and
 * answers with the status and why; the result file stays in the work
 * folder, where the daemon takes it (sandbox_take).
 *
 * Most jobs do not need a fork each: when the job's limits ask for
 * sandbox_jobs > 1 and its work folder is below z->work_root, the helper
 * hands it to a worker, a child of its own confined as sandbox.h says but
 * with Landlock on work_root rather than on one work folder, that serves
 * jobs one after another (each with its own CPU and wall time) and is
 * replaced after sandbox_jobs of them, after any job that did not end well,
 * and when the limits change. What that costs in isolation: a job that took
 * the worker over could touch the next jobs of the same worker (their
 * results, their work folders), and nothing else. sandbox_jobs = 1 gives a
 * fresh child to every job.
 *
 * The helper has the rules it was forked with: restart it (zygote_stop,
 * zygote_start) when they are reloaded. If it dies, the job it ran fails
 * with SANDBOX_ERROR (the item is retried next cycle) and the next job
 * starts a new helper. Without a running helper a job forks here, as
 * sandbox_run does (the one-shot commands).
 */
#ifndef PACKETD_ZYGOTE_H
#define PACKETD_ZYGOTE_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "sandbox.h"

#define ZYGOTE_MAXARGS 4
/* Jobs submitted and not yet collected at once (cycle.c reads at most
 * CYCLE_AHEAD + 1 items ahead); more waiting would only hold folders. */
#define ZYGOTE_QUEUE 16

typedef struct zygote_job {
	const char *kind;                  /* names a row of the zygote's table */
	config_limits lim;                 /* the child's limits (sandbox.h) */
	int depth;
	const char *workdir;               /* existing; the child writes only below it */
	const char *arg[ZYGOTE_MAXARGS];   /* NULL past the last */
} zygote_job;

/* Runs in the sandboxed child: returns the result (owned by the caller) or
 * NULL on a system error. env is the zygote's env (the rules). */
typedef json_t *(*zygote_fn)(const zygote_job *job, const void *env);

typedef struct zygote_kind {
	const char *name;
	zygote_fn fn;
} zygote_kind;

typedef struct zygote {
	pid_t pid;                  /* the helper, or 0 when none runs */
	int fd;                     /* our end of its socket, or -1 */
	const zygote_kind *kinds;   /* foreign */
	size_t nkinds;
	const void *env;            /* foreign: handed to every job */
	int wanted;                 /* started by its owner: restart it when it ends */
	const char *work_root;      /* foreign, or NULL: see below */
	int waiting;                /* jobs submitted, answers not yet collected */
	unsigned life;              /* counts the helpers ended: a ticket of an earlier one is void */
} zygote;

/* A job submitted (zygote_submit) and not yet collected. */
typedef struct zygote_ticket {
	enum { ZYGOTE_TICKET_FAILED, ZYGOTE_TICKET_HERE, ZYGOTE_TICKET_SENT } state;
	unsigned life;              /* z->life when sent */
} zygote_ticket;

/* Fills z for kinds; no helper runs yet (jobs fork here until zygote_start). */
void zygote_init(zygote *z, const zygote_kind *kinds, size_t nkinds, const void *env);

/* Forks the helper. Returns 0, or -1 (jobs then fork here). */
int zygote_start(zygote *z);

/* Ends the helper, if one runs, and waits for it. */
void zygote_stop(zygote *z);

/* Runs job as sandbox_run does, in a child of the helper when one runs (it
 * is restarted first if it has ended), else in a child of this process.
 * On SANDBOX_OK *result is set (caller json_decref's it); why is filled for
 * SANDBOX_LIMIT and SANDBOX_DIED. */
int zygote_run(zygote *z, const zygote_job *job, json_t **result, char *why, size_t whylen);

/* zygote_run in two steps, so that packetd goes on with other work while
 * the job runs: zygote_submit hands job to the helper (0), or says why not
 * in t (-1: zygote_collect then runs it in a child here, or fails it);
 * zygote_collect waits for its answer and returns what zygote_run would.
 * job and everything it points to must stay as they are until then, and
 * each waiting job has a work folder of its own (the result waits there). At
 * most ZYGOTE_QUEUE jobs wait at once, and they are collected in the order
 * they were submitted; every submitted ticket is collected. */
int zygote_submit(zygote *z, const zygote_job *job, zygote_ticket *t);
int zygote_collect(zygote *z, const zygote_job *job, zygote_ticket *t, json_t **result, char *why, size_t whylen);

#endif
