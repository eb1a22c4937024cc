/* The hub relays exchange messages: what senders' replicas hold in their
 * outboxes for a unit, past what the unit's replica says it recorded. */
#ifndef VT_RELAY_H
#define VT_RELAY_H

#include "node.h"
#include "replication/replica.h"
#include "vanthu.pb-c.h"

typedef int (*vt_relay_send_fn)(void *ctx, const Vanthu__V1__ReplDown *m);

/* What one stream has sent already (so a message is not sent again while
 * the unit records it). */
typedef struct vt_relay_sent {
	struct { char from[65]; uint64_t seq; } *v;
	size_t n, cap;
} vt_relay_sent;
void vt_relay_sent_free(vt_relay_sent *s);

/* Sends unit's waiting messages (blobs first, then the delivery) from every
 * enrolled unit and the hub itself; *delivered counts them. */
int vt_relay_deliver(vt_store *store, const char *hub, const char *unit, vt_relay_sent *sent,
	vt_relay_send_fn send, void *ctx, uint64_t *delivered);

/* The hub's own office receives too: records (ExchangeReceived in the
 * hub's log) what units' outboxes hold for the hub, past its cursors. */
int vt_relay_local(vt_node *hub, uint64_t *received);

/* The nodes a unit can send to: the hub's office and the enrolled units
 * that are not refused, as a packed NodeDirectory in *buf (caller frees). */
int vt_relay_directory(vt_node *hub, uint8_t **buf, size_t *len);

#endif
