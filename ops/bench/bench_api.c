/* Benchmark: the node's gRPC API ("The node speaks gRPC"), in one process:
 * a C-core echo baseline, Documents.Get, durable registrations (Create with
 * register_book: received and registered in one step) and 100 KiB uploads, each against its baseline measured
 * in the same run (echo on our rpc layer, vt_log_append, synced RocksDB puts). */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <rocksdb/c.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <grpc/grpc.h>

#include "accounts/account.h"
#include "bench.h"
#include "bench_grpc.h"
#include "docs/doc.h"
#include "store/hash.h"
#include "store/log.h"
#include "node.h"
#include "rpc/rpc.h"
#include "svc/service.h"
#include "tlsgen.h"

#define CLERK "vanthu01"                  /* the văn thư who receives and registers */
#define CLERK_PASSWORD "bench-clerk-password-1"
#define ECHO_PATH "/bench.Echo/Echo"
#define BOOK "den"                        /* sổ văn bản đến, made by vt_node_init */
#define TIMEOUT_MS (60 * 1000)
#define NODE_ID "000.00.00.H54"

typedef struct opts {
	const char *dir;      /* NULL: a mkdtemp under /tmp */
	double seconds;       /* per measured run */
	int threads;          /* client threads (and appenders, writers) */
	int workers;          /* server handler threads */
	size_t meta_bytes;    /* packed DocumentCreated log entry */
	size_t upload_bytes;
	size_t chunk_bytes;   /* upload message size (the CLI sends 256 KiB) */
	size_t echo_bytes;
	int tls_registrations;
	int client_mode;      /* 0: the faster in phase 1 (else shared), 1: shared, 2: own */
	const char *phases;   /* digits of the phases to run */
	int keep;
} opts;

#include "bench_cpu.h"

/* ---- the benchmark's state */

typedef enum mode { MODE_SHARED, MODE_OWN } mode;

typedef struct bench {
	opts o;
	char dir[256];
	char nodedir[4096], storedir[4096], rawdir[4096], tlsdir[4096];
	char ca[4096], cert[4096], key[4096];
	vt_node *node;          /* the API's node */
	vt_auth *auth;
	vt_api api;
	vt_rpc_server *srv;     /* up during the runs of one transport */
	int tls;                /* of srv */
	char target[64];
	char bearer[8 + VT_TOKEN_HEX + 1];
	char doc_id[VT_ID_MAX]; /* the document Get reads */
	size_t doc_bytes;       /* its packed size */

	/* one run */
	pthread_barrier_t start;
	atomic_int stop;
	mode mode;
	vt_rpc_client *shared;
	int run_id;             /* makes số, ký hiệu unique across runs */
	vt_node *snode;         /* storage-only appends */
	bench_raw raw;             /* the synced-puts baseline */
} bench;

typedef struct worker {
	bench *b;
	pthread_t thread;
	int id;
	uint64_t ops;
	bench_samples lat_ms;
	vt_rpc_client *client;
	bench_doc_event ev;     /* metadata of the documents it makes */
	uint8_t *data;          /* echo request, upload file, raw value */
	uint8_t *msg;           /* packed chunk */
	uint64_t rng;
} worker;

typedef struct result {
	uint64_t ops;
	double seconds, per_s, p50_ms, p99_ms, max_ms;
	cpu_use cpu;
} result;

static void usage(const char *argv0)
{
	printf("usage: %s [--dir DIR] [--seconds S] [--threads N] [--workers W] [--meta-bytes B]\n"
	       "          [--upload-bytes B] [--chunk-bytes B] [--echo-bytes B] [--no-tls-registrations]\n"
	       "          [--client-mode auto|shared|own] [--phases 1234] [--keep]\n"
	       "  --dir DIR          where the node, certificates and databases go (default: a mkdtemp\n"
	       "                     under /tmp); removed at the end unless --keep\n"
	       "  --seconds S        length of each measured run (default 5)\n"
	       "  --threads N        client threads, appenders, writers (default 32)\n"
	       "  --workers W        server handler threads (default 64, as vanthud)\n"
	       "  --meta-bytes B     a DocumentCreated log entry packs to about B (default 1024)\n"
	       "  --upload-bytes B   size of each uploaded PDF and of each raw put (default 102400)\n"
	       "  --chunk-bytes B    upload message size (default 262144, as the vanthu CLI)\n"
	       "  --echo-bytes B     echo request size (default 64)\n"
	       "  --no-tls-registrations  skip the registrations run over TLS\n"
	       "  --client-mode M    auto (default): phase 1 measures echo from one shared client and from\n"
	       "                     one client per thread, and the faster serves the API runs (shared\n"
	       "                     when phase 1 is skipped); shared or own: that one\n"
	       "  --phases P         which phases run (default 1234): 1 echo, 2 Get, 3 registrations,\n"
	       "                     4 uploads; the ratios to echo need phase 1\n"
	       "  --keep             leave the data in place\n", argv0);
}

static void parse(opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "workers", required_argument, NULL, 'w' },
		{ "meta-bytes", required_argument, NULL, 'm' },
		{ "upload-bytes", required_argument, NULL, 'u' },
		{ "chunk-bytes", required_argument, NULL, 'c' },
		{ "echo-bytes", required_argument, NULL, 'e' },
		{ "no-tls-registrations", no_argument, NULL, 'T' },
		{ "client-mode", required_argument, NULL, 'M' },
		{ "phases", required_argument, NULL, 'P' },
		{ "keep", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	memset(o, 0, sizeof(*o));
	o->seconds = 5;
	o->threads = 32;
	o->workers = 64;
	o->meta_bytes = 1024;
	o->upload_bytes = 100 * 1024;
	o->chunk_bytes = 256 * 1024;
	o->echo_bytes = 64;
	o->tls_registrations = 1;
	o->phases = "1234";
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 's': o->seconds = atof(optarg); break;
		case 't': o->threads = atoi(optarg); break;
		case 'w': o->workers = atoi(optarg); break;
		case 'm': o->meta_bytes = (size_t)atol(optarg); break;
		case 'u': o->upload_bytes = (size_t)atol(optarg); break;
		case 'c': o->chunk_bytes = (size_t)atol(optarg); break;
		case 'e': o->echo_bytes = (size_t)atol(optarg); break;
		case 'T': o->tls_registrations = 0; break;
		case 'M':
			o->client_mode = strcmp(optarg, "shared") == 0 ? 1 : strcmp(optarg, "own") == 0 ? 2 :
				strcmp(optarg, "auto") == 0 ? 0 : -1;
			break;
		case 'P': o->phases = optarg; break;
		case 'K': o->keep = 1; break;
		case 'h': usage(argv[0]); exit(0);
		default: usage(argv[0]); exit(2);
		}
	}
	if (o->seconds <= 0 || o->seconds > 600 || o->threads < 1 || o->threads > 1024 || o->workers < 1 ||
	    o->workers > 4096 || o->meta_bytes < 300 || o->meta_bytes > 60000 || o->upload_bytes < 64 ||
	    o->upload_bytes > (3u << 20) || o->chunk_bytes < 1024 || o->chunk_bytes > (3u << 20) ||
	    o->echo_bytes < 1 || o->echo_bytes > (1u << 20) || o->client_mode < 0 ||
	    strspn(o->phases, "1234") != strlen(o->phases) || !*o->phases)
		bench_die("bad arguments: seconds in (0, 600], threads 1..1024, workers 1..4096, meta-bytes "
			"300..60000, upload-bytes 64..3 MiB, chunk-bytes 1 KiB..3 MiB, echo-bytes 1..1 MiB, client-mode "
			"auto|shared|own, phases of 1234");
}


/* ---- the server: the node's services plus an echo method */

static int echo_handler(vt_rpc_call *call, void *ctx)
{
	const uint8_t *data;
	size_t len;
	int error;
	(void)ctx;
	if ((error = vt_rpc_call_request(call, &data, &len)) < 0)
		return error;
	return vt_rpc_call_set_response(call, data, len);
}

static void server_up(bench *b, int tls)
{
	vt_rpc_method echo = { 0 };
	echo.path = ECHO_PATH;
	echo.kind = VT_RPC_UNARY;
	echo.handler = echo_handler;
	echo.max_request = 1 << 20;
	bench_api_up(&b->srv, &b->api, b->o.workers, tls ? b->cert : NULL, tls ? b->key : NULL, &echo, b->target,
		sizeof(b->target));
	b->tls = tls;
}

static void client_new(bench *b, vt_rpc_client **out)
{
	bench_client_new(out, b->target, b->tls ? b->ca : NULL);
}

/* ---- workers */

#define META_CAP (64 * 1024)

static void worker_begin(worker *w, const char *name)
{
	bench *b = w->b;
	bench_thread_name(name);
	if (b->srv) {
		if (b->mode == MODE_OWN)
			client_new(b, &w->client);
		else
			w->client = b->shared;
	}
}

static void worker_end(worker *w)
{
	if (w->b->mode == MODE_OWN)
		vt_rpc_client_free(w->client);
	w->client = NULL;
}

/* One Get before the start, so that connections and TLS sessions exist. */
static void warm_up(worker *w)
{
	bench *b = w->b;
	Vanthu__V1__GetDocumentRequest req = VANTHU__V1__GET_DOCUMENT_REQUEST__INIT;
	vt_rpc_md md[1] = { { "authorization", b->bearer } };
	Vanthu__V1__Document *d;
	req.id = b->doc_id;
	d = bench_call(w->client, "/vanthu.v1.Documents/Get", md, 1, &req.base, &vanthu__v1__document__descriptor,
		w->msg, META_CAP, TIMEOUT_MS);
	vanthu__v1__document__free_unpacked(d, NULL);
}

static void *echo_worker(void *arg)
{
	worker *w = arg;
	bench *b = w->b;
	size_t n = b->o.echo_bytes;
	worker_begin(w, "bench-cli");
	for (size_t i = 0; i < n; i++)
		w->data[i] = (uint8_t)bench_rand(&w->rng);
	{
		vt_rpc_buf resp = { 0 };
		bench_check(vt_rpc_unary(w->client, ECHO_PATH, NULL, 0, w->data, n, TIMEOUT_MS, &resp), "echo");
		vt_rpc_buf_dispose(&resp);
	}
	pthread_barrier_wait(&b->start);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		vt_rpc_buf resp = { 0 };
		double t0 = bench_now();
		bench_check(vt_rpc_unary(w->client, ECHO_PATH, NULL, 0, w->data, n, TIMEOUT_MS, &resp), "echo");
		bench_samples_add(&w->lat_ms, (bench_now() - t0) * 1e3);
		if (resp.len != n || memcmp(resp.data, w->data, n) != 0)
			bench_die("echo: the response differs from the request");
		vt_rpc_buf_dispose(&resp);
		w->ops++;
	}
	worker_end(w);
	return NULL;
}

static void *get_worker(void *arg)
{
	worker *w = arg;
	bench *b = w->b;
	Vanthu__V1__GetDocumentRequest req = VANTHU__V1__GET_DOCUMENT_REQUEST__INIT;
	vt_rpc_md md[1] = { { "authorization", b->bearer } };
	worker_begin(w, "bench-cli");
	warm_up(w);
	req.id = b->doc_id;
	pthread_barrier_wait(&b->start);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		Vanthu__V1__Document *d;
		double t0 = bench_now();
		d = bench_call(w->client, "/vanthu.v1.Documents/Get", md, 1, &req.base, &vanthu__v1__document__descriptor,
			w->msg, META_CAP, TIMEOUT_MS);
		bench_samples_add(&w->lat_ms, (bench_now() - t0) * 1e3);
		if (strcmp(d->id, b->doc_id) != 0)
			bench_die("Get: asked for %s, got %s", b->doc_id, d->id);
		vanthu__v1__document__free_unpacked(d, NULL);
		w->ops++;
	}
	worker_end(w);
	return NULL;
}

/* New trích yếu and a số, ký hiệu no other document of this benchmark has
 * (the duplicate check of incoming registrations would refuse a repeat). */
static void next_doc(worker *w)
{
	bench_doc_event_fill(&w->ev, w->ops);
	snprintf(w->ev.symbol, sizeof(w->ev.symbol), "%d.%d.%" PRIu64 "/QĐ-UBND", w->b->run_id, w->id, w->ops);
}

/* A received document registered through the API: Documents.Create with
 * register_book, one RPC and one durable append (received and registered
 * in one atomic step, as a clerk does). */
static void *reg_worker(void *arg)
{
	worker *w = arg;
	bench *b = w->b;
	vt_rpc_md md[1] = { { "authorization", b->bearer } };
	worker_begin(w, "bench-cli");
	warm_up(w);
	pthread_barrier_wait(&b->start);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		Vanthu__V1__CreateDocumentRequest creq = VANTHU__V1__CREATE_DOCUMENT_REQUEST__INIT;
		Vanthu__V1__DocumentResponse *reg;
		double t0;
		next_doc(w);
		creq.meta = &w->ev.meta;
		creq.register_book = BOOK;
		t0 = bench_now();
		reg = bench_call(w->client, "/vanthu.v1.Documents/Create", md, 1, &creq.base,
			&vanthu__v1__document_response__descriptor, w->msg, META_CAP, TIMEOUT_MS);
		bench_samples_add(&w->lat_ms, (bench_now() - t0) * 1e3);
		if (!reg->document || !reg->document->number)
			bench_die("Create with register_book: no number");
		vanthu__v1__document_response__free_unpacked(reg, NULL);
		w->ops++;
	}
	worker_end(w);
	return NULL;
}

/* The same event straight into vt_log_append. */
static void *store_worker(void *arg)
{
	worker *w = arg;
	bench *b = w->b;
	bench_thread_name("bench-app");
	pthread_barrier_wait(&b->start);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		vt_apply_result res;
		double t0;
		next_doc(w);
		w->ev.created.register_book = BOOK;
		t0 = bench_now();
		bench_check(vt_log_append(b->snode->log, CLERK, &w->ev.ev, &res), "append DocumentCreated + register");
		bench_samples_add(&w->lat_ms, (bench_now() - t0) * 1e3);
		if (!res.number)
			bench_die("DocumentCreated with register_book: %s got no number", res.document_id);
		w->ops++;
	}
	return NULL;
}

/* A file that looks like a PDF: header, random bytes, trailer. */
static void make_pdf(worker *w, size_t len)
{
	static const char head[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", tail[] = "\n%%EOF\n";
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t r = bench_rand(&w->rng);
		memcpy(w->data + i, &r, 8);
	}
	for (; i < len; i++)
		w->data[i] = (uint8_t)bench_rand(&w->rng);
	memcpy(w->data, head, len < sizeof(head) - 1 ? len : sizeof(head) - 1);
	if (len > sizeof(head) + sizeof(tail))
		memcpy(w->data + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
}

/* Documents.Upload as the vanthu CLI does it (api/cli_remote_docs.c). */
static void upload(worker *w, const uint8_t *data, size_t len)
{
	bench *b = w->b;
	vt_rpc_md md[1] = { { "authorization", b->bearer } };
	vt_rpc_stream *s = NULL;
	vt_rpc_buf out = { 0 };
	Vanthu__V1__BlobRef *ref;
	uint8_t hash[VT_HASH_LEN];
	size_t off = 0, chunk = b->o.chunk_bytes;
	int rc;
	vt_sha256(hash, data, len);
	bench_check(vt_rpc_stream_open(&s, w->client, "/vanthu.v1.Documents/Upload", md, 1, TIMEOUT_MS),
		"open Upload");
	do {
		Vanthu__V1__BlobChunk c = VANTHU__V1__BLOB_CHUNK__INIT;
		size_t n = len - off > chunk ? chunk : len - off;
		if (off == 0) {
			c.sha256.data = hash;
			c.sha256.len = VT_HASH_LEN;
			c.size = len;
			c.media_type = "application/pdf";
		}
		c.data.data = (uint8_t *)data + off;
		c.data.len = n;
		bench_check(vt_rpc_stream_send(s, w->msg, vanthu__v1__blob_chunk__pack(&c, w->msg)), "Upload send");
		off += n;
	} while (off < len);
	bench_check(vt_rpc_stream_close_send(s), "Upload close_send");
	rc = vt_rpc_stream_recv(s, &out);
	bench_check(rc, "Upload recv");
	if (rc == 0)
		bench_die("Upload: the server sent no BlobRef");
	bench_check(vt_rpc_stream_finish(s), "Upload finish");
	if (!(ref = vanthu__v1__blob_ref__unpack(NULL, out.len, out.data)) || ref->size != len ||
	    ref->sha256.len != VT_HASH_LEN || memcmp(ref->sha256.data, hash, VT_HASH_LEN) != 0)
		bench_die("Upload: the BlobRef does not match the file");
	vanthu__v1__blob_ref__free_unpacked(ref, NULL);
	vt_rpc_buf_dispose(&out);
	vt_rpc_stream_free(s);
}

static void *upload_worker(void *arg)
{
	worker *w = arg;
	bench *b = w->b;
	worker_begin(w, "bench-cli");
	warm_up(w);
	pthread_barrier_wait(&b->start);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		double t0;
		make_pdf(w, b->o.upload_bytes);
		t0 = bench_now();
		upload(w, w->data, b->o.upload_bytes);
		bench_samples_add(&w->lat_ms, (bench_now() - t0) * 1e3);
		w->ops++;
	}
	worker_end(w);
	return NULL;
}

/* Synced puts of the same sizes into a RocksDB of our own. */
static void *raw_worker(void *arg)
{
	worker *w = arg;
	bench *b = w->b;
	uint8_t key[16];
	bench_thread_name("bench-raw");
	pthread_barrier_wait(&b->start);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		char *err = NULL;
		double t0;
		make_pdf(w, b->o.upload_bytes);
		vt_be64_put(key, (uint64_t)w->id);
		vt_be64_put(key + 8, w->ops);
		t0 = bench_now();
		rocksdb_put(b->raw.db, b->raw.wsync, (const char *)key, sizeof(key), (const char *)w->data,
			b->o.upload_bytes, &err);
		if (err)
			bench_die("rocksdb put: %s", err);
		bench_samples_add(&w->lat_ms, (bench_now() - t0) * 1e3);
		w->ops++;
	}
	return NULL;
}

/* ---- runs */


/* Runs n threads of fn for --seconds: they prepare (clients, a first
 * call), start together, stop together. */
static result run_threads(bench *b, int n, void *(*fn)(void *))
{
	worker *w = calloc((size_t)n, sizeof(*w));
	bench_samples all = { 0 };
	result res = { 0 };
	cpu_snap s0 = { 0 }, s1 = { 0 };
	size_t data_len = b->o.upload_bytes > b->o.echo_bytes ? b->o.upload_bytes : b->o.echo_bytes;
	size_t msg_len = (b->o.chunk_bytes > META_CAP ? b->o.chunk_bytes : META_CAP) + 256;
	double t0;

	if (!w)
		bench_die("out of memory");
	s0.t = bench_xmalloc(MAX_TASKS * sizeof(task_cpu));
	s1.t = bench_xmalloc(MAX_TASKS * sizeof(task_cpu));
	b->run_id++;
	atomic_store(&b->stop, 0);
	if (b->srv && b->mode == MODE_SHARED)
		client_new(b, &b->shared);
	if (pthread_barrier_init(&b->start, NULL, (unsigned)n + 1) != 0)
		bench_die("barrier");
	for (int i = 0; i < n; i++) {
		w[i].b = b;
		w[i].id = i;
		w[i].rng = (uint64_t)b->run_id * 1000003 + (uint64_t)i * 7919 + 17;
		w[i].data = bench_xmalloc(data_len);
		w[i].msg = bench_xmalloc(msg_len);
		bench_doc_event_init(&w[i].ev, b->o.meta_bytes, b->node->node_id, CLERK, (uint64_t)i + 1);
		if (pthread_create(&w[i].thread, NULL, fn, &w[i]) != 0)
			bench_die("pthread_create");
	}
	pthread_barrier_wait(&b->start);
	t0 = bench_now();
	cpu_take(&s0);
	bench_sleep(b->o.seconds);
	cpu_take(&s1);
	atomic_store(&b->stop, 1);
	for (int i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	res.seconds = bench_now() - t0;
	res.cpu = cpu_diff(&s0, &s1);
	for (int i = 0; i < n; i++) {
		res.ops += w[i].ops;
		for (size_t j = 0; j < w[i].lat_ms.n; j++)
			bench_samples_add(&all, w[i].lat_ms.v[j]);
		free(w[i].lat_ms.v);
		free(w[i].data);
		free(w[i].msg);
		bench_doc_event_dispose(&w[i].ev);
	}
	pthread_barrier_destroy(&b->start);
	if (b->shared) {
		vt_rpc_client_free(b->shared);
		b->shared = NULL;
	}
	bench_sort(all.v, all.n);
	res.per_s = (double)res.ops / res.seconds;
	res.p50_ms = bench_pct(all.v, all.n, 50);
	res.p99_ms = bench_pct(all.v, all.n, 99);
	res.max_ms = all.n ? all.v[all.n - 1] : 0;
	free(all.v);
	free(s0.t);
	free(s1.t);
	free(w);
	return res;
}


/* ---- setup */


static void node_new(const char *dir, vt_node **out)
{
	vt_node_init_opts init = { 0 };
	init.node_id = NODE_ID;
	init.role = "unit";
	init.agency_name = "Ủy ban nhân dân tỉnh Hà Giang";
	init.agency_code = NODE_ID;
	init.agency_symbol = "UBND";
	bench_check(vt_node_init(dir, &init), "vt_node_init");
	bench_check(vt_node_open(out, dir, NULL), "vt_node_open");
}

/* The node behind the API: a clerk (văn thư, role CLERK) and one
 * registered incoming document for Get. */
static void setup_node(bench *b)
{
	Vanthu__V1__Account a = VANTHU__V1__ACCOUNT__INIT;
	Vanthu__V1__Role roles[1] = { VANTHU__V1__ROLE__CLERK };
	Vanthu__V1__DocumentRegistered dr = VANTHU__V1__DOCUMENT_REGISTERED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__Document *d = NULL;
	bench_doc_event doc;
	vt_apply_result res;

	node_new(b->nodedir, &b->node);
	a.name = CLERK;
	a.full_name = "Nguyễn Thị Thư";
	a.roles = roles;
	a.n_roles = 1;
	a.position = "Văn thư";
	bench_check(vt_account_create(b->node->log, "bench", &a, CLERK_PASSWORD, "benchmark clerk", NULL),
		"create the clerk");
	bench_check(vt_auth_new(&b->auth, b->node->log, NULL), "vt_auth_new");
	b->api.node = b->node;
	b->api.auth = b->auth;
	b->api.max_blob = (size_t)64 << 20;

	bench_doc_event_init(&doc, b->o.meta_bytes, b->node->node_id, CLERK, 999);
	snprintf(doc.symbol, sizeof(doc.symbol), "1/QĐ-UBND");
	bench_check(vt_log_append(b->node->log, CLERK, &doc.ev, &res), "create the document for Get");
	snprintf(b->doc_id, sizeof(b->doc_id), "%s", res.document_id);
	dr.document_id = b->doc_id;
	dr.book = BOOK;
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_REGISTERED;
	ev.document_registered = &dr;
	bench_check(vt_log_append(b->node->log, CLERK, &ev, &res), "register the document for Get");
	bench_doc_event_dispose(&doc);
	bench_check(vt_doc_get(b->node->store, b->node->node_id, b->doc_id, &d), "read the document for Get");
	b->doc_bytes = vanthu__v1__document__get_packed_size(d);
	vanthu__v1__document__free_unpacked(d, NULL);
}

/* Auth.Login over the API: the token every later call carries. */
static void login(bench *b)
{
	vt_rpc_client *c = NULL;
	client_new(b, &c);
	bench_login(c, CLERK, CLERK_PASSWORD, VANTHU__V1__ROLE__CLERK, b->bearer, sizeof(b->bearer));
	vt_rpc_client_free(c);
}

static const char *const tname[2] = { "plain", "tls" };

/* CPU µs per operation across the whole process. */
static double cpu_per_op(const result *r)
{
	return r->per_s > 0 ? r->cpu.total * 1e6 / r->per_s : 0;
}

/* What the phases found, for the goals. */
typedef struct found {
	int echo_done, get_done, reg_done, upload_done;
	mode mode[2];           /* client mode per transport */
	result echo[2], get[2], store, reg[2], raw, upload;
} found;

/* 1. Baseline: echo through our rpc layer, from one shared client or from
 * one client (so one connection) per thread; the faster is used after. */
static void phase_echo(bench *b, bench_report *rep, found *f)
{
	char name[64];
	printf("== 1. echo baseline (%s, %zu-byte request and response)\n", ECHO_PATH, b->o.echo_bytes);
	for (int t = 0; t < 2; t++) {
		result r[2];
		server_up(b, t);
		for (int m = 0; m < 2; m++) {
			b->mode = (mode)m;
			r[m] = run_threads(b, b->o.threads, echo_worker);
			snprintf(name, sizeof(name), "echo_%s_%s", tname[t], m == MODE_OWN ? "own" : "shared");
			bench_fig(rep, name, r[m].per_s, "calls/s");
			cpu_print(name, "client threads", &r[m].cpu);
		}
		bench_api_down(&b->srv, &b->api);
		if (!b->o.client_mode)
			f->mode[t] = r[MODE_OWN].per_s > r[MODE_SHARED].per_s ? MODE_OWN : MODE_SHARED;
		f->echo[t] = r[f->mode[t]];
		printf("client mode %s: %s (%s; used for every API run over %s)\n", tname[t],
			f->mode[t] == MODE_OWN ? "one client (connection) per thread" : "one client shared by the threads",
			b->o.client_mode ? "as asked" : "the faster", tname[t]);
		bench_fig2(rep, "client_own_", tname[t], f->mode[t] == MODE_OWN, "bool");
		bench_fig2(rep, "echo_", tname[t], f->echo[t].per_s, "calls/s");
		snprintf(name, sizeof(name), "echo_%s", tname[t]);
		bench_fig2(rep, name, "_p99", f->echo[t].p99_ms, "ms");
		bench_fig2(rep, name, "_cpu_per_call", cpu_per_op(&f->echo[t]), "us");
	}
	f->echo_done = 1;
}

/* 2. Documents.Get of a registered document's metadata, as the clerk. */
static void phase_get(bench *b, bench_report *rep, found *f)
{
	char label[64];
	printf("== 2. unary API: Documents.Get (%zu-byte Document), authenticated\n", b->doc_bytes);
	for (int t = 0; t < 2; t++) {
		server_up(b, t);
		b->mode = f->mode[t];
		f->get[t] = run_threads(b, b->o.threads, get_worker);
		bench_api_down(&b->srv, &b->api);
		snprintf(label, sizeof(label), "get_%s", tname[t]);
		bench_fig(rep, label, f->get[t].per_s, "calls/s");
		bench_fig2(rep, label, "_p50", f->get[t].p50_ms, "ms");
		bench_fig2(rep, label, "_p99", f->get[t].p99_ms, "ms");
		bench_fig2(rep, label, "_cpu_per_call", cpu_per_op(&f->get[t]), "us");
		if (f->echo_done)
			bench_fig2(rep, label, "_ratio_echo", f->get[t].per_s / f->echo[t].per_s, "x");
		cpu_print(label, "client threads", &f->get[t].cpu);
	}
	f->get_done = 1;
}

/* 3. Durable registrations: received and registered in one step through
 * the API against the same event through vt_log_append on a fresh node. */
static void phase_reg(bench *b, bench_report *rep, found *f)
{
	char label[64];
	bench_log_mark mark = { 0 };
	uint64_t entries, commits;
	bench_doc_event probe;

	printf("== 3. durable registrations: Documents.Create with register_book into '%s' "
	       "(1 RPC, 1 append each) vs vt_log_append of the same event\n", BOOK);
	bench_doc_event_init(&probe, b->o.meta_bytes, b->node->node_id, CLERK, 1);
	bench_fig(rep, "create_entry_bytes", (double)bench_entry_size(&probe, b->node->node_id, CLERK), "bytes");
	bench_doc_event_dispose(&probe);

	node_new(b->storedir, &b->snode);
	bench_log_since(b->snode->log, &mark, NULL, NULL);
	f->store = run_threads(b, b->o.threads, store_worker);
	bench_log_since(b->snode->log, &mark, &entries, &commits);
	vt_node_free(b->snode);
	b->snode = NULL;
	bench_fig(rep, "store_reg", f->store.per_s, "registrations/s");
	bench_fig(rep, "store_appends", (double)entries / f->store.seconds, "appends/s");
	bench_fig(rep, "store_reg_p50", f->store.p50_ms, "ms");
	bench_fig(rep, "store_reg_p99", f->store.p99_ms, "ms");
	bench_fig(rep, "store_group", commits ? (double)entries / (double)commits : 0, "entries/commit");
	bench_fig(rep, "store_commits", (double)commits / f->store.seconds, "commits/s");
	bench_fig(rep, "store_cpu_per_reg", cpu_per_op(&f->store), "us");
	cpu_print("store", "appender threads", &f->store.cpu);

	for (int t = 0; t < (b->o.tls_registrations ? 2 : 1); t++) {
		result *r = &f->reg[t];
		server_up(b, t);
		b->mode = f->mode[t];
		bench_log_since(b->node->log, &mark, NULL, NULL);
		*r = run_threads(b, b->o.threads, reg_worker);
		bench_log_since(b->node->log, &mark, &entries, &commits);
		bench_api_down(&b->srv, &b->api);
		snprintf(label, sizeof(label), "reg_%s", tname[t]);
		bench_fig(rep, label, r->per_s, "registrations/s");
		bench_fig2(rep, label, "_appends", (double)entries / r->seconds, "appends/s");
		bench_fig2(rep, label, "_p50", r->p50_ms, "ms");
		bench_fig2(rep, label, "_p99", r->p99_ms, "ms");
		bench_fig2(rep, label, "_group", commits ? (double)entries / (double)commits : 0, "entries/commit");
		bench_fig2(rep, label, "_commits", (double)commits / r->seconds, "commits/s");
		bench_fig2(rep, label, "_ratio_store", r->per_s / f->store.per_s, "x");
		bench_fig2(rep, label, "_cpu_per_reg", cpu_per_op(r), "us");
		if (t == 0) {
			bench_fig2(rep, label, "_cpu", r->cpu.total, "cores");
			bench_fig2(rep, label, "_cpu_client", r->cpu.cls[CLS_DRIVER], "cores");
			bench_fig2(rep, label, "_cpu_server", r->cpu.cls[CLS_SERVER], "cores");
			bench_fig2(rep, label, "_cpu_grpc_other", r->cpu.cls[CLS_OTHER] + r->cpu.gone, "cores");
		}
		cpu_print(label, "client threads", &r->cpu);
	}
	f->reg_done = 1;
}

/* 4. Uploads through the client stream against synced puts. */
static void phase_upload(bench *b, bench_report *rep, found *f)
{
	printf("== 4. uploads: Documents.Upload of %zu-byte PDFs (durable) vs synced %zu-byte RocksDB puts\n",
		b->o.upload_bytes, b->o.upload_bytes);
	bench_raw_open(&b->raw, b->rawdir, 1); /* the options of the node's blob column family */
	f->raw = run_threads(b, b->o.threads, raw_worker);
	bench_raw_close(&b->raw);
	bench_fig(rep, "raw_put", f->raw.per_s, "puts/s");
	bench_fig(rep, "raw_put_mbs", f->raw.per_s * (double)b->o.upload_bytes / 1e6, "MB/s");
	bench_fig(rep, "raw_put_p99", f->raw.p99_ms, "ms");
	cpu_print("raw_put", "writer threads", &f->raw.cpu);
	server_up(b, 0);
	b->mode = f->mode[0];
	f->upload = run_threads(b, b->o.threads, upload_worker);
	bench_api_down(&b->srv, &b->api);
	bench_fig(rep, "upload", f->upload.per_s, "uploads/s");
	bench_fig(rep, "upload_mbs", f->upload.per_s * (double)b->o.upload_bytes / 1e6, "MB/s");
	bench_fig(rep, "upload_p50", f->upload.p50_ms, "ms");
	bench_fig(rep, "upload_p99", f->upload.p99_ms, "ms");
	bench_fig(rep, "upload_ratio_raw", f->upload.per_s / f->raw.per_s, "x");
	bench_fig(rep, "upload_cpu_per_upload", cpu_per_op(&f->upload), "us");
	cpu_print("upload", "client threads", &f->upload.cpu);
	f->upload_done = 1;
}

static void goals(bench_report *rep, const found *f)
{
	char name[64], what[160];
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);
	for (int t = 0; f->echo_done && f->get_done && t < 2; t++) {
		snprintf(name, sizeof(name), "get_ratio_%s", tname[t]);
		snprintf(what, sizeof(what), "Documents.Get calls/s over %s >= 50%% of echo over %s", tname[t],
			tname[t]);
		bench_goal(rep, name, what, f->get[t].per_s >= 0.5 * f->echo[t].per_s);
	}
	if (f->reg_done) {
		const result *r = &f->reg[0];
		bench_goal(rep, "reg_ratio", "registrations/s through gRPC (plaintext) >= 50% of vt_log_append",
			r->per_s >= 0.5 * f->store.per_s);
		bench_goal(rep, "reg_rate", "registrations/s through gRPC (plaintext) >= 10000", r->per_s >= 10000);
		if (r->per_s < 10000)
			printf("note: at %.0f us of CPU per registration (client and server in this process) %ld cores "
			       "allow at most %.0f registrations/s; vt_log_append alone: %.0f us, at most %.0f/s; "
			       "the API run used %.2f cores (machine %.2f busy)\n", cpu_per_op(r), nproc,
				(double)nproc * 1e6 / cpu_per_op(r), cpu_per_op(&f->store),
				(double)nproc * 1e6 / cpu_per_op(&f->store), r->cpu.total, r->cpu.machine);
	}
	if (f->upload_done)
		bench_goal(rep, "upload_ratio", "uploads/s (plaintext) >= 70% of synced RocksDB puts of the same size",
			f->upload.per_s >= 0.7 * f->raw.per_s);
}

static int has_phase(const bench *b, char p)
{
	return strchr(b->o.phases, p) != NULL;
}

int main(int argc, char **argv)
{
	static bench b;
	static found f;
	bench_report rep = { .bench = "api" };
	char tmp[256];
	const char *dir;

	parse(&b.o, argc, argv);
	bench_thread_name("bench-main");
	if (b.o.dir) {
		dir = b.o.dir;
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			bench_die("mkdir %s: %s", dir, strerror(errno));
	} else {
		bench_tmpdir(tmp, sizeof(tmp), "bench_api");
		dir = tmp;
	}
	snprintf(b.dir, sizeof(b.dir), "%s", dir);
	bench_subdir(b.nodedir, sizeof(b.nodedir), dir, "node");
	bench_subdir(b.storedir, sizeof(b.storedir), dir, "storage");
	bench_subdir(b.rawdir, sizeof(b.rawdir), dir, "raw");
	bench_subdir(b.tlsdir, sizeof(b.tlsdir), dir, "tls");
	snprintf(b.ca, sizeof(b.ca), "%.4000s/ca.pem", b.tlsdir);
	snprintf(b.cert, sizeof(b.cert), "%.4000s/server.pem", b.tlsdir);
	snprintf(b.key, sizeof(b.key), "%.4000s/server.key", b.tlsdir);

	printf("bench_api: the node's gRPC API against C-core echo, vt_log_append and synced RocksDB puts\n");
	bench_print_machine();
	printf("dir: %s\n", dir);
	printf("server: in this process on 127.0.0.1:0 (vt_api_register + %s); clients: threads of this process; "
	       "phases %s\n", ECHO_PATH, b.o.phases);
	bench_param(&rep, "seconds", b.o.seconds);
	bench_param(&rep, "threads", b.o.threads);
	bench_param(&rep, "workers", b.o.workers);
	bench_param(&rep, "meta_bytes", (double)b.o.meta_bytes);
	bench_param(&rep, "upload_bytes", (double)b.o.upload_bytes);
	bench_param(&rep, "chunk_bytes", (double)b.o.chunk_bytes);
	bench_param(&rep, "echo_bytes", (double)b.o.echo_bytes);

	/* One gRPC library state for the whole run (servers and clients come
	 * and go between runs). */
	grpc_init();
	setup_node(&b);
	bench_check(vt_tlsgen_ca(b.tlsdir), "vt_tlsgen_ca");
	bench_check(vt_tlsgen_issue(b.tlsdir, "server", "vanthud", NULL), "vt_tlsgen_issue");
	bench_fig(&rep, "get_response_bytes", (double)b.doc_bytes, "bytes");
	server_up(&b, 0);
	login(&b);
	bench_api_down(&b.srv, &b.api);
	f.mode[0] = f.mode[1] = b.o.client_mode == 2 ? MODE_OWN : MODE_SHARED;

	if (has_phase(&b, '1'))
		phase_echo(&b, &rep, &f);
	if (has_phase(&b, '2'))
		phase_get(&b, &rep, &f);
	if (has_phase(&b, '3'))
		phase_reg(&b, &rep, &f);
	if (has_phase(&b, '4'))
		phase_upload(&b, &rep, &f);
	goals(&rep, &f);

	vt_auth_free(b.auth);
	vt_node_free(b.node);
	grpc_shutdown();
	if (!b.o.keep) {
		bench_rm_rf(b.nodedir);
		bench_rm_rf(b.storedir);
		bench_rm_rf(b.rawdir);
		bench_rm_rf(b.tlsdir);
		if (!b.o.dir)
			bench_rm_rf(tmp);
	} else {
		printf("kept: %s\n", dir);
	}
	bench_json(&rep);
	return 0;
}
