/* Crash loss: a child process appends from 16 threads and reports every
 * acknowledged append through a pipe; the parent SIGKILLs it at a random
 * moment, then reopens the node and checks that nothing acknowledged was
 * lost and that the log still verifies. Trials continue on the same node.
 *
 * fork() without exec: the child opens the node only after the fork, the
 * parent only once the child is dead (and closes it before the next fork). */
#include "testutil.h"

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "docs/doc.h"
#include "verify.h"

#define APPENDERS 16

enum { MSG_READY = 1, MSG_ACK = 2, MSG_FAIL = 3 };

/* One pipe record: small and fixed-size, so one write(2) is atomic. */
typedef struct ack {
	uint32_t kind;
	uint32_t trial;
	uint32_t thread;
	uint32_t i;
	uint64_t seq;
	char doc[96]; /* document id; MSG_FAIL: the error message */
} ack;

_Static_assert(sizeof(ack) <= PIPE_BUF, "pipe records must be written atomically");

/* ---- the child */

typedef struct appender {
	vt_node *n;
	int fd;
	uint32_t trial, thread;
} appender;

static void send_rec(int fd, const ack *a)
{
	ssize_t w;
	do
		w = write(fd, a, sizeof(*a));
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)sizeof(*a))
		_exit(4);
}

static void send_fail(int fd, const char *what)
{
	ack a = { 0 };
	a.kind = MSG_FAIL;
	snprintf(a.doc, sizeof(a.doc), "%s: %s", what, vt_error_last());
	send_rec(fd, &a);
}

static void *appender_run(void *arg)
{
	appender *p = arg;
	for (uint32_t i = 0;; i++) {
		vt_apply_result res;
		char summary[96], sym[64];
		ack a = { 0 };
		snprintf(summary, sizeof(summary), "crash t%u w%u i%u", p->trial, p->thread, i);
		snprintf(sym, sizeof(sym), "%u.%u.%u/CV-UBND", p->trial, p->thread, i);
		if (vt_test_create_incoming(p->n, sym, summary, &res) < 0) {
			send_fail(p->fd, "append");
			_exit(3);
		}
		a.kind = MSG_ACK;
		a.trial = p->trial;
		a.thread = p->thread;
		a.i = i;
		a.seq = res.seq;
		snprintf(a.doc, sizeof(a.doc), "%.90s", res.document_id);
		send_rec(p->fd, &a);
	}
	return NULL;
}

static void child_main(const char *dir, int fd, uint32_t trial)
{
	vt_node *n = NULL;
	appender ap[APPENDERS];
	pthread_t th[APPENDERS];
	ack ready = { 0 };

	if (vt_node_open(&n, dir, NULL) < 0) {
		send_fail(fd, "open");
		_exit(2);
	}
	ready.kind = MSG_READY;
	ready.seq = vt_log_size(n->log);
	send_rec(fd, &ready);
	for (uint32_t t = 0; t < APPENDERS; t++) {
		ap[t].n = n;
		ap[t].fd = fd;
		ap[t].trial = trial;
		ap[t].thread = t;
		if (pthread_create(&th[t], NULL, appender_run, &ap[t]) != 0) {
			send_fail(fd, "pthread_create");
			_exit(2);
		}
	}
	for (;;)
		pause(); /* until SIGKILL */
}

/* ---- the parent */

typedef struct acks {
	ack *v;
	size_t n, cap;
} acks;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads whole records from fd until deadline (ms, -1: until EOF) or, when
 * until_ready, until the child says it is ready. Returns 0 at EOF. */
static int read_records(int fd, acks *out, int64_t deadline, int until_ready, uint64_t *ready_size)
{
	static char partial[sizeof(ack)];
	static size_t have;
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int timeout = -1;
		ssize_t r;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return 1;
			timeout = (int)left;
		}
		int pr = poll(&pfd, 1, timeout);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			fail_msg("poll: %s", strerror(errno));
		if (pr == 0)
			continue; /* deadline check above */
		r = read(fd, partial + have, sizeof(partial) - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail_msg("read: %s", strerror(errno));
		if (r == 0) {
			if (have)
				fail_msg("the pipe ended inside a record (%zu bytes)", have);
			return 0;
		}
		have += (size_t)r;
		if (have < sizeof(ack))
			continue;
		have = 0;
		{
			ack a;
			memcpy(&a, partial, sizeof(a));
			if (a.kind == MSG_FAIL)
				fail_msg("child: %.96s", a.doc);
			if (a.kind == MSG_READY) {
				*ready_size = a.seq;
				if (until_ready)
					return 1;
				continue;
			}
			if (a.kind != MSG_ACK)
				fail_msg("bad record kind %u", a.kind);
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 1024;
				out->v = realloc(out->v, out->cap * sizeof(ack));
			}
			out->v[out->n++] = a;
		}
	}
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);
	return v && *v ? atoi(v) : def;
}

/* Reopens the node after a crash and checks it; returns its log size. */
static uint64_t check_trial(const char *dir, uint32_t trial, const acks *a, uint64_t size_before, int rebuild)
{
	vt_node *n = NULL;
	uint64_t size, max_seq = 0;
	vt_verify_report rep;
	vt_verify_opts vo = { 0 };
	uint8_t *seen;

	assert_vt_ok(vt_node_open(&n, dir, NULL));
	size = vt_log_size(n->log);
	assert_true(size >= size_before);
	seen = calloc(size + 1, 1);
	for (size_t i = 0; i < a->n; i++) {
		const ack *k = &a->v[i];
		Vanthu__V1__LogEntry *e = NULL;
		Vanthu__V1__Document *d = NULL;
		char summary[96], id[VT_ID_MAX + 32];

		if (k->seq >= size)
			fail_msg("trial %u: acknowledged entry %llu lost (log has %llu entries)", trial,
				(unsigned long long)k->seq, (unsigned long long)size);
		if (k->seq < size_before)
			fail_msg("trial %u: acknowledged seq %llu was already used before the trial", trial,
				(unsigned long long)k->seq);
		if (seen[k->seq]++)
			fail_msg("trial %u: seq %llu acknowledged twice", trial, (unsigned long long)k->seq);
		if (k->seq > max_seq)
			max_seq = k->seq;
		snprintf(id, sizeof(id), "%s/%llu", n->node_id, (unsigned long long)k->seq);
		assert_string_equal(k->doc, id);
		/* the entry is the child's event ... */
		assert_vt_ok(vt_log_entry_get(n->store, n->node_id, k->seq, &e));
		assert_int_equal(e->event->kind_case, VANTHU__V1__EVENT__KIND_DOCUMENT_CREATED);
		snprintf(summary, sizeof(summary), "crash t%u w%u i%u", k->trial, k->thread, k->i);
		assert_string_equal(e->event->document_created->meta->summary, summary);
		vanthu__v1__log_entry__free_unpacked(e, NULL);
		/* ... and its document is there */
		assert_vt_ok(vt_doc_get(n->store, n->node_id, k->doc, &d));
		assert_true(d->created_seq == k->seq);
		assert_string_equal(d->meta->summary, summary);
		vanthu__v1__document__free_unpacked(d, NULL);
	}
	if (a->n)
		assert_true(size >= max_seq + 1);
	/* What was not acknowledged was in flight: one append per thread. */
	if (size - size_before > a->n + APPENDERS)
		fail_msg("trial %u: %llu entries appended but only %zu acknowledged", trial,
			(unsigned long long)(size - size_before), a->n);
	free(seen);

	vo.rebuild = rebuild;
	vo.scratch_dir = getenv("VT_TEST_TMP");
	if (vt_log_verify(n->store, n->node_id, n->pk, &vo, &rep) < 0)
		fail_msg("trial %u: log does not verify: %s", trial, vt_error_last());
	assert_true(rep.entries == size);
	vt_node_free(n);
	return size;
}

static void test_crash_loss(void **state)
{
	char dir[4096];
	int trials = env_int("VT_CRASH_TRIALS", 20); /* ~8 s, ~14 s under ASan */
	unsigned seed = (unsigned)env_int("VT_CRASH_SEED", (int)(time(NULL) ^ getpid()));
	uint64_t size = 0, total = 0;
	int64_t t0 = now_ms();
	(void)state;

	{
		vt_node *n = vt_test_node_new(dir, sizeof(dir), "crash", NULL);
		size = vt_log_size(n->log);
		vt_node_free(n); /* closed before any fork */
	}
	srand(seed);
	print_message("seed %u (VT_CRASH_SEED), %d trials\n", seed, trials);

	for (int t = 0; t < trials; t++) {
		acks a = { 0 };
		int fds[2], status = 0;
		int run_ms = 20 + rand() % 181;
		uint64_t ready_size = UINT64_MAX;
		pid_t pid;

		assert_int_equal(pipe(fds), 0);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child_main(dir, fds[1], (uint32_t)t);
			_exit(0);
		}
		close(fds[1]);
		/* the child opens the node first (slow under sanitizers) */
		if (read_records(fds[0], &a, now_ms() + 60000, 1, &ready_size) != 1 || ready_size == UINT64_MAX) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail_msg("trial %d: the child did not open the node", t);
		}
		assert_true(ready_size == size);
		if (read_records(fds[0], &a, now_ms() + run_ms, 0, &ready_size) == 0)
			fail_msg("trial %d: the child ended by itself", t);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		read_records(fds[0], &a, -1, 0, &ready_size); /* drain to EOF */
		close(fds[0]);

		{
			uint64_t after = check_trial(dir, (uint32_t)t, &a, size, t == trials - 1);
			print_message("trial %2d: %3d ms, %5zu acknowledged, log %llu -> %llu\n", t, run_ms, a.n,
				(unsigned long long)size, (unsigned long long)after);
			size = after;
		}
		total += a.n;
		free(a.v);
	}
	print_message("%llu acknowledged appends, none lost, %.1f s\n", (unsigned long long)total,
		(double)(now_ms() - t0) / 1000.0);
	assert_true(total > 0);
	vt_test_node_done(NULL, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_loss),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
