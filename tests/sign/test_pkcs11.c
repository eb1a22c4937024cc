/* Signing with keys on PKCS#11 tokens (libp11) against SoftHSM2 tokens the
 * test creates: token found by label, PIN from a file / env, a key that
 * needs the PIN on every use (CKA_ALWAYS_AUTHENTICATE), wrong PIN. */
#include "fixture.h"

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"

static int have_hsm;

static int hsm_setup(void **state)
{
	char *out = NULL, conf[4200];
	FILE *f;
	fx_setup(state);
	have_hsm = fx_have("softhsm2-util") && fx_have("pkcs11-tool") && access(MODULE, R_OK) == 0;
	if (!have_hsm)
		return 0;
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", fx_dir);
	if (!(f = fopen(conf, "w")))
		fail_msg("write %s", conf);
	fprintf(f, "directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n", fx_dir);
	fclose(f);
	setenv("SOFTHSM2_CONF", conf, 1);
	/* two tokens: the leader's (key needs the PIN on every use) and the agency's */
	if (fx_run(&out,
		    "cd '%s' && mkdir -p tokens && "
		    "softhsm2-util --init-token --free --label 'Lãnh đạo' --so-pin 87654321 --pin 123456 && "
		    "pkcs11-tool --module " MODULE " --token-label 'Lãnh đạo' --login --pin 123456 --write-object "
		    "signer.key.pem --type privkey --id 01 --label signer --usage-sign --always-auth && "
		    "pkcs11-tool --module " MODULE " --token-label 'Lãnh đạo' --login --pin 123456 --write-object "
		    "signer.pem --type cert --id 01 --label signer && "
		    "softhsm2-util --init-token --free --label 'Văn thư' --so-pin 87654321 --pin 654321 && "
		    "pkcs11-tool --module " MODULE " --token-label 'Văn thư' --login --pin 654321 --write-object "
		    "agency.key.pem --type privkey --id 02 --label agency --usage-sign && "
		    "printf '123456\\n' > leader.pin",
		    fx_dir) != 0)
		fail_msg("softhsm setup: %s", out);
	free(out);
	return 0;
}

static void token_sign(void **state)
{
	char pinf[4200], chain[4200], cert[4200];
	vt_sigkey_p11 o = { 0 };
	vt_sigkey *leader = NULL, *agency = NULL;
	vt_pdf_sigspec spec = { 0 };
	uint8_t *p0, *p1 = NULL, *p2 = NULL;
	size_t l0, l1, l2;
	vt_pades_report *r;
	(void)state;
	if (!have_hsm)
		skip();
	snprintf(pinf, sizeof(pinf), "%s/leader.pin", fx_dir);
	snprintf(chain, sizeof(chain), "%s/chain.pem", fx_dir);
	snprintf(cert, sizeof(cert), "%s/agency.pem", fx_dir);
	o.token_label = "Lãnh đạo";
	o.pin_file = pinf;
	o.chain_pem = chain;
	assert_vt_ok(vt_sigkey_load_pkcs11(&leader, &o)); /* certificate from the token */
	o.token_label = "Văn thư";
	o.pin_file = NULL;
	o.pin_env = "VT_TEST_AGENCY_PIN";
	o.cert_pem = cert;
	assert_vt_error(vt_sigkey_load_pkcs11(&agency, &o), VT_EINVAL, "VT_TEST_AGENCY_PIN");
	setenv("VT_TEST_AGENCY_PIN", "654321", 1);
	assert_vt_ok(vt_sigkey_load_pkcs11(&agency, &o));

	p0 = fx_read("plain.pdf", &l0);
	spec.reason = "Ký bằng token";
	/* twice with the same key: the PIN is given again for each use */
	assert_vt_ok(vt_pades_sign(&p1, &l1, p0, l0, leader, &spec));
	free(p1);
	assert_vt_ok(vt_pades_sign(&p1, &l1, p0, l0, leader, &spec));
	assert_vt_ok(vt_pades_sign(&p2, &l2, p1, l1, agency, &spec));
	fx_write("token.pdf", p2, l2);
	r = fx_verify(p2, l2);
	assert_int_equal(r->nvalid, 2);
	assert_int_equal(r->legal, 1);
	vt_pades_report_free(r);
	fx_pdfsig_valid("token.pdf", 2);
	vt_sigkey_free(leader);
	vt_sigkey_free(agency);
	free(p0);
	free(p1);
	free(p2);
}

static void token_errors(void **state)
{
	vt_sigkey_p11 o = { 0 };
	vt_sigkey *k = NULL;
	(void)state;
	if (!have_hsm)
		skip();
	o.token_label = "Lãnh đạo";
	o.pin = "000000";
	assert_vt_error(vt_sigkey_load_pkcs11(&k, &o), VT_EAUTH, "wrong PIN");
	o.token_label = "Không có";
	assert_vt_error(vt_sigkey_load_pkcs11(&k, &o), VT_ENOTFOUND, "no token labelled");
	o.token_label = "Lãnh đạo";
	o.pin = "123456";
	o.key_label = "nope";
	assert_vt_error(vt_sigkey_load_pkcs11(&k, &o), VT_ENOTFOUND, "no private key labelled nope");
	o.key_label = NULL;
	o.token_label = "Văn thư";
	o.pin = "654321";
	assert_vt_error(vt_sigkey_load_pkcs11(&k, &o), VT_ENOTFOUND, "no certificate");
	assert_null(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_sign),
		cmocka_unit_test(token_errors),
	};
	return cmocka_run_group_tests(tests, hsm_setup, fx_teardown);
}
