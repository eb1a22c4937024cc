/* Shared by the signature tests: the test PKI and PDFs (mkfixtures.py),
 * running the independent checkers (pdfsig, qpdf), files in and out. */
#ifndef VT_TEST_PADES_FIXTURE_H
#define VT_TEST_PADES_FIXTURE_H

#include "testutil.h"
#include "sign/pades.h"
#include "sign/pdf.h"
#include "sign/sigkey.h"

#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

static char fx_dir[4096];
/* One trust object for the whole run, as a node keeps it: every case after
 * the first meets cached certificates and paths, and must still be right. */
static vt_pades_trust *fx_shared_trust;

/* Runs a shell command; its stdout+stderr into *out (malloc'd, may be NULL). */
static inline int fx_run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int fx_run(char **out, const char *fmt, ...)
{
	char cmd[8192], *buf = NULL;
	size_t n = 0, cap = 0;
	va_list ap;
	FILE *p;
	int st;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	if (!(p = popen(cmd, "r")))
		fail_msg("popen %s", cmd);
	for (;;) {
		if (n + 4096 + 1 > cap && !(buf = realloc(buf, cap = cap * 2 + 8192)))
			fail_msg("oom");
		size_t k = fread(buf + n, 1, 4096, p);
		if (!k)
			break;
		n += k;
	}
	buf[n] = 0;
	st = pclose(p);
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline int fx_have(const char *prog)
{
	return fx_run(NULL, "command -v %s >/dev/null", prog) == 0;
}

static inline uint8_t *fx_read(const char *name, size_t *len)
{
	char path[4200];
	FILE *f;
	uint8_t *b;
	long n;
	snprintf(path, sizeof(path), "%s/%s", fx_dir, name);
	if (!(f = fopen(path, "rb")))
		fail_msg("open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
		fail_msg("read %s", path);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static inline void fx_write(const char *name, const uint8_t *b, size_t len)
{
	char path[4200];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", fx_dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(b, 1, len, f) != len || fclose(f) != 0)
		fail_msg("write %s", path);
}

/* Makes the PKI and PDFs, and an NSS db trusting the test root, once. */
static inline int fx_setup(void **state)
{
	char script[4096], *out = NULL, *slash;
	(void)state;
	snprintf(script, sizeof(script), "%s", __FILE__);
	if ((slash = strrchr(script, '/')))
		strcpy(slash + 1, "mkfixtures.py");
	vt_test_tmpdir(fx_dir, sizeof(fx_dir), "pades");
	if (fx_run(&out, "python3 '%s' '%s'", script, fx_dir) != 0)
		fail_msg("mkfixtures: %s", out);
	free(out);
	out = NULL;
	if (fx_have("certutil") &&
	    fx_run(&out, "cd '%s' && mkdir -p nss home && certutil -N -d sql:nss --empty-password && "
			 "certutil -A -d sql:nss -n root -t CT,C,C -i root.pem", fx_dir) != 0)
		fail_msg("certutil: %s", out);
	free(out);
	return 0;
}

static inline int fx_teardown(void **state)
{
	(void)state;
	vt_pades_trust_free(fx_shared_trust);
	fx_shared_trust = NULL;
	if (!getenv("VT_KEEP_TMP"))
		vt_test_rmrf(fx_dir);
	return 0;
}

static inline vt_sigkey *fx_key(const char *stem)
{
	char k[4200], c[4200], ch[4200];
	vt_sigkey *key = NULL;
	snprintf(k, sizeof(k), "%s/%s.key.pem", fx_dir, stem);
	snprintf(c, sizeof(c), "%s/%s.pem", fx_dir, stem);
	snprintf(ch, sizeof(ch), "%s/%s", fx_dir, strncmp(stem, "rogue", 5) == 0 ? "rogue-root.pem" : "chain.pem");
	assert_vt_ok(vt_sigkey_load_pem(&key, k, c, ch, NULL));
	return key;
}

/* Signs in (len bytes) with the fixture key stem; returns the new file. */
static inline uint8_t *fx_sign(const uint8_t *in, size_t len, const char *stem, const char *reason, size_t *outlen)
{
	vt_sigkey *key = fx_key(stem);
	vt_pdf_sigspec spec = { 0 };
	uint8_t *out = NULL;
	spec.reason = reason;
	spec.name = stem;
	assert_vt_ok(vt_pades_sign(&out, outlen, in, len, key, &spec));
	vt_sigkey_free(key);
	return out;
}

static inline vt_pades_trust *fx_trust(void)
{
	char ca[4200];
	vt_pades_trust_opts o = { 0 };
	vt_pades_trust *t = NULL;
	snprintf(ca, sizeof(ca), "%s/root.pem", fx_dir);
	o.ca_file = ca;
	assert_vt_ok(vt_pades_trust_new(&t, &o));
	return t;
}


static inline vt_pades_report *fx_verify(const uint8_t *b, size_t len)
{
	vt_pades_report *r = NULL, *cold = NULL;
	vt_pades_trust *t = fx_trust();
	if (!fx_shared_trust)
		fx_shared_trust = fx_trust();
	assert_vt_ok(vt_pades_verify(&r, fx_shared_trust, b, len));
	/* and a cold verification agrees */
	assert_vt_ok(vt_pades_verify(&cold, t, b, len));
	assert_int_equal(r->nsigs, cold->nsigs);
	for (size_t i = 0; i < r->nsigs; i++)
		if (r->sigs[i].problem != cold->sigs[i].problem)
			fail_msg("signature %zu: cached %s, cold %s", i + 1, vt_pades_problem_name(r->sigs[i].problem),
				vt_pades_problem_name(cold->sigs[i].problem));
	assert_int_equal(r->legal, cold->legal);
	vt_pades_report_free(cold);
	vt_pades_trust_free(t);
	return r;
}

static inline int fx_count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* pdfsig (poppler) must call all nsigs signatures valid and trusted. It
 * exits 0 on failures too, so its text is read. */
static inline void fx_pdfsig_valid(const char *name, int nsigs)
{
	char *out = NULL;
	if (!fx_have("pdfsig"))
		return;
	fx_run(&out, "cd '%s' && HOME='%s/home' pdfsig -nssdir sql:nss '%s'", fx_dir, fx_dir, name);
	if (fx_count(out, "Signature is Valid.") != nsigs || fx_count(out, "Certificate is Trusted.") != nsigs)
		fail_msg("pdfsig on %s: want %d valid and trusted:\n%s", name, nsigs, out);
	free(out);
}

static inline void fx_qpdf_clean(const char *name)
{
	char *out = NULL;
	if (!fx_have("qpdf"))
		return;
	if (fx_run(&out, "cd '%s' && qpdf --check '%s'", fx_dir, name) != 0 || strstr(out, "WARNING"))
		fail_msg("qpdf --check %s:\n%s", name, out);
	free(out);
}

#endif
