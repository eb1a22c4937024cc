/* Helpers shared by the benchmarks under ops/bench: monotonic time, figures
 * printed as "name: value unit" and as one JSON line, percentiles, RSS,
 * scratch directories, and ~1 KiB DocumentCreated events. Header-only
 * because CMake builds each ops/bench/bench_*.c into its own executable. */
#ifndef VT_BENCH_H
#define VT_BENCH_H

#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/error.h"
#include "vanthu.pb-c.h"

/* ---- time */

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the calling thread: steadier than wall time on a shared
 * machine for single-threaded work. */
static inline double bench_cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- failing loudly: a benchmark has no recovery path */

static inline void bench_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static inline void bench_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Dies with the vanthu error message when err < 0. */
static inline void bench_check(int err, const char *what)
{
	if (err < 0)
		bench_die("%s: %s (%s)", what, vt_error_last(), vt_error_name(err));
}

static inline void *bench_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		bench_die("out of memory (%zu bytes)", n);
	return p;
}

/* ---- figures */

#define BENCH_MAX_FIGURES 64

typedef struct bench_figure {
	char name[64];
	char unit[16];
	double value;
} bench_figure;

typedef struct bench_report {
	const char *bench;
	bench_figure param[BENCH_MAX_FIGURES]; /* what was asked (unit unused) */
	size_t nparam;
	bench_figure fig[BENCH_MAX_FIGURES];   /* what was measured */
	size_t n;
	bench_figure goal[BENCH_MAX_FIGURES];  /* value 1: met, 0: missed */
	size_t ngoal;
} bench_report;

static inline bench_figure *bench_slot(bench_figure *arr, size_t *n, const char *name,
	double value, const char *unit)
{
	bench_figure *f;
	if (*n == BENCH_MAX_FIGURES)
		bench_die("too many figures");
	f = &arr[(*n)++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->unit, sizeof(f->unit), "%s", unit);
	f->value = value;
	return f;
}

/* Records a parameter and prints it as "param name: value". */
static inline void bench_param(bench_report *r, const char *name, double value)
{
	bench_slot(r->param, &r->nparam, name, value, "");
	printf("param %s: %.6g\n", name, value);
}

/* Records whether a goal holds and prints "goal name (what): met|MISSED". */
static inline void bench_goal(bench_report *r, const char *name, const char *what, int met)
{
	bench_slot(r->goal, &r->ngoal, name, met ? 1 : 0, "");
	printf("goal %s (%s): %s\n", name, what, met ? "met" : "MISSED");
	fflush(stdout);
}

/* Records a figure and prints it as "name: value unit". */
static inline void bench_fig(bench_report *r, const char *name, double value, const char *unit)
{
	bench_slot(r->fig, &r->n, name, value, unit);
	printf("%s: %.6g %s\n", name, value, unit);
	fflush(stdout);
}

/* The final line:
 * {"bench":"log","nproc":2,"params":{"threads":32,...},
 *  "figures":{"name":{"value":1,"unit":"x"},...},"goals":{"name":true,...}}
 * Names and units are plain identifiers, so no escaping is needed. */
static inline void bench_json(const bench_report *r)
{
	printf("{\"bench\":\"%s\",\"nproc\":%ld,\"params\":{", r->bench,
		sysconf(_SC_NPROCESSORS_ONLN));
	for (size_t i = 0; i < r->nparam; i++)
		printf("%s\"%s\":%.6g", i ? "," : "", r->param[i].name, r->param[i].value);
	printf("},\"figures\":{");
	for (size_t i = 0; i < r->n; i++)
		printf("%s\"%s\":{\"value\":%.6g,\"unit\":\"%s\"}", i ? "," : "", r->fig[i].name,
			r->fig[i].value, r->fig[i].unit);
	printf("},\"goals\":{");
	for (size_t i = 0; i < r->ngoal; i++)
		printf("%s\"%s\":%s", i ? "," : "", r->goal[i].name, r->goal[i].value ? "true" : "false");
	printf("}}\n");
	fflush(stdout);
}

/* ---- statistics */

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static inline void bench_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
}

/* Nearest-rank percentile of sorted v (p in 0..100). */
static inline double bench_pct(const double *v, size_t n, double p)
{
	size_t i;
	if (!n)
		return 0;
	i = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

/* A growable array of samples (one per thread, merged at the end). */
typedef struct bench_samples {
	double *v;
	size_t n, cap;
} bench_samples;

static inline void bench_samples_add(bench_samples *s, double x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		if (!(s->v = realloc(s->v, s->cap * sizeof(*s->v))))
			bench_die("out of memory");
	}
	s->v[s->n++] = x;
}

/* xorshift64*: reproducible random numbers without global state. */
static inline uint64_t bench_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* ---- process and machine */

/* kB value of a "Name:" line of /proc/self/status, or -1. */
static inline long bench_status_kb(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static inline void bench_print_machine(void)
{
	char line[256], model[256] = "?";
	double load[3] = { 0, 0, 0 };
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "model name", 10) == 0) {
				char *p = strchr(line, ':');
				if (p) {
					snprintf(model, sizeof(model), "%s", p + 2);
					model[strcspn(model, "\n")] = 0;
				}
				break;
			}
		fclose(f);
	}
	if (getloadavg(load, 3) < 0)
		load[0] = load[1] = load[2] = -1;
	printf("machine: nproc=%ld cpu=\"%s\" loadavg=%.2f %.2f %.2f\n",
		sysconf(_SC_NPROCESSORS_ONLN), model, load[0], load[1], load[2]);
}

/* ---- scratch directories */

static inline int bench_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void bench_rm_rf(const char *dir)
{
	nftw(dir, bench_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Makes a fresh directory under /tmp into out (cap >= 64). */
static inline void bench_tmpdir(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "/tmp/%s-XXXXXX", name);
	if (!mkdtemp(out))
		bench_die("mkdtemp %s failed", out);
}

/* ---- events */

/* Words of an ordinary trích yếu, so that summaries compress like text
 * rather than like a repeated string. */
static const char *const bench_words[] = {
	"về", "việc", "triển", "khai", "kế", "hoạch", "thực", "hiện", "chuyển", "đổi", "số",
	"năm", "2025", "trên", "địa", "bàn", "tỉnh", "báo", "cáo", "kết", "quả", "công", "tác",
	"cải", "cách", "hành", "chính", "đề", "nghị", "phối", "hợp", "rà", "soát", "hồ", "sơ",
	"đất", "đai", "tài", "nguyên", "môi", "trường", "giao", "thông", "vận", "tải", "y", "tế",
	"giáo", "dục", "phòng", "chống", "thiên", "tai", "ngân", "sách", "nhà", "nước", "quý",
	"III", "đợt", "hai", "các", "xã", "phường", "Sở", "Ban", "ngành", "UBND", "huyện",
};

/* Fills out with exactly len bytes of space-separated words (valid UTF-8,
 * NUL-terminated; out has room for len + 1). */
static inline void bench_text(char *out, size_t len, uint64_t *rng)
{
	size_t n = 0, nw = sizeof(bench_words) / sizeof(bench_words[0]);
	while (n < len) {
		const char *w = bench_words[bench_rand(rng) % nw];
		size_t wl = strlen(w);
		if (n + wl + 1 > len)
			break;
		memcpy(out + n, w, wl);
		n += wl;
		out[n++] = ' ';
	}
	while (n < len)
		out[n++] = '.';
	out[len] = '\0';
}

/* An incoming DocumentCreated event whose LogEntry packs to about
 * entry_bytes. The caller owns the struct; bench_doc_event_fill sets the
 * varying fields before each append. */
typedef struct bench_doc_event {
	Vanthu__V1__Event ev;
	Vanthu__V1__DocumentCreated created;
	Vanthu__V1__DocumentMeta meta;
	Vanthu__V1__Signer signer;
	char symbol[64];
	char *summary;
	size_t summary_len;
	uint64_t rng;
} bench_doc_event;

static inline size_t bench_entry_size(bench_doc_event *d, const char *origin, const char *actor)
{
	Vanthu__V1__LogEntry e = VANTHU__V1__LOG_ENTRY__INIT;
	e.seq = 1000000;                /* a 3-byte varint, typical of the benchmarks */
	e.time = 1750000000000000LL;    /* a 2025 time in µs */
	e.actor = (char *)actor;
	e.origin = (char *)origin;
	e.event = &d->ev;
	return vanthu__v1__log_entry__get_packed_size(&e);
}

/* Sets a new số/ký hiệu and new summary text (same length). */
static inline void bench_doc_event_fill(bench_doc_event *d, uint64_t n)
{
	snprintf(d->symbol, sizeof(d->symbol), "%llu/QĐ-UBND", (unsigned long long)(n % 100000 + 1));
	bench_text(d->summary, d->summary_len, &d->rng);
}

static inline void bench_doc_event_init(bench_doc_event *d, size_t entry_bytes, const char *origin,
	const char *actor, uint64_t seed)
{
	size_t len = 0;
	memset(d, 0, sizeof(*d));
	vanthu__v1__event__init(&d->ev);
	vanthu__v1__document_created__init(&d->created);
	vanthu__v1__document_meta__init(&d->meta);
	vanthu__v1__signer__init(&d->signer);
	d->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	d->signer.name = "Nguyễn Văn An";
	d->signer.position = "Phó Chủ tịch";
	d->signer.competence = "KT.";
	d->meta.direction = VANTHU__V1__DIRECTION__INCOMING;
	d->meta.doc_type = "QĐ";
	d->meta.number_symbol = d->symbol;
	d->meta.issue_date = "2025-03-14";
	d->meta.issuing_agency = "Ủy ban nhân dân tỉnh Hà Giang";
	d->meta.issuing_agency_code = "000.00.00.H54";
	d->meta.signer = &d->signer;
	d->meta.urgency = VANTHU__V1__URGENCY__URGENCY_URGENT;
	d->meta.copies = 1;
	d->meta.pages = 3;
	d->created.meta = &d->meta;
	d->ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_CREATED;
	d->ev.document_created = &d->created;
	snprintf(d->symbol, sizeof(d->symbol), "1/QĐ-UBND");
	/* Grow the summary until the packed entry reaches entry_bytes (the
	 * nested length prefixes move by a byte or two as it grows). */
	d->summary = bench_xmalloc(entry_bytes + 1);
	d->meta.summary = d->summary;
	for (int pass = 0; pass < 4; pass++) {
		size_t have;
		d->summary_len = len;
		bench_text(d->summary, len, &d->rng);
		have = bench_entry_size(d, origin, actor);
		if (have >= entry_bytes)
			break;
		len += entry_bytes - have;
	}
	if (!d->summary_len)
		d->summary_len = 1;
	bench_doc_event_fill(d, 1);
}

static inline void bench_doc_event_dispose(bench_doc_event *d)
{
	free(d->summary);
	d->summary = NULL;
}

/* ---- small helpers shared by the programs */

static inline void bench_fig2(bench_report *rep, const char *a, const char *b, double v, const char *unit)
{
	char name[64];
	snprintf(name, sizeof(name), "%.40s%.23s", a, b);
	bench_fig(rep, name, v, unit);
}

static inline void bench_sleep(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* out = dir/name, which must not exist yet (a fresh --dir). */
static inline void bench_subdir(char *out, size_t cap, const char *dir, const char *name)
{
	struct stat st;
	if ((size_t)snprintf(out, cap, "%s/%s", dir, name) >= cap)
		bench_die("path too long");
	if (stat(out, &st) == 0)
		bench_die("%s already exists; give an empty --dir", out);
}

#include "store/log.h"

/* Entries and group commits of a log since the last call. */
typedef struct bench_log_mark {
	uint64_t size, commits;
} bench_log_mark;

static inline void bench_log_since(vt_log *log, bench_log_mark *m, uint64_t *entries, uint64_t *commits)
{
	uint64_t c, e, size = vt_log_size(log);
	vt_log_stats(log, &c, &e);
	if (entries)
		*entries = size - m->size;
	if (commits)
		*commits = c - m->commits;
	m->size = size;
	m->commits = c;
}


/* ---- the raw RocksDB baseline: one database with the options of the
 * node's store (node/store.c), written with a synced WAL. blob_files: like
 * the blob column family (values over 4 KiB in blob files, uncompressed,
 * no blob GC since nothing is deleted). */
#include <rocksdb/c.h>

typedef struct bench_raw {
	rocksdb_t *db;
	rocksdb_writeoptions_t *wsync;
} bench_raw;

static inline void bench_raw_open(bench_raw *r, const char *path, int blob_files)
{
	rocksdb_options_t *o = rocksdb_options_create();
	char *err = NULL;
	rocksdb_options_set_create_if_missing(o, 1);
	rocksdb_options_increase_parallelism(o, 2);
	rocksdb_options_set_write_buffer_size(o, 16 << 20);
	rocksdb_options_set_compression(o, rocksdb_lz4_compression);
	if (blob_files) {
		rocksdb_options_set_enable_blob_files(o, 1);
		rocksdb_options_set_min_blob_size(o, 4096);
		rocksdb_options_set_blob_file_size(o, 256 << 20);
		rocksdb_options_set_blob_compression_type(o, rocksdb_no_compression);
		rocksdb_options_set_enable_blob_gc(o, 0);
	}
	r->db = rocksdb_open(o, path, &err);
	rocksdb_options_destroy(o);
	if (err)
		bench_die("rocksdb open %s: %s", path, err);
	r->wsync = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(r->wsync, 1);
}

static inline void bench_raw_close(bench_raw *r)
{
	rocksdb_writeoptions_destroy(r->wsync);
	rocksdb_close(r->db);
	r->db = NULL;
}

#endif
