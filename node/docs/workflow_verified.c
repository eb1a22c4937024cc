/* The workflow module's part for verification results (workflow.h): the
 * apply of DocumentVerified, and whether a document is legally valid
 * (Điều 3, 6). */
#include "docs/workflow.h"
#include "docs/doc.h"
#include "store/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vt_workflow_legally_valid(const Vanthu__V1__Document *doc)
{
	int agency = 0, signer = 0;
	/* what the signatures module found in the document's current file */
	if (doc->verified_legal)
		return 1;
	for (size_t i = 0; i < doc->n_signatures; i++) {
		const Vanthu__V1__SignatureMark *m = doc->signatures[i];
		if (strcmp(m->check, "valid") != 0)
			continue;
		agency |= strcmp(m->kind, "agency") == 0;
		signer |= strcmp(m->kind, "signer") == 0;
	}
	return agency && signer;
}

/* The check a recorded signature gets from a verification: "valid" when a
 * valid signature of its kind is in the file, else what failed. */
static const char *mark_check(const Vanthu__V1__DocumentVerified *v, const char *kind, char *buf, size_t cap)
{
	const char *want = strcmp(kind, "agency") == 0 ? "agency" : "person";
	const Vanthu__V1__SignatureCheck *bad = NULL;
	if (strcmp(kind, "sender") == 0) {
		snprintf(buf, cap, "%s: %s", v->legal ? "valid" : "invalid", v->status);
		return v->legal ? "valid" : buf;
	}
	for (size_t i = 0; i < v->n_signatures; i++) {
		if (strcmp(v->signatures[i]->kind, want) != 0)
			continue;
		if (strcmp(v->signatures[i]->result, "valid") == 0)
			return "valid";
		bad = v->signatures[i];
	}
	snprintf(buf, cap, "invalid: %s", bad ? bad->result : "no such signature in the file");
	return buf;
}

int vt_workflow_apply_verified(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__DocumentVerified *v = e->event->document_verified;
	Vanthu__V1__Document *doc = NULL, upd;
	Vanthu__V1__SignatureMark *marks = NULL, **ptrs = NULL;
	char (*bufs)[300] = NULL;
	int found = 0, error;
	if ((error = vt_doc_load(ctx, v->document_id, &doc)) < 0)
		return error;
	if (v->sha256.len != VT_HASH_LEN) {
		error = vt_error_set(VT_EINVAL, "document_verified: sha256 must be 32 bytes");
		goto out;
	}
	for (size_t i = 0; i < doc->meta->n_attachments; i++)
		found |= doc->meta->attachments[i]->sha256.len == VT_HASH_LEN &&
			memcmp(doc->meta->attachments[i]->sha256.data, v->sha256.data, VT_HASH_LEN) == 0;
	for (size_t i = 0; i < doc->n_versions; i++)
		found |= doc->versions[i]->sha256.len == VT_HASH_LEN &&
			memcmp(doc->versions[i]->sha256.data, v->sha256.data, VT_HASH_LEN) == 0;
	if (!found) {
		error = vt_error_set(VT_EINVAL, "the file verified is not one of document %s's", doc->id);
		goto out;
	}
	upd = *doc;
	if (doc->n_signatures) {
		marks = calloc(doc->n_signatures, sizeof(*marks));
		ptrs = calloc(doc->n_signatures, sizeof(*ptrs));
		bufs = calloc(doc->n_signatures, sizeof(*bufs));
		if (!marks || !ptrs || !bufs) {
			error = vt_error_set(VT_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < doc->n_signatures; i++) {
			marks[i] = *doc->signatures[i];
			marks[i].check = (char *)mark_check(v, marks[i].kind, bufs[i], sizeof(bufs[i]));
			ptrs[i] = &marks[i];
		}
		upd.signatures = ptrs;
	}
	upd.verified_legal = v->legal;
	upd.verification = v->status;
	upd.verified_at = e->time;
	upd.verified_by = e->actor;
	upd.updated_seq = e->seq;
	snprintf(res->document_id, sizeof(res->document_id), "%s", doc->id);
	error = vt_doc_save(ctx, &upd);
out:
	free(marks);
	free(ptrs);
	free(bufs);
	vanthu__v1__document__free_unpacked(doc, NULL);
	return error;
}
