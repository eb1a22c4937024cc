/* The event log. Appenders queue their events; the first waiting appender
 * becomes the leader, takes the whole queue, and writes it as one synced
 * WriteBatch (entries + applied state + Merkle nodes + signed tree head);
 * the others sleep until their entry is durable (group commit). */
#include "store/log.h"
#include "store/keyspace.h"
#include "store/error.h"
#include "store/sth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct pending {
	const char *actor;
	const Vanthu__V1__Event *event;
	const Vanthu__V1__LogEntry *given; /* replay: entry made elsewhere */
	vt_apply_result *res;
	const vt_log_extra *extra;
	size_t nextra;
	int error;
	char message[512];
	int done;
	pthread_cond_t *cv;      /* its owner sleeps on it (one per owner, shared by a
	                          * batch); signalled when done or to lead */
	struct pending *next;
} pending;

struct vt_log {
	vt_store *store;
	vt_log_config cfg;
	pthread_mutex_t mu;
	pending *head, *tail;
	int leader;
	uint64_t durable;   /* entries written to the store; guarded by mu */
	/* owned by the leader while it commits */
	uint64_t size;
	int64_t last_time;
	uint64_t hist_size;   /* size of the last tree head kept in the history */
	uint64_t commits, committed; /* stats, under mu */
	int64_t hist_time;
	vt_merkle_frontier frontier;
	void (*on_commit)(void *ctx, uint64_t size); /* under mu */
	void *on_commit_ctx;
};

int64_t vt_clock_now(void *unused)
{
	struct timespec ts;
	(void)unused;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void vt_log_key_entry(vt_key *k, const char *origin, uint64_t seq)
{
	vt_key_init(k, origin);
	vt_key_u64(k, seq);
}

void vt_log_key_tree(vt_key *k, const char *origin, unsigned level, uint64_t index)
{
	vt_key_init(k, origin);
	vt_key_u8(k, (uint8_t)level);
	vt_key_u64(k, index);
}

void vt_log_key_sth(vt_key *k, const char *origin, uint64_t size)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_META_STH);
	vt_key_u64(k, size);
}

static int tree_get(void *ctx, unsigned level, uint64_t index, uint8_t out[VT_HASH_LEN])
{
	vt_log_tree_src *s = ctx;
	vt_key k;
	char *v = NULL;
	size_t n = 0;
	int error;
	vt_log_key_tree(&k, s->origin, level, index);
	if ((error = vt_store_get(s->store, VT_CF_TREE, k.buf, k.len, &v, &n)) < 0) {
		if (error == VT_ENOTFOUND)
			vt_error_set(VT_ECORRUPT, "tree node (level %u, index %llu) missing", level,
				(unsigned long long)index);
		return error == VT_ENOTFOUND ? VT_ECORRUPT : error;
	}
	if (n != VT_HASH_LEN) {
		free(v);
		return vt_error_set(VT_ECORRUPT, "tree node (level %u, index %llu) is %zu bytes, expected 32",
			level, (unsigned long long)index, n);
	}
	memcpy(out, v, VT_HASH_LEN);
	free(v);
	return 0;
}

void vt_log_tree_src_init(vt_log_tree_src *s, vt_store *store, const char *origin)
{
	s->src.get = tree_get;
	s->src.ctx = s;
	s->store = store;
	s->origin = origin;
}

int vt_log_entry_raw(vt_store *store, const char *origin, uint64_t seq, char **data, size_t *len)
{
	vt_key k;
	int error;
	vt_log_key_entry(&k, origin, seq);
	if ((error = vt_store_get(store, VT_CF_LOG, k.buf, k.len, data, len)) == VT_ENOTFOUND)
		vt_error_set(VT_ENOTFOUND, "no log entry %llu", (unsigned long long)seq);
	return error;
}

int vt_log_entry_get(vt_store *store, const char *origin, uint64_t seq, Vanthu__V1__LogEntry **out)
{
	char *v = NULL;
	size_t n = 0;
	int error;
	*out = NULL;
	if ((error = vt_log_entry_raw(store, origin, seq, &v, &n)) < 0)
		return error;
	*out = vanthu__v1__log_entry__unpack(NULL, n, (const uint8_t *)v);
	free(v);
	if (!*out)
		return vt_error_set(VT_ECORRUPT, "log entry %llu does not decode", (unsigned long long)seq);
	if ((*out)->seq != seq) {
		unsigned long long got = (*out)->seq;
		vanthu__v1__log_entry__free_unpacked(*out, NULL);
		*out = NULL;
		return vt_error_set(VT_ECORRUPT, "log entry stored at %llu says seq %llu",
			(unsigned long long)seq, got);
	}
	return 0;
}

int vt_log_stored_size(vt_store *store, const char *origin, uint64_t *size)
{
	vt_key k;
	vt_iter *it = NULL;
	int error;
	size_t kl;
	const char *key;
	*size = 0;
	vt_key_init(&k, origin);
	if ((error = vt_iter_new(&it, store, VT_CF_LOG, k.buf, k.len)) < 0)
		return error;
	vt_iter_last(it);
	if (vt_iter_valid(it)) {
		key = vt_iter_key(it, &kl);
		if (kl != k.len + 8) {
			error = vt_error_set(VT_ECORRUPT, "log key of %zu bytes (expected %zu)", kl, k.len + 8);
			goto out;
		}
		*size = vt_be64_get(key + k.len) + 1;
	}
	error = vt_iter_status(it);
out:
	vt_iter_free(it);
	return error;
}

static int sth_decode(const char *v, size_t n, uint64_t size, Vanthu__V1__TreeHead **out)
{
	*out = vanthu__v1__tree_head__unpack(NULL, n, (const uint8_t *)v);
	if (!*out)
		return vt_error_set(VT_ECORRUPT, "tree head at size %llu does not decode",
			(unsigned long long)size);
	return 0;
}

static int latest_history(vt_store *store, const char *origin, Vanthu__V1__TreeHead **out)
{
	vt_key k;
	vt_iter *it = NULL;
	int error;
	*out = NULL;
	vt_key_init(&k, origin);
	vt_key_u8(&k, VT_META_STH);
	if ((error = vt_iter_new(&it, store, VT_CF_META, k.buf, k.len)) < 0)
		return error;
	vt_iter_last(it);
	if (!vt_iter_valid(it)) {
		error = vt_iter_status(it);
		if (!error)
			error = vt_error_set(VT_ENOTFOUND, "no signed tree head yet");
	} else {
		size_t kl, vl;
		const char *key = vt_iter_key(it, &kl);
		const char *v = vt_iter_value(it, &vl);
		error = sth_decode(v, vl, kl == k.len + 8 ? vt_be64_get(key + k.len) : 0, out);
	}
	vt_iter_free(it);
	return error;
}

int vt_log_latest_sth(vt_store *store, const char *origin, Vanthu__V1__TreeHead **out)
{
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	*out = NULL;
	vt_key_init(&k, origin);
	vt_key_u8(&k, VT_META_LATEST);
	error = vt_store_get(store, VT_CF_META, k.buf, k.len, &v, &n);
	if (error == VT_ENOTFOUND)
		return latest_history(store, origin, out);
	if (error < 0)
		return error;
	error = sth_decode(v, n, 0, out);
	free(v);
	return error;
}

int vt_log_sth_at(vt_store *store, const char *origin, uint64_t size, Vanthu__V1__TreeHead **out)
{
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	*out = NULL;
	vt_log_key_sth(&k, origin, size);
	if ((error = vt_store_get(store, VT_CF_META, k.buf, k.len, &v, &n)) < 0) {
		if (error == VT_ENOTFOUND && vt_log_latest_sth(store, origin, out) == 0) {
			if ((*out)->size == size)
				return 0;
			vanthu__v1__tree_head__free_unpacked(*out, NULL);
			*out = NULL;
		}
		if (error == VT_ENOTFOUND)
			vt_error_set(VT_ENOTFOUND, "no signed tree head at size %llu", (unsigned long long)size);
		return error;
	}
	error = sth_decode(v, n, size, out);
	free(v);
	return error;
}

int vt_log_open(vt_log **out, vt_store *store, const vt_log_config *cfg)
{
	vt_log *log;
	vt_log_tree_src src;
	int error;
	*out = NULL;
	if (!cfg->apply)
		return vt_error_set(VT_EINVAL, "a log needs an apply function");
	if (!cfg->origin || !*cfg->origin || strlen(cfg->origin) > 255)
		return vt_error_set(VT_EINVAL, "log origin must be 1..255 bytes");
	if (!(log = calloc(1, sizeof(*log))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	log->store = store;
	log->cfg = *cfg;
	if (!log->cfg.clock)
		log->cfg.clock = vt_clock_now;
	if (!log->cfg.max_group)
		log->cfg.max_group = 1024;
	if (!log->cfg.sth_every)
		log->cfg.sth_every = VT_STH_EVERY;
	pthread_mutex_init(&log->mu, NULL);
	vt_merkle_frontier_init(&log->frontier);

	if ((error = vt_log_stored_size(store, cfg->origin, &log->size)) < 0)
		goto out;
	if (log->size > 0) {
		Vanthu__V1__LogEntry *last = NULL;
		vt_log_tree_src_init(&src, store, cfg->origin);
		if ((error = vt_merkle_frontier_load(&log->frontier, &src.src, log->size)) < 0)
			goto out;
		if ((error = vt_log_entry_get(store, cfg->origin, log->size - 1, &last)) < 0)
			goto out;
		log->last_time = last->time;
		vanthu__v1__log_entry__free_unpacked(last, NULL);
	}
	if (log->cfg.sign_key) {
		Vanthu__V1__TreeHead *h = NULL;
		if ((error = latest_history(store, cfg->origin, &h)) == 0) {
			log->hist_size = h->size;
			log->hist_time = h->time;
			vanthu__v1__tree_head__free_unpacked(h, NULL);
		} else if (error != VT_ENOTFOUND) {
			goto out;
		}
		error = 0;
	}
	log->durable = log->size;
	*out = log;
	log = NULL;
out:
	vt_log_free(log);
	return error;
}

void vt_log_free(vt_log *log)
{
	if (!log)
		return;
	pthread_mutex_destroy(&log->mu);
	free(log);
}

void vt_log_stats(vt_log *log, uint64_t *commits, uint64_t *entries)
{
	pthread_mutex_lock(&log->mu);
	*commits = log->commits;
	*entries = log->committed;
	pthread_mutex_unlock(&log->mu);
}

void vt_log_on_commit(vt_log *log, void (*fn)(void *ctx, uint64_t size), void *ctx)
{
	pthread_mutex_lock(&log->mu);
	log->on_commit = fn;
	log->on_commit_ctx = ctx;
	pthread_mutex_unlock(&log->mu);
}

uint64_t vt_log_size(vt_log *log)
{
	uint64_t n;
	/* Not log->size: the leader changes that without the lock while it
	 * builds a batch that may still fail. */
	pthread_mutex_lock(&log->mu);
	n = log->durable;
	pthread_mutex_unlock(&log->mu);
	return n;
}

vt_store *vt_log_store(vt_log *log) { return log->store; }
const char *vt_log_origin(vt_log *log) { return log->cfg.origin; }

typedef struct emit_ctx {
	vt_batch *batch;
	const char *origin;
} emit_ctx;

static int emit_node(void *ctx, unsigned level, uint64_t index, const uint8_t hash[VT_HASH_LEN])
{
	emit_ctx *e = ctx;
	vt_key k;
	vt_log_key_tree(&k, e->origin, level, index);
	vt_batch_put(e->batch, VT_CF_TREE, k.buf, k.len, hash, VT_HASH_LEN);
	return 0;
}

/* Adds one entry to the batch: log record, applied state, Merkle nodes.
 * On failure the batch is rolled back to before the entry. */
static int add_entry(vt_log *log, vt_batch *b, pending *p)
{
	Vanthu__V1__LogEntry made = VANTHU__V1__LOG_ENTRY__INIT;
	const Vanthu__V1__LogEntry *e;
	vt_apply_ctx actx = { b, log->cfg.origin, log->cfg.blob_store ? log->cfg.blob_store : log->store };
	uint8_t stack[4096], *buf = stack, leaf[VT_HASH_LEN];
	size_t len;
	vt_key k;
	emit_ctx ec = { b, log->cfg.origin };
	int error = 0;

	if (p->given) {
		e = p->given;
		if (e->seq != log->size)
			return vt_error_set(VT_ECONFLICT, "entry seq %llu is not the next one (%llu)",
				(unsigned long long)e->seq, (unsigned long long)log->size);
		if (e->time < log->last_time)
			return vt_error_set(VT_EINVAL, "entry %llu goes back in time",
				(unsigned long long)e->seq);
		if (strcmp(e->origin, log->cfg.origin) != 0)
			return vt_error_set(VT_EINVAL, "entry %llu is from origin '%s', not '%s'",
				(unsigned long long)e->seq, e->origin, log->cfg.origin);
	} else {
		int64_t now = log->cfg.clock(log->cfg.clock_ctx);
		made.seq = log->size;
		made.time = now > log->last_time ? now : log->last_time;
		made.actor = (char *)(p->actor ? p->actor : "node");
		made.origin = (char *)log->cfg.origin;
		made.event = (Vanthu__V1__Event *)p->event;
		e = &made;
	}
	if (!e->event || e->event->kind_case == VANTHU__V1__EVENT__KIND__NOT_SET)
		return vt_error_set(VT_EINVAL, "entry has no event");

	len = vanthu__v1__log_entry__get_packed_size(e);
	if (len > sizeof(stack) && !(buf = malloc(len)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	vanthu__v1__log_entry__pack(e, buf);

	vt_batch_savepoint(b);
	/* Extras first, so that apply sees them (a blob uploaded with its
	 * BlobAdded event); the rollback below drops them with the rest. */
	for (size_t i = 0; i < p->nextra; i++) {
		const vt_log_extra *x = &p->extra[i];
		if (x->val)
			vt_batch_put(b, x->cf, x->key, x->klen, x->val, x->vlen);
		else
			vt_batch_del(b, x->cf, x->key, x->klen);
	}
	if ((error = log->cfg.apply(log->cfg.apply_payload, &actx, e, p->res)) < 0) {
		vt_batch_rollback(b);
		goto out;
	}
	vt_log_key_entry(&k, log->cfg.origin, e->seq);
	vt_batch_put(b, VT_CF_LOG, k.buf, k.len, buf, len);
	vt_merkle_leaf_hash(leaf, buf, len);
	vt_merkle_frontier_append(&log->frontier, leaf, emit_node, &ec);
	log->size++;
	log->last_time = e->time;
out:
	if (buf != stack)
		free(buf);
	return error;
}

static void add_sth(vt_log *log, vt_batch *b)
{
	Vanthu__V1__TreeHead sth = VANTHU__V1__TREE_HEAD__INIT;
	uint8_t root[VT_HASH_LEN], sig[64], kid[8], buf[512];
	vt_key k;
	size_t n;
	vt_merkle_frontier_root(&log->frontier, root);
	sth.origin = (char *)log->cfg.origin;
	sth.size = log->size;
	sth.time = log->last_time;
	sth.root.data = root;
	sth.root.len = VT_HASH_LEN;
	vt_sth_sign(&sth, log->cfg.sign_key, sig, kid);
	n = vanthu__v1__tree_head__pack(&sth, buf);
	/* Every commit replaces the latest head; the history keeps one head
	 * per second or per VT_STH_EVERY entries, so that verifying a long log
	 * does not mean checking a signature per commit. */
	vt_key_init(&k, log->cfg.origin);
	vt_key_u8(&k, VT_META_LATEST);
	vt_batch_put(b, VT_CF_META, k.buf, k.len, buf, n);
	if (!log->hist_size || log->size - log->hist_size >= log->cfg.sth_every ||
	    log->last_time - log->hist_time >= VT_STH_INTERVAL_US) {
		vt_log_key_sth(&k, log->cfg.origin, log->size);
		vt_batch_put(b, VT_CF_META, k.buf, k.len, buf, n);
		log->hist_size = log->size;
		log->hist_time = log->last_time;
	}
}

/* The leader's work: one batch for the whole group. */
static void commit_group(vt_log *log, pending *group)
{
	vt_batch *b = NULL;
	uint64_t size0 = log->size, hist0 = log->hist_size;
	int64_t time0 = log->last_time, htime0 = log->hist_time;
	vt_merkle_frontier *saved = NULL;
	int error, added = 0;
	pending *p;

	if ((error = vt_batch_new(&b, log->store)) < 0)
		goto fail_all;
	if (!(saved = malloc(sizeof(*saved)))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto fail_all;
	}
	memcpy(saved, &log->frontier, sizeof(*saved));
	for (p = group; p; p = p->next) {
		if ((p->error = add_entry(log, b, p)) < 0)
			snprintf(p->message, sizeof(p->message), "%s", vt_error_last());
		else
			added++;
	}
	if (!added)
		goto out;
	if (log->cfg.sign_key)
		add_sth(log, b);
	if ((error = vt_store_write(log->store, b, !log->cfg.no_sync)) < 0) {
		memcpy(&log->frontier, saved, sizeof(*saved));
		log->size = size0;
		log->last_time = time0;
		log->hist_size = hist0;
		log->hist_time = htime0;
		goto fail_all;
	}
	goto out;
fail_all:
	for (p = group; p; p = p->next) {
		p->error = error;
		snprintf(p->message, sizeof(p->message), "%s", vt_error_last());
	}
out:
	free(saved);
	vt_batch_free(b);
}

/* Queues first..last (linked) and returns once last is durable; the caller
 * sleeps on last->cv, which every pending of the run shares. */
static void run_pending(vt_log *log, pending *first, pending *last)
{
	pending *p = last;
	pthread_mutex_lock(&log->mu);
	if (log->tail)
		log->tail->next = first;
	else
		log->head = first;
	log->tail = last;
	while (!p->done) {
		if (!log->leader) {
			/* Become the leader: take up to max_group waiting entries. */
			pending *group = log->head, *end = group, *q;
			unsigned n = 1;
			while (end->next && n < log->cfg.max_group) {
				end = end->next;
				n++;
			}
			log->head = end->next;
			if (!log->head)
				log->tail = NULL;
			end->next = NULL;
			log->leader = 1;
			pthread_mutex_unlock(&log->mu);
			commit_group(log, group);
			pthread_mutex_lock(&log->mu);
			if (log->size > log->durable) {
				log->commits++;
				log->committed += log->size - log->durable;
			}
			log->durable = log->size;
			if (log->on_commit)
				log->on_commit(log->on_commit_ctx, log->durable);
			/* Wake exactly the owners of this group's entries, then the
			 * owner of the first entry queued meanwhile, to lead. */
			for (q = group; q; ) {
				pending *next = q->next;
				q->done = 1; /* q may be freed by its owner once mu is released */
				if (q->cv != p->cv)
					pthread_cond_signal(q->cv);
				q = next;
			}
			log->leader = 0;
			if (log->head)
				pthread_cond_signal(log->head->cv);
		} else {
			pthread_cond_wait(p->cv, &log->mu);
		}
	}
	pthread_mutex_unlock(&log->mu);
}

static int append_pending(vt_log *log, pending *p)
{
	pthread_cond_t cv;
	pthread_cond_init(&cv, NULL);
	p->cv = &cv;
	run_pending(log, p, p);
	pthread_cond_destroy(&cv);
	if (p->error < 0)
		return vt_error_set(p->error, "%s", p->message);
	return 0;
}

int vt_log_append(vt_log *log, const char *actor, const Vanthu__V1__Event *event,
	vt_apply_result *res)
{
	pending p = { 0 };
	p.actor = actor;
	p.event = event;
	p.res = res;
	return append_pending(log, &p);
}

int vt_log_append_ex(vt_log *log, const char *actor, const Vanthu__V1__Event *event,
	const vt_log_extra *extra, size_t nextra, vt_apply_result *res)
{
	pending p = { 0 };
	p.actor = actor;
	p.event = event;
	p.extra = extra;
	p.nextra = nextra;
	p.res = res;
	return append_pending(log, &p);
}

int vt_log_append_entry(vt_log *log, const Vanthu__V1__LogEntry *entry, vt_apply_result *res)
{
	pending p = { 0 };
	p.given = entry;
	p.res = res;
	return append_pending(log, &p);
}

int vt_log_append_entries(vt_log *log, const Vanthu__V1__LogEntry *const *entries, size_t n, size_t *applied)
{
	pending *ps;
	pthread_cond_t cv;
	int error = 0;
	size_t i, ok = 0;
	if (applied)
		*applied = 0;
	if (!n)
		return 0;
	if (!(ps = calloc(n, sizeof(*ps))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	pthread_cond_init(&cv, NULL);
	for (i = 0; i < n; i++) {
		ps[i].given = entries[i];
		ps[i].cv = &cv;
		ps[i].next = i + 1 < n ? &ps[i + 1] : NULL;
	}
	run_pending(log, &ps[0], &ps[n - 1]);
	pthread_cond_destroy(&cv);
	for (i = 0; i < n; i++) {
		if (ps[i].error < 0) {
			error = vt_error_set(ps[i].error, "%s", ps[i].message);
			break;
		}
		ok++;
	}
	if (applied)
		*applied = ok;
	free(ps);
	return error;
}

int vt_log_sth_batch_end(vt_store *store, const char *origin, uint64_t from, uint64_t batch_max,
	Vanthu__V1__TreeHead **out)
{
	vt_iter *it = NULL;
	vt_key k, seek;
	uint64_t best = 0;
	int error;
	*out = NULL;
	vt_key_init(&k, origin);
	vt_key_u8(&k, VT_META_STH);
	seek = k;
	vt_key_u64(&seek, from + 1);
	if ((error = vt_iter_new(&it, store, VT_CF_META, k.buf, k.len)) < 0)
		return error;
	for (vt_iter_seek(it, seek.buf, seek.len); vt_iter_valid(it); vt_iter_next(it)) {
		size_t kl;
		const char *key = vt_iter_key(it, &kl);
		uint64_t size = vt_be64_get(key + kl - 8);
		if (size - from > batch_max && best)
			break;
		best = size;
		if (size - from >= batch_max)
			break;
	}
	error = vt_iter_status(it);
	vt_iter_free(it);
	if (error < 0)
		return error;
	if (best)
		return vt_log_sth_at(store, origin, best, out);
	if ((error = vt_log_latest_sth(store, origin, out)) < 0)
		return error;
	if ((*out)->size <= from) {
		vanthu__v1__tree_head__free_unpacked(*out, NULL);
		*out = NULL;
		return VT_ENOTFOUND;
	}
	return 0;
}

int vt_log_raw_each(vt_store *store, const char *origin, uint64_t from, int scan, vt_log_raw_fn fn, void *payload)
{
	vt_iter *it = NULL;
	vt_key k;
	uint64_t next = from;
	int error;
	vt_key_init(&k, origin);
	if ((error = vt_key_check(&k)) < 0 ||
	    (error = vt_iter_new_ex(&it, store, VT_CF_LOG, k.buf, k.len, scan ? VT_ITER_SCAN : 0)) < 0)
		return error;
	vt_log_key_entry(&k, origin, from);
	for (vt_iter_seek(it, k.buf, k.len); vt_iter_valid(it); vt_iter_next(it), next++) {
		size_t kl, vl;
		const char *key = vt_iter_key(it, &kl), *val = vt_iter_value(it, &vl);
		if (kl < 8 || vt_be64_get(key + kl - 8) != next) {
			error = vt_error_set(VT_ECORRUPT, "entry %llu of %s's log is missing", (unsigned long long)next,
				origin);
			break;
		}
		if ((error = fn(payload, next, val, vl)) != 0)
			break;
	}
	if (error > 0)
		error = 0;
	if (!error)
		error = vt_iter_status(it);
	vt_iter_free(it);
	return error;
}
