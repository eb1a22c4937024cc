/* Applying a log entry to the derived state: one function per event kind,
 * the same code for a node's own log, a rebuild, and a hub's replicas. */
#ifndef VT_APPLY_H
#define VT_APPLY_H

#include <stdint.h>

#include "store.h"
#include "vanthu.pb-c.h"

#define VT_ID_MAX 300
#define VT_ACCT_NODE 'N' /* account CF: origin | 'N' -> NodeInitialized */

/* What apply derived, returned to the appender. */
typedef struct vt_apply_result {
	uint64_t seq;
	int64_t time;
	char document_id[VT_ID_MAX]; /* document created or registered */
	uint32_t year;               /* register year */
	uint32_t number;             /* số đến / số đi assigned */
	char number_symbol[160];     /* outgoing: assigned số, ký hiệu */
	char duplicate_of[VT_ID_MAX]; /* registered although it duplicates this one */
} vt_apply_result;

typedef struct vt_apply_ctx {
	vt_batch *batch;     /* reads see earlier events of the same commit */
	const char *origin;  /* whose keyspace */
	vt_store *blobs;     /* where attachments are looked up (blobs are shared) */
} vt_apply_ctx;

/* Applies entry; on failure writes nothing the caller keeps (the caller
 * rolls the batch back to its savepoint) and returns VT_E* with message. */
int vt_apply(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *entry, vt_apply_result *res);

/* Calendar year of a UTC µs time in Vietnam (UTC+7), the register year. */
uint32_t vt_year_vn(int64_t time_us);
/* The date of a UTC µs time in Vietnam, YYYY-MM-DD. */
void vt_date_vn(char out[11], int64_t time_us);
/* 1 if s is a date YYYY-MM-DD (1945 or later). */
int vt_date_ok(const char *s);

/* The NodeInitialized record of ctx->origin (name, key, agency), in an apply. */
int vt_apply_node(vt_apply_ctx *ctx, Vanthu__V1__NodeInitialized **out);

/* Helpers shared by the apply modules: read and decode a message. */
int vt_apply_get(vt_apply_ctx *ctx, vt_cf cf, const vt_key *key,
	const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out);
int vt_apply_put(vt_apply_ctx *ctx, vt_cf cf, const vt_key *key, const ProtobufCMessage *msg);

/* Outside an apply: one record read and decoded (VT_ENOTFOUND if absent),
 * or packed and written on its own (sync: fsync'd). */
int vt_msg_get(vt_store *store, vt_cf cf, const vt_key *key, const ProtobufCMessageDescriptor *desc,
	ProtobufCMessage **out);
int vt_msg_put(vt_store *store, vt_cf cf, const vt_key *key, const ProtobufCMessage *msg, int sync);

/* Calls fn with each record under the key prefix, decoded as desc, in key
 * order; stops at the first non-zero return of fn (and returns it). */
typedef int (*vt_msg_fn)(void *ctx, const void *msg);
int vt_msg_each(vt_store *store, vt_cf cf, const vt_key *prefix, const ProtobufCMessageDescriptor *desc,
	vt_msg_fn fn, void *ctx);

#endif
