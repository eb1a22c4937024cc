/* What the unit sends its hub: batches of its log, each ending at a kept
 * signed head (vt_repl_batch_head); blobs the hub asked for; the entries
 * the hub asked to see for its spot check. Called by link_tick only. */
#include "replication/link_int.h"
#include "store/error.h"
#include "store/keyspace.h"
#include "store/log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_BYTES (8u << 20) /* a batch ends at the first kept head past this many bytes */

int vt_link_send_up(vt_repl_link *l, const Vanthu__V1__ReplUp *m)
{
	size_t n = vanthu__v1__repl_up__get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);
	int error;
	if (!buf)
		return vt_error_set(VT_ENOMEM, "out of memory");
	vanthu__v1__repl_up__pack(m, buf);
	error = vt_rpc_stream_send(l->stream, buf, n);
	free(buf);
	if (error == 0) {
		pthread_mutex_lock(&l->mu);
		l->last_tx = link_now_ms();
		pthread_mutex_unlock(&l->mu);
	}
	return error;
}

static int batch_head(vt_repl_link *l, uint64_t from, Vanthu__V1__TreeHead **out)
{
	return vt_log_sth_batch_end(l->node->store, l->node->node_id, from, l->o.batch_max, out);
}

/* A batch being read from the log: entries [from, head) copied. */
typedef struct batch_read {
	vt_repl_link *l;
	uint64_t from;
	Vanthu__V1__TreeHead *head; /* where the batch ends (owned) */
	ProtobufCBinaryData *entries;
	char **copies;
	size_t n, want, bytes;
	int capped;
} batch_read;

static int batch_add(void *payload, uint64_t seq, const char *val, size_t vl)
{
	batch_read *br = payload;
	(void)seq;
	if (!(br->copies[br->n] = malloc(vl ? vl : 1)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	memcpy(br->copies[br->n], val, vl);
	br->entries[br->n].data = (uint8_t *)br->copies[br->n];
	br->entries[br->n].len = vl;
	br->n++;
	br->bytes += vl;
	if (br->bytes > BATCH_BYTES && br->n < br->want && !br->capped) {
		/* large entries: end at the furthest kept head within what was
		 * read, else at the first one after it (a message must stay
		 * well under the limit) */
		Vanthu__V1__TreeHead *earlier = NULL;
		int error = vt_log_sth_batch_end(br->l->node->store, br->l->node->node_id, br->from, br->n, &earlier);
		if (error < 0)
			return error;
		vanthu__v1__tree_head__free_unpacked(br->head, NULL);
		br->head = earlier;
		br->want = (size_t)(br->head->size - br->from);
		br->capped = 1;
	}
	return br->n >= br->want; /* 1: the batch is read */
}

/* Sends entries [from, head) with the head; returns the batch's end. */
int vt_link_send_batch(vt_repl_link *l, uint64_t from, uint64_t *end)
{
	Vanthu__V1__ReplUp m = VANTHU__V1__REPL_UP__INIT;
	Vanthu__V1__ReplBatch b = VANTHU__V1__REPL_BATCH__INIT;
	batch_read br = { .l = l, .from = from };
	Vanthu__V1__TreeHead *head;
	int error;
	*end = from;
	if ((error = batch_head(l, from, &br.head)) < 0)
		return error == VT_ENOTFOUND ? 0 : error;
	br.want = (size_t)(br.head->size - from);
	if (!(br.entries = calloc(br.want, sizeof(*br.entries))) || !(br.copies = calloc(br.want, sizeof(*br.copies)))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	if ((error = vt_log_raw_each(l->node->store, l->node->node_id, from, 0, batch_add, &br)) < 0)
		goto out;
	head = br.head;
	while (br.n > br.want) /* the batch ended earlier than what was read */
		free(br.copies[--br.n]);
	if (br.n != br.want) {
		error = vt_error_set(VT_ECORRUPT, "this unit's log ends at %" PRIu64 " below its head's size %" PRIu64,
			from + br.n, head->size);
		goto out;
	}
	b.from = from;
	b.entries = br.entries;
	b.n_entries = br.n;
	b.head = head;
	m.kind_case = VANTHU__V1__REPL_UP__KIND_BATCH;
	m.batch = &b;
	pthread_mutex_lock(&l->mu);
	if (l->nin == l->capin) {
		size_t cap = l->capin ? l->capin * 2 : 16;
		void *p = realloc(l->in, cap * sizeof(*l->in));
		if (!p) {
			pthread_mutex_unlock(&l->mu);
			error = vt_error_set(VT_ENOMEM, "out of memory");
			goto out;
		}
		l->in = p;
		l->capin = cap;
	}
	/* recorded before sending: the ack may come before send returns */
	l->in[l->nin].end = head->size;
	memcpy(l->in[l->nin].sig, head->signature.data, head->signature.len == 64 ? 64 : 0);
	l->nin++;
	pthread_mutex_unlock(&l->mu);
	if ((error = vt_link_send_up(l, &m)) < 0)
		goto out;
	*end = head->size;
out:
	for (size_t i = 0; br.copies && i < br.n; i++)
		free(br.copies[i]);
	free(br.copies);
	free(br.entries);
	if (br.head)
		vanthu__v1__tree_head__free_unpacked(br.head, NULL);
	return error;
}

static int send_chunk(void *ctx, const Vanthu__V1__ReplBlob *b)
{
	Vanthu__V1__ReplUp m = VANTHU__V1__REPL_UP__INIT;
	m.kind_case = VANTHU__V1__REPL_UP__KIND_BLOB;
	m.blob = (Vanthu__V1__ReplBlob *)b;
	return vt_link_send_up(ctx, &m);
}

/* The entries the hub asked to see, as they are on this disk. */
int vt_link_send_audit(vt_repl_link *l)
{
	Vanthu__V1__ReplUp m = VANTHU__V1__REPL_UP__INIT;
	Vanthu__V1__ReplAuditReply r = VANTHU__V1__REPL_AUDIT_REPLY__INIT;
	Vanthu__V1__RawEntry e[VT_REPL_AUDIT], *ep[VT_REPL_AUDIT];
	char *data[VT_REPL_AUDIT] = { 0 };
	uint64_t seqs[VT_REPL_AUDIT];
	size_t n, k = 0;
	int error;
	pthread_mutex_lock(&l->mu);
	n = l->naudit;
	memcpy(seqs, l->audit, n * sizeof(*seqs));
	l->naudit = 0;
	pthread_mutex_unlock(&l->mu);
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		if (vt_log_entry_raw(l->node->store, l->node->node_id, seqs[i], &data[k], &len) < 0)
			continue; /* missing: the hub says so */
		vanthu__v1__raw_entry__init(&e[k]);
		e[k].seq = seqs[i];
		e[k].entry.data = (uint8_t *)data[k];
		e[k].entry.len = len;
		ep[k] = &e[k];
		k++;
	}
	r.entries = ep;
	r.n_entries = k;
	m.kind_case = VANTHU__V1__REPL_UP__KIND_AUDIT;
	m.audit = &r;
	error = vt_link_send_up(l, &m);
	for (size_t i = 0; i < k; i++)
		free(data[i]);
	return error;
}

int vt_link_send_blob(vt_repl_link *l, const uint8_t sha[32])
{
	return vt_repl_blob_send(l->node->store, sha, send_chunk, l);
}
