/* The hub's stream with one unit, over mutual TLS: the unit's certificate
 * names its node id; only enrolled, unrefused units are admitted, one
 * stream each. Batches are verified and applied by the replica (replica.c)
 * once the blobs they refer to are here (the hub asks for those it lacks);
 * each is acknowledged with the hub's co-signature of the unit's head only
 * once durable. At each handshake the hub spot-checks entries it holds
 * against the unit's disk. A divergent history is refused and recorded as
 * an alarm (UnitRefused) in the hub's own log. Beside the receiver, a
 * deliverer sends the unit its exchange messages and the node directory. */
#include "replication/hub_int.h"
#include "accounts/enrolment.h"
#include "events.h"
#include "replication/relay.h"
#include "store/error.h"
#include "store/log.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An alarm in the hub's log; the unit stays refused until reinstated. */
static void refuse(vt_repl_hub *h, const char *id, const char *why, uint64_t size, uint64_t verified)
{
	Vanthu__V1__UnitRefused r = VANTHU__V1__UNIT_REFUSED__INIT;
	char reason[512];
	snprintf(reason, sizeof(reason), "%s", why);
	r.node_id = (char *)id;
	r.reason = reason;
	r.size = size;
	r.verified_size = verified;
	if (vt_enrolment_refuse(h->node->log, &r) < 0)
		fprintf(stderr, "vanthud: could not record the refusal of %s: %s\n", id, vt_error_last());
	fprintf(stderr, "vanthud: ALARM: unit %s refused: %s\n", id, reason);
	vt_error_set(VT_EPERM, "the hub refused %s: %s", id, reason);
}

/* ---- one stream */

typedef struct session {
	vt_repl_hub *h;
	vt_rpc_call *call;
	vt_hub_slot *slot;
	const char *id;
	pthread_mutex_t send_mu;
	/* batches waiting for their blobs, in order */
	struct queued {
		Vanthu__V1__ReplUp *m;
		Vanthu__V1__LogEntry **entries; /* decoded once, for the blobs and the replica */
		uint64_t need;                  /* asked_total when the batch came */
	} *q;
	size_t qn, qcap;
	/* blobs asked for and not yet received */
	uint8_t (*asked)[32];
	size_t nasked, capasked;
	uint64_t asked_total, got_total;
	vt_repl_blob_in blob; /* the blob being received */
	/* the spot check of entries the hub holds */
	uint64_t audit[VT_REPL_AUDIT];
	size_t naudit;
	/* exchange */
	pthread_t deliverer;
	int deliverer_started, done;
	vt_relay_sent sent;
} session;

static int send_down(void *payload, const Vanthu__V1__ReplDown *m)
{
	session *s = payload;
	uint8_t stack[4096], *buf = stack;
	size_t n = vanthu__v1__repl_down__get_packed_size(m);
	int error;
	if (n > sizeof(stack) && !(buf = malloc(n)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	vanthu__v1__repl_down__pack(m, buf);
	pthread_mutex_lock(&s->send_mu);
	error = vt_rpc_call_send(s->call, buf, n);
	pthread_mutex_unlock(&s->send_mu);
	if (buf != stack)
		free(buf);
	return error;
}

typedef struct need_ctx {
	session *s;
	size_t n;     /* blobs added to s->asked by this batch (its tail) */
	int error;
} need_ctx;

/* A blob an entry refers to: asked for unless stored or asked already. */
static void need_blob(void *ctx, const uint8_t sha[32], uint64_t size)
{
	need_ctx *c = ctx;
	session *s = c->s;
	int has;
	(void)size;
	if (c->error)
		return;
	for (size_t i = 0; i < s->nasked; i++)
		if (memcmp(s->asked[i], sha, 32) == 0)
			return;
	if ((has = vt_store_blob_has(s->h->node->store, sha)) != 0) {
		if (has < 0)
			c->error = has;
		return;
	}
	if (s->nasked == s->capasked) {
		size_t cap = s->capasked ? s->capasked * 2 : 64;
		void *p = realloc(s->asked, cap * sizeof(*s->asked));
		if (!p) {
			c->error = vt_error_set(VT_ENOMEM, "out of memory");
			return;
		}
		s->asked = p;
		s->capasked = cap;
	}
	memcpy(s->asked[s->nasked++], sha, 32);
	s->asked_total++;
	c->n++;
}

static void queued_free(struct queued *q)
{
	for (size_t i = 0; q->entries && i < q->m->batch->n_entries; i++)
		if (q->entries[i])
			vanthu__v1__log_entry__free_unpacked(q->entries[i], NULL);
	free(q->entries);
	vanthu__v1__repl_up__free_unpacked(q->m, NULL);
}

/* A batch arrived: ask for the blobs its entries refer to that the hub
 * lacks, and queue it (with its entries decoded, for the replica too).
 * Takes m, whatever happens. */
static int batch_arrived(session *s, Vanthu__V1__ReplUp *m)
{
	const Vanthu__V1__ReplBatch *b = m->batch;
	need_ctx c = { s, 0, 0 };
	struct queued q = { m, NULL, 0 };
	int error = 0;
	if (s->qn == s->qcap) {
		size_t cap = s->qcap ? s->qcap * 2 : 16;
		void *p = realloc(s->q, cap * sizeof(*s->q));
		if (!p) {
			vanthu__v1__repl_up__free_unpacked(m, NULL);
			return vt_error_set(VT_ENOMEM, "out of memory");
		}
		s->q = p;
		s->qcap = cap;
	}
	if (!(q.entries = calloc(b->n_entries ? b->n_entries : 1, sizeof(*q.entries)))) {
		vanthu__v1__repl_up__free_unpacked(m, NULL);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < b->n_entries && !c.error; i++)
		/* an entry that does not decode: the replica names it */
		if ((q.entries[i] = vanthu__v1__log_entry__unpack(NULL, b->entries[i].len, b->entries[i].data)))
			vt_event_blobs(q.entries[i], need_blob, &c);
	q.need = s->asked_total;
	s->q[s->qn++] = q; /* owned by the queue from here */
	if (c.error)
		return c.error;
	if (c.n) {
		Vanthu__V1__ReplDown d = VANTHU__V1__REPL_DOWN__INIT;
		Vanthu__V1__ReplNeed need = VANTHU__V1__REPL_NEED__INIT;
		ProtobufCBinaryData *list = calloc(c.n, sizeof(*list));
		if (!list)
			return vt_error_set(VT_ENOMEM, "out of memory");
		for (size_t i = 0; i < c.n; i++) {
			list[i].data = s->asked[s->nasked - c.n + i];
			list[i].len = 32;
		}
		need.sha256 = list;
		need.n_sha256 = c.n;
		d.kind_case = VANTHU__V1__REPL_DOWN__KIND_NEED;
		d.need = &need;
		error = send_down(s, &d);
		free(list);
	}
	return error;
}

static int blob_arrived(session *s, const Vanthu__V1__ReplBlob *b)
{
	int done, error;
	if ((error = vt_repl_blob_in_add(&s->blob, s->h->node->store, b, &done)) < 0 || !done)
		return error;
	for (size_t i = 0; i < s->nasked; i++)
		if (memcmp(s->asked[i], s->blob.sha, 32) == 0) {
			memmove(s->asked[i], s->asked[i + 1], (s->nasked - i - 1) * 32);
			s->nasked--;
			s->got_total++;
			break;
		}
	return 0;
}

/* Verifies and applies queued batches whose blobs are all here. */
static int flush(session *s)
{
	vt_node *node = s->h->node;
	while (s->qn && s->got_total >= s->q[0].need) {
		Vanthu__V1__ReplBatch *b = s->q[0].m->batch;
		Vanthu__V1__CoSignature cosig;
		uint8_t cosig_buf[72];
		const uint8_t **raw = calloc(b->n_entries ? b->n_entries : 1, sizeof(*raw));
		size_t *len = calloc(b->n_entries ? b->n_entries : 1, sizeof(*len));
		uint64_t had = vt_replica_size(s->slot->rep);
		int error;
		if (!raw || !len) {
			free(raw);
			free(len);
			return vt_error_set(VT_ENOMEM, "out of memory");
		}
		for (size_t i = 0; i < b->n_entries; i++) {
			raw[i] = b->entries[i].data;
			len[i] = b->entries[i].len;
		}
		error = vt_replica_push_ex(s->slot->rep, b->from, raw, len, s->q[0].entries, b->n_entries, b->head,
			node->node_id, node->sk, &cosig, cosig_buf);
		free(raw);
		free(len);
		if (error == VT_ECORRUPT || error == VT_ESIG) {
			char why[400];
			snprintf(why, sizeof(why), "%s", vt_error_last());
			refuse(s->h, s->id, why, b->head ? b->head->size : 0, vt_replica_size(s->slot->rep));
			return VT_EPERM;
		}
		if (error < 0)
			return error;
		{
			Vanthu__V1__ReplDown d = VANTHU__V1__REPL_DOWN__INIT;
			Vanthu__V1__ReplAck ack = VANTHU__V1__REPL_ACK__INIT;
			Vanthu__V1__CoSignedHead ch = VANTHU__V1__CO_SIGNED_HEAD__INIT;
			ch.head = b->head;
			ch.cosig = &cosig;
			ack.size = b->from + b->n_entries;
			ack.head = &ch;
			d.kind_case = VANTHU__V1__REPL_DOWN__KIND_ACK;
			d.ack = &ack;
			if ((error = send_down(s, &d)) < 0)
				return error;
		}
		queued_free(&s->q[0]);
		memmove(s->q, s->q + 1, (s->qn - 1) * sizeof(*s->q));
		s->qn--;
		if (vt_replica_size(s->slot->rep) > had)
			vt_hub_grew(s->h);
	}
	return 0;
}

/* Asks the unit for a sample of the entries the hub verified: the first,
 * the last, and random ones between. */
static int audit_ask(session *s, uint64_t verified)
{
	Vanthu__V1__ReplDown d = VANTHU__V1__REPL_DOWN__INIT;
	Vanthu__V1__ReplAudit a = VANTHU__V1__REPL_AUDIT__INIT;
	if (!verified)
		return 0;
	s->naudit = 0;
	s->audit[s->naudit++] = 0;
	if (verified > 1)
		s->audit[s->naudit++] = verified - 1;
	while (s->naudit < VT_REPL_AUDIT && s->naudit < verified)
		s->audit[s->naudit++] = 1 + randombytes_uniform((uint32_t)(verified - 1 > UINT32_MAX ? UINT32_MAX :
			verified - 1));
	a.seqs = s->audit;
	a.n_seqs = s->naudit;
	d.kind_case = VANTHU__V1__REPL_DOWN__KIND_AUDIT;
	d.audit = &a;
	return send_down(s, &d);
}

/* The unit's copies of the sampled entries must be the hub's, byte for byte. */
static int audit_check(session *s, const Vanthu__V1__ReplAuditReply *r)
{
	if (!s->naudit)
		return vt_error_set(VT_EINVAL, "an audit reply nobody asked for");
	for (size_t i = 0; i < s->naudit; i++) {
		uint64_t seq = s->audit[i];
		char *mine = NULL, why[200];
		size_t ml;
		const Vanthu__V1__RawEntry *theirs = NULL;
		int error, same;
		for (size_t j = 0; j < r->n_entries && !theirs; j++)
			if (r->entries[j]->seq == seq)
				theirs = r->entries[j];
		if ((error = vt_log_entry_raw(s->h->node->store, s->id, seq, &mine, &ml)) < 0)
			return error;
		same = theirs && theirs->entry.len == ml && memcmp(theirs->entry.data, mine, ml) == 0;
		free(mine);
		if (!same) {
			snprintf(why, sizeof(why), "entry %" PRIu64 " on its disk is %s the one the hub verified (edited "
				"data directory)", seq, theirs ? "not" : "missing, unlike");
			refuse(s->h, s->id, why, s->slot->unit_size, vt_replica_size(s->slot->rep));
			return VT_EPERM;
		}
	}
	s->naudit = 0;
	return 0;
}

/* The first message: who the unit says it is, checked against its
 * certificate, its enrolment and what the hub verified before. */
static int handshake(session *s, const char *cert_id, Vanthu__V1__EnrolledUnit **unit)
{
	vt_repl_hub *h = s->h;
	Vanthu__V1__ReplUp *m = NULL;
	Vanthu__V1__CoSignedHead *verified = NULL;
	vt_rpc_buf buf = { 0 };
	int error;
	*unit = NULL;
	if ((error = vt_rpc_call_recv(s->call, &buf)) <= 0)
		return error < 0 ? error : vt_error_set(VT_EINVAL, "the stream ended before the unit said hello");
	m = vanthu__v1__repl_up__unpack(NULL, buf.len, buf.data);
	vt_rpc_buf_dispose(&buf);
	if (!m || m->kind_case != VANTHU__V1__REPL_UP__KIND_HELLO) {
		error = vt_error_set(VT_EINVAL, "the first replication message must be a hello");
		goto out;
	}
	if (strcmp(m->hello->node_id, cert_id) != 0) {
		error = vt_error_set(VT_EPERM, "the client certificate names %s but the unit says it is %s", cert_id,
			m->hello->node_id);
		goto out;
	}
	if ((error = vt_enrolment_unit_get(h->node->store, h->node->node_id, cert_id, unit)) < 0) {
		if (error == VT_ENOTFOUND)
			error = vt_error_set(VT_EPERM, "%s is not enrolled at hub %s (an administrator enrols it: "
				"vanthu hub enroll)", cert_id, h->node->node_id);
		goto out;
	}
	if ((*unit)->refused) {
		error = vt_error_set(VT_EPERM, "%s is refused by hub %s: %s (after investigation an administrator "
			"may reinstate it: vanthu hub reinstate)", cert_id, h->node->node_id, (*unit)->refused_reason);
		goto out;
	}
	pthread_mutex_lock(&h->mu);
	if (!(s->slot = vt_hub_slot_get(h, cert_id)))
		error = vt_error_set(VT_ENOMEM, "out of memory");
	else if (s->slot->busy)
		error = vt_error_set(VT_EBUSY, "%s already has a replication stream open", cert_id);
	else
		s->slot->busy = 1;
	pthread_mutex_unlock(&h->mu);
	if (error < 0) {
		s->slot = NULL;
		goto out;
	}
	s->id = s->slot->id;
	if (!s->slot->rep &&
	    (error = vt_replica_open(&s->slot->rep, h->node->store, cert_id, (*unit)->public_key.data)) < 0)
		goto out;
	s->slot->unit_size = m->hello->size;
	/* the unit's own word on its log, against what the hub verified */
	if (vt_replica_head(s->slot->rep, &verified) == 0) {
		const Vanthu__V1__TreeHead *vh = verified->head, *uh = m->hello->head;
		if (m->hello->size < vh->size) {
			char why[200];
			snprintf(why, sizeof(why), "its log has %" PRIu64 " entries but the hub verified %" PRIu64
				" (truncated log)", m->hello->size, vh->size);
			refuse(h, cert_id, why, m->hello->size, vh->size);
			error = VT_EPERM;
			goto out;
		}
		if (uh && uh->size == vh->size &&
		    (uh->root.len != vh->root.len || memcmp(uh->root.data, vh->root.data, vh->root.len) != 0)) {
			char why[200];
			snprintf(why, sizeof(why), "its head at size %" PRIu64 " has another root than the one the hub "
				"verified (rewritten history)", uh->size);
			refuse(h, cert_id, why, uh->size, vh->size);
			error = VT_EPERM;
			goto out;
		}
	}
	{
		Vanthu__V1__ReplDown d = VANTHU__V1__REPL_DOWN__INIT;
		Vanthu__V1__ReplWelcome w = VANTHU__V1__REPL_WELCOME__INIT;
		w.hub = h->node->node_id;
		w.hub_key.data = h->node->pk;
		w.hub_key.len = 32;
		w.size = vt_replica_size(s->slot->rep);
		w.head = verified;
		d.kind_case = VANTHU__V1__REPL_DOWN__KIND_WELCOME;
		d.welcome = &w;
		if ((error = send_down(s, &d)) < 0)
			goto out;
	}
	error = audit_ask(s, verified ? verified->head->size : 0);
out:
	if (verified)
		vanthu__v1__co_signed_head__free_unpacked(verified, NULL);
	if (m)
		vanthu__v1__repl_up__free_unpacked(m, NULL);
	return error;
}

/* Sends the directory when it differs from what this stream last sent. */
static int directory_send(session *s, uint8_t **last, size_t *last_len)
{
	Vanthu__V1__ReplDown d = VANTHU__V1__REPL_DOWN__INIT;
	uint8_t *buf = NULL;
	size_t len = 0;
	int error;
	if ((error = vt_relay_directory(s->h->node, &buf, &len)) < 0)
		return error;
	if (*last && *last_len == len && memcmp(*last, buf, len) == 0) {
		free(buf);
		return 0;
	}
	if (!(d.directory = vanthu__v1__node_directory__unpack(NULL, len, buf))) {
		free(buf);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	d.directory->time = vt_clock_now(NULL);
	d.kind_case = VANTHU__V1__REPL_DOWN__KIND_DIRECTORY;
	error = send_down(s, &d);
	vanthu__v1__node_directory__free_unpacked(d.directory, NULL);
	free(*last);
	*last = buf;
	*last_len = len;
	return error;
}

/* Sends exchange messages waiting for this unit; runs beside the receiver. */
static void *deliverer_main(void *arg)
{
	session *s = arg;
	vt_repl_hub *h = s->h;
	uint64_t seen = (uint64_t)-1;
	uint8_t *dir = NULL;
	size_t dir_len = 0;
	for (;;) {
		int error;
		pthread_mutex_lock(&h->mu);
		while (!s->done && !h->stopping && h->gen == seen) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			if (pthread_cond_timedwait(&h->grew, &h->mu, &ts) != 0)
				break; /* every second anyway: the unit's own replica may have moved */
		}
		seen = h->gen;
		if (s->done || h->stopping) {
			pthread_mutex_unlock(&h->mu);
			break;
		}
		pthread_mutex_unlock(&h->mu);
		error = vt_relay_deliver(h->node->store, h->node->node_id, s->id, &s->sent,
			send_down, s, &s->slot->delivered);
		if (error == 0)
			error = directory_send(s, &dir, &dir_len);
		if (error < 0)
			break; /* the receiving side sees the stream end */
	}
	free(dir);
	return NULL;
}

int vt_hub_stream_handler(vt_rpc_call *call, void *payload)
{
	session s = { 0 };
	Vanthu__V1__EnrolledUnit *unit = NULL;
	char cert_id[VT_NODE_ID_MAX + 1];
	int error;
	s.h = payload;
	s.call = call;
	pthread_mutex_init(&s.send_mu, NULL);
	if ((error = vt_rpc_call_peer_identity(call, cert_id, sizeof(cert_id))) < 0) {
		error = vt_error_set(VT_EAUTH, "replication needs the unit's client certificate (mutual TLS)");
		goto out;
	}
	if ((error = handshake(&s, cert_id, &unit)) < 0)
		goto out;
	if (pthread_create(&s.deliverer, NULL, deliverer_main, &s) == 0)
		s.deliverer_started = 1;
	for (;;) {
		vt_rpc_buf buf = { 0 };
		Vanthu__V1__ReplUp *m;
		int r = vt_rpc_call_recv(call, &buf);
		if (r == 0 || r == VT_ERROR) {
			/* the unit closed or went away (it reconnects): not a failure here */
			vt_error_set(VT_ERROR, "the unit disconnected");
			error = 0;
			break;
		}
		if (r < 0) {
			error = r;
			break;
		}
		m = vanthu__v1__repl_up__unpack(NULL, buf.len, buf.data);
		vt_rpc_buf_dispose(&buf);
		if (!m) {
			error = vt_error_set(VT_EINVAL, "a replication message does not decode");
			break;
		}
		pthread_mutex_lock(&s.h->mu);
		s.slot->last_contact = vt_clock_now(NULL);
		if (m->kind_case == VANTHU__V1__REPL_UP__KIND_BATCH && m->batch->head)
			s.slot->unit_size = m->batch->head->size;
		pthread_mutex_unlock(&s.h->mu);
		switch (m->kind_case) {
		case VANTHU__V1__REPL_UP__KIND_BATCH:
			if (!m->batch->head) {
				error = vt_error_set(VT_EINVAL, "a batch without its signed head");
				break;
			}
			error = batch_arrived(&s, m);
			m = NULL; /* the queue's now */
			if (error == 0)
				error = flush(&s);
			break;
		case VANTHU__V1__REPL_UP__KIND_BLOB:
			if ((error = blob_arrived(&s, m->blob)) == 0)
				error = flush(&s);
			break;
		case VANTHU__V1__REPL_UP__KIND_AUDIT:
			error = audit_check(&s, m->audit);
			break;
		case VANTHU__V1__REPL_UP__KIND_PING: {
			Vanthu__V1__ReplDown d = VANTHU__V1__REPL_DOWN__INIT;
			d.kind_case = VANTHU__V1__REPL_DOWN__KIND_PONG;
			d.pong = 1;
			error = send_down(&s, &d);
			break;
		}
		default:
			error = vt_error_set(VT_EINVAL, "unexpected replication message (kind %d)", (int)m->kind_case);
		}
		if (m)
			vanthu__v1__repl_up__free_unpacked(m, NULL);
		if (error < 0)
			break;
	}
out:
	if (s.deliverer_started) {
		pthread_mutex_lock(&s.h->mu);
		s.done = 1;
		pthread_cond_broadcast(&s.h->grew);
		pthread_mutex_unlock(&s.h->mu);
		pthread_join(s.deliverer, NULL);
	}
	if (s.slot) {
		pthread_mutex_lock(&s.h->mu);
		s.slot->busy = 0;
		snprintf(s.slot->last_error, sizeof(s.slot->last_error), "%s", vt_error_last());
		pthread_mutex_unlock(&s.h->mu);
	}
	for (size_t i = 0; i < s.qn; i++)
		queued_free(&s.q[i]);
	free(s.q);
	free(s.asked);
	vt_repl_blob_in_dispose(&s.blob);
	vt_relay_sent_free(&s.sent);
	if (unit)
		vanthu__v1__enrolled_unit__free_unpacked(unit, NULL);
	pthread_mutex_destroy(&s.send_mu);
	return error;
}
