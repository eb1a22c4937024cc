/* The event log: sequence numbers and times, a signed tree head per commit,
 * group commit under concurrency, reopening, replay equality, and
 * vt_log_verify's detection of every kind of stored corruption. */
#include "testutil.h"
#include "store/keyspace.h"

#include <pthread.h>
#include <sodium.h>
#include <unistd.h>

#include "docs/doc.h"
#include "store/hash.h"
#include "store/merkle.h"
#include "docs/register.h"
#include "store/sth.h"
#include "verify.h"

/* ---- independent checks */

/* RFC 9162 MTH over leaf hashes, written from the RFC, not from merkle.c. */
static void mth(uint8_t out[VT_HASH_LEN], uint8_t (*leaves)[VT_HASH_LEN], uint64_t n)
{
	uint8_t l[VT_HASH_LEN], r[VT_HASH_LEN], buf[1 + 2 * VT_HASH_LEN];
	uint64_t k = 1;
	if (n == 0) {
		vt_sha256(out, "", 0);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], VT_HASH_LEN);
		return;
	}
	while (k << 1 < n)
		k <<= 1;
	mth(l, leaves, k);
	mth(r, leaves + k, n - k);
	buf[0] = 1;
	memcpy(buf + 1, l, VT_HASH_LEN);
	memcpy(buf + 1 + VT_HASH_LEN, r, VT_HASH_LEN);
	vt_sha256(out, buf, sizeof(buf));
}

/* Root over the first size stored entries, hashed from their bytes. */
static void entries_root(uint8_t out[VT_HASH_LEN], vt_store *s, const char *origin, uint64_t size)
{
	uint8_t (*leaves)[VT_HASH_LEN] = malloc((size ? size : 1) * VT_HASH_LEN);
	static const uint8_t zero = 0;
	for (uint64_t i = 0; i < size; i++) {
		char *v = NULL;
		size_t n;
		assert_vt_ok(vt_log_entry_raw(s, origin, i, &v, &n));
		vt_sha256_2(leaves[i], &zero, 1, v, n);
		free(v);
	}
	mth(out, leaves, size);
	free(leaves);
}

/* Sizes of the stored tree heads of origin in (lo, hi], in order. */
static size_t sth_sizes(vt_store *s, const char *origin, uint64_t lo, uint64_t hi, uint64_t *out, size_t cap)
{
	vt_key p;
	vt_iter *it = NULL;
	size_t n = 0;
	vt_key_init(&p, origin);
	vt_key_u8(&p, VT_META_STH);
	assert_vt_ok(vt_iter_new(&it, s, VT_CF_META, p.buf, p.len));
	for (; vt_iter_valid(it); vt_iter_next(it)) {
		size_t kl;
		const char *k = vt_iter_key(it, &kl);
		assert_int_equal(kl, p.len + 8);
		uint64_t size = vt_be64_get(k + p.len);
		if (size > lo && size <= hi) {
			if (out && n < cap)
				out[n] = size;
			n++;
		}
	}
	assert_vt_ok(vt_iter_status(it));
	vt_iter_free(it);
	return n;
}

/* The latest tree head covers the whole log, verifies with the node's key,
 * and its root is the stored tree's root and the root of the entries. */
static void check_latest_sth(vt_node *n)
{
	Vanthu__V1__TreeHead *sth = NULL, *at = NULL;
	vt_log_tree_src src;
	uint8_t root[VT_HASH_LEN], indep[VT_HASH_LEN];
	uint64_t size = vt_log_size(n->log), stored;
	Vanthu__V1__LogEntry *last = NULL;

	assert_vt_ok(vt_log_stored_size(n->store, n->node_id, &stored));
	assert_true(stored == size);
	assert_vt_ok(vt_log_latest_sth(n->store, n->node_id, &sth));
	assert_true(sth->size == size);
	assert_string_equal(sth->origin, n->node_id);
	assert_vt_ok(vt_sth_verify(sth, n->pk));
	vt_log_tree_src_init(&src, n->store, n->node_id);
	assert_vt_ok(vt_merkle_root(root, &src.src, size));
	assert_int_equal(sth->root.len, VT_HASH_LEN);
	assert_memory_equal(sth->root.data, root, VT_HASH_LEN);
	entries_root(indep, n->store, n->node_id, size);
	assert_memory_equal(indep, root, VT_HASH_LEN);
	assert_vt_ok(vt_log_entry_get(n->store, n->node_id, size - 1, &last));
	assert_true(sth->time == last->time);
	assert_vt_ok(vt_log_sth_at(n->store, n->node_id, size, &at));
	assert_memory_equal(at->signature.data, sth->signature.data, VT_SIGN_LEN);
	vanthu__v1__log_entry__free_unpacked(last, NULL);
	vanthu__v1__tree_head__free_unpacked(at, NULL);
	vanthu__v1__tree_head__free_unpacked(sth, NULL);
}

static void append_doc(vt_node *n, const char *summary, vt_apply_result *res)
{
	char sym[64];
	snprintf(sym, sizeof(sym), "%zu/UBND-VP", strlen(summary) * 7 + (size_t)vt_log_size(n->log));
	assert_vt_ok(vt_test_create_incoming(n, sym, summary, res));
}

/* ---- sequence numbers and time */

static void test_seq_and_time(void **state)
{
	static const int64_t offsets[] = { /* clock, seconds from start */
		0, 1, 1, 2, -3600, 3, 3, 2, 100, -86400 * 400, 101,
	};
	vt_fake_clock clk = { 0 };
	vt_node_open_opts o = { 0 };
	char dir[4096];
	vt_node *n;
	int64_t t0 = vt_clock_now(NULL) + 3600LL * 1000000, last;
	uint64_t seq;
	(void)state;

	vt_fake_clock_set(&clk, t0);
	o.clock = vt_fake_clock_fn;
	o.clock_ctx = &clk;
	n = vt_test_node_new(dir, sizeof(dir), "log-seq", &o);
	seq = vt_log_size(n->log);
	assert_true(seq == 3); /* NodeInitialized + two default books */
	last = 0;
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		vt_apply_result res;
		Vanthu__V1__LogEntry *e = NULL;
		int64_t now = t0 + offsets[i] * 1000000;
		int64_t want = now > last ? now : last; /* never earlier than the entry before */
		vt_fake_clock_set(&clk, now);
		append_doc(n, "V/v kiểm tra thời gian", &res);
		assert_true(res.seq == seq);
		assert_true(res.time == want);
		assert_true(vt_log_size(n->log) == seq + 1);
		assert_vt_ok(vt_log_entry_get(n->store, n->node_id, seq, &e));
		assert_true(e->seq == seq);
		assert_true(e->time == want);
		assert_string_equal(e->actor, "vanthu1");
		assert_string_equal(e->origin, n->node_id);
		vanthu__v1__log_entry__free_unpacked(e, NULL);
		last = want;
		seq++;
	}
	/* An append that fails uses no sequence number. */
	assert_vt_error(vt_test_register(n, VT_TEST_NODE_ID "/999", "den", 0, NULL), VT_ENOTFOUND,
		"no document " VT_TEST_NODE_ID "/999");
	assert_true(vt_log_size(n->log) == seq);
	/* An event without a kind is refused. */
	{
		Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
		assert_vt_error(vt_log_append(n->log, "x", &ev, NULL), VT_EINVAL, "no event");
		assert_true(vt_log_size(n->log) == seq);
	}
	vt_test_node_done(n, dir);
}

/* ---- a signed tree head per commit */

static void test_sth_every_commit(void **state)
{
	char dir[4096];
	vt_node *n = vt_test_node_new(dir, sizeof(dir), "log-sth", NULL);
	(void)state;

	check_latest_sth(n);
	for (int i = 0; i < 40; i++) {
		append_doc(n, "V/v báo cáo", NULL);
		check_latest_sth(n);
	}
	/* One append at a time: a tree head at every size. */
	assert_int_equal(sth_sizes(n->store, n->node_id, 0, UINT64_MAX, NULL, 0), vt_log_size(n->log));

	/* A head does not verify with another key, nor once changed. */
	{
		Vanthu__V1__TreeHead *sth = NULL;
		uint8_t pk[32], sk[64];
		crypto_sign_keypair(pk, sk);
		assert_vt_ok(vt_log_sth_at(n->store, n->node_id, 10, &sth));
		assert_vt_error(vt_sth_verify(sth, pk), VT_ESIG, "another key");
		sth->key_id.len = 0; /* without the key id hint, the signature itself fails */
		assert_vt_error(vt_sth_verify(sth, pk), VT_ESIG, "size 10");
		sth->root.data[0] ^= 1;
		assert_vt_error(vt_sth_verify(sth, n->pk), VT_ESIG, "does not verify");
		sth->root.data[0] ^= 1;
		sth->time++;
		assert_vt_error(vt_sth_verify(sth, n->pk), VT_ESIG, "does not verify");
		sth->time--;
		assert_vt_ok(vt_sth_verify(sth, n->pk));
		vanthu__v1__tree_head__free_unpacked(sth, NULL);
	}
	vt_test_node_done(n, dir);
}

/* The default policy: the latest head after every commit, the history
 * one head per VT_STH_EVERY entries (or per second). */
static void test_sth_checkpoints(void **state)
{
	char dir[4096];
	vt_node_open_opts o = { 0 };
	vt_node *n;
	vt_verify_report rep;
	uint64_t commits, entries, hist;
	(void)state;
	o.sth_every = VT_STH_EVERY;
	n = vt_test_node_new(dir, sizeof(dir), "log-ckpt", &o);
	for (int i = 0; i < 2100; i++) {
		append_doc(n, "V/v kiểm tra", NULL);
		if (i % 300 == 0)
			check_latest_sth(n);
	}
	check_latest_sth(n);
	vt_log_stats(n->log, &commits, &entries);
	assert_true(commits == 2100 && entries == 2100);
	hist = sth_sizes(n->store, n->node_id, 0, UINT64_MAX, NULL, 0);
	print_message("2100 single appends: %llu heads kept in the history\n", (unsigned long long)hist);
	/* at least one per 1024 entries, far fewer than one per commit */
	assert_true(hist >= 2 && hist < 200);
	assert_vt_ok(vt_log_verify(n->store, n->node_id, n->pk, NULL, &rep));
	assert_true(rep.tree_heads == hist + 1); /* the history and the latest */
	vt_test_node_done(n, dir);
}

/* ---- group commit under concurrency */

#define THREADS 32
#define PER_THREAD 200

typedef struct worker {
	vt_node *n;
	int id;
	uint64_t seqs[PER_THREAD];
	int error;
	char message[256];
} worker;

static void *worker_run(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		vt_apply_result res;
		char sym[64], want[VT_ID_MAX + 32];
		snprintf(sym, sizeof(sym), "%d-%d/QĐ-UBND", w->id, i);
		if ((w->error = vt_test_create_incoming(w->n, sym, "V/v song song", &res)) < 0) {
			snprintf(w->message, sizeof(w->message), "%s", vt_error_last());
			return NULL;
		}
		snprintf(want, sizeof(want), "%s/%llu", w->n->node_id, (unsigned long long)res.seq);
		if (strcmp(want, res.document_id) != 0) {
			w->error = -100;
			snprintf(w->message, sizeof(w->message), "seq %llu made document %.200s",
				(unsigned long long)res.seq, res.document_id);
			return NULL;
		}
		w->seqs[i] = res.seq;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void test_concurrent_appends(void **state)
{
	char dir[4096];
	vt_node *n = vt_test_node_new(dir, sizeof(dir), "log-conc", NULL);
	worker *w = calloc(THREADS, sizeof(*w));
	pthread_t th[THREADS];
	uint64_t size0 = vt_log_size(n->log), *all = malloc(THREADS * PER_THREAD * sizeof(uint64_t));
	uint64_t *heads = malloc(THREADS * PER_THREAD * sizeof(uint64_t));
	size_t nheads;
	vt_verify_report rep;
	(void)state;

	for (int i = 0; i < THREADS; i++) {
		w[i].n = n;
		w[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < THREADS; i++) {
		if (w[i].error)
			fail_msg("thread %d: %d %s", i, w[i].error, w[i].message);
		/* each thread's own appends come back in order */
		for (int j = 1; j < PER_THREAD; j++)
			assert_true(w[i].seqs[j] > w[i].seqs[j - 1]);
		memcpy(all + i * PER_THREAD, w[i].seqs, sizeof(w[i].seqs));
	}
	assert_true(vt_log_size(n->log) == size0 + THREADS * PER_THREAD);
	qsort(all, THREADS * PER_THREAD, sizeof(uint64_t), cmp_u64);
	for (size_t i = 0; i < THREADS * PER_THREAD; i++)
		if (all[i] != size0 + i)
			fail_msg("sorted seq %zu is %llu, want %llu (duplicate or gap)", i,
				(unsigned long long)all[i], (unsigned long long)(size0 + i));

	/* Group commit: fewer tree heads than entries, each a valid head. */
	nheads = sth_sizes(n->store, n->node_id, size0, UINT64_MAX, heads, THREADS * PER_THREAD);
	print_message("%d appends from %d threads: %zu commits (%.1f entries per commit)\n",
		THREADS * PER_THREAD, THREADS, nheads, (double)(THREADS * PER_THREAD) / (double)nheads);
	assert_true(nheads < THREADS * PER_THREAD);
	assert_true(heads[nheads - 1] == size0 + THREADS * PER_THREAD);
	for (size_t i = 0; i < nheads; i++) {
		Vanthu__V1__TreeHead *sth = NULL;
		vt_log_tree_src src;
		uint8_t root[VT_HASH_LEN];
		assert_vt_ok(vt_log_sth_at(n->store, n->node_id, heads[i], &sth));
		assert_vt_ok(vt_sth_verify(sth, n->pk));
		vt_log_tree_src_init(&src, n->store, n->node_id);
		assert_vt_ok(vt_merkle_root(root, &src.src, heads[i]));
		assert_memory_equal(sth->root.data, root, VT_HASH_LEN);
		vanthu__v1__tree_head__free_unpacked(sth, NULL);
	}
	check_latest_sth(n);
	assert_vt_ok(vt_log_verify(n->store, n->node_id, n->pk, NULL, &rep));
	assert_true(rep.entries == size0 + THREADS * PER_THREAD);
	assert_true(rep.tree_heads == 3 + nheads + 1); /* + the latest head */

	free(heads);
	free(all);
	free(w);
	vt_test_node_done(n, dir);
}

/* ---- a failing event inside a group fails alone */

/* A clock that holds the first caller after arming until released, so
 * that appenders pile up behind a leader; it records who calls it. */
typedef struct gate_clock {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int armed, holding, released;
	int64_t now;
	pthread_t callers[64];
	int ncallers;
} gate_clock;

static int64_t gate_clock_fn(void *ctx)
{
	gate_clock *g = ctx;
	int64_t t;
	pthread_mutex_lock(&g->mu);
	if (g->armed) {
		g->armed = 0;
		g->holding = 1;
		pthread_cond_broadcast(&g->cv);
		while (!g->released)
			pthread_cond_wait(&g->cv, &g->mu);
		g->holding = 0;
	} else if (g->released && g->ncallers < 64) {
		g->callers[g->ncallers++] = pthread_self();
	}
	t = g->now++;
	pthread_mutex_unlock(&g->mu);
	return t;
}

typedef struct group_job {
	vt_node *n;
	const char *doc_id; /* register this (fails) instead of creating */
	int error;
	char message[512];
	vt_apply_result res;
} group_job;

static void *group_job_run(void *arg)
{
	group_job *j = arg;
	char sym[64];
	if (j->doc_id) {
		j->error = vt_test_register(j->n, j->doc_id, "den", 0, &j->res);
	} else {
		snprintf(sym, sizeof(sym), "%p/TB-UBND", (void *)j);
		j->error = vt_test_create_incoming(j->n, sym, "V/v nhóm", &j->res);
	}
	snprintf(j->message, sizeof(j->message), "%s", j->error ? vt_error_last() : "");
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static void test_failure_inside_group(void **state)
{
	enum { GOOD = 8 };
	gate_clock g;
	vt_node_open_opts o = { 0 };
	char dir[4096];
	vt_node *n;
	int grouped = 0, attempt;
	(void)state;

	memset(&g, 0, sizeof(g));
	pthread_mutex_init(&g.mu, NULL);
	pthread_cond_init(&g.cv, NULL);
	g.now = vt_clock_now(NULL) + 3600LL * 1000000;
	o.clock = gate_clock_fn;
	o.clock_ctx = &g;
	n = vt_test_node_new(dir, sizeof(dir), "log-group", &o);

	/* Queueing is not observable, so a run where the appenders did not all
	 * queue in time is retried; every run must still behave. */
	for (attempt = 0; attempt < 10 && !grouped; attempt++) {
		group_job lead = { 0 }, jobs[GOOD + 1];
		pthread_t lt, th[GOOD + 1];
		uint64_t size0 = vt_log_size(n->log), heads[GOOD + 2];
		size_t nh, bad = GOOD / 2;
		int same_leader = 1;

		pthread_mutex_lock(&g.mu);
		g.armed = 1;
		g.released = 0;
		g.ncallers = 0;
		pthread_mutex_unlock(&g.mu);
		lead.n = n;
		assert_int_equal(pthread_create(&lt, NULL, group_job_run, &lead), 0);
		pthread_mutex_lock(&g.mu);
		while (!g.holding)
			pthread_cond_wait(&g.cv, &g.mu);
		pthread_mutex_unlock(&g.mu);

		/* The leader is inside its commit; these queue behind it. */
		memset(jobs, 0, sizeof(jobs));
		for (size_t i = 0; i <= GOOD; i++) {
			jobs[i].n = n;
			if (i == bad)
				jobs[i].doc_id = VT_TEST_NODE_ID "/424242";
			assert_int_equal(pthread_create(&th[i], NULL, group_job_run, &jobs[i]), 0);
			sleep_ms(10);
		}
		sleep_ms(100);
		pthread_mutex_lock(&g.mu);
		g.released = 1;
		pthread_cond_broadcast(&g.cv);
		pthread_mutex_unlock(&g.mu);
		pthread_join(lt, NULL);
		for (size_t i = 0; i <= GOOD; i++)
			pthread_join(th[i], NULL);

		/* Whatever the grouping: the bad one failed with its own error,
		 * the others succeeded with consecutive numbers. */
		assert_int_equal(lead.error, 0);
		assert_true(lead.res.seq == size0);
		for (size_t i = 0; i <= GOOD; i++) {
			if (i == bad) {
				assert_int_equal(jobs[i].error, VT_ENOTFOUND);
				assert_non_null(strstr(jobs[i].message, "no document " VT_TEST_NODE_ID "/424242"));
			} else if (jobs[i].error) {
				fail_msg("job %zu: %d %s", i, jobs[i].error, jobs[i].message);
			} else {
				assert_true(jobs[i].res.seq > size0 && jobs[i].res.seq <= size0 + GOOD);
			}
		}
		assert_true(vt_log_size(n->log) == size0 + 1 + GOOD);

		/* One group: heads only after the leader's entry and after all
		 * eight, and all nine clock readings by one leader thread. */
		nh = sth_sizes(n->store, n->node_id, size0, UINT64_MAX, heads, GOOD + 2);
		pthread_mutex_lock(&g.mu);
		for (int i = 1; i < g.ncallers; i++)
			if (!pthread_equal(g.callers[i], g.callers[0]))
				same_leader = 0;
		grouped = nh == 2 && heads[0] == size0 + 1 && heads[1] == size0 + 1 + GOOD &&
			g.ncallers == GOOD + 1 && same_leader;
		pthread_mutex_unlock(&g.mu);
		check_latest_sth(n);
	}
	print_message("mixed group formed on attempt %d\n", attempt);
	assert_true(grouped);
	{
		vt_verify_report rep;
		vt_verify_opts vo = { 0 };
		vo.rebuild = 1;
		vo.scratch_dir = getenv("VT_TEST_TMP");
		assert_vt_ok(vt_log_verify(n->store, n->node_id, n->pk, &vo, &rep));
	}
	vt_test_node_done(n, dir);
	pthread_mutex_destroy(&g.mu);
	pthread_cond_destroy(&g.cv);
}

/* ---- reopening */

static void test_reopen(void **state)
{
	static const int appends[] = { 0, 1, 4, 5, 16, 1, 2 }; /* sizes 3, 4, 8, 13, 29, 30, 32 */
	char dir[4096];
	vt_node *n = vt_test_node_new(dir, sizeof(dir), "log-reopen", NULL);
	(void)state;

	for (size_t c = 0; c < sizeof(appends) / sizeof(appends[0]); c++) {
		uint64_t size;
		Vanthu__V1__TreeHead *before = NULL, *after = NULL;
		vt_apply_result res;
		for (int i = 0; i < appends[c]; i++)
			append_doc(n, "V/v mở lại", NULL);
		size = vt_log_size(n->log);
		assert_vt_ok(vt_log_latest_sth(n->store, n->node_id, &before));
		vt_node_free(n);
		n = NULL;
		assert_vt_ok(vt_node_open(&n, dir, NULL));
		assert_true(vt_log_size(n->log) == size);
		assert_string_equal(vt_log_origin(n->log), VT_TEST_NODE_ID);
		/* Appending continues from the restored frontier. */
		append_doc(n, "V/v sau khi mở lại", &res);
		assert_true(res.seq == size);
		check_latest_sth(n);
		assert_vt_ok(vt_log_latest_sth(n->store, n->node_id, &after));
		assert_true(after->size == size + 1);
		assert_true(after->time >= before->time);
		vanthu__v1__tree_head__free_unpacked(before, NULL);
		vanthu__v1__tree_head__free_unpacked(after, NULL);
	}
	{
		vt_verify_report rep;
		assert_vt_ok(vt_log_verify(n->store, n->node_id, n->pk, NULL, &rep));
		assert_true(rep.entries == vt_log_size(n->log));
	}
	vt_test_node_done(n, dir);
}

/* ---- replay equality */

static void add_blob(vt_node *n, const char *data, uint8_t hash[VT_HASH_LEN])
{
	Vanthu__V1__BlobAdded ba = VANTHU__V1__BLOB_ADDED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	assert_vt_ok(vt_store_blob_put(n->store, data, strlen(data), hash));
	ba.sha256.data = hash;
	ba.sha256.len = VT_HASH_LEN;
	ba.size = strlen(data);
	ba.media_type = "application/pdf";
	ev.kind_case = VANTHU__V1__EVENT__KIND_BLOB_ADDED;
	ev.blob_added = &ba;
	assert_vt_ok(vt_log_append(n->log, "vanthu1", &ev, NULL));
}

/* Books, incoming and outgoing documents, duplicates refused and accepted,
 * an attachment, refused events; returns a document id for the callers. */
static void mixed_workload(vt_node *n, int round, char *a_doc, size_t cap)
{
	char s1[64], s2[64], s3[64];
	static const char *qd[] = { "QĐ" };
	vt_apply_result r1, r2, r;
	uint8_t h[VT_HASH_LEN];
	vt_test_doc out = { 0 };

	assert_vt_ok(vt_test_book(n, "den-2", "Sổ văn bản đến (mật)", VANTHU__V1__DIRECTION__INCOMING, NULL, NULL, 0, 0));
	assert_vt_ok(vt_test_book(n, "di-qd", "Sổ quyết định", VANTHU__V1__DIRECTION__OUTGOING, "SNN", qd, 1, 0));

	/* incoming: two registered, one duplicate refused then accepted */
	snprintf(s1, sizeof(s1), "%d/QĐ-UBND", 12 + 10 * round);
	snprintf(s2, sizeof(s2), "%d/QĐ-UBND", 13 + 10 * round);
	snprintf(s3, sizeof(s3), "%d / QĐ-ubnd", 12 + 10 * round);
	assert_vt_ok(vt_test_create_incoming(n, s1, "V/v phê duyệt", &r1));
	assert_vt_ok(vt_test_register(n, r1.document_id, "den", 0, &r));
	assert_vt_ok(vt_test_create_incoming(n, s2, "V/v giao chỉ tiêu", &r2));
	assert_vt_ok(vt_test_register(n, r2.document_id, "den-2", 0, &r));
	assert_vt_ok(vt_test_create_incoming(n, s3, "V/v phê duyệt (bản 2)", &r2));
	assert_vt_error(vt_test_register(n, r2.document_id, "den", 0, &r), VT_EEXISTS, r1.document_id);
	assert_vt_ok(vt_test_register(n, r2.document_id, "den", 1, &r));
	snprintf(a_doc, cap, "%s", r2.document_id);

	/* an attachment */
	add_blob(n, "%PDF-1.7 công văn", h);

	/* outgoing: numbered in two books */
	out.direction = VANTHU__V1__DIRECTION__OUTGOING;
	for (int i = 0; i < 3; i++) {
		out.doc_type = i == 1 ? "TB" : "QĐ";
		assert_vt_ok(vt_test_create(n, &out, &r1));
		assert_vt_ok(vt_test_register(n, r1.document_id, i == 1 ? "di" : "di-qd", 0, &r));
	}
	out.doc_type = "CV";
	out.number_symbol = "SNN-VP";
	assert_vt_ok(vt_test_create(n, &out, &r1));
	assert_vt_error(vt_test_register(n, r1.document_id, "di-qd", 0, &r), VT_EINVAL, "type");
	assert_vt_ok(vt_test_register(n, r1.document_id, "di", 0, &r));
	assert_vt_error(vt_test_register(n, r1.document_id, "di", 0, &r), VT_ECONFLICT, "already registered");
	/* close a book */
	assert_vt_ok(vt_test_book(n, "den-2", "Sổ văn bản đến (mật)", VANTHU__V1__DIRECTION__INCOMING, NULL, NULL, 0, 1));
}

static void test_replay_equality(void **state)
{
	char dir[4096], scratch[4096], doc[VT_ID_MAX];
	vt_node *n = vt_test_node_new(dir, sizeof(dir), "log-replay", NULL);
	vt_verify_report rep;
	vt_verify_opts vo = { 0 };
	vt_store *dst = NULL;
	uint64_t entries = 0, keys = 0;
	Vanthu__V1__TreeHead *sth = NULL;
	(void)state;

	mixed_workload(n, 0, doc, sizeof(doc));
	mixed_workload(n, 1, doc, sizeof(doc)); /* again: books redefined, numbers go on */

	vt_test_tmpdir(scratch, sizeof(scratch), "replay-scratch");
	vo.rebuild = 1;
	vo.scratch_dir = scratch;
	assert_vt_ok(vt_log_verify(n->store, n->node_id, n->pk, &vo, &rep));
	assert_true(rep.entries == vt_log_size(n->log));
	assert_true(rep.tree_heads == vt_log_size(n->log) + 1); /* one per single append, + the latest */
	assert_true(rep.state_keys > rep.entries);
	assert_true(rep.tree_nodes >= rep.entries);
	assert_vt_ok(vt_log_latest_sth(n->store, n->node_id, &sth));
	assert_memory_equal(rep.root, sth->root.data, VT_HASH_LEN);
	vanthu__v1__tree_head__free_unpacked(sth, NULL);
	/* the key may also come from entry 0 */
	assert_vt_ok(vt_log_verify(n->store, n->node_id, NULL, &vo, &rep));

	/* The same by hand: rebuild into an empty store, compare. */
	assert_vt_ok(vt_store_open(&dst, scratch, VT_STORE_CREATE));
	assert_vt_ok(vt_log_rebuild(n->store, dst, n->node_id, &entries));
	assert_true(entries == vt_log_size(n->log));
	assert_vt_ok(vt_store_compare(n->store, dst, n->node_id, &keys));
	assert_true(keys == rep.state_keys);
	/* a second rebuild into the same store is refused */
	assert_vt_error(vt_log_rebuild(n->store, dst, n->node_id, NULL), VT_EEXISTS, "already has a log");
	vt_store_free(dst);
	vt_test_rmrf(scratch);
	vt_test_node_done(n, dir);
}

/* ---- corruption detection */

typedef struct corrupt_ctx {
	vt_node *n;
	uint64_t size;  /* log size before corrupting */
	char doc[VT_ID_MAX];
	uint64_t seq;   /* what the case damaged, for the message check */
	unsigned level;
} corrupt_ctx;

static void put_raw(vt_node *n, vt_cf cf, const vt_key *k, const void *v, size_t len)
{
	vt_batch *b = NULL;
	assert_vt_ok(vt_batch_new(&b, n->store));
	vt_batch_put(b, cf, k->buf, k->len, v, len);
	assert_vt_ok(vt_store_write(n->store, b, 1));
	vt_batch_free(b);
}

static void corrupt_entry_rewritten(corrupt_ctx *c)
{
	Vanthu__V1__LogEntry *e = NULL;
	uint8_t buf[4096];
	size_t len;
	vt_key k;
	c->seq = 5;
	assert_vt_ok(vt_log_entry_get(c->n->store, c->n->node_id, c->seq, &e));
	char *actor = e->actor;
	e->actor = "mallory"; /* still decodes, same seq: only the hash tells */
	len = vanthu__v1__log_entry__pack(e, buf);
	e->actor = actor;
	vanthu__v1__log_entry__free_unpacked(e, NULL);
	vt_log_key_entry(&k, c->n->node_id, c->seq);
	put_raw(c->n, VT_CF_LOG, &k, buf, len);
}

static void corrupt_entry_garbage(corrupt_ctx *c)
{
	vt_key k;
	c->seq = 9;
	vt_log_key_entry(&k, c->n->node_id, c->seq);
	put_raw(c->n, VT_CF_LOG, &k, "\xff\xff\xff\xff garbage", 12);
}

static void corrupt_entry_truncated(corrupt_ctx *c)
{
	char *v = NULL;
	size_t n;
	vt_key k;
	c->seq = 7;
	assert_vt_ok(vt_log_entry_raw(c->n->store, c->n->node_id, c->seq, &v, &n));
	vt_log_key_entry(&k, c->n->node_id, c->seq);
	put_raw(c->n, VT_CF_LOG, &k, v, n / 2);
	free(v);
}

static void corrupt_entry_missing(corrupt_ctx *c)
{
	vt_batch *b = NULL;
	vt_key k;
	c->seq = 4;
	vt_log_key_entry(&k, c->n->node_id, c->seq);
	assert_vt_ok(vt_batch_new(&b, c->n->store));
	vt_batch_del(b, VT_CF_LOG, k.buf, k.len);
	assert_vt_ok(vt_store_write(c->n->store, b, 1));
	vt_batch_free(b);
}

static void corrupt_log_truncated(corrupt_ctx *c)
{
	vt_batch *b = NULL;
	assert_vt_ok(vt_batch_new(&b, c->n->store));
	for (uint64_t s = c->size - 3; s < c->size; s++) {
		vt_key k;
		vt_log_key_entry(&k, c->n->node_id, s);
		vt_batch_del(b, VT_CF_LOG, k.buf, k.len);
	}
	assert_vt_ok(vt_store_write(c->n->store, b, 1));
	vt_batch_free(b);
	c->seq = c->size - 2; /* the first head beyond the log */
}

static void rewrite_sth(corrupt_ctx *c, int flip_sig, int resign_root)
{
	Vanthu__V1__TreeHead *sth = NULL;
	uint8_t buf[512], sig[64], kid[8];
	size_t len;
	vt_key k;
	ProtobufCBinaryData osig, okid;
	c->seq = 6;
	assert_vt_ok(vt_log_sth_at(c->n->store, c->n->node_id, c->seq, &sth));
	osig = sth->signature;
	okid = sth->key_id;
	if (flip_sig)
		sth->signature.data[17] ^= 0x40;
	if (resign_root) {
		/* a head properly signed by the node, over a root the log does not have */
		sth->root.data[0] ^= 0xff;
		vt_sth_sign(sth, c->n->sk, sig, kid);
	}
	len = vanthu__v1__tree_head__pack(sth, buf);
	if (resign_root) {
		sth->signature = osig; /* give back the unpacker's buffers */
		sth->key_id = okid;
	}
	vanthu__v1__tree_head__free_unpacked(sth, NULL);
	vt_log_key_sth(&k, c->n->node_id, c->seq);
	put_raw(c->n, VT_CF_META, &k, buf, len);
}

static void corrupt_sth_signature(corrupt_ctx *c) { rewrite_sth(c, 1, 0); }
static void corrupt_sth_root(corrupt_ctx *c) { rewrite_sth(c, 0, 1); }

static void corrupt_doc(corrupt_ctx *c)
{
	Vanthu__V1__Document *d = NULL;
	uint8_t buf[4096];
	size_t len;
	uint64_t seq;
	vt_key k;
	assert_vt_ok(vt_doc_get(c->n->store, c->n->node_id, c->doc, &d));
	char *summary = d->meta->summary;
	d->meta->summary = "V/v nội dung đã bị sửa";
	len = vanthu__v1__document__pack(d, buf);
	d->meta->summary = summary;
	vanthu__v1__document__free_unpacked(d, NULL);
	assert_vt_ok(vt_doc_id_parse(c->doc, c->n->node_id, &seq));
	vt_doc_key(&k, c->n->node_id, seq);
	put_raw(c->n, VT_CF_DOC, &k, buf, len);
}

static void corrupt_register_extra(corrupt_ctx *c)
{
	vt_key k;
	uint8_t num[4];
	/* a counter for a year nobody registered in */
	vt_key_init(&k, c->n->node_id);
	vt_key_u8(&k, VT_REG_COUNTER);
	vt_key_str(&k, "den");
	vt_key_u32(&k, 1999);
	vt_be32_put(num, 7);
	put_raw(c->n, VT_CF_REGISTER, &k, num, 4);
}

static void corrupt_tree_node(corrupt_ctx *c)
{
	vt_key k;
	uint8_t h[VT_HASH_LEN];
	memset(h, 0x5a, sizeof(h));
	c->level = 1;
	c->seq = 2; /* index */
	vt_log_key_tree(&k, c->n->node_id, c->level, c->seq);
	put_raw(c->n, VT_CF_TREE, &k, h, sizeof(h));
}

static void corrupt_tree_node_missing(corrupt_ctx *c)
{
	vt_batch *b = NULL;
	vt_key k;
	c->level = 2;
	c->seq = 1;
	vt_log_key_tree(&k, c->n->node_id, c->level, c->seq);
	assert_vt_ok(vt_batch_new(&b, c->n->store));
	vt_batch_del(b, VT_CF_TREE, k.buf, k.len);
	assert_vt_ok(vt_store_write(c->n->store, b, 1));
	vt_batch_free(b);
}

static void check_names_entry(const corrupt_ctx *c, const char *msg)
{
	if (!vt_test_names_number(msg, "entry", c->seq))
		fail_msg("message does not name entry %llu: %s", (unsigned long long)c->seq, msg);
}

static void check_names_entries(const corrupt_ctx *c, const char *msg)
{
	if (!vt_test_names_number(msg, "entries", c->seq))
		fail_msg("message does not name entry %llu: %s", (unsigned long long)c->seq, msg);
}

static void check_truncated(const corrupt_ctx *c, const char *msg)
{
	char want[64];
	snprintf(want, sizeof(want), "covers %llu entries", (unsigned long long)c->seq);
	if (!strstr(msg, "tree head") || !strstr(msg, "truncated") || !strstr(msg, want))
		fail_msg("message does not tell of a tree head beyond the log: %s", msg);
}

static void check_names_size(const corrupt_ctx *c, const char *msg)
{
	if (!vt_test_names_number(msg, "size", c->seq))
		fail_msg("message does not name the head at size %llu: %s", (unsigned long long)c->seq, msg);
}

static void check_names_node(const corrupt_ctx *c, const char *msg)
{
	char want[64];
	snprintf(want, sizeof(want), "level %u, index %llu", c->level, (unsigned long long)c->seq);
	if (!strstr(msg, want))
		fail_msg("message does not name tree node %s: %s", want, msg);
}

/* The key is named by its kind in the keyspace table, not only as hex. */
static void check_names_counter(const corrupt_ctx *c, const char *msg)
{
	(void)c;
	if (!strstr(msg, "(VT_REG_COUNTER: origin | 'C' | book | year"))
		fail_msg("message does not name the register counter: %s", msg);
}

static void test_corruption(void **state)
{
	static const struct {
		const char *name;
		void (*corrupt)(corrupt_ctx *c);
		int rebuild;      /* needs the rebuild pass to be seen */
		int code;
		const char *sub;  /* in the message */
		void (*check)(const corrupt_ctx *c, const char *msg);
	} cases[] = {
		{ "entry rewritten", corrupt_entry_rewritten, 0, VT_ECORRUPT, "differs", check_names_entry },
		{ "entry garbage", corrupt_entry_garbage, 0, VT_ECORRUPT, "does not decode", check_names_entry },
		{ "entry truncated", corrupt_entry_truncated, 0, VT_ECORRUPT, "entry", check_names_entry },
		{ "entry missing", corrupt_entry_missing, 0, VT_ECORRUPT, "missing", check_names_entries },
		{ "log truncated", corrupt_log_truncated, 0, VT_ECORRUPT, "truncated", check_truncated },
		{ "head signature", corrupt_sth_signature, 0, VT_ESIG, "signature does not verify", check_names_size },
		{ "head root re-signed", corrupt_sth_root, 0, VT_ECORRUPT, "root differs", check_names_size },
		{ "document changed", corrupt_doc, 1, VT_ECORRUPT, "doc: value of key", NULL },
		{ "register key added", corrupt_register_extra, 1, VT_ECORRUPT, "register: key", check_names_counter },
		{ "tree node changed", corrupt_tree_node, 0, VT_ECORRUPT, "differs from the hash", check_names_node },
		{ "tree node missing", corrupt_tree_node_missing, 0, VT_ECORRUPT, "missing", check_names_node },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[4096];
		corrupt_ctx c = { 0 };
		vt_verify_report rep;
		vt_verify_opts vo = { 0 };
		int rc;

		c.n = vt_test_node_new(dir, sizeof(dir), "log-corrupt", NULL);
		mixed_workload(c.n, 0, c.doc, sizeof(c.doc));
		c.size = vt_log_size(c.n->log);
		vo.scratch_dir = getenv("VT_TEST_TMP");
		vo.rebuild = 1;
		assert_vt_ok(vt_log_verify(c.n->store, c.n->node_id, c.n->pk, &vo, &rep));

		cases[i].corrupt(&c);
		vo.rebuild = 0;
		vt_error_clear();
		rc = vt_log_verify(c.n->store, c.n->node_id, c.n->pk, &vo, &rep);
		if (cases[i].rebuild) {
			/* derived state is not what the hash pass reads */
			if (rc != 0)
				fail_msg("%s: hash pass failed: %s", cases[i].name, vt_error_last());
			vo.rebuild = 1;
			rc = vt_log_verify(c.n->store, c.n->node_id, c.n->pk, &vo, &rep);
		}
		print_message("%-20s -> %s: %s\n", cases[i].name, vt_error_name(rc), vt_error_last());
		if (rc != cases[i].code || !*vt_error_last() || !strstr(vt_error_last(), cases[i].sub))
			fail_msg("%s: got %s '%s', want %s with '%s'", cases[i].name, vt_error_name(rc),
				vt_error_last(), vt_error_name(cases[i].code), cases[i].sub);
		if (cases[i].check)
			cases[i].check(&c, vt_error_last());
		/* with rebuild too, the same first problem */
		if (!cases[i].rebuild) {
			vo.rebuild = 1;
			assert_int_equal(vt_log_verify(c.n->store, c.n->node_id, c.n->pk, &vo, &rep), cases[i].code);
		}
		vt_test_node_done(c.n, dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_and_time),
		cmocka_unit_test(test_sth_every_commit),
		cmocka_unit_test(test_sth_checkpoints),
		cmocka_unit_test(test_concurrent_appends),
		cmocka_unit_test(test_failure_inside_group),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_replay_equality),
		cmocka_unit_test(test_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
