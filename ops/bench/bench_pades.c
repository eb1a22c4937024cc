/* PAdES benchmark: verifications/s of a ~200 KiB PDF with 3 signatures
 * (goal >= 1,000/s/core), signings/s with a software key and a SoftHSM2 key.
 * usage: bench_pades [seconds per figure = 3] */
#include "bench.h"
#include "sign/pades.h"
#include "sign/sigkey.h"

#include <sys/wait.h>

static char dir[256];

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *b;
	long n;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "rb")))
		bench_die("open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = bench_xmalloc((size_t)n);
	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		bench_die("read %s", path);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static vt_sigkey *pem_key(const char *stem)
{
	char k[512], c[512], ch[512];
	vt_sigkey *key = NULL;
	snprintf(k, sizeof(k), "%s/%s.key.pem", dir, stem);
	snprintf(c, sizeof(c), "%s/%s.pem", dir, stem);
	snprintf(ch, sizeof(ch), "%s/chain.pem", dir);
	bench_check(vt_sigkey_load_pem(&key, k, c, ch, NULL), "load key");
	return key;
}

static uint8_t *sign(const uint8_t *in, size_t len, vt_sigkey *key, size_t *outlen)
{
	vt_pdf_sigspec spec = { 0 };
	uint8_t *out = NULL;
	spec.reason = "Ký số";
	bench_check(vt_pades_sign(&out, outlen, in, len, key, &spec), "sign");
	return out;
}

/* Signings/s of in with key for secs seconds (CPU time of this thread for
 * software keys; wall time for tokens, whose work is in the module). */
static double sign_rate(const uint8_t *in, size_t len, vt_sigkey *key, double secs, int wall)
{
	double t0 = wall ? bench_now() : bench_cpu_now(), t;
	size_t n = 0;
	do {
		size_t ol;
		free(sign(in, len, key, &ol));
		n++;
		t = (wall ? bench_now() : bench_cpu_now()) - t0;
	} while (t < secs);
	return (double)n / t;
}

int main(int argc, char **argv)
{
	bench_report r = { .bench = "pades" };
	double secs = argc > 1 ? atof(argv[1]) : 3;
	char script[512], cmd[2048], *slash;
	uint8_t *big, *s1, *s2, *s3;
	size_t lbig, l1, l2, l3;
	vt_sigkey *initials, *signer, *agency;
	vt_pades_trust *trust = NULL;
	vt_pades_trust_opts to = { 0 };
	char ca[512];
	if (secs <= 0)
		secs = 3;
	bench_print_machine();
	bench_tmpdir(dir, sizeof(dir), "bench-pades");
	snprintf(script, sizeof(script), "%s", __FILE__);
	if ((slash = strrchr(script, '/')))
		*slash = 0;
	snprintf(cmd, sizeof(cmd), "python3 '%s/../../tests/sign/mkfixtures.py' '%s'", script, dir);
	if (system(cmd) != 0)
		bench_die("%s failed", cmd);

	big = slurp("bench.pdf", &lbig);
	initials = pem_key("initials");
	signer = pem_key("signer");
	agency = pem_key("agency");
	s1 = sign(big, lbig, initials, &l1);
	s2 = sign(s1, l1, signer, &l2);
	s3 = sign(s2, l2, agency, &l3);
	bench_param(&r, "seconds", secs);
	bench_param(&r, "pdf_bytes", (double)l3);
	bench_param(&r, "signatures", 3);

	snprintf(ca, sizeof(ca), "%s/root.pem", dir);
	to.ca_file = ca;
	bench_check(vt_pades_trust_new(&trust, &to), "trust");
	{
		vt_pades_report *rep = NULL;
		double t0 = bench_cpu_now(), t;
		size_t n = 0;
		bench_check(vt_pades_verify(&rep, trust, s3, l3), "verify");
		if (!rep->legal || rep->nvalid != 3)
			bench_die("the benchmark document does not verify: %s", rep->status);
		vt_pades_report_free(rep);
		do {
			bench_check(vt_pades_verify(&rep, trust, s3, l3), "verify");
			vt_pades_report_free(rep);
			n++;
			t = bench_cpu_now() - t0;
		} while (t < secs);
		bench_fig(&r, "verify_per_s_core", (double)n / t, "1/s");
		bench_goal(&r, "verify", ">= 1000 verifications/s/core of a 3-signature PDF", (double)n / t >= 1000);
		/* cold: a new trust object each time (anchors loaded, nothing cached) */
		n = 0;
		t0 = bench_cpu_now();
		do {
			vt_pades_trust *cold = NULL;
			bench_check(vt_pades_trust_new(&cold, &to), "trust");
			bench_check(vt_pades_verify(&rep, cold, s3, l3), "verify");
			vt_pades_report_free(rep);
			vt_pades_trust_free(cold);
			n++;
			t = bench_cpu_now() - t0;
		} while (t < secs);
		bench_fig(&r, "verify_cold_per_s_core", (double)n / t, "1/s");
	}
	bench_fig(&r, "sign_rsa2048_file_per_s", sign_rate(big, lbig, signer, secs, 0), "1/s");
	bench_fig(&r, "sign_p256_file_per_s", sign_rate(big, lbig, initials, secs, 0), "1/s");

	/* a SoftHSM2 token in the scratch directory */
	snprintf(cmd, sizeof(cmd),
		"cd '%s' && mkdir -p tokens && printf 'directories.tokendir = %s/tokens\\nobjectstore.backend = file\\n"
		"log.level = ERROR\\n' > softhsm2.conf && export SOFTHSM2_CONF=%s/softhsm2.conf && "
		"softhsm2-util --init-token --free --label bench --so-pin 87654321 --pin 123456 >/dev/null && "
		"pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label bench --login --pin 123456 "
		"--write-object signer.key.pem --type privkey --id 01 --label signer --usage-sign >/dev/null 2>&1",
		dir, dir, dir);
	if (system(cmd) == 0) {
		vt_sigkey_p11 o = { 0 };
		vt_sigkey *hsm = NULL;
		char conf[512], cert[512];
		snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
		snprintf(cert, sizeof(cert), "%s/signer.pem", dir);
		setenv("SOFTHSM2_CONF", conf, 1);
		o.token_label = "bench";
		o.pin = "123456";
		o.cert_pem = cert;
		bench_check(vt_sigkey_load_pkcs11(&hsm, &o), "token");
		bench_fig(&r, "sign_rsa2048_softhsm_per_s", sign_rate(big, lbig, hsm, secs, 1), "1/s");
		vt_sigkey_free(hsm);
	} else
		printf("softhsm2: not available, token figure skipped\n");

	bench_json(&r);
	vt_pades_trust_free(trust);
	vt_sigkey_free(initials);
	vt_sigkey_free(signer);
	vt_sigkey_free(agency);
	free(big);
	free(s1);
	free(s2);
	free(s3);
	bench_rm_rf(dir);
	return 0;
}
