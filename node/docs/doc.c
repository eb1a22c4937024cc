/* Documents: records, creation, the BlobAdded event, lookups and walks. */
#include "docs/doc.h"
#include "docs/date.h"
#include "store/keyspace.h"
#include "store/error.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void vt_doc_key(vt_key *k, const char *origin, uint64_t seq)
{
	vt_key_init(k, origin);
	vt_key_u64(k, seq);
}

int vt_doc_id_parse(const char *id, const char *origin, uint64_t *seq)
{
	size_t olen = strlen(origin);
	const char *p;
	char *end;
	if (!id || strncmp(id, origin, olen) != 0 || id[olen] != '/')
		return vt_error_set(VT_ENOTFOUND, "document id '%s' is not of node '%s'",
			id ? id : "", origin);
	p = id + olen + 1;
	if (!isdigit((unsigned char)*p))
		return vt_error_set(VT_EINVAL, "document id '%s' is malformed", id);
	*seq = strtoull(p, &end, 10);
	if (*end)
		return vt_error_set(VT_EINVAL, "document id '%s' is malformed", id);
	return 0;
}

/* A blob is stored, or comes in this very batch (an upload). */
static int blob_size(vt_apply_ctx *ctx, const uint8_t hash[VT_HASH_LEN], size_t *size)
{
	char *v = NULL;
	int error = vt_store_blob_size(ctx->blobs, hash, size);
	if (error != VT_ENOTFOUND)
		return error;
	if ((error = vt_batch_get(ctx->batch, VT_CF_BLOB, hash, VT_HASH_LEN, &v, size)) < 0)
		return error;
	free(v);
	return 0;
}

static int meta_check(vt_apply_ctx *ctx, const Vanthu__V1__DocumentMeta *m)
{
	if (!m)
		return vt_error_set(VT_EINVAL, "document has no metadata");
	if (m->direction != VANTHU__V1__DIRECTION__INCOMING && m->direction != VANTHU__V1__DIRECTION__OUTGOING)
		return vt_error_set(VT_EINVAL, "document direction must be incoming or outgoing");
	if (!*m->doc_type)
		return vt_error_set(VT_EINVAL, "document type (tên loại) is required");
	if (!*m->summary)
		return vt_error_set(VT_EINVAL, "summary (trích yếu) is required");
	if (strlen(m->summary) > 4096 || strlen(m->number_symbol) > 100 || strlen(m->doc_type) > 32 ||
	    strlen(m->issuing_agency) > 300 || strlen(m->issuing_agency_code) > 32)
		return vt_error_set(VT_EINVAL, "summary (max 4096 bytes), số/ký hiệu (100), type (32) or "
			"issuing agency (300) too long");
	if (*m->issue_date && !vt_date_ok(m->issue_date))
		return vt_error_set(VT_EINVAL, "issue date '%s' is not YYYY-MM-DD", m->issue_date);
	if (*m->due_date && !vt_date_ok(m->due_date))
		return vt_error_set(VT_EINVAL, "due date '%s' is not YYYY-MM-DD", m->due_date);
	if ((unsigned)m->urgency > VANTHU__V1__URGENCY__URGENCY_FLASH_TIMED)
		return vt_error_set(VT_EINVAL, "urgency %d is not one of 0..4", (int)m->urgency);
	if (m->direction == VANTHU__V1__DIRECTION__INCOMING) {
		if (!*m->number_symbol)
			return vt_error_set(VT_EINVAL, "incoming document needs its số, ký hiệu");
		if (!*m->issuing_agency)
			return vt_error_set(VT_EINVAL, "incoming document needs its issuing agency (tác giả)");
	}
	for (size_t i = 0; i < m->n_attachments; i++) {
		const Vanthu__V1__Attachment *a = m->attachments[i];
		size_t n;
		int error;
		if (a->sha256.len != VT_HASH_LEN)
			return vt_error_set(VT_EINVAL, "attachment %zu: sha256 must be 32 bytes", i);
		if ((error = blob_size(ctx, a->sha256.data, &n)) < 0) {
			char hex[65];
			vt_hex(hex, a->sha256.data, VT_HASH_LEN);
			return error == VT_ENOTFOUND ?
				vt_error_set(VT_EINVAL, "attachment %zu (%s): blob %s was never uploaded", i,
					a->name, hex) : error;
		}
		if (n != a->size)
			return vt_error_set(VT_EINVAL, "attachment %zu (%s): size %" PRIu64 " but blob has %zu bytes",
				i, a->name, a->size, n);
	}
	return 0;
}

int vt_doc_create(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, Vanthu__V1__DocumentMeta *m,
	Vanthu__V1__WorkflowState state, const char *from, const char *source, vt_apply_result *res)
{
	Vanthu__V1__Document doc = VANTHU__V1__DOCUMENT__INIT;
	int error;

	if ((error = meta_check(ctx, m)) < 0)
		return error;
	snprintf(res->document_id, sizeof(res->document_id), "%s/%" PRIu64, ctx->origin, e->seq);
	doc.id = res->document_id;
	doc.meta = m;
	doc.exchange_from = (char *)(from ? from : "");
	doc.exchange_source = (char *)(source ? source : "");
	doc.created_at = e->time;
	doc.created_by = e->actor;
	doc.created_seq = e->seq;
	doc.updated_seq = e->seq;
	doc.state = state;
	if (m->direction == VANTHU__V1__DIRECTION__INCOMING) {
		/* Điều 8.1: the sender's signatures are to be checked; until the
		 * signatures module has checked them they are pending, never passed. */
		Vanthu__V1__SignatureMark sender = VANTHU__V1__SIGNATURE_MARK__INIT;
		Vanthu__V1__SignatureMark *marks[1] = { &sender };
		sender.kind = "sender";
		sender.account = m->issuing_agency;
		sender.time = e->time;
		sender.check = "pending";
		doc.signatures = marks;
		doc.n_signatures = 1;
		return vt_doc_save(ctx, &doc);
	}
	if (m->direction == VANTHU__V1__DIRECTION__OUTGOING) {
		/* the drafter; the draft file is version 1 */
		doc.drafter = e->actor;
		doc.versions = m->attachments;
		doc.n_versions = m->n_attachments;
	}
	return vt_doc_save(ctx, &doc);
}

int vt_doc_apply_blob(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__BlobAdded *b = e->event->blob_added;
	size_t n;
	vt_key k;
	int error;
	(void)res;
	if (b->sha256.len != VT_HASH_LEN)
		return vt_error_set(VT_EINVAL, "blob_added: sha256 must be 32 bytes");
	if ((error = blob_size(ctx, b->sha256.data, &n)) < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_EINVAL, "blob_added: blob not stored") : error;
	if (n != b->size)
		return vt_error_set(VT_EINVAL, "blob_added: size %" PRIu64 " but blob has %zu bytes", b->size, n);
	vt_key_init(&k, ctx->origin);
	vt_key_u8(&k, VT_IDX_BLOB);
	vt_key_bytes(&k, b->sha256.data, VT_HASH_LEN);
	return vt_apply_put(ctx, VT_CF_INDEX, &k, &b->base);
}

int vt_doc_load(vt_apply_ctx *ctx, const char *id, Vanthu__V1__Document **out)
{
	uint64_t seq = 0;
	vt_key k;
	int error;
	*out = NULL;
	if ((error = vt_doc_id_parse(id, ctx->origin, &seq)) < 0)
		return error;
	vt_doc_key(&k, ctx->origin, seq);
	error = vt_apply_get(ctx, VT_CF_DOC, &k, &vanthu__v1__document__descriptor,
		(ProtobufCMessage **)out);
	if (error == VT_ENOTFOUND)
		vt_error_set(VT_ENOTFOUND, "no document %s", id);
	return error;
}

int vt_doc_save(vt_apply_ctx *ctx, const Vanthu__V1__Document *doc)
{
	uint64_t seq = 0;
	vt_key k;
	int error;
	if ((error = vt_doc_id_parse(doc->id, ctx->origin, &seq)) < 0)
		return error;
	vt_doc_key(&k, ctx->origin, seq);
	return vt_apply_put(ctx, VT_CF_DOC, &k, &doc->base);
}

int vt_doc_get(vt_store *store, const char *origin, const char *id, Vanthu__V1__Document **out)
{
	uint64_t seq;
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	*out = NULL;
	if ((error = vt_doc_id_parse(id, origin, &seq)) < 0)
		return error;
	vt_doc_key(&k, origin, seq);
	if ((error = vt_store_get(store, VT_CF_DOC, k.buf, k.len, &v, &n)) < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "no document %s", id) : error;
	*out = vanthu__v1__document__unpack(NULL, n, (const uint8_t *)v);
	free(v);
	if (!*out)
		return vt_error_set(VT_ECORRUPT, "document %s does not decode", id);
	return 0;
}

VT_MSG_EACH_TYPED(each_doc, vt_doc_fn, Vanthu__V1__Document, vanthu__v1__document__descriptor)

int vt_doc_each(vt_store *store, const char *origin, uint64_t after_seq, vt_doc_fn fn, void *payload)
{
	vt_key k, start;
	vt_key_init(&k, origin);
	if (after_seq)
		vt_doc_key(&start, origin, after_seq + 1);
	return each_doc(store, VT_CF_DOC, &k, after_seq ? &start : NULL, fn, payload);
}
