/* Benchmark: durable appends/s through vt_log_append (group commit) with 1
 * and N appenders, against synced 1 KiB RocksDB puts with 1 and N writers,
 * and the latency from calling vt_log_append to a signed tree head. */
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

#include "events.h"
#include "bench.h"
#include "store/log.h"
#include "node.h"
#include "store/sth.h"

typedef struct opts {
	const char *dir;   /* NULL: a mkdtemp under /tmp */
	double seconds;    /* per measured run */
	int threads;       /* the concurrent run */
	size_t entry_bytes;
	unsigned sth_every; /* check the latest tree head after every n-th append */
	int keep;
} opts;

/* One measured run: threads start together, stop together. */
typedef struct run {
	pthread_barrier_t start;
	atomic_int stop;
	/* raw RocksDB */
	rocksdb_t *db;
	rocksdb_writeoptions_t *wsync;
	/* vanthu */
	vt_node *node;
	unsigned sth_every;
	atomic_ulong sth_checked;
	atomic_ulong sth_missing; /* appends not covered by the latest tree head */
} run;

typedef struct worker {
	run *run;
	pthread_t thread;
	int id;
	uint64_t ops;
	bench_samples lat_ms; /* call to return, per operation */
	char actor[32];
	bench_doc_event ev;   /* vanthu appends */
	char *value;          /* raw puts */
	size_t value_len;
	uint64_t rng;
} worker;

static void usage(const char *argv0)
{
	printf("usage: %s [--dir DIR] [--seconds S] [--threads N] [--entry-bytes B]\n"
	       "          [--sth-every K] [--keep]\n"
	       "  --dir DIR        where the databases go (default: a mkdtemp under /tmp);\n"
	       "                   the benchmark's subdirectories are removed at the end\n"
	       "  --seconds S      length of each of the four measured runs (default 5)\n"
	       "  --threads N      writers/appenders of the concurrent runs (default 32)\n"
	       "  --entry-bytes B  size of a packed log entry and of a raw value (default 1024)\n"
	       "  --sth-every K    check the signed tree head after every K-th append (default 50)\n"
	       "  --keep           leave the databases in place\n", argv0);
}

static void parse(opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "entry-bytes", required_argument, NULL, 'b' },
		{ "sth-every", required_argument, NULL, 'k' },
		{ "keep", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	o->dir = NULL;
	o->seconds = 5;
	o->threads = 32;
	o->entry_bytes = 1024;
	o->sth_every = 50;
	o->keep = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 's': o->seconds = atof(optarg); break;
		case 't': o->threads = atoi(optarg); break;
		case 'b': o->entry_bytes = (size_t)atol(optarg); break;
		case 'k': o->sth_every = (unsigned)atoi(optarg); break;
		case 'K': o->keep = 1; break;
		case 'h': usage(argv[0]); exit(0);
		default: usage(argv[0]); exit(2);
		}
	}
	if (o->seconds <= 0 || o->seconds > 600 || o->threads < 1 || o->threads > 1024 ||
	    o->entry_bytes < 300 || o->entry_bytes > 4000 || o->sth_every < 1)
		bench_die("bad arguments: seconds in (0, 600], threads 1..1024, entry-bytes 300..4000");
}

/* ---- raw RocksDB: one column family, synced WAL, options like the store's */

static void raw_open(run *r, const char *path)
{
	bench_raw raw;
	bench_raw_open(&raw, path, 0);
	r->db = raw.db;
	r->wsync = raw.wsync;
}

static void raw_close(run *r)
{
	bench_raw raw = { r->db, r->wsync };
	bench_raw_close(&raw);
	r->db = NULL;
}

static void *raw_writer(void *arg)
{
	worker *w = arg;
	run *r = w->run;
	uint8_t key[16];
	pthread_barrier_wait(&r->start);
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		char *err = NULL;
		double t0;
		vt_be64_put(key, (uint64_t)w->id);
		vt_be64_put(key + 8, w->ops);
		bench_text(w->value, w->value_len, &w->rng);
		t0 = bench_now();
		rocksdb_put(r->db, r->wsync, (const char *)key, sizeof(key), w->value, w->value_len, &err);
		if (err)
			bench_die("rocksdb put: %s", err);
		bench_samples_add(&w->lat_ms, (bench_now() - t0) * 1e3);
		w->ops++;
	}
	return NULL;
}

/* ---- vanthu appends */

static void check_sth(worker *w, const vt_apply_result *res)
{
	run *r = w->run;
	Vanthu__V1__TreeHead *sth = NULL;
	int err = vt_log_latest_sth(r->node->store, r->node->node_id, &sth);
	bench_check(err, "latest tree head");
	bench_check(vt_sth_verify(sth, r->node->pk), "tree head signature");
	if (sth->size <= res->seq)
		atomic_fetch_add(&r->sth_missing, 1);
	atomic_fetch_add(&r->sth_checked, 1);
	vanthu__v1__tree_head__free_unpacked(sth, NULL);
}

static void *log_appender(void *arg)
{
	worker *w = arg;
	run *r = w->run;
	pthread_barrier_wait(&r->start);
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		vt_apply_result res;
		double t0;
		bench_doc_event_fill(&w->ev, (uint64_t)w->id << 32 | w->ops);
		t0 = bench_now();
		bench_check(vt_log_append(r->node->log, w->actor, &w->ev.ev, &res), "vt_log_append");
		bench_samples_add(&w->lat_ms, (bench_now() - t0) * 1e3);
		w->ops++;
		/* Outside the timed part: the entry must already be under a signed head. */
		if (w->ops % r->sth_every == 0)
			check_sth(w, &res);
	}
	return NULL;
}

/* ---- runs */

typedef struct result {
	uint64_t ops;
	double seconds;
	double per_s;
	double p50_ms, p99_ms, max_ms;
} result;

static result run_threads(run *r, int n, void *(*fn)(void *), const opts *o, const char *origin)
{
	worker *w = calloc((size_t)n, sizeof(*w));
	bench_samples all = { 0 };
	result res = { 0 };
	double t0;
	if (!w)
		bench_die("out of memory");
	atomic_store(&r->stop, 0);
	if (pthread_barrier_init(&r->start, NULL, (unsigned)n + 1) != 0)
		bench_die("barrier");
	for (int i = 0; i < n; i++) {
		w[i].run = r;
		w[i].id = i;
		w[i].rng = (uint64_t)i * 7919 + 17;
		snprintf(w[i].actor, sizeof(w[i].actor), "bench-%02d", i);
		if (fn == raw_writer) {
			w[i].value_len = o->entry_bytes;
			w[i].value = bench_xmalloc(o->entry_bytes + 1);
		} else {
			bench_doc_event_init(&w[i].ev, o->entry_bytes, origin, w[i].actor, (uint64_t)i + 1);
		}
		if (pthread_create(&w[i].thread, NULL, fn, &w[i]) != 0)
			bench_die("pthread_create");
	}
	pthread_barrier_wait(&r->start);
	t0 = bench_now();
	{
		struct timespec ts = { (time_t)o->seconds,
			(long)((o->seconds - (double)(time_t)o->seconds) * 1e9) };
		while (nanosleep(&ts, &ts) != 0)
			;
	}
	atomic_store(&r->stop, 1);
	for (int i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	res.seconds = bench_now() - t0;
	for (int i = 0; i < n; i++) {
		res.ops += w[i].ops;
		for (size_t j = 0; j < w[i].lat_ms.n; j++)
			bench_samples_add(&all, w[i].lat_ms.v[j]);
		free(w[i].lat_ms.v);
		free(w[i].value);
		bench_doc_event_dispose(&w[i].ev);
	}
	pthread_barrier_destroy(&r->start);
	bench_sort(all.v, all.n);
	res.per_s = (double)res.ops / res.seconds;
	res.p50_ms = bench_pct(all.v, all.n, 50);
	res.p99_ms = bench_pct(all.v, all.n, 99);
	res.max_ms = all.n ? all.v[all.n - 1] : 0;
	free(all.v);
	free(w);
	return res;
}

/* Group commits since the last call (the log counts them). */
static uint64_t commits_since(vt_node *node, uint64_t *last)
{
	uint64_t commits, entries, n;
	vt_log_stats(node->log, &commits, &entries);
	n = commits - *last;
	*last = commits;
	return n;
}


int main(int argc, char **argv)
{
	opts o;
	bench_report rep = { .bench = "log" };
	char tmp[256], raw1[4096], rawn[4096], nodedir[4096], name[64];
	const char *dir;
	run r;
	result raw_1, raw_n, app_1, app_n;
	vt_node_init_opts init = { 0 };
	uint64_t size0, size1, commits, seen = 0;
	double ratio;

	parse(&o, argc, argv);
	if (o.dir) {
		dir = o.dir;
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			bench_die("mkdir %s: %s", dir, strerror(errno));
	} else {
		bench_tmpdir(tmp, sizeof(tmp), "bench_log");
		dir = tmp;
	}
	bench_subdir(raw1, sizeof(raw1), dir, "raw-1");
	bench_subdir(rawn, sizeof(rawn), dir, "raw-n");
	bench_subdir(nodedir, sizeof(nodedir), dir, "node");

	printf("bench_log: durable appends vs synced RocksDB puts\n");
	bench_print_machine();
	printf("dir: %s\n", dir);
	bench_param(&rep, "seconds", o.seconds);
	bench_param(&rep, "threads", o.threads);
	bench_param(&rep, "entry_bytes", (double)o.entry_bytes);
	bench_param(&rep, "sth_every", o.sth_every);

	memset(&r, 0, sizeof(r));

	/* Baseline: synced puts straight into RocksDB. */
	raw_open(&r, raw1);
	raw_1 = run_threads(&r, 1, raw_writer, &o, "");
	raw_close(&r);
	bench_fig(&rep, "raw_put_1w", raw_1.per_s, "puts/s");
	bench_fig(&rep, "raw_put_1w_p99", raw_1.p99_ms, "ms");
	raw_open(&r, rawn);
	raw_n = run_threads(&r, o.threads, raw_writer, &o, "");
	raw_close(&r);
	snprintf(name, sizeof(name), "raw_put_%dw", o.threads);
	bench_fig(&rep, name, raw_n.per_s, "puts/s");
	snprintf(name, sizeof(name), "raw_put_%dw_p99", o.threads);
	bench_fig(&rep, name, raw_n.p99_ms, "ms");

	/* vanthu: a real node, synced, signing a tree head per group commit. */
	init.node_id = "000.00.00.H54";
	init.role = "unit";
	init.agency_name = "Ủy ban nhân dân tỉnh Hà Giang";
	init.agency_code = "000.00.00.H54";
	init.agency_symbol = "UBND";
	bench_check(vt_node_init(nodedir, &init), "vt_node_init");
	bench_check(vt_node_open(&r.node, nodedir, NULL), "vt_node_open");
	r.sth_every = o.sth_every;
	{
		bench_doc_event probe;
		bench_doc_event_init(&probe, o.entry_bytes, r.node->node_id, "bench-00", 1);
		bench_fig(&rep, "entry_bytes_packed", (double)bench_entry_size(&probe, r.node->node_id,
			"bench-00"), "bytes");
		bench_doc_event_dispose(&probe);
	}

	size0 = vt_log_size(r.node->log);
	commits_since(r.node, &seen);
	app_1 = run_threads(&r, 1, log_appender, &o, r.node->node_id);
	size1 = vt_log_size(r.node->log);
	commits = commits_since(r.node, &seen);
	bench_fig(&rep, "append_1t", app_1.per_s, "appends/s");
	bench_fig(&rep, "append_1t_p50", app_1.p50_ms, "ms");
	bench_fig(&rep, "append_1t_p99", app_1.p99_ms, "ms");
	bench_fig(&rep, "append_1t_group", commits ? (double)(size1 - size0) / (double)commits : 0,
		"entries/commit");
	bench_fig(&rep, "append_1t_ratio_raw_1w", app_1.per_s / raw_1.per_s, "x");

	size0 = size1;
	commits_since(r.node, &seen);
	app_n = run_threads(&r, o.threads, log_appender, &o, r.node->node_id);
	size1 = vt_log_size(r.node->log);
	commits = commits_since(r.node, &seen);
	ratio = app_n.per_s / raw_n.per_s;
	snprintf(name, sizeof(name), "append_%dt", o.threads);
	bench_fig(&rep, name, app_n.per_s, "appends/s");
	snprintf(name, sizeof(name), "append_%dt_p50", o.threads);
	bench_fig(&rep, name, app_n.p50_ms, "ms");
	snprintf(name, sizeof(name), "append_%dt_p99", o.threads);
	bench_fig(&rep, name, app_n.p99_ms, "ms");
	snprintf(name, sizeof(name), "append_%dt_max", o.threads);
	bench_fig(&rep, name, app_n.max_ms, "ms");
	snprintf(name, sizeof(name), "append_%dt_commits", o.threads);
	bench_fig(&rep, name, (double)commits / app_n.seconds, "commits/s");
	snprintf(name, sizeof(name), "append_%dt_group", o.threads);
	bench_fig(&rep, name, commits ? (double)(size1 - size0) / (double)commits : 0, "entries/commit");
	snprintf(name, sizeof(name), "append_%dt_ratio_raw_%dw", o.threads, o.threads);
	bench_fig(&rep, name, ratio, "x");
	bench_fig(&rep, "sth_checked", (double)atomic_load(&r.sth_checked), "appends");
	bench_fig(&rep, "sth_missing", (double)atomic_load(&r.sth_missing), "appends");

	snprintf(name, sizeof(name), "appends/s with %d threads >= 50%% of raw", o.threads);
	bench_goal(&rep, "append_ratio", name, ratio >= 0.5);
	snprintf(name, sizeof(name), "p99 append-to-signed-head with %d threads <= 20 ms", o.threads);
	bench_goal(&rep, "sth_latency_p99", name, app_n.p99_ms <= 20.0);
	bench_goal(&rep, "sth_covers_append", "every sampled append is under the latest signed head",
		atomic_load(&r.sth_missing) == 0 && atomic_load(&r.sth_checked) > 0);

	vt_node_free(r.node);
	if (!o.keep) {
		bench_rm_rf(raw1);
		bench_rm_rf(rawn);
		bench_rm_rf(nodedir);
		if (!o.dir)
			bench_rm_rf(tmp);
	} else {
		printf("kept: %s\n", dir);
	}
	bench_json(&rep);
	return 0;
}
