/* The event registry: for each kind of event in the log, the function that
 * applies it to the derived state (the same code for a node's own log, a
 * rebuild and a hub's replicas), the files it names (what replication must
 * ship with it) and a one-line description for people. The log is given
 * vt_events_apply; nothing else switches on event kinds. */
#ifndef VT_EVENTS_H
#define VT_EVENTS_H

#include <stdint.h>
#include <stdio.h>

#include "docs/doc.h"
#include "store/record.h"
#include "vanthu.pb-c.h"

/* Called with each file an event names: its SHA-256 and size. */
typedef void (*vt_blob_ref_fn)(void *payload, const uint8_t sha256[32], uint64_t size);

/* A row of the registry (the table is indexed by the oneof's case). */
typedef struct vt_event_kind {
	/* Applies e; on failure writes nothing the caller keeps (the log rolls
	 * the batch back to its savepoint) and returns VT_E* with a message. */
	int (*apply)(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);
	/* The files the event names (NULL: none). */
	void (*blobs)(const Vanthu__V1__Event *ev, vt_blob_ref_fn fn, void *payload);
	/* What the event says, on one line without a newline. */
	void (*describe)(FILE *f, const Vanthu__V1__Event *ev);
} vt_event_kind;

/* The registry row of an event's kind; NULL for none or an unknown kind. */
const vt_event_kind *vt_event_kind_of(const Vanthu__V1__Event *ev);

/* The apply function a log is opened with (vt_log_config.apply): clears
 * res (may be NULL), sets its seq and time, and applies e by its kind. */
int vt_events_apply(void *payload, vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

/* Calls fn with each file e names. */
void vt_event_blobs(const Vanthu__V1__LogEntry *e, vt_blob_ref_fn fn, void *payload);

/* The kind's field name ("document_created"), "none" or "unknown". */
const char *vt_event_name(const Vanthu__V1__Event *ev);

/* One line of what the event says (nothing for an unknown kind). */
void vt_event_describe(FILE *f, const Vanthu__V1__Event *ev);

#endif
