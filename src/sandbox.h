/* sandbox.h — runs risky work (libarchive, document parsers) in a child
 * process of its own, as OpenSMTPD runs each risky task apart: a library bug
 * or a hostile input that exhausts memory or loops can only take the child.
 *
 * The child gets: RLIMIT_AS (memory), RLIMIT_CPU, RLIMIT_CORE 0, no new
 * privileges, death with its parent; no network (a new network namespace
 * when the kernel lets packetd make one, and always a seccomp filter that
 * fails socket(2) with EACCES); no new process or program (fork, clone
 * but for threads, execve fail); writes only below the work folder (Landlock,
 * when the kernel offers it). The parent enforces the wall time (SIGKILL).
 * Under AddressSanitizer RLIMIT_AS is not set (its shadow memory needs
 * terabytes of address space); the other limits hold.
 */
#ifndef PACKETD_SANDBOX_H
#define PACKETD_SANDBOX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

/* Defined when the build leaves RLIMIT_AS unset (AddressSanitizer), for
 * the code and the tests that depend on the memory limit. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_NO_AS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_NO_AS 1
#endif
#endif

enum sandbox_status {
	SANDBOX_OK = 0,        /* the work ran; *result is its JSON */
	SANDBOX_LIMIT = 1,     /* memory, CPU or wall time exceeded: why says which */
	SANDBOX_DIED = 2,      /* the child died otherwise (a signal): why says how */
	SANDBOX_ERROR = -1     /* fork, pipe or the result could not be had: retry later */
};

/* A child's exit status for a system error (SANDBOX_ERROR) and for
 * memory that ran out (SANDBOX_LIMIT), as sandbox_judge reads them. */
#define SANDBOX_EXIT_SYSERR 3
#define SANDBOX_EXIT_NOMEM 4

/* The work done in the child: returns its result (owned by the caller), or
 * NULL on a system error (temporary). */
typedef json_t *(*sandbox_fn)(void *arg);

/* Runs fn(arg) in a child under lim's sandbox_* limits, writing only below
 * workdir (which exists). The result travels as a JSON file in workdir.
 * On SANDBOX_OK *result is set (caller json_decref's it). why (UTF-8, for
 * a finding's detail) is filled for SANDBOX_LIMIT and SANDBOX_DIED. */
int sandbox_run(const config_limits *lim, const char *workdir, sandbox_fn fn, void *arg, json_t **result,
		char *why, size_t whylen);

/* sandbox_run in two steps, for a helper process that forks the child
 * while another process takes the result (zygote.h): sandbox_exec runs
 * fn(arg) in the child and returns its status, leaving the result file in
 * workdir on SANDBOX_OK; sandbox_take loads that file into *result (owned
 * by the caller) and removes it, returning SANDBOX_OK or SANDBOX_ERROR;
 * sandbox_discard removes whatever a child left there. sandbox_exec is
 * for a small process: its child runs fn on the process's own heap, where
 * sandbox_run gives it a thread with a fresh one (sandbox.c). net_cut 1:
 * the process has cut itself off the network (sandbox_cut_network) and its
 * children inherit that, instead of making a namespace and a filter each. */
int sandbox_exec(const config_limits *lim, const char *workdir, sandbox_fn fn, void *arg, int net_cut, char *why,
		 size_t whylen);
int sandbox_take(const config_limits *lim, const char *workdir, json_t **result);
void sandbox_discard(const char *workdir);

/* The pieces of sandbox_exec, for a child that serves several jobs
 * (zygote.c's worker). sandbox_confine applies, in the calling child of
 * parent, everything above but the wall time: default handlers for fatal
 * signals, RLIMIT_CORE 0, RLIMIT_CPU (soft lim->sandbox_cpu, hard cpu_hard,
 * or one second more than the soft when cpu_hard is 0), RLIMIT_AS, the
 * network cut (unless net_cut) and Landlock below scope. Returns 0, or -1
 * (the child must exit). sandbox_cpu_from_now moves the soft CPU limit to
 * lim->sandbox_cpu seconds past what the process has used so far (never
 * past cpu_hard). sandbox_put_result writes a job's result where
 * sandbox_take finds it (0, or -1 with errno). sandbox_judge tells, from a
 * child's wait status (and killed: the wall time ran out), the status
 * sandbox_exec would return, filling why. sandbox_pidfd: a pidfd for pid,
 * or -1 when the kernel has none. */
int sandbox_confine(const config_limits *lim, const char *scope, pid_t parent, int net_cut, uint64_t cpu_hard);
int sandbox_cpu_from_now(const config_limits *lim, uint64_t cpu_hard);
int sandbox_put_result(json_t *res, const char *workdir);
int sandbox_judge(int status, int killed, const config_limits *lim, char *why, size_t whylen);
int sandbox_pidfd(pid_t pid);

/* Puts the calling process in a new network namespace (when allowed) and
 * under the seccomp filter that fails socket(2), with no new privileges.
 * Returns 0, or -1 when neither could be had (then nothing is applied and
 * a child refuses to run). */
int sandbox_cut_network(void);

/* What the running kernel gives the sandbox, for the log and the README:
 * "netns", "seccomp" and "landlock" when each is available. */
void sandbox_describe(char *out, size_t len);

#endif
