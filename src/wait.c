/* wait.c — between two cycles of `packetd run`. See wait.h. */
#include "wait.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "source.h"
#include "util.h"

struct wait_set {
	source_watch *watch;   /* owned, n: one per configured source */
	size_t n;
};

static double wait_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

wait_set *wait_open(const config *conf)
{
	wait_set *w = xcalloc(1, sizeof *w);
	w->n = conf->nsources;
	w->watch = xcalloc(w->n + 1, sizeof *w->watch);
	for (size_t i = 0; i < w->n; i++)
		source_watch_init(&w->watch[i], &conf->sources[i]);
	return w;
}

void wait_arm(wait_set *w)
{
	double now = wait_clock();
	for (size_t i = 0; w && i < w->n; i++)
		source_watch_arm(&w->watch[i], now);
}

void wait_close(wait_set *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->n; i++)
		source_watch_close(&w->watch[i]);
	free(w->watch);
	free(w);
}

/* Reads what came on the watches that have input, have it buffered or
 * reached their deadline: 1 when one announced new items. */
static int wait_wake(wait_set *w, const struct pollfd *pfd, const size_t *slot, double now)
{
	int news = 0;
	for (size_t i = 0; w && i < w->n; i++) {
		source_watch *sw = &w->watch[i];
		int input = slot[i] != (size_t)-1 && (pfd[slot[i]].revents & (POLLIN | POLLHUP | POLLERR));
		if ((input || sw->pending || (sw->deadline > 0 && sw->deadline <= now)) &&
		    source_watch_wake(sw, now) == 1)
			news = 1;
	}
	return news;
}

enum wait_why wait_next(wait_set *w, const wait_until *u)
{
	double start = wait_clock(), poll_at = start + (double)u->poll_interval;
	double due_at = u->due_in > 0 ? start + (double)u->due_in : 0;
	double ping = (double)u->watchdog_usec / 2e6, last_ping = 0;
	size_t n = w ? w->n : 0, nfd, watched = 0;
	struct pollfd *pfd = xcalloc(n + 1, sizeof *pfd);
	size_t *slot = xcalloc(n + 1, sizeof *slot);
	sigset_t block, old;
	enum wait_why why;
	char due[64] = "";
	for (size_t i = 0; i < n; i++)
		watched += w->watch[i].fd >= 0;
	if (u->due_in > 0)
		snprintf(due, sizeof due, " or when periodic work falls due in %lld s", (long long)u->due_in);
	log_debug("waiting: next cycle in %ld s%s%s", u->poll_interval, due,
		  watched ? ", or when new mail is announced (IDLE)" : "");
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (;;) {
		double now = wait_clock(), until = poll_at;
		struct timespec ts;
		if (*u->stop || *u->reload) {
			why = WAIT_SIGNAL;
			break;
		}
		if (u->watchdog_usec && now - last_ping >= ping - 0.001) {
			sd_notify(0, "WATCHDOG=1");
			last_ping = now;
		}
		if (now >= poll_at) {
			why = WAIT_POLL;
			break;
		}
		if (due_at > 0 && now >= due_at) {
			why = WAIT_DUE;
			break;
		}
		if (due_at > 0 && due_at < until)
			until = due_at;
		if (u->watchdog_usec && last_ping + ping < until)
			until = last_ping + ping;
		nfd = 0;
		for (size_t i = 0; i < n; i++) {
			source_watch *sw = &w->watch[i];
			slot[i] = (size_t)-1;
			if (sw->pending)
				until = now;
			if (sw->deadline > 0 && sw->deadline < until)
				until = sw->deadline;
			if (sw->fd >= 0) {
				pfd[nfd] = (struct pollfd){.fd = sw->fd, .events = POLLIN};
				slot[i] = nfd++;
			}
		}
		if (until < now)
			until = now;
		ts.tv_sec = (time_t)(until - now);
		ts.tv_nsec = (long)((until - now - (double)ts.tv_sec) * 1e9);
		/* signals are delivered only in here: EINTR, and the flags are read above */
		if (ppoll(pfd, nfd, &ts, &old) < 0 && errno != EINTR) {
			log_warn("waiting between cycles: %s", strerror(errno));
			why = WAIT_POLL;
			break;
		}
		if (wait_wake(w, pfd, slot, wait_clock())) {
			why = WAIT_NEWS;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(pfd);
	free(slot);
	return why;
}
