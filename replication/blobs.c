/* Which blobs a log entry refers to: what must reach the hub with it. */
#include "repl.h"

static void attachment(const Vanthu__V1__Attachment *a, vt_blob_ref_fn fn, void *ctx)
{
	if (a && a->sha256.len == 32)
		fn(ctx, a->sha256.data, a->size);
}

static void meta(const Vanthu__V1__DocumentMeta *m, vt_blob_ref_fn fn, void *ctx)
{
	for (size_t i = 0; m && i < m->n_attachments; i++)
		attachment(m->attachments[i], fn, ctx);
}

void vt_entry_blobs(const Vanthu__V1__LogEntry *e, vt_blob_ref_fn fn, void *ctx)
{
	const Vanthu__V1__Event *ev = e->event;
	if (!ev)
		return;
	switch (ev->kind_case) {
	case VANTHU__V1__EVENT__KIND_BLOB_ADDED:
		if (ev->blob_added->sha256.len == 32)
			fn(ctx, ev->blob_added->sha256.data, ev->blob_added->size);
		break;
	case VANTHU__V1__EVENT__KIND_DOCUMENT_CREATED:
		meta(ev->document_created->meta, fn, ctx);
		break;
	case VANTHU__V1__EVENT__KIND_DOCUMENT_ACTION:
		attachment(ev->document_action->attachment, fn, ctx);
		break;
	case VANTHU__V1__EVENT__KIND_EXCHANGE_RECEIVED:
		if (ev->exchange_received->message &&
		    ev->exchange_received->message->kind_case == VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT)
			meta(ev->exchange_received->message->document, fn, ctx);
		break;
	default:
		break;
	}
}
