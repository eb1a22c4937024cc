/* The PDF reader (ISO 32000-1 §7.5): classic and hybrid cross-references,
 * object streams, revisions, broken input named by offset, and sweeps of
 * truncated and mutated files (run under ASan: never a read outside). */
#include "testutil.h"
#include "sign/pdf.h"

typedef struct buf {
	char b[8192];
	size_t n;
	size_t off[16];
} buf;

static void put(buf *f, const char *s, size_t n)
{
	if (f->n + n > sizeof(f->b))
		fail_msg("test buffer full");
	memcpy(f->b + f->n, s, n);
	f->n += n;
}

static void puts_(buf *f, const char *s) { put(f, s, strlen(s)); }

static void obj(buf *f, int num, const char *body)
{
	char h[32];
	f->off[num] = f->n;
	snprintf(h, sizeof(h), "%d 0 obj\n", num);
	puts_(f, h);
	puts_(f, body);
	puts_(f, "\nendobj\n");
}

/* Catalog 1, pages 2, page 3 (in object stream 5), xref stream 6, plus a
 * classic table that hides object 3 from readers that ignore /XRefStm. */
static void hybrid(buf *f)
{
	static const char objstm[] = "3 0 << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>";
	char t[512];
	size_t xref;
	memset(f, 0, sizeof(*f));
	puts_(f, "%PDF-1.5\n");
	obj(f, 1, "<< /Type /Catalog /Pages 2 0 R >>");
	obj(f, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	snprintf(t, sizeof(t), "<< /Type /ObjStm /N 1 /First 4 /Length %zu >>\nstream\n%s\nendstream", strlen(objstm),
		objstm);
	obj(f, 5, t);
	f->off[6] = f->n;
	puts_(f, "6 0 obj\n<< /Type /XRef /Size 7 /W [1 2 1] /Index [3 1] /Length 4 >>\nstream\n");
	put(f, "\x02\x00\x05\x00", 4);
	puts_(f, "\nendstream\nendobj\n");
	xref = f->n;
	snprintf(t, sizeof(t), "xref\n0 7\n0000000000 65535 f \n%010zu 00000 n \n%010zu 00000 n \n"
		"0000000000 65535 f \n0000000000 65535 f \n%010zu 00000 n \n%010zu 00000 n \n"
		"trailer\n<< /Size 7 /Root 1 0 R /XRefStm %zu >>\nstartxref\n%zu\n%%%%EOF\n",
		f->off[1], f->off[2], f->off[5], f->off[6], f->off[6], xref);
	puts_(f, t);
}

static void hybrid_file(void **state)
{
	buf f;
	vt_pdf *pdf = NULL;
	size_t pages = 0;
	(void)state;
	hybrid(&f);
	assert_vt_ok(vt_pdf_open(&pdf, (const uint8_t *)f.b, f.n));
	assert_vt_ok(vt_pdf_page_count(pdf, &pages));
	assert_int_equal(pages, 1);
	assert_int_equal(vt_pdf_revision_count(pdf), 1);
	assert_int_equal(vt_pdf_revision_end(pdf, 0), f.n);
	assert_int_equal(vt_pdf_sig_count(pdf), 0);
	vt_pdf_free(pdf);
}

/* Signing a hybrid file: the update is readable and its field found. */
static void prepare_on_hybrid(void **state)
{
	buf f;
	vt_pdf *pdf = NULL, *again = NULL;
	vt_pdf_sigspec spec = { 0 };
	uint8_t *out = NULL, der[4] = { 0x30, 0x02, 0x05, 0x00 };
	size_t len = 0;
	int64_t br[4];
	(void)state;
	hybrid(&f);
	assert_vt_ok(vt_pdf_open(&pdf, (const uint8_t *)f.b, f.n));
	spec.reason = "Lý do: ký số";
	spec.name = "Nguyễn Văn An";
	spec.field_name = "Chữ ký 1";
	spec.contents_cap = 64;
	assert_vt_ok(vt_pdf_prepare_sig(&out, &len, br, pdf, &spec));
	assert_int_equal(br[0], 0);
	assert_int_equal(br[2] + br[3], (int64_t)len);
	assert_int_equal(out[br[1]], '<');
	assert_int_equal(out[br[2] - 1], '>');
	assert_vt_ok(vt_pdf_fill_contents(out, len, br, der, sizeof(der)));
	assert_vt_error(vt_pdf_fill_contents(out, len, br, out, 65), VT_ETOOBIG, "does not fit");
	assert_vt_ok(vt_pdf_open(&again, out, len));
	assert_int_equal(vt_pdf_sig_count(again), 1);
	{
		const vt_pdf_sig *s = vt_pdf_sig_get(again, 0);
		assert_string_equal(s->reason, "Lý do: ký số");
		assert_string_equal(s->name, "Nguyễn Văn An");
		assert_string_equal(s->field, "Chữ ký 1");
		assert_string_equal(s->subfilter, "ETSI.CAdES.detached");
		assert_int_equal(s->nbr, 4);
		assert_memory_equal(s->br, br, sizeof(br));
		assert_int_equal(s->contents_off, (size_t)br[1]);
		assert_int_equal(s->contents_end, (size_t)br[2]);
		assert_int_equal(s->contents_len, 64);
		assert_memory_equal(s->contents, der, sizeof(der));
		assert_int_equal(s->revision, 2);
	}
	assert_int_equal(vt_pdf_revision_count(again), 2);
	vt_pdf_free(again);
	vt_pdf_free(pdf);
	free(out);
}

/* Broken files: each refused with VT_ECORRUPT and a message naming where. */
static void broken_inputs(void **state)
{
	static const struct {
		const char *data, *sub;
	} cases[] = {
		{ "hello, world", "no %PDF- header" },
		{ "%PDF-1.4\n1 0 obj<<>>endobj\n", "no startxref" },
		{ "%PDF-1.4\nstartxref\n999999\n%%EOF\n", "beyond the end of the file" },
		{ "%PDF-1.4\nstartxref\nabc\n%%EOF\n", "bad startxref at offset" },
		{ "%PDF-1.4\ngarbage here\nstartxref\n9\n%%EOF\n", "at offset 9" },
		{ "%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\nstartxref\n9\n%%EOF\n", "no /Root" },
		/* arrays and dictionaries past their first allocation (found by fuzzing) */
		{ "%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Root [1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 "
		  "16 17 18 19 20] /A 1 /B 2 /C 3 /D 4 /E 5 /F 6 /G 7 /H 8 /I 9 >>\nstartxref\n9\n%%EOF\n", "no /Root" },
		{ "%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev 9 >>\nstartxref\n9\n%%EOF\n", "loops" },
		{ "%PDF-1.4\nxref\n0 2\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\nstartxref\n9\n%%EOF\n",
			"bad cross-reference entry" },
		{ "%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Root (abc >>\nstartxref\n9\n%%EOF\n",
			"unterminated string" },
		{ "%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Root [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[ >>\nstartxref\n9\n%%EOF\n",
			"nested too deeply" },
		{ "%PDF-1.5\n1 0 obj\n<< /Type /XRef /Size 99999999 /W [1 2 1] /Length 0 >>\nstream\n\nendstream\nendobj\n"
		  "startxref\n9\n%%EOF\n",
			"over the limit" },
		{ "%PDF-1.5\n1 0 obj\n<< /Type /XRef /Size 3 /W [1 2 1] /Length 2 >>\nstream\n\x01\x01\nendstream\n"
		  "endobj\nstartxref\n9\n%%EOF\n",
			"shorter than its /Index" },
		{ "%PDF-1.5\n1 0 obj\n<< /Type /XRef /Size 3 /W [1 2 1] /Filter /FlateDecode /Length 4 >>\nstream\nabcd\n"
		  "endstream\nendobj\nstartxref\n9\n%%EOF\n",
			"bad Flate data" },
		{ "%PDF-1.5\n1 0 obj\n<< /Type /XRef /Size 3 /W [1 2 1] /Filter /LZWDecode /Length 4 >>\nstream\nabcd\n"
		  "endstream\nendobj\nstartxref\n9\n%%EOF\n",
			"unsupported filter /LZWDecode" },
		{ "%PDF-1.5\n1 0 obj\n<< /Type /XRef /Size 3 /W [1 2 1] /Length 99 >>\nstream\nabcd\nstartxref\n9\n%%EOF\n", "without endstream" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].data);
		uint8_t *b = malloc(n); /* exact size: ASan sees any overread */
		vt_pdf *pdf = NULL;
		int rc;
		memcpy(b, cases[i].data, n);
		rc = vt_pdf_open(&pdf, b, n);
		if (rc >= 0 || !strstr(vt_error_last(), cases[i].sub))
			fail_msg("case %zu: rc %d '%s', want '%s'", i, rc, vt_error_last(), cases[i].sub);
		assert_null(pdf);
		free(b);
	}
}

/* Every prefix, and every byte replaced by a few troublesome values, of a
 * signed hybrid file: either parses or fails cleanly. */
static void truncation_and_mutation(void **state)
{
	static const uint8_t vals[] = { 0, '(', '<', '>', '[', '/', '9', ' ', 0xff };
	buf f;
	vt_pdf *pdf = NULL;
	vt_pdf_sigspec spec = { 0 };
	uint8_t *full = NULL;
	size_t len = 0;
	int64_t br[4];
	(void)state;
	hybrid(&f);
	assert_vt_ok(vt_pdf_open(&pdf, (const uint8_t *)f.b, f.n));
	spec.contents_cap = 32;
	assert_vt_ok(vt_pdf_prepare_sig(&full, &len, br, pdf, &spec));
	vt_pdf_free(pdf);
	for (size_t n = 0; n <= len; n++) {
		uint8_t *b = malloc(n ? n : 1);
		memcpy(b, full, n);
		if (vt_pdf_open(&pdf, b, n) == 0)
			vt_pdf_free(pdf);
		free(b);
	}
	for (size_t i = 0; i < len; i++)
		for (size_t v = 0; v < sizeof(vals); v++) {
			uint8_t *b = malloc(len);
			memcpy(b, full, len);
			b[i] = vals[v];
			if (vt_pdf_open(&pdf, b, len) == 0) {
				size_t pages;
				vt_pdf_page_count(pdf, &pages);
				vt_pdf_free(pdf);
			}
			free(b);
		}
	free(full);
}

static void encrypted_refused(void **state)
{
	buf f;
	char t[256];
	size_t xref;
	vt_pdf *pdf = NULL;
	vt_pdf_sigspec spec = { 0 };
	uint8_t *out = NULL;
	size_t len;
	int64_t br[4];
	(void)state;
	memset(&f, 0, sizeof(f));
	puts_(&f, "%PDF-1.4\n");
	obj(&f, 1, "<< /Type /Catalog /Pages 2 0 R >>");
	obj(&f, 2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	obj(&f, 3, "<< /Type /Page /Parent 2 0 R >>");
	obj(&f, 4, "<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>");
	xref = f.n;
	snprintf(t, sizeof(t), "xref\n0 5\n0000000000 65535 f \n%010zu 00000 n \n%010zu 00000 n \n%010zu 00000 n \n"
		"%010zu 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R /Encrypt 4 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
		f.off[1], f.off[2], f.off[3], f.off[4], xref);
	puts_(&f, t);
	assert_vt_ok(vt_pdf_open(&pdf, (const uint8_t *)f.b, f.n));
	assert_vt_error(vt_pdf_prepare_sig(&out, &len, br, pdf, &spec), VT_EINVAL, "encrypted");
	assert_null(out);
	vt_pdf_free(pdf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hybrid_file),
		cmocka_unit_test(prepare_on_hybrid),
		cmocka_unit_test(broken_inputs),
		cmocka_unit_test(truncation_and_mutation),
		cmocka_unit_test(encrypted_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
