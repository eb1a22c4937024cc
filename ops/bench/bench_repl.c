/* Benchmark: replication unit -> hub over gRPC with mutual TLS, in one
 * process (a unit node with its link, a hub node with its server).
 *  1. catch-up of a backlog of N entries (~1 KiB incoming documents), and
 *     of D documents with a file of K KiB each (the hub asks for the blobs),
 *     against the hub's own local ingest of the same log measured in the
 *     same run: the replica's verification and apply (vt_replica_push, the
 *     blobs stored first) without the network. Goal: >= 50 %.
 *  2. steady state: W writers appending to the unit for S seconds; the lag
 *     of each entry from durable at the unit to acknowledged (durable and
 *     co-signed) by the hub. Goal: p99 <= 100 ms.
 * Usage: bench_repl [--entries N] [--docs D] [--doc-kib K] [--writers W]
 *                   [--seconds S] [--rate R (appends/s in total, 0: as fast as possible)] */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "bench.h"
#include "accounts/enrolment.h"
#include "store/log.h"
#include "node.h"
#include "replication/repl.h"
#include "replication/replica.h"
#include "rpc/rpc.h"
#include "tlsgen.h"

#define UNIT_ID "000.00.01.U01"
#define HUB_ID "000.00.00.HUB"

static char g_dir[256], g_tls[512];

/* ---- filling a unit's log */

typedef struct filler {
	vt_node *node;
	uint64_t n, first;
	size_t blob;
} filler;

static void append_doc(vt_node *node, uint64_t k, size_t blob, uint8_t *buf)
{
	Vanthu__V1__DocumentMeta m = VANTHU__V1__DOCUMENT_META__INIT;
	Vanthu__V1__DocumentCreated dc = VANTHU__V1__DOCUMENT_CREATED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__Attachment att = VANTHU__V1__ATTACHMENT__INIT, *atts[1] = { &att };
	char summary[900], symbol[64];
	uint8_t hash[32];
	snprintf(symbol, sizeof(symbol), "%" PRIu64 "/CV-UBND", k);
	memset(summary, 'v', sizeof(summary) - 1);
	summary[sizeof(summary) - 1] = 0;
	memcpy(summary, "V/v sao chép về sở ", 21);
	m.direction = VANTHU__V1__DIRECTION__INCOMING;
	m.doc_type = "CV";
	m.number_symbol = symbol;
	m.issuing_agency = "UBND tỉnh Sóc Trăng";
	m.summary = summary;
	if (blob) {
		Vanthu__V1__BlobAdded ba = VANTHU__V1__BLOB_ADDED__INIT;
		Vanthu__V1__Event bev = VANTHU__V1__EVENT__INIT;
		vt_log_extra x = { VT_CF_BLOB, hash, 32, buf, blob };
		randombytes_buf(buf, blob);
		memcpy(buf, "%PDF-1.4\n", 9);
		crypto_hash_sha256(hash, buf, blob);
		ba.sha256.data = hash;
		ba.sha256.len = 32;
		ba.size = blob;
		ba.media_type = "application/pdf";
		bev.kind_case = VANTHU__V1__EVENT__KIND_BLOB_ADDED;
		bev.blob_added = &ba;
		/* the blob goes in with its event, as an upload does */
		bench_check(vt_log_append_ex(node->log, "van.thu", &bev, &x, 1, NULL), "blob added");
		att.sha256.data = hash;
		att.sha256.len = 32;
		att.size = blob;
		att.name = "van-ban.pdf";
		att.media_type = "application/pdf";
		m.attachments = atts;
		m.n_attachments = 1;
	}
	dc.meta = &m;
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_CREATED;
	ev.document_created = &dc;
	bench_check(vt_log_append(node->log, "van.thu", &ev, NULL), "document created");
}

static void *fill_main(void *arg)
{
	filler *f = arg;
	uint8_t *buf = f->blob ? bench_xmalloc(f->blob) : NULL;
	for (uint64_t i = 0; i < f->n; i++)
		append_doc(f->node, f->first + i, f->blob, buf);
	free(buf);
	return NULL;
}

static void fill(vt_node *node, uint64_t n, size_t blob)
{
	enum { W = 32 };
	filler f[W];
	pthread_t t[W];
	for (int i = 0; i < W; i++) {
		f[i].node = node;
		f[i].n = n / W + ((uint64_t)i < n % W);
		f[i].first = (uint64_t)i * 10000000;
		f[i].blob = blob;
		pthread_create(&t[i], NULL, fill_main, &f[i]);
	}
	for (int i = 0; i < W; i++)
		pthread_join(t[i], NULL);
}

static vt_node *node_new(const char *name, const char *id, const char *role)
{
	char dir[512];
	vt_node_init_opts io = { 0 };
	vt_node *n = NULL;
	snprintf(dir, sizeof(dir), "%s/%s", g_dir, name);
	io.node_id = id;
	io.role = role;
	io.agency_name = name;
	bench_check(vt_node_init(dir, &io), "node init");
	bench_check(vt_node_open(&n, dir, NULL), "node open");
	return n;
}

/* ---- the hub's local ingest: the same batches, no network */

static double local_ingest(vt_node *unit, const char *name)
{
	vt_node *hub = node_new(name, HUB_ID, "hub");
	vt_replica *rep = NULL;
	uint64_t size = vt_log_size(unit->log), from = 0;
	double t0;
	bench_check(vt_replica_open(&rep, hub->store, UNIT_ID, unit->pk), "replica open");
	t0 = bench_now();
	while (from < size) {
		Vanthu__V1__TreeHead *head = NULL;
		Vanthu__V1__CoSignature cosig;
		uint8_t cbuf[72];
		uint8_t **raw;
		size_t *len, n;
		bench_check(vt_log_sth_batch_end(unit->store, UNIT_ID, from, 4096, &head), "batch head");
		n = (size_t)(head->size - from);
		raw = bench_xmalloc(n * sizeof(*raw));
		len = bench_xmalloc(n * sizeof(*len));
		for (size_t i = 0; i < n; i++) {
			Vanthu__V1__LogEntry *e = NULL;
			bench_check(vt_log_entry_raw(unit->store, UNIT_ID, from + i, (char **)&raw[i], &len[i]), "entry");
			e = vanthu__v1__log_entry__unpack(NULL, len[i], raw[i]);
			if (e && e->event && e->event->kind_case == VANTHU__V1__EVENT__KIND_BLOB_ADDED) {
				char *data = NULL;
				size_t dl;
				uint8_t h[32];
				bench_check(vt_store_blob_get(unit->store, e->event->blob_added->sha256.data, &data, &dl), "blob");
				bench_check(vt_store_blob_put(hub->store, data, dl, h), "blob put");
				free(data);
			}
			if (e)
				vanthu__v1__log_entry__free_unpacked(e, NULL);
		}
		bench_check(vt_replica_push(rep, from, (const uint8_t *const *)raw, len, n, head, HUB_ID, hub->sk, &cosig,
			cbuf), "replica push");
		for (size_t i = 0; i < n; i++)
			free(raw[i]);
		free(raw);
		free(len);
		from = head->size;
		vanthu__v1__tree_head__free_unpacked(head, NULL);
	}
	t0 = bench_now() - t0;
	vt_replica_free(rep);
	vt_node_free(hub);
	return t0;
}

/* ---- over gRPC */

typedef struct hub_srv {
	vt_node *node;
	vt_rpc_server *server;
	vt_repl_hub *hub;
	int port;
} hub_srv;

static void hub_start(hub_srv *h, const char *name, const vt_node *unit)
{
	vt_rpc_server_opts so = { 0 };
	char cert[600], key[600], ca[600];
	vt_apply_result res;
	h->node = node_new(name, HUB_ID, "hub");
	bench_check(vt_repl_enroll(h->node, "bench", UNIT_ID, unit->pk, "unit", "", &res), "enroll");
	snprintf(cert, sizeof(cert), "%s/server.pem", g_tls);
	snprintf(key, sizeof(key), "%s/server.key", g_tls);
	snprintf(ca, sizeof(ca), "%s/ca.pem", g_tls);
	so.listen = "127.0.0.1:0";
	so.cert_file = cert;
	so.key_file = key;
	so.client_ca_file = ca;
	so.max_recv = VT_REPL_MAX_MSG;
	so.workers = 8;
	h->port = vt_rpc_server_new(&h->server, &so);
	bench_check(h->port, "server");
	bench_check(vt_repl_hub_new(&h->hub, h->node), "hub");
	bench_check(vt_repl_hub_register(h->hub, h->server), "register");
	bench_check(vt_rpc_server_start(h->server), "start");
}

static void hub_stop(hub_srv *h)
{
	vt_rpc_server_shutdown(h->server, 0);
	vt_rpc_server_free(h->server);
	vt_repl_hub_free(h->hub);
	vt_node_free(h->node);
}

static vt_repl_link *link_start(vt_node *unit, int port)
{
	vt_repl_link_opts lo = { 0 };
	vt_repl_link *l = NULL;
	char addr[64], ca[600], cert[600], key[600];
	snprintf(addr, sizeof(addr), "localhost:%d", port);
	snprintf(ca, sizeof(ca), "%s/ca.pem", g_tls);
	snprintf(cert, sizeof(cert), "%s/unit.pem", g_tls);
	snprintf(key, sizeof(key), "%s/unit.key", g_tls);
	lo.peer.hub = addr;
	lo.peer.ca_file = ca;
	lo.peer.cert_file = cert;
	lo.peer.key_file = key;
	bench_check(vt_repl_link_start(&l, unit, &lo), "link");
	return l;
}

static double catch_up(vt_node *unit, const char *name)
{
	hub_srv h;
	vt_repl_link *l;
	uint64_t size = vt_log_size(unit->log);
	double t0, t;
	hub_start(&h, name, unit);
	t0 = bench_now();
	l = link_start(unit, h.port);
	while (vt_repl_link_acked(l) < size) {
		if (bench_now() - t0 > 600)
			bench_die("catch-up did not finish in 10 minutes (%" PRIu64 " of %" PRIu64 ")", vt_repl_link_acked(l),
				size);
		usleep(1000);
	}
	t = bench_now() - t0;
	vt_repl_link_stop(l);
	hub_stop(&h);
	return t;
}

/* ---- steady state */

typedef struct steady {
	vt_node *unit;
	vt_repl_link *link;
	double *done, *acked;   /* per seq */
	uint64_t cap;
	double stop_at, interval; /* interval between one writer's appends (rate limit) */
	atomic_int running;
} steady;

static void *steady_writer(void *arg)
{
	steady *s = arg;
	uint8_t dummy[1];
	double next = bench_now();
	uint64_t k = 0;
	while (bench_now() < s->stop_at) {
		vt_apply_result res;
		Vanthu__V1__DocumentMeta m = VANTHU__V1__DOCUMENT_META__INIT;
		Vanthu__V1__DocumentCreated dc = VANTHU__V1__DOCUMENT_CREATED__INIT;
		Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
		char summary[900], symbol[64];
		(void)dummy;
		if (s->interval > 0) {
			double now = bench_now();
			if (now < next)
				usleep((useconds_t)((next - now) * 1e6));
			next += s->interval;
		}
		snprintf(symbol, sizeof(symbol), "%p-%" PRIu64 "/CV", (void *)&res, k++);
		memset(summary, 's', sizeof(summary) - 1);
		summary[sizeof(summary) - 1] = 0;
		m.direction = VANTHU__V1__DIRECTION__INCOMING;
		m.doc_type = "CV";
		m.number_symbol = symbol;
		m.issuing_agency = "UBND";
		m.summary = summary;
		dc.meta = &m;
		ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_CREATED;
		ev.document_created = &dc;
		bench_check(vt_log_append(s->unit->log, "van.thu", &ev, &res), "append");
		if (res.seq < s->cap)
			s->done[res.seq] = bench_now();
	}
	return NULL;
}

static void *steady_monitor(void *arg)
{
	steady *s = arg;
	uint64_t seen = vt_repl_link_acked(s->link);
	while (atomic_load(&s->running)) {
		uint64_t a = vt_repl_link_acked(s->link);
		if (a > seen) {
			double t = bench_now();
			for (uint64_t q = seen; q < a && q < s->cap; q++)
				s->acked[q] = t;
			seen = a;
		}
		usleep(200);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	bench_report r = { .bench = "repl" };
	uint64_t entries = 100000, docs = 1000;
	int doc_kib = 100, writers = 32, seconds = 10;
	double rate = 0;
	static const struct option longs[] = { { "entries", 1, 0, 'n' }, { "docs", 1, 0, 'd' }, { "doc-kib", 1, 0, 'k' },
		{ "writers", 1, 0, 'w' }, { "seconds", 1, 0, 's' }, { "rate", 1, 0, 'r' }, { 0, 0, 0, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'n': entries = strtoull(optarg, NULL, 10); break;
		case 'd': docs = strtoull(optarg, NULL, 10); break;
		case 'k': doc_kib = atoi(optarg); break;
		case 'w': writers = atoi(optarg); break;
		case 's': seconds = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		default:
			fprintf(stderr, "usage: bench_repl [--entries N] [--docs D] [--doc-kib K] [--writers W] [--seconds S] "
				"[--rate R]\n");
			return 2;
		}
	}
	setenv("GRPC_VERBOSITY", "NONE", 0);
	bench_print_machine();
	bench_tmpdir(g_dir, sizeof(g_dir), "bench-repl");
	snprintf(g_tls, sizeof(g_tls), "%s/tls", g_dir);
	bench_check(vt_tlsgen_ca(g_tls), "tls ca");
	bench_check(vt_tlsgen_issue(g_tls, "server", "hub", NULL), "tls server");
	bench_check(vt_tlsgen_issue(g_tls, "unit", UNIT_ID, NULL), "tls unit");
	bench_param(&r, "entries", (double)entries);
	bench_param(&r, "docs", (double)docs);
	bench_param(&r, "doc_kib", doc_kib);
	bench_param(&r, "writers", writers);
	bench_param(&r, "seconds", seconds);
	bench_param(&r, "rate", rate);

	/* 1a. a backlog of ~1 KiB entries */
	{
		vt_node *unit = node_new("unit-a", UNIT_ID, "unit");
		double tl, tn, n;
		fill(unit, entries, 0);
		n = (double)vt_log_size(unit->log);
		tl = local_ingest(unit, "hub-a-local");
		tn = catch_up(unit, "hub-a-grpc");
		bench_fig(&r, "entries_local_ingest", n / tl, "entries/s");
		bench_fig(&r, "entries_catch_up", n / tn, "entries/s");
		bench_fig(&r, "entries_catch_up_ratio", tl / tn, "x");
		bench_goal(&r, "entries_catch_up", ">= 0.5 of local ingest", tl / tn >= 0.5);
		vt_node_free(unit);
	}
	/* 1b. documents with files */
	{
		vt_node *unit = node_new("unit-b", UNIT_ID, "unit");
		double tl, tn;
		fill(unit, docs, (size_t)doc_kib * 1024);
		tl = local_ingest(unit, "hub-b-local");
		tn = catch_up(unit, "hub-b-grpc");
		bench_fig(&r, "docs_local_ingest", (double)docs / tl, "docs/s");
		bench_fig(&r, "docs_catch_up", (double)docs / tn, "docs/s");
		bench_fig(&r, "docs_catch_up_mb", (double)docs * doc_kib / 1024.0 / tn, "MiB/s");
		bench_fig(&r, "docs_catch_up_ratio", tl / tn, "x");
		bench_goal(&r, "docs_catch_up", ">= 0.5 of local ingest", tl / tn >= 0.5);
		vt_node_free(unit);
	}
	/* 2. steady state */
	{
		steady s = { 0 };
		hub_srv h;
		pthread_t *t = bench_xmalloc((size_t)writers * sizeof(*t)), mon;
		double *lag;
		size_t nl = 0;
		uint64_t first, last;
		s.unit = node_new("unit-c", UNIT_ID, "unit");
		hub_start(&h, "hub-c", s.unit);
		s.link = link_start(s.unit, h.port);
		while (vt_repl_link_acked(s.link) < vt_log_size(s.unit->log))
			usleep(1000);
		first = vt_log_size(s.unit->log);
		s.cap = first + (uint64_t)seconds * 200000;
		s.done = calloc(s.cap, sizeof(double));
		s.acked = calloc(s.cap, sizeof(double));
		if (!s.done || !s.acked)
			bench_die("out of memory");
		s.interval = rate > 0 ? writers / rate : 0;
		s.stop_at = bench_now() + seconds;
		atomic_store(&s.running, 1);
		pthread_create(&mon, NULL, steady_monitor, &s);
		for (int i = 0; i < writers; i++)
			pthread_create(&t[i], NULL, steady_writer, &s);
		for (int i = 0; i < writers; i++)
			pthread_join(t[i], NULL);
		last = vt_log_size(s.unit->log);
		{
			double t0 = bench_now();
			while (vt_repl_link_acked(s.link) < last && bench_now() - t0 < 60)
				usleep(1000);
		}
		atomic_store(&s.running, 0);
		pthread_join(mon, NULL);
		lag = bench_xmalloc((size_t)(last - first) * sizeof(double));
		for (uint64_t q = first; q < last && q < s.cap; q++)
			if (s.done[q] > 0 && s.acked[q] > 0)
				lag[nl++] = s.acked[q] > s.done[q] ? (s.acked[q] - s.done[q]) * 1000.0 : 0;
		if (getenv("BENCH_REPL_TRACE")) {
			/* the worst lag of each second of the run, to see stalls */
			double t0 = s.done[first], worst[120] = { 0 };
			for (uint64_t q = first; q < last && q < s.cap; q++)
				if (s.done[q] > 0 && s.acked[q] > 0) {
					int sec = (int)(s.done[q] - t0);
					if (sec >= 0 && sec < 120 && s.acked[q] - s.done[q] > worst[sec])
						worst[sec] = s.acked[q] - s.done[q];
				}
			for (int i = 0; i < seconds && i < 120; i++)
				printf("trace second %d: worst lag %.1f ms\n", i, worst[i] * 1000.0);
		}
		bench_sort(lag, nl);
		bench_fig(&r, "steady_appends", (double)(last - first) / seconds, "entries/s");
		bench_fig(&r, "steady_lag_p50", bench_pct(lag, nl, 50), "ms");
		bench_fig(&r, "steady_lag_p99", bench_pct(lag, nl, 99), "ms");
		bench_fig(&r, "steady_lag_max", nl ? lag[nl - 1] : 0, "ms");
		bench_goal(&r, "steady_lag_p99", "<= 100 ms", nl && bench_pct(lag, nl, 99) <= 100);
		vt_repl_link_stop(s.link);
		hub_stop(&h);
		vt_node_free(s.unit);
		free(lag);
		free(s.done);
		free(s.acked);
		free(t);
	}
	bench_json(&r);
	bench_rm_rf(g_dir);
	return 0;
}
