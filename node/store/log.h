/* The node's append-only event log: sequence numbers, apply, Merkle nodes and
 * a signed tree head written in one synced RocksDB batch per group commit. */
#ifndef VT_LOG_H
#define VT_LOG_H

#include <stdint.h>

#include "store/keyspace.h"
#include "store/merkle.h"
#include "store/record.h"
#include "store/store.h"
#include "vanthu.pb-c.h"

typedef struct vt_log vt_log;

typedef int64_t (*vt_clock_fn)(void *ctx); /* µs since epoch, UTC */

/* Applies one entry to the derived state through ctx->batch (the event
 * registry's vt_events_apply for a node; the log knows no event kind).
 * res is the appender's, passed through (may be NULL). On failure it
 * returns VT_E* and the log rolls the batch back to before the entry. */
typedef int (*vt_log_apply_fn)(void *payload, vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e,
	vt_apply_result *res);

typedef struct vt_log_config {
	const char *origin;        /* node id whose log this is */
	vt_log_apply_fn apply;     /* required */
	void *apply_payload;
	const uint8_t *sign_key;   /* Ed25519 secret key (64 bytes); NULL: no tree heads */
	vt_clock_fn clock;         /* NULL: the system clock */
	void *clock_ctx;
	unsigned max_group;        /* entries per commit at most; 0: 1024 */
	int no_sync;               /* tests/benchmarks/rebuild only: skip fsync */
	vt_store *blob_store;      /* NULL: the log's store (rebuild reads the source's) */
	unsigned sth_every;        /* keep a tree head in the history every N entries
	                            * or each second; 0: VT_STH_EVERY; 1: every commit */
} vt_log_config;

/* Opens the log of cfg->origin in store, loading its size and frontier.
 * The config strings and key are borrowed and must outlive the log. */
int vt_log_open(vt_log **out, vt_store *store, const vt_log_config *cfg);
void vt_log_free(vt_log *log);

/* Appends one event by actor: assigns the next sequence number and time,
 * applies it, and returns once it is durable (synced) together with a
 * signed tree head covering it. Concurrent callers are group-committed.
 * res (may be NULL) goes to the apply function, which clears it before
 * the event is read, so the event must not point into it. On failure
 * nothing of this event is stored. */
int vt_log_append(vt_log *log, const char *actor, const Vanthu__V1__Event *event,
	vt_apply_result *res);

/* A local write that goes into the same batch as an event, only if the
 * event applies: secrets that must never enter the log (password hashes,
 * session tokens) but must change atomically with it. val NULL deletes. */
typedef struct vt_log_extra {
	vt_cf cf;
	const void *key;
	size_t klen;
	const void *val;
	size_t vlen;
} vt_log_extra;

int vt_log_append_ex(vt_log *log, const char *actor, const Vanthu__V1__Event *event,
	const vt_log_extra *extra, size_t nextra, vt_apply_result *res);

/* Appends an entry made elsewhere (rebuild, replica): its seq must be the
 * next one and its time not earlier than the last entry's. */
int vt_log_append_entry(vt_log *log, const Vanthu__V1__LogEntry *entry, vt_apply_result *res);

/* Appends entries made elsewhere, in order, group-committed together (a
 * replica's catch-up). Stops at the first that fails: *applied says how
 * many are stored; the error is that entry's. */
int vt_log_append_entries(vt_log *log, const Vanthu__V1__LogEntry *const *entries, size_t n, size_t *applied);

uint64_t vt_log_size(vt_log *log);

/* Calls fn(ctx, size) after each commit that made entries durable (the
 * replication link wakes on it). fn runs under the log's lock: it must
 * only signal (it must not call into the log); NULL removes it. */
void vt_log_on_commit(vt_log *log, void (*fn)(void *ctx, uint64_t size), void *ctx);

/* Commits written and entries in them since the log was opened. */
void vt_log_stats(vt_log *log, uint64_t *commits, uint64_t *entries);
vt_store *vt_log_store(vt_log *log);
const char *vt_log_origin(vt_log *log);

/* A Merkle source reading the stored subtrees of origin's log. */
typedef struct vt_log_tree_src {
	vt_merkle_src src;
	vt_store *store;
	const char *origin;
} vt_log_tree_src;
void vt_log_tree_src_init(vt_log_tree_src *s, vt_store *store, const char *origin);

/* Reads entry seq of origin's log (raw bytes and/or decoded). */
int vt_log_entry_raw(vt_store *store, const char *origin, uint64_t seq, char **data, size_t *len);
int vt_log_entry_get(vt_store *store, const char *origin, uint64_t seq, Vanthu__V1__LogEntry **out);

/* Calls fn with each stored entry of origin's log from seq `from` on, in
 * order, the raw bytes borrowed for the call; fn returns 0 to go on, > 0
 * to stop (then 0 is returned) or < 0 to fail. VT_ECORRUPT if the run has
 * a gap. scan: a one-pass read of much data (bypasses the block cache). */
typedef int (*vt_log_raw_fn)(void *payload, uint64_t seq, const char *data, size_t len);
int vt_log_raw_each(vt_store *store, const char *origin, uint64_t from, int scan, vt_log_raw_fn fn, void *payload);

/* Number of entries in origin's log as stored. */
int vt_log_stored_size(vt_store *store, const char *origin, uint64_t *size);

/* The latest signed tree head of origin (VT_ENOTFOUND if none yet). Every
 * commit makes one; the history keeps one per second or per 1024 entries. */
int vt_log_latest_sth(vt_store *store, const char *origin, Vanthu__V1__TreeHead **out);
/* The signed tree head of exactly `size` entries, if one is kept. */
int vt_log_sth_at(vt_store *store, const char *origin, uint64_t size, Vanthu__V1__TreeHead **out);
/* Where a batch of entries from `from` on ends: the kept tree head farthest
 * from `from` within batch_max entries, else the nearest kept one beyond,
 * else the latest (VT_ENOTFOUND if that covers nothing past from). The
 * replication link sends batches that end at a signed head. */
int vt_log_sth_batch_end(vt_store *store, const char *origin, uint64_t from, uint64_t batch_max,
	Vanthu__V1__TreeHead **out);

/* Keys (shared with verify). */
void vt_log_key_entry(vt_key *k, const char *origin, uint64_t seq);
void vt_log_key_tree(vt_key *k, const char *origin, unsigned level, uint64_t index);
void vt_log_key_sth(vt_key *k, const char *origin, uint64_t size);
#define VT_STH_EVERY 1024
#define VT_STH_INTERVAL_US 1000000

int64_t vt_clock_now(void *unused);

#endif
