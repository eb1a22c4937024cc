/* Exchange between nodes: outbox records written by the sender's apply,
 * and the receiver's record of each delivered message (in order per
 * sender, each exactly once). */
#include "docs/exchange.h"
#include "store/keyspace.h"
#include "docs/doc.h"
#include "store/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *vt_exchange_status_name(const char *code)
{
	static const char *const names[][2] = { { "01", "đã đến" }, { "02", "từ chối" }, { "03", "đã tiếp nhận" },
		{ "04", "phân công" }, { "05", "đang xử lý" }, { "06", "hoàn thành" }, { "13", "yêu cầu lấy lại" },
		{ "15", "lấy lại thành công" }, { "16", "từ chối lấy lại" } };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(code, names[i][0]) == 0)
			return names[i][1];
	return "";
}

static void outbox_prefix(vt_key *k, const char *origin, const char *to)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_IDX_OUTBOX);
	vt_key_str(k, to);
}

int vt_exchange_outbox_each(vt_store *store, const char *from, const char *to, uint64_t after,
	vt_exchange_msg_fn fn, void *payload)
{
	vt_iter *it = NULL;
	vt_key k, seek;
	int error;
	outbox_prefix(&k, from, to);
	if ((error = vt_key_check(&k)) < 0 || (error = vt_iter_new(&it, store, VT_CF_INDEX, k.buf, k.len)) < 0)
		return error;
	seek = k;
	vt_key_u64(&seek, after + 1);
	for (vt_iter_seek(it, seek.buf, seek.len); vt_iter_valid(it); vt_iter_next(it)) {
		size_t kl, vl;
		const char *key = vt_iter_key(it, &kl), *val = vt_iter_value(it, &vl);
		Vanthu__V1__ExchangeMessage *m = vanthu__v1__exchange_message__unpack(NULL, vl, (const uint8_t *)val);
		if (!m) {
			error = vt_error_set(VT_ECORRUPT, "an outbox message of %s for %s does not decode", from, to);
			break;
		}
		error = fn(payload, vt_be64_get(key + kl - 8), m);
		vanthu__v1__exchange_message__free_unpacked(m, NULL);
		if (error)
			break;
	}
	if (error == 0)
		error = vt_iter_status(it);
	vt_iter_free(it);
	return error;
}

int vt_exchange_send(vt_apply_ctx *ctx, uint64_t seq, const char *to, const Vanthu__V1__ExchangeMessage *m)
{
	vt_key k;
	if (!vt_node_id_ok(to))
		return vt_error_set(VT_EINVAL, "'%s' is not a node id", to);
	if (strcmp(to, ctx->origin) == 0)
		return vt_error_set(VT_EINVAL, "a node does not send documents to itself through the hub (%s)", to);
	outbox_prefix(&k, ctx->origin, to);
	vt_key_u64(&k, seq);
	return vt_apply_put(ctx, VT_CF_INDEX, &k, &m->base);
}

int vt_exchange_status(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, const Vanthu__V1__Document *doc,
	const char *code, const char *text)
{
	Vanthu__V1__ExchangeMessage m = VANTHU__V1__EXCHANGE_MESSAGE__INIT;
	Vanthu__V1__ExchangeStatus st = VANTHU__V1__EXCHANGE_STATUS__INIT;
	if (!doc->exchange_from || !*doc->exchange_from)
		return 0;
	st.node = (char *)ctx->origin;
	st.code = (char *)code;
	st.text = (char *)(text ? text : "");
	st.time = e->time;
	m.to = doc->exchange_from;
	m.document_id = doc->exchange_source;
	m.kind_case = VANTHU__V1__EXCHANGE_MESSAGE__KIND_STATUS;
	m.status = &st;
	return vt_exchange_send(ctx, e->seq, doc->exchange_from, &m);
}

static void inbox_key(vt_key *k, const char *origin, const char *from)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_IDX_INBOX);
	vt_key_str(k, from);
}

static void xmap_key(vt_key *k, const char *origin, const char *from, const char *source)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_IDX_XMAP);
	vt_key_str(k, from);
	vt_key_str(k, source);
}

int vt_exchange_cursor(vt_store *store, const char *origin, const char *from, uint64_t *last)
{
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	*last = 0;
	inbox_key(&k, origin, from);
	if ((error = vt_key_check(&k)) < 0 || (error = vt_store_get(store, VT_CF_INDEX, k.buf, k.len, &v, &n)) < 0)
		return error;
	if (n == 8)
		*last = vt_be64_get(v);
	free(v);
	return n == 8 ? 0 : vt_error_set(VT_ECORRUPT, "the exchange cursor of %s for %s is malformed", origin, from);
}

/* The receiver's copy of a sent document, in state received. */
static int receive_document(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, const Vanthu__V1__ExchangeReceived *r,
	vt_apply_result *res)
{
	Vanthu__V1__ExchangeMessage *m = r->message;
	Vanthu__V1__DocumentMeta meta = *m->document;
	Vanthu__V1__Document *doc = NULL;
	vt_key k;
	int error;
	meta.direction = VANTHU__V1__DIRECTION__INCOMING;
	if (!*meta.issuing_agency)
		meta.issuing_agency = *m->sender_name ? m->sender_name : r->from;
	if (!*m->document_id)
		return vt_error_set(VT_EINVAL, "a document from %s without its id at the sender", r->from);
	/* incoming, where the workflow starts (vt_workflow_initial) */
	if ((error = vt_doc_create(ctx, e, &meta, VANTHU__V1__WORKFLOW_STATE__IN_RECEIVED, r->from, m->document_id,
		     res)) < 0)
		return error;
	xmap_key(&k, ctx->origin, r->from, m->document_id);
	if ((error = vt_key_check(&k)) < 0)
		return error;
	vt_batch_put(ctx->batch, VT_CF_INDEX, k.buf, k.len, res->document_id, strlen(res->document_id));
	if ((error = vt_doc_load(ctx, res->document_id, &doc)) < 0)
		return error;
	error = vt_exchange_status(ctx, e, doc, VT_XS_ARRIVED, "");
	vanthu__v1__document__free_unpacked(doc, NULL);
	return error;
}

/* The local copy of the sender's document, if this node received it. */
static int local_copy(vt_apply_ctx *ctx, const char *from, const char *source, Vanthu__V1__Document **doc)
{
	vt_key k;
	char *v = NULL, id[VT_ID_MAX];
	size_t n;
	int error;
	*doc = NULL;
	xmap_key(&k, ctx->origin, from, source);
	if ((error = vt_key_check(&k)) < 0 || (error = vt_batch_get(ctx->batch, VT_CF_INDEX, k.buf, k.len, &v, &n)) < 0)
		return error;
	snprintf(id, sizeof(id), "%.*s", (int)n, v);
	free(v);
	return vt_doc_load(ctx, id, doc);
}

static int receive_recall(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, const Vanthu__V1__ExchangeReceived *r,
	vt_apply_result *res)
{
	Vanthu__V1__Document *doc = NULL, upd;
	int error = local_copy(ctx, r->from, r->message->document_id, &doc);
	if (error == VT_ENOTFOUND)
		return 0; /* never received (or rejected before it arrived): nothing to recall */
	if (error < 0)
		return error;
	upd = *doc;
	upd.recalled_at = e->time;
	upd.recall_reason = r->message->recall;
	upd.holder = "";
	upd.updated_seq = e->seq;
	snprintf(res->document_id, sizeof(res->document_id), "%s", doc->id);
	if ((error = vt_doc_save(ctx, &upd)) == 0)
		error = vt_exchange_status(ctx, e, doc, VT_XS_RECALLED, r->message->recall);
	vanthu__v1__document__free_unpacked(doc, NULL);
	return error;
}

/* A receiver's status for a document this node sent. */
static int receive_status(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, const Vanthu__V1__ExchangeReceived *r,
	vt_apply_result *res)
{
	const Vanthu__V1__ExchangeStatus *st = r->message->status;
	Vanthu__V1__ExchangeStatus mine = *st, **list = NULL;
	Vanthu__V1__Document *doc = NULL, upd;
	size_t n = 0;
	int error = vt_doc_load(ctx, r->message->document_id, &doc);
	if (error == VT_ENOTFOUND || error == VT_EINVAL)
		return 0; /* not one of ours: recorded as received, nothing to update */
	if (error < 0)
		return error;
	mine.node = (char *)r->from; /* who says it is the certified sender, not the text */
	if (!(list = calloc(doc->n_exchange_status + 1, sizeof(*list)))) {
		vanthu__v1__document__free_unpacked(doc, NULL);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < doc->n_exchange_status; i++)
		if (strcmp(doc->exchange_status[i]->node, r->from) != 0)
			list[n++] = doc->exchange_status[i];
	list[n++] = &mine;
	upd = *doc;
	upd.exchange_status = list;
	upd.n_exchange_status = n;
	upd.updated_seq = e->seq;
	snprintf(res->document_id, sizeof(res->document_id), "%s", doc->id);
	error = vt_doc_save(ctx, &upd);
	free(list);
	vanthu__v1__document__free_unpacked(doc, NULL);
	return error;
}

int vt_exchange_apply_received(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__ExchangeReceived *r = e->event->exchange_received;
	uint8_t seqbuf[8];
	char *v = NULL;
	size_t n;
	vt_key k;
	int error;
	if (!r->message || !vt_node_id_ok(r->from) || strcmp(r->from, ctx->origin) == 0)
		return vt_error_set(VT_EINVAL, "an exchange message needs its sender (another node) and content");
	if (strcmp(r->message->to, ctx->origin) != 0)
		return vt_error_set(VT_EINVAL, "an exchange message for %s delivered to %s", r->message->to, ctx->origin);
	/* each message once, in the sender's order */
	inbox_key(&k, ctx->origin, r->from);
	if ((error = vt_key_check(&k)) < 0)
		return error;
	error = vt_batch_get(ctx->batch, VT_CF_INDEX, k.buf, k.len, &v, &n);
	if (error == 0) {
		uint64_t last = n == 8 ? vt_be64_get(v) : 0;
		free(v);
		if (r->from_seq <= last)
			return vt_error_set(VT_EEXISTS, "message %s:%" PRIu64 " was received already", r->from, r->from_seq);
	} else if (error != VT_ENOTFOUND) {
		return error;
	}
	vt_be64_put(seqbuf, r->from_seq);
	vt_batch_put(ctx->batch, VT_CF_INDEX, k.buf, k.len, seqbuf, 8);
	switch (r->message->kind_case) {
	case VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT:
		return receive_document(ctx, e, r, res);
	case VANTHU__V1__EXCHANGE_MESSAGE__KIND_RECALL:
		return receive_recall(ctx, e, r, res);
	case VANTHU__V1__EXCHANGE_MESSAGE__KIND_STATUS:
		return receive_status(ctx, e, r, res);
	default:
		return vt_error_set(VT_EINVAL, "an exchange message of unknown kind %d", (int)r->message->kind_case);
	}
}

/* ---- the command */

int vt_exchange_receive(vt_log *log, const char *from, uint64_t from_seq, const Vanthu__V1__ExchangeMessage *m,
	vt_apply_result *res)
{
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__ExchangeReceived xr = VANTHU__V1__EXCHANGE_RECEIVED__INIT;
	if (!m || !from || !vt_node_id_ok(from))
		return vt_error_set(VT_EINVAL, "an exchange message needs its sender (another node) and content");
	xr.from = (char *)from;
	xr.from_seq = from_seq;
	xr.message = (Vanthu__V1__ExchangeMessage *)m;
	ev.kind_case = VANTHU__V1__EVENT__KIND_EXCHANGE_RECEIVED;
	ev.exchange_received = &xr;
	return vt_log_append(log, "node", &ev, res);
}
