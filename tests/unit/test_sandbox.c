/* Unit tests for sandbox.c: the child's result comes back; memory, CPU and
 * wall time are bounded and each overrun is told apart from a crash; the
 * child has no network and writes nowhere but its work folder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"

struct fx {
	char base[64];
	char *work;
	config_limits lim;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->base, sizeof f->base, "/tmp/packetd-sandbox.XXXXXX");
	assert_non_null(mkdtemp(f->base));
	f->work = util_path_join(f->base, "work");
	assert_int_equal(util_mkdirs(f->work, 0700), 0);
	f->lim.max_total = 1 << 20;
	f->lim.sandbox_memory = 96ull << 20;
	f->lim.sandbox_cpu = 1;
	f->lim.sandbox_wall = 5;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	util_rmtree(f->base);
	free(f->work);
	free(f);
	return 0;
}

static json_t *work_ok(void *arg)
{
	return json_pack("{s:s}", "said", (const char *)arg);
}

static json_t *work_null(void *arg)
{
	(void)arg;
	return NULL;
}

static json_t *work_net(void *arg)
{
	int fd, e;
	(void)arg;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	e = errno;
	if (fd >= 0)
		close(fd);
	return json_pack("{s:i,s:i}", "fd", fd, "errno", e);
}

static void *thread_ran(void *arg)
{
	*(int *)arg = 1;
	return NULL;
}

/* What happens to fork, execve and a thread in the sandbox. */
static json_t *work_spawn(void *arg)
{
	char *argv[] = {"/bin/true", NULL}, *envp[] = {NULL};
	int fork_errno = 0, exec_errno, ran = 0, threaded;
	pthread_t t;
	pid_t pid;
	(void)arg;
	pid = fork();
	if (pid == 0)
		_exit(0);   /* a child escaped the sandbox: the test sees the pid */
	if (pid < 0)
		fork_errno = errno;
	else
		waitpid(pid, NULL, 0);
	execve(argv[0], argv, envp);
	exec_errno = errno;
	threaded = pthread_create(&t, NULL, thread_ran, &ran) == 0 && pthread_join(t, NULL) == 0;
	return json_pack("{s:i,s:i,s:i,s:b}", "fork", (int)pid, "fork_errno", fork_errno, "exec_errno", exec_errno,
			 "thread", threaded && ran);
}

static json_t *work_write(void *arg)
{
	int fd = open((const char *)arg, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd >= 0)
		close(fd);
	return json_pack("{s:b}", "written", fd >= 0);
}

/* Writes to a descriptor the parent had open. */
static json_t *work_inherited(void *arg)
{
	return json_pack("{s:b}", "written", write(*(const int *)arg, "x", 1) == 1);
}

#ifndef SANDBOX_NO_AS
static json_t *work_memory(void *arg)
{
	(void)arg;
	for (;;) {
		char *p = xcalloc(1, 16u << 20);
		memset(p, 1, 16u << 20);   /* never freed: the limit must stop it */
	}
	return NULL;
}
#endif

static json_t *work_spin(void *arg)
{
	volatile unsigned long n = 0;
	(void)arg;
	for (;;)
		n++;
	return NULL;
}

static json_t *work_hang(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static json_t *work_crash(void *arg)
{
	(void)arg;
	raise(SIGSEGV);
	return NULL;
}

static void test_result(void **state)
{
	struct fx *f = *state;
	json_t *r = NULL;
	char why[256];
	assert_int_equal(sandbox_run(&f->lim, f->work, work_ok, "你好", &r, why, sizeof why), SANDBOX_OK);
	assert_string_equal(json_string_value(json_object_get(r, "said")), "你好");
	json_decref(r);
	/* the result file does not stay in the work folder */
	assert_int_equal(access(f->work, F_OK), 0);
	assert_int_equal(sandbox_run(&f->lim, f->work, work_null, NULL, &r, why, sizeof why), SANDBOX_ERROR);
	assert_null(r);
}

static void test_no_network(void **state)
{
	struct fx *f = *state;
	json_t *r = NULL;
	char why[256];
	assert_int_equal(sandbox_run(&f->lim, f->work, work_net, NULL, &r, why, sizeof why), SANDBOX_OK);
	assert_true(json_integer_value(json_object_get(r, "fd")) < 0);
	json_decref(r);
}

static void test_no_spawn(void **state)
{
	struct fx *f = *state;
	json_t *r = NULL;
	char why[256];
	assert_int_equal(sandbox_run(&f->lim, f->work, work_spawn, NULL, &r, why, sizeof why), SANDBOX_OK);
	assert_int_equal(json_integer_value(json_object_get(r, "fork")), -1);
	assert_int_equal(json_integer_value(json_object_get(r, "fork_errno")), EPERM);
	assert_int_equal(json_integer_value(json_object_get(r, "exec_errno")), EPERM);
	assert_true(json_is_true(json_object_get(r, "thread")));
	json_decref(r);
}

/* What packetd had open (its database, the pack it appends to) is closed
 * in the child: a packet's reader cannot write through it. */
static void test_no_inherited_files(void **state)
{
	struct fx *f = *state;
	char *path = util_path_join(f->base, "held-open");
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	json_t *r = NULL;
	char why[256];
	struct stat st;
	assert_true(fd >= 3);
	assert_int_equal(sandbox_run(&f->lim, f->work, work_inherited, &fd, &r, why, sizeof why), SANDBOX_OK);
	assert_false(json_is_true(json_object_get(r, "written")));
	json_decref(r);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((int)st.st_size, 0);
	assert_int_equal(write(fd, "y", 1), 1);   /* still open in the parent */
	close(fd);
	free(path);
}

static void test_writes_only_in_work(void **state)
{
	struct fx *f = *state;
	char *inside = util_path_join(f->work, "m0001"), *outside = util_path_join(f->base, "escaped");
	char desc[128];
	json_t *r = NULL;
	char why[256];
	assert_int_equal(sandbox_run(&f->lim, f->work, work_write, inside, &r, why, sizeof why), SANDBOX_OK);
	assert_true(json_is_true(json_object_get(r, "written")));
	json_decref(r);
	sandbox_describe(desc, sizeof desc);
	if (strstr(desc, "landlock") != NULL) {
		assert_int_equal(sandbox_run(&f->lim, f->work, work_write, outside, &r, why, sizeof why), SANDBOX_OK);
		assert_false(json_is_true(json_object_get(r, "written")));
		assert_int_equal(access(outside, F_OK), -1);
		json_decref(r);
	} else {
		print_message("# Landlock unavailable (%s): write confinement not checked\n", desc);
	}
	free(inside);
	free(outside);
}

static void test_limits(void **state)
{
	struct fx *f = *state;
	json_t *r = NULL;
	char why[256];
#ifndef SANDBOX_NO_AS
	f->lim.sandbox_cpu = 20;
	f->lim.sandbox_wall = 30;
	assert_int_equal(sandbox_run(&f->lim, f->work, work_memory, NULL, &r, why, sizeof why), SANDBOX_LIMIT);
	if (strstr(why, "96 MB") == NULL)
		print_error("memory: %s\n", why);
	assert_non_null(strstr(why, "96 MB"));
#endif
	/* a loaded machine may give the spinner its CPU second slowly */
	f->lim.sandbox_cpu = 1;
	f->lim.sandbox_wall = 60;
	assert_int_equal(sandbox_run(&f->lim, f->work, work_spin, NULL, &r, why, sizeof why), SANDBOX_LIMIT);
	assert_non_null(strstr(why, "CPU"));
	f->lim.sandbox_wall = 1;
	assert_int_equal(sandbox_run(&f->lim, f->work, work_hang, NULL, &r, why, sizeof why), SANDBOX_LIMIT);
	assert_non_null(strstr(why, "1 s"));
	assert_int_equal(sandbox_run(&f->lim, f->work, work_crash, NULL, &r, why, sizeof why), SANDBOX_DIED);
	assert_non_null(strstr(why, "signal 11"));
	assert_null(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_network, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_spawn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_only_in_work, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_inherited_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
