/* fault.h — crash points for testing recovery (isync's test-only flag that
 * stops after N journal steps, here as an environment variable).
 *
 * PACKETD_FAULT=STAGE kills packetd with SIGKILL the first time it reaches
 * fault_point("STAGE"); PACKETD_FAULT=STAGE:N the Nth time. Unset (the
 * normal case) costs one getenv per point. SIGKILL, not exit(): nothing is
 * flushed, no handler or atexit runs, so the test sees what a power cut or
 * an OOM kill would leave.
 *
 * Stages (where the crash happens and what a rerun must find):
 *   fetched      the source's fetch returned; nothing recorded yet
 *   unpack       an archive member's bytes were written to the work folder (for a
 *                packet: reached in packetd once the sandboxed child has written
 *                them, once per member; the child itself has no crash points)
 *   commit       an email item's rows (item, application, outbox) are written
 *                inside its transaction, before COMMIT
 *   batch-row    the same for one row of a provincial batch
 *   receipt      a batch's receipt was written to the source, before the
 *                transaction that records the batch commits
 *   committed    the item's transaction committed; the source's move not done
 *   move         inside the source's done(): target folder made, before the rename
 *   delivered    the transport accepted a notice (Maildir: file renamed into
 *                new/; SMTP: the server said 250), before the outbox row is
 *                marked sent
 *   maildir-tmp  the Maildir transport wrote tmp/NAME, before the rename
 *   zygote       kills the sandbox helper (zygote.h), not packetd: a job's child
 *                has ended and written its result, the answer is not sent; the
 *                item is retried next cycle, a new helper takes the next job.
 *                A helper started anew counts its own hits from zero.
 * A new backend adds its own points with fault_point("NAME") and lists them
 * here (for example imap-move, sftp-rename, smtp-data).
 *
 * PACKETD_FAIL=STAGE[:N] makes fault_fails("STAGE") answer 1 at its Nth
 * hit (once): a failure no test server can be made to give on one item.
 *   fetch        the source's fetch of an item fails (the item is left for
 *                the next cycle while the ones read ahead go on)
 *   sync         the spool's sync before a group commit fails: the group is
 *                rolled back, its items left for the next cycle
 *   group-commit the group's COMMIT fails (as when SQLite itself refuses it):
 *                the same
 *
 * PACKETD_PAUSE=STAGE[:N] makes packetd stop for PACKETD_PAUSE_SECONDS
 * (default 3) at the Nth hit of fault_point("STAGE"), after logging
 * "fault injection: pausing packetd at STAGE": a test then does to a
 * server what it must survive at a known moment, not at one a sleep leaves
 * to the machine's speed.
 */
#ifndef PACKETD_FAULT_H
#define PACKETD_FAULT_H

/* Kills the process with SIGKILL when PACKETD_FAULT selects this stage and
 * hit, or pauses it when PACKETD_PAUSE does; otherwise returns at once. */
void fault_point(const char *stage);

/* 1 when PACKETD_FAIL selects this stage and hit, else 0. */
int fault_fails(const char *stage);

#endif
