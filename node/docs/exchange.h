/* Exchange of documents between nodes through the hub (edXML in spirit):
 * what a sender's apply puts in its outbox, and what a receiver records
 * when a message is delivered (ExchangeReceived). The outbox is part of the
 * sender's derived state, so the hub, replaying the sender's log with the
 * same code, finds it in the sender's replica and relays it. Which
 * transition sends which status is the workflow table's.
 * uses: doc (docs/); store */
#ifndef VT_EXCHANGE_H
#define VT_EXCHANGE_H

#include "store/keyspace.h"
#include "store/log.h"
#include "store/record.h"
#include "store/store.h"
#include "vanthu.pb-c.h"


/* edXML status codes sent back to the sender of a document. */
#define VT_XS_ARRIVED "01"
#define VT_XS_REJECTED "02"
#define VT_XS_ACCEPTED "03"
#define VT_XS_ASSIGNED "04"
#define VT_XS_PROCESSING "05"
#define VT_XS_DONE "06"
#define VT_XS_RECALLED "15"

/* "đã đến", ... for a status code ("" if unknown). */
const char *vt_exchange_status_name(const char *code);

/* Puts a message for `to` in the outbox of ctx->origin (entry seq). */
int vt_exchange_send(vt_apply_ctx *ctx, uint64_t seq, const char *to, const Vanthu__V1__ExchangeMessage *m);

/* A document that came from another node changed state: its status goes
 * back to the sender (no-op for documents that did not come that way). */
int vt_exchange_status(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, const Vanthu__V1__Document *doc,
	const char *code, const char *text);

int vt_exchange_apply_received(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

/* The last from_seq origin recorded from `from` (0 and VT_ENOTFOUND: none). */
int vt_exchange_cursor(vt_store *store, const char *origin, const char *from, uint64_t *last);

/* Calls fn with each message in from's outbox for `to` written by an entry
 * after `after`, in order, until fn returns non-zero (which is returned). */
typedef int (*vt_exchange_msg_fn)(void *payload, uint64_t seq, const Vanthu__V1__ExchangeMessage *m);
int vt_exchange_outbox_each(vt_store *store, const char *from, const char *to, uint64_t after,
	vt_exchange_msg_fn fn, void *payload);

/* Records a message delivered from `from` (its outbox entry from_seq): the
 * ExchangeReceived event, appended by the node. VT_EEXISTS if it was
 * recorded already (each message once, in the sender's order). */
int vt_exchange_receive(vt_log *log, const char *from, uint64_t from_seq, const Vanthu__V1__ExchangeMessage *m,
	vt_apply_result *res);

#endif
