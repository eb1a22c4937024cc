/* Register books: numbering per book per year (Vietnam time), concurrency,
 * the duplicate warning, outgoing số/ký hiệu, book rules and validation. */
#include "testutil.h"
#include "docs/date.h"

#include <pthread.h>

#include "docs/doc.h"
#include "docs/register.h"
#include "verify.h"

#define ORIGIN VT_TEST_NODE_ID

/* A fixed time after every entry vt_node_init wrote: 15 January (UTC+7)
 * of next year, far from any year boundary. */
static int64_t quiet_time(void)
{
	char iso[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	snprintf(iso, sizeof(iso), "%04d-01-15T03:00:00Z", tm.tm_year + 1900 + 1);
	return vt_test_utc(iso);
}

typedef struct fixture {
	char dir[4096];
	vt_node *n;
	vt_fake_clock clk;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	vt_node_open_opts o = { 0 };
	vt_fake_clock_set(&f->clk, quiet_time());
	f->clk.step = 1000; /* 1 ms per reading */
	o.clock = vt_fake_clock_fn;
	o.clock_ctx = &f->clk;
	f->n = vt_test_node_new(f->dir, sizeof(f->dir), "register", &o);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	vt_verify_report rep;
	vt_verify_opts vo = { 0 };
	/* whatever a test did, the log replays to the same state */
	vo.rebuild = 1;
	vo.scratch_dir = getenv("VT_TEST_TMP");
	assert_vt_ok(vt_log_verify(f->n->store, ORIGIN, f->n->pk, &vo, &rep));
	vt_test_node_done(f->n, f->dir);
	free(f);
	return 0;
}

/* Creates an incoming document and registers it in book; returns the number. */
static uint32_t receive(vt_node *n, const char *book, const char *symbol, vt_apply_result *out)
{
	vt_apply_result c, r;
	assert_vt_ok(vt_test_create_incoming(n, symbol, "V/v tiếp nhận văn bản", &c));
	assert_vt_ok(vt_test_register(n, c.document_id, book, 0, &r));
	assert_string_equal(r.document_id, c.document_id);
	if (out)
		*out = r;
	return r.number;
}

static uint32_t last_number(vt_node *n, const char *book, uint32_t year)
{
	uint32_t v = 99999;
	assert_vt_ok(vt_register_last_number(n->store, ORIGIN, book, year, &v));
	return v;
}

typedef struct entry_list {
	size_t count;
	uint32_t number[2000];
	uint32_t year[2000];
	char doc[2000][64];
	char symbol[2000][64];
} entry_list;

static int collect(void *ctx, const Vanthu__V1__RegisterEntry *e)
{
	entry_list *l = ctx;
	if (l->count >= 2000)
		return -1;
	l->number[l->count] = e->number;
	l->year[l->count] = e->year;
	snprintf(l->doc[l->count], 64, "%s", e->document_id);
	snprintf(l->symbol[l->count], 64, "%s", e->number_symbol);
	l->count++;
	return 0;
}

static entry_list *entries(vt_node *n, const char *book, uint32_t year)
{
	entry_list *l = calloc(1, sizeof(*l));
	assert_vt_ok(vt_register_entries(n->store, ORIGIN, book, year, collect, l));
	return l;
}

/* ---- incoming numbers */

static void test_incoming_numbers(void **state)
{
	fixture *f = *state;
	const uint32_t year = vt_year_vn(quiet_time());
	vt_apply_result r;
	Vanthu__V1__Document *d = NULL;
	entry_list *l;
	char sym[64];

	assert_int_equal(last_number(f->n, "den", year), 0);
	assert_vt_ok(vt_test_book(f->n, "den-2", "Sổ văn bản đến của Văn phòng", VANTHU__V1__DIRECTION__INCOMING,
		NULL, NULL, 0, 0));
	/* interleaved: each book counts on its own */
	static const struct { const char *book; uint32_t want; } seq[] = {
		{ "den", 1 }, { "den", 2 }, { "den-2", 1 }, { "den", 3 }, { "den-2", 2 }, { "den-2", 3 },
		{ "den-2", 4 }, { "den", 4 },
	};
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		snprintf(sym, sizeof(sym), "%zu/BC-STC", 100 + i);
		assert_int_equal(receive(f->n, seq[i].book, sym, &r), seq[i].want);
		assert_int_equal(r.year, year);
	}
	assert_int_equal(last_number(f->n, "den", year), 4);
	assert_int_equal(last_number(f->n, "den-2", year), 4);
	assert_int_equal(last_number(f->n, "den", year + 1), 0);
	assert_int_equal(last_number(f->n, "di", year), 0);

	/* the document knows where it was registered */
	assert_vt_ok(vt_doc_get(f->n->store, ORIGIN, r.document_id, &d));
	assert_string_equal(d->book, "den");
	assert_int_equal(d->number, 4);
	assert_int_equal(d->year, year);
	assert_true(d->registered_at == r.time);
	assert_string_equal(d->registered_by, "vanthu1");
	assert_true(d->updated_seq == r.seq);
	assert_false(d->duplicate_accepted);
	assert_string_equal(d->duplicate_of, "");
	vanthu__v1__document__free_unpacked(d, NULL);

	/* the register rows, in number order, with the document's fields */
	l = entries(f->n, "den", year);
	assert_int_equal(l->count, 4);
	for (size_t i = 0; i < l->count; i++) {
		assert_int_equal(l->number[i], i + 1);
		assert_int_equal(l->year[i], year);
	}
	assert_string_equal(l->symbol[3], "107/BC-STC");
	assert_string_equal(l->doc[3], r.document_id);
	free(l);
	l = entries(f->n, "den", 0);
	assert_int_equal(l->count, 4);
	free(l);
	l = entries(f->n, "nope", 0);
	assert_int_equal(l->count, 0);
	free(l);
}

/* ---- register year: calendar year in Vietnam (UTC+7) */

static void test_year_vn(void **state)
{
	static const struct { const char *utc; uint32_t year; } cases[] = {
		{ "2025-12-31T16:59:00Z", 2025 }, /* 23:59:00 +07 */
		{ "2025-12-31T16:59:59Z", 2025 },
		{ "2025-12-31T17:00:00Z", 2026 }, /* 00:00:00 +07 */
		{ "2025-12-31T17:00:30Z", 2026 },
		{ "2025-12-31T17:30:00Z", 2026 }, /* still 31 Dec in UTC */
		{ "2026-01-01T00:00:00Z", 2026 },
		{ "2025-01-01T00:00:00Z", 2025 },
		{ "2024-12-31T16:59:59Z", 2024 },
		{ "2024-02-29T17:00:00Z", 2024 }, /* 1 March +07 */
		{ "2099-12-31T17:00:00Z", 2100 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t got = vt_year_vn(vt_test_utc(cases[i].utc));
		if (got != cases[i].year)
			fail_msg("%s: year %u, want %u", cases[i].utc, got, cases[i].year);
	}
	/* one microsecond before midnight +07 */
	assert_int_equal(vt_year_vn(vt_test_utc("2025-12-31T17:00:00Z") - 1), 2025);
}

/* Log times never go back, and vt_node_init stamps its entries with the
 * system clock, so the rollover runs at the coming New Year's Eve rather
 * than a fixed past one; test_year_vn covers the 2025/2026 boundary. */
static void test_year_rollover(void **state)
{
	fixture *f = *state;
	char iso[32];
	time_t now = time(NULL);
	struct tm tm;
	int y;
	vt_apply_result r, c;
	entry_list *l;
	vt_test_doc out = { 0 };

	gmtime_r(&now, &tm);
	y = tm.tm_year + 1900;
	snprintf(iso, sizeof(iso), "%04d-12-31T10:00:00Z", y);
	if (vt_test_utc(iso) <= (int64_t)now * 1000000 + 3600LL * 1000000)
		y++;
	print_message("rollover %d -> %d\n", y, y + 1);
	out.direction = VANTHU__V1__DIRECTION__OUTGOING;
	out.doc_type = "QĐ";

	/* earlier on 31 December */
	snprintf(iso, sizeof(iso), "%04d-12-31T10:00:00Z", y);
	vt_fake_clock_set(&f->clk, vt_test_utc(iso));
	f->clk.step = 0;
	assert_int_equal(receive(f->n, "den", "1/GM-UBND", &r), 1);
	assert_int_equal(r.year, (uint32_t)y);

	/* 23:59:00 +07: year y, numbers continue */
	snprintf(iso, sizeof(iso), "%04d-12-31T16:59:00Z", y);
	vt_fake_clock_set(&f->clk, vt_test_utc(iso));
	assert_int_equal(receive(f->n, "den", "2/GM-UBND", &r), 2);
	assert_int_equal(r.year, (uint32_t)y);
	assert_int_equal(receive(f->n, "den", "3/GM-UBND", &r), 3);
	assert_int_equal(r.year, (uint32_t)y);
	assert_vt_ok(vt_test_create(f->n, &out, &c));
	assert_vt_ok(vt_test_register(f->n, c.document_id, "di", 0, &r));
	assert_string_equal(r.number_symbol, "01/QĐ-" VT_TEST_SYMBOL);

	/* 00:00:30 +07 on 1 January: year y+1 from number 1 */
	snprintf(iso, sizeof(iso), "%04d-12-31T17:00:30Z", y);
	vt_fake_clock_set(&f->clk, vt_test_utc(iso));
	assert_int_equal(receive(f->n, "den", "4/GM-UBND", &r), 1);
	assert_int_equal(r.year, (uint32_t)(y + 1));
	/* the same số, ký hiệu again: unique within a year only */
	assert_vt_ok(vt_test_create(f->n, &out, &c));
	assert_vt_ok(vt_test_register(f->n, c.document_id, "di", 0, &r));
	assert_string_equal(r.number_symbol, "01/QĐ-" VT_TEST_SYMBOL);
	assert_int_equal(r.year, (uint32_t)(y + 1));

	/* 17:30 UTC on 31 December is already the new year in Vietnam */
	snprintf(iso, sizeof(iso), "%04d-12-31T17:30:00Z", y);
	vt_fake_clock_set(&f->clk, vt_test_utc(iso));
	assert_int_equal(receive(f->n, "den", "5/GM-UBND", &r), 2);
	assert_int_equal(r.year, (uint32_t)(y + 1));

	/* a clock that goes back does not take the register back a year */
	snprintf(iso, sizeof(iso), "%04d-12-31T16:00:00Z", y);
	vt_fake_clock_set(&f->clk, vt_test_utc(iso));
	assert_int_equal(receive(f->n, "den", "6/GM-UBND", &r), 3);
	assert_int_equal(r.year, (uint32_t)(y + 1));

	assert_int_equal(last_number(f->n, "den", y), 3);
	assert_int_equal(last_number(f->n, "den", y + 1), 3);
	l = entries(f->n, "den", y);
	assert_int_equal(l->count, 3);
	free(l);
	l = entries(f->n, "den", 0);
	assert_int_equal(l->count, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(l->year[i], i < 3 ? (uint32_t)y : (uint32_t)y + 1);
		assert_int_equal(l->number[i], i < 3 ? i + 1 : i - 2);
	}
	free(l);
}

/* ---- numbering under concurrency */

#define THREADS 32
#define PER_THREAD 50

typedef struct worker {
	vt_node *n;
	int id;
	char doc[PER_THREAD][64];
	uint32_t number[PER_THREAD];
	int error;
	char message[256];
} worker;

static void *worker_run(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		vt_apply_result c, r;
		char sym[64];
		snprintf(sym, sizeof(sym), "%d.%d/CV-SYT", w->id, i);
		if ((w->error = vt_test_create_incoming(w->n, sym, "V/v đồng thời", &c)) < 0 ||
		    (w->error = vt_test_register(w->n, c.document_id, "den", 0, &r)) < 0) {
			snprintf(w->message, sizeof(w->message), "%s", vt_error_last());
			return NULL;
		}
		snprintf(w->doc[i], 64, "%.60s", r.document_id);
		w->number[i] = r.number;
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

static void test_concurrent_numbering(void **state)
{
	fixture *f = *state;
	worker *w = calloc(THREADS, sizeof(*w));
	pthread_t th[THREADS];
	const uint32_t year = vt_year_vn(quiet_time());
	entry_list *l;
	char (*docs)[64] = malloc(THREADS * PER_THREAD * 64);

	for (int i = 0; i < THREADS; i++) {
		w[i].n = f->n;
		w[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < THREADS; i++)
		if (w[i].error)
			fail_msg("thread %d: %s %s", i, vt_error_name(w[i].error), w[i].message);

	l = entries(f->n, "den", year);
	assert_int_equal(l->count, THREADS * PER_THREAD);
	for (size_t i = 0; i < l->count; i++) {
		if (l->number[i] != i + 1)
			fail_msg("row %zu has number %u (gap or duplicate)", i, l->number[i]);
		memcpy(docs[i], l->doc[i], 64);
	}
	assert_int_equal(last_number(f->n, "den", year), THREADS * PER_THREAD);
	/* every document exactly once */
	qsort(docs, l->count, 64, cmp_str);
	for (size_t i = 1; i < l->count; i++)
		if (strcmp(docs[i], docs[i - 1]) == 0)
			fail_msg("document %s registered twice", docs[i]);
	/* what each appender was told is what the register says */
	for (int i = 0; i < THREADS; i++)
		for (int j = 0; j < PER_THREAD; j++) {
			uint32_t num = w[i].number[j];
			assert_true(num >= 1 && num <= THREADS * PER_THREAD);
			assert_string_equal(l->doc[num - 1], w[i].doc[j]);
		}
	free(docs);
	free(l);
	free(w);
}

/* ---- duplicate warning */

static void test_duplicate_warning(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *symbol, *agency, *code;
		int duplicate;   /* 1: of the first document, 2: of the second */
	} cases[] = {
		{ "123/QĐ-UBND", "UBND tỉnh Lào Cai", NULL, 0 },          /* the first */
		{ "123/QĐ-UBND", "UBND tỉnh Lào Cai", NULL, 1 },
		{ "123 / QĐ - UBND", "UBND tỉnh Lào Cai", NULL, 1 },     /* spacing */
		{ " 123/QĐ-UBND\t", "UBND tỉnh Lào Cai", NULL, 1 },
		{ "123/qđ-ubnd", "UBND tỉnh Lào Cai", NULL, 1 },          /* case, Vietnamese too */
		{ "123/QĐ-UBND", "ubnd  TỈNH lào cai", NULL, 1 },         /* agency case and spacing */
		{ "123/QĐ-UBND", "UBND tỉnh La\xcc\x80o Cai", NULL, 1 },  /* decomposed à (NFD) */
		{ "123/QĐ-UBND", "UBND tỉnh Yên Bái", NULL, 0 },          /* another agency */
		{ "124/QĐ-UBND", "UBND tỉnh Lào Cai", NULL, 0 },          /* another number */
		{ "123/QĐ-UBND-", "UBND tỉnh Lào Cai", NULL, 0 },
		/* with an agency code, the code decides, not how the name is written */
		{ "55/CV-UBND", "UBND tỉnh Điện Biên", "000.00.00.H26", 0 },
		{ "55/CV-UBND", "Ủy ban nhân dân tỉnh Điện Biên", "000.00.00.H26", 2 },
		{ "55/CV-UBND", "UBND tỉnh Điện Biên", "000.00.00.H27", 0 },
	};
	char first[VT_ID_MAX] = "", second[VT_ID_MAX] = "";
	const uint32_t year = vt_year_vn(quiet_time());
	uint32_t next = 1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vt_test_doc d = { 0 };
		vt_apply_result c, r;
		Vanthu__V1__Document *doc = NULL;
		const char *of = cases[i].duplicate == 1 ? first : second;
		char want[512];

		d.number_symbol = cases[i].symbol;
		d.agency = cases[i].agency;
		d.agency_code = cases[i].code;
		assert_vt_ok(vt_test_create(f->n, &d, &c));
		memset(&r, 0x55, sizeof(r));
		if (cases[i].duplicate) {
			/* refused, naming the earlier document; no number used */
			snprintf(want, sizeof(want), "already registered as document %s;", of);
			assert_vt_error(vt_test_register(f->n, c.document_id, "den", 0, &r), VT_EEXISTS, want);
			assert_non_null(strstr(vt_error_last(), "accept_duplicate"));
			assert_int_equal(last_number(f->n, "den", year), next - 1);
			assert_vt_ok(vt_doc_get(f->n->store, ORIGIN, c.document_id, &doc));
			assert_int_equal(doc->number, 0);
			vanthu__v1__document__free_unpacked(doc, NULL);
			/* confirmed by the clerk */
			assert_vt_ok(vt_test_register(f->n, c.document_id, "den", 1, &r));
			assert_string_equal(r.duplicate_of, of);
		} else {
			assert_vt_ok(vt_test_register(f->n, c.document_id, "den", 0, &r));
			assert_string_equal(r.duplicate_of, "");
		}
		assert_int_equal(r.number, next);
		next++;
		assert_vt_ok(vt_doc_get(f->n->store, ORIGIN, c.document_id, &doc));
		assert_int_equal(doc->number, r.number);
		assert_int_equal(doc->duplicate_accepted, !!cases[i].duplicate);
		assert_string_equal(doc->duplicate_of, cases[i].duplicate ? of : "");
		vanthu__v1__document__free_unpacked(doc, NULL);
		if (i == 0)
			snprintf(first, sizeof(first), "%s", c.document_id);
		if (i == 10)
			snprintf(second, sizeof(second), "%s", c.document_id);
	}

	/* accept_duplicate without a duplicate is harmless */
	{
		vt_apply_result c, r;
		assert_vt_ok(vt_test_create_incoming(f->n, "999/TB-BNV", "V/v thông báo", &c));
		assert_vt_ok(vt_test_register(f->n, c.document_id, "den", 1, &r));
		assert_string_equal(r.duplicate_of, "");
	}
	/* the warning covers every incoming book of the agency */
	{
		vt_apply_result c, r;
		assert_vt_ok(vt_test_book(f->n, "den-2", "Sổ đến 2", VANTHU__V1__DIRECTION__INCOMING, NULL, NULL, 0, 0));
		assert_vt_ok(vt_test_create_incoming(f->n, "123/QĐ-UBND", "V/v bản sao", &c));
		assert_vt_error(vt_test_register(f->n, c.document_id, "den-2", 0, &r), VT_EEXISTS, first);
	}
	/* outgoing documents are not subject to it */
	{
		vt_test_doc d = { 0 };
		vt_apply_result c, r;
		d.direction = VANTHU__V1__DIRECTION__OUTGOING;
		d.doc_type = "QĐ";
		d.agency = "UBND tỉnh Lào Cai";
		assert_vt_ok(vt_test_create(f->n, &d, &c));
		assert_vt_ok(vt_test_register(f->n, c.document_id, "di", 0, &r));
		assert_vt_ok(vt_test_create(f->n, &d, &c));
		assert_vt_ok(vt_test_register(f->n, c.document_id, "di", 0, &r));
		assert_string_equal(r.duplicate_of, "");
	}
}

static void test_normalize(void **state)
{
	static const struct { const char *in; size_t cap; const char *want; } cases[] = {
		{ "123/QĐ-UBND", 64, "123/QĐ-UBND" },
		{ " 123 / qđ-ubnd\t\n", 64, "123/QĐ-UBND" },
		{ "Lào Cai", 64, "LÀOCAI" },
		{ "La\xcc\x80o Cai", 64, "LÀOCAI" },          /* NFD in, NFC out */
		{ "Sở Nông nghiệp", 64, "SỞNÔNGNGHIỆP" },
		{ "", 64, "" },
		{ "abcdef", 4, "ABC" },                       /* cut to cap - 1 bytes */
		{ "ĐĐĐ", 4, "Đ" },                            /* never half a character */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64];
		memset(out, 'x', sizeof(out));
		vt_register_normalize(out, cases[i].cap, cases[i].in);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("normalize('%s', %zu) = '%s', want '%s'", cases[i].in, cases[i].cap, out, cases[i].want);
	}
}

/* ---- outgoing numbers: số, ký hiệu */

static void test_outgoing_numbers(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *type, *custom, *want;
	} cases[] = {
		{ "QĐ", NULL, "01/QĐ-" VT_TEST_SYMBOL },
		{ "QĐ", NULL, "02/QĐ-" VT_TEST_SYMBOL },
		{ "CV", "SNN-VP", "03/SNN-VP" },          /* công văn: agency-unit ký hiệu */
		{ "TB", NULL, "04/TB-" VT_TEST_SYMBOL },
		{ "KH", NULL, "05/KH-" VT_TEST_SYMBOL },
		{ "CV", "SNN-KHTC", "06/SNN-KHTC" },
		{ "TTr", NULL, "07/TTr-" VT_TEST_SYMBOL },
		{ "BC", NULL, "08/BC-" VT_TEST_SYMBOL },
		{ "QĐ", NULL, "09/QĐ-" VT_TEST_SYMBOL },
		{ "QĐ", NULL, "10/QĐ-" VT_TEST_SYMBOL },  /* no leading zero from 10 */
		{ "CV", "SNN-VP", "11/SNN-VP" },
	};
	const uint32_t year = vt_year_vn(quiet_time());
	entry_list *l;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vt_test_doc d = { 0 };
		vt_apply_result c, r;
		Vanthu__V1__Document *doc = NULL;
		d.direction = VANTHU__V1__DIRECTION__OUTGOING;
		d.doc_type = cases[i].type;
		d.number_symbol = cases[i].custom;
		assert_vt_ok(vt_test_create(f->n, &d, &c));
		assert_vt_ok(vt_test_register(f->n, c.document_id, "di", 0, &r));
		assert_int_equal(r.number, i + 1);
		assert_string_equal(r.number_symbol, cases[i].want);
		assert_vt_ok(vt_doc_get(f->n->store, ORIGIN, c.document_id, &doc));
		assert_string_equal(doc->meta->number_symbol, cases[i].want);
		assert_int_equal(doc->number, i + 1);
		vanthu__v1__document__free_unpacked(doc, NULL);
	}
	l = entries(f->n, "di", year);
	assert_int_equal(l->count, sizeof(cases) / sizeof(cases[0]));
	for (size_t i = 0; i < l->count; i++)
		assert_string_equal(l->symbol[i], cases[i].want);
	free(l);
	/* the incoming book did not move */
	assert_int_equal(last_number(f->n, "den", year), 0);
}

/* Two outgoing books with the same agency symbol could both print
 * "01/QĐ-SNN". Two catch-all books are refused when defined; a book for
 * some types beside the general one is allowed, and a collision is then
 * refused at registration (số, ký hiệu is unique within the year) without
 * using a number. */
static void test_outgoing_symbol_collision(void **state)
{
	fixture *f = *state;
	vt_test_doc d = { 0 };
	vt_apply_result c, r;
	const uint32_t year = vt_year_vn(quiet_time());
	static const char *types[] = { "QĐ", "TB" };

	assert_vt_error(vt_test_book(f->n, "di-2", "Sổ văn bản đi 2", VANTHU__V1__DIRECTION__OUTGOING,
		VT_TEST_SYMBOL, NULL, 0, 0), VT_ECONFLICT, "would be given twice");
	assert_vt_ok(vt_test_book(f->n, "di-2", "Sổ văn bản đi 2", VANTHU__V1__DIRECTION__OUTGOING,
		VT_TEST_SYMBOL, types, 2, 0));
	d.direction = VANTHU__V1__DIRECTION__OUTGOING;
	d.doc_type = "QĐ";
	assert_vt_ok(vt_test_create(f->n, &d, &c));
	assert_vt_ok(vt_test_register(f->n, c.document_id, "di", 0, &r));
	assert_string_equal(r.number_symbol, "01/QĐ-" VT_TEST_SYMBOL);
	assert_vt_ok(vt_test_create(f->n, &d, &c));
	assert_vt_error(vt_test_register(f->n, c.document_id, "di-2", 0, &r), VT_ECONFLICT,
		"01/QĐ-" VT_TEST_SYMBOL " is already used");
	assert_int_equal(last_number(f->n, "di-2", year), 0);
	/* a different type in that book does not collide */
	d.doc_type = "TB";
	assert_vt_ok(vt_test_create(f->n, &d, &c));
	assert_vt_ok(vt_test_register(f->n, c.document_id, "di-2", 0, &r));
	assert_string_equal(r.number_symbol, "01/TB-" VT_TEST_SYMBOL);
}

/* ---- book rules */

static void test_book_rules(void **state)
{
	fixture *f = *state;
	static const char *qd[] = { "QĐ" };
	const uint32_t year = vt_year_vn(quiet_time());
	vt_test_doc out = { 0 };
	vt_apply_result in1, o1, o2, r;

	assert_vt_ok(vt_test_book(f->n, "di-qd", "Sổ quyết định", VANTHU__V1__DIRECTION__OUTGOING, "SNN", qd, 1, 0));
	out.direction = VANTHU__V1__DIRECTION__OUTGOING;
	out.doc_type = "TB";
	assert_vt_ok(vt_test_create(f->n, &out, &o1));
	out.doc_type = "QĐ";
	assert_vt_ok(vt_test_create(f->n, &out, &o2));
	assert_vt_ok(vt_test_create_incoming(f->n, "7/TB-VP", "V/v lịch họp", &in1));

	const struct {
		const char *what;
		const char *doc;
		const char *book;
		int code;
		const char *sub;
	} cases[] = {
		{ "type not in the book", o1.document_id, "di-qd", VT_EINVAL, "does not take documents of type 'TB'" },
		{ "outgoing into incoming", o2.document_id, "den", VT_EINVAL, "is for incoming documents" },
		{ "incoming into outgoing", in1.document_id, "di", VT_EINVAL, "is for outgoing documents" },
		{ "unknown book", in1.document_id, "nope", VT_ENOTFOUND, "no register book 'nope'" },
		{ "unknown document", ORIGIN "/99999", "den", VT_ENOTFOUND, "no document " ORIGIN "/99999" },
		{ "another node's document", "000.00.00.H01/5", "den", VT_ENOTFOUND, "is not of node" },
		{ "malformed id", ORIGIN "/5x", "den", VT_EINVAL, "malformed" },
		{ "empty id", "", "den", VT_ENOTFOUND, "document id" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t size = vt_log_size(f->n->log);
		vt_error_clear();
		int rc = vt_test_register(f->n, cases[i].doc, cases[i].book, 0, &r);
		if (rc != cases[i].code || !strstr(vt_error_last(), cases[i].sub))
			fail_msg("%s: %s '%s', want %s with '%s'", cases[i].what, vt_error_name(rc), vt_error_last(),
				vt_error_name(cases[i].code), cases[i].sub);
		assert_true(vt_log_size(f->n->log) == size); /* nothing logged */
	}
	assert_int_equal(last_number(f->n, "di-qd", year), 0);
	assert_int_equal(last_number(f->n, "den", year), 0);

	/* the right book takes them */
	assert_vt_ok(vt_test_register(f->n, o2.document_id, "di-qd", 0, &r));
	assert_string_equal(r.number_symbol, "01/QĐ-SNN");
	assert_vt_ok(vt_test_register(f->n, o1.document_id, "di", 0, &r));
	assert_vt_ok(vt_test_register(f->n, in1.document_id, "den", 0, &r));

	/* twice */
	assert_vt_error(vt_test_register(f->n, in1.document_id, "den", 0, &r), VT_ECONFLICT, "is registered: 'register' is not possible");
	assert_vt_error(vt_test_register(f->n, o2.document_id, "di", 0, &r), VT_ECONFLICT, "already registered");
	assert_int_equal(last_number(f->n, "den", year), 1);

	/* a closed book refuses; reopened, it goes on from its last number */
	assert_vt_ok(vt_test_book(f->n, "den", "Sổ văn bản đến", VANTHU__V1__DIRECTION__INCOMING, NULL, NULL, 0, 1));
	{
		Vanthu__V1__RegisterBook *b = NULL;
		assert_vt_ok(vt_register_book_get(f->n->store, ORIGIN, "den", &b));
		assert_true(b->closed);
		vanthu__v1__register_book__free_unpacked(b, NULL);
	}
	assert_vt_ok(vt_test_create_incoming(f->n, "8/TB-VP", "V/v lịch họp tuần", &in1));
	assert_vt_error(vt_test_register(f->n, in1.document_id, "den", 0, &r), VT_ECONFLICT, "'den' is closed");
	assert_vt_ok(vt_test_book(f->n, "den", "Sổ văn bản đến", VANTHU__V1__DIRECTION__INCOMING, NULL, NULL, 0, 0));
	assert_vt_ok(vt_test_register(f->n, in1.document_id, "den", 0, &r));
	assert_int_equal(r.number, 2);
}

typedef struct book_list {
	char ids[16][40];
	size_t count;
} book_list;

static int collect_book(void *ctx, const Vanthu__V1__RegisterBook *b)
{
	book_list *l = ctx;
	if (l->count < 16)
		snprintf(l->ids[l->count++], 40, "%s", b->id);
	return 0;
}

static void test_book_validation(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *id, *name;
		Vanthu__V1__Direction dir;
		const char *symbol;
		int code;
		const char *sub;
	} cases[] = {
		{ "den-2", "Sổ đến 2", VANTHU__V1__DIRECTION__INCOMING, NULL, 0, NULL },
		{ "di_QD-2025", "Sổ QĐ", VANTHU__V1__DIRECTION__OUTGOING, "SNN-QD", 0, NULL },
		{ "abcdefghijklmnopqrstuvwxyz012345", "32 chars", VANTHU__V1__DIRECTION__INCOMING, NULL, 0, NULL },
		{ "abcdefghijklmnopqrstuvwxyz0123456", "33 chars", VANTHU__V1__DIRECTION__INCOMING, NULL, VT_EINVAL, "1-32" },
		{ "", "empty id", VANTHU__V1__DIRECTION__INCOMING, NULL, VT_EINVAL, "book id ''" },
		{ "so den", "space", VANTHU__V1__DIRECTION__INCOMING, NULL, VT_EINVAL, "'so den'" },
		{ "sổ", "not ASCII", VANTHU__V1__DIRECTION__INCOMING, NULL, VT_EINVAL, "letters, digits" },
		{ "a/b", "slash", VANTHU__V1__DIRECTION__INCOMING, NULL, VT_EINVAL, "book id" },
		{ "a.b", "dot", VANTHU__V1__DIRECTION__INCOMING, NULL, VT_EINVAL, "book id" },
		{ "noname", "", VANTHU__V1__DIRECTION__INCOMING, NULL, VT_EINVAL, "needs a name" },
		{ "nodir", "no direction", VANTHU__V1__DIRECTION__DIRECTION_UNSPECIFIED, NULL, VT_EINVAL, "direction" },
		{ "baddir", "bad direction", (Vanthu__V1__Direction)7, NULL, VT_EINVAL, "direction" },
		{ "di-nosym", "no symbol", VANTHU__V1__DIRECTION__OUTGOING, NULL, VT_EINVAL, "agency symbol" },
		{ "den", "turned around", VANTHU__V1__DIRECTION__OUTGOING, "SNN", VT_ECONFLICT, "other direction" },
		{ "di", "turned around", VANTHU__V1__DIRECTION__INCOMING, NULL, VT_ECONFLICT, "other direction" },
		{ "den", "Sổ văn bản đến (đổi tên)", VANTHU__V1__DIRECTION__INCOMING, NULL, 0, NULL }, /* rename */
	};
	book_list bl = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t size = vt_log_size(f->n->log);
		vt_error_clear();
		int rc = vt_test_book(f->n, cases[i].id, cases[i].name, cases[i].dir, cases[i].symbol, NULL, 0, 0);
		if (rc != cases[i].code || (cases[i].sub && !strstr(vt_error_last(), cases[i].sub)))
			fail_msg("book '%s' (%s): %s '%s', want %s with '%s'", cases[i].id, cases[i].name,
				vt_error_name(rc), vt_error_last(), vt_error_name(cases[i].code),
				cases[i].sub ? cases[i].sub : "");
		assert_true(vt_log_size(f->n->log) == size + (rc == 0));
	}
	{
		Vanthu__V1__RegisterBook *b = NULL;
		assert_vt_ok(vt_register_book_get(f->n->store, ORIGIN, "den", &b));
		assert_string_equal(b->name, "Sổ văn bản đến (đổi tên)");
		assert_int_equal(b->direction, VANTHU__V1__DIRECTION__INCOMING);
		vanthu__v1__register_book__free_unpacked(b, NULL);
		assert_vt_ok(vt_register_book_get(f->n->store, ORIGIN, "di", &b));
		assert_string_equal(b->agency_symbol, VT_TEST_SYMBOL);
		vanthu__v1__register_book__free_unpacked(b, NULL);
		assert_vt_error(vt_register_book_get(f->n->store, ORIGIN, "nodir", &b), VT_ENOTFOUND, "'nodir'");
		assert_null(b);
	}
	assert_vt_ok(vt_register_books(f->n->store, ORIGIN, collect_book, &bl));
	assert_int_equal(bl.count, 5);
	assert_string_equal(bl.ids[0], "abcdefghijklmnopqrstuvwxyz012345");
	assert_string_equal(bl.ids[1], "den");
	assert_string_equal(bl.ids[2], "den-2");
	assert_string_equal(bl.ids[3], "di");
	assert_string_equal(bl.ids[4], "di_QD-2025");
}

/* Received and registered in one event (DocumentCreated with register_book):
 * atomic, so a refused registration leaves nothing behind. */
static int create_registered(vt_node *n, Vanthu__V1__Direction dir, const char *symbol, const char *book,
	int accept, vt_apply_result *res)
{
	Vanthu__V1__DocumentMeta m = VANTHU__V1__DOCUMENT_META__INIT;
	Vanthu__V1__DocumentCreated dc = VANTHU__V1__DOCUMENT_CREATED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	m.direction = dir;
	m.doc_type = "CV";
	m.number_symbol = (char *)symbol;
	m.issuing_agency = "UBND tỉnh Sóc Trăng";
	m.summary = "V/v tiếp nhận và vào sổ";
	dc.meta = &m;
	dc.register_book = (char *)book;
	dc.accept_duplicate = accept;
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_CREATED;
	ev.document_created = &dc;
	return vt_log_append(n->log, "vanthu1", &ev, res);
}

static void test_create_registered(void **state)
{
	fixture *f = *state;
	vt_apply_result r;
	Vanthu__V1__Document *d = NULL;
	uint64_t size;
	assert_vt_ok(create_registered(f->n, VANTHU__V1__DIRECTION__INCOMING, "5/UBND-VP", "den", 0, &r));
	assert_int_equal(r.number, 1);
	assert_vt_ok(vt_doc_get(f->n->store, ORIGIN, r.document_id, &d));
	assert_int_equal(d->number, 1);
	assert_string_equal(d->book, "den");
	assert_int_equal(d->state, VANTHU__V1__WORKFLOW_STATE__IN_REGISTERED);
	vanthu__v1__document__free_unpacked(d, NULL);
	/* a duplicate without the clerk's confirmation: nothing at all is kept */
	size = vt_log_size(f->n->log);
	assert_vt_error(create_registered(f->n, VANTHU__V1__DIRECTION__INCOMING, "5/ubnd-vp", "den", 0, &r), VT_EEXISTS,
		"already registered");
	assert_int_equal(vt_log_size(f->n->log), size);
	assert_int_equal(last_number(f->n, "den", r.year ? r.year : vt_year_vn(quiet_time())), 1);
	/* confirmed: number 2, marked */
	assert_vt_ok(create_registered(f->n, VANTHU__V1__DIRECTION__INCOMING, "5/ubnd-vp", "den", 1, &r));
	assert_int_equal(r.number, 2);
	assert_true(r.duplicate_of[0] != 0);
	/* a draft gets its number at issue: refused, nothing created */
	size = vt_log_size(f->n->log);
	assert_vt_error(create_registered(f->n, VANTHU__V1__DIRECTION__OUTGOING, "", "di", 0, &r), VT_ECONFLICT, "");
	assert_int_equal(vt_log_size(f->n->log), size);
	/* an unknown book */
	assert_vt_error(create_registered(f->n, VANTHU__V1__DIRECTION__INCOMING, "6/UBND", "nope", 0, &r), VT_ENOTFOUND,
		"nope");
	assert_int_equal(vt_log_size(f->n->log), size);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_incoming_numbers),
		cmocka_unit_test(test_year_vn),
		T(test_year_rollover),
		T(test_concurrent_numbering),
		T(test_duplicate_warning),
		cmocka_unit_test(test_normalize),
		T(test_outgoing_numbers),
		T(test_outgoing_symbol_collision),
		T(test_book_rules),
		T(test_book_validation),
		T(test_create_registered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
