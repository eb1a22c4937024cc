/* Replication over gRPC: the hub's side (a verified replica per enrolled
 * unit, on one bidirectional stream per unit over mutual TLS), the unit's
 * side (a link with an explicit state machine), restore from the hub, and
 * the exchange of documents between units through the hub. */
#ifndef VT_REPL_H
#define VT_REPL_H

#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "rpc/rpc.h"
#include "vanthu.pb-c.h"

#define VT_REPL_STREAM "/vanthu.v1.Replication/Stream"
#define VT_REPL_FETCH "/vanthu.v1.Replication/Fetch"
#define VT_REPL_BLOB_CHUNK (1u << 20) /* blob bytes per ReplBlob message */
#define VT_REPL_MAX_MSG (64u << 20)   /* largest replication message */
#define VT_REPL_PING_MS 5000          /* a unit pings an idle stream this often */
#define VT_REPL_DEAD_MS 30000         /* silence after which a stream is dead */
#define VT_REPL_AUDIT 16              /* entries the hub spot-checks at each handshake */

/* ---- blobs on the wire, in ReplBlob chunks */
#define VT_REPL_MAX_BLOB (1ull << 30) /* largest blob a node takes from a peer */

/* Sends a stored blob as chunks through fn (which wraps and sends each);
 * VT_ECORRUPT if it is not stored. */
typedef int (*vt_repl_chunk_fn)(void *ctx, const Vanthu__V1__ReplBlob *chunk);
int vt_repl_blob_send(vt_store *store, const uint8_t sha[32], vt_repl_chunk_fn fn, void *ctx);

/* A blob being received: chunks in order; once whole it is stored (its
 * hash checked) and *done is set, with in->sha naming it. */
typedef struct vt_repl_blob_in {
	uint8_t sha[32];
	uint64_t size, have;
	uint8_t *data;
} vt_repl_blob_in;
int vt_repl_blob_in_add(vt_repl_blob_in *in, vt_store *store, const Vanthu__V1__ReplBlob *b, int *done);
void vt_repl_blob_in_dispose(vt_repl_blob_in *in);

/* ---- hub */
typedef struct vt_repl_hub vt_repl_hub;

int vt_repl_hub_new(vt_repl_hub **out, vt_node *node);
/* Adds Replication/Stream and Replication/Fetch to the server (the server
 * must verify client certificates: client_ca_file). */
int vt_repl_hub_register(vt_repl_hub *h, vt_rpc_server *server);
/* Frees; call after the server has shut down. Accepts NULL. */
void vt_repl_hub_free(vt_repl_hub *h);

/* Every enrolled unit with its replica's state, and the alarms (UnitRefused
 * entries of the hub's log), newest first. Free with vt_repl_status_free. */
int vt_repl_hub_status(vt_repl_hub *h, Vanthu__V1__ReplStatus **out);
void vt_repl_status_free(Vanthu__V1__ReplStatus *st);

/* Enrolment and reinstatement: events of the hub's log. */
int vt_repl_enroll(vt_node *hub, const char *actor, const char *node_id, const uint8_t pk[32], const char *name,
	const char *reason, vt_apply_result *res);
int vt_repl_reinstate(vt_node *hub, const char *actor, const char *node_id, const char *reason,
	vt_apply_result *res);

/* ---- unit */

/* How a unit reaches its hub (peer.c). Empty strings count as absent. */
typedef struct vt_repl_peer {
	const char *hub;          /* "127.0.0.1:7444" */
	const char *ca_file;      /* the hub's server CA */
	const char *cert_file;    /* this unit's client certificate (CN = node id) */
	const char *key_file;
	const char *server_name;  /* the hub address's host if absent */
	const char *hub_key_hex;  /* the hub's Ed25519 key, pinned (absent: learnt at first contact) */
} vt_repl_peer;

/* VT_EINVAL for a peer without address or certificate; the pinned key (if
 * any) into hub_pk. */
int vt_repl_peer_check(const vt_repl_peer *p, uint8_t hub_pk[32], int *pinned);
/* A gRPC client of the hub over mutual TLS (connects lazily). */
int vt_repl_client_new(vt_rpc_client **out, const vt_repl_peer *p);

typedef struct vt_repl_link vt_repl_link;

typedef struct vt_repl_link_opts {
	vt_repl_peer peer;
	unsigned batch_max;       /* entries per batch at most; 0: 4096 */
	unsigned window;          /* batches sent ahead of acknowledgements; 0: 8 */
	int backoff_min_ms;       /* 0: 200 */
	int backoff_max_ms;       /* 0: 10000 */
	int progress;             /* print catch-up progress to stderr */
} vt_repl_link_opts;

typedef enum vt_repl_state {
	VT_REPL_CONNECT = 0,      /* opening the stream (TLS, the hub's certificate) */
	VT_REPL_HANDSHAKE,        /* hello sent; waiting for the hub's welcome */
	VT_REPL_CATCHUP,          /* more than a batch behind the log: shipping the backlog */
	VT_REPL_STREAMING,        /* within a batch of the log: shipping each commit */
	VT_REPL_BACKOFF,          /* the stream failed: waiting (jittered, doubling) to reconnect */
	VT_REPL_REFUSED,          /* the hub refused this unit (or is not the hub it knew):
	                           * retried at the longest backoff */
} vt_repl_state;

const char *vt_repl_state_name(vt_repl_state s);

/* Starts the link's thread; options are copied. */
int vt_repl_link_start(vt_repl_link **out, vt_node *node, const vt_repl_link_opts *o);
/* Stops the thread, cancelling the stream, and frees. Accepts NULL. */
void vt_repl_link_stop(vt_repl_link *l);

/* The link's view: one ReplUnitState for this unit. */
int vt_repl_link_status(vt_repl_link *l, Vanthu__V1__ReplStatus **out);

/* Entries the hub has acknowledged (durable there). */
uint64_t vt_repl_link_acked(vt_repl_link *l);


/* The unit's records of its hub (co-signed head, hub key, directory):
 * replication/unit_meta.h. */

/* ---- restore (a unit that lost its disk) */
typedef struct vt_repl_restore_opts {
	vt_repl_peer peer;         /* its hub_key_hex is required: the co-signature is checked with it */
	const char *node_key_file; /* the unit's keys/node.ed25519 (kept off the node) */
	const char *node_id;
	int progress;
} vt_repl_restore_opts;

/* Fetches the unit's log and blobs from the hub into a new data directory,
 * replays it, and checks the result against the hub's last co-signed head
 * (root at its size, the unit's and the hub's signatures). On any failure
 * the directory is removed. *size gets the entries restored. */
int vt_repl_restore(const char *datadir, const vt_repl_restore_opts *o, uint64_t *size);

#endif
