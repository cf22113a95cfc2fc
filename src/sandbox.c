/* sandbox.c — a child process with hard limits for risky work (see
 * sandbox.h). Linux only: rlimits, unshare(2), seccomp(2) and Landlock
 * (landlock(7)), each applied when the kernel offers it; what is missing is
 * said once in the log at debug level (sandbox_describe).
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define SANDBOX_RESULT ".sandbox-result.json"
#define MB (1024ull * 1024)
#define SANDBOX_RESULT_WHOLE (4 * 1024 * 1024)   /* a result up to this size is parsed from memory */

#if defined(__x86_64__)
#define SANDBOX_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH AUDIT_ARCH_AARCH64
#endif

/* socket(2) fails with EACCES; every other call is allowed. A call made
 * under another ABI (x32) is refused whole. */
static int sandbox_seccomp(void)
{
#ifdef SANDBOX_ARCH
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
	};
	struct sock_fprog prog = {.len = (unsigned short)(sizeof f / sizeof f[0]), .filter = f};
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0 ? 0 : -1;
#else
	return -1;
#endif
}

/* No new processes and no other program: fork, vfork, clone without
 * CLONE_THREAD, execve and execveat fail with EPERM; clone3, whose flags a
 * filter cannot read, fails with ENOSYS, so that glibc makes its threads
 * with clone. A reader taken over could otherwise leave a process behind,
 * past its limits and its end, holding files it had open. */
static int sandbox_seccomp_no_spawn(void)
{
#ifdef SANDBOX_ARCH
	static const int denied[] = {
		__NR_execve, __NR_execveat,
#ifdef __NR_fork
		__NR_fork,
#endif
#ifdef __NR_vfork
		__NR_vfork,
#endif
	};
	struct sock_filter f[16];
	struct sock_fprog prog;
	size_t n = 0, first_deny, clone_at;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#ifdef __NR_clone3
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
#endif
	first_deny = n;
	for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)denied[i], 0, 0);
	clone_at = n;
	/* clone: a thread passes, a process does not */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 2);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	/* the denied calls jump to the last instruction */
	for (size_t i = first_deny; i < clone_at; i++)
		f[i].jt = (unsigned char)(n - 1 - (i + 1));
	prog.len = (unsigned short)n;
	prog.filter = f;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0 ? 0 : -1;
#else
	return -1;
#endif
}

static int sandbox_landlock_abi(void)
{
#ifdef __NR_landlock_create_ruleset
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	return abi > 0 ? (int)abi : 0;
#else
	return 0;
#endif
}

/* Every way of changing the file system is denied outside workdir. */
static int sandbox_landlock(const char *workdir)
{
#ifdef __NR_landlock_create_ruleset
	int abi = sandbox_landlock_abi(), rfd = -1, dfd = -1, rc = -1;
	struct landlock_ruleset_attr ra;
	struct landlock_path_beneath_attr pb;
	if (abi < 1)
		return -1;
	memset(&ra, 0, sizeof ra);
	ra.handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
			       LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
			       LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
			       LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
			       LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
#ifdef LANDLOCK_ACCESS_FS_REFER
	if (abi >= 2)
		ra.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
#endif
#ifdef LANDLOCK_ACCESS_FS_TRUNCATE
	if (abi >= 3)
		ra.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
#endif
	rfd = (int)syscall(__NR_landlock_create_ruleset, &ra, sizeof ra, 0);
	dfd = open(workdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 || dfd < 0)
		goto out;
	memset(&pb, 0, sizeof pb);
	pb.allowed_access = ra.handled_access_fs;
	pb.parent_fd = dfd;
	if (syscall(__NR_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0 ||
	    syscall(__NR_landlock_restrict_self, rfd, 0) != 0)
		goto out;
	rc = 0;
out:
	if (rfd >= 0)
		close(rfd);
	if (dfd >= 0)
		close(dfd);
	return rc;
#else
	(void)workdir;
	return -1;
#endif
}

void sandbox_describe(char *out, size_t len)
{
	snprintf(out, len, "rlimits%s%s, seccomp%s", sandbox_landlock_abi() > 0 ? ", landlock" : "",
#ifdef SANDBOX_NO_AS
		 " (no RLIMIT_AS under ASan)",
#else
		 "",
#endif
#ifdef SANDBOX_ARCH
		 ""
#else
		 " (unavailable)"
#endif
	);
}

/* xcalloc aborts when memory runs out: tell that apart from a crash. */
static void sandbox_on_abort(int sig)
{
	(void)sig;
	_exit(errno == ENOMEM ? SANDBOX_EXIT_NOMEM : 128 + SIGABRT);
}

static void sandbox_limit(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit r = {soft, hard};
	if (setrlimit(resource, &r) != 0)
		log_warn("sandbox: setrlimit %d: %s", resource, strerror(errno));
}

typedef struct sandbox_call {
	sandbox_fn fn;
	void *arg;
	json_t *res;
} sandbox_call;

static void *sandbox_thread(void *p)
{
	sandbox_call *c = p;
	c->res = c->fn(c->arg);
	return NULL;
}

/* A new thread gets a fresh malloc arena: the child's allocations then
 * land on new pages instead of splitting the free chunks spread over the
 * parent's heap, where every write copies a page (copy-on-write, a TLB
 * flush each). Measured at about a third of the child's CPU when packetd
 * itself forks; a child of the small sandbox helper (zygote.h) does
 * better without (fresh_arena 0): a second thread makes every TLB flush
 * an interrupt to the other CPU. Seccomp and Landlock are inherited by
 * threads created after them. */
static json_t *sandbox_call_fn(sandbox_fn fn, void *arg, int fresh_arena)
{
	sandbox_call c = {fn, arg, NULL};
	pthread_t t;
	if (!fresh_arena)
		return fn(arg);
	if (pthread_create(&t, NULL, sandbox_thread, &c) != 0)
		return fn(arg);
	pthread_join(t, NULL);
	return c.res;
}

int sandbox_cut_network(void)
{
	int netns = unshare(CLONE_NEWNET) == 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || sandbox_seccomp() != 0) {
		if (!netns) {
			log_error("sandbox: neither a network namespace nor a seccomp filter: refusing to run");
			return -1;
		}
		log_debug("sandbox: no seccomp filter; the network namespace stands alone");
	}
	return 0;
}

int sandbox_confine(const config_limits *lim, const char *scope, pid_t parent, int net_cut, uint64_t cpu_hard)
{
	static const int dfl[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGPIPE, SIGCHLD};
	static const int ign[] = {SIGTERM, SIGHUP, SIGINT};
	struct sigaction sa;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* a parent gone before the line above sent no signal: nobody would
	 * enforce the wall time */
	if (getppid() != parent)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	/* the parent's handlers are not the child's: a crash must end it */
	for (size_t i = 0; i < sizeof dfl / sizeof dfl[0]; i++)
		sigaction(dfl[i], &sa, NULL);
	/* A stop of the whole service (systemd signals every process of its
	 * cgroup) is packetd's to handle: the reader finishes its packet, or
	 * dies with packetd. Ending here, it would reject the packet as a
	 * crash of its reader. */
	sa.sa_handler = SIG_IGN;
	for (size_t i = 0; i < sizeof ign / sizeof ign[0]; i++)
		sigaction(ign[i], &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sa.sa_handler = sandbox_on_abort;
	sigaction(SIGABRT, &sa, NULL);
	/* crash points belong to packetd's own process, not to this child */
	unsetenv("PACKETD_FAULT");
	sandbox_limit(RLIMIT_CORE, 0, 0);
	sandbox_limit(RLIMIT_CPU, (rlim_t)lim->sandbox_cpu,
		      (rlim_t)(cpu_hard > lim->sandbox_cpu ? cpu_hard : lim->sandbox_cpu + 1));
#ifndef SANDBOX_NO_AS
	sandbox_limit(RLIMIT_AS, (rlim_t)lim->sandbox_memory, (rlim_t)lim->sandbox_memory);
#endif
	if (!net_cut && sandbox_cut_network() != 0)
		return -1;
	if (sandbox_seccomp_no_spawn() != 0)
		log_debug("sandbox: no seccomp filter against new processes");
	if (sandbox_landlock(scope) != 0)
		log_debug("sandbox: Landlock unavailable; writes rely on the unpacker's own rules");
	return 0;
}

int sandbox_cpu_from_now(const config_limits *lim, uint64_t cpu_hard)
{
	struct rusage ru;
	struct rlimit r;
	uint64_t used_us, soft;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	used_us = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
		  (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	/* whole seconds, rounded up, as the kernel counts them: the job gets
	 * its sandbox_cpu seconds and less than one more, as a fresh child */
	soft = (used_us + 999999u) / 1000000u + lim->sandbox_cpu;
	r.rlim_cur = (rlim_t)(soft < cpu_hard ? soft : cpu_hard);
	r.rlim_max = (rlim_t)cpu_hard;
	return setrlimit(RLIMIT_CPU, &r);
}

int sandbox_put_result(json_t *res, const char *workdir)
{
	char *result_path = util_path_join(workdir, SANDBOX_RESULT);
	/* in memory first: one write, not one per 4 KiB of stdio buffer */
	char *text = json_dumps(res, JSON_COMPACT);
	uint64_t had = 0;
	int fd = -1, rc = -1, e;
	if (text == NULL) {
		errno = ENOMEM;
		goto out;
	}
	fd = util_open_rewrite(result_path, &had);   /* the folder's earlier result, cleared, is written again */
	if (fd >= 0 && util_write_all(fd, text, strlen(text)) == 0 && util_rewrite_end(fd, had, strlen(text)) == 0)
		rc = 0;
out:
	e = errno;
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		e = errno;
		rc = -1;
	}
	free(text);
	free(result_path);
	errno = e;
	return rc;
}

/* In the child: confine, run, write the result, exit. Never returns.
 * net_cut: this process already called sandbox_cut_network, and the
 * child inherits its namespace and filter. */
static void sandbox_child(const config_limits *lim, const char *workdir, sandbox_fn fn, void *arg, pid_t parent,
			  int fresh_arena, int net_cut)
{
	json_t *res;
	/* nothing of the parent's stays open but stdin, stdout and stderr:
	 * forked from packetd itself (no helper), it held the database, the
	 * pack being appended to and the sources' connections */
	close_range(3, ~0u, 0);
	if (sandbox_confine(lim, workdir, parent, net_cut, 0) != 0)
		_exit(SANDBOX_EXIT_SYSERR);
	res = sandbox_call_fn(fn, arg, fresh_arena);
	if (res == NULL)
		_exit(SANDBOX_EXIT_SYSERR);
	if (sandbox_put_result(res, workdir) != 0)
		_exit(errno == ENOMEM ? SANDBOX_EXIT_NOMEM : SANDBOX_EXIT_SYSERR);
	json_decref(res);
	_exit(0);
}

int sandbox_pidfd(pid_t pid)
{
#ifdef __NR_pidfd_open
	return (int)syscall(__NR_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

static double sandbox_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sandbox_judge(int status, int killed, const config_limits *lim, char *why, size_t whylen)
{
	if (whylen)
		why[0] = '\0';
	if (killed) {
		snprintf(why, whylen, "took longer than %llu s / 超过 %llu 秒", (unsigned long long)lim->sandbox_wall,
			 (unsigned long long)lim->sandbox_wall);
		return SANDBOX_LIMIT;
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		if (sig == SIGXCPU || sig == SIGKILL) {
			snprintf(why, whylen, "more than %llu s of CPU time / 超过 %llu 秒 CPU 时间",
				 (unsigned long long)lim->sandbox_cpu, (unsigned long long)lim->sandbox_cpu);
			return SANDBOX_LIMIT;
		}
		snprintf(why, whylen, "the reader stopped with signal %d (%s) / 读取程序异常终止", sig, strsignal(sig));
		return SANDBOX_DIED;
	}
	if (WEXITSTATUS(status) == SANDBOX_EXIT_NOMEM) {
		snprintf(why, whylen, "more than %llu MB of memory / 超过 %llu MB 内存",
			 (unsigned long long)(lim->sandbox_memory / MB), (unsigned long long)(lim->sandbox_memory / MB));
		return SANDBOX_LIMIT;
	}
	if (WEXITSTATUS(status) == SANDBOX_EXIT_SYSERR)
		return SANDBOX_ERROR;
	if (WEXITSTATUS(status) != 0) {
		snprintf(why, whylen, "the reader stopped with status %d / 读取程序异常终止", WEXITSTATUS(status));
		return SANDBOX_DIED;
	}
	return SANDBOX_OK;
}

static int sandbox_fork(const config_limits *lim, const char *workdir, sandbox_fn fn, void *arg, int fresh_arena,
			int net_cut, char *why, size_t whylen)
{
	char *result_path = util_path_join(workdir, SANDBOX_RESULT);
	double deadline = sandbox_now() + (double)lim->sandbox_wall;
	struct timespec nap = {0, 2 * 1000 * 1000};
	int status = 0, rc = SANDBOX_ERROR, killed = 0, pfd = -1;
	pid_t pid, w, parent = getpid();

	if (whylen)
		why[0] = '\0';
	if (util_clear_file(result_path) != 0)
		log_warn("sandbox: %s: %s", result_path, strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_error("sandbox: fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		sandbox_child(lim, workdir, fn, arg, parent, fresh_arena, net_cut);
	/* a pidfd wakes the parent the moment the child ends; without one
	 * (kernel < 5.3) it polls with a growing nap */
	pfd = sandbox_pidfd(pid);
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			log_error("sandbox: waitpid: %s", strerror(errno));
			goto out;
		}
		if (!killed && sandbox_now() > deadline) {
			kill(pid, SIGKILL);
			killed = 1;
		}
		if (pfd >= 0) {
			double left = killed ? 0.1 : deadline - sandbox_now() + 0.001;
			struct pollfd pl = {.fd = pfd, .events = POLLIN};
			poll(&pl, 1, left > 0 ? (int)(left * 1000) + 1 : 1);
			continue;
		}
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 20 * 1000 * 1000)
			nap.tv_nsec += 2 * 1000 * 1000;
	}
	rc = sandbox_judge(status, killed, lim, why, whylen);
out:
	if (pfd >= 0)
		close(pfd);
	free(result_path);
	return rc;
}

int sandbox_exec(const config_limits *lim, const char *workdir, sandbox_fn fn, void *arg, int net_cut, char *why,
		 size_t whylen)
{
	return sandbox_fork(lim, workdir, fn, arg, 0, net_cut, why, whylen);
}

int sandbox_take(const config_limits *lim, const char *workdir, json_t **result)
{
	char *result_path = util_path_join(workdir, SANDBOX_RESULT), *text = NULL;
	size_t len = 0;
	int rc = SANDBOX_ERROR, taken = 1;
	struct stat st;
	*result = NULL;
	/* A usual result is read whole (and emptied, one open for both), then
	 * parsed from memory: json_load_file takes the file a getc at a time
	 * (about a tenth of packetd's own CPU a packet). A big one streams,
	 * not to hold it twice. An empty one is a cleared one
	 * (util_clear_file): none was written. */
	if (util_take_file(result_path, SANDBOX_RESULT_WHOLE, &text, &len) == 0) {
		if (len > 0)
			*result = json_loadb(text, len, 0, NULL);
		else
			goto missing;
	} else if (errno == EFBIG) {
		taken = 0;
		/* bounded by what the limits let the child produce */
		if (stat(result_path, &st) != 0 || (uint64_t)st.st_size > lim->max_total * 2 + 64 * MB)
			goto missing;
		*result = json_load_file(result_path, 0, NULL);
	} else {
		goto missing;
	}
	if (*result == NULL) {
		log_error("sandbox: %s: unreadable result", result_path);
		goto out;
	}
	rc = SANDBOX_OK;
	goto out;
missing:
	log_error("sandbox: %s: missing or too large", result_path);
out:
	if (!taken)   /* emptied, or a failure shows at the next job's start */
		(void)util_clear_file(result_path);
	free(result_path);
	free(text);
	return rc;
}

void sandbox_discard(const char *workdir)
{
	char *result_path = util_path_join(workdir, SANDBOX_RESULT);
	(void)util_clear_file(result_path);
	free(result_path);
}

int sandbox_run(const config_limits *lim, const char *workdir, sandbox_fn fn, void *arg, json_t **result,
		char *why, size_t whylen)
{
	int rc = sandbox_fork(lim, workdir, fn, arg, 1, 0, why, whylen);
	*result = NULL;
	if (rc == SANDBOX_OK)
		return sandbox_take(lim, workdir, result);
	sandbox_discard(workdir);
	return rc;
}
