/* Helpers shared by the unit tests: scratch directories, a node to test
 * against, events to append, a settable clock. Header-only (static inline). */
#ifndef VT_TESTUTIL_H
#define VT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store/error.h"
#include "store/log.h"
#include "node.h"

#define VT_TEST_NODE_ID "000.00.31.H54"
#define VT_TEST_SYMBOL "SNN"

/* ---- error messages */

/* The call failed with code and left a non-empty message containing sub. */
#define assert_vt_error(call, code, sub) do { \
		int rc_ = (call); \
		const char *m_ = vt_error_last(); \
		if (rc_ != (code) || !*m_ || !strstr(m_, (sub))) \
			fail_msg("%s: got %d (%s) '%s', want %d (%s) with '%s'", #call, rc_, \
				vt_error_name(rc_), m_, (code), vt_error_name(code), (sub)); \
	} while (0)

#define assert_vt_ok(call) do { \
		int rc_ = (call); \
		if (rc_ != 0) \
			fail_msg("%s: %d (%s) %s", #call, rc_, vt_error_name(rc_), vt_error_last()); \
	} while (0)

/* 1 if s contains "<word> <n>" with no digit after n ("entry 5" not "entry 51"). */
static inline int vt_test_names_number(const char *s, const char *word, unsigned long long n)
{
	char pat[128];
	size_t pl = (size_t)snprintf(pat, sizeof(pat), "%s %llu", word, n);
	for (const char *p = strstr(s, pat); p; p = strstr(p + 1, pat))
		if (p[pl] < '0' || p[pl] > '9')
			return 1;
	return 0;
}

/* ---- scratch directories */

static inline int vt_test_mkdir_p(const char *dir)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Makes a fresh directory <$VT_TEST_TMP or /tmp>/<name>-XXXXXX into out. */
static inline void vt_test_tmpdir(char *out, size_t cap, const char *name)
{
	const char *base = getenv("VT_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	if (vt_test_mkdir_p(base) < 0)
		fail_msg("mkdir %s: %s", base, strerror(errno));
	if ((size_t)snprintf(out, cap, "%s/%s-XXXXXX", base, name) >= cap)
		fail_msg("temp path too long");
	if (!mkdtemp(out))
		fail_msg("mkdtemp %s: %s", out, strerror(errno));
}

static inline int vt_test_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

/* rm -rf path (no error if it is gone). */
static inline void vt_test_rmrf(const char *path)
{
	if (path && *path)
		nftw(path, vt_test_rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

/* ---- time */

/* µs since epoch of "YYYY-MM-DDTHH:MM:SSZ" (UTC). */
static inline int64_t vt_test_utc(const char *iso)
{
	struct tm tm = { 0 };
	if (sscanf(iso, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		    &tm.tm_min, &tm.tm_sec) != 6)
		fail_msg("bad time '%s'", iso);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000;
}

/* A settable clock for vt_node_open_opts.clock: returns now, then adds step. */
typedef struct vt_fake_clock {
	_Atomic int64_t now;
	int64_t step;
} vt_fake_clock;

static inline int64_t vt_fake_clock_fn(void *ctx)
{
	vt_fake_clock *c = ctx;
	return atomic_fetch_add(&c->now, c->step);
}

static inline void vt_fake_clock_set(vt_fake_clock *c, int64_t us) { atomic_store(&c->now, us); }

/* ---- nodes */

/* Initialises a node in a fresh directory (copied to dir) and opens it with
 * opts (may be NULL). */
static inline vt_node *vt_test_node_new(char *dir, size_t cap, const char *name,
	const vt_node_open_opts *opts)
{
	vt_node_init_opts io = { 0 };
	vt_node *n = NULL;
	char path[4096];
	vt_test_tmpdir(path, sizeof(path), name);
	if ((size_t)snprintf(dir, cap, "%.4000s/node", path) >= cap)
		fail_msg("node path too long");
	io.node_id = VT_TEST_NODE_ID;
	io.role = "unit";
	io.agency_name = "Sở Nông nghiệp và Phát triển nông thôn";
	io.agency_code = VT_TEST_NODE_ID;
	io.agency_symbol = VT_TEST_SYMBOL;
	assert_vt_ok(vt_node_init(dir, &io));
	{
		/* Tests keep a tree head for every commit unless they ask for
		 * the default checkpoint policy (sth_every = VT_STH_EVERY). */
		vt_node_open_opts o = { 0 };
		if (opts)
			o = *opts;
		if (!o.sth_every)
			o.sth_every = 1;
		assert_vt_ok(vt_node_open(&n, dir, &o));
	}
	return n;
}

/* Frees the node and removes the directory vt_test_node_new made. */
static inline void vt_test_node_done(vt_node *n, const char *dir)
{
	char parent[4096];
	char *slash;
	vt_node_free(n);
	snprintf(parent, sizeof(parent), "%s", dir);
	if ((slash = strrchr(parent, '/')))
		*slash = 0;
	vt_test_rmrf(parent);
}

/* ---- events */

typedef struct vt_test_doc {
	Vanthu__V1__Direction direction; /* 0: incoming */
	const char *doc_type;            /* NULL: "CV" */
	const char *number_symbol;       /* incoming: as printed; outgoing: custom ký hiệu or NULL */
	const char *agency;              /* issuing agency (incoming); NULL: a default */
	const char *agency_code;
	const char *summary;             /* NULL: a default */
	int draft;                       /* outgoing: a draft for the workflow; else a
	                                  * paper issue, which can be numbered at once */
} vt_test_doc;

/* Appends DocumentCreated; returns the append result (document id in res). */
static inline int vt_test_create(vt_node *n, const vt_test_doc *d, vt_apply_result *res)
{
	Vanthu__V1__DocumentMeta meta = VANTHU__V1__DOCUMENT_META__INIT;
	Vanthu__V1__DocumentCreated dc = VANTHU__V1__DOCUMENT_CREATED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	int in = d->direction != VANTHU__V1__DIRECTION__OUTGOING;
	meta.direction = in ? VANTHU__V1__DIRECTION__INCOMING : VANTHU__V1__DIRECTION__OUTGOING;
	meta.doc_type = (char *)(d->doc_type ? d->doc_type : "CV");
	meta.number_symbol = (char *)(d->number_symbol ? d->number_symbol : "");
	meta.issuing_agency = (char *)(d->agency ? d->agency : in ? "UBND tỉnh Lào Cai" : "");
	meta.issuing_agency_code = (char *)(d->agency_code ? d->agency_code : "");
	meta.summary = (char *)(d->summary ? d->summary : "V/v triển khai kế hoạch");
	meta.issue_date = "2025-06-01";
	meta.paper_issue = !in && !d->draft;
	dc.meta = &meta;
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_CREATED;
	ev.document_created = &dc;
	return vt_log_append(n->log, "vanthu1", &ev, res);
}

/* Appends an incoming DocumentCreated with this số, ký hiệu and summary. */
static inline int vt_test_create_incoming(vt_node *n, const char *symbol, const char *summary,
	vt_apply_result *res)
{
	vt_test_doc d = { 0 };
	d.direction = VANTHU__V1__DIRECTION__INCOMING;
	d.number_symbol = symbol;
	d.summary = summary;
	return vt_test_create(n, &d, res);
}

/* Appends DocumentRegistered. */
static inline int vt_test_register(vt_node *n, const char *doc_id, const char *book, int accept_dup,
	vt_apply_result *res)
{
	Vanthu__V1__DocumentRegistered dr = VANTHU__V1__DOCUMENT_REGISTERED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	dr.document_id = (char *)doc_id;
	dr.book = (char *)book;
	dr.accept_duplicate = accept_dup;
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_REGISTERED;
	ev.document_registered = &dr;
	return vt_log_append(n->log, "vanthu1", &ev, res);
}

/* Appends BookDefined. types may be NULL (all types). */
static inline int vt_test_book(vt_node *n, const char *id, const char *name, Vanthu__V1__Direction dir,
	const char *symbol, const char **types, size_t ntypes, int closed)
{
	Vanthu__V1__RegisterBook book = VANTHU__V1__REGISTER_BOOK__INIT;
	Vanthu__V1__BookDefined bd = VANTHU__V1__BOOK_DEFINED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	book.id = (char *)id;
	book.name = (char *)name;
	book.direction = dir;
	book.agency_symbol = (char *)(symbol ? symbol : "");
	book.doc_types = (char **)types;
	book.n_doc_types = ntypes;
	book.closed = closed;
	bd.book = &book;
	ev.kind_case = VANTHU__V1__EVENT__KIND_BOOK_DEFINED;
	ev.book_defined = &bd;
	return vt_log_append(n->log, "admin", &ev, NULL);
}

#endif
