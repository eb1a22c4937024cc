/* Development CA and certificates with OpenSSL 3 (EC P-256, SHA-256). */
#include "tlsgen.h"
#include "store/error.h"
#include "store/file.h"
#include "store/keys.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int ossl_fail(const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return vt_error_set(VT_ERROR, "%s: %s", what, e ? buf : "failed");
}

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static int write_pem(const char *path, int is_key, void *obj, unsigned mode)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int ok, error;
	if (!b)
		return vt_error_set(VT_ENOMEM, "out of memory");
	ok = is_key ? PEM_write_bio_PrivateKey(b, obj, NULL, NULL, 0, NULL, NULL) : PEM_write_bio_X509(b, obj);
	if (!ok) {
		BIO_free(b);
		return ossl_fail(path);
	}
	n = BIO_get_mem_data(b, &data);
	error = vt_file_write_atomic(path, data, (size_t)n, mode);
	BIO_free(b);
	return error;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if (!(ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)))
		return ossl_fail("certificate extension");
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, long days)
{
	X509 *c = X509_new();
	X509_NAME *name;
	BIGNUM *serial = BN_new();
	if (!c || !serial)
		goto fail;
	X509_set_version(c, 2);
	BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
	BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(c));
	X509_gmtime_adj(X509_getm_notBefore(c), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c), days * 86400);
	X509_set_pubkey(c, key);
	name = X509_get_subject_name(c);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"vanthu development", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
	(void)issuer_key;
	BN_free(serial);
	return c;
fail:
	BN_free(serial);
	X509_free(c);
	return NULL;
}

static int path_in(char *out, size_t cap, const char *dir, const char *name, const char *ext)
{
	if ((size_t)snprintf(out, cap, "%s/%s.%s", dir, name, ext) >= cap)
		return vt_error_set(VT_EINVAL, "path too long: %s", dir);
	return 0;
}

static int load(const char *dir, X509 **cert, EVP_PKEY **key)
{
	char p[4096];
	FILE *f;
	*cert = NULL;
	*key = NULL;
	if (path_in(p, sizeof(p), dir, "ca", "pem") < 0)
		return VT_EINVAL;
	if (!(f = fopen(p, "r")))
		return vt_error_set(VT_ENOTFOUND, "%s: cannot open", p);
	*cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (path_in(p, sizeof(p), dir, "ca", "key") < 0)
		return VT_EINVAL;
	if (!(f = fopen(p, "r")))
		return vt_error_set(VT_ENOTFOUND, "%s: cannot open", p);
	*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!*cert || !*key)
		return ossl_fail("reading the development CA");
	return 0;
}

int vt_tlsgen_ca(const char *dir)
{
	char pem[4096], keyp[4096];
	EVP_PKEY *key = NULL;
	X509 *c = NULL;
	int error;
	if ((error = path_in(pem, sizeof(pem), dir, "ca", "pem")) < 0 ||
	    (error = path_in(keyp, sizeof(keyp), dir, "ca", "key")) < 0)
		return error;
	if (exists(pem) && exists(keyp))
		return 0;
	if (mkdir(dir, 0700) < 0 && !exists(dir))
		return vt_error_set(VT_EIO, "mkdir %s", dir);
	if (!(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"))) {
		error = ossl_fail("CA key");
		goto out;
	}
	if (!(c = make_cert(key, "vanthu development CA", NULL, NULL, 3650))) {
		error = ossl_fail("CA certificate");
		goto out;
	}
	if ((error = add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE")) < 0 ||
	    (error = add_ext(c, c, NID_key_usage, "critical,keyCertSign,cRLSign")) < 0 ||
	    (error = add_ext(c, c, NID_subject_key_identifier, "hash")) < 0)
		goto out;
	if (!X509_sign(c, key, EVP_sha256())) {
		error = ossl_fail("signing the CA certificate");
		goto out;
	}
	if ((error = write_pem(keyp, 1, key, 0600)) < 0 || (error = write_pem(pem, 0, c, 0644)) < 0)
		goto out;
out:
	X509_free(c);
	EVP_PKEY_free(key);
	return error;
}

int vt_tlsgen_issue(const char *dir, const char *name, const char *cn, const char *extra_dns)
{
	char pem[4096], keyp[4096], san[1024];
	EVP_PKEY *key = NULL, *ca_key = NULL;
	X509 *c = NULL, *ca = NULL;
	int error;
	if ((error = path_in(pem, sizeof(pem), dir, name, "pem")) < 0 ||
	    (error = path_in(keyp, sizeof(keyp), dir, name, "key")) < 0)
		return error;
	if (exists(pem) && exists(keyp))
		return 0;
	if ((error = load(dir, &ca, &ca_key)) < 0)
		goto out;
	if (!(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"))) {
		error = ossl_fail("key");
		goto out;
	}
	if (!(c = make_cert(key, cn, ca, ca_key, 825))) {
		error = ossl_fail("certificate");
		goto out;
	}
	snprintf(san, sizeof(san), "DNS:localhost,IP:127.0.0.1,IP:::1%s%s", extra_dns ? ",DNS:" : "",
		extra_dns ? extra_dns : "");
	if ((error = add_ext(c, ca, NID_basic_constraints, "critical,CA:FALSE")) < 0 ||
	    (error = add_ext(c, ca, NID_key_usage, "critical,digitalSignature,keyAgreement")) < 0 ||
	    (error = add_ext(c, ca, NID_ext_key_usage, "serverAuth,clientAuth")) < 0 ||
	    (error = add_ext(c, ca, NID_subject_alt_name, san)) < 0 ||
	    (error = add_ext(c, ca, NID_authority_key_identifier, "keyid")) < 0)
		goto out;
	if (!X509_sign(c, ca_key, EVP_sha256())) {
		error = ossl_fail("signing the certificate");
		goto out;
	}
	if ((error = write_pem(keyp, 1, key, 0600)) < 0 || (error = write_pem(pem, 0, c, 0644)) < 0)
		goto out;
out:
	X509_free(c);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	return error;
}
