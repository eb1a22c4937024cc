/* The unit's side of replication: a link to the hub with an explicit state
 * machine (connect, handshake, catch-up, streaming, backoff, refused).
 * One thread runs link_tick, the one function that moves between states
 * and owns every timeout and retry; it wakes on commits of the log, on
 * messages from the hub, and every 100 ms. A second thread per stream only
 * receives (link_rx.c); what the unit sends is link_send.c; its records of
 * the hub (co-signed head, hub key, directory) are unit_meta.c.
 *
 * Lock order: the link's mutex is never held while calling into the log
 * (the log calls link_committed under its own lock). */
#include "replication/link_int.h"
#include "docs/doc.h"
#include "docs/exchange.h"
#include "replication/unit_meta.h"
#include "store/error.h"
#include "store/hash.h"
#include "store/log.h"
#include "store/merkle.h"
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

/* Called by the log under its lock after each commit. */
static void link_committed(void *ctx, uint64_t size)
{
	vt_repl_link *l = ctx;
	(void)size; /* link_tick reads the size itself */
	pthread_mutex_lock(&l->mu);
	wake(l);
	pthread_mutex_unlock(&l->mu);
}

const char *vt_repl_state_name(vt_repl_state s)
{
	static const char *const names[] = { "connect", "handshake", "catch-up", "streaming", "backoff", "refused" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
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

/* ---- the hub's key: pinned in the configuration, or learnt at first
 * contact and kept (a different key later is refused) */

static int hub_key_check(vt_repl_link *l, const char *hub, const uint8_t *pk, size_t len)
{
	char kept_hub[VT_NODE_ID_MAX + 1], hex[65];
	uint8_t kept_pk[32];
	int error;
	if (len != 32)
		return vt_error_set(VT_EINVAL, "the hub sent no 32-byte key");
	vt_hex(hex, pk, 32);
	if (l->pinned && memcmp(l->pin, pk, 32) != 0)
		return vt_error_set(VT_ESIG, "hub %s presents key %.16s…, not the configured hub_public_key", hub, hex);
	error = vt_unit_meta_hubkey_get(l->node->store, l->node->node_id, kept_hub, kept_pk);
	if (error == 0 || error == VT_ECORRUPT) {
		if (error < 0 || strcmp(kept_hub, hub) != 0 || memcmp(kept_pk, pk, 32) != 0)
			return vt_error_set(VT_ESIG, "the hub now presents itself as %s with key %.16s…, not the hub and key "
				"this unit replicated to before", hub, hex);
		return 0;
	}
	if (error != VT_ENOTFOUND)
		return error;
	if ((error = vt_unit_meta_hubkey_put(l->node->store, l->node->node_id, hub, pk)) == 0)
		fprintf(stderr, "vanthud: replication: hub %s, key %s (kept; pin it with hub_public_key)\n", hub, hex);
	return error;
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
	int64_t t = link_now_ms();
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
	if (pthread_create(&l->rx, NULL, vt_link_rx_main, l) != 0)
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
	error = vt_link_send_up(l, &m);
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
		if ((error = vt_audit_check_cosigned(hh, w->head->cosig, NULL, l->node->pk, w->hub_key.data)) < 0)
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
		} else if ((error = vt_unit_meta_cosigned_put(l->node->store, l->node->node_id, w->head)) < 0) {
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
	l->progress_at = link_now_ms();
	l->progress_acked = w->size;
	if (ours) {
		Vanthu__V1__CoSignedHead *c = vt_link_cosigned_copy(w->head);
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

/* Records the exchange messages the hub delivered, in order. */
static int record_deliveries(vt_repl_link *l)
{
	for (;;) {
		Vanthu__V1__ReplDown *d = NULL;
		const Vanthu__V1__ReplDelivery *del;
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
		del = d->delivery;
		error = vt_exchange_receive(l->node->log, del->from, del->from_seq, del->message, &res);
		if (error == 0 && *res.document_id &&
		    del->message->kind_case == VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT)
			fprintf(stderr, "vanthud: received document %s from %s as %s\n", del->message->document_id, del->from,
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
	int64_t t = link_now_ms();
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
		if ((error = vt_link_send_audit(l)) < 0) {
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
			if ((error = vt_link_send_blob(l, sha)) < 0) {
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
			if ((error = vt_link_send_batch(l, sent, &end)) < 0) {
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
			if ((error = vt_link_send_up(l, &m)) < 0) {
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
	if (vt_unit_meta_cosigned_get(node->store, node->node_id, &l->cosigned) == 0 && l->cosigned->head &&
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
	u->last_contact = l->last_rx ? vt_clock_now(NULL) - (link_now_ms() - l->last_rx) * 1000 : 0;
	if (l->cosigned)
		u->head = vt_link_cosigned_copy(l->cosigned);
	pthread_mutex_unlock(&l->mu);
	vt_unit_meta_directory_get(l->node->store, l->node->node_id, &st->directory);
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
