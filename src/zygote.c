/* zygote.c — the sandbox helper process (see zygote.h). Jobs and answers
 * travel as one datagram each over a SOCK_SEQPACKET socket pair: a job is
 * a fixed head (the limits, the depth, the number of strings) and then
 * NUL-terminated strings (kind, work folder, arguments); an answer is the
 * status and why. One job at a time: the daemon waits for each answer.
 */
#include "zygote.h"

#include <errno.h>
#include <iconv.h>
#include <locale.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "util.h"

#define ZYGOTE_MSG_MAX (64 * 1024)
#define ZYGOTE_MAGIC 0x7a796731u
#define ZYGOTE_KEEP_FREE (8u << 20)   /* free heap bytes a worker keeps between jobs */
#define ZYGOTE_HEAP_BLOCK_MAX (4u << 20)   /* a worker's bigger blocks are mapped each on its own */
#define ZYGOTE_GRACE 30   /* seconds past the child's wall limit before the helper counts as hung */

typedef struct zygote_head {
	uint32_t magic;
	int32_t depth;
	uint32_t nstr;   /* kind, workdir, then the arguments */
	config_limits lim;
} zygote_head;

typedef struct zygote_answer {
	int32_t status;
	char why[256];
} zygote_answer;

/* What the helper loads once so that its children need not: the locale
 * unpack.c switches to and the converters charset.c opens. Held open for
 * the helper's life, so glibc keeps them loaded. */
typedef struct zygote_warm {
	locale_t loc;
	iconv_t cd[4];
} zygote_warm;

static const char *const zygote_charsets[] = {"GB18030", "UTF-16LE", "UTF-16BE", "ISO-8859-1"};

/* A child of the helper that serves up to lim.sandbox_jobs jobs one after
 * another (zygote.h): the fork, the faults of a fresh image and the exit
 * were two thirds of a packet's cost. */
typedef struct zygote_worker {
	pid_t pid;           /* 0 when none runs */
	int fd;              /* the helper's end of its socket, or -1 */
	int pidfd;           /* -1 without one: the wait then naps */
	uint64_t served;     /* jobs sent to it */
	config_limits lim;   /* what it was confined with */
} zygote_worker;

typedef struct zygote_call {
	zygote_fn fn;
	const zygote_job *job;
	const void *env;
} zygote_call;

static json_t *zygote_call_fn(void *arg)
{
	const zygote_call *c = arg;
	return c->fn(c->job, c->env);
}

static zygote_fn zygote_find(const zygote *z, const char *kind)
{
	for (size_t i = 0; i < z->nkinds; i++)
		if (strcmp(z->kinds[i].name, kind) == 0)
			return z->kinds[i].fn;
	return NULL;
}

void zygote_init(zygote *z, const zygote_kind *kinds, size_t nkinds, const void *env)
{
	memset(z, 0, sizeof *z);
	z->fd = -1;
	z->kinds = kinds;
	z->nkinds = nkinds;
	z->env = env;
}

/* Returns the message's length, or 0 when it does not fit. */
static size_t zygote_encode(const zygote_job *job, char *msg, size_t cap)
{
	zygote_head h;
	size_t off = sizeof h;
	const char *s[2 + ZYGOTE_MAXARGS];
	uint32_t n = 0;
	memset(&h, 0, sizeof h);
	s[n++] = job->kind;
	s[n++] = job->workdir;
	for (size_t i = 0; i < ZYGOTE_MAXARGS && job->arg[i] != NULL; i++)
		s[n++] = job->arg[i];
	for (uint32_t i = 0; i < n; i++) {
		size_t len = strlen(s[i]) + 1;
		if (off + len > cap)
			return 0;
		memcpy(msg + off, s[i], len);
		off += len;
	}
	h.magic = ZYGOTE_MAGIC;
	h.depth = job->depth;
	h.nstr = n;
	h.lim = job->lim;
	memcpy(msg, &h, sizeof h);
	return off;
}

/* Fills job with pointers into msg. Returns 0, or -1 for a malformed job. */
static int zygote_decode(char *msg, size_t len, zygote_job *job)
{
	zygote_head h;
	size_t off = sizeof h;
	const char *s[2 + ZYGOTE_MAXARGS];
	memset(job, 0, sizeof *job);
	if (len < sizeof h)
		return -1;
	memcpy(&h, msg, sizeof h);
	if (h.magic != ZYGOTE_MAGIC || h.nstr < 2 || h.nstr > 2 + ZYGOTE_MAXARGS)
		return -1;
	for (uint32_t i = 0; i < h.nstr; i++) {
		const char *end = memchr(msg + off, '\0', len - off);
		if (off >= len || end == NULL)
			return -1;
		s[i] = msg + off;
		off = (size_t)(end - msg) + 1;
	}
	job->kind = s[0];
	job->workdir = s[1];
	for (uint32_t i = 2; i < h.nstr; i++)
		job->arg[i - 2] = s[i];
	job->depth = h.depth;
	job->lim = h.lim;
	return 0;
}

static void zygote_warm_up(zygote_warm *w)
{
	/* Without TZ, glibc stats /etc/localtime again at every localtime()
	 * (libarchive converts each zip member's DOS time with mktime: some 70
	 * stats a packet); named once, the zone is read once. */
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 0);
	tzset();
	w->loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	for (size_t i = 0; i < sizeof w->cd / sizeof w->cd[0]; i++)
		w->cd[i] = iconv_open("UTF-8", zygote_charsets[i]);
}

static void zygote_warm_free(zygote_warm *w)
{
	if (w->loc != (locale_t)0)
		freelocale(w->loc);
	for (size_t i = 0; i < sizeof w->cd / sizeof w->cd[0]; i++)
		if (w->cd[i] != (iconv_t)-1)
			iconv_close(w->cd[i]);
}


/* The worker's CPU ceiling for its whole life: every job may use its
 * sandbox_cpu seconds (sandbox_cpu_from_now moves the soft limit). */
static uint64_t zygote_cpu_hard(const config_limits *lim)
{
	return (lim->sandbox_cpu + 2) * (lim->sandbox_jobs + 1);
}

/* The worker's life: one job at a time, lim->sandbox_jobs at most, until
 * the helper closes its end or a job fails. Never returns. A job that
 * breaks a limit or crashes ends the worker with it (the helper reads its
 * wait status, as for a child of its own). */
/* What the worker inherits of the helper's own and gives back before it
 * ends (for valgrind's leak check: nothing of the helper's is lost). */
typedef struct zygote_inherited {
	char *msg;          /* the helper's job buffer */
	zygote_warm *warm;  /* the helper's locale and converters, used by the worker too */
} zygote_inherited;

static void zygote_worker_main(const zygote *z, int fd, const config_limits *lim, pid_t helper, int net_cut,
			       const zygote_inherited *inh)
{
	uint64_t hard = zygote_cpu_hard(lim), served = 0;
	char *msg = xcalloc(1, ZYGOTE_MSG_MAX);
	prctl(PR_SET_NAME, "packetd-worker");
	/* Left to itself, free() gives the top of the heap back past 128 KiB
	 * and unmaps every block of 128 KiB and more it handed out (the
	 * archive reader's buffers among them): each packet then faulted in
	 * and zeroed about 480 KiB of new pages again. The heap stays; the
	 * check after each job trims what a big one left. */
	mallopt(M_TRIM_THRESHOLD, (int)ZYGOTE_KEEP_FREE);
	mallopt(M_MMAP_THRESHOLD, (int)ZYGOTE_HEAP_BLOCK_MAX);
	if (sandbox_confine(lim, z->work_root, helper, net_cut, hard) != 0)
		_exit(SANDBOX_EXIT_SYSERR);
	while (served < lim->sandbox_jobs) {
		zygote_answer a;
		zygote_job job;
		zygote_fn fn;
		json_t *res;
		ssize_t n = recv(fd, msg, ZYGOTE_MSG_MAX, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		served++;
		memset(&a, 0, sizeof a);
		a.status = SANDBOX_ERROR;
		if ((size_t)n > ZYGOTE_MSG_MAX || zygote_decode(msg, (size_t)n, &job) != 0 ||
		    (fn = zygote_find(z, job.kind)) == NULL || sandbox_cpu_from_now(lim, hard) != 0) {
			log_error("sandbox worker: a job it cannot run (%zd bytes)", n);
		} else if ((res = fn(&job, z->env)) != NULL) {
			if (sandbox_put_result(res, job.workdir) == 0)
				a.status = SANDBOX_OK;
			else if (errno == ENOMEM)
				_exit(SANDBOX_EXIT_NOMEM);
			json_decref(res);
		}
		/* A big job's freed heap goes back to the system; a usual job's is
		 * kept, as trimming after each cost the next one its page faults
		 * again (about 3 ms a packet). */
		if (mallinfo2().fordblks > ZYGOTE_KEEP_FREE)
			malloc_trim(0);
		if (send(fd, &a, sizeof a, MSG_NOSIGNAL) != (ssize_t)sizeof a || a.status != SANDBOX_OK)
			break;
	}
	/* The inherited converters stay open: closing them unloads gconv's
	 * modules (dlclose), work for a process about to end. They stay
	 * reachable through gconv's own tables; the locale would not. */
	free(msg);
	free(inh->msg);
	if (inh->warm->loc != (locale_t)0)
		freelocale(inh->warm->loc);
	_exit(0);
}

/* Forks a process joined to this one by a SOCK_SEQPACKET pair. Returns,
 * in the parent, the child's pid with *fd its end of the pair; in the
 * child, 0 with *fd the child's end and every other descriptor but 0-2
 * closed (it talks to its parent only); -1 (logged as what's) when it
 * could not. */
static pid_t zygote_fork_pair(const char *what, int *fd)
{
	int sv[2];
	pid_t pid;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		log_warn("%s: socketpair: %s", what, strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_warn("%s: fork: %s", what, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		if (sv[1] > 3)
			close_range(3, (unsigned)sv[1] - 1, 0);
		close_range((unsigned)(sv[1] >= 3 ? sv[1] + 1 : 3), ~0u, 0);
		*fd = sv[1];
		return 0;
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

static int zygote_worker_start(const zygote *z, zygote_worker *w, const config_limits *lim, int net_cut,
			       const zygote_inherited *inh)
{
	pid_t helper = getpid(), pid;
	int fd;
	pid = zygote_fork_pair("sandbox worker", &fd);
	if (pid < 0)
		return -1;
	if (pid == 0)
		zygote_worker_main(z, fd, lim, helper, net_cut, inh);
	w->pid = pid;
	w->fd = fd;
	w->pidfd = sandbox_pidfd(pid);
	w->served = 0;
	w->lim = *lim;
	return 0;
}

/* Ends the worker (killing it first when kill_it) and reaps it; *status
 * gets its wait status when status is not NULL. */
static void zygote_worker_end(zygote_worker *w, int kill_it, int *status)
{
	int st = 0;
	if (w->pid > 0 && kill_it)
		kill(w->pid, SIGKILL);
	if (w->fd >= 0)
		close(w->fd);
	/* without its socket an idle worker leaves at once */
	while (w->pid > 0 && waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (w->pidfd >= 0)
		close(w->pidfd);
	if (status != NULL)
		*status = st;
	w->pid = 0;
	w->fd = w->pidfd = -1;
}

/* Waits for the worker's answer to the job just sent, at most the job's
 * wall time. Returns the job's status as sandbox_exec would. */
static int zygote_worker_wait(zygote_worker *w, const config_limits *lim, char *why, size_t whylen)
{
	struct timespec t0, t;
	zygote_answer a;
	int status = 0, rc;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p[2] = {{.fd = w->fd, .events = POLLIN}, {.fd = w->pidfd, .events = POLLIN}};
		long long spent;
		int left, r;
		clock_gettime(CLOCK_MONOTONIC, &t);
		spent = (long long)(t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= (long long)lim->sandbox_wall * 1000) {
			zygote_worker_end(w, 1, &status);
			return sandbox_judge(status, 1, lim, why, whylen);
		}
		left = (int)((long long)lim->sandbox_wall * 1000 - spent);
		/* without a pidfd a worker that died is seen by its socket's hangup */
		r = poll(p, w->pidfd >= 0 ? 2 : 1, left);
		if (r < 0 && errno != EINTR) {
			log_error("sandbox helper: poll: %s", strerror(errno));
			zygote_worker_end(w, 1, NULL);
			return SANDBOX_ERROR;
		}
		if (r <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			ssize_t n = recv(w->fd, &a, sizeof a, 0);
			if (n == (ssize_t)sizeof a)
				break;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR) || p[1].revents) {
			/* gone without an answer: its wait status says why */
			zygote_worker_end(w, 0, &status);
			rc = sandbox_judge(status, 0, lim, why, whylen);
			return rc == SANDBOX_OK ? SANDBOX_ERROR : rc;
		}
	}
	a.why[sizeof a.why - 1] = '\0';
	snprintf(why, whylen, "%s", a.why);
	if (a.status != SANDBOX_OK || w->served >= lim->sandbox_jobs)
		zygote_worker_end(w, 0, NULL);
	return a.status == SANDBOX_OK ? SANDBOX_OK : SANDBOX_ERROR;
}

/* Runs the job (msg, len bytes; job decoded from it) on the worker,
 * starting one when none runs or the running one was confined with other
 * limits. Returns the status as sandbox_exec does. */
static int zygote_worker_run(const zygote *z, zygote_worker *w, const char *msg, size_t len,
			     const zygote_job *job, int net_cut, const zygote_inherited *inh, char *why, size_t whylen)
{
	if (w->pid > 0 && memcmp(&w->lim, &job->lim, sizeof w->lim) != 0)
		zygote_worker_end(w, 0, NULL);
	if (whylen)
		why[0] = '\0';
	/* one that ended idle (killed) would take the job to its grave */
	if (w->pid > 0 && w->pidfd >= 0) {
		struct pollfd p = {.fd = w->pidfd, .events = POLLIN};
		if (poll(&p, 1, 0) > 0)
			zygote_worker_end(w, 0, NULL);
	}
	for (int attempt = 0;; attempt++) {
		if (w->pid <= 0 && zygote_worker_start(z, w, &job->lim, net_cut, inh) != 0)
			return SANDBOX_ERROR;
		if (send(w->fd, msg, len, MSG_NOSIGNAL) == (ssize_t)len)
			break;
		/* it died idle (the OOM killer): a new one takes the job */
		zygote_worker_end(w, 1, NULL);
		if (attempt == 1)
			return SANDBOX_ERROR;
	}
	w->served++;
	return zygote_worker_wait(w, &job->lim, why, whylen);
}

/* A job the worker may take: workers are wanted, and the job's folder is
 * below the one the worker's Landlock rule lets it write in. */
static int zygote_servable(const zygote *z, const zygote_job *job)
{
	size_t n;
	if (job->lim.sandbox_jobs <= 1 || z->work_root == NULL)
		return 0;
	n = strlen(z->work_root);
	return strncmp(job->workdir, z->work_root, n) == 0 && job->workdir[n] == '/' &&
	       strstr(job->workdir + n, "/..") == NULL;
}

/* The helper's life: one job at a time until the daemon closes its end or
 * dies. Never returns. */
static void zygote_helper(const zygote *z, int fd, pid_t daemon)
{
	static const int ign[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	char *msg = xcalloc(1, ZYGOTE_MSG_MAX);
	struct sigaction sa;
	zygote_warm w;
	zygote_worker wk = {.pid = 0, .fd = -1, .pidfd = -1};
	zygote_inherited inh = {msg, &w};
	int net_cut;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != daemon)
		_exit(0);
	prctl(PR_SET_NAME, "packetd-zygote");
	/* The daemon finishes its item on SIGTERM and then closes the socket:
	 * the helper ends then, not before. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	for (size_t i = 0; i < sizeof ign / sizeof ign[0]; i++)
		sigaction(ign[i], &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	/* nothing of the daemon's (database, spool lock, connections) is open
	 * here: zygote_fork_pair closed it */
	zygote_warm_up(&w);
	/* once for all the children: a namespace and a filter each cost more
	 * than the rest of the confinement together */
	net_cut = sandbox_cut_network() == 0;
	for (;;) {
		zygote_answer a;
		zygote_job job;
		zygote_call call;
		ssize_t n = recv(fd, msg, ZYGOTE_MSG_MAX, MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		memset(&a, 0, sizeof a);
		a.status = SANDBOX_ERROR;
		if ((size_t)n > ZYGOTE_MSG_MAX || zygote_decode(msg, (size_t)n, &job) != 0) {
			log_error("sandbox helper: a malformed job (%zd bytes)", n);
		} else if ((call.fn = zygote_find(z, job.kind)) == NULL) {
			log_error("sandbox helper: no job of kind %s", job.kind);
		} else {
			call.job = &job;
			call.env = z->env;
			if (zygote_servable(z, &job))
				a.status = zygote_worker_run(z, &wk, msg, (size_t)n, &job, net_cut, &inh, a.why,
							     sizeof a.why);
			else
				a.status = sandbox_exec(&job.lim, job.workdir, zygote_call_fn, &call, net_cut, a.why,
							sizeof a.why);
		}
		/* the test's kill of the helper in mid-job: the child has written
		 * its result, the daemon is still waiting for the answer */
		fault_point("zygote");
		if (send(fd, &a, sizeof a, MSG_NOSIGNAL) != (ssize_t)sizeof a)
			break;
	}
	zygote_worker_end(&wk, 0, NULL);
	zygote_warm_free(&w);
	free(msg);
	_exit(0);
}

int zygote_start(zygote *z)
{
	pid_t daemon = getpid(), pid;
	int fd;
	pid = zygote_fork_pair("sandbox helper", &fd);
	if (pid < 0)
		return -1;
	if (pid == 0)
		zygote_helper(z, fd, daemon);
	z->pid = pid;
	z->fd = fd;
	z->wanted = 1;
	log_debug("sandbox helper started (pid %ld)", (long)pid);
	return 0;
}

/* Ends the helper, killing it first when it may be busy or hung. */
static void zygote_end(zygote *z, int kill_it)
{
	/* answers it still owed are lost: their tickets see another life */
	z->life++;
	z->waiting = 0;
	if (z->pid > 0 && kill_it)
		kill(z->pid, SIGKILL);
	if (z->fd >= 0)
		close(z->fd);
	/* without its socket an idle helper leaves at once */
	while (z->pid > 0 && waitpid(z->pid, NULL, 0) < 0 && errno == EINTR)
		;
	z->pid = 0;
	z->fd = -1;
}

void zygote_stop(zygote *z)
{
	zygote_end(z, 0);
	z->wanted = 0;
}

/* The job in a child of this process, as sandbox_run does. */
static int zygote_here(const zygote *z, const zygote_job *job, json_t **result, char *why, size_t whylen)
{
	zygote_call call = {zygote_find(z, job->kind), job, z->env};
	if (call.fn == NULL) {
		log_error("sandbox: no job of kind %s", job->kind);
		return SANDBOX_ERROR;
	}
	return sandbox_run(&job->lim, job->workdir, zygote_call_fn, &call, result, why, whylen);
}

/* Waits for the helper's answer. Returns 0, or -1 if the helper ended,
 * hung or answered nonsense. */
static int zygote_answer_wait(zygote *z, const zygote_job *job, zygote_answer *a)
{
	int left = (int)(job->lim.sandbox_wall + ZYGOTE_GRACE) * 1000;
	ssize_t n;
	for (;;) {
		struct pollfd p = {.fd = z->fd, .events = POLLIN};
		int r = poll(&p, 1, left);
		if (r > 0)
			break;
		if (r == 0 || errno != EINTR) {
			log_warn("sandbox helper: no answer within %llu s", (unsigned long long)job->lim.sandbox_wall + ZYGOTE_GRACE);
			return -1;
		}
		/* a signal for the daemon (SIGTERM): the job still finishes;
		 * the wait restarts in full rather than tracking the time */
	}
	n = recv(z->fd, a, sizeof *a, 0);
	if (n != (ssize_t)sizeof *a)
		return -1;
	a->why[sizeof a->why - 1] = '\0';
	return 0;
}

/* Starts a helper when one is wanted and none runs: the last has ended. */
static void zygote_ensure(zygote *z)
{
	if (!z->wanted)
		return;
	if (z->pid > 0 && waitpid(z->pid, NULL, WNOHANG) == z->pid) {
		log_warn("sandbox helper (pid %ld) has ended", (long)z->pid);
		z->pid = 0;
		zygote_end(z, 0);
	}
	if (z->pid > 0)
		return;
	log_info("sandbox helper: starting a new one");
	if (zygote_start(z) != 0)
		log_warn("sandbox helper: none for this job (it forks from packetd); tried again at the next");
}

int zygote_submit(zygote *z, const zygote_job *job, zygote_ticket *t)
{
	char *msg = NULL;
	size_t len;
	int sent = 0;

	t->state = ZYGOTE_TICKET_FAILED;
	zygote_ensure(z);
	if (z->pid <= 0) {
		t->state = ZYGOTE_TICKET_HERE;
		return -1;
	}
	/* the helper answers in order; more waiting would only hold their folders */
	if (z->waiting >= ZYGOTE_QUEUE) {
		log_error("sandbox helper: more than %d jobs submitted at once", ZYGOTE_QUEUE);
		return -1;
	}
	msg = xrealloc(NULL, ZYGOTE_MSG_MAX);   /* zygote_encode fills what is sent; the rest is not */
	len = zygote_encode(job, msg, ZYGOTE_MSG_MAX);
	if (len == 0) {
		log_error("sandbox helper: the job's paths are too long");
		free(msg);
		return -1;
	}
	/* A helper gone since its last job refuses the job whole: a new one
	 * takes it, unless it still owed answers (they are lost with it). */
	for (int attempt = 0; attempt < 2 && !sent && z->pid > 0; attempt++) {
		sent = send(z->fd, msg, len, MSG_NOSIGNAL) == (ssize_t)len;
		if (!sent) {
			log_warn("sandbox helper (pid %ld): %s", (long)z->pid, strerror(errno));
			zygote_end(z, 1);
			if (z->waiting > 0)
				break;
			zygote_ensure(z);
		}
	}
	free(msg);
	if (!sent) {
		if (z->pid <= 0)
			t->state = ZYGOTE_TICKET_HERE;
		return -1;
	}
	z->waiting++;
	t->state = ZYGOTE_TICKET_SENT;
	t->life = z->life;
	return 0;
}

int zygote_collect(zygote *z, const zygote_job *job, zygote_ticket *t, json_t **result, char *why, size_t whylen)
{
	zygote_answer a;
	*result = NULL;
	if (whylen)
		why[0] = '\0';
	if (t->state != ZYGOTE_TICKET_SENT) {
		int here = t->state == ZYGOTE_TICKET_HERE;
		t->state = ZYGOTE_TICKET_FAILED;
		return here ? zygote_here(z, job, result, why, whylen) : SANDBOX_ERROR;
	}
	t->state = ZYGOTE_TICKET_FAILED;
	if (t->life != z->life || z->pid <= 0) {
		/* its helper ended with an earlier job: retried next cycle */
		sandbox_discard(job->workdir);
		return SANDBOX_ERROR;
	}
	z->waiting--;
	if (zygote_answer_wait(z, job, &a) != 0) {
		/* The job may have half run: its item waits for the next cycle,
		 * and the next job starts a new helper. */
		log_warn("sandbox helper (pid %ld) ended during a job; the item is retried next cycle", (long)z->pid);
		zygote_end(z, 1);
		sandbox_discard(job->workdir);
		return SANDBOX_ERROR;
	}
	if (a.status == SANDBOX_OK)
		return sandbox_take(&job->lim, job->workdir, result);
	sandbox_discard(job->workdir);
	snprintf(why, whylen, "%s", a.why);
	return a.status == SANDBOX_LIMIT || a.status == SANDBOX_DIED ? a.status : SANDBOX_ERROR;
}

int zygote_run(zygote *z, const zygote_job *job, json_t **result, char *why, size_t whylen)
{
	zygote_ticket t;
	zygote_submit(z, job, &t);
	return zygote_collect(z, job, &t, result, why, whylen);
}
