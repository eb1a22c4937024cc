/* Benchmark: the C-core echo baseline. Unary calls/s with N calls in flight
 * against an in-process echo server of api/rpc on loopback, plaintext and
 * TLS: from N client threads on one vt_rpc_client (one HTTP/2 connection),
 * and from one thread driving N calls with the C core's async API (what
 * the server side alone can do); and client-streaming upload throughput
 * with 64 KiB messages. The API benchmarks compare their figures with
 * these. */
#include <getopt.h>
#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "rpc/rpc.h"
#include "tlsgen.h"

typedef struct opts {
	double seconds;  /* per unary run */
	int threads;     /* calls in flight */
	size_t bytes;    /* request size */
	int workers;     /* server handler threads */
	int keep;
	const char *target; /* an external plaintext echo server instead */
} opts;

static void usage(const char *argv0)
{
	printf("usage: %s [--seconds S] [--threads N] [--bytes B] [--workers W] [--keep]\n"
	       "  --seconds S   length of each unary run (default 5); uploads run S/2\n"
	       "  --threads N   client threads, so calls in flight (default 32)\n"
	       "  --bytes B     request (and response) size (default 64)\n"
	       "  --workers W   server worker threads (default 64)\n"
	       "  --keep        leave the TLS files in place\n"
	       "  --target H:P  measure unary calls to an external plaintext server\n"
	       "                (method /bench.Echo/Echo) instead\n", argv0);
}

static void parse(opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "workers", required_argument, NULL, 'w' },
		{ "keep", no_argument, NULL, 'K' },
		{ "target", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	o->seconds = 5;
	o->threads = 32;
	o->bytes = 64;
	o->workers = 64;
	o->keep = 0;
	o->target = NULL;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->seconds = atof(optarg); break;
		case 't': o->threads = atoi(optarg); break;
		case 'b': o->bytes = (size_t)atol(optarg); break;
		case 'w': o->workers = atoi(optarg); break;
		case 'K': o->keep = 1; break;
		case 'T': o->target = optarg; break;
		case 'h': usage(argv[0]); exit(0);
		default: usage(argv[0]); exit(2);
		}
	}
	if (o->seconds <= 0 || o->seconds > 600 || o->threads < 1 || o->threads > 1024 ||
	    o->bytes > (1 << 20) || o->workers < 1 || o->workers > 4096)
		bench_die("bad arguments: seconds in (0, 600], threads 1..1024, bytes <= 1 MiB, workers 1..4096");
}

/* ---- server */

static int h_echo(vt_rpc_call *call, void *ctx)
{
	const uint8_t *d;
	size_t n;
	(void)ctx;
	vt_rpc_call_request(call, &d, &n);
	return vt_rpc_call_set_response(call, d, n);
}

static int h_sink(vt_rpc_call *call, void *ctx)
{
	uint64_t total = 0;
	char out[32];
	int rc;
	(void)ctx;
	for (;;) {
		vt_rpc_buf m = { 0 };
		if ((rc = vt_rpc_call_recv(call, &m)) <= 0)
			break;
		total += m.len;
		vt_rpc_buf_dispose(&m);
	}
	if (rc < 0)
		return rc;
	snprintf(out, sizeof(out), "%llu", (unsigned long long)total);
	return vt_rpc_call_set_response(call, out, strlen(out));
}

static vt_rpc_server *server_start(const opts *o, const char *cert, const char *key, int *port)
{
	static const vt_rpc_method echo = { "/bench.Echo/Echo", VT_RPC_UNARY, h_echo, NULL, 0, 0 };
	static const vt_rpc_method sink = { "/bench.Echo/Sink", VT_RPC_CLIENT_STREAM, h_sink, NULL, 0, 0 };
	vt_rpc_server_opts so = { 0 };
	vt_rpc_server *srv = NULL;
	int p;
	so.listen = "127.0.0.1:0";
	so.plaintext = cert == NULL;
	so.cert_file = cert;
	so.key_file = key;
	so.workers = o->workers;
	if ((p = vt_rpc_server_new(&srv, &so)) < 0)
		bench_check(p, "server_new");
	bench_check(vt_rpc_server_add(srv, &echo), "server_add");
	bench_check(vt_rpc_server_add(srv, &sink), "server_add");
	bench_check(vt_rpc_server_start(srv), "server_start");
	*port = p;
	return srv;
}

/* ---- clients */

typedef struct run {
	vt_rpc_client *cli;
	size_t bytes;
	pthread_barrier_t start;
	atomic_int stop;
} run;

typedef struct worker {
	run *run;
	pthread_t thread;
	uint64_t ok, failed;
	bench_samples lat_ms;
} worker;

static void *unary_worker(void *arg)
{
	worker *w = arg;
	run *r = w->run;
	uint8_t *req = bench_xmalloc(r->bytes);
	memset(req, 'v', r->bytes);
	pthread_barrier_wait(&r->start);
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		vt_rpc_buf resp = { 0 };
		double t0 = bench_now();
		int rc = vt_rpc_unary(r->cli, "/bench.Echo/Echo", NULL, 0, req, r->bytes, 10000, &resp);
		if (rc == 0 && resp.len == r->bytes) {
			w->ok++;
			bench_samples_add(&w->lat_ms, (bench_now() - t0) * 1e3);
		} else {
			w->failed++;
		}
		vt_rpc_buf_dispose(&resp);
	}
	free(req);
	return NULL;
}

/* Runs threads x unary echo for seconds; records name, name_p50, name_p99. */
static void unary_run(bench_report *rep, const opts *o, vt_rpc_client *cli, const char *name,
	uint64_t *failed)
{
	run r = { 0 };
	worker *w = calloc((size_t)o->threads, sizeof(*w));
	bench_samples all = { 0 };
	uint64_t ok = 0;
	double t0, dt;
	char fig[64];
	r.cli = cli;
	r.bytes = o->bytes;
	atomic_init(&r.stop, 0);
	pthread_barrier_init(&r.start, NULL, (unsigned)o->threads + 1);
	for (int i = 0; i < o->threads; i++) {
		w[i].run = &r;
		if (pthread_create(&w[i].thread, NULL, unary_worker, &w[i]) != 0)
			bench_die("pthread_create");
	}
	pthread_barrier_wait(&r.start);
	t0 = bench_now();
	while (bench_now() - t0 < o->seconds)
		usleep(20 * 1000);
	atomic_store(&r.stop, 1);
	for (int i = 0; i < o->threads; i++)
		pthread_join(w[i].thread, NULL);
	dt = bench_now() - t0;
	for (int i = 0; i < o->threads; i++) {
		ok += w[i].ok;
		*failed += w[i].failed;
		for (size_t j = 0; j < w[i].lat_ms.n; j++)
			bench_samples_add(&all, w[i].lat_ms.v[j]);
		free(w[i].lat_ms.v);
	}
	bench_sort(all.v, all.n);
	bench_fig(rep, name, (double)ok / dt, "calls/s");
	snprintf(fig, sizeof(fig), "%s_p50", name);
	bench_fig(rep, fig, bench_pct(all.v, all.n, 50), "ms");
	snprintf(fig, sizeof(fig), "%s_p99", name);
	bench_fig(rep, fig, bench_pct(all.v, all.n, 99), "ms");
	free(all.v);
	free(w);
	pthread_barrier_destroy(&r.start);
}

/* ---- the same calls from one thread, N in flight, raw C-core async API */

typedef struct acall {
	grpc_call *call;
	grpc_metadata_array imd, trailers;
	grpc_byte_buffer *req;   /* a copy per call: sending consumes it */
	grpc_byte_buffer *resp;
	grpc_status_code st;
	grpc_slice details;
	double t0;
} acall;

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = bench_xmalloc(1 << 20);
	size_t n;
	if (!f)
		bench_die("cannot open %s", path);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void acall_start(acall *a, grpc_channel *ch, grpc_completion_queue *cq, grpc_slice method,
	grpc_byte_buffer *req)
{
	grpc_op ops[6];
	memset(ops, 0, sizeof(ops));
	memset(a, 0, sizeof(*a));
	grpc_metadata_array_init(&a->imd);
	grpc_metadata_array_init(&a->trailers);
	a->t0 = bench_now();
	a->req = grpc_byte_buffer_copy(req);
	a->call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method, NULL,
		gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_seconds(10, GPR_TIMESPAN)), NULL);
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = a->req;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &a->imd;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &a->resp;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &a->trailers;
	ops[5].data.recv_status_on_client.status = &a->st;
	ops[5].data.recv_status_on_client.status_details = &a->details;
	if (grpc_call_start_batch(a->call, ops, 6, a, NULL) != GRPC_CALL_OK)
		bench_die("grpc_call_start_batch");
}

/* 1: the call answered OK with size bytes. Frees what the call holds. */
static int acall_done(acall *a, size_t size)
{
	int ok = a->st == GRPC_STATUS_OK && a->resp && grpc_byte_buffer_length(a->resp) == size;
	if (a->resp)
		grpc_byte_buffer_destroy(a->resp);
	grpc_byte_buffer_destroy(a->req);
	grpc_slice_unref(a->details);
	grpc_metadata_array_destroy(&a->imd);
	grpc_metadata_array_destroy(&a->trailers);
	grpc_call_unref(a->call);
	return ok;
}

static void async_run(bench_report *rep, const opts *o, const char *target, const char *ca_file,
	const char *name, uint64_t *failed)
{
	grpc_channel_credentials *creds;
	grpc_channel *ch;
	grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
	grpc_slice method = grpc_slice_from_static_string("/bench.Echo/Echo");
	grpc_slice payload;
	grpc_byte_buffer *req;
	acall *calls = calloc((size_t)o->threads, sizeof(*calls));
	bench_samples lat = { 0 };
	uint64_t ok = 0;
	int inflight = 0;
	double t0, dt;
	char fig[64], *ca = NULL, *buf = bench_xmalloc(o->bytes + 1);

	memset(buf, 'a', o->bytes);
	payload = grpc_slice_from_copied_buffer(buf, o->bytes);
	req = grpc_raw_byte_buffer_create(&payload, 1);
	grpc_slice_unref(payload);
	if (ca_file) {
		ca = read_file(ca_file);
		creds = grpc_ssl_credentials_create(ca, NULL, NULL, NULL);
	} else {
		creds = grpc_insecure_credentials_create();
	}
	ch = grpc_channel_create(target, creds, NULL);
	grpc_channel_credentials_release(creds);
	t0 = bench_now();
	for (int i = 0; i < o->threads; i++, inflight++)
		acall_start(&calls[i], ch, cq, method, req);
	while (inflight) {
		grpc_event ev = grpc_completion_queue_next(cq,
			gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_seconds(15, GPR_TIMESPAN)), NULL);
		acall *a;
		if (ev.type != GRPC_OP_COMPLETE)
			bench_die("%s: no completion in 15 s", name);
		a = ev.tag;
		inflight--;
		if (acall_done(a, o->bytes)) {
			ok++;
			bench_samples_add(&lat, (bench_now() - a->t0) * 1e3);
		} else {
			(*failed)++;
		}
		if (bench_now() - t0 < o->seconds) {
			acall_start(a, ch, cq, method, req);
			inflight++;
		}
	}
	dt = bench_now() - t0;
	bench_sort(lat.v, lat.n);
	bench_fig(rep, name, (double)ok / dt, "calls/s");
	snprintf(fig, sizeof(fig), "%s_p99", name);
	bench_fig(rep, fig, bench_pct(lat.v, lat.n, 99), "ms");
	grpc_channel_destroy(ch);
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL).type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
	grpc_byte_buffer_destroy(req);
	free(lat.v);
	free(calls);
	free(ca);
	free(buf);
}

/* One client streams 64 KiB messages for seconds; MiB/s. */
static void upload_run(bench_report *rep, double seconds, vt_rpc_client *cli, const char *name,
	uint64_t *failed)
{
	size_t chunk = 64 << 10;
	uint8_t *buf = bench_xmalloc(chunk);
	uint64_t sent = 0;
	vt_rpc_stream *s = NULL;
	vt_rpc_buf resp = { 0 };
	double t0 = bench_now(), dt;
	memset(buf, 'u', chunk);
	bench_check(vt_rpc_stream_open(&s, cli, "/bench.Echo/Sink", NULL, 0, 0), "stream_open");
	while (bench_now() - t0 < seconds) {
		for (int i = 0; i < 16; i++) {
			bench_check(vt_rpc_stream_send(s, buf, chunk), "stream_send");
			sent += chunk;
		}
	}
	bench_check(vt_rpc_stream_close_send(s), "close_send");
	if (vt_rpc_stream_recv(s, &resp) != 1 || strtoull((const char *)resp.data, NULL, 10) != sent)
		(*failed)++;
	bench_check(vt_rpc_stream_finish(s), "finish");
	dt = bench_now() - t0;
	vt_rpc_buf_dispose(&resp);
	vt_rpc_stream_free(s);
	free(buf);
	bench_fig(rep, name, (double)sent / dt / (1 << 20), "MiB/s");
}

int main(int argc, char **argv)
{
	bench_report rep = { .bench = "rpc" };
	opts o;
	char dir[128], cert[256], key[256], ca[256], target[64];
	vt_rpc_server *srv;
	vt_rpc_client *cli;
	vt_rpc_client_opts co = { 0 };
	uint64_t failed = 0;
	int port;

	parse(&o, argc, argv);
	bench_print_machine();
	bench_param(&rep, "seconds", o.seconds);
	bench_param(&rep, "threads", o.threads);
	bench_param(&rep, "bytes", (double)o.bytes);
	bench_param(&rep, "workers", o.workers);

	if (o.target) {
		co.plaintext = vt_rpc_addr_is_loopback(o.target);
		bench_check(vt_rpc_client_new(&cli, o.target, &co), "client_new");
		unary_run(&rep, &o, cli, "unary_plain", &failed);
		async_run(&rep, &o, o.target, NULL, "unary_plain_async", &failed);
		vt_rpc_client_free(cli);
		bench_goal(&rep, "no_failures", "every call answered OK with the right size", failed == 0);
		bench_json(&rep);
		return 0;
	}

	/* plaintext */
	srv = server_start(&o, NULL, NULL, &port);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	co.plaintext = 1;
	bench_check(vt_rpc_client_new(&cli, target, &co), "client_new");
	unary_run(&rep, &o, cli, "unary_plain", &failed);
	async_run(&rep, &o, target, NULL, "unary_plain_async", &failed);
	upload_run(&rep, o.seconds / 2, cli, "upload_plain", &failed);
	vt_rpc_client_free(cli);
	vt_rpc_server_shutdown(srv, 1000);
	vt_rpc_server_free(srv);

	/* TLS (server certificate only, as for API clients) */
	bench_tmpdir(dir, sizeof(dir), "vt-bench-rpc");
	bench_check(vt_tlsgen_ca(dir), "tlsgen_ca");
	bench_check(vt_tlsgen_issue(dir, "server", "localhost", NULL), "tlsgen_issue");
	snprintf(cert, sizeof(cert), "%s/server.pem", dir);
	snprintf(key, sizeof(key), "%s/server.key", dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	srv = server_start(&o, cert, key, &port);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	memset(&co, 0, sizeof(co));
	co.ca_file = ca;
	bench_check(vt_rpc_client_new(&cli, target, &co), "client_new");
	unary_run(&rep, &o, cli, "unary_tls", &failed);
	async_run(&rep, &o, target, ca, "unary_tls_async", &failed);
	upload_run(&rep, o.seconds / 2, cli, "upload_tls", &failed);
	vt_rpc_client_free(cli);
	vt_rpc_server_shutdown(srv, 1000);
	vt_rpc_server_free(srv);
	if (!o.keep)
		bench_rm_rf(dir);

	bench_fig(&rep, "failed_calls", (double)failed, "calls");
	bench_goal(&rep, "no_failures", "every call answered OK with the right size", failed == 0);
	bench_json(&rep);
	return 0;
}
