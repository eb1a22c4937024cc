/* The event registry (events.h): one row per event kind. */
#include "events.h"
#include "accounts/account.h"
#include "accounts/enrolment.h"
#include "docs/doc.h"
#include "docs/exchange.h"
#include "docs/register.h"
#include "docs/workflow.h"
#include "store/error.h"
#include "store/hash.h"

#include <inttypes.h>
#include <string.h>

/* ---- the files events name */

static void attachment(const Vanthu__V1__Attachment *a, vt_blob_ref_fn fn, void *payload)
{
	if (a && a->sha256.len == 32)
		fn(payload, a->sha256.data, a->size);
}

static void meta_blobs(const Vanthu__V1__DocumentMeta *m, vt_blob_ref_fn fn, void *payload)
{
	for (size_t i = 0; m && i < m->n_attachments; i++)
		attachment(m->attachments[i], fn, payload);
}

static void blobs_blob_added(const Vanthu__V1__Event *ev, vt_blob_ref_fn fn, void *payload)
{
	if (ev->blob_added->sha256.len == 32)
		fn(payload, ev->blob_added->sha256.data, ev->blob_added->size);
}

static void blobs_document_created(const Vanthu__V1__Event *ev, vt_blob_ref_fn fn, void *payload)
{
	meta_blobs(ev->document_created->meta, fn, payload);
}

static void blobs_document_action(const Vanthu__V1__Event *ev, vt_blob_ref_fn fn, void *payload)
{
	attachment(ev->document_action->attachment, fn, payload);
}

static void blobs_exchange_received(const Vanthu__V1__Event *ev, vt_blob_ref_fn fn, void *payload)
{
	const Vanthu__V1__ExchangeMessage *m = ev->exchange_received->message;
	if (m && m->kind_case == VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT)
		meta_blobs(m->document, fn, payload);
}

/* ---- one line for people */

static const char *direction_name(int d)
{
	return d == VANTHU__V1__DIRECTION__INCOMING ? "incoming" : d == VANTHU__V1__DIRECTION__OUTGOING ? "outgoing" : "?";
}

static const char *enum_name(const ProtobufCEnumDescriptor *desc, int value)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(desc, value);
	return v ? v->name : "?";
}

static void describe_node_initialized(FILE *f, const Vanthu__V1__Event *ev)
{
	fprintf(f, "node %s (%s) %s", ev->node_initialized->node_id, ev->node_initialized->role,
		ev->node_initialized->agency_name);
}

static void describe_book_defined(FILE *f, const Vanthu__V1__Event *ev)
{
	const Vanthu__V1__RegisterBook *b = ev->book_defined->book;
	if (b)
		fprintf(f, "book %s \"%s\" %s", b->id, b->name, direction_name(b->direction));
}

static void describe_document_created(FILE *f, const Vanthu__V1__Event *ev)
{
	const Vanthu__V1__DocumentMeta *m = ev->document_created->meta;
	if (m)
		fprintf(f, "%s %s %s \"%.60s\"", direction_name(m->direction), m->doc_type, m->number_symbol,
			m->summary);
}

static void describe_document_registered(FILE *f, const Vanthu__V1__Event *ev)
{
	fprintf(f, "%s into book %s%s", ev->document_registered->document_id, ev->document_registered->book,
		ev->document_registered->accept_duplicate ? " (duplicate accepted)" : "");
}

static void describe_blob_added(FILE *f, const Vanthu__V1__Event *ev)
{
	char hex[65];
	vt_hex(hex, ev->blob_added->sha256.data, ev->blob_added->sha256.len == 32 ? 32 : 0);
	fprintf(f, "blob %s (%" PRIu64 " bytes)", hex, ev->blob_added->size);
}

static void describe_account_created(FILE *f, const Vanthu__V1__Event *ev)
{
	const Vanthu__V1__Account *a = ev->account_created->account;
	if (a)
		fprintf(f, "account %s \"%s\" unit %s", a->name, a->full_name, a->unit);
}

static void describe_account_updated(FILE *f, const Vanthu__V1__Event *ev)
{
	const Vanthu__V1__AccountUpdated *u = ev->account_updated;
	fprintf(f, "account %s%s%s%s%s%s", u->name, u->set_full_name ? " name" : "", u->set_roles ? " roles" : "",
		u->set_unit ? " unit" : "", u->set_position ? " position" : "",
		u->set_disabled ? (u->disabled ? " disabled" : " enabled") : "");
}

static void describe_password_changed(FILE *f, const Vanthu__V1__Event *ev)
{
	fprintf(f, "password of %s%s", ev->password_changed->name, ev->password_changed->by_admin ? " (reset)" : "");
}

static void describe_unit_defined(FILE *f, const Vanthu__V1__Event *ev)
{
	const Vanthu__V1__OrgUnit *u = ev->unit_defined->unit;
	if (u)
		fprintf(f, "unit %s \"%s\"%s", u->id, u->name, u->closed ? " closed" : "");
}

static void describe_document_action(FILE *f, const Vanthu__V1__Event *ev)
{
	const Vanthu__V1__DocumentAction *a = ev->document_action;
	fprintf(f, "%s %s", a->document_id, enum_name(&vanthu__v1__action__descriptor, a->action));
	if (*a->to)
		fprintf(f, " to %s", a->to);
}

static void describe_document_verified(FILE *f, const Vanthu__V1__Event *ev)
{
	const Vanthu__V1__DocumentVerified *v = ev->document_verified;
	fprintf(f, "%s %s (%zu signatures)", v->document_id, v->legal ? "legal" : v->status, v->n_signatures);
}

static void describe_unit_enrolled(FILE *f, const Vanthu__V1__Event *ev)
{
	fprintf(f, "unit %s \"%s\" enrolled", ev->unit_enrolled->node_id, ev->unit_enrolled->name);
}

static void describe_unit_refused(FILE *f, const Vanthu__V1__Event *ev)
{
	fprintf(f, "unit %s refused: %.80s", ev->unit_refused->node_id, ev->unit_refused->reason);
}

static void describe_unit_reinstated(FILE *f, const Vanthu__V1__Event *ev)
{
	fprintf(f, "unit %s reinstated", ev->unit_reinstated->node_id);
}

static void describe_exchange_received(FILE *f, const Vanthu__V1__Event *ev)
{
	const Vanthu__V1__ExchangeReceived *r = ev->exchange_received;
	const Vanthu__V1__ExchangeMessage *m = r->message;
	const char *what = !m ? "?" : m->kind_case == VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT ? "document" :
		m->kind_case == VANTHU__V1__EXCHANGE_MESSAGE__KIND_RECALL ? "recall" : "status";
	fprintf(f, "%s from %s #%" PRIu64, what, r->from, r->from_seq);
}

/* ---- the registry, indexed by the oneof's case number */

#define KIND(K) VANTHU__V1__EVENT__KIND_##K
static const vt_event_kind kinds[] = {
	[KIND(NODE_INITIALIZED)] = { vt_account_apply_node, NULL, describe_node_initialized },
	[KIND(BOOK_DEFINED)] = { vt_register_apply_book, NULL, describe_book_defined },
	[KIND(DOCUMENT_CREATED)] = { vt_workflow_apply_created, blobs_document_created, describe_document_created },
	[KIND(DOCUMENT_REGISTERED)] = { vt_workflow_apply_registration, NULL, describe_document_registered },
	[KIND(BLOB_ADDED)] = { vt_doc_apply_blob, blobs_blob_added, describe_blob_added },
	[KIND(ACCOUNT_CREATED)] = { vt_account_apply_created, NULL, describe_account_created },
	[KIND(ACCOUNT_UPDATED)] = { vt_account_apply_updated, NULL, describe_account_updated },
	[KIND(PASSWORD_CHANGED)] = { vt_account_apply_password, NULL, describe_password_changed },
	[KIND(UNIT_DEFINED)] = { vt_account_apply_unit, NULL, describe_unit_defined },
	[KIND(DOCUMENT_ACTION)] = { vt_workflow_apply, blobs_document_action, describe_document_action },
	[KIND(DOCUMENT_VERIFIED)] = { vt_workflow_apply_verified, NULL, describe_document_verified },
	[KIND(UNIT_ENROLLED)] = { vt_enrolment_apply_enrolled, NULL, describe_unit_enrolled },
	[KIND(UNIT_REFUSED)] = { vt_enrolment_apply_refused, NULL, describe_unit_refused },
	[KIND(UNIT_REINSTATED)] = { vt_enrolment_apply_reinstated, NULL, describe_unit_reinstated },
	[KIND(EXCHANGE_RECEIVED)] = { vt_exchange_apply_received, blobs_exchange_received, describe_exchange_received },
};
#undef KIND

const vt_event_kind *vt_event_kind_of(const Vanthu__V1__Event *ev)
{
	size_t k = ev ? (size_t)ev->kind_case : 0;
	return k < sizeof(kinds) / sizeof(kinds[0]) && kinds[k].apply ? &kinds[k] : NULL;
}

int vt_events_apply(void *payload, vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	vt_apply_result scratch;
	const vt_event_kind *k;
	(void)payload;
	if (!res)
		res = &scratch;
	memset(res, 0, sizeof(*res));
	res->seq = e->seq;
	res->time = e->time;
	if (!e->event)
		return vt_error_set(VT_EINVAL, "entry %llu has no event", (unsigned long long)e->seq);
	if (!(k = vt_event_kind_of(e->event)))
		return vt_error_set(VT_EINVAL, "entry %llu: unknown event kind %u", (unsigned long long)e->seq,
			(unsigned)e->event->kind_case);
	return k->apply(ctx, e, res);
}

void vt_event_blobs(const Vanthu__V1__LogEntry *e, vt_blob_ref_fn fn, void *payload)
{
	const vt_event_kind *k = vt_event_kind_of(e->event);
	if (k && k->blobs)
		k->blobs(e->event, fn, payload);
}

const char *vt_event_name(const Vanthu__V1__Event *ev)
{
	const ProtobufCFieldDescriptor *f;
	if (!ev || ev->kind_case == VANTHU__V1__EVENT__KIND__NOT_SET)
		return "none";
	f = protobuf_c_message_descriptor_get_field(&vanthu__v1__event__descriptor, (unsigned)ev->kind_case);
	return f ? f->name : "unknown";
}

void vt_event_describe(FILE *f, const Vanthu__V1__Event *ev)
{
	const vt_event_kind *k = vt_event_kind_of(ev);
	if (k)
		k->describe(f, ev);
}
