/* Records: protobuf messages under keys. Inside an apply they are read and
 * written through the commit's batch (reads see earlier events of the same
 * commit); outside, one record at a time. The layer knows message
 * descriptors, never what a record means. */
#ifndef VT_RECORD_H
#define VT_RECORD_H

#include "store/store.h"
#include "vanthu.pb-c.h"

/* What an apply derived for the appender (the entry's seq and time, a
 * document id, a number): defined by the domain above (docs/doc.h); the
 * log only passes it from the appender to the apply function. */
typedef struct vt_apply_result vt_apply_result;

/* What an apply function writes into: the commit's batch, whose keyspace,
 * and where files are looked up. */
typedef struct vt_apply_ctx {
	vt_batch *batch;     /* reads see earlier events of the same commit */
	const char *origin;  /* whose keyspace */
	vt_store *blobs;     /* where attachments are looked up (blobs are shared) */
} vt_apply_ctx;

/* In an apply: one record read and decoded (VT_ENOTFOUND if absent), or
 * packed into the batch. */
int vt_apply_get(vt_apply_ctx *ctx, vt_cf cf, const vt_key *key,
	const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out);
int vt_apply_put(vt_apply_ctx *ctx, vt_cf cf, const vt_key *key, const ProtobufCMessage *msg);

/* Outside an apply: one record read and decoded (VT_ENOTFOUND if absent),
 * or packed and written on its own (sync: fsync'd). */
int vt_msg_get(vt_store *store, vt_cf cf, const vt_key *key, const ProtobufCMessageDescriptor *desc,
	ProtobufCMessage **out);
int vt_msg_put(vt_store *store, vt_cf cf, const vt_key *key, const ProtobufCMessage *msg, int sync);

/* Calls fn with each record under the key prefix, decoded as desc, in key
 * order; stops at the first non-zero return of fn (and returns it). The
 * message is freed after fn returns. */
typedef int (*vt_msg_fn)(void *payload, const ProtobufCMessage *msg);
int vt_msg_each(vt_store *store, vt_cf cf, const vt_key *prefix, const ProtobufCMessageDescriptor *desc,
	vt_msg_fn fn, void *payload);

/* The same from the first key >= from (NULL: the prefix's first). */
int vt_msg_each_from(vt_store *store, vt_cf cf, const vt_key *prefix, const vt_key *from,
	const ProtobufCMessageDescriptor *desc, vt_msg_fn fn, void *payload);

/* VT_EINVAL naming the field if a string of msg, or of a message in it,
 * is not valid UTF-8 (what a front door checks before it appends). */
int vt_msg_text_check(const ProtobufCMessage *msg);

/* Defines a static walker NAME(store, cf, prefix, from, fn, payload) that calls a
 * typed callback fn(payload, const MSG *) for each record, without casting
 * one function type to another: vt_msg_each calls NAME_one with the typed
 * callback and its payload packed together. */
#define VT_MSG_EACH_TYPED(name, fn_type, msg_type, desc) \
	typedef struct name##_each { fn_type fn; void *payload; } name##_each; \
	static int name##_one(void *p, const ProtobufCMessage *m) \
	{ \
		name##_each *e = p; \
		return e->fn(e->payload, (const msg_type *)m); \
	} \
	static int name(vt_store *store, vt_cf cf, const vt_key *prefix, const vt_key *from, fn_type fn, \
		void *payload) \
	{ \
		name##_each e = { fn, payload }; \
		return vt_msg_each_from(store, cf, prefix, from, &(desc), name##_one, &e); \
	}

#endif
