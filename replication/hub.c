/* The hub's side of replication: its lifecycle (the streams it serves,
 * the office thread that records what units send to the hub itself),
 * enrolment and reinstatement of units, and the status of every replica.
 * The stream with one unit is hub_stream.c; Fetch for restore, hub_fetch.c. */
#include "replication/hub_int.h"
#include "accounts/enrolment.h"
#include "events.h"
#include "replication/relay.h"
#include "store/error.h"
#include "store/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *office_main(void *arg)
{
	vt_repl_hub *h = arg;
	uint64_t seen = (uint64_t)-1;
	pthread_mutex_lock(&h->mu);
	while (!h->stopping) {
		uint64_t n = 0;
		int error;
		if (h->gen == seen) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&h->grew, &h->mu, &ts);
			continue;
		}
		seen = h->gen;
		pthread_mutex_unlock(&h->mu);
		if ((error = vt_relay_local(h->node, &n)) < 0)
			fprintf(stderr, "vanthud: recording a message for the hub's office: %s\n", vt_error_last());
		pthread_mutex_lock(&h->mu);
		h->received += n;
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

int vt_repl_hub_new(vt_repl_hub **out, vt_node *node)
{
	vt_repl_hub *h = calloc(1, sizeof(*h));
	if (!(*out = h))
		return vt_error_set(VT_ENOMEM, "out of memory");
	h->node = node;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->grew, NULL);
	if (pthread_create(&h->office, NULL, office_main, h) == 0)
		h->office_started = 1;
	return 0;
}

void vt_repl_hub_free(vt_repl_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->stopping = 1;
	pthread_cond_broadcast(&h->grew);
	pthread_mutex_unlock(&h->mu);
	if (h->office_started)
		pthread_join(h->office, NULL);
	while (h->units) {
		vt_hub_slot *u = h->units;
		h->units = u->next;
		vt_replica_free(u->rep);
		free(u);
	}
	pthread_cond_destroy(&h->grew);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

vt_hub_slot *vt_hub_slot_get(vt_repl_hub *h, const char *id)
{
	vt_hub_slot *u;
	for (u = h->units; u; u = u->next)
		if (strcmp(u->id, id) == 0)
			return u;
	if (!(u = calloc(1, sizeof(*u))))
		return NULL;
	snprintf(u->id, sizeof(u->id), "%s", id);
	u->next = h->units;
	h->units = u;
	return u;
}

void vt_hub_grew(vt_repl_hub *h)
{
	pthread_mutex_lock(&h->mu);
	h->gen++;
	pthread_cond_broadcast(&h->grew);
	pthread_mutex_unlock(&h->mu);
}

/* ---- enrolment */

int vt_repl_enroll(vt_node *hub, const char *actor, const char *node_id, const uint8_t pk[32], const char *name,
	const char *reason, vt_apply_result *res)
{
	Vanthu__V1__NodeInitialized *self = NULL;
	int error;
	if ((error = vt_node_info_get(hub->store, hub->node_id, &self)) < 0)
		return error;
	error = strcmp(self->role, "hub") == 0 ? 0 :
		vt_error_set(VT_EINVAL, "%s is a %s node: units are enrolled at their hub", hub->node_id, self->role);
	vanthu__v1__node_initialized__free_unpacked(self, NULL);
	if (error < 0)
		return error;
	return vt_enrolment_enroll(hub->log, actor, node_id, pk, name, reason, res);
}

int vt_repl_reinstate(vt_node *hub, const char *actor, const char *node_id, const char *reason,
	vt_apply_result *res)
{
	return vt_enrolment_reinstate(hub->log, actor, node_id, reason, res);
}

int vt_repl_hub_register(vt_repl_hub *h, vt_rpc_server *server)
{
	vt_rpc_method st = { 0 }, fe = { 0 };
	int error;
	st.path = VT_REPL_STREAM;
	st.kind = VT_RPC_BIDI;
	st.handler = vt_hub_stream_handler;
	st.ctx = h;
	st.max_request = VT_REPL_MAX_MSG;
	st.stall_ms = VT_REPL_DEAD_MS; /* the unit pings an idle stream */
	fe.path = VT_REPL_FETCH;
	fe.kind = VT_RPC_SERVER_STREAM;
	fe.handler = vt_hub_fetch_handler;
	fe.ctx = h;
	fe.max_request = 4096;
	if ((error = vt_rpc_server_add(server, &st)) < 0 || (error = vt_rpc_server_add(server, &fe)) < 0)
		return error;
	return 0;
}

/* ---- status */

typedef struct status_ctx {
	vt_repl_hub *h;
	Vanthu__V1__ReplStatus *st;
	size_t cap, acap;
	int error;
} status_ctx;

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static int status_unit(void *ctx, const Vanthu__V1__EnrolledUnit *u)
{
	status_ctx *c = ctx;
	Vanthu__V1__ReplUnitState *us;
	Vanthu__V1__CoSignedHead *head = NULL;
	vt_hub_slot *slot;
	uint64_t size = 0;
	if (c->st->n_units == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		void *p = realloc(c->st->units, cap * sizeof(*c->st->units));
		if (!p)
			return c->error = vt_error_set(VT_ENOMEM, "out of memory");
		c->st->units = p;
		c->cap = cap;
	}
	if (!(us = malloc(sizeof(*us))))
		return c->error = vt_error_set(VT_ENOMEM, "out of memory");
	vanthu__v1__repl_unit_state__init(us);
	c->st->units[c->st->n_units++] = us;
	us->node_id = dup_or_empty(u->node_id);
	us->name = dup_or_empty(u->name);
	vt_log_stored_size(c->h->node->store, u->node_id, &size);
	us->size = size;
	us->acked = size;
	us->refused = u->refused;
	us->alarms = u->alarms;
	if (vt_replica_head_get(c->h->node->store, u->node_id, &head) == 0)
		us->head = head;
	pthread_mutex_lock(&c->h->mu);
	for (slot = c->h->units; slot && strcmp(slot->id, u->node_id) != 0; slot = slot->next)
		;
	us->state = strdup(u->refused ? "refused" : slot && slot->busy ? "streaming" : size ? "idle" : "never");
	if (slot) {
		us->last_contact = slot->last_contact;
		us->last_error = strdup(u->refused ? u->refused_reason : slot->last_error);
		us->lag_entries = slot->unit_size > size ? slot->unit_size - size : 0;
		us->delivered = slot->delivered;
	} else {
		us->last_error = dup_or_empty(u->refused ? u->refused_reason : "");
	}
	pthread_mutex_unlock(&c->h->mu);
	return (!us->state || !us->last_error) ? (c->error = vt_error_set(VT_ENOMEM, "out of memory")) : 0;
}

static int status_alarm(void *ctx, const Vanthu__V1__ReplAlarm *a)
{
	status_ctx *c = ctx;
	size_t n = vanthu__v1__repl_alarm__get_packed_size(a);
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return c->error = vt_error_set(VT_ENOMEM, "out of memory");
	if (c->st->n_alarms == c->acap) {
		size_t cap = c->acap ? c->acap * 2 : 16;
		void *p = realloc(c->st->alarms, cap * sizeof(*c->st->alarms));
		if (!p) {
			free(buf);
			return c->error = vt_error_set(VT_ENOMEM, "out of memory");
		}
		c->st->alarms = p;
		c->acap = cap;
	}
	vanthu__v1__repl_alarm__pack(a, buf);
	c->st->alarms[c->st->n_alarms] = vanthu__v1__repl_alarm__unpack(NULL, n, buf);
	free(buf);
	if (!c->st->alarms[c->st->n_alarms])
		return c->error = vt_error_set(VT_ENOMEM, "out of memory");
	c->st->n_alarms++;
	return 0;
}

void vt_repl_status_free(Vanthu__V1__ReplStatus *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_units; i++) {
		Vanthu__V1__ReplUnitState *u = st->units[i];
		free(u->node_id);
		free(u->name);
		free(u->state);
		free(u->last_error);
		if (u->head)
			vanthu__v1__co_signed_head__free_unpacked(u->head, NULL);
		free(u);
	}
	for (size_t i = 0; i < st->n_alarms; i++)
		vanthu__v1__repl_alarm__free_unpacked(st->alarms[i], NULL);
	free(st->units);
	free(st->alarms);
	if (st->directory)
		vanthu__v1__node_directory__free_unpacked(st->directory, NULL);
	free(st->node_id);
	free(st->role);
	free(st->hub);
	free(st);
}

int vt_repl_hub_status(vt_repl_hub *h, Vanthu__V1__ReplStatus **out)
{
	status_ctx c = { h, NULL, 0, 0, 0 };
	int error;
	*out = NULL;
	if (!(c.st = malloc(sizeof(*c.st))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	vanthu__v1__repl_status__init(c.st);
	c.st->node_id = strdup(h->node->node_id);
	c.st->role = strdup("hub");
	c.st->hub = strdup(h->node->node_id);
	if ((error = vt_enrolment_units(h->node->store, h->node->node_id, status_unit, &c)) >= 0 && !c.error)
		error = vt_enrolment_alarms(h->node->store, h->node->node_id, status_alarm, &c);
	if (c.error)
		error = c.error;
	if (error < 0 || !c.st->node_id || !c.st->role || !c.st->hub) {
		vt_repl_status_free(c.st);
		return error < 0 ? error : vt_error_set(VT_ENOMEM, "out of memory");
	}
	*out = c.st;
	return 0;
}
