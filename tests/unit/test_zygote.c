/* Unit tests for zygote.c: a job runs in a child of the helper, not of the
 * caller, with the sandbox's limits told apart as sandbox_run tells them;
 * the helper's own env reaches the job; a helper killed between jobs or
 * during one loses nothing but that job (SANDBOX_ERROR, to be retried) and
 * the next job starts a new helper; without a helper a job forks here.
 * Workers (sandbox_jobs > 1): jobs share one until its count is served,
 * a job that fails or breaks a limit ends it, each job has its own CPU
 * seconds, a worker writes only below its root and dies with the helper. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"
#include "zygote.h"

struct fx {
	char base[64];
	char *work;
	zygote z;
	zygote_job job;
};

/* "pids": where the job ran; "said": its argument and the helper's env. */
static json_t *job_pids(const zygote_job *job, const void *env)
{
	return json_pack("{s:I,s:I,s:s,s:s,s:i}", "pid", (json_int_t)getpid(), "ppid", (json_int_t)getppid(), "said",
			 job->arg[0] ? job->arg[0] : "", "env", (const char *)env, "depth", job->depth);
}

static json_t *job_null(const zygote_job *job, const void *env)
{
	(void)job;
	(void)env;
	return NULL;
}

static json_t *job_net(const zygote_job *job, const void *env)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), e = errno;
	(void)job;
	(void)env;
	if (fd >= 0)
		close(fd);
	return json_pack("{s:i,s:i}", "fd", fd, "errno", e);
}

static json_t *job_crash(const zygote_job *job, const void *env)
{
	(void)job;
	(void)env;
	raise(SIGSEGV);
	return NULL;
}

/* Says its pid in workdir/hang.pid, then waits for ever. */
static json_t *job_hang(const zygote_job *job, const void *env)
{
	char *path = util_path_join(job->workdir, "hang.pid");
	FILE *fp = fopen(path, "w");
	(void)env;
	if (fp != NULL) {
		fprintf(fp, "%ld\n", (long)getpid());
		fclose(fp);
	}
	free(path);
	for (;;)
		pause();
	return NULL;
}

#ifndef SANDBOX_NO_AS
static json_t *job_memory(const zygote_job *job, const void *env)
{
	(void)job;
	(void)env;
	for (;;) {
		char *p = xcalloc(1, 16u << 20);
		memset(p, 1, 16u << 20);   /* never freed: the limit must stop it */
	}
	return NULL;
}
#endif

/* Spends about arg[0] milliseconds of CPU, then says its pid. */
static json_t *job_burn(const zygote_job *job, const void *env)
{
	struct timespec t0, t;
	long ms = atol(job->arg[0] ? job->arg[0] : "0"), spent = 0;
	volatile unsigned long x = 0;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	while (spent < ms) {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
		spent = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
	}
	return job_pids(job, env);
}

/* Tries to create the file arg[0]. */
static json_t *job_write(const zygote_job *job, const void *env)
{
	FILE *fp = fopen(job->arg[0], "w");
	(void)env;
	if (fp != NULL)
		fclose(fp);
	return json_pack("{s:b}", "written", fp != NULL);
}

#ifndef SANDBOX_NO_AS
/* "churn": what a packet does to the heap — blocks of 256 KiB (as the
 * archive reader's buffers) and 1 MiB of small ones, each page written,
 * then all freed. Answers with the minor page faults it took:
 * the new pages it touched. */
static json_t *job_churn(const zygote_job *job, const void *env)
{
	enum { BIG = 8, BIG_SIZE = 256 << 10, SMALL = 256, SMALL_SIZE = 4000 };
	char *big[BIG], *small[SMALL];
	struct rusage before, after;
	(void)job;
	(void)env;
	getrusage(RUSAGE_SELF, &before);
	for (int i = 0; i < BIG; i++)
		if ((big[i] = malloc(BIG_SIZE)) != NULL)
			memset(big[i], i, BIG_SIZE);
	for (int i = 0; i < SMALL; i++)
		if ((small[i] = malloc(SMALL_SIZE)) != NULL)
			memset(small[i], i, SMALL_SIZE);
	for (int i = SMALL - 1; i >= 0; i--)
		free(small[i]);
	for (int i = 0; i < BIG; i++)
		free(big[i]);
	getrusage(RUSAGE_SELF, &after);
	return json_pack("{s:I,s:I}", "pid", (json_int_t)getpid(), "touched",
			 (json_int_t)(after.ru_minflt - before.ru_minflt));
}
#endif

static const zygote_kind kinds[] = {
	{"pids", job_pids}, {"null", job_null}, {"net", job_net}, {"crash", job_crash}, {"hang", job_hang},
	{"burn", job_burn}, {"write", job_write},
#ifndef SANDBOX_NO_AS
	{"memory", job_memory}, {"churn", job_churn},
#endif
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->base, sizeof f->base, "/tmp/packetd-zygote.XXXXXX");
	assert_non_null(mkdtemp(f->base));
	f->work = util_path_join(f->base, "work");
	assert_int_equal(util_mkdirs(f->work, 0700), 0);
	f->job.lim.max_total = 1 << 20;
	f->job.lim.sandbox_memory = 96ull << 20;
	f->job.lim.sandbox_cpu = 5;
	f->job.lim.sandbox_wall = 10;
	f->job.workdir = f->work;
	f->job.kind = "pids";
	zygote_init(&f->z, kinds, sizeof kinds / sizeof kinds[0], "the helper's rules");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	zygote_stop(&f->z);
	util_rmtree(f->base);
	free(f->work);
	free(f);
	return 0;
}

/* Runs f->job; returns the status, *pid and *ppid from a "pids" result. */
static int run(struct fx *f, long *pid, long *ppid)
{
	json_t *r = NULL;
	char why[256];
	int rc = zygote_run(&f->z, &f->job, &r, why, sizeof why);
	if (rc == SANDBOX_OK && pid != NULL) {
		*pid = (long)json_integer_value(json_object_get(r, "pid"));
		*ppid = (long)json_integer_value(json_object_get(r, "ppid"));
		assert_string_equal(json_string_value(json_object_get(r, "env")), "the helper's rules");
	}
	json_decref(r);
	return rc;
}

static void test_runs_in_helper(void **state)
{
	struct fx *f = *state;
	json_t *r = NULL;
	char why[256], *left = util_path_join(f->work, ".sandbox-result.json");
	long pid = 0, ppid = 0;
	struct stat st;
	assert_int_equal(zygote_start(&f->z), 0);
	assert_true(f->z.pid > 0);
	f->job.arg[0] = "packet.zip";
	f->job.arg[1] = NULL;
	f->job.depth = 1;
	assert_int_equal(zygote_run(&f->z, &f->job, &r, why, sizeof why), SANDBOX_OK);
	assert_string_equal(json_string_value(json_object_get(r, "said")), "packet.zip");
	assert_int_equal(json_integer_value(json_object_get(r, "depth")), 1);
	json_decref(r);
	/* taken: emptied, its inode kept for the folder's next job, and an
	 * empty result is never taken for one */
	assert_int_equal(stat(left, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(sandbox_take(&f->job.lim, f->work, &r), SANDBOX_ERROR);
	assert_null(r);
	assert_int_equal(run(f, &pid, &ppid), SANDBOX_OK);
	assert_int_equal(ppid, (long)f->z.pid);
	assert_true(pid != (long)getpid() && pid != (long)f->z.pid);
	f->job.kind = "null";
	assert_int_equal(run(f, NULL, NULL), SANDBOX_ERROR);
	f->job.kind = "no such kind";
	assert_int_equal(run(f, NULL, NULL), SANDBOX_ERROR);
	/* the helper is still there after refusing those */
	f->job.kind = "pids";
	assert_int_equal(run(f, &pid, &ppid), SANDBOX_OK);
	assert_int_equal(ppid, (long)f->z.pid);
	free(left);
}

/* The memory limit (where it can be set) and the wall time, told apart in
 * why; the job's kind is left at "hang". */
/* A job sees no network; a job that crashes is said to, by its signal. */
static void no_network_and_crash(struct fx *f)
{
	json_t *r = NULL;
	char why[256];
	f->job.kind = "net";
	assert_int_equal(zygote_run(&f->z, &f->job, &r, why, sizeof why), SANDBOX_OK);
	assert_true(json_integer_value(json_object_get(r, "fd")) < 0);
	json_decref(r);
	f->job.kind = "crash";
	assert_int_equal(zygote_run(&f->z, &f->job, &r, why, sizeof why), SANDBOX_DIED);
	assert_non_null(strstr(why, "signal 11"));
	assert_null(r);
}

static void breaks_limits(struct fx *f)
{
	json_t *r = NULL;
	char why[256];
#ifndef SANDBOX_NO_AS
	f->job.kind = "memory";
	assert_int_equal(zygote_run(&f->z, &f->job, &r, why, sizeof why), SANDBOX_LIMIT);
	assert_non_null(strstr(why, "96 MB"));
#endif
	f->job.kind = "hang";
	f->job.lim.sandbox_wall = 1;
	assert_int_equal(zygote_run(&f->z, &f->job, &r, why, sizeof why), SANDBOX_LIMIT);
	assert_non_null(strstr(why, "1 s"));
	assert_null(r);
}

static void test_limits(void **state)
{
	struct fx *f = *state;
	assert_int_equal(zygote_start(&f->z), 0);
	no_network_and_crash(f);
	breaks_limits(f);
}

static void test_killed_between_jobs(void **state)
{
	struct fx *f = *state;
	long pid, ppid, first;
	assert_int_equal(zygote_start(&f->z), 0);
	first = (long)f->z.pid;
	assert_int_equal(run(f, &pid, &ppid), SANDBOX_OK);
	kill(f->z.pid, SIGKILL);
	usleep(100 * 1000);
	assert_int_equal(run(f, &pid, &ppid), SANDBOX_OK);
	assert_true(f->z.pid > 0 && (long)f->z.pid != first);
	assert_int_equal(ppid, (long)f->z.pid);
}

static long hang_pid(const struct fx *f)
{
	char *path = util_path_join(f->work, "hang.pid");
	FILE *fp = fopen(path, "r");
	long pid = 0;
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%ld", &pid), 1);
	fclose(fp);
	free(path);
	return pid;
}

/* 0 once pid has ended (gone, or a zombie nobody reaped here), -1 if it
 * still runs after secs seconds. */
static int gone_within(long pid, int secs)
{
	char path[64], st[512];
	for (int i = 0; i < secs * 20; i++) {
		FILE *fp;
		char *close_paren;
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		fp = fopen(path, "r");
		if (fp == NULL)
			return 0;
		st[0] = '\0';
		if (fgets(st, sizeof st, fp) == NULL)
			st[0] = '\0';
		fclose(fp);
		close_paren = strrchr(st, ')');
		if (close_paren != NULL && (close_paren[2] == 'Z' || close_paren[2] == 'X'))
			return 0;
		usleep(50 * 1000);
	}
	return -1;
}

/* Kills the helper (f->z started) while it runs a hanging job: the job
 * fails as a temporary error, the process that ran it (a child of its own
 * or a worker) goes with the helper, and the next job gets a new helper. */
static void killed_during_job(struct fx *f)
{
	long pid, ppid, first = (long)f->z.pid;
	pid_t killer = fork();
	assert_true(killer >= 0);
	if (killer == 0) {
		usleep(300 * 1000);
		kill((pid_t)first, SIGKILL);
		_exit(0);
	}
	f->job.kind = "hang";
	assert_int_equal(run(f, NULL, NULL), SANDBOX_ERROR);
	waitpid(killer, NULL, 0);
	assert_int_equal(gone_within(hang_pid(f), 5), 0);
	f->job.kind = "pids";
	assert_int_equal(run(f, &pid, &ppid), SANDBOX_OK);
	assert_true((long)f->z.pid != first);
	assert_int_equal(ppid, (long)f->z.pid);
}

static void test_killed_during_job(void **state)
{
	struct fx *f = *state;
	assert_int_equal(zygote_start(&f->z), 0);
	killed_during_job(f);
}

static void test_without_helper(void **state)
{
	struct fx *f = *state;
	long pid = 0, ppid = 0;
	assert_int_equal(run(f, &pid, &ppid), SANDBOX_OK);
	assert_int_equal(ppid, (long)getpid());
	assert_int_equal(f->z.pid, 0);
	/* stopped by its owner, a helper is not restarted */
	assert_int_equal(zygote_start(&f->z), 0);
	zygote_stop(&f->z);
	assert_int_equal(run(f, &pid, &ppid), SANDBOX_OK);
	assert_int_equal(ppid, (long)getpid());
}


/* Workers: the fixture's jobs run below f->base, the workers' root. */
static void use_workers(struct fx *f, uint64_t jobs)
{
	f->z.work_root = f->base;
	f->job.lim.sandbox_jobs = jobs;
	assert_int_equal(zygote_start(&f->z), 0);
}

static void test_worker_serves_jobs(void **state)
{
	struct fx *f = *state;
	long pid[5], ppid;
	use_workers(f, 3);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(run(f, &pid[i], &ppid), SANDBOX_OK);
		assert_int_equal(ppid, (long)f->z.pid);
		assert_true(pid[i] != (long)f->z.pid && pid[i] != (long)getpid());
	}
	/* three jobs on one worker, then a fresh one */
	assert_int_equal(pid[1], pid[0]);
	assert_int_equal(pid[2], pid[0]);
	assert_true(pid[3] != pid[0]);
	assert_int_equal(pid[4], pid[3]);
	/* a worker that died idle is replaced, the job not lost */
	kill((pid_t)pid[4], SIGKILL);
	usleep(100 * 1000);
	assert_int_equal(run(f, &pid[0], &ppid), SANDBOX_OK);
	assert_true(pid[0] != pid[4]);
	/* other limits: another worker */
	f->job.lim.sandbox_wall = 11;
	assert_int_equal(run(f, &pid[1], &ppid), SANDBOX_OK);
	assert_true(pid[1] != pid[0]);
	/* a job whose folder is outside the workers' root gets a child of its own */
	f->z.work_root = "/nonexistent";
	zygote_stop(&f->z);
	assert_int_equal(zygote_start(&f->z), 0);
	assert_int_equal(run(f, &pid[0], &ppid), SANDBOX_OK);
	assert_int_equal(run(f, &pid[1], &ppid), SANDBOX_OK);
	assert_true(pid[1] != pid[0]);
}

/* A worker keeps the heap its jobs freed for the next ones: a job like the
 * one before touches no new pages (glibc's default gave back the top of
 * the heap past 128 KiB and unmapped each block of 128 KiB and more, 700
 * and more new pages a job here). Not under AddressSanitizer, whose
 * allocator is its own. */
#ifndef SANDBOX_NO_AS
static void test_worker_keeps_heap(void **state)
{
	struct fx *f = *state;
	long pid[4], touched[4];
	char why[256];
	use_workers(f, 4);
	f->job.kind = "churn";
	for (int i = 0; i < 4; i++) {
		json_t *r = NULL;
		assert_int_equal(zygote_run(&f->z, &f->job, &r, why, sizeof why), SANDBOX_OK);
		pid[i] = (long)json_integer_value(json_object_get(r, "pid"));
		touched[i] = (long)json_integer_value(json_object_get(r, "touched"));
		json_decref(r);
	}
	for (int i = 1; i < 4; i++)
		assert_int_equal(pid[i], pid[0]);
	/* the first job grew the heap (3 MiB); the next ones reuse it */
	if (touched[0] < 500)
		fail_msg("the first job touched %ld new pages", touched[0]);
	for (int i = 1; i < 4; i++)
		if (touched[i] > 32)
			fail_msg("job %d touched %ld new pages (the first: %ld)", i + 1, touched[i], touched[0]);
}
#endif

static void test_one_job_per_child(void **state)
{
	struct fx *f = *state;
	long pid[2], ppid;
	use_workers(f, 1);
	assert_int_equal(run(f, &pid[0], &ppid), SANDBOX_OK);
	assert_int_equal(run(f, &pid[1], &ppid), SANDBOX_OK);
	assert_true(pid[1] != pid[0]);
	assert_int_equal(ppid, (long)f->z.pid);
}

/* A job that breaks a limit or crashes ends its worker, is told apart as
 * a child of its own would be, and the next job gets a new worker. */
static void test_worker_limits(void **state)
{
	struct fx *f = *state;
	long pid[2], ppid;
	use_workers(f, 10);
	assert_int_equal(run(f, &pid[0], &ppid), SANDBOX_OK);
	no_network_and_crash(f);
	f->job.kind = "pids";
	assert_int_equal(run(f, &pid[1], &ppid), SANDBOX_OK);
	assert_true(pid[1] != pid[0]);
	f->job.kind = "null";
	assert_int_equal(run(f, NULL, NULL), SANDBOX_ERROR);
	f->job.kind = "pids";
	assert_int_equal(run(f, &pid[0], &ppid), SANDBOX_OK);
	assert_true(pid[1] != pid[0]);
	breaks_limits(f);
	f->job.kind = "pids";
	assert_int_equal(run(f, &pid[0], &ppid), SANDBOX_OK);
}

/* Each job has its own CPU seconds: two jobs that each use most of the
 * limit pass on one worker, a spin is stopped. */
static void test_worker_cpu_per_job(void **state)
{
	struct fx *f = *state;
	json_t *r = NULL;
	char why[256];
	long pid[2], ppid;
	f->job.lim.sandbox_cpu = 1;
	use_workers(f, 10);
	f->job.kind = "burn";
	f->job.arg[0] = "700";
	assert_int_equal(run(f, &pid[0], &ppid), SANDBOX_OK);
	assert_int_equal(run(f, &pid[1], &ppid), SANDBOX_OK);
	assert_int_equal(pid[1], pid[0]);
	f->job.arg[0] = "60000";
	assert_int_equal(zygote_run(&f->z, &f->job, &r, why, sizeof why), SANDBOX_LIMIT);
	assert_non_null(strstr(why, "CPU"));
}

/* A worker writes below its root only (when the kernel has Landlock). */
static void test_worker_writes(void **state)
{
	struct fx *f = *state;
	char outside[96], desc[128], why[256], *inside = util_path_join(f->work, "m0001");
	json_t *r = NULL;
	snprintf(outside, sizeof outside, "%s-escaped", f->base);
	use_workers(f, 10);
	f->job.kind = "write";
	f->job.arg[0] = inside;
	assert_int_equal(zygote_run(&f->z, &f->job, &r, why, sizeof why), SANDBOX_OK);
	assert_true(json_is_true(json_object_get(r, "written")));
	json_decref(r);
	sandbox_describe(desc, sizeof desc);
	if (strstr(desc, "landlock") != NULL) {
		f->job.arg[0] = outside;
		assert_int_equal(zygote_run(&f->z, &f->job, &r, why, sizeof why), SANDBOX_OK);
		assert_false(json_is_true(json_object_get(r, "written")));
		assert_int_equal(access(outside, F_OK), -1);
		json_decref(r);
	} else {
		print_message("# Landlock unavailable (%s): write confinement not checked\n", desc);
	}
	unlink(outside);
	free(inside);
}

/* The helper killed while its worker runs a job: the worker goes too. */
static void test_worker_helper_killed(void **state)
{
	struct fx *f = *state;
	use_workers(f, 10);
	killed_during_job(f);
}

/* Jobs submitted ahead are answered in order, ZYGOTE_QUEUE at most wait
 * (the cycle reads CYCLE_AHEAD + 1 ahead at most), and a helper that dies
 * with two waiting fails both (retried next cycle). */
static void test_submit_ahead(void **state)
{
	struct fx *f = *state;
	zygote_job second, ahead[ZYGOTE_QUEUE];
	zygote_ticket t1, t2, t[ZYGOTE_QUEUE + 1];
	json_t *r = NULL;
	char why[256], *work[ZYGOTE_QUEUE], said[ZYGOTE_QUEUE][16];
	use_workers(f, 10);
	for (int i = 0; i < ZYGOTE_QUEUE; i++) {
		char name[16];
		snprintf(name, sizeof name, "work%d", i + 1);
		snprintf(said[i], sizeof said[i], "job %d", i + 1);
		work[i] = util_path_join(f->base, name);
		assert_int_equal(util_mkdirs(work[i], 0700), 0);
		ahead[i] = f->job;
		ahead[i].arg[0] = said[i];
		ahead[i].workdir = work[i];   /* the result waits in the job's own folder */
		assert_int_equal(zygote_submit(&f->z, &ahead[i], &t[i]), 0);
	}
	assert_int_equal(zygote_submit(&f->z, &ahead[ZYGOTE_QUEUE - 1], &t[ZYGOTE_QUEUE]), -1);
	assert_int_equal(zygote_collect(&f->z, &ahead[ZYGOTE_QUEUE - 1], &t[ZYGOTE_QUEUE], &r, why, sizeof why),
			 SANDBOX_ERROR);
	for (int i = 0; i < ZYGOTE_QUEUE; i++) {
		assert_int_equal(zygote_collect(&f->z, &ahead[i], &t[i], &r, why, sizeof why), SANDBOX_OK);
		assert_string_equal(json_string_value(json_object_get(r, "said")), said[i]);
		json_decref(r);
	}
	second = ahead[1];
	/* the helper killed while two wait */
	f->job.kind = "hang";
	second.kind = "pids";
	assert_int_equal(zygote_submit(&f->z, &f->job, &t1), 0);
	assert_int_equal(zygote_submit(&f->z, &second, &t2), 0);
	usleep(200 * 1000);
	kill(f->z.pid, SIGKILL);
	assert_int_equal(zygote_collect(&f->z, &f->job, &t1, &r, why, sizeof why), SANDBOX_ERROR);
	assert_int_equal(zygote_collect(&f->z, &second, &t2, &r, why, sizeof why), SANDBOX_ERROR);
	assert_null(r);
	assert_int_equal(zygote_run(&f->z, &second, &r, why, sizeof why), SANDBOX_OK);
	assert_string_equal(json_string_value(json_object_get(r, "said")), "job 2");
	json_decref(r);
	/* without a helper a submitted job runs here when collected */
	zygote_stop(&f->z);
	assert_int_equal(zygote_submit(&f->z, &second, &t1), -1);
	assert_int_equal(zygote_collect(&f->z, &second, &t1, &r, why, sizeof why), SANDBOX_OK);
	assert_int_equal(json_integer_value(json_object_get(r, "ppid")), (json_int_t)getpid());
	json_decref(r);
	for (int i = 0; i < ZYGOTE_QUEUE; i++)
		free(work[i]);
}

/* A stop signal sent to every process of the service (systemd's SIGTERM to
 * the cgroup) does not end a reader in mid-packet: the packet is not
 * rejected as a crash; here the hang runs into its wall time instead. */
static void test_worker_ignores_stop(void **state)
{
	struct fx *f = *state;
	json_t *r = NULL;
	char why[256];
	pid_t killer;
	use_workers(f, 10);
	f->job.kind = "hang";
	f->job.lim.sandbox_wall = 2;
	killer = fork();
	assert_true(killer >= 0);
	if (killer == 0) {
		usleep(700 * 1000);
		kill((pid_t)hang_pid(f), SIGTERM);
		kill((pid_t)hang_pid(f), SIGHUP);
		_exit(0);
	}
	assert_int_equal(zygote_run(&f->z, &f->job, &r, why, sizeof why), SANDBOX_LIMIT);
	assert_non_null(strstr(why, "2 s"));
	waitpid(killer, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_runs_in_helper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_between_jobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_during_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_helper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_serves_jobs, setup, teardown),
#ifndef SANDBOX_NO_AS
		cmocka_unit_test_setup_teardown(test_worker_keeps_heap, setup, teardown),
#endif
		cmocka_unit_test_setup_teardown(test_one_job_per_child, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_cpu_per_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_helper_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_ignores_stop, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
