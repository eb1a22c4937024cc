/* Replication/Fetch: a unit that lost its disk restores its log and blobs
 * as the hub holds them (restore.c is the unit's side): the hub's
 * co-signed head first, then each entry up to it, each blob before the
 * first entry that refers to it. */
#include "replication/hub_int.h"
#include "events.h"
#include "store/error.h"
#include "store/keyspace.h"
#include "store/log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct fetch_ctx {
	vt_rpc_call *call;
	vt_store *store;
	uint8_t (*sent)[32];
	size_t nsent, cap;
	int error;
	const char *origin;
	uint64_t end; /* the co-signed head's size: entries below it are sent */
} fetch_ctx;

static int send_fetch(vt_rpc_call *call, const Vanthu__V1__FetchReply *r)
{
	size_t n = vanthu__v1__fetch_reply__get_packed_size(r);
	uint8_t *buf = malloc(n ? n : 1);
	int error;
	if (!buf)
		return vt_error_set(VT_ENOMEM, "out of memory");
	vanthu__v1__fetch_reply__pack(r, buf);
	error = vt_rpc_call_send(call, buf, n);
	free(buf);
	return error;
}

static int fetch_chunk(void *ctx, const Vanthu__V1__ReplBlob *b)
{
	fetch_ctx *c = ctx;
	Vanthu__V1__FetchReply r = VANTHU__V1__FETCH_REPLY__INIT;
	r.kind_case = VANTHU__V1__FETCH_REPLY__KIND_BLOB;
	r.blob = (Vanthu__V1__ReplBlob *)b;
	return send_fetch(c->call, &r);
}

/* Each blob once, before the first entry that refers to it. */
static void fetch_blob(void *ctx, const uint8_t sha[32], uint64_t size)
{
	fetch_ctx *c = ctx;
	(void)size;
	if (c->error)
		return;
	for (size_t i = 0; i < c->nsent; i++)
		if (memcmp(c->sent[i], sha, 32) == 0)
			return;
	if (c->nsent == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		void *p = realloc(c->sent, cap * sizeof(*c->sent));
		if (!p) {
			c->error = vt_error_set(VT_ENOMEM, "out of memory");
			return;
		}
		c->sent = p;
		c->cap = cap;
	}
	memcpy(c->sent[c->nsent++], sha, 32);
	c->error = vt_repl_blob_send(c->store, sha, fetch_chunk, c);
}

/* One entry: the blobs it names first, then the entry. */
static int fetch_entry(void *payload, uint64_t seq, const char *data, size_t len)
{
	fetch_ctx *c = payload;
	Vanthu__V1__FetchReply r = VANTHU__V1__FETCH_REPLY__INIT;
	Vanthu__V1__RawEntry re = VANTHU__V1__RAW_ENTRY__INIT;
	Vanthu__V1__LogEntry *e;
	if (seq >= c->end)
		return 1;
	if (!(e = vanthu__v1__log_entry__unpack(NULL, len, (const uint8_t *)data)))
		return vt_error_set(VT_ECORRUPT, "entry %" PRIu64 " of %s does not decode", seq, c->origin);
	vt_event_blobs(e, fetch_blob, c);
	vanthu__v1__log_entry__free_unpacked(e, NULL);
	if (c->error < 0)
		return c->error;
	re.seq = seq;
	re.entry.data = (uint8_t *)data;
	re.entry.len = len;
	r.kind_case = VANTHU__V1__FETCH_REPLY__KIND_ENTRY;
	r.entry = &re;
	return send_fetch(c->call, &r);
}

int vt_hub_fetch_handler(vt_rpc_call *call, void *payload)
{
	vt_repl_hub *h = payload;
	Vanthu__V1__FetchRequest *req = NULL;
	Vanthu__V1__CoSignedHead *head = NULL;
	Vanthu__V1__FetchReply r = VANTHU__V1__FETCH_REPLY__INIT;
	fetch_ctx fc = { .call = call, .store = h->node->store };
	char cert_id[VT_NODE_ID_MAX + 1];
	const uint8_t *data;
	size_t len;
	int error;
	if ((error = vt_rpc_call_peer_identity(call, cert_id, sizeof(cert_id))) < 0)
		return vt_error_set(VT_EAUTH, "restore needs the unit's client certificate (mutual TLS)");
	vt_rpc_call_request(call, &data, &len);
	if (!(req = vanthu__v1__fetch_request__unpack(NULL, len, data)))
		return vt_error_set(VT_EINVAL, "Fetch: the request is not a valid FetchRequest");
	if (strcmp(req->node_id, cert_id) != 0) {
		error = vt_error_set(VT_EPERM, "the client certificate names %s, not %s: a unit restores its own log",
			cert_id, req->node_id);
		goto out;
	}
	if ((error = vt_replica_head_get(h->node->store, req->node_id, &head)) < 0)
		goto out;
	r.kind_case = VANTHU__V1__FETCH_REPLY__KIND_HEAD;
	r.head = head;
	if ((error = send_fetch(call, &r)) < 0)
		goto out;
	fc.origin = req->node_id;
	fc.end = head->head->size;
	error = vt_log_raw_each(h->node->store, req->node_id, req->from, 1, fetch_entry, &fc);
out:
	free(fc.sent);
	if (head)
		vanthu__v1__co_signed_head__free_unpacked(head, NULL);
	vanthu__v1__fetch_request__free_unpacked(req, NULL);
	return error;
}
