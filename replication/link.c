/* The unit's side of replication: a link to the hub with an explicit state
 * machine (connect, handshake, catch-up, streaming, backoff, refused).
 * One thread runs link_tick, the one function that moves between states
 * and owns every timeout and retry; it wakes on commits of the log, on
 * messages from the hub, and every 100 ms. A second thread per stream only
 * receives: it checks acknowledgements (the hub's co-signature of the very
 * head the unit sent), stores blobs the hub relays, and queues the rest.
 *
 * Lock order: the link's mutex is never held while calling into the log
 * (the log calls link_committed under its own lock). */
#include "replication/repl.h"
#include "events.h"
#include "store/keyspace.h"
#include "store/error.h"
#include "store/log.h"
#include "store/merkle.h"
#include "replication/replica.h"
#include "store/sth.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HANDSHAKE_MS 10000
#define TICK_MS 100
#define BATCH_BYTES (8u << 20) /* a batch ends at the first kept head past this many bytes */

typedef struct inflight {
	uint64_t end;
	uint8_t sig[64];
} inflight;

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
	inflight *in;
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

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wake(vt_repl_link *l)
{
	l->wake = 1;
	pthread_cond_signal(&l->cv);
}

/* Called by the log under its lock after each commit. */
static void link_committed(void *ctx, uint64_t size)
{
	vt_repl_link *l = ctx;
	(void)size; /* link_tick reads the size itself */
	pthread_mutex_lock(&l->mu);
	wake(l);
	pthread_mutex_unlock(&l->mu);
}

/* Every transition of the link, and why; link_tick makes them (nothing else
 * changes the state), set_state refuses any other. */
static const struct transition {
	vt_repl_state from, to;
	const char *why;
} transitions[] = {
	{ VT_REPL_CONNECT, VT_REPL_HANDSHAKE, "stream open, hello sent" },
	{ VT_REPL_CONNECT, VT_REPL_BACKOFF, "the hub is unreachable or the TLS handshake failed" },
	{ VT_REPL_CONNECT, VT_REPL_REFUSED, "refused at once (certificate not admitted)" },
	{ VT_REPL_HANDSHAKE, VT_REPL_CATCHUP, "welcome checked: the hub's key, its view of this log" },
	{ VT_REPL_HANDSHAKE, VT_REPL_BACKOFF, "no welcome in time, or the stream ended" },
	{ VT_REPL_HANDSHAKE, VT_REPL_REFUSED, "not enrolled, refused, another hub key, another history" },
	{ VT_REPL_CATCHUP, VT_REPL_STREAMING, "within a batch of the log" },
	{ VT_REPL_STREAMING, VT_REPL_CATCHUP, "fell more than a batch behind" },
	{ VT_REPL_CATCHUP, VT_REPL_BACKOFF, "the stream ended or went silent" },
	{ VT_REPL_STREAMING, VT_REPL_BACKOFF, "the stream ended or went silent" },
	{ VT_REPL_CATCHUP, VT_REPL_REFUSED, "the hub refused a batch (divergent history) or an audit" },
	{ VT_REPL_STREAMING, VT_REPL_REFUSED, "the hub refused a batch (divergent history) or an audit" },
	{ VT_REPL_BACKOFF, VT_REPL_CONNECT, "the backoff is over" },
	{ VT_REPL_REFUSED, VT_REPL_CONNECT, "try again, in case an administrator put it right" },
	{ VT_REPL_BACKOFF, VT_REPL_REFUSED, "refused while backing off" },
	{ VT_REPL_REFUSED, VT_REPL_BACKOFF, "a transient failure after a refusal" },
};

static void set_state(vt_repl_link *l, vt_repl_state s)
{
	size_t i;
	if (l->state == s)
		return;
	for (i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if (transitions[i].from == l->state && transitions[i].to == s)
			break;
	if (i == sizeof(transitions) / sizeof(transitions[0])) {
		/* a bug: say so and keep going in the state asked for */
		fprintf(stderr, "vanthud: replication: unexpected transition %s -> %s\n", vt_repl_state_name(l->state),
			vt_repl_state_name(s));
	}
	l->state = s;
}

/* ---- co-signed heads kept by the unit */

static void cosigned_key(vt_key *k, const char *origin)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_META_COSIGNED);
}

int vt_repl_cosigned_get(vt_store *store, const char *origin, Vanthu__V1__CoSignedHead **out)
{
	vt_key k;
	int error;
	cosigned_key(&k, origin);
	error = vt_msg_get(store, VT_CF_META, &k, &vanthu__v1__co_signed_head__descriptor, (ProtobufCMessage **)out);
	return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "no co-signed head from the hub yet") : error;
}

static int cosigned_put(vt_repl_link *l, const Vanthu__V1__CoSignedHead *ch)
{
	vt_key k;
	cosigned_key(&k, l->node->node_id);
	/* not synced: after a crash the hub's welcome gives it again */
	return vt_msg_put(l->node->store, VT_CF_META, &k, &ch->base, 0);
}

static Vanthu__V1__CoSignedHead *cosigned_copy(const Vanthu__V1__CoSignedHead *ch)
{
	uint8_t buf[1024];
	size_t n = vanthu__v1__co_signed_head__get_packed_size(ch);
	if (n > sizeof(buf))
		return NULL;
	vanthu__v1__co_signed_head__pack(ch, buf);
	return vanthu__v1__co_signed_head__unpack(NULL, n, buf);
}

/* ---- the hub's key: pinned in the configuration, or learnt at first
 * contact and kept (a different key later is refused) */

static int hub_key_check(vt_repl_link *l, const char *hub, const uint8_t *pk, size_t len)
{
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	char hex[65];
	if (len != 32)
		return vt_error_set(VT_EINVAL, "the hub sent no 32-byte key");
	vt_hex(hex, pk, 32);
	if (l->pinned && memcmp(l->pin, pk, 32) != 0)
		return vt_error_set(VT_ESIG, "hub %s presents key %.16s…, not the configured hub_public_key", hub, hex);
	vt_key_init(&k, l->node->node_id);
	vt_key_u8(&k, VT_META_HUBKEY);
	error = vt_store_get(l->node->store, VT_CF_META, k.buf, k.len, &v, &n);
	if (error == 0) {
		size_t idl = strnlen(v, n);
		int same = idl + 1 + 32 == n && strncmp(v, hub, idl) == 0 && strlen(hub) == idl &&
			memcmp(v + idl + 1, pk, 32) == 0;
		free(v);
		if (!same)
			return vt_error_set(VT_ESIG, "the hub now presents itself as %s with key %.16s…, not the hub and key "
				"this unit replicated to before", hub, hex);
		return 0;
	}
	if (error != VT_ENOTFOUND)
		return error;
	{
		char buf[VT_NODE_ID_MAX + 1 + 32];
		size_t idl = strlen(hub);
		vt_batch *b = NULL;
		if (idl > VT_NODE_ID_MAX)
			return vt_error_set(VT_EINVAL, "hub id too long");
		memcpy(buf, hub, idl + 1);
		memcpy(buf + idl + 1, pk, 32);
		if ((error = vt_batch_new(&b, l->node->store)) < 0)
			return error;
		vt_batch_put(b, VT_CF_META, k.buf, k.len, buf, idl + 1 + 32);
		error = vt_store_write(l->node->store, b, 1);
		vt_batch_free(b);
		if (error == 0)
			fprintf(stderr, "vanthud: replication: hub %s, key %s (kept; pin it with hub_public_key)\n", hub, hex);
		return error;
	}
}

/* ---- the receiver */

static void rx_fail(vt_repl_link *l, int error, const char *msg)
{
	pthread_mutex_lock(&l->mu);
	if (!l->rx_done) {
		l->rx_done = 1;
		l->rx_error = error;
		snprintf(l->rx_msg, sizeof(l->rx_msg), "%s", msg);
	}
	wake(l);
	pthread_mutex_unlock(&l->mu);
}

static int rx_ack(vt_repl_link *l, const Vanthu__V1__ReplAck *a)
{
	Vanthu__V1__CoSignedHead *copy;
	inflight first;
	uint8_t pk[32];
	int error;
	pthread_mutex_lock(&l->mu);
	if (!l->nin || !l->have_hub_pk) {
		pthread_mutex_unlock(&l->mu);
		return vt_error_set(VT_EINVAL, "an acknowledgement of size %" PRIu64 " for nothing sent", a->size);
	}
	first = l->in[0];
	memcpy(pk, l->hub_pk, 32);
	pthread_mutex_unlock(&l->mu);
	if (a->size != first.end || !a->head || !a->head->head || !a->head->cosig)
		return vt_error_set(VT_EINVAL, "the hub acknowledged size %" PRIu64 " for a batch ending at %" PRIu64,
			a->size, first.end);
	/* the very head this unit sent, co-signed by the hub it knows */
	if (a->head->head->signature.len != 64 || memcmp(a->head->head->signature.data, first.sig, 64) != 0 ||
	    strcmp(a->head->head->origin, l->node->node_id) != 0)
		return vt_error_set(VT_ESIG, "the hub acknowledged size %" PRIu64 " with another head than the one sent",
			a->size);
	if ((error = vt_sth_verify(a->head->head, l->node->pk)) < 0 ||
	    (error = vt_cosig_verify(a->head->head, a->head->cosig, pk)) < 0)
		return error;
	if ((error = cosigned_put(l, a->head)) < 0)
		return error;
	copy = cosigned_copy(a->head);
	pthread_mutex_lock(&l->mu);
	memmove(l->in, l->in + 1, (l->nin - 1) * sizeof(*l->in));
	l->nin--;
	l->acked = a->size;
	if (copy) {
		if (l->cosigned)
			vanthu__v1__co_signed_head__free_unpacked(l->cosigned, NULL);
		l->cosigned = copy;
	}
	pthread_mutex_unlock(&l->mu);
	return 0;
}

/* ---- the nodes reachable through the hub */

static void directory_key(vt_key *k, const char *origin)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_META_DIRECTORY);
}

static int directory_put(vt_repl_link *l, const Vanthu__V1__NodeDirectory *d)
{
	vt_key k;
	directory_key(&k, l->node->node_id);
	return vt_msg_put(l->node->store, VT_CF_META, &k, &d->base, 0);
}

int vt_repl_directory_get(vt_store *store, const char *origin, Vanthu__V1__NodeDirectory **out)
{
	vt_key k;
	int error;
	directory_key(&k, origin);
	error = vt_msg_get(store, VT_CF_META, &k, &vanthu__v1__node_directory__descriptor, (ProtobufCMessage **)out);
	return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "no word from the hub yet on which nodes it "
		"reaches") : error;
}

int vt_repl_directory_check(vt_store *store, const char *origin, char *const *ids, size_t n)
{
	Vanthu__V1__NodeDirectory *d = NULL;
	int error = n ? vt_repl_directory_get(store, origin, &d) : 0;
	if (error == VT_ENOTFOUND)
		return 0; /* never in touch with a hub yet: the messages wait there */
	if (error < 0)
		return error;
	for (size_t i = 0; i < n && error == 0; i++) {
		int found = 0;
		for (size_t j = 0; j < d->n_peers && !found; j++)
			found = strcmp(d->peers[j]->node_id, ids[i]) == 0;
		if (!found)
			error = vt_error_set(VT_EINVAL, "%s is not a node the hub reaches (vanthu repl status lists them)",
				ids[i]);
		else if (strcmp(ids[i], origin) == 0)
			error = vt_error_set(VT_EINVAL, "a node does not send documents to itself");
	}
	vanthu__v1__node_directory__free_unpacked(d, NULL);
	return error;
}

static void *rx_main(void *arg)
{
	vt_repl_link *l = arg;
	for (;;) {
		vt_rpc_buf buf = { 0 };
		Vanthu__V1__ReplDown *m;
		int r = vt_rpc_stream_recv(l->stream, &buf), error = 0;
		if (r <= 0) {
			rx_fail(l, r < 0 ? r : VT_EINVAL, r < 0 ? vt_error_last() : "the hub ended the stream");
			break;
		}
		m = vanthu__v1__repl_down__unpack(NULL, buf.len, buf.data);
		vt_rpc_buf_dispose(&buf);
		if (!m) {
			rx_fail(l, VT_EINVAL, "a message from the hub does not decode");
			break;
		}
		pthread_mutex_lock(&l->mu);
		l->last_rx = now_ms();
		pthread_mutex_unlock(&l->mu);
		switch (m->kind_case) {
		case VANTHU__V1__REPL_DOWN__KIND_WELCOME:
			pthread_mutex_lock(&l->mu);
			if (l->welcome)
				error = vt_error_set(VT_EINVAL, "a second welcome");
			else
				l->welcome = m->welcome, m->welcome = NULL, m->kind_case = 0;
			wake(l);
			pthread_mutex_unlock(&l->mu);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_ACK:
			error = rx_ack(l, m->ack);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_NEED:
			pthread_mutex_lock(&l->mu);
			for (size_t i = 0; i < m->need->n_sha256 && !error; i++) {
				if (m->need->sha256[i].len != 32)
					continue;
				if (l->nneed == l->capneed) {
					size_t cap = l->capneed ? l->capneed * 2 : 64;
					void *p = realloc(l->need, cap * 32);
					if (!p) {
						error = vt_error_set(VT_ENOMEM, "out of memory");
						break;
					}
					l->need = p;
					l->capneed = cap;
				}
				memcpy(l->need[l->nneed++], m->need->sha256[i].data, 32);
			}
			pthread_mutex_unlock(&l->mu);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_BLOB: {
			int done;
			error = vt_repl_blob_in_add(&l->blob, l->node->store, m->blob, &done);
			break;
		}
		case VANTHU__V1__REPL_DOWN__KIND_DELIVERY:
			pthread_mutex_lock(&l->mu);
			if (l->ndeliv == l->capdeliv) {
				size_t cap = l->capdeliv ? l->capdeliv * 2 : 16;
				void *p = realloc(l->deliv, cap * sizeof(*l->deliv));
				if (!p)
					error = vt_error_set(VT_ENOMEM, "out of memory");
				else
					l->deliv = p, l->capdeliv = cap;
			}
			if (!error) {
				l->deliv[l->ndeliv++] = m;
				m = NULL;
			}
			pthread_mutex_unlock(&l->mu);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_AUDIT:
			pthread_mutex_lock(&l->mu);
			l->naudit = 0;
			for (size_t i = 0; i < m->audit->n_seqs && l->naudit < VT_REPL_AUDIT; i++)
				l->audit[l->naudit++] = m->audit->seqs[i];
			pthread_mutex_unlock(&l->mu);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_DIRECTORY:
			error = directory_put(l, m->directory);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_PONG:
			break;
		default:
			error = vt_error_set(VT_EINVAL, "unexpected message from the hub (kind %d)", (int)m->kind_case);
		}
		if (m)
			vanthu__v1__repl_down__free_unpacked(m, NULL);
		if (error < 0) {
			rx_fail(l, error, vt_error_last());
			vt_rpc_stream_cancel(l->stream);
			break;
		}
		pthread_mutex_lock(&l->mu);
		wake(l);
		pthread_mutex_unlock(&l->mu);
	}
	return NULL;
}

/* ---- the stream */

static void stream_close(vt_repl_link *l)
{
	if (l->stream)
		vt_rpc_stream_cancel(l->stream);
	if (l->rx_started) {
		pthread_join(l->rx, NULL);
		l->rx_started = 0;
	}
	vt_rpc_stream_free(l->stream);
	l->stream = NULL;
	pthread_mutex_lock(&l->mu);
	if (l->welcome)
		vanthu__v1__repl_welcome__free_unpacked(l->welcome, NULL);
	l->welcome = NULL;
	for (size_t i = 0; i < l->ndeliv; i++)
		vanthu__v1__repl_down__free_unpacked(l->deliv[i], NULL);
	l->ndeliv = 0;
	l->nin = 0;
	l->nneed = 0;
	l->naudit = 0;
	l->rx_done = 0;
	pthread_mutex_unlock(&l->mu);
	vt_repl_blob_in_dispose(&l->blob);
}

/* Leaves the stream for backoff (or refused: the hub said no to this
 * unit, or the hub is not the one it knew; retried at the longest
 * interval in case an administrator put it right). */
static void link_fail(vt_repl_link *l, int error, const char *msg)
{
	int refused = error == VT_EPERM || error == VT_EAUTH || error == VT_ESIG || error == VT_ECORRUPT;
	int64_t t = now_ms();
	int delay;
	stream_close(l);
	pthread_mutex_lock(&l->mu);
	if (strcmp(l->last_error, msg) != 0 || l->state != (refused ? VT_REPL_REFUSED : VT_REPL_BACKOFF))
		fprintf(stderr, "vanthud: replication to %s: %s%s\n", l->hub, msg, refused ? " (refused)" : "");
	snprintf(l->last_error, sizeof(l->last_error), "%s", msg);
	if (refused)
		l->backoff_ms = l->o.backoff_max_ms;
	delay = l->backoff_ms;
	delay = delay / 2 + (int)randombytes_uniform((uint32_t)delay / 2 + 1); /* jitter */
	l->next_attempt = t + delay;
	l->backoff_ms = l->backoff_ms * 2 > l->o.backoff_max_ms ? l->o.backoff_max_ms : l->backoff_ms * 2;
	set_state(l, refused ? VT_REPL_REFUSED : VT_REPL_BACKOFF);
	pthread_mutex_unlock(&l->mu);
}

static int send_up(vt_repl_link *l, const Vanthu__V1__ReplUp *m)
{
	size_t n = vanthu__v1__repl_up__get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);
	int error;
	if (!buf)
		return vt_error_set(VT_ENOMEM, "out of memory");
	vanthu__v1__repl_up__pack(m, buf);
	error = vt_rpc_stream_send(l->stream, buf, n);
	free(buf);
	if (error == 0) {
		pthread_mutex_lock(&l->mu);
		l->last_tx = now_ms();
		pthread_mutex_unlock(&l->mu);
	}
	return error;
}

static int link_connect(vt_repl_link *l)
{
	Vanthu__V1__ReplUp m = VANTHU__V1__REPL_UP__INIT;
	Vanthu__V1__ReplHello h = VANTHU__V1__REPL_HELLO__INIT;
	Vanthu__V1__TreeHead *head = NULL;
	int error;
	/* no deadline: the stream lasts; the handshake and silence timers of
	 * link_tick end a stream that makes no progress */
	if ((error = vt_rpc_stream_open(&l->stream, l->client, VT_REPL_STREAM, NULL, 0, 0)) < 0)
		return error;
	if (pthread_create(&l->rx, NULL, rx_main, l) != 0)
		return vt_error_set(VT_ERROR, "cannot start the replication receiver");
	l->rx_started = 1;
	h.node_id = l->node->node_id;
	h.size = vt_log_size(l->node->log);
	if (vt_log_latest_sth(l->node->store, l->node->node_id, &head) == 0) {
		h.head = head;
		h.size = head->size;
	}
	m.kind_case = VANTHU__V1__REPL_UP__KIND_HELLO;
	m.hello = &h;
	error = send_up(l, &m);
	if (head)
		vanthu__v1__tree_head__free_unpacked(head, NULL);
	return error;
}

/* The hub's welcome: its key, and what it verified of this unit's log,
 * which must be this unit's own history. */
static int link_welcomed(vt_repl_link *l, Vanthu__V1__ReplWelcome *w)
{
	uint64_t size = vt_log_size(l->node->log);
	char alarm[300] = "";
	int error, ours = 0;
	if ((error = hub_key_check(l, w->hub, w->hub_key.data, w->hub_key.len)) < 0)
		return error;
	if (w->size > size)
		return vt_error_set(VT_ECORRUPT, "hub %s holds %" PRIu64 " entries of this unit's log, which has only %"
			PRIu64 " (a unit that lost data restores from the hub: vanthud --restore-from-hub)", w->hub, w->size,
			size);
	if (w->head && w->head->head && w->head->cosig) {
		vt_log_tree_src src;
		uint8_t root[VT_HASH_LEN];
		const Vanthu__V1__TreeHead *hh = w->head->head;
		if ((error = vt_sth_verify(hh, l->node->pk)) < 0 ||
		    (error = vt_cosig_verify(hh, w->head->cosig, w->hub_key.data)) < 0)
			return error;
		if (hh->size > size)
			return vt_error_set(VT_ECORRUPT, "the hub verified %" PRIu64 " entries of this unit's log, which has %"
				PRIu64, hh->size, size);
		vt_log_tree_src_init(&src, l->node->store, l->node->node_id);
		if ((error = vt_merkle_root(root, &src.src, hh->size)) < 0)
			return error;
		if (hh->root.len != VT_HASH_LEN || memcmp(root, hh->root.data, VT_HASH_LEN) != 0) {
			/* This disk's history is not the one the hub verified: it was
			 * edited behind the node's back. Say so here; the hub, which
			 * decides, refuses it when it sees the entries. */
			snprintf(alarm, sizeof(alarm), "ALARM: the hub verified another history of this unit at size %"
				PRIu64 " than the one on this disk (edited data directory?); run vanthu log verify", hh->size);
			fprintf(stderr, "vanthud: %s\n", alarm);
		} else if ((error = cosigned_put(l, w->head)) < 0) {
			return error;
		} else {
			ours = 1;
		}
	}
	pthread_mutex_lock(&l->mu);
	snprintf(l->hub_id, sizeof(l->hub_id), "%s", w->hub);
	memcpy(l->hub_pk, w->hub_key.data, 32);
	l->have_hub_pk = 1;
	l->acked = l->sent = w->size;
	l->nin = 0;
	l->backoff_ms = l->o.backoff_min_ms;
	snprintf(l->last_error, sizeof(l->last_error), "%s", alarm); /* shown by repl status */
	l->progress_at = now_ms();
	l->progress_acked = w->size;
	if (ours) {
		Vanthu__V1__CoSignedHead *c = cosigned_copy(w->head);
		if (c) {
			if (l->cosigned)
				vanthu__v1__co_signed_head__free_unpacked(l->cosigned, NULL);
			l->cosigned = c;
		}
	}
	pthread_mutex_unlock(&l->mu);
	fprintf(stderr, "vanthud: replication: connected to hub %s at %s; it holds %" PRIu64 " of %" PRIu64 " entries\n",
		w->hub, l->hub, w->size, size);
	return 0;
}

static int batch_head(vt_repl_link *l, uint64_t from, Vanthu__V1__TreeHead **out)
{
	return vt_repl_batch_head(l->node->store, l->node->node_id, from, l->o.batch_max, out);
}

int vt_repl_batch_head(vt_store *store, const char *origin, uint64_t from, uint64_t batch_max,
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

/* Sends entries [from, head) with the head; returns the batch's end. */
static int send_batch(vt_repl_link *l, uint64_t from, uint64_t *end)
{
	Vanthu__V1__TreeHead *head = NULL;
	Vanthu__V1__ReplUp m = VANTHU__V1__REPL_UP__INIT;
	Vanthu__V1__ReplBatch b = VANTHU__V1__REPL_BATCH__INIT;
	ProtobufCBinaryData *entries = NULL;
	char **copies = NULL;
	vt_iter *it = NULL;
	vt_key k;
	size_t n = 0, want, bytes = 0;
	int error, capped = 0;
	*end = from;
	if ((error = batch_head(l, from, &head)) < 0)
		return error == VT_ENOTFOUND ? 0 : error;
	want = (size_t)(head->size - from);
	if (!(entries = calloc(want, sizeof(*entries))) || !(copies = calloc(want, sizeof(*copies)))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	vt_key_init(&k, l->node->node_id);
	if ((error = vt_iter_new(&it, l->node->store, VT_CF_LOG, k.buf, k.len)) < 0)
		goto out;
	vt_log_key_entry(&k, l->node->node_id, from);
	for (vt_iter_seek(it, k.buf, k.len); vt_iter_valid(it) && n < want; vt_iter_next(it)) {
		size_t kl, vl;
		const char *key = vt_iter_key(it, &kl), *val = vt_iter_value(it, &vl);
		if (vt_be64_get(key + kl - 8) != from + n) {
			error = vt_error_set(VT_ECORRUPT, "entry %" PRIu64 " of this unit's log is missing", from + n);
			goto out;
		}
		if (!(copies[n] = malloc(vl ? vl : 1))) {
			error = vt_error_set(VT_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(copies[n], val, vl);
		entries[n].data = (uint8_t *)copies[n];
		entries[n].len = vl;
		n++;
		bytes += vl;
		if (bytes > BATCH_BYTES && n < want && !capped) {
			/* large entries: end at the furthest kept head within what
			 * was read, else at the first one after it (a message must
			 * stay well under the limit) */
			Vanthu__V1__TreeHead *earlier = NULL;
			if ((error = vt_repl_batch_head(l->node->store, l->node->node_id, from, n, &earlier)) < 0)
				goto out;
			vanthu__v1__tree_head__free_unpacked(head, NULL);
			head = earlier;
			want = (size_t)(head->size - from);
			capped = 1;
		}
	}
	if ((error = vt_iter_status(it)) < 0)
		goto out;
	while (n > want) /* the batch ended earlier than what was read */
		free(copies[--n]);
	if (n != want) {
		error = vt_error_set(VT_ECORRUPT, "this unit's log ends at %" PRIu64 " below its head's size %" PRIu64,
			from + n, head->size);
		goto out;
	}
	b.from = from;
	b.entries = entries;
	b.n_entries = n;
	b.head = head;
	m.kind_case = VANTHU__V1__REPL_UP__KIND_BATCH;
	m.batch = &b;
	pthread_mutex_lock(&l->mu);
	if (l->nin == l->capin) {
		size_t cap = l->capin ? l->capin * 2 : 16;
		void *p = realloc(l->in, cap * sizeof(*l->in));
		if (!p) {
			pthread_mutex_unlock(&l->mu);
			error = vt_error_set(VT_ENOMEM, "out of memory");
			goto out;
		}
		l->in = p;
		l->capin = cap;
	}
	/* recorded before sending: the ack may come before send returns */
	l->in[l->nin].end = head->size;
	memcpy(l->in[l->nin].sig, head->signature.data, head->signature.len == 64 ? 64 : 0);
	l->nin++;
	pthread_mutex_unlock(&l->mu);
	if ((error = send_up(l, &m)) < 0)
		goto out;
	*end = head->size;
out:
	vt_iter_free(it);
	for (size_t i = 0; copies && i < n; i++)
		free(copies[i]);
	free(copies);
	free(entries);
	if (head)
		vanthu__v1__tree_head__free_unpacked(head, NULL);
	return error;
}

static int send_chunk(void *ctx, const Vanthu__V1__ReplBlob *b)
{
	Vanthu__V1__ReplUp m = VANTHU__V1__REPL_UP__INIT;
	m.kind_case = VANTHU__V1__REPL_UP__KIND_BLOB;
	m.blob = (Vanthu__V1__ReplBlob *)b;
	return send_up(ctx, &m);
}

/* The entries the hub asked to see, as they are on this disk. */
static int send_audit(vt_repl_link *l)
{
	Vanthu__V1__ReplUp m = VANTHU__V1__REPL_UP__INIT;
	Vanthu__V1__ReplAuditReply r = VANTHU__V1__REPL_AUDIT_REPLY__INIT;
	Vanthu__V1__RawEntry e[VT_REPL_AUDIT], *ep[VT_REPL_AUDIT];
	char *data[VT_REPL_AUDIT] = { 0 };
	uint64_t seqs[VT_REPL_AUDIT];
	size_t n, k = 0;
	int error;
	pthread_mutex_lock(&l->mu);
	n = l->naudit;
	memcpy(seqs, l->audit, n * sizeof(*seqs));
	l->naudit = 0;
	pthread_mutex_unlock(&l->mu);
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		if (vt_log_entry_raw(l->node->store, l->node->node_id, seqs[i], &data[k], &len) < 0)
			continue; /* missing: the hub says so */
		vanthu__v1__raw_entry__init(&e[k]);
		e[k].seq = seqs[i];
		e[k].entry.data = (uint8_t *)data[k];
		e[k].entry.len = len;
		ep[k] = &e[k];
		k++;
	}
	r.entries = ep;
	r.n_entries = k;
	m.kind_case = VANTHU__V1__REPL_UP__KIND_AUDIT;
	m.audit = &r;
	error = send_up(l, &m);
	for (size_t i = 0; i < k; i++)
		free(data[i]);
	return error;
}

/* Records the exchange messages the hub delivered, in order. */
static int record_deliveries(vt_repl_link *l)
{
	for (;;) {
		Vanthu__V1__ReplDown *d = NULL;
		Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
		Vanthu__V1__ExchangeReceived xr = VANTHU__V1__EXCHANGE_RECEIVED__INIT;
		vt_apply_result res;
		int error;
		pthread_mutex_lock(&l->mu);
		if (l->ndeliv) {
			d = l->deliv[0];
			memmove(l->deliv, l->deliv + 1, (l->ndeliv - 1) * sizeof(*l->deliv));
			l->ndeliv--;
		}
		pthread_mutex_unlock(&l->mu);
		if (!d)
			return 0;
		xr.from = d->delivery->from;
		xr.from_seq = d->delivery->from_seq;
		xr.message = d->delivery->message;
		ev.kind_case = VANTHU__V1__EVENT__KIND_EXCHANGE_RECEIVED;
		ev.exchange_received = &xr;
		error = vt_log_append(l->node->log, "node", &ev, &res);
		if (error == 0 && *res.document_id &&
		    xr.message->kind_case == VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT)
			fprintf(stderr, "vanthud: received document %s from %s as %s\n", xr.message->document_id, xr.from,
				res.document_id);
		vanthu__v1__repl_down__free_unpacked(d, NULL);
		if (error < 0 && error != VT_EEXISTS)
			return error;
		pthread_mutex_lock(&l->mu);
		if (error == 0)
			l->received++;
		pthread_mutex_unlock(&l->mu);
	}
}

static void progress(vt_repl_link *l, int64_t t, uint64_t size)
{
	uint64_t acked, from;
	int64_t since;
	pthread_mutex_lock(&l->mu);
	acked = l->acked;
	from = l->progress_acked;
	since = l->progress_at;
	if (t - since >= 2000) {
		l->progress_at = t;
		l->progress_acked = acked;
	}
	pthread_mutex_unlock(&l->mu);
	if (l->o.progress && t - since >= 2000 && size > acked)
		fprintf(stderr, "vanthud: replication catch-up: %" PRIu64 "/%" PRIu64 " entries (%.0f%%), %.0f entries/s\n",
			acked, size, size ? 100.0 * (double)acked / (double)size : 100.0,
			(double)(acked - from) * 1000.0 / (double)(t - since));
}

/* The one periodic function: every state change, timeout and retry. */
static void link_tick(vt_repl_link *l)
{
	int64_t t = now_ms();
	vt_repl_state st;
	int error, rx_done, rx_error;
	char msg[512];
	pthread_mutex_lock(&l->mu);
	st = l->state;
	rx_done = l->rx_done;
	rx_error = l->rx_error;
	snprintf(msg, sizeof(msg), "%s", l->rx_msg);
	pthread_mutex_unlock(&l->mu);

	switch (st) {
	case VT_REPL_BACKOFF:
	case VT_REPL_REFUSED:
		if (t < l->next_attempt)
			return;
		pthread_mutex_lock(&l->mu);
		set_state(l, VT_REPL_CONNECT);
		pthread_mutex_unlock(&l->mu);
		/* fall through */
	case VT_REPL_CONNECT:
		if ((error = link_connect(l)) < 0) {
			snprintf(msg, sizeof(msg), "%s", vt_error_last());
			link_fail(l, error, msg);
			return;
		}
		pthread_mutex_lock(&l->mu);
		set_state(l, VT_REPL_HANDSHAKE);
		l->deadline = t + HANDSHAKE_MS;
		pthread_mutex_unlock(&l->mu);
		return;
	case VT_REPL_HANDSHAKE: {
		Vanthu__V1__ReplWelcome *w;
		pthread_mutex_lock(&l->mu);
		w = l->welcome;
		l->welcome = NULL;
		pthread_mutex_unlock(&l->mu);
		if (w) {
			error = link_welcomed(l, w);
			vanthu__v1__repl_welcome__free_unpacked(w, NULL);
			if (error < 0) {
				snprintf(msg, sizeof(msg), "%s", vt_error_last());
				link_fail(l, error, msg);
				return;
			}
			pthread_mutex_lock(&l->mu);
			set_state(l, VT_REPL_CATCHUP);
			pthread_mutex_unlock(&l->mu);
			return;
		}
		if (rx_done)
			link_fail(l, rx_error, msg);
		else if (t > l->deadline)
			link_fail(l, VT_ETIMEOUT, "the hub did not answer the hello");
		return;
	}
	case VT_REPL_CATCHUP:
	case VT_REPL_STREAMING: {
		uint64_t size = vt_log_size(l->node->log), sent, acked;
		size_t nin;
		int64_t last_rx, last_tx;
		if (rx_done) {
			link_fail(l, rx_error, msg);
			return;
		}
		if ((error = send_audit(l)) < 0) {
			snprintf(msg, sizeof(msg), "%s", vt_error_last());
			link_fail(l, error, msg);
			return;
		}
		if ((error = record_deliveries(l)) < 0) {
			snprintf(msg, sizeof(msg), "recording a delivery: %s", vt_error_last());
			link_fail(l, error, msg);
			return;
		}
		/* blobs the hub asked for come first: batches wait on them */
		for (;;) {
			uint8_t sha[32];
			int have = 0;
			pthread_mutex_lock(&l->mu);
			if (l->nneed) {
				memcpy(sha, l->need[0], 32);
				memmove(l->need, l->need + 1, (l->nneed - 1) * 32);
				l->nneed--;
				have = 1;
			}
			pthread_mutex_unlock(&l->mu);
			if (!have)
				break;
			if ((error = vt_repl_blob_send(l->node->store, sha, send_chunk, l)) < 0) {
				snprintf(msg, sizeof(msg), "%s", vt_error_last());
				link_fail(l, error, msg);
				return;
			}
		}
		pthread_mutex_lock(&l->mu);
		sent = l->sent;
		nin = l->nin;
		pthread_mutex_unlock(&l->mu);
		while (sent < size && nin < l->o.window) {
			uint64_t end;
			if ((error = send_batch(l, sent, &end)) < 0) {
				snprintf(msg, sizeof(msg), "%s", vt_error_last());
				link_fail(l, error, msg);
				return;
			}
			if (end == sent)
				break;
			sent = end;
			nin++;
			pthread_mutex_lock(&l->mu);
			l->sent = sent;
			pthread_mutex_unlock(&l->mu);
		}
		pthread_mutex_lock(&l->mu);
		acked = l->acked;
		nin = l->nin;
		last_rx = l->last_rx;
		last_tx = l->last_tx;
		set_state(l, size - acked > l->o.batch_max ? VT_REPL_CATCHUP : VT_REPL_STREAMING);
		pthread_mutex_unlock(&l->mu);
		progress(l, t, size);
		if (nin && t - last_rx > VT_REPL_DEAD_MS) {
			link_fail(l, VT_ETIMEOUT, "the hub acknowledged nothing for 30 s");
			return;
		}
		if (t - last_tx > VT_REPL_PING_MS) {
			Vanthu__V1__ReplUp m = VANTHU__V1__REPL_UP__INIT;
			m.kind_case = VANTHU__V1__REPL_UP__KIND_PING;
			m.ping = 1;
			if ((error = send_up(l, &m)) < 0) {
				snprintf(msg, sizeof(msg), "%s", vt_error_last());
				link_fail(l, error, msg);
			}
		}
		return;
	}
	}
}

static void *link_main(void *arg)
{
	vt_repl_link *l = arg;
	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		struct timespec ts;
		pthread_mutex_unlock(&l->mu);
		link_tick(l);
		pthread_mutex_lock(&l->mu);
		if (l->stop || l->wake) {
			l->wake = 0;
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&l->cv, &l->mu, &ts);
		l->wake = 0;
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

int vt_repl_link_start(vt_repl_link **out, vt_node *node, const vt_repl_link_opts *o)
{
	vt_repl_link *l;
	int error;
	*out = NULL;
	if (!(l = calloc(1, sizeof(*l))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	/* the client reads the TLS files now: a wrong path fails at start */
	if ((error = vt_repl_peer_check(&o->peer, l->pin, &l->pinned)) < 0 ||
	    (error = vt_repl_client_new(&l->client, &o->peer)) < 0 || !(l->hub = strdup(o->peer.hub))) {
		vt_rpc_client_free(l->client);
		free(l);
		return error < 0 ? error : vt_error_set(VT_ENOMEM, "out of memory");
	}
	l->node = node;
	l->o = *o;
	memset(&l->o.peer, 0, sizeof(l->o.peer)); /* borrowed strings: not kept */
	if (!l->o.batch_max)
		l->o.batch_max = 4096;
	if (!l->o.window)
		l->o.window = 8;
	if (l->o.backoff_min_ms <= 0)
		l->o.backoff_min_ms = 200;
	if (l->o.backoff_max_ms <= 0)
		l->o.backoff_max_ms = 10000;
	l->backoff_ms = l->o.backoff_min_ms;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->state = VT_REPL_CONNECT;
	/* what the hub acknowledged last time (its welcome says it again) */
	if (vt_repl_cosigned_get(node->store, node->node_id, &l->cosigned) == 0 && l->cosigned->head &&
	    l->cosigned->head->size <= vt_log_size(node->log))
		l->acked = l->sent = l->cosigned->head->size;
	vt_log_on_commit(node->log, link_committed, l);
	if (pthread_create(&l->thread, NULL, link_main, l) != 0) {
		vt_log_on_commit(node->log, NULL, NULL);
		vt_repl_link_stop(l);
		return vt_error_set(VT_ERROR, "cannot start the replication thread");
	}
	*out = l;
	return 0;
}

void vt_repl_link_stop(vt_repl_link *l)
{
	if (!l)
		return;
	vt_log_on_commit(l->node->log, NULL, NULL);
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	wake(l);
	pthread_mutex_unlock(&l->mu);
	if (l->stream)
		vt_rpc_stream_cancel(l->stream);
	if (l->thread)
		pthread_join(l->thread, NULL);
	stream_close(l);
	vt_rpc_client_free(l->client);
	if (l->cosigned)
		vanthu__v1__co_signed_head__free_unpacked(l->cosigned, NULL);
	free(l->in);
	free(l->need);
	free(l->deliv);
	free(l->hub);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int vt_repl_link_status(vt_repl_link *l, Vanthu__V1__ReplStatus **out)
{
	Vanthu__V1__ReplStatus *st = calloc(1, sizeof(*st));
	Vanthu__V1__ReplUnitState *u = calloc(1, sizeof(*u));
	Vanthu__V1__LogEntry *e = NULL;
	uint64_t size = vt_log_size(l->node->log), acked;
	*out = NULL;
	if (!st || !u) {
		free(st);
		free(u);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	vanthu__v1__repl_status__init(st);
	vanthu__v1__repl_unit_state__init(u);
	if (!(st->units = calloc(1, sizeof(*st->units)))) {
		free(st);
		free(u);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	st->units[0] = u;
	st->n_units = 1;
	pthread_mutex_lock(&l->mu);
	st->node_id = strdup(l->node->node_id);
	st->role = strdup("unit");
	st->hub = strdup(*l->hub_id ? l->hub_id : l->hub);
	u->node_id = strdup(l->node->node_id);
	u->name = strdup(l->hub);
	u->state = strdup(vt_repl_state_name(l->state));
	u->size = size;
	u->acked = acked = l->acked;
	u->lag_entries = size > acked ? size - acked : 0;
	u->last_error = strdup(l->last_error);
	u->refused = l->state == VT_REPL_REFUSED;
	u->delivered = l->received;
	u->last_contact = l->last_rx ? vt_clock_now(NULL) - (now_ms() - l->last_rx) * 1000 : 0;
	if (l->cosigned)
		u->head = cosigned_copy(l->cosigned);
	pthread_mutex_unlock(&l->mu);
	vt_repl_directory_get(l->node->store, l->node->node_id, &st->directory);
	if (acked < size && vt_log_entry_get(l->node->store, l->node->node_id, acked, &e) == 0) {
		u->lag_seconds = (double)(vt_clock_now(NULL) - e->time) / 1e6;
		if (u->lag_seconds < 0)
			u->lag_seconds = 0;
		vanthu__v1__log_entry__free_unpacked(e, NULL);
	}
	*out = st;
	if (!st->node_id || !st->role || !st->hub || !u->node_id || !u->name || !u->state || !u->last_error) {
		vt_repl_status_free(st);
		*out = NULL;
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	return 0;
}

uint64_t vt_repl_link_acked(vt_repl_link *l)
{
	uint64_t n;
	pthread_mutex_lock(&l->mu);
	n = l->acked;
	pthread_mutex_unlock(&l->mu);
	return n;
}
