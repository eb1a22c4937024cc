/* Documents service: create, register, get, list (with the work-list
 * filters); file upload and download as streams of chunks,
 * content-addressed. */
#include "svc/svc_int.h"
#include "docs/commands.h"
#include "docs/doc.h"
#include "docs/workflow.h"
#include "store/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (64 * 1024)

static int reply_doc(vt_api_req *r, const vt_apply_result *res)
{
	Vanthu__V1__DocumentResponse out = VANTHU__V1__DOCUMENT_RESPONSE__INIT;
	Vanthu__V1__Document *d = NULL;
	int error;
	if ((error = vt_doc_get(r->api->node->store, r->api->node->node_id, res->document_id, &d)) < 0)
		return error;
	out.document = d;
	out.seq = res->seq;
	out.duplicate_of = (char *)res->duplicate_of;
	error = vt_api_reply(r, &out.base);
	vanthu__v1__document__free_unpacked(d, NULL);
	return error;
}

int vt_api_doc_create(vt_api_req *r)
{
	const Vanthu__V1__CreateDocumentRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error;
	if (!in->meta)
		return vt_error_set(VT_EINVAL, "create: no document metadata");
	/* Receiving incoming documents is the clerk's (Điều 8); drafting
	 * outgoing ones is staff's and leaders' (Điều 9). */
	if (in->meta->direction == VANTHU__V1__DIRECTION__INCOMING &&
	    (error = vt_api_require(r->caller, VT_ROLE(CLERK), "receive incoming documents")) < 0)
		return error;
	/* registering is the clerk's (văn thư) */
	if (*in->register_book &&
	    (error = vt_api_require(r->caller, VT_ROLE(CLERK), "register documents (văn thư only)")) < 0)
		return error;
	if ((error = vt_cmd_doc_create(r->api->node->log, r->caller->name, in->meta, in->register_book,
		     in->accept_duplicate, in->reason, &res)) < 0)
		return error;
	return reply_doc(r, &res);
}

int vt_api_doc_register(vt_api_req *r)
{
	const Vanthu__V1__RegisterDocumentRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error;
	if ((error = vt_cmd_doc_register(r->api->node->log, r->caller->name, in->document_id, in->book,
		     in->accept_duplicate, in->reason, &res)) < 0)
		return error;
	return reply_doc(r, &res);
}

int vt_api_doc_get(vt_api_req *r)
{
	const Vanthu__V1__GetDocumentRequest *in = (const void *)r->in;
	Vanthu__V1__Document *d = NULL;
	const char *slash = strrchr(in->id, '/'), *origin;
	char whose[VT_NODE_ID_MAX + 1] = "";
	int error;
	/* a document id names its origin: on a hub, a unit's replica */
	if (slash && (size_t)(slash - in->id) <= VT_NODE_ID_MAX)
		snprintf(whose, sizeof(whose), "%.*s", (int)(slash - in->id), in->id);
	if ((error = vt_api_origin(r, whose, &origin)) < 0 ||
	    (error = vt_doc_get(r->api->node->store, origin, in->id, &d)) < 0)
		return error;
	error = vt_api_reply(r, &d->base);
	vanthu__v1__document__free_unpacked(d, NULL);
	return error;
}

static int open_state(Vanthu__V1__WorkflowState s)
{
	return s == VANTHU__V1__WORKFLOW_STATE__IN_REGISTERED || s == VANTHU__V1__WORKFLOW_STATE__IN_SUBMITTED ||
		s == VANTHU__V1__WORKFLOW_STATE__IN_DIRECTED || s == VANTHU__V1__WORKFLOW_STATE__IN_ASSIGNED;
}

/* Whether doc waits for this account: an action that moves it on is theirs. */
static int waits_for(const Vanthu__V1__Document *doc, const Vanthu__V1__Account *a)
{
	size_t n;
	const vt_transition *t = vt_workflow_table(&n);
	for (size_t i = 0; i < n; i++) {
		if (!doc->meta || t[i].workflow != doc->meta->direction || t[i].from != doc->state ||
		    t[i].action == VANTHU__V1__ACTION__COMMENT || t[i].action == VANTHU__V1__ACTION__ADD_TO_DOSSIER ||
		    t[i].action == VANTHU__V1__ACTION__DIGITISE)
			continue;
		if (vt_workflow_check(doc, t[i].action, a) == 0)
			return 1;
	}
	vt_error_clear();
	return 0;
}

/* Whether a document passes a list request's filters (work lists). */
static int list_filter(const Vanthu__V1__ListDocumentsRequest *in, const Vanthu__V1__Account *caller,
	const Vanthu__V1__Document *d)
{
	char today[11], soon[11];
	if (in->direction && d->meta && d->meta->direction != in->direction)
		return 0;
	if (in->state && d->state != in->state)
		return 0;
	if (*in->unit && strcmp(d->lead_unit, in->unit) != 0)
		return 0;
	if (in->overdue || in->due_within_days) {
		if (!*d->deadline || !open_state(d->state))
			return 0;
		vt_api_today(today, 0);
		if (in->overdue && strcmp(d->deadline, today) >= 0)
			return 0;
		if (in->due_within_days) {
			vt_api_today(soon, (int)in->due_within_days);
			if (strcmp(d->deadline, today) < 0 || strcmp(d->deadline, soon) > 0)
				return 0;
		}
	}
	if (in->mine && !waits_for(d, caller))
		return 0;
	return 1;
}

/* One page of a list: up to limit documents that pass the filters; more
 * once a document follows the page's last. */
typedef struct page {
	const Vanthu__V1__ListDocumentsRequest *in;
	const Vanthu__V1__Account *caller;
	vt_api_collect_list c;
	size_t limit;
	int more;
} page;

static int page_add(void *payload, const Vanthu__V1__Document *d)
{
	page *p = payload;
	if (p->c.n == p->limit) {
		p->more = 1;
		return 1; /* stop: the page is full */
	}
	if (!list_filter(p->in, p->caller, d))
		return 0;
	return vt_api_collect(&p->c, &d->base);
}

int vt_api_doc_list(vt_api_req *r)
{
	const Vanthu__V1__ListDocumentsRequest *in = (const void *)r->in;
	Vanthu__V1__DocumentList out = VANTHU__V1__DOCUMENT_LIST__INIT;
	page p = { .in = in, .caller = r->caller, .c = { .desc = &vanthu__v1__document__descriptor } };
	int error;
	const char *origin;
	Vanthu__V1__Document **docs;
	p.limit = in->limit ? in->limit : 100;
	if (p.limit > 1000)
		p.limit = 1000;
	if ((error = vt_api_origin(r, in->origin, &origin)) < 0)
		return error;
	if ((error = vt_doc_each(r->api->node->store, origin, in->after_seq, page_add, &p)) >= 0) {
		docs = (Vanthu__V1__Document **)p.c.items;
		out.documents = docs;
		out.n_documents = p.c.n;
		out.next_after_seq = p.more && p.c.n ? docs[p.c.n - 1]->created_seq : 0;
		error = vt_api_reply(r, &out.base);
	}
	vt_api_collect_free(&p.c);
	return error;
}

int vt_api_doc_upload(vt_api_req *r)
{
	Vanthu__V1__BlobRef out = VANTHU__V1__BLOB_REF__INIT;
	uint8_t declared[VT_HASH_LEN], got[VT_HASH_LEN];
	char media[128] = "";
	uint8_t *buf = NULL;
	size_t size = 0, have = 0;
	vt_apply_result res;
	int error = 0, first = 1;

	for (;;) {
		vt_rpc_buf msg = { 0 };
		Vanthu__V1__BlobChunk *c;
		int rc = vt_api_recv(r, &msg);
		if (rc < 0) {
			error = rc; /* cancelled or broken: nothing is stored */
			goto out;
		}
		if (rc == 0)
			break;
		c = vanthu__v1__blob_chunk__unpack(NULL, msg.len, msg.data);
		vt_rpc_buf_dispose(&msg);
		if (!c) {
			error = vt_error_set(VT_EINVAL, "upload: a chunk is not a valid BlobChunk");
			goto out;
		}
		if (first) {
			first = 0;
			if (c->sha256.len != VT_HASH_LEN || c->size == 0) {
				vanthu__v1__blob_chunk__free_unpacked(c, NULL);
				error = vt_error_set(VT_EINVAL, "upload: the first chunk must declare sha256 (32 bytes) and size");
				goto out;
			}
			if (c->size > r->api->max_blob) {
				error = vt_error_set(VT_ETOOBIG, "upload: %" PRIu64 " bytes is over the limit of %zu bytes",
					c->size, r->api->max_blob);
				vanthu__v1__blob_chunk__free_unpacked(c, NULL);
				goto out;
			}
			memcpy(declared, c->sha256.data, VT_HASH_LEN);
			size = c->size;
			snprintf(media, sizeof(media), "%s", c->media_type);
			if (!(buf = malloc(size))) {
				vanthu__v1__blob_chunk__free_unpacked(c, NULL);
				error = vt_error_set(VT_ENOMEM, "out of memory");
				goto out;
			}
		}
		if (have + c->data.len > size) {
			vanthu__v1__blob_chunk__free_unpacked(c, NULL);
			error = vt_error_set(VT_EINVAL, "upload: more bytes than the declared %zu", size);
			goto out;
		}
		memcpy(buf + have, c->data.data, c->data.len);
		have += c->data.len;
		vanthu__v1__blob_chunk__free_unpacked(c, NULL);
	}
	if (first) {
		error = vt_error_set(VT_EINVAL, "upload: no chunks");
		goto out;
	}
	if (have != size) {
		error = vt_error_set(VT_EINVAL, "upload: %zu bytes received, %zu declared", have, size);
		goto out;
	}
	if ((error = vt_cmd_blob_add(r->api->node->log, r->caller->name, buf, size, media, declared, got, &res)) < 0)
		goto out;
	out.sha256.data = got;
	out.sha256.len = VT_HASH_LEN;
	out.size = size;
	out.media_type = media;
	error = vt_api_reply(r, &out.base);
out:
	free(buf);
	return error;
}

int vt_api_doc_download(vt_api_req *r)
{
	const Vanthu__V1__BlobRef *ref = (const void *)r->in;
	char *data = NULL;
	size_t len = 0, off = 0;
	int error;
	if (ref->sha256.len != VT_HASH_LEN)
		return vt_error_set(VT_EINVAL, "download: sha256 must be 32 bytes");
	if ((error = vt_store_blob_get(r->api->node->store, ref->sha256.data, &data, &len)) < 0)
		return error;
	do {
		Vanthu__V1__BlobChunk c = VANTHU__V1__BLOB_CHUNK__INIT;
		size_t n = len - off > CHUNK ? CHUNK : len - off;
		if (off == 0) {
			c.sha256 = ref->sha256;
			c.size = len;
		}
		c.data.data = (uint8_t *)data + off;
		c.data.len = n;
		if ((error = vt_api_send(r, &c.base)) < 0)
			break;
		off += n;
	} while (off < len);
	free(data);
	return error;
}
