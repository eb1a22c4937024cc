/* What the files of the unit's link share: link.c (the state machine and
 * link_tick), link_rx.c (the receiver thread), link_send.c (what the unit
 * sends: batches, blobs, audit replies). Not for use outside them. */
#ifndef VT_LINK_INT_H
#define VT_LINK_INT_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "replication/repl.h"

typedef struct vt_link_inflight {
	uint64_t end;
	uint8_t sig[64];
} vt_link_inflight;

struct vt_repl_link {
	vt_node *node;
	vt_repl_link_opts o;
	char *hub;            /* the address, for messages */
	uint8_t pin[32];
	int pinned;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop, wake;
	/* under mu */
	vt_repl_state state;
	uint64_t acked, sent;
	int64_t deadline, next_attempt, last_rx, last_tx;
	int backoff_ms;
	char last_error[512];
	char hub_id[VT_NODE_ID_MAX + 1];
	uint8_t hub_pk[32];
	int have_hub_pk;
	Vanthu__V1__ReplWelcome *welcome;     /* until the handshake took it */
	Vanthu__V1__CoSignedHead *cosigned;   /* the latest */
	vt_link_inflight *in;
	size_t nin, capin;
	uint8_t (*need)[32];
	size_t nneed, capneed;
	uint64_t audit[VT_REPL_AUDIT];        /* entries the hub asked to see */
	size_t naudit;                        /* 0: nothing asked (or answered already) */
	Vanthu__V1__ReplDown **deliv;         /* deliveries to record */
	size_t ndeliv, capdeliv;
	uint64_t received;                    /* exchange messages recorded */
	/* the stream */
	vt_rpc_client *client;
	vt_rpc_stream *stream;
	pthread_t rx;
	int rx_started, rx_done, rx_error;
	char rx_msg[512];
	vt_repl_blob_in blob; /* being received from the hub (receiver thread only) */
	/* progress */
	int64_t progress_at;
	uint64_t progress_acked;
};

static inline int64_t link_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wakes link_tick; call under l->mu. */
static inline void wake(vt_repl_link *l)
{
	l->wake = 1;
	pthread_cond_signal(&l->cv);
}

/* A copy of ch (NULL when out of memory or too large). */
Vanthu__V1__CoSignedHead *vt_link_cosigned_copy(const Vanthu__V1__CoSignedHead *ch);

/* The receiver thread of a stream (link_rx.c); payload is the link. */
void *vt_link_rx_main(void *payload);

/* link_send.c: one message up the stream (l->last_tx set); the blob sha in
 * chunks; the batch from `from` (*end: where it ends, from if nothing to
 * send); the entries the hub asked to see. */
int vt_link_send_up(vt_repl_link *l, const Vanthu__V1__ReplUp *m);
int vt_link_send_blob(vt_repl_link *l, const uint8_t sha[32]);
int vt_link_send_batch(vt_repl_link *l, uint64_t from, uint64_t *end);
int vt_link_send_audit(vt_repl_link *l);

#endif
