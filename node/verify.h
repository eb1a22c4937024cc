/* Log verification for auditors: every leaf and stored Merkle node
 * recomputed, every signed tree head checked, and the derived state rebuilt
 * from the log into a scratch store and compared byte for byte. */
#ifndef VT_VERIFY_H
#define VT_VERIFY_H

#include <stdint.h>

#include "store/hash.h"
#include "store/store.h"

typedef struct vt_verify_opts {
	int rebuild;              /* also replay into a scratch store and compare */
	const char *scratch_dir;  /* parent for the scratch store (default: $TMPDIR or /tmp) */
	int keep_scratch;         /* leave the scratch store for inspection */
} vt_verify_opts;

typedef struct vt_verify_report {
	uint64_t entries;          /* log entries checked */
	uint64_t bytes;            /* bytes of log entries hashed */
	uint64_t tree_nodes;       /* stored Merkle nodes compared */
	uint64_t tree_heads;       /* signed tree heads verified */
	uint8_t root[VT_HASH_LEN]; /* root over all entries */
	double hash_seconds;       /* time for the hash/tree/STH pass */
	double rebuild_seconds;    /* time for rebuild + compare */
	uint64_t state_keys;       /* derived-state keys compared */
} vt_verify_report;

/* Verifies origin's log in store. pk is the node's Ed25519 key (from entry 0
 * when NULL). Returns 0 when everything holds; otherwise the first problem,
 * VT_ECORRUPT or VT_ESIG, with a message naming the sequence number or key. */
int vt_log_verify(vt_store *store, const char *origin, const uint8_t *pk,
	const vt_verify_opts *opts, vt_verify_report *report);

/* Replays origin's log from src into the empty store dst (rebuild). */
int vt_log_rebuild(vt_store *src, vt_store *dst, const char *origin, uint64_t *entries);

/* Compares origin's log, tree and derived state in a and b; VT_ECORRUPT
 * naming the first differing column family and key. */
int vt_store_compare(vt_store *a, vt_store *b, const char *origin, uint64_t *keys);

#endif
