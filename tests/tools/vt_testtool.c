/* Test tool for the end-to-end replication tests (not installed):
 *   vt_testtool fill DIR N [BLOB_KIB]  appends N incoming documents of ~1 KiB
 *                                      (each with its own file of BLOB_KIB KiB
 *                                      when given), many writers at once
 *   vt_testtool rewrite DIR SEQ        rebuilds DIR's log with entry SEQ
 *                                      altered, re-signed with the node's key
 *                                      (someone with the disk and the key)
 *   vt_testtool truncate DIR N         rebuilds DIR's log with its first N
 *                                      entries only
 *   vt_testtool poke DIR SEQ           edits entry SEQ in place (flips the case
 *                                      of its actor's first letter; again: back),
 *                                      nothing else touched
 * The node must not be running. */
#include "events.h"
#include "store/error.h"
#include "store/keyspace.h"
#include "store/log.h"
#include "node.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WRITERS 16

typedef struct filler {
	vt_node *node;
	uint64_t n, first;
	size_t blob;
	int error;
} filler;

static void *fill_main(void *arg)
{
	filler *f = arg;
	char summary[1000], symbol[64];
	uint8_t *buf = f->blob ? malloc(f->blob) : NULL;
	for (uint64_t i = 0; i < f->n && !f->error; i++) {
		Vanthu__V1__DocumentMeta m = VANTHU__V1__DOCUMENT_META__INIT;
		Vanthu__V1__DocumentCreated dc = VANTHU__V1__DOCUMENT_CREATED__INIT;
		Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
		Vanthu__V1__Attachment att = VANTHU__V1__ATTACHMENT__INIT, *atts[1] = { &att };
		uint8_t hash[32];
		snprintf(symbol, sizeof(symbol), "%" PRIu64 "/CV-TEST", f->first + i);
		memset(summary, 'v', sizeof(summary) - 1);
		summary[sizeof(summary) - 1] = 0;
		memcpy(summary, "V/v kiểm thử sao chép ", 24);
		m.direction = VANTHU__V1__DIRECTION__INCOMING;
		m.doc_type = "CV";
		m.number_symbol = symbol;
		m.issuing_agency = "UBND tỉnh Kiểm Thử";
		m.summary = summary;
		if (buf) {
			Vanthu__V1__BlobAdded ba = VANTHU__V1__BLOB_ADDED__INIT;
			Vanthu__V1__Event bev = VANTHU__V1__EVENT__INIT;
			randombytes_buf(buf, f->blob);
			memcpy(buf, "%PDF-1.4\n", 9);
			if ((f->error = vt_store_blob_put(f->node->store, buf, f->blob, hash)) < 0)
				break;
			ba.sha256.data = hash;
			ba.sha256.len = 32;
			ba.size = f->blob;
			ba.media_type = "application/pdf";
			bev.kind_case = VANTHU__V1__EVENT__KIND_BLOB_ADDED;
			bev.blob_added = &ba;
			if ((f->error = vt_log_append(f->node->log, "van.thu", &bev, NULL)) < 0)
				break;
			att.sha256.data = hash;
			att.sha256.len = 32;
			att.size = f->blob;
			att.name = "van-ban.pdf";
			att.media_type = "application/pdf";
			m.attachments = atts;
			m.n_attachments = 1;
		}
		dc.meta = &m;
		ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_CREATED;
		ev.document_created = &dc;
		f->error = vt_log_append(f->node->log, "van.thu", &ev, NULL);
	}
	free(buf);
	return NULL;
}

static int fill(const char *dir, uint64_t n, size_t blob_kib)
{
	vt_node *node = NULL;
	filler f[WRITERS];
	pthread_t t[WRITERS];
	int error;
	vt_node_open_opts oo = { 0 };
	oo.sth_every = 1; /* a kept head per commit: replication batches can end anywhere */
	if ((error = vt_node_open(&node, dir, &oo)) < 0)
		return error;
	for (int i = 0; i < WRITERS; i++) {
		f[i].node = node;
		f[i].n = n / WRITERS + ((uint64_t)i < n % WRITERS);
		f[i].first = vt_log_size(node->log) + (uint64_t)i * 1000000;
		f[i].blob = blob_kib * 1024;
		f[i].error = 0;
		pthread_create(&t[i], NULL, fill_main, &f[i]);
	}
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(t[i], NULL);
		if (f[i].error < 0)
			error = f[i].error;
	}
	printf("%" PRIu64 "\n", vt_log_size(node->log));
	vt_node_free(node);
	return error;
}

/* Rebuilds dir/db from its own entries: the first `keep`, entry `alter`
 * (if < keep) with its actor changed; blobs copied; heads signed anew with
 * the node's key. The old database is kept as db.orig. */
static int rebuild(const char *dir, uint64_t keep, uint64_t alter)
{
	vt_node *src = NULL;
	vt_store *dst = NULL;
	vt_log *log = NULL;
	vt_log_config lc = { 0 };
	vt_iter *it = NULL;
	char tmp[4096], db[4096], orig[4096], path[4096];
	uint64_t size;
	int error;
	if ((error = vt_node_open(&src, dir, NULL)) < 0)
		return error;
	size = vt_log_size(src->log);
	if (keep > size)
		keep = size;
	snprintf(tmp, sizeof(tmp), "%.4000s.rebuild", dir);
	if ((error = vt_node_restore_begin(tmp, src->sk, &dst)) < 0)
		goto out;
	/* blobs first: entries refer to them */
	if ((error = vt_iter_new(&it, src->store, VT_CF_BLOB, NULL, 0)) < 0)
		goto out;
	for (; vt_iter_valid(it); vt_iter_next(it)) {
		size_t vl;
		const char *v = vt_iter_value(it, &vl);
		uint8_t h[32];
		if ((error = vt_store_blob_put(dst, v, vl, h)) < 0)
			goto out;
	}
	vt_iter_free(it);
	it = NULL;
	lc.origin = src->node_id;
	lc.apply = vt_events_apply;
	lc.sign_key = src->sk;
	lc.sth_every = 1;
	if ((error = vt_log_open(&log, dst, &lc)) < 0)
		goto out;
	for (uint64_t seq = 0; seq < keep; seq++) {
		Vanthu__V1__LogEntry *e = NULL;
		char actor[200];
		if ((error = vt_log_entry_get(src->store, src->node_id, seq, &e)) < 0)
			goto out;
		if (seq == alter) {
			char *was = e->actor;
			snprintf(actor, sizeof(actor), "%s.forged", was);
			e->actor = actor;
			error = vt_log_append_entry(log, e, NULL);
			e->actor = was;
		} else {
			error = vt_log_append_entry(log, e, NULL);
		}
		vanthu__v1__log_entry__free_unpacked(e, NULL);
		if (error < 0)
			goto out;
	}
	vt_log_free(log);
	log = NULL;
	if ((error = vt_node_mark_complete(dst, src->node_id)) < 0)
		goto out;
	vt_store_free(dst);
	dst = NULL;
	vt_node_free(src);
	src = NULL;
	snprintf(db, sizeof(db), "%.4000s/db", dir);
	snprintf(orig, sizeof(orig), "%.4000s/db.orig", dir);
	snprintf(path, sizeof(path), "%.4000s/db", tmp);
	if (rename(db, orig) != 0 || rename(path, db) != 0) {
		error = vt_error_set(VT_EIO, "cannot swap %s", db);
		goto out;
	}
	printf("%" PRIu64 "\n", keep);
out:
	vt_iter_free(it);
	vt_log_free(log);
	vt_store_free(dst);
	vt_node_free(src);
	return error;
}

/* Flips the case of the first letter of entry seq's actor, in place. */
static int poke(const char *dir, uint64_t seq)
{
	vt_store *store = NULL;
	char path[4200], id[VT_NODE_ID_MAX + 1], *v = NULL, *p;
	Vanthu__V1__LogEntry *e = NULL;
	vt_batch *b = NULL;
	vt_key k;
	size_t n;
	int error;
	snprintf(path, sizeof(path), "%.4000s/db", dir);
	if ((error = vt_store_open(&store, path, 0)) < 0 || (error = vt_node_id_get(store, id, sizeof(id))) < 0)
		goto out;
	vt_log_key_entry(&k, id, seq);
	if ((error = vt_store_get(store, VT_CF_LOG, k.buf, k.len, &v, &n)) < 0)
		goto out;
	if (!(e = vanthu__v1__log_entry__unpack(NULL, n, (const uint8_t *)v)) || !*e->actor ||
	    !(p = memmem(v, n, e->actor, strlen(e->actor)))) {
		error = vt_error_set(VT_ECORRUPT, "entry %" PRIu64 " has no actor to edit", seq);
		goto out;
	}
	*p ^= 0x20;
	if ((error = vt_batch_new(&b, store)) < 0)
		goto out;
	vt_batch_put(b, VT_CF_LOG, k.buf, k.len, v, n);
	error = vt_store_write(store, b, 1);
out:
	vt_batch_free(b);
	if (e)
		vanthu__v1__log_entry__free_unpacked(e, NULL);
	free(v);
	vt_store_free(store);
	return error;
}

int main(int argc, char **argv)
{
	int error;
	if (argc >= 4 && strcmp(argv[1], "fill") == 0)
		error = fill(argv[2], strtoull(argv[3], NULL, 10), argc > 4 ? strtoull(argv[4], NULL, 10) : 0);
	else if (argc == 4 && strcmp(argv[1], "rewrite") == 0)
		error = rebuild(argv[2], UINT64_MAX, strtoull(argv[3], NULL, 10));
	else if (argc == 4 && strcmp(argv[1], "poke") == 0)
		error = poke(argv[2], strtoull(argv[3], NULL, 10));
	else if (argc == 4 && strcmp(argv[1], "truncate") == 0)
		error = rebuild(argv[2], strtoull(argv[3], NULL, 10), UINT64_MAX);
	else {
		fprintf(stderr, "usage: vt_testtool fill DIR N [BLOB_KIB] | rewrite DIR SEQ | truncate DIR N | poke DIR SEQ\n");
		return 2;
	}
	if (error < 0) {
		fprintf(stderr, "vt_testtool: %s\n", vt_error_last());
		return 1;
	}
	return 0;
}
