/* Restore of a unit that lost its disk: its log and blobs as the hub holds
 * them, replayed with the same apply code into a new data directory with
 * the unit's own key (kept off the node), and checked against the hub's
 * last co-signed head: the hub's co-signature with the pinned hub key, the
 * unit's own signature, and the root of the rebuilt tree at that size. */
#define _XOPEN_SOURCE 700
#include "events.h"
#include "replication/repl.h"
#include "store/keyspace.h"
#include "store/error.h"
#include "store/keys.h"
#include "store/log.h"
#include "replication/replica.h"
#include "replication/unit_meta.h"
#include "store/sth.h"

#include <ftw.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GROUP 1024

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(path);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int flush_entries(vt_log *log, Vanthu__V1__LogEntry **e, size_t *n)
{
	size_t applied = 0;
	int error = *n ? vt_log_append_entries(log, (const Vanthu__V1__LogEntry *const *)e, *n, &applied) : 0;
	for (size_t i = 0; i < *n; i++)
		vanthu__v1__log_entry__free_unpacked(e[i], NULL);
	*n = 0;
	return error;
}

int vt_repl_restore(const char *datadir, const vt_repl_restore_opts *o, uint64_t *size)
{
	vt_rpc_client *client = NULL;
	vt_rpc_stream *stream = NULL;
	vt_store *store = NULL;
	vt_log *log = NULL;
	vt_log_config lc = { 0 };
	Vanthu__V1__CoSignedHead *head = NULL;
	Vanthu__V1__LogEntry *group[GROUP];
	vt_repl_blob_in blob = { { 0 }, 0, 0, NULL };
	uint8_t sk[64], pk[32], hub_pk[32], root[VT_HASH_LEN];
	uint64_t next = 0;
	size_t ng = 0;
	int error, created = 0, pinned, r;
	int64_t t0 = mono_ms(), shown = t0;
	struct stat st;

	*size = 0;
	if ((error = vt_repl_peer_check(&o->peer, hub_pk, &pinned)) < 0)
		return error;
	if (!pinned)
		return vt_error_set(VT_EINVAL, "a restore checks the hub's co-signature: give the hub's public key "
			"(hub_public_key, 64 hex digits)");
	if (!o->node_id || !*o->node_id)
		return vt_error_set(VT_EINVAL, "a restore needs the unit's node id");
	if (!o->node_key_file || !*o->node_key_file)
		return vt_error_set(VT_EINVAL, "a restore needs the unit's node key (a copy of keys/node.ed25519): "
			"its log is signed with it and goes on with it");
	if ((error = vt_keys_load_ed25519(o->node_key_file, 0, sk, pk)) < 0)
		return error;
	if (stat(datadir, &st) == 0) {
		char db[4096];
		snprintf(db, sizeof(db), "%.4000s/db", datadir);
		if (stat(db, &st) == 0)
			return vt_error_set(VT_EEXISTS, "%s already holds a database: restore into a new directory",
				datadir);
	} else {
		created = 1;
	}

	if ((error = vt_repl_client_new(&client, &o->peer)) < 0)
		goto out;
	{
		Vanthu__V1__FetchRequest req = VANTHU__V1__FETCH_REQUEST__INIT;
		uint8_t buf[256];
		size_t n;
		req.node_id = (char *)o->node_id;
		if ((n = vanthu__v1__fetch_request__get_packed_size(&req)) > sizeof(buf)) {
			error = vt_error_set(VT_EINVAL, "node id too long");
			goto out;
		}
		vanthu__v1__fetch_request__pack(&req, buf);
		if ((error = vt_rpc_stream_open(&stream, client, VT_REPL_FETCH, NULL, 0, 0)) < 0 ||
		    (error = vt_rpc_stream_send(stream, buf, n)) < 0 || (error = vt_rpc_stream_close_send(stream)) < 0)
			goto out;
	}
	for (;;) {
		vt_rpc_buf buf = { 0 };
		Vanthu__V1__FetchReply *m;
		if ((r = vt_rpc_stream_recv(stream, &buf)) < 0) {
			error = r;
			goto out;
		}
		if (r == 0)
			break;
		m = vanthu__v1__fetch_reply__unpack(NULL, buf.len, buf.data);
		vt_rpc_buf_dispose(&buf);
		if (!m) {
			error = vt_error_set(VT_EINVAL, "a message from the hub does not decode");
			goto out;
		}
		if (!head) {
			/* first: the target, checked before anything is written */
			if (m->kind_case != VANTHU__V1__FETCH_REPLY__KIND_HEAD || !m->head->head || !m->head->cosig) {
				vanthu__v1__fetch_reply__free_unpacked(m, NULL);
				error = vt_error_set(VT_EINVAL, "the hub did not start with its co-signed head");
				goto out;
			}
			if ((error = vt_audit_check_cosigned(m->head->head, m->head->cosig, o->node_id, pk, hub_pk)) < 0) {
				vt_error_set(error, "the hub's co-signed head of %s does not verify with the node key and the hub "
					"key given: %s", o->node_id, vt_error_last());
				vanthu__v1__fetch_reply__free_unpacked(m, NULL);
				goto out;
			}
			head = m->head;
			m->head = NULL;
			m->kind_case = 0;
			vanthu__v1__fetch_reply__free_unpacked(m, NULL);
			if ((error = vt_node_restore_begin(datadir, sk, &store)) < 0)
				goto out;
			lc.origin = o->node_id;
			lc.apply = vt_events_apply;
			lc.sign_key = sk;
			if ((error = vt_log_open(&log, store, &lc)) < 0)
				goto out;
			continue;
		}
		switch (m->kind_case) {
		case VANTHU__V1__FETCH_REPLY__KIND_BLOB: {
			/* stored at once: a blob comes before the entries that refer to it */
			int done;
			error = vt_repl_blob_in_add(&blob, store, m->blob, &done);
			break;
		}
		case VANTHU__V1__FETCH_REPLY__KIND_ENTRY: {
			Vanthu__V1__LogEntry *e;
			if (m->entry->seq != next) {
				error = vt_error_set(VT_ECORRUPT, "the hub sent entry %" PRIu64 " where %" PRIu64 " was due",
					m->entry->seq, next);
				break;
			}
			if (!(e = vanthu__v1__log_entry__unpack(NULL, m->entry->entry.len, m->entry->entry.data))) {
				error = vt_error_set(VT_ECORRUPT, "entry %" PRIu64 " does not decode", next);
				break;
			}
			group[ng++] = e;
			next++;
			if (ng == GROUP)
				error = flush_entries(log, group, &ng);
			break;
		}
		default:
			error = vt_error_set(VT_EINVAL, "unexpected message from the hub (kind %d)", (int)m->kind_case);
		}
		vanthu__v1__fetch_reply__free_unpacked(m, NULL);
		if (error < 0)
			goto out;
		if (o->progress && mono_ms() - shown >= 2000) {
			shown = mono_ms();
			fprintf(stderr, "restore: %" PRIu64 "/%" PRIu64 " entries\n", next, head->head->size);
		}
	}
	if (!head) {
		error = vt_error_set(VT_EINVAL, "the hub sent nothing");
		goto out;
	}
	if ((error = flush_entries(log, group, &ng)) < 0)
		goto out;
	if (vt_log_size(log) != head->head->size) {
		error = vt_error_set(VT_ECORRUPT, "the hub sent %" PRIu64 " entries for a head of %" PRIu64,
			vt_log_size(log), head->head->size);
		goto out;
	}
	{
		vt_log_tree_src src;
		vt_log_tree_src_init(&src, store, o->node_id);
		if ((error = vt_merkle_root(root, &src.src, head->head->size)) < 0)
			goto out;
		if (memcmp(root, head->head->root.data, VT_HASH_LEN) != 0) {
			error = vt_error_set(VT_ECORRUPT, "the restored log's root differs from the co-signed head's");
			goto out;
		}
	}
	/* the co-signed head and the hub's key, as a link would have kept them */
	if ((error = vt_unit_meta_restored_put(store, o->node_id, head, hub_pk)) < 0)
		goto out;
	if ((error = vt_node_mark_complete(store, o->node_id)) < 0)
		goto out;
	*size = head->head->size;
	if (o->progress)
		fprintf(stderr, "restore: %" PRIu64 " entries of %s verified against the hub's co-signed head in %.1f s\n",
			*size, o->node_id, (double)(mono_ms() - t0) / 1000.0);
out:
	for (size_t i = 0; i < ng; i++)
		vanthu__v1__log_entry__free_unpacked(group[i], NULL);
	vt_repl_blob_in_dispose(&blob);
	vt_log_free(log);
	vt_store_free(store);
	vt_rpc_stream_free(stream);
	vt_rpc_client_free(client);
	sodium_memzero(sk, sizeof(sk));
	if (head)
		vanthu__v1__co_signed_head__free_unpacked(head, NULL);
	if (error < 0) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", vt_error_last());
		if (created)
			nftw(datadir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		else if (head || store) {
			char db[4096], keys[4096];
			snprintf(db, sizeof(db), "%.4000s/db", datadir);
			snprintf(keys, sizeof(keys), "%.4000s/keys", datadir);
			nftw(db, rm_one, 16, FTW_DEPTH | FTW_PHYS);
			nftw(keys, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		}
		vt_error_set(error, "%s", msg);
	}
	return error;
}
