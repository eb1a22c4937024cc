/* Log verification: hash pass (leaves, stored nodes, tree heads) and
 * rebuild pass (replay, then compare derived state byte for byte). */
#include "events.h"
#include "verify.h"
#include "store/keyspace.h"
#include "store/error.h"
#include "store/log.h"
#include "store/merkle.h"
#include "node.h"
#include "store/sth.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Stored Merkle nodes are checked as the frontier emits them. Keys sort by
 * level then index, so one iterator per level walks its level in order. */
typedef struct tree_check {
	vt_store *store;
	const char *origin;
	vt_iter *level[VT_MERKLE_MAX_PATH];
	size_t plen[VT_MERKLE_MAX_PATH];
	uint64_t nodes;
} tree_check;

static int tree_emit(void *ctx, unsigned level, uint64_t index, const uint8_t hash[VT_HASH_LEN])
{
	tree_check *t = ctx;
	vt_iter *it = t->level[level];
	size_t kl, vl;
	const char *k, *v;
	int error;
	if (!it) {
		vt_key p;
		vt_key_init(&p, t->origin);
		vt_key_u8(&p, (uint8_t)level);
		if ((error = vt_iter_new_ex(&t->level[level], t->store, VT_CF_TREE, p.buf, p.len, VT_ITER_SCAN)) < 0)
			return error;
		it = t->level[level];
		t->plen[level] = p.len;
	} else {
		vt_iter_next(it);
	}
	if (!vt_iter_valid(it)) {
		if ((error = vt_iter_status(it)) < 0)
			return error;
		return vt_error_set(VT_ECORRUPT, "tree node (level %u, index %" PRIu64 ") is missing", level, index);
	}
	k = vt_iter_key(it, &kl);
	v = vt_iter_value(it, &vl);
	if (kl != t->plen[level] + 8 || vt_be64_get(k + t->plen[level]) != index)
		return vt_error_set(VT_ECORRUPT, "tree node (level %u, index %" PRIu64 ") is missing (found index %" PRIu64 ")",
			level, index, kl == t->plen[level] + 8 ? vt_be64_get(k + t->plen[level]) : 0);
	if (vl != VT_HASH_LEN || memcmp(v, hash, VT_HASH_LEN) != 0)
		return vt_error_set(VT_ECORRUPT, "tree node (level %u, index %" PRIu64 ") differs from the hash of the entries",
			level, index);
	t->nodes++;
	return 0;
}

static int sth_check(const char *v, size_t vl, uint64_t size, const uint8_t root[VT_HASH_LEN],
	const char *origin, const uint8_t pk[32])
{
	Vanthu__V1__TreeHead *sth = vanthu__v1__tree_head__unpack(NULL, vl, (const uint8_t *)v);
	int error = 0;
	if (!sth)
		return vt_error_set(VT_ECORRUPT, "tree head at size %" PRIu64 " does not decode", size);
	if (sth->size != size || strcmp(sth->origin, origin) != 0)
		error = vt_error_set(VT_ECORRUPT, "tree head stored at size %" PRIu64 " is for size %" PRIu64 " of '%s'",
			size, sth->size, sth->origin);
	else if ((error = vt_sth_verify(sth, pk)) < 0)
		;
	else if (memcmp(sth->root.data, root, VT_HASH_LEN) != 0)
		error = vt_error_set(VT_ECORRUPT, "tree head at size %" PRIu64 " is signed but its root differs from the log's",
			size);
	vanthu__v1__tree_head__free_unpacked(sth, NULL);
	return error;
}

/* The log is read by its own thread, in chunks of copied entries, while the
 * checking thread decodes, hashes and compares: on two cores the scan and
 * the hashing overlap. */
#define CHUNK_ENTRIES 2048
#define CHUNK_QUEUE 4

typedef struct chunk {
	size_t n, used, cap;
	size_t klen[CHUNK_ENTRIES];
	uint64_t seq[CHUNK_ENTRIES];
	size_t off[CHUNK_ENTRIES], len[CHUNK_ENTRIES];
	char *data;
} chunk;

typedef struct reader {
	vt_store *store;
	vt_key prefix;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	chunk *queue[CHUNK_QUEUE];
	size_t head, count;
	int done, stop, started;
	int error;
	char message[512];
} reader;

static void chunk_free(chunk *c)
{
	if (c) {
		free(c->data);
		free(c);
	}
}

static int chunk_add(chunk *c, const char *k, size_t kl, size_t plen, const char *v, size_t vl)
{
	if (c->used + vl > c->cap) {
		size_t cap = c->cap ? c->cap : 1 << 20;
		char *d;
		while (cap < c->used + vl)
			cap *= 2;
		if (!(d = realloc(c->data, cap)))
			return VT_ENOMEM;
		c->data = d;
		c->cap = cap;
	}
	memcpy(c->data + c->used, v, vl);
	c->klen[c->n] = kl;
	c->seq[c->n] = kl == plen + 8 ? vt_be64_get(k + plen) : 0;
	c->off[c->n] = c->used;
	c->len[c->n] = vl;
	c->used += vl;
	c->n++;
	return 0;
}

static int reader_push(reader *rd, chunk *c)
{
	pthread_mutex_lock(&rd->mu);
	while (rd->count == CHUNK_QUEUE && !rd->stop)
		pthread_cond_wait(&rd->cv, &rd->mu);
	if (rd->stop) {
		pthread_mutex_unlock(&rd->mu);
		return -1;
	}
	rd->queue[(rd->head + rd->count) % CHUNK_QUEUE] = c;
	rd->count++;
	pthread_cond_broadcast(&rd->cv);
	pthread_mutex_unlock(&rd->mu);
	return 0;
}

static void *reader_run(void *arg)
{
	reader *rd = arg;
	vt_iter *it = NULL;
	chunk *c = NULL;
	int error = vt_iter_new_ex(&it, rd->store, VT_CF_LOG, rd->prefix.buf, rd->prefix.len, VT_ITER_SCAN);
	for (; !error && vt_iter_valid(it); vt_iter_next(it)) {
		size_t kl, vl;
		const char *k = vt_iter_key(it, &kl);
		const char *v = vt_iter_value(it, &vl);
		if (!c && !(c = calloc(1, sizeof(*c)))) {
			error = vt_error_set(VT_ENOMEM, "out of memory");
			break;
		}
		if (chunk_add(c, k, kl, rd->prefix.len, v, vl) < 0) {
			error = vt_error_set(VT_ENOMEM, "out of memory");
			break;
		}
		if (c->n == CHUNK_ENTRIES || c->used >= (4u << 20)) {
			if (reader_push(rd, c) < 0)
				break;
			c = NULL;
		}
	}
	if (!error)
		error = vt_iter_status(it);
	if (!error && c && c->n) {
		if (reader_push(rd, c) == 0)
			c = NULL;
	}
	chunk_free(c);
	vt_iter_free(it);
	pthread_mutex_lock(&rd->mu);
	rd->done = 1;
	rd->error = error;
	if (error)
		snprintf(rd->message, sizeof(rd->message), "%s", vt_error_last());
	pthread_cond_broadcast(&rd->cv);
	pthread_mutex_unlock(&rd->mu);
	return NULL;
}

static int reader_start(reader *rd, vt_store *store, const vt_key *prefix)
{
	memset(rd, 0, sizeof(*rd));
	rd->store = store;
	rd->prefix = *prefix;
	pthread_mutex_init(&rd->mu, NULL);
	pthread_cond_init(&rd->cv, NULL);
	if (pthread_create(&rd->thread, NULL, reader_run, rd) != 0)
		return vt_error_set(VT_ERROR, "cannot start the log reader thread");
	rd->started = 1;
	return 0;
}

/* The next chunk, or NULL at the end (then reader_error says if it failed). */
static chunk *reader_next(reader *rd)
{
	chunk *c = NULL;
	pthread_mutex_lock(&rd->mu);
	while (!rd->count && !rd->done)
		pthread_cond_wait(&rd->cv, &rd->mu);
	if (rd->count) {
		c = rd->queue[rd->head];
		rd->head = (rd->head + 1) % CHUNK_QUEUE;
		rd->count--;
		pthread_cond_broadcast(&rd->cv);
	}
	pthread_mutex_unlock(&rd->mu);
	return c;
}

static int reader_error(reader *rd)
{
	return rd->error ? vt_error_set(rd->error, "%s", rd->message) : 0;
}

static void reader_stop(reader *rd)
{
	if (!rd->started)
		return;
	pthread_mutex_lock(&rd->mu);
	rd->stop = 1;
	pthread_cond_broadcast(&rd->cv);
	pthread_mutex_unlock(&rd->mu);
	pthread_join(rd->thread, NULL);
	while (rd->count) {
		chunk_free(rd->queue[rd->head]);
		rd->head = (rd->head + 1) % CHUNK_QUEUE;
		rd->count--;
	}
	pthread_mutex_destroy(&rd->mu);
	pthread_cond_destroy(&rd->cv);
	rd->started = 0;
}

static int hash_pass(vt_store *store, const char *origin, const uint8_t pk[32], vt_verify_report *r)
{
	vt_merkle_frontier *f = NULL;
	tree_check tc = { 0 };
	vt_iter *sth_it = NULL;
	vt_key lp, sp;
	int64_t last_time = INT64_MIN;
	uint64_t expect = 0, next_sth = UINT64_MAX;
	int error = 0;
	reader rd = { 0 };
	chunk *c = NULL;

	tc.store = store;
	tc.origin = origin;
	if (!(f = malloc(sizeof(*f))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	vt_merkle_frontier_init(f);
	vt_key_init(&lp, origin);
	vt_key_init(&sp, origin);
	vt_key_u8(&sp, VT_META_STH);
	if ((error = vt_iter_new(&sth_it, store, VT_CF_META, sp.buf, sp.len)) < 0 ||
	    (error = reader_start(&rd, store, &lp)) < 0)
		goto out;

#define NEXT_STH() do { \
		size_t kl_; const char *k_; \
		next_sth = UINT64_MAX; \
		if (vt_iter_valid(sth_it)) { \
			k_ = vt_iter_key(sth_it, &kl_); \
			if (kl_ != sp.len + 8) { error = vt_error_set(VT_ECORRUPT, "tree head key of %zu bytes", kl_); goto out; } \
			next_sth = vt_be64_get(k_ + sp.len); \
		} \
	} while (0)

	NEXT_STH();
	if (next_sth == 0) { /* a head of the empty tree: nothing to check but its signature */
		uint8_t empty[VT_HASH_LEN];
		size_t vl;
		const char *v = vt_iter_value(sth_it, &vl);
		vt_merkle_empty_root(empty);
		if ((error = sth_check(v, vl, 0, empty, origin, pk)) < 0)
			goto out;
		r->tree_heads++;
		vt_iter_next(sth_it);
		NEXT_STH();
	}
	while ((c = reader_next(&rd))) {
	for (size_t i = 0; i < c->n; i++) {
		size_t kl = c->klen[i], vl = c->len[i];
		const char *v = c->data + c->off[i];
		uint64_t seq;
		uint8_t leaf[VT_HASH_LEN];
		Vanthu__V1__LogEntry *e;

		if (kl != lp.len + 8) {
			error = vt_error_set(VT_ECORRUPT, "log key of %zu bytes after entry %" PRIu64, kl, expect);
			goto out;
		}
		seq = c->seq[i];
		if (seq != expect) {
			error = vt_error_set(VT_ECORRUPT, "log entries %" PRIu64 "..%" PRIu64 " are missing", expect, seq - 1);
			goto out;
		}
		if (!(e = vanthu__v1__log_entry__unpack(NULL, vl, (const uint8_t *)v))) {
			error = vt_error_set(VT_ECORRUPT, "log entry %" PRIu64 " does not decode (%zu bytes; truncated or overwritten)",
				seq, vl);
			goto out;
		}
		if (e->seq != seq || strcmp(e->origin, origin) != 0 || e->time < last_time || !e->event) {
			error = vt_error_set(VT_ECORRUPT, "log entry %" PRIu64 ": %s", seq,
				e->seq != seq ? "its seq field differs from its position" :
				strcmp(e->origin, origin) != 0 ? "it names another origin" :
				!e->event ? "it has no event" : "its time is earlier than the entry before");
			vanthu__v1__log_entry__free_unpacked(e, NULL);
			goto out;
		}
		last_time = e->time;
		vanthu__v1__log_entry__free_unpacked(e, NULL);
		vt_merkle_leaf_hash(leaf, v, vl);
		if ((error = vt_merkle_frontier_append(f, leaf, tree_emit, &tc)) < 0) {
			vt_error_set(error, "at log entry %" PRIu64 ": %s", seq, vt_error_last());
			goto out;
		}
		r->bytes += vl;
		expect = seq + 1;
		if (next_sth == expect) {
			uint8_t root[VT_HASH_LEN];
			size_t sl;
			const char *sv = vt_iter_value(sth_it, &sl);
			vt_merkle_frontier_root(f, root);
			if ((error = sth_check(sv, sl, expect, root, origin, pk)) < 0)
				goto out;
			r->tree_heads++;
			vt_iter_next(sth_it);
			NEXT_STH();
		} else if (next_sth < expect) {
			error = vt_error_set(VT_ECORRUPT, "tree head key out of order at size %" PRIu64, next_sth);
			goto out;
		}
	}
	chunk_free(c);
	c = NULL;
	}
	if ((error = reader_error(&rd)) < 0 || (error = vt_iter_status(sth_it)) < 0)
		goto out;
	if (next_sth != UINT64_MAX) {
		error = vt_error_set(VT_ECORRUPT, "a signed tree head covers %" PRIu64 " entries but the log has only %" PRIu64
			" (truncated log)", next_sth, expect);
		goto out;
	}
	r->entries = expect;
	r->tree_nodes = tc.nodes;
	vt_merkle_frontier_root(f, r->root);
	/* The latest head (rewritten by every commit) covers the whole log. */
	{
		vt_key lk;
		char *v = NULL;
		size_t vl;
		vt_key_init(&lk, origin);
		vt_key_u8(&lk, VT_META_LATEST);
		error = vt_store_get(store, VT_CF_META, lk.buf, lk.len, &v, &vl);
		if (error == VT_ENOTFOUND) {
			error = 0;
		} else if (error == 0) {
			Vanthu__V1__TreeHead *h = vanthu__v1__tree_head__unpack(NULL, vl, (const uint8_t *)v);
			uint64_t hs = h ? h->size : 0;
			if (h)
				vanthu__v1__tree_head__free_unpacked(h, NULL);
			if (!h)
				error = vt_error_set(VT_ECORRUPT, "the latest tree head does not decode");
			else if (hs > expect)
				error = vt_error_set(VT_ECORRUPT, "the latest signed tree head covers %" PRIu64 " entries but "
					"the log has only %" PRIu64 " (truncated log)", hs, expect);
			else if (hs < expect)
				error = vt_error_set(VT_ECORRUPT, "the log has %" PRIu64 " entries but its latest signed tree "
					"head only %" PRIu64 " (entries added behind the node's back)", expect, hs);
			else if ((error = sth_check(v, vl, expect, r->root, origin, pk)) == 0)
				r->tree_heads++;
			free(v);
		}
		if (error < 0)
			goto out;
	}
	/* No stored node may lie beyond what the entries produce. */
	for (unsigned l = 0; l < VT_MERKLE_MAX_PATH; l++) {
		vt_iter *it = tc.level[l];
		if (!it)
			continue;
		vt_iter_next(it);
		if (vt_iter_valid(it)) {
			error = vt_error_set(VT_ECORRUPT, "tree level %u has nodes beyond the log's %" PRIu64 " entries", l, expect);
			goto out;
		}
	}
#undef NEXT_STH
out:
	reader_stop(&rd);
	chunk_free(c);
	for (unsigned l = 0; l < VT_MERKLE_MAX_PATH; l++)
		vt_iter_free(tc.level[l]);
	vt_iter_free(sth_it);
	free(f);
	return error;
}

int vt_log_rebuild(vt_store *src, vt_store *dst, const char *origin, uint64_t *entries)
{
	vt_log *log = NULL;
	vt_log_config cfg = { 0 };
	vt_iter *it = NULL;
	vt_key lp;
	uint64_t n = 0;
	int error;
	cfg.origin = origin;
	cfg.apply = vt_events_apply;
	cfg.no_sync = 1;
	cfg.blob_store = src;
	if ((error = vt_log_open(&log, dst, &cfg)) < 0)
		return error;
	if (vt_log_size(log) != 0) {
		error = vt_error_set(VT_EEXISTS, "rebuild target already has a log for '%s'", origin);
		goto out;
	}
	vt_key_init(&lp, origin);
	if ((error = vt_iter_new_ex(&it, src, VT_CF_LOG, lp.buf, lp.len, VT_ITER_SCAN)) < 0)
		goto out;
	for (; vt_iter_valid(it); vt_iter_next(it), n++) {
		size_t vl;
		const char *v = vt_iter_value(it, &vl);
		Vanthu__V1__LogEntry *e = vanthu__v1__log_entry__unpack(NULL, vl, (const uint8_t *)v);
		if (!e) {
			error = vt_error_set(VT_ECORRUPT, "log entry %" PRIu64 " does not decode", n);
			goto out;
		}
		error = vt_log_append_entry(log, e, NULL);
		vanthu__v1__log_entry__free_unpacked(e, NULL);
		if (error < 0) {
			vt_error_set(error, "replaying entry %" PRIu64 ": %s", n, vt_error_last());
			goto out;
		}
	}
	error = vt_iter_status(it);
out:
	if (entries)
		*entries = n;
	vt_iter_free(it);
	vt_log_free(log);
	return error;
}

/* A key as hex, and after the origin prefix (plen bytes) the record kind
 * its tag names in the keyspace table, e.g. "… (VT_IDX_OUTBOX: origin | 'X'
 * | to | seq -> ExchangeMessage)". */
static void key_hex(char *out, size_t cap, vt_cf cf, const char *k, size_t kl, size_t plen)
{
	const char *layout = NULL, *name = kl > plen ? vt_keyspace_tag_name(cf, (uint8_t)k[plen], &layout) : NULL;
	size_t n = kl * 2 + 1 > cap / 2 ? (cap / 2 - 1) / 2 : kl, used;
	vt_hex(out, (const uint8_t *)k, n);
	used = strlen(out);
	if (name)
		snprintf(out + used, cap - used, " (%s: %s)", name, layout);
}

static int compare_cf(vt_store *a, vt_store *b, vt_cf cf, const char *origin, uint64_t *keys)
{
	vt_iter *ia = NULL, *ib = NULL;
	vt_key p;
	int error;
	char hex[400];
	vt_key_init(&p, origin);
	if ((error = vt_iter_new(&ia, a, cf, p.buf, p.len)) < 0 || (error = vt_iter_new(&ib, b, cf, p.buf, p.len)) < 0)
		goto out;
	for (;;) {
		int va = vt_iter_valid(ia), vb = vt_iter_valid(ib);
		size_t kla, klb, vla, vlb;
		const char *ka, *kb, *xa, *xb;
		if (!va && !vb)
			break;
		if (va != vb) {
			vt_iter *extra = va ? ia : ib;
			ka = vt_iter_key(extra, &kla);
			key_hex(hex, sizeof(hex), cf, ka, kla, p.len);
			error = vt_error_set(VT_ECORRUPT, "%s: key %s is %s", vt_cf_name(cf), hex,
				va ? "in the store but not produced by replaying the log" : "produced by the log but missing from the store");
			goto out;
		}
		ka = vt_iter_key(ia, &kla);
		kb = vt_iter_key(ib, &klb);
		if (kla != klb || memcmp(ka, kb, kla) != 0) {
			int c = memcmp(ka, kb, kla < klb ? kla : klb);
			int a_first = c < 0 || (c == 0 && kla < klb);
			key_hex(hex, sizeof(hex), cf, a_first ? ka : kb, a_first ? kla : klb, p.len);
			error = vt_error_set(VT_ECORRUPT, "%s: key %s is %s", vt_cf_name(cf), hex,
				a_first ? "in the store but not produced by replaying the log" : "produced by the log but missing from the store");
			goto out;
		}
		xa = vt_iter_value(ia, &vla);
		xb = vt_iter_value(ib, &vlb);
		if (vla != vlb || memcmp(xa, xb, vla) != 0) {
			key_hex(hex, sizeof(hex), cf, ka, kla, p.len);
			error = vt_error_set(VT_ECORRUPT, "%s: value of key %s differs from what the log produces",
				vt_cf_name(cf), hex);
			goto out;
		}
		(*keys)++;
		vt_iter_next(ia);
		vt_iter_next(ib);
	}
	if ((error = vt_iter_status(ia)) < 0 || (error = vt_iter_status(ib)) < 0)
		goto out;
out:
	vt_iter_free(ia);
	vt_iter_free(ib);
	return error;
}

int vt_store_compare(vt_store *a, vt_store *b, const char *origin, uint64_t *keys)
{
	int error;
	uint64_t n = 0;
	if ((error = compare_cf(a, b, VT_CF_LOG, origin, &n)) < 0 ||
	    (error = compare_cf(a, b, VT_CF_TREE, origin, &n)) < 0)
		goto out;
	for (size_t i = 0; i < vt_store_derived_cfs_count; i++)
		if ((error = compare_cf(a, b, vt_store_derived_cfs[i], origin, &n)) < 0)
			goto out;
out:
	if (keys)
		*keys = n;
	return error;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

int vt_log_verify(vt_store *store, const char *origin, const uint8_t *pk,
	const vt_verify_opts *opts, vt_verify_report *r)
{
	Vanthu__V1__NodeInitialized *info = NULL;
	vt_store *scratch = NULL;
	uint8_t key[32];
	char dir[4096];
	const char *parent;
	double t0;
	int error, made_dir = 0;
	uint64_t replayed = 0;

	memset(r, 0, sizeof(*r));
	if (!pk) {
		Vanthu__V1__LogEntry *first = NULL;
		/* The key is in entry 0; the hash pass checks entry 0 itself. */
		if ((error = vt_log_entry_get(store, origin, 0, &first)) < 0)
			return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "this store holds no log of '%s'", origin) :
				error;
		if (!first->event || first->event->kind_case != VANTHU__V1__EVENT__KIND_NODE_INITIALIZED ||
		    first->event->node_initialized->public_key.len != 32) {
			vanthu__v1__log_entry__free_unpacked(first, NULL);
			return vt_error_set(VT_ECORRUPT, "log entry 0 is not the node's initialisation");
		}
		memcpy(key, first->event->node_initialized->public_key.data, 32);
		vanthu__v1__log_entry__free_unpacked(first, NULL);
		pk = key;
	}
	t0 = now_s();
	if ((error = hash_pass(store, origin, pk, r)) < 0)
		goto out;
	r->hash_seconds = now_s() - t0;
	if (!opts || !opts->rebuild)
		goto out;

	t0 = now_s();
	parent = opts->scratch_dir ? opts->scratch_dir : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/vanthu-verify-XXXXXX", parent) >= sizeof(dir)) {
		error = vt_error_set(VT_EINVAL, "scratch path too long");
		goto out;
	}
	if (!mkdtemp(dir)) {
		error = vt_error_set(VT_EIO, "scratch dir under %s: %s", parent, strerror(errno));
		goto out;
	}
	made_dir = 1;
	if ((error = vt_store_open(&scratch, dir, VT_STORE_CREATE)) < 0)
		goto out;
	if ((error = vt_log_rebuild(store, scratch, origin, &replayed)) < 0)
		goto out;
	if ((error = vt_store_compare(store, scratch, origin, &r->state_keys)) < 0)
		goto out;
	r->rebuild_seconds = now_s() - t0;
out:
	if (info)
		vanthu__v1__node_initialized__free_unpacked(info, NULL);
	vt_store_free(scratch);
	if (made_dir && !(opts && opts->keep_scratch))
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return error;
}
