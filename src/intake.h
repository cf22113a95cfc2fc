/* intake.h — from an archive (or the members of a folder) to a checked
 * packet: unpack → sniff → manifest → classify → check. Shared by the
 * pipeline (email and batch items) and by `packetd validate`, so an
 * applicant's offline check and the centre's intake agree by construction.
 */
#ifndef PACKETD_INTAKE_H
#define PACKETD_INTAKE_H

#include <time.h>

#include "config.h"
#include "packet.h"
#include "rules.h"
#include "unpack.h"
#include "zygote.h"

typedef struct intake_options {
	const rules *r;             /* foreign */
	const config_limits *lim;   /* foreign */
	const char *target;         /* overrides the applicant's target, or NULL */
	time_t now;
	int depth;                  /* nesting level of the archive: 0 top, 1 in a batch */
	zygote *zy;                 /* foreign: the sandbox helper, or NULL to fork here */
} intake_options;

/* Fills z (zygote_init) with the jobs intake_archive and
 * unpack_archive_boxed send to the sandbox helper; r is handed to them,
 * so restart the helper when the rules are reloaded. */
void intake_zygote_init(zygote *z, const rules *r);

/* Unpacks the archive at path into workdir (existing, empty) and fills p.
 * An unsafe or unreadable archive gives p->outcome PACKET_REJECTED with the
 * archive_* finding. Returns 0, or -1 on a system error (retry later). */
int intake_archive(const intake_options *o, const char *path, const char *name, const char *workdir,
		   packet *p);

/* intake_archive in two steps, so that packetd goes on while the sandbox
 * reads the packet: intake_archive_start copies its arguments into pend
 * and hands the job to the sandbox helper (sha256 may be NULL or empty:
 * it is computed); intake_archive_finish waits for it and fills p as
 * intake_archive does; intake_archive_drop waits for it and throws the
 * result away (the item was decided otherwise). Every started pend is
 * finished or dropped, in the order started (zygote.h); both free it. */
typedef struct intake_pending {
	int active;                 /* started, not yet finished or dropped */
	char *path, *name, *workdir;   /* owned copies of the arguments */
	char sha256[65];
	zygote *zy;                 /* foreign: o->zy, or &here */
	zygote here;                /* when o->zy is NULL: forks here */
	zygote_job job;             /* points into the fields above */
	zygote_ticket ticket;
} intake_pending;

int intake_archive_start(const intake_options *o, const char *path, const char *name, const char *workdir,
			 const char *sha256, intake_pending *pend);
int intake_archive_finish(const intake_options *o, intake_pending *pend, packet *p);
void intake_archive_drop(intake_pending *pend);
void intake_pending_free(intake_pending *pend);

/* Fills p from members already unpacked (a folder packet in a batch). The
 * member files stay owned by the caller's unpack_result; p copies names and
 * paths. */
int intake_members(const intake_options *o, const unpack_member *members, size_t n, packet *p);

/* Fields the email can give when there is no manifest: the sender's address,
 * and a subject such as "CEng application / 张伟 / CMES M2024001234". Only
 * fields still missing are set. */
void intake_fields_from_email(applicant *a, const char *from_addr, const char *subject);

/* Runs the checks once the applicant fields are final. */
int intake_check(const intake_options *o, packet *p);

#endif
