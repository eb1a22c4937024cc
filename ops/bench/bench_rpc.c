/* Benchmark: the C-core echo baseline. Unary calls/s with N calls in flight
 * (N client threads on one vt_rpc_client, i.e. one HTTP/2 connection)
 * against an in-process echo server of api/rpc on loopback, plaintext and
 * TLS; and client-streaming upload throughput with 64 KiB messages. The API
 * benchmarks compare their figures with these. */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "rpc.h"
#include "tlsgen.h"

typedef struct opts {
	double seconds;  /* per unary run */
	int threads;     /* calls in flight */
	size_t bytes;    /* request size */
	int workers;     /* server handler threads */
	int keep;
} opts;

static void usage(const char *argv0)
{
	printf("usage: %s [--seconds S] [--threads N] [--bytes B] [--workers W] [--keep]\n"
	       "  --seconds S   length of each unary run (default 5); uploads run S/2\n"
	       "  --threads N   client threads, so calls in flight (default 32)\n"
	       "  --bytes B     request (and response) size (default 64)\n"
	       "  --workers W   server worker threads (default 64)\n"
	       "  --keep        leave the TLS files in place\n", argv0);
}

static void parse(opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "workers", required_argument, NULL, 'w' },
		{ "keep", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	o->seconds = 5;
	o->threads = 32;
	o->bytes = 64;
	o->workers = 64;
	o->keep = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->seconds = atof(optarg); break;
		case 't': o->threads = atoi(optarg); break;
		case 'b': o->bytes = (size_t)atol(optarg); break;
		case 'w': o->workers = atoi(optarg); break;
		case 'K': o->keep = 1; break;
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

	/* plaintext */
	srv = server_start(&o, NULL, NULL, &port);
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	co.plaintext = 1;
	bench_check(vt_rpc_client_new(&cli, target, &co), "client_new");
	unary_run(&rep, &o, cli, "unary_plain", &failed);
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
