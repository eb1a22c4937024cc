/* PAdES signing and verification: our signatures checked by pdfsig and qpdf,
 * the 3-signature flow and the legal status, tamper cases, other producers. */
#include "fixture.h"

#include "sign/sigimg.h"

#include <openssl/cms.h>

/* Finds the bytes sub in b[from..len); offset or fails. */
static size_t find(const uint8_t *b, size_t len, size_t from, const char *sub)
{
	const uint8_t *p = memmem(b + from, len - from, sub, strlen(sub));
	if (!p)
		fail_msg("'%s' not found after %zu", sub, from);
	return (size_t)(p - b);
}

static uint8_t *three_sigs(size_t *len)
{
	size_t l0, l1, l2;
	uint8_t *p0 = fx_read("plain.pdf", &l0);
	uint8_t *p1 = fx_sign(p0, l0, "initials", "Ký nháy", &l1);
	uint8_t *p2 = fx_sign(p1, l1, "signer", "Ký ban hành", &l2);
	uint8_t *p3 = fx_sign(p2, l2, "agency", "Văn thư đóng dấu", len);
	free(p0);
	free(p1);
	free(p2);
	return p3;
}

static void sign_verify_pem(void **state)
{
	size_t l0, l1;
	uint8_t *p0 = fx_read("plain.pdf", &l0), *p1;
	vt_pades_report *r;
	(void)state;
	p1 = fx_sign(p0, l0, "signer", "Ký ban hành văn bản", &l1);
	fx_write("one.pdf", p1, l1);
	r = fx_verify(p1, l1);
	assert_int_equal(r->nsigs, 1);
	assert_int_equal(r->sigs[0].problem, VT_PADES_OK);
	assert_string_equal(r->sigs[0].reason, "Ký ban hành văn bản");
	assert_string_equal(r->sigs[0].subfilter, "ETSI.CAdES.detached");
	assert_string_equal(r->sigs[0].cn, "Nguyễn Văn An");
	assert_int_equal(r->sigs[0].kind, VT_PADES_PERSON);
	assert_int_equal(r->sigs[0].revision, 2);
	assert_int_equal(r->nrev, 2);
	assert_int_equal(r->not_covered, 0);
	assert_true(r->sigs[0].signing_time > 0);
	assert_int_equal(r->legal, 0);
	assert_non_null(strstr(r->status, "reference only"));
	vt_pades_report_free(r);
	fx_pdfsig_valid("one.pdf", 1);
	fx_qpdf_clean("one.pdf");
	/* openssl cms agrees on the CMS itself */
	{
		vt_pdf *pdf;
		char *out = NULL;
		assert_vt_ok(vt_pdf_open(&pdf, p1, l1));
		const vt_pdf_sig *s = vt_pdf_sig_get(pdf, 0);
		FILE *f;
		char path[4200];
		snprintf(path, sizeof(path), "%s/one.content", fx_dir);
		f = fopen(path, "wb");
		fwrite(p1, 1, (size_t)s->br[1], f);
		fwrite(p1 + s->br[2], 1, (size_t)s->br[3], f);
		fclose(f);
		fx_write("one.p7s", s->contents, s->contents_len);
		if (fx_run(&out, "cd '%s' && openssl cms -verify -binary -inform DER -in one.p7s -content one.content "
				 "-CAfile root.pem -purpose any -out /dev/null", fx_dir) != 0)
			fail_msg("openssl cms -verify: %s", out);
		free(out);
		vt_pdf_free(pdf);
	}
	free(p0);
	free(p1);
}

static void three_signature_flow(void **state)
{
	size_t len;
	uint8_t *p = three_sigs(&len);
	vt_pades_report *r;
	char *out = NULL;
	(void)state;
	fx_write("three.pdf", p, len);
	r = fx_verify(p, len);
	assert_int_equal(r->nsigs, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(r->sigs[i].problem, VT_PADES_OK);
		assert_int_equal(r->sigs[i].revision, (int)i + 2);
	}
	assert_int_equal(r->sigs[0].kind, VT_PADES_PERSON); /* initials, ECDSA */
	assert_int_equal(r->sigs[1].kind, VT_PADES_PERSON);
	assert_int_equal(r->sigs[2].kind, VT_PADES_AGENCY);
	assert_int_equal(r->nvalid, 3);
	assert_int_equal(r->legal, 1);
	assert_non_null(strstr(r->status, "legally valid electronic document"));
	vt_pades_report_free(r);
	fx_pdfsig_valid("three.pdf", 3);
	fx_qpdf_clean("three.pdf");
	if (fx_have("pdfsig")) {
		fx_run(&out, "cd '%s' && HOME='%s/home' pdfsig -nssdir sql:nss three.pdf", fx_dir, fx_dir);
		assert_non_null(strstr(out, "Total document signed"));
		free(out);
	}
	free(p);
}

static void sign_p12(void **state)
{
	char p12[4200];
	size_t l0, l1;
	uint8_t *p0 = fx_read("plain.pdf", &l0), *p1 = NULL;
	vt_sigkey *key = NULL;
	vt_pdf_sigspec spec = { 0 };
	vt_pades_report *r;
	(void)state;
	snprintf(p12, sizeof(p12), "%s/signer.p12", fx_dir);
	assert_vt_error(vt_sigkey_load_p12(&key, p12, "wrong"), VT_EAUTH, "wrong password");
	assert_vt_ok(vt_sigkey_load_p12(&key, p12, "test"));
	spec.field_name = "Chữ ký lãnh đạo";
	assert_vt_ok(vt_pades_sign(&p1, &l1, p0, l0, key, &spec));
	r = fx_verify(p1, l1);
	assert_int_equal(r->sigs[0].problem, VT_PADES_OK);
	assert_string_equal(r->sigs[0].field, "Chữ ký lãnh đạo");
	vt_pades_report_free(r);
	vt_sigkey_free(key);
	free(p0);
	free(p1);
}

/* A byte changed inside revision k breaks exactly the signatures covering it. */
static void tamper_each_revision(void **state)
{
	size_t len;
	uint8_t *p = three_sigs(&len);
	vt_pdf *pdf;
	size_t ends[4] = { 0 };
	(void)state;
	assert_vt_ok(vt_pdf_open(&pdf, p, len));
	assert_int_equal(vt_pdf_revision_count(pdf), 4);
	for (size_t i = 0; i < 4; i++)
		ends[i] = vt_pdf_revision_end(pdf, i);
	vt_pdf_free(pdf);
	for (int rev = 1; rev <= 4; rev++) {
		uint8_t *t = malloc(len);
		vt_pades_report *r;
		size_t at;
		memcpy(t, p, len);
		/* rev 1: the page text; later ones: a digit of that update's /M date */
		at = rev == 1 ? find(t, len, 0, "QUYET") : find(t, len, ends[rev - 2], "(D:") + 5;
		t[at] ^= 0x01;
		r = fx_verify(t, len);
		assert_int_equal(r->nsigs, 3);
		for (int s = 0; s < 3; s++) {
			/* signature s (in revision s+2) covers revisions 1..s+2 */
			vt_pades_problem want = rev <= s + 2 ? VT_PADES_DIGEST : VT_PADES_OK;
			if (r->sigs[s].problem != want)
				fail_msg("byte in revision %d: signature %d is %s (%s), want %s", rev, s + 1,
					vt_pades_problem_name(r->sigs[s].problem), r->sigs[s].detail, vt_pades_problem_name(want));
		}
		assert_int_equal(r->legal, 0);
		if (rev == 4) {
			char *out = NULL;
			fx_write("tampered.pdf", t, len);
			if (fx_have("pdfsig")) {
				fx_run(&out, "cd '%s' && HOME='%s/home' pdfsig -nssdir sql:nss tampered.pdf", fx_dir, fx_dir);
				assert_int_equal(fx_count(out, "Signature is Valid."), 2);
				free(out);
			}
		}
		vt_pades_report_free(r);
		free(t);
	}
	free(p);
}

/* An unsigned incremental update after the last signature: every signature
 * stays valid (pdfsig says so too), but we report the bytes not covered. */
static void unsigned_update_after_last(void **state)
{
	size_t len, prev, n;
	uint8_t *p = three_sigs(&len), *t;
	const char *body = "BT /F1 14 Tf 72 770 Td (NOI DUNG DA BI THAY DOI) Tj ET";
	char upd[1024];
	vt_pades_report *r;
	(void)state;
	prev = (size_t)strtoull((const char *)p + find(p, len, len - 40, "startxref") + 10, NULL, 10);
	n = (size_t)snprintf(upd, sizeof(upd), "4 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n", strlen(body),
		body);
	n += (size_t)snprintf(upd + n, sizeof(upd) - n,
		"xref\n4 1\n%010zu 00000 n \ntrailer\n<< /Size 40 /Root 1 0 R /Prev %zu >>\nstartxref\n%zu\n%%%%EOF\n", len,
		prev, len + n);
	t = malloc(len + n);
	memcpy(t, p, len);
	memcpy(t + len, upd, n);
	fx_write("appended.pdf", t, len + n);
	r = fx_verify(t, len + n);
	assert_int_equal(r->nvalid, 3);
	assert_int_equal(r->not_covered, n);
	assert_int_equal(r->covered_end, len);
	assert_int_equal(r->legal, 0);
	assert_non_null(strstr(r->status, "not covered"));
	vt_pades_report_free(r);
	fx_pdfsig_valid("appended.pdf", 3); /* why our own check matters */
	free(t);
	free(p);
}

static void untrusted_expired_wrong_key(void **state)
{
	size_t l0, l1;
	uint8_t *p0 = fx_read("plain.pdf", &l0), *p1;
	vt_pades_report *r;
	(void)state;
	p1 = fx_sign(p0, l0, "rogue", "giả mạo", &l1);
	r = fx_verify(p1, l1);
	assert_int_equal(r->sigs[0].problem, VT_PADES_UNTRUSTED);
	assert_true(r->sigs[0].integrity);
	assert_non_null(strstr(r->status, "reference only"));
	vt_pades_report_free(r);
	free(p1);

	p1 = fx_sign(p0, l0, "expired", "hết hạn", &l1);
	r = fx_verify(p1, l1);
	assert_int_equal(r->sigs[0].problem, VT_PADES_EXPIRED);
	assert_string_equal(vt_pades_problem_name(r->sigs[0].problem), "expired");
	vt_pades_report_free(r);
	free(p1);

	{
		/* the signature value replaced by one made with another key (the
		 * agency's) under the signer's certificate */
		vt_sigkey *agency = fx_key("agency");
		vt_pdf *pdf;
		const vt_pdf_sig *s;
		CMS_ContentInfo *cms;
		CMS_SignerInfo *si;
		const unsigned char *q;
		unsigned char *der = NULL, sig[512];
		size_t slen = sizeof(sig);
		int derlen;
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		int64_t br[4];
		p1 = fx_sign(p0, l0, "signer", "khóa sai", &l1);
		assert_vt_ok(vt_pdf_open(&pdf, p1, l1));
		s = vt_pdf_sig_get(pdf, 0);
		memcpy(br, s->br, sizeof(br));
		q = s->contents;
		assert_non_null(cms = d2i_CMS_ContentInfo(NULL, &q, (long)s->contents_len));
		si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
		assert_int_equal(EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, vt_sigkey_pkey(agency)), 1);
		assert_int_equal(EVP_DigestSign(m, sig, &slen, (const unsigned char *)"x", 1), 1);
		assert_int_equal(ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig, (int)slen), 1);
		assert_true((derlen = i2d_CMS_ContentInfo(cms, &der)) > 0);
		vt_pdf_free(pdf);
		memset(p1 + br[1] + 1, '0', (size_t)(br[2] - br[1] - 2));
		assert_vt_ok(vt_pdf_fill_contents(p1, l1, br, der, (size_t)derlen));
		r = fx_verify(p1, l1);
		assert_int_equal(r->sigs[0].problem, VT_PADES_SIGNATURE);
		assert_true(r->sigs[0].integrity);
		assert_string_equal(vt_pades_problem_name(r->sigs[0].problem), "bad-signature");
		vt_pades_report_free(r);
		OPENSSL_free(der);
		CMS_ContentInfo_free(cms);
		EVP_MD_CTX_free(m);
		free(p1);
		vt_sigkey_free(agency);
	}
	{
		/* a key that does not match its certificate is refused up front */
		char k[4200], c[4200];
		vt_sigkey *key = NULL;
		snprintf(k, sizeof(k), "%s/agency.key.pem", fx_dir);
		snprintf(c, sizeof(c), "%s/signer.pem", fx_dir);
		assert_vt_error(vt_sigkey_load_pem(&key, k, c, NULL, NULL), VT_EINVAL, "does not match");
	}
	free(p0);
}

/* With the sub-CA's CRL configured, a revoked signer is named; without it,
 * the same signature is valid (no revocation information). */
static void revoked_by_crl(void **state)
{
	char ca[4200], crl[4200];
	size_t l0, l1;
	uint8_t *p0 = fx_read("plain.pdf", &l0), *p1 = fx_sign(p0, l0, "revoked", "thu hồi", &l1);
	vt_pades_trust_opts o = { 0 };
	vt_pades_trust *t = NULL;
	vt_pades_report *r = NULL;
	(void)state;
	snprintf(ca, sizeof(ca), "%s/root.pem", fx_dir);
	snprintf(crl, sizeof(crl), "%s/crl.pem", fx_dir);
	o.ca_file = ca;
	o.crl_file = crl;
	assert_vt_ok(vt_pades_trust_new(&t, &o));
	for (int pass = 0; pass < 2; pass++) { /* cold, then with the certificates cached */
		assert_vt_ok(vt_pades_verify(&r, t, p1, l1));
		assert_int_equal(r->sigs[0].problem, VT_PADES_REVOKED);
		assert_string_equal(vt_pades_problem_name(r->sigs[0].problem), "revoked");
		vt_pades_report_free(r);
	}
	{
		/* a signer not on the CRL stays valid under CRL checking */
		size_t l2;
		uint8_t *p2 = fx_sign(p0, l0, "signer", NULL, &l2);
		assert_vt_ok(vt_pades_verify(&r, t, p2, l2));
		assert_int_equal(r->sigs[0].problem, VT_PADES_OK);
		vt_pades_report_free(r);
		free(p2);
	}
	vt_pades_trust_free(t);
	r = fx_verify(p1, l1);
	assert_int_equal(r->sigs[0].problem, VT_PADES_OK);
	vt_pades_report_free(r);
	o.crl_file = ca; /* not a CRL */
	assert_vt_error(vt_pades_trust_new(&t, &o), VT_EINVAL, "no PEM CRL");
	free(p0);
	free(p1);
}

/* Two personal signatures without the agency's: reference only. */
static void two_people_not_legal(void **state)
{
	size_t l0, l1, l2;
	uint8_t *p0 = fx_read("plain.pdf", &l0), *p1, *p2;
	vt_pades_report *r;
	(void)state;
	p1 = fx_sign(p0, l0, "initials", NULL, &l1);
	p2 = fx_sign(p1, l1, "signer", NULL, &l2);
	r = fx_verify(p2, l2);
	assert_int_equal(r->nvalid, 2);
	assert_int_equal(r->nagency, 0);
	assert_int_equal(r->legal, 0);
	assert_non_null(strstr(r->status, "agency"));
	vt_pades_report_free(r);
	free(p0);
	free(p1);
	free(p2);
}

/* Classification by certificate policy OID when configured. */
static void agency_by_policy_oid(void **state)
{
	char ca[4200];
	const char *agency_oids[] = { "2.16.704.1.99.1", NULL };
	vt_pades_trust_opts o = { 0 };
	vt_pades_trust *t = NULL;
	(void)state;
	snprintf(ca, sizeof(ca), "%s/root.pem", fx_dir);
	o.ca_file = ca;
	o.agency_oids = agency_oids;
	assert_vt_ok(vt_pades_trust_new(&t, &o));
	vt_pades_trust_free(t);
	agency_oids[0] = "not an oid";
	assert_vt_error(vt_pades_trust_new(&t, &o), VT_EINVAL, "not an OID");
}

/* pdfsig -add-signature (poppler + NSS) is a producer we did not write. */
static void pdfsig_produced(void **state)
{
	char *out = NULL;
	(void)state;
	if (!fx_have("pdfsig") || !fx_have("pk12util"))
		skip();
	if (fx_run(&out, "cd '%s' && pk12util -i signer.p12 -d sql:nss -W test -K '' && "
			 "HOME='%s/home' pdfsig -nssdir sql:nss -add-signature -nick signer -reason 'Ky boi poppler' "
			 "plain.pdf poppler.pdf && HOME='%s/home' pdfsig -nssdir sql:nss -add-signature -nick signer "
			 "-new-signature-field-name second poppler.pdf poppler2.pdf", fx_dir, fx_dir, fx_dir) != 0)
		fail_msg("pdfsig -add-signature: %s", out);
	free(out);
	{
		size_t len;
		uint8_t *p = fx_read("poppler2.pdf", &len);
		vt_pades_report *r = fx_verify(p, len);
		assert_int_equal(r->nsigs, 2);
		for (int i = 0; i < 2; i++) {
			if (r->sigs[i].problem != VT_PADES_OK)
				fail_msg("poppler signature %d: %s (%s)", i + 1, vt_pades_problem_name(r->sigs[i].problem),
					r->sigs[i].detail);
			assert_string_equal(r->sigs[i].cn, "Nguyễn Văn An");
		}
		assert_string_equal(r->sigs[0].subfilter, "adbe.pkcs7.detached");
		assert_string_equal(r->sigs[1].field, "second");
		assert_string_equal(r->sigs[0].reason, "Ky boi poppler");
		assert_int_equal(r->not_covered, 0);
		vt_pades_report_free(r);
		free(p);
	}
}

/* Inputs from another producer: xref and object streams, linearized. */
static void other_producers(void **state)
{
	static const struct {
		const char *name, *args, *src;
	} cases[] = {
		{ "objstm.pdf", "--object-streams=generate", "plain.pdf" },
		{ "linear.pdf", "--linearize", "big.pdf" },
		{ "linear-objstm.pdf", "--linearize --object-streams=generate", "big.pdf" },
		{ "signed-objstm.pdf", "--object-streams=generate", "one.pdf" }, /* rewritten: its signature is gone stale */
	};
	(void)state;
	if (!fx_have("qpdf"))
		skip();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL, name[64];
		size_t l0, l1, l2;
		uint8_t *p0, *p1, *p2;
		vt_pades_report *r;
		int st = fx_run(&out, "cd '%s' && test -f %s && qpdf %s %s %s", fx_dir, cases[i].src, cases[i].args,
			cases[i].src, cases[i].name);
		free(out);
		if (st != 0 && st != 3)
			continue; /* one.pdf made by another test in a filtered run */
		p0 = fx_read(cases[i].name, &l0);
		p1 = fx_sign(p0, l0, "signer", "Ký", &l1);
		p2 = fx_sign(p1, l1, "agency", "Đóng dấu", &l2);
		snprintf(name, sizeof(name), "signed-%s", cases[i].name);
		fx_write(name, p2, l2);
		r = fx_verify(p2, l2);
		for (size_t s = 0; s < r->nsigs; s++)
			if (s + 2 >= r->nsigs && r->sigs[s].problem != VT_PADES_OK)
				fail_msg("%s: signature %zu: %s", cases[i].name, s + 1, r->sigs[s].detail);
		assert_int_equal(r->not_covered, 0);
		vt_pades_report_free(r);
		if (i < 3) {
			fx_pdfsig_valid(name, 2);
			fx_qpdf_clean(name);
		}
		free(p0);
		free(p1);
		free(p2);
	}
}

static void visible_appearance(void **state)
{
	size_t l0, l1;
	uint8_t *p0 = fx_read("plain.pdf", &l0), *p1 = NULL;
	uint8_t rgba[16 * 8 * 4];
	vt_sigkey *key = fx_key("agency");
	vt_pdf_appearance ap = { 0 };
	vt_pdf_sigspec spec = { 0 };
	vt_pades_report *r;
	(void)state;
	for (size_t i = 0; i < sizeof(rgba) / 4; i++) {
		rgba[4 * i] = 220;
		rgba[4 * i + 1] = rgba[4 * i + 2] = 0;
		rgba[4 * i + 3] = (uint8_t)(i % 2 ? 255 : 0);
	}
	ap.rgba = rgba;
	ap.width = 16;
	ap.height = 8;
	ap.lines[0] = "Sở Nông nghiệp và PTNT";
	ap.lines[1] = "24/11/2026 10:00";
	ap.text_rgb[0] = 0.85f;
	spec.rect[0] = 300;
	spec.rect[1] = 100;
	spec.rect[2] = 420;
	spec.rect[3] = 160;
	spec.ap = &ap;
	ap.ttf = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf";
	if (access(ap.ttf, R_OK) != 0)
		ap.ttf = NULL;
	assert_vt_ok(vt_pades_sign(&p1, &l1, p0, l0, key, &spec));
	fx_write("visible.pdf", p1, l1);
	if (ap.ttf && fx_have("pdftotext")) {
		/* the embedded subset shows (and maps back to) Vietnamese */
		char *out = NULL;
		fx_run(&out, "cd '%s' && pdftotext visible.pdf -", fx_dir);
		if (!strstr(out, "Sở Nông nghiệp và PTNT"))
			fail_msg("pdftotext: %s", out);
		free(out);
	}
	r = fx_verify(p1, l1);
	assert_int_equal(r->sigs[0].problem, VT_PADES_OK);
	vt_pades_report_free(r);
	fx_pdfsig_valid("visible.pdf", 1);
	fx_qpdf_clean("visible.pdf");
	vt_sigkey_free(key);
	free(p0);
	free(p1);
}

/* The regulation's positions (sigimg.h). */
static void placement(void **state)
{
	const double a4[4] = { 0, 0, 595, 842 }, signer[4] = { 300, 100, 450, 160 };
	double r[4];
	(void)state;
	vt_sigimg_stamp_over(r, signer, 90);
	assert_true(r[2] - r[0] == 90 && r[3] - r[1] == 90);
	assert_true(r[2] == 350);          /* covers the signature's left third: 300..350 */
	assert_true(r[0] < signer[0]);
	assert_true((r[1] + r[3]) / 2 == 130);
	vt_sigimg_copy_rect(r, a4, 200, 40);
	assert_true(r[2] == 575 && r[3] == 822 && r[0] == 375 && r[1] == 782); /* top right of the page */
	vt_sigimg_initials_rect(r, a4);
	assert_true(r[2] == 575 && r[1] == 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sign_verify_pem),
		cmocka_unit_test(three_signature_flow),
		cmocka_unit_test(sign_p12),
		cmocka_unit_test(tamper_each_revision),
		cmocka_unit_test(unsigned_update_after_last),
		cmocka_unit_test(untrusted_expired_wrong_key),
		cmocka_unit_test(revoked_by_crl),
		cmocka_unit_test(two_people_not_legal),
		cmocka_unit_test(agency_by_policy_oid),
		cmocka_unit_test(pdfsig_produced),
		cmocka_unit_test(other_producers),
		cmocka_unit_test(visible_appearance),
		cmocka_unit_test(placement),
	};
	return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
