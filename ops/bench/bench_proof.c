/* Benchmark: inclusion and consistency proof generation over a log of 1M
 * ~1 KiB entries (p50/p99 µs), vt_log_verify against plain SHA-256 of the
 * same bytes, vt_log_verify with rebuild, and the RSS of a node holding it. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "store/keyspace.h"
#include "store/hash.h"
#include "store/log.h"
#include "store/merkle.h"
#include "node.h"
#include "store/sth.h"
#include "verify.h"

typedef struct opts {
	const char *dir;      /* NULL: a mkdtemp under /tmp */
	uint64_t entries;     /* log size to build */
	unsigned proofs;      /* proofs of each kind timed */
	unsigned sample;      /* proofs of each kind verified */
	int fill_threads;
	unsigned max_group;   /* entries per commit while filling */
	uint64_t seed;
	int rebuild;          /* also time vt_log_verify with rebuild */
	int keep;
	int measure_only;     /* internal: the measuring process */
	int figures_fd;       /* internal: where the measuring process reports */
} opts;

static void usage(const char *argv0)
{
	printf("usage: %s [--dir DIR] [--entries N] [--proofs P] [--verify-sample S]\n"
	       "          [--fill-threads T] [--max-group G] [--seed X] [--no-rebuild] [--keep]\n"
	       "  --dir DIR          data directory; a node already in DIR/node is reused\n"
	       "                     (default: a mkdtemp under /tmp, removed at the end;\n"
	       "                     a DIR you give is kept so the next run can reuse it)\n"
	       "  --entries N        log size to build (default 1000000)\n"
	       "  --proofs P         inclusion and consistency proofs timed (default 10000 each)\n"
	       "  --verify-sample S  of those, how many are verified (default 1000 each)\n"
	       "  --fill-threads T   appenders while building the log (default 64)\n"
	       "  --max-group G      entries per commit while building (default 1024)\n"
	       "  --seed X           random indices (default 1)\n"
	       "  --no-rebuild       skip vt_log_verify with rebuild\n"
	       "  --keep             keep the default temporary directory\n"
	       "  --measure-only     only measure an existing DIR/node (no fill)\n", argv0);
}

static void parse(opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "entries", required_argument, NULL, 'n' },
		{ "proofs", required_argument, NULL, 'p' },
		{ "verify-sample", required_argument, NULL, 'S' },
		{ "fill-threads", required_argument, NULL, 't' },
		{ "max-group", required_argument, NULL, 'g' },
		{ "seed", required_argument, NULL, 'r' },
		{ "no-rebuild", no_argument, NULL, 'R' },
		{ "keep", no_argument, NULL, 'K' },
		{ "measure-only", no_argument, NULL, 'M' },
		{ "figures-fd", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	memset(o, 0, sizeof(*o));
	o->entries = 1000000;
	o->proofs = 10000;
	o->sample = 1000;
	o->fill_threads = 64;
	o->max_group = 1024;
	o->seed = 1;
	o->rebuild = 1;
	o->figures_fd = -1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'n': o->entries = strtoull(optarg, NULL, 10); break;
		case 'p': o->proofs = (unsigned)atoi(optarg); break;
		case 'S': o->sample = (unsigned)atoi(optarg); break;
		case 't': o->fill_threads = atoi(optarg); break;
		case 'g': o->max_group = (unsigned)atoi(optarg); break;
		case 'r': o->seed = strtoull(optarg, NULL, 10); break;
		case 'R': o->rebuild = 0; break;
		case 'K': o->keep = 1; break;
		case 'M': o->measure_only = 1; break;
		case 'F': o->figures_fd = atoi(optarg); break;
		case 'h': usage(argv[0]); exit(0);
		default: usage(argv[0]); exit(2);
		}
	}
	if (o->entries < 16 || o->proofs < 1 || o->fill_threads < 1 || o->fill_threads > 1024 ||
	    o->max_group < 1)
		bench_die("bad arguments: entries >= 16, proofs >= 1, fill-threads 1..1024");
	if (o->sample > o->proofs)
		o->sample = o->proofs;
	if (!o->seed)
		o->seed = 1;
	if (o->measure_only && !o->dir)
		bench_die("--measure-only needs --dir");
}

/* ---- building the log */

typedef struct filler {
	pthread_t thread;
	vt_log *log;
	atomic_llong *left;
	uint64_t total;
	int id;
	char actor[32];
	bench_doc_event ev;
} filler;

static void *fill_main(void *arg)
{
	filler *f = arg;
	long long left;
	uint64_t n = 0;
	while ((left = atomic_fetch_sub(f->left, 1)) > 0) {
		bench_doc_event_fill(&f->ev, (uint64_t)f->id << 32 | n++);
		bench_check(vt_log_append(f->log, f->actor, &f->ev.ev, NULL), "vt_log_append");
		if ((uint64_t)left % (f->total / 10 + 1) == 0)
			fprintf(stderr, "fill: %llu entries to go\n", (unsigned long long)left);
	}
	return NULL;
}

/* Appends documents until the log holds o->entries, without fsync (the
 * dataset, not the appends, is what is measured here). */
static double fill(const char *nodedir, const opts *o, uint64_t *tree_heads)
{
	vt_node *node = NULL;
	vt_node_open_opts oo = { 0 };
	vt_node_init_opts init = { 0 };
	filler *f;
	atomic_llong left;
	uint64_t size;
	double t0 = bench_now();

	init.node_id = "000.00.00.H54";
	init.role = "unit";
	init.agency_name = "Ủy ban nhân dân tỉnh Hà Giang";
	init.agency_code = "000.00.00.H54";
	init.agency_symbol = "UBND";
	bench_check(vt_node_init(nodedir, &init), "vt_node_init");
	oo.no_sync = 1;
	oo.max_group = o->max_group;
	bench_check(vt_node_open(&node, nodedir, &oo), "vt_node_open");
	size = vt_log_size(node->log);
	if (size >= o->entries)
		bench_die("a new node already has %" PRIu64 " entries", size);
	atomic_init(&left, (long long)(o->entries - size));
	if (!(f = calloc((size_t)o->fill_threads, sizeof(*f))))
		bench_die("out of memory");
	for (int i = 0; i < o->fill_threads; i++) {
		f[i].log = node->log;
		f[i].left = &left;
		f[i].total = o->entries;
		f[i].id = i;
		snprintf(f[i].actor, sizeof(f[i].actor), "bench-%02d", i);
		bench_doc_event_init(&f[i].ev, 1024, node->node_id, f[i].actor, (uint64_t)i + 1);
		if (pthread_create(&f[i].thread, NULL, fill_main, &f[i]) != 0)
			bench_die("pthread_create");
	}
	for (int i = 0; i < o->fill_threads; i++) {
		pthread_join(f[i].thread, NULL);
		bench_doc_event_dispose(&f[i].ev);
	}
	free(f);
	if ((size = vt_log_size(node->log)) != o->entries)
		bench_die("log has %" PRIu64 " entries after the fill, expected %" PRIu64, size, o->entries);
	{
		vt_key k;
		vt_iter *it = NULL;
		*tree_heads = 0;
		vt_key_init(&k, node->node_id);
		vt_key_u8(&k, VT_META_STH);
		bench_check(vt_iter_new(&it, node->store, VT_CF_META, k.buf, k.len), "iterate");
		for (; vt_iter_valid(it); vt_iter_next(it))
			(*tree_heads)++;
		vt_iter_free(it);
	}
	vt_node_free(node);
	return bench_now() - t0;
}

/* Flushes the memtables and compacts every column family, with the store's
 * compression and filters, so that the measurements read a settled
 * database rather than racing background compactions. */
static double settle(const char *dbdir)
{
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_block_based_table_options_t *t = rocksdb_block_based_options_create();
	rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
	rocksdb_column_family_handle_t **cf;
	const rocksdb_options_t **cfo;
	rocksdb_t *db;
	char **names, *err = NULL;
	size_t n;
	double t0 = bench_now();

	rocksdb_block_based_options_set_filter_policy(t, rocksdb_filterpolicy_create_bloom(10));
	rocksdb_options_set_block_based_table_factory(o, t);
	rocksdb_options_set_compression(o, rocksdb_lz4_compression);
	rocksdb_options_increase_parallelism(o, 2);
	rocksdb_options_set_write_buffer_size(o, 16 << 20);
	names = rocksdb_list_column_families(o, dbdir, &n, &err);
	if (err)
		bench_die("list column families of %s: %s", dbdir, err);
	cf = bench_xmalloc(n * sizeof(*cf));
	cfo = bench_xmalloc(n * sizeof(*cfo));
	for (size_t i = 0; i < n; i++)
		cfo[i] = o;
	db = rocksdb_open_column_families(o, dbdir, (int)n, (const char *const *)names, cfo, cf, &err);
	if (err)
		bench_die("open %s: %s", dbdir, err);
	rocksdb_flushoptions_set_wait(fo, 1);
	for (size_t i = 0; i < n; i++) {
		rocksdb_flush_cf(db, fo, cf[i], &err);
		if (err)
			bench_die("flush %s: %s", names[i], err);
		rocksdb_compact_range_cf(db, cf[i], NULL, 0, NULL, 0);
	}
	for (size_t i = 0; i < n; i++)
		rocksdb_column_family_handle_destroy(cf[i]);
	rocksdb_close(db);
	rocksdb_list_column_families_destroy(names, n);
	rocksdb_flushoptions_destroy(fo);
	rocksdb_options_destroy(o);
	rocksdb_block_based_options_destroy(t);
	free(cf);
	free(cfo);
	return bench_now() - t0;
}

static uint64_t du_bytes(const char *dir)
{
	char cmd[4200], line[256];
	uint64_t kb = 0;
	FILE *p;
	snprintf(cmd, sizeof(cmd), "du -sk '%s' 2>/dev/null", dir);
	if ((p = popen(cmd, "r"))) {
		if (fgets(line, sizeof(line), p))
			kb = strtoull(line, NULL, 10);
		pclose(p);
	}
	return kb * 1024;
}

/* ---- measuring (in a fresh process, so the fill's memory does not count) */

typedef struct proof {
	uint64_t a;  /* leaf index, or old size */
	size_t count;
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN];
} proof;

/* Prints p50, p99, max of n latencies in µs; returns p99. */
static double lat_figs(bench_report *rep, const char *name, double *us, size_t n)
{
	char k[64];
	double p99;
	bench_sort(us, n);
	p99 = bench_pct(us, n, 99);
	snprintf(k, sizeof(k), "%s_p50", name);
	bench_fig(rep, k, bench_pct(us, n, 50), "us");
	snprintf(k, sizeof(k), "%s_p99", name);
	bench_fig(rep, k, p99, "us");
	snprintf(k, sizeof(k), "%s_max", name);
	bench_fig(rep, k, us[n - 1], "us");
	return p99;
}

/* The SHA-256 baseline and what else a verifier must do per entry, each
 * timed alone: the log's entry values are copied into memory chunk by chunk
 * (scan: RocksDB iteration, checksums, decompression, copy), then hashed
 * with vt_sha256 (the baseline), then decoded with protobuf-c (unpack). */
typedef struct baseline {
	uint64_t bytes, entries, tree_nodes;
	double sha_s, scan_s, unpack_s, tree_scan_s;
	double sha_cpu; /* CPU time of the hashing */
} baseline;

static void sha_baseline(vt_store *store, const char *origin, baseline *bl)
{
	enum { CHUNK = 64 << 20, MAXV = 1 << 20 };
	char *arena = bench_xmalloc(CHUNK);
	size_t *off = bench_xmalloc(sizeof(size_t) * (CHUNK / 64 + 1));
	size_t used = 0, nv = 0;
	vt_key p;
	vt_iter *it = NULL;
	double t0 = bench_now(), t;
	uint8_t h[VT_HASH_LEN];

	memset(bl, 0, sizeof(*bl));
	vt_key_init(&p, origin);
	bench_check(vt_iter_new(&it, store, VT_CF_LOG, p.buf, p.len), "iterate log");
	for (;;) {
		int valid = vt_iter_valid(it);
		size_t vl = 0;
		const char *v = valid ? vt_iter_value(it, &vl) : NULL;
		if (vl > MAXV)
			bench_die("log entry of %zu bytes", vl);
		if (!valid || used + vl > CHUNK || nv == CHUNK / 64) {
			double c = bench_cpu_now();
			off[nv] = used;
			t = bench_now();
			for (size_t i = 0; i < nv; i++)
				vt_sha256(h, arena + off[i], off[i + 1] - off[i]);
			bl->sha_s += bench_now() - t;
			bl->sha_cpu += bench_cpu_now() - c;
			t = bench_now();
			for (size_t i = 0; i < nv; i++) {
				Vanthu__V1__LogEntry *e = vanthu__v1__log_entry__unpack(NULL, off[i + 1] - off[i],
					(const uint8_t *)arena + off[i]);
				if (!e)
					bench_die("log entry does not decode");
				vanthu__v1__log_entry__free_unpacked(e, NULL);
			}
			bl->unpack_s += bench_now() - t;
			bl->bytes += used;
			bl->entries += nv;
			used = nv = 0;
			if (!valid)
				break;
		}
		off[nv++] = used;
		memcpy(arena + used, v, vl);
		used += vl;
		vt_iter_next(it);
	}
	bench_check(vt_iter_status(it), "iterate log");
	vt_iter_free(it);
	free(arena);
	free(off);
	bl->scan_s = bench_now() - t0 - bl->sha_s - bl->unpack_s;

	/* The stored Merkle nodes the verifier compares, read once. */
	t0 = bench_now();
	bench_check(vt_iter_new(&it, store, VT_CF_TREE, p.buf, p.len), "iterate tree");
	for (; vt_iter_valid(it); vt_iter_next(it)) {
		size_t vl;
		if (vt_iter_value(it, &vl) && vl == VT_HASH_LEN)
			bl->tree_nodes++;
	}
	bench_check(vt_iter_status(it), "iterate tree");
	vt_iter_free(it);
	bl->tree_scan_s = bench_now() - t0;
}

/* Decodes and checks the signature of every stored tree head, as the
 * verifier does: the cost of the heads alone. */
static double sth_pass(vt_node *node, uint64_t *heads, double *cpu)
{
	vt_key k;
	vt_iter *it = NULL;
	double t0 = bench_now(), c0 = bench_cpu_now();
	*heads = 0;
	vt_key_init(&k, node->node_id);
	vt_key_u8(&k, VT_META_STH);
	bench_check(vt_iter_new(&it, node->store, VT_CF_META, k.buf, k.len), "iterate tree heads");
	for (; vt_iter_valid(it); vt_iter_next(it)) {
		size_t vl;
		const char *v = vt_iter_value(it, &vl);
		Vanthu__V1__TreeHead *h = vanthu__v1__tree_head__unpack(NULL, vl, (const uint8_t *)v);
		if (!h)
			bench_die("tree head does not decode");
		bench_check(vt_sth_verify(h, node->pk), "tree head");
		vanthu__v1__tree_head__free_unpacked(h, NULL);
		(*heads)++;
	}
	bench_check(vt_iter_status(it), "iterate tree heads");
	vt_iter_free(it);
	*cpu = bench_cpu_now() - c0;
	return bench_now() - t0;
}

/* Times --proofs inclusion and consistency proofs against the whole log,
 * reports RSS, then verifies the first --verify-sample of each kind. */
static void proof_phase(const opts *o, vt_node *node, bench_report *rep)
{
	vt_log_tree_src src;
	Vanthu__V1__TreeHead *head = NULL;
	uint8_t root[VT_HASH_LEN];
	uint64_t size = vt_log_size(node->log), rng = o->seed, old_signed = 0;
	double *us = bench_xmalloc(sizeof(double) * o->proofs), t0, incl_p99, cons_p99;
	proof *incl = bench_xmalloc(sizeof(proof) * (o->sample ? o->sample : 1));
	proof *cons = bench_xmalloc(sizeof(proof) * (o->sample ? o->sample : 1));
	long hwm_kb;
	unsigned bad = 0;

	vt_log_tree_src_init(&src, node->store, node->node_id);
	bench_check(vt_log_latest_sth(node->store, node->node_id, &head), "latest tree head");
	bench_check(vt_sth_verify(head, node->pk), "latest tree head");
	if (head->size != size)
		bench_die("latest tree head covers %" PRIu64 " of %" PRIu64 " entries", head->size, size);
	memcpy(root, head->root.data, VT_HASH_LEN);
	vanthu__v1__tree_head__free_unpacked(head, NULL);

	/* Inclusion proofs of random leaves in the whole tree. */
	for (unsigned i = 0; i < o->proofs; i++) {
		proof scratch, *pr = i < o->sample ? &incl[i] : &scratch;
		pr->a = bench_rand(&rng) % size;
		t0 = bench_now();
		bench_check(vt_merkle_inclusion_proof(pr->path, &pr->count, &src.src, pr->a, size),
			"inclusion proof");
		us[i] = (bench_now() - t0) * 1e6;
	}
	incl_p99 = lat_figs(rep, "inclusion_proof", us, o->proofs);
	/* Consistency proofs from a random older size to the whole tree. */
	for (unsigned i = 0; i < o->proofs; i++) {
		proof scratch, *pr = i < o->sample ? &cons[i] : &scratch;
		pr->a = 1 + bench_rand(&rng) % size;
		t0 = bench_now();
		bench_check(vt_merkle_consistency_proof(pr->path, &pr->count, &src.src, pr->a, size),
			"consistency proof");
		us[i] = (bench_now() - t0) * 1e6;
	}
	cons_p99 = lat_figs(rep, "consistency_proof", us, o->proofs);

	/* The node as it stands after opening and serving the proofs. */
	hwm_kb = bench_status_kb("VmHWM");
	bench_fig(rep, "rss_after_proofs", (double)bench_status_kb("VmRSS") / 1024.0, "MiB");
	bench_fig(rep, "hwm_after_proofs", (double)hwm_kb / 1024.0, "MiB");
	bench_goal(rep, "inclusion_p99", "inclusion proof p99 <= 1 ms", incl_p99 <= 1000);
	bench_goal(rep, "consistency_p99", "consistency proof p99 <= 1 ms", cons_p99 <= 1000);
	bench_goal(rep, "rss", "peak RSS after open + proofs <= 256 MiB", hwm_kb >= 0 && hwm_kb <= 256 * 1024);

	/* Verify the sampled proofs against the signed head (not timed). */
	for (unsigned i = 0; i < o->sample; i++) {
		uint8_t leaf[VT_HASH_LEN], old_root[VT_HASH_LEN];
		char *v = NULL;
		size_t vl;
		bench_check(vt_log_entry_raw(node->store, node->node_id, incl[i].a, &v, &vl), "read entry");
		vt_merkle_leaf_hash(leaf, v, vl);
		free(v);
		if (vt_merkle_verify_inclusion(leaf, incl[i].a, size, (const uint8_t (*)[VT_HASH_LEN])incl[i].path,
			    incl[i].count, root) < 0) {
			fprintf(stderr, "inclusion proof of %" PRIu64 ": %s\n", incl[i].a, vt_error_last());
			bad++;
		}
		/* The old root from the signed head of that size when there is one. */
		if (vt_log_sth_at(node->store, node->node_id, cons[i].a, &head) == 0) {
			bench_check(vt_sth_verify(head, node->pk), "old tree head");
			memcpy(old_root, head->root.data, VT_HASH_LEN);
			vanthu__v1__tree_head__free_unpacked(head, NULL);
			old_signed++;
		} else {
			bench_check(vt_merkle_root(old_root, &src.src, cons[i].a), "old root");
		}
		if (vt_merkle_verify_consistency(cons[i].a, size, old_root, root,
			    (const uint8_t (*)[VT_HASH_LEN])cons[i].path, cons[i].count) < 0) {
			fprintf(stderr, "consistency proof %" PRIu64 " -> %" PRIu64 ": %s\n", cons[i].a, size,
				vt_error_last());
			bad++;
		}
	}
	bench_fig(rep, "proofs_verified", 2.0 * o->sample, "proofs");
	bench_fig(rep, "proofs_failed", bad, "proofs");
	bench_fig(rep, "old_roots_from_signed_heads", (double)old_signed, "roots");
	bench_goal(rep, "proofs_verify", "every sampled proof verifies", bad == 0);
	free(incl);
	free(cons);
	free(us);
}

/* vt_log_verify (hash pass only) against SHA-256 of the same bytes, and
 * the parts of a verify timed one by one. */
static void verify_phase(vt_node *node, bench_report *rep)
{
	vt_verify_report vr;
	baseline bl;
	double t0 = bench_now(), c0 = bench_cpu_now(), verify_s, verify_cpu, sig_s, sig_cpu;
	uint64_t heads;

	bench_check(vt_log_verify(node->store, node->node_id, NULL, NULL, &vr), "vt_log_verify");
	verify_s = bench_now() - t0;
	verify_cpu = bench_cpu_now() - c0;
	bench_fig(rep, "verify_seconds", verify_s, "s");
	bench_fig(rep, "verify_entries", (double)vr.entries, "entries");
	bench_fig(rep, "verify_bytes", (double)vr.bytes, "bytes");
	bench_fig(rep, "verify_tree_nodes", (double)vr.tree_nodes, "nodes");
	bench_fig(rep, "verify_tree_heads", (double)vr.tree_heads, "heads");
	sha_baseline(node->store, node->node_id, &bl);
	if (bl.bytes != vr.bytes || bl.entries != vr.entries)
		bench_die("baseline read %" PRIu64 " entries / %" PRIu64 " bytes, verify %" PRIu64 " / %" PRIu64,
			bl.entries, bl.bytes, vr.entries, vr.bytes);
	bench_fig(rep, "sha256_seconds", bl.sha_s, "s");
	bench_fig(rep, "sha256_rate", (double)bl.bytes / bl.sha_s / 1e6, "MB/s");
	bench_fig(rep, "verify_ratio_sha256", verify_s / bl.sha_s, "x");
	bench_fig(rep, "part_log_scan_seconds", bl.scan_s, "s");
	bench_fig(rep, "part_unpack_seconds", bl.unpack_s, "s");
	bench_fig(rep, "part_tree_scan_seconds", bl.tree_scan_s, "s");
	sig_s = sth_pass(node, &heads, &sig_cpu);
	/* verify checks the kept history and the latest head */
	if (heads + 1 != vr.tree_heads)
		bench_die("%" PRIu64 " tree heads kept (+ the latest), verify checked %" PRIu64, heads, vr.tree_heads);
	bench_fig(rep, "part_sth_verify_seconds", sig_s, "s");
	bench_fig(rep, "sth_verify", heads ? sig_s / (double)heads * 1e6 : 0, "us");
	bench_fig(rep, "verify_ratio_sha256_excl_sth", (verify_s - sig_s) / bl.sha_s, "x");
	/* The same ratios in CPU time of this thread: steadier when other
	 * processes share the cores. */
	bench_fig(rep, "verify_ratio_sha256_cpu", verify_cpu / bl.sha_cpu, "x");
	bench_fig(rep, "verify_ratio_sha256_excl_sth_cpu", (verify_cpu - sig_cpu) / bl.sha_cpu, "x");
	bench_goal(rep, "verify_ratio", "vt_log_verify <= 3x SHA-256 of the entries", verify_s / bl.sha_s <= 3.0);
}

static void measure(const opts *o, const char *dir, bench_report *rep)
{
	char nodedir[4096];
	vt_node *node = NULL;
	double t0;

	snprintf(nodedir, sizeof(nodedir), "%s/node", dir);
	bench_fig(rep, "rss_start", (double)bench_status_kb("VmRSS") / 1024.0, "MiB");
	t0 = bench_now();
	bench_check(vt_node_open(&node, nodedir, NULL), "vt_node_open");
	bench_fig(rep, "open_seconds", bench_now() - t0, "s");
	bench_fig(rep, "log_entries", (double)vt_log_size(node->log), "entries");

	proof_phase(o, node, rep);
	verify_phase(node, rep);
	if (o->rebuild) {
		vt_verify_report vr;
		vt_verify_opts vo = { 0 };
		vo.rebuild = 1;
		vo.scratch_dir = dir;
		t0 = bench_now();
		bench_check(vt_log_verify(node->store, node->node_id, NULL, &vo, &vr), "vt_log_verify rebuild");
		bench_fig(rep, "verify_rebuild_seconds", bench_now() - t0, "s");
		bench_fig(rep, "verify_rebuild_part", vr.rebuild_seconds, "s");
		bench_fig(rep, "verify_rebuild_state_keys", (double)vr.state_keys, "keys");
	}
	bench_fig(rep, "hwm_end", (double)bench_status_kb("VmHWM") / 1024.0, "MiB");
	vt_node_free(node);
}

/* Runs the measuring process and takes its figures (lines "F name value
 * unit" and "G name met") from a pipe. */
static void measure_child(const opts *o, const char *dir, bench_report *rep)
{
	int fds[2], status;
	pid_t pid;
	char line[256], fd_s[16], proofs_s[32], sample_s[32], seed_s[32];
	FILE *in;

	if (pipe(fds) < 0)
		bench_die("pipe: %s", strerror(errno));
	snprintf(fd_s, sizeof(fd_s), "%d", fds[1]);
	snprintf(proofs_s, sizeof(proofs_s), "%u", o->proofs);
	snprintf(sample_s, sizeof(sample_s), "%u", o->sample);
	snprintf(seed_s, sizeof(seed_s), "%" PRIu64, o->seed);
	fflush(stdout);
	if ((pid = fork()) < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		execl("/proc/self/exe", "bench_proof", "--measure-only", "--dir", dir, "--proofs", proofs_s,
			"--verify-sample", sample_s, "--seed", seed_s, "--figures-fd", fd_s,
			o->rebuild ? NULL : "--no-rebuild", (char *)NULL);
		fprintf(stderr, "bench: exec /proc/self/exe: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	if (!(in = fdopen(fds[0], "r")))
		bench_die("fdopen");
	while (fgets(line, sizeof(line), in)) {
		char name[64], unit[16];
		double v;
		if (sscanf(line, "F %63s %lf %15s", name, &v, unit) == 3)
			bench_slot(rep->fig, &rep->n, name, v, unit);
		else if (sscanf(line, "G %63s %lf", name, &v) == 2)
			bench_slot(rep->goal, &rep->ngoal, name, v, "");
	}
	fclose(in);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bench_die("the measuring process failed");
}

static void print_params(bench_report *rep, const opts *o)
{
	if (!o->measure_only) {
		bench_param(rep, "entries", (double)o->entries);
		bench_param(rep, "fill_threads", o->fill_threads);
		bench_param(rep, "max_group", o->max_group);
	}
	bench_param(rep, "proofs", o->proofs);
	bench_param(rep, "verify_sample", o->sample);
	bench_param(rep, "seed", (double)o->seed);
	bench_param(rep, "rebuild", o->rebuild);
}

int main(int argc, char **argv)
{
	opts o;
	bench_report rep = { .bench = "proof" };
	char tmp[256], nodedir[4096], dbdir[4096];
	const char *dir;
	struct stat st;

	parse(&o, argc, argv);
	if (o.measure_only) {
		if (o.figures_fd < 0) {
			printf("bench_proof: measuring %s/node\n", o.dir);
			bench_print_machine();
			print_params(&rep, &o);
		}
		measure(&o, o.dir, &rep);
		if (o.figures_fd >= 0) {
			FILE *out = fdopen(o.figures_fd, "w");
			if (!out)
				bench_die("figures fd %d: %s", o.figures_fd, strerror(errno));
			for (size_t i = 0; i < rep.n; i++)
				fprintf(out, "F %s %.17g %s\n", rep.fig[i].name, rep.fig[i].value, rep.fig[i].unit);
			for (size_t i = 0; i < rep.ngoal; i++)
				fprintf(out, "G %s %g\n", rep.goal[i].name, rep.goal[i].value);
			fclose(out);
		} else {
			bench_json(&rep);
		}
		return 0;
	}

	if (o.dir) {
		dir = o.dir;
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			bench_die("mkdir %s: %s", dir, strerror(errno));
	} else {
		bench_tmpdir(tmp, sizeof(tmp), "bench_proof");
		dir = tmp;
	}
	snprintf(nodedir, sizeof(nodedir), "%s/node", dir);
	snprintf(dbdir, sizeof(dbdir), "%s/node/db", dir);

	printf("bench_proof: Merkle proofs, log verification and memory over a large log\n");
	bench_print_machine();
	printf("dir: %s\n", dir);
	print_params(&rep, &o);

	fflush(stdout);
	if (stat(dbdir, &st) == 0) {
		printf("reusing the log in %s (no fill)\n", nodedir);
	} else {
		uint64_t heads = 0;
		double fill_s = fill(nodedir, &o, &heads), settle_s;
		bench_fig(&rep, "fill_seconds", fill_s, "s");
		bench_fig(&rep, "fill_rate", (double)o.entries / fill_s, "entries/s");
		bench_fig(&rep, "fill_tree_heads", (double)heads, "heads");
		settle_s = settle(dbdir);
		bench_fig(&rep, "settle_seconds", settle_s, "s");
		bench_fig(&rep, "build_seconds", fill_s + settle_s, "s");
		bench_fig(&rep, "dataset_bytes", (double)du_bytes(dbdir), "bytes");
		bench_goal(&rep, "build_time", "1M-entry dataset built in < 3 min", fill_s + settle_s < 180);
	}

	measure_child(&o, dir, &rep);

	if (!o.dir && !o.keep)
		bench_rm_rf(tmp);
	else
		printf("kept: %s (rerun with --dir %s to reuse it)\n", dir, dir);
	bench_json(&rep);
	return 0;
}
