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

/* Sends entries [from, head) with the head; returns the batch's end. */
int vt_link_send_batch(vt_repl_link *l, uint64_t from, uint64_t *end)
{
	Vanthu__V1__TreeHead *head = NULL;
	Vanthu__V1__ReplUp m = VANTHU__V1__REPL_UP__INIT;
	Vanthu__V1__ReplBatch b = VANTHU__V1__REPL_BATCH__INIT;
	ProtobufCBinaryData *entries = NULL;
	char **copies = NULL;
	vt_iter *it = NULL;
	vt_key k;
	size_t n = 0, want, bytes = 0;
	int error, capped = 0;
	*end = from;
	if ((error = batch_head(l, from, &head)) < 0)
		return error == VT_ENOTFOUND ? 0 : error;
	want = (size_t)(head->size - from);
	if (!(entries = calloc(want, sizeof(*entries))) || !(copies = calloc(want, sizeof(*copies)))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	vt_key_init(&k, l->node->node_id);
	if ((error = vt_iter_new(&it, l->node->store, VT_CF_LOG, k.buf, k.len)) < 0)
		goto out;
	vt_log_key_entry(&k, l->node->node_id, from);
	for (vt_iter_seek(it, k.buf, k.len); vt_iter_valid(it) && n < want; vt_iter_next(it)) {
		size_t kl, vl;
		const char *key = vt_iter_key(it, &kl), *val = vt_iter_value(it, &vl);
		if (vt_be64_get(key + kl - 8) != from + n) {
			error = vt_error_set(VT_ECORRUPT, "entry %" PRIu64 " of this unit's log is missing", from + n);
			goto out;
		}
		if (!(copies[n] = malloc(vl ? vl : 1))) {
			error = vt_error_set(VT_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(copies[n], val, vl);
		entries[n].data = (uint8_t *)copies[n];
		entries[n].len = vl;
		n++;
		bytes += vl;
		if (bytes > BATCH_BYTES && n < want && !capped) {
			/* large entries: end at the furthest kept head within what
			 * was read, else at the first one after it (a message must
			 * stay well under the limit) */
			Vanthu__V1__TreeHead *earlier = NULL;
			if ((error = vt_log_sth_batch_end(l->node->store, l->node->node_id, from, n, &earlier)) < 0)
				goto out;
			vanthu__v1__tree_head__free_unpacked(head, NULL);
			head = earlier;
			want = (size_t)(head->size - from);
			capped = 1;
		}
	}
	if ((error = vt_iter_status(it)) < 0)
		goto out;
	while (n > want) /* the batch ended earlier than what was read */
		free(copies[--n]);
	if (n != want) {
		error = vt_error_set(VT_ECORRUPT, "this unit's log ends at %" PRIu64 " below its head's size %" PRIu64,
			from + n, head->size);
		goto out;
	}
	b.from = from;
	b.entries = entries;
	b.n_entries = n;
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
	vt_iter_free(it);
	for (size_t i = 0; copies && i < n; i++)
		free(copies[i]);
	free(copies);
	free(entries);
	if (head)
		vanthu__v1__tree_head__free_unpacked(head, NULL);
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
