/* The receiver of the unit's stream, a thread beside link_tick: it checks
 * acknowledgements (the hub's co-signature of the very head the unit sent),
 * stores blobs the hub relays and the node directory, and queues the rest
 * (welcome, blobs asked for, audit requests, deliveries) for link_tick. */
#include "replication/link_int.h"
#include "replication/unit_meta.h"
#include "store/error.h"
#include "store/sth.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Vanthu__V1__CoSignedHead *vt_link_cosigned_copy(const Vanthu__V1__CoSignedHead *ch)
{
	uint8_t buf[1024];
	size_t n = vanthu__v1__co_signed_head__get_packed_size(ch);
	if (n > sizeof(buf))
		return NULL;
	vanthu__v1__co_signed_head__pack(ch, buf);
	return vanthu__v1__co_signed_head__unpack(NULL, n, buf);
}

static void rx_fail(vt_repl_link *l, int error, const char *msg)
{
	pthread_mutex_lock(&l->mu);
	if (!l->rx_done) {
		l->rx_done = 1;
		l->rx_error = error;
		snprintf(l->rx_msg, sizeof(l->rx_msg), "%s", msg);
	}
	wake(l);
	pthread_mutex_unlock(&l->mu);
}

static int rx_ack(vt_repl_link *l, const Vanthu__V1__ReplAck *a)
{
	Vanthu__V1__CoSignedHead *copy;
	vt_link_inflight first;
	uint8_t pk[32];
	int error;
	pthread_mutex_lock(&l->mu);
	if (!l->nin || !l->have_hub_pk) {
		pthread_mutex_unlock(&l->mu);
		return vt_error_set(VT_EINVAL, "an acknowledgement of size %" PRIu64 " for nothing sent", a->size);
	}
	first = l->in[0];
	memcpy(pk, l->hub_pk, 32);
	pthread_mutex_unlock(&l->mu);
	if (a->size != first.end || !a->head || !a->head->head || !a->head->cosig)
		return vt_error_set(VT_EINVAL, "the hub acknowledged size %" PRIu64 " for a batch ending at %" PRIu64,
			a->size, first.end);
	/* the very head this unit sent, co-signed by the hub it knows */
	if (a->head->head->signature.len != 64 || memcmp(a->head->head->signature.data, first.sig, 64) != 0 ||
	    strcmp(a->head->head->origin, l->node->node_id) != 0)
		return vt_error_set(VT_ESIG, "the hub acknowledged size %" PRIu64 " with another head than the one sent",
			a->size);
	if ((error = vt_audit_check_cosigned(a->head->head, a->head->cosig, l->node->node_id, l->node->pk, pk)) < 0)
		return error;
	if ((error = vt_unit_meta_cosigned_put(l->node->store, l->node->node_id, a->head)) < 0)
		return error;
	copy = vt_link_cosigned_copy(a->head);
	pthread_mutex_lock(&l->mu);
	memmove(l->in, l->in + 1, (l->nin - 1) * sizeof(*l->in));
	l->nin--;
	l->acked = a->size;
	if (copy) {
		if (l->cosigned)
			vanthu__v1__co_signed_head__free_unpacked(l->cosigned, NULL);
		l->cosigned = copy;
	}
	pthread_mutex_unlock(&l->mu);
	return 0;
}

void *vt_link_rx_main(void *payload)
{
	vt_repl_link *l = payload;
	for (;;) {
		vt_rpc_buf buf = { 0 };
		Vanthu__V1__ReplDown *m;
		int r = vt_rpc_stream_recv(l->stream, &buf), error = 0;
		if (r <= 0) {
			rx_fail(l, r < 0 ? r : VT_EINVAL, r < 0 ? vt_error_last() : "the hub ended the stream");
			break;
		}
		m = vanthu__v1__repl_down__unpack(NULL, buf.len, buf.data);
		vt_rpc_buf_dispose(&buf);
		if (!m) {
			rx_fail(l, VT_EINVAL, "a message from the hub does not decode");
			break;
		}
		pthread_mutex_lock(&l->mu);
		l->last_rx = link_now_ms();
		pthread_mutex_unlock(&l->mu);
		switch (m->kind_case) {
		case VANTHU__V1__REPL_DOWN__KIND_WELCOME:
			pthread_mutex_lock(&l->mu);
			if (l->welcome)
				error = vt_error_set(VT_EINVAL, "a second welcome");
			else
				l->welcome = m->welcome, m->welcome = NULL, m->kind_case = 0;
			wake(l);
			pthread_mutex_unlock(&l->mu);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_ACK:
			error = rx_ack(l, m->ack);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_NEED:
			pthread_mutex_lock(&l->mu);
			for (size_t i = 0; i < m->need->n_sha256 && !error; i++) {
				if (m->need->sha256[i].len != 32)
					continue;
				if (l->nneed == l->capneed) {
					size_t cap = l->capneed ? l->capneed * 2 : 64;
					void *p = realloc(l->need, cap * 32);
					if (!p) {
						error = vt_error_set(VT_ENOMEM, "out of memory");
						break;
					}
					l->need = p;
					l->capneed = cap;
				}
				memcpy(l->need[l->nneed++], m->need->sha256[i].data, 32);
			}
			pthread_mutex_unlock(&l->mu);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_BLOB: {
			int done;
			error = vt_repl_blob_in_add(&l->blob, l->node->store, m->blob, &done);
			break;
		}
		case VANTHU__V1__REPL_DOWN__KIND_DELIVERY:
			pthread_mutex_lock(&l->mu);
			if (l->ndeliv == l->capdeliv) {
				size_t cap = l->capdeliv ? l->capdeliv * 2 : 16;
				void *p = realloc(l->deliv, cap * sizeof(*l->deliv));
				if (!p)
					error = vt_error_set(VT_ENOMEM, "out of memory");
				else
					l->deliv = p, l->capdeliv = cap;
			}
			if (!error) {
				l->deliv[l->ndeliv++] = m;
				m = NULL;
			}
			pthread_mutex_unlock(&l->mu);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_AUDIT:
			pthread_mutex_lock(&l->mu);
			l->naudit = 0;
			for (size_t i = 0; i < m->audit->n_seqs && l->naudit < VT_REPL_AUDIT; i++)
				l->audit[l->naudit++] = m->audit->seqs[i];
			pthread_mutex_unlock(&l->mu);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_DIRECTORY:
			error = vt_unit_meta_directory_put(l->node->store, l->node->node_id, m->directory);
			break;
		case VANTHU__V1__REPL_DOWN__KIND_PONG:
			break;
		default:
			error = vt_error_set(VT_EINVAL, "unexpected message from the hub (kind %d)", (int)m->kind_case);
		}
		if (m)
			vanthu__v1__repl_down__free_unpacked(m, NULL);
		if (error < 0) {
			rx_fail(l, error, vt_error_last());
			vt_rpc_stream_cancel(l->stream);
			break;
		}
		pthread_mutex_lock(&l->mu);
		wake(l);
		pthread_mutex_unlock(&l->mu);
	}
	return NULL;
}
