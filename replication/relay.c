/* Relaying exchange messages between units. A sender's apply wrote each
 * message into its outbox (origin | 'X' | to | seq); the hub holds that in
 * the sender's replica. The receiver records a message with an
 * ExchangeReceived event, whose apply advances its cursor for the sender;
 * the hub reads that cursor from the receiver's replica, so a message is
 * delivered until the receiver has it, and recorded there once. */
#include "events.h"
#include "replication/relay.h"
#include "store/error.h"
#include "docs/exchange.h"
#include "accounts/enrolment.h"
#include "replication/repl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vt_relay_sent_free(vt_relay_sent *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static uint64_t *sent_slot(vt_relay_sent *s, const char *from)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].from, from) == 0)
			return &s->v[i].seq;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		void *p = realloc(s->v, cap * sizeof(*s->v));
		if (!p)
			return NULL;
		s->v = p;
		s->cap = cap;
	}
	snprintf(s->v[s->n].from, sizeof(s->v[s->n].from), "%s", from);
	s->v[s->n].seq = 0;
	return &s->v[s->n++].seq;
}

typedef struct relay {
	vt_store *store;
	const char *hub, *unit;
	vt_relay_sent *sent;
	vt_relay_send_fn send;
	void *ctx;
	uint64_t *delivered;
	int error;
} relay;

static int send_chunk(void *ctx, const Vanthu__V1__ReplBlob *b)
{
	relay *r = ctx;
	Vanthu__V1__ReplDown d = VANTHU__V1__REPL_DOWN__INIT;
	d.kind_case = VANTHU__V1__REPL_DOWN__KIND_BLOB;
	d.blob = (Vanthu__V1__ReplBlob *)b;
	return r->send(r->ctx, &d);
}

typedef struct to_unit {
	relay *r;
	const char *from;
	uint64_t *sent;
} to_unit;

/* One message for the unit: the files it names, then the delivery. */
static int deliver_one(void *ctx, uint64_t seq, const Vanthu__V1__ExchangeMessage *m)
{
	to_unit *t = ctx;
	relay *r = t->r;
	Vanthu__V1__ReplDown d = VANTHU__V1__REPL_DOWN__INIT;
	Vanthu__V1__ReplDelivery del = VANTHU__V1__REPL_DELIVERY__INIT;
	int error = 0;
	if (m->kind_case == VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT)
		for (size_t i = 0; i < m->document->n_attachments && error == 0; i++)
			if (m->document->attachments[i]->sha256.len == 32)
				error = vt_repl_blob_send(r->store, m->document->attachments[i]->sha256.data, send_chunk, r);
	if (error < 0)
		return error;
	del.from = (char *)t->from;
	del.from_seq = seq;
	del.message = (Vanthu__V1__ExchangeMessage *)m;
	d.kind_case = VANTHU__V1__REPL_DOWN__KIND_DELIVERY;
	d.delivery = &del;
	if ((error = r->send(r->ctx, &d)) < 0)
		return error;
	*t->sent = seq;
	(*r->delivered)++;
	return 0;
}

/* Messages from one sender to the unit. */
static int from_sender(relay *r, const char *from)
{
	uint64_t recorded = 0, *sent;
	to_unit t;
	int error;
	if (strcmp(from, r->unit) == 0)
		return 0;
	if ((error = vt_exchange_cursor(r->store, r->unit, from, &recorded)) < 0 && error != VT_ENOTFOUND)
		return error;
	if (!(sent = sent_slot(r->sent, from)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	t.r = r;
	t.from = from;
	t.sent = sent;
	return vt_exchange_outbox_each(r->store, from, r->unit, recorded > *sent ? recorded : *sent, deliver_one, &t);
}

static int each_unit(void *ctx, const Vanthu__V1__EnrolledUnit *u)
{
	relay *r = ctx;
	return r->error = from_sender(r, u->node_id);
}

int vt_relay_deliver(vt_store *store, const char *hub, const char *unit, vt_relay_sent *sent,
	vt_relay_send_fn send, void *ctx, uint64_t *delivered)
{
	relay r = { store, hub, unit, sent, send, ctx, delivered, 0 };
	int error;
	if ((error = from_sender(&r, hub)) < 0)
		return error;
	error = vt_enrolment_units(store, hub, each_unit, &r);
	return r.error < 0 ? r.error : error;
}

typedef struct local {
	vt_node *hub;
	const char *from;
	uint64_t *received;
	int error;
} local;

/* A message for the hub's own office, recorded in its log (the files came
 * with the sender's log: they are here already). */
static int record_one(void *ctx, uint64_t seq, const Vanthu__V1__ExchangeMessage *m)
{
	local *c = ctx;
	vt_apply_result res;
	int error;
	if ((error = vt_exchange_receive(c->hub->log, c->from, seq, m, &res)) == VT_EEXISTS)
		return 0;
	if (error == 0)
		(*c->received)++;
	return error;
}

static int local_from(void *ctx, const Vanthu__V1__EnrolledUnit *u)
{
	local *c = ctx;
	uint64_t after = 0;
	int error;
	if ((error = vt_exchange_cursor(c->hub->store, c->hub->node_id, u->node_id, &after)) < 0 && error != VT_ENOTFOUND)
		return c->error = error;
	c->from = u->node_id;
	error = vt_exchange_outbox_each(c->hub->store, u->node_id, c->hub->node_id, after, record_one, c);
	return error < 0 ? (c->error = error) : 0;
}

int vt_relay_local(vt_node *hub, uint64_t *received)
{
	local c = { hub, NULL, received, 0 };
	int error = vt_enrolment_units(hub->store, hub->node_id, local_from, &c);
	return c.error < 0 ? c.error : error;
}

/* ---- the node directory */

typedef struct dir_ctx {
	Vanthu__V1__NodePeer *peers;
	size_t n, cap;
	int error;
} dir_ctx;

static int dir_add(dir_ctx *c, const char *id, const char *name)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		void *p = realloc(c->peers, cap * sizeof(*c->peers));
		if (!p)
			return c->error = vt_error_set(VT_ENOMEM, "out of memory");
		c->peers = p;
		c->cap = cap;
	}
	vanthu__v1__node_peer__init(&c->peers[c->n]);
	if (!(c->peers[c->n].node_id = strdup(id)) || !(c->peers[c->n].name = strdup(name))) {
		free(c->peers[c->n].node_id);
		return c->error = vt_error_set(VT_ENOMEM, "out of memory");
	}
	c->n++;
	return 0;
}

static int dir_unit(void *ctx, const Vanthu__V1__EnrolledUnit *u)
{
	return u->refused ? 0 : dir_add(ctx, u->node_id, u->name);
}

int vt_relay_directory(vt_node *hub, uint8_t **buf, size_t *len)
{
	dir_ctx c = { NULL, 0, 0, 0 };
	Vanthu__V1__NodeDirectory d = VANTHU__V1__NODE_DIRECTORY__INIT;
	Vanthu__V1__NodeInitialized *self = NULL;
	Vanthu__V1__NodePeer **pp = NULL;
	int error;
	*buf = NULL;
	if ((error = vt_node_info_get(hub->store, hub->node_id, &self)) < 0)
		return error;
	error = dir_add(&c, hub->node_id, self->agency_name);
	vanthu__v1__node_initialized__free_unpacked(self, NULL);
	if (error == 0 && (error = vt_enrolment_units(hub->store, hub->node_id, dir_unit, &c)) == 0)
		error = c.error;
	if (error == 0 && !(pp = calloc(c.n, sizeof(*pp))))
		error = vt_error_set(VT_ENOMEM, "out of memory");
	if (error == 0) {
		for (size_t i = 0; i < c.n; i++)
			pp[i] = &c.peers[i];
		d.peers = pp;
		d.n_peers = c.n;
		*len = vanthu__v1__node_directory__get_packed_size(&d);
		if (!(*buf = malloc(*len ? *len : 1)))
			error = vt_error_set(VT_ENOMEM, "out of memory");
		else
			vanthu__v1__node_directory__pack(&d, *buf);
	}
	for (size_t i = 0; i < c.n; i++) {
		free(c.peers[i].node_id);
		free(c.peers[i].name);
	}
	free(c.peers);
	free(pp);
	return error;
}
