/* wait.h — what `packetd run` does between two cycles. One ppoll(2) waits
 * for whichever comes first: the next poll of every source (poll_interval
 * after the last cycle), the next periodic work (workflow_next_due), news
 * from a watched source (IMAP IDLE; source.h), or SIGTERM, SIGINT, SIGHUP;
 * meanwhile systemd's watchdog is told the daemon lives. The signal
 * handlers only set flags: the signals are blocked while the flags are
 * read and unblocked inside ppoll, so one arriving just before the wait
 * still ends it at once. */
#ifndef PACKETD_WAIT_H
#define PACKETD_WAIT_H

#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

typedef struct wait_set wait_set;

enum wait_why {
	WAIT_POLL,    /* poll_interval passed */
	WAIT_DUE,     /* periodic work falls due */
	WAIT_NEWS,    /* a watched source announced new items */
	WAIT_SIGNAL   /* *stop or *reload was set */
};

typedef struct wait_until {
	long poll_interval;                   /* seconds from the call */
	time_t due_in;                        /* seconds to the periodic work; 0: none */
	uint64_t watchdog_usec;               /* systemd's WATCHDOG_USEC; 0: no watchdog */
	const volatile sig_atomic_t *stop;    /* foreign: set by SIGTERM or SIGINT */
	const volatile sig_atomic_t *reload;  /* foreign: set by SIGHUP */
} wait_until;

/* One watch per source of conf (foreign: must outlive the set). Caller
 * frees with wait_close. */
wait_set *wait_open(const config *conf);
/* Before a cycle: (re)arms every watch, so that what arrives while the
 * cycle runs is announced. */
void wait_arm(wait_set *w);
/* Waits as above (w NULL: no watches) and says what ended the wait. */
enum wait_why wait_next(wait_set *w, const wait_until *u);
/* Closes the watches' connections; NULL is ignored. */
void wait_close(wait_set *w);

#endif
