/* PAdES signing and verification with OpenSSL 3 CMS (RFC 5652), ESS
 * signing-certificate-v2 (RFC 5035), ISO 32000-1 §12.8 byte ranges. */
#include "sign/pades.h"
#include "store/error.h"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Decoding certificates and validating their path dominate a verification
 * (OpenSSL 3 decodes each certificate's key through its providers), and the
 * same signers recur: the trust object keeps, per set of certificates a CMS
 * carries, the decoded certificates and the path validated for its signer
 * with the window in which that result holds. The signature value and the
 * digest are checked on every verification. */
#define CACHE_SLOTS 256
typedef struct cert_entry {
	uint8_t key[32];             /* SHA-256 of the CMS certificates field */
	int used;
	STACK_OF(X509) *certs;       /* decoded once */
	X509 *signer;                /* whose path was validated (one of certs) */
	STACK_OF(X509) *chain;       /* that path */
	int64_t valid_from, valid_until;
} cert_entry;

struct vt_pades_trust {
	X509_STORE *store;
	EVP_MD *sha256;
	ASN1_OBJECT **agency, **person;
	size_t nagency, nperson;
	int64_t at;
	int64_t crl_until;           /* earliest nextUpdate of the CRLs: path results hold until then */
	pthread_mutex_t lock;        /* the cache */
	cert_entry cache[CACHE_SLOTS];
};

const char *vt_pades_problem_name(vt_pades_problem p)
{
	static const char *const names[] = {
		"valid", "byte-range", "digest-mismatch", "bad-cms", "bad-signature", "untrusted",
		"expired", "not-yet-valid", "chain", "cert-mismatch", "unsupported", "revoked",
	};
	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "unknown";
}

static ASN1_OBJECT **oids(const char *const *in, size_t *n)
{
	ASN1_OBJECT **v;
	*n = 0;
	while (in && in[*n])
		(*n)++;
	if (!(v = calloc(*n + 1, sizeof(*v))))
		return NULL;
	for (size_t i = 0; i < *n; i++)
		if (!(v[i] = OBJ_txt2obj(in[i], 1))) {
			vt_error_set(VT_EINVAL, "not an OID: '%s'", in[i]);
			for (size_t j = 0; j < i; j++)
				ASN1_OBJECT_free(v[j]);
			free(v);
			return NULL;
		}
	return v;
}

int vt_pades_trust_new(vt_pades_trust **out, const vt_pades_trust_opts *o)
{
	vt_pades_trust *t;
	int err = 0;
	*out = NULL;
	if (!(t = calloc(1, sizeof(*t))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	t->at = o->at;
	pthread_mutex_init(&t->lock, NULL);
	if (!(t->store = X509_STORE_new()) || !(t->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL))) {
		err = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	if ((o->ca_file || o->ca_dir) && X509_STORE_load_locations(t->store, o->ca_file, o->ca_dir) != 1) {
		char b[256];
		err = vt_error_set(VT_EINVAL, "cannot load trust anchors from %s: %s", o->ca_file ? o->ca_file : o->ca_dir,
			vt_sigkey_ssl_error(b, sizeof(b)));
		goto out;
	}
	t->crl_until = INT64_MAX;
	if (o->crl_file) {
		BIO *b = BIO_new_file(o->crl_file, "r");
		X509_CRL *crl;
		int n = 0;
		if (!b) {
			err = vt_error_set(VT_EIO, "cannot open CRL file %s", o->crl_file);
			goto out;
		}
		while ((crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL))) {
			struct tm tm;
			const ASN1_TIME *nu = X509_CRL_get0_nextUpdate(crl);
			if (nu && ASN1_TIME_to_tm(nu, &tm) && (int64_t)timegm(&tm) < t->crl_until)
				t->crl_until = (int64_t)timegm(&tm);
			X509_STORE_add_crl(t->store, crl);
			X509_CRL_free(crl);
			n++;
		}
		ERR_clear_error();
		BIO_free(b);
		if (!n) {
			err = vt_error_set(VT_EINVAL, "no PEM CRL in %s", o->crl_file);
			goto out;
		}
		X509_STORE_set_flags(t->store, X509_V_FLAG_CRL_CHECK);
	}
	if (!(t->agency = oids(o->agency_oids, &t->nagency)) || !(t->person = oids(o->person_oids, &t->nperson))) {
		err = vt_error_last_code() == VT_EINVAL ? VT_EINVAL : vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	*out = t;
	t = NULL;
out:
	vt_pades_trust_free(t);
	return err;
}

void vt_pades_trust_free(vt_pades_trust *t)
{
	if (!t)
		return;
	X509_STORE_free(t->store);
	EVP_MD_free(t->sha256);
	for (size_t i = 0; t->agency && i < t->nagency; i++)
		ASN1_OBJECT_free(t->agency[i]);
	for (size_t i = 0; t->person && i < t->nperson; i++)
		ASN1_OBJECT_free(t->person[i]);
	free(t->agency);
	free(t->person);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		sk_X509_pop_free(t->cache[i].certs, X509_free);
		sk_X509_pop_free(t->cache[i].chain, X509_free);
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* ---- DER: the CMS certificates field (RFC 5652 §5.1), for the cache */

/* A definite-length header at p[0..n): tag, header and content lengths. */
static int der_hdr(const uint8_t *p, size_t n, uint8_t tag, size_t *hl, size_t *cl)
{
	size_t l = 0, k;
	if (n < 2 || p[0] != tag)
		return -1;
	if (p[1] < 0x80) {
		*hl = 2;
		l = p[1];
	} else {
		k = p[1] & 0x7f;
		if (k == 0 || k > 4 || n < 2 + k)
			return -1;
		for (size_t i = 0; i < k; i++)
			l = l << 8 | p[2 + i];
		*hl = 2 + k;
	}
	if (l > n - *hl)
		return -1;
	*cl = l;
	return 0;
}

static size_t der_put_hdr(uint8_t *out, uint8_t tag, size_t len)
{
	size_t k = len < 0x80 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : len < 0x1000000 ? 3 : 4;
	out[0] = tag;
	if (!k) {
		out[1] = (uint8_t)len;
		return 2;
	}
	out[1] = (uint8_t)(0x80 | k);
	for (size_t i = 0; i < k; i++)
		out[2 + i] = (uint8_t)(len >> (8 * (k - 1 - i)));
	return 2 + k;
}

/* Finds the certificates field of a DER SignedData and makes a copy of the
 * CMS without it. -1 when the encoding is not the plain DER expected (the
 * caller then decodes the whole CMS). *out is malloc'd. */
static int strip_certs(const uint8_t *d, size_t n, const uint8_t **certs, size_t *certslen, uint8_t **out,
	size_t *outlen)
{
	size_t hl, cl, pos, ci_end, oid_start, oid_len, sd_body, sd_end, c0, c1, sdl, a0l, cil, k = 0;
	uint8_t *o;
	if (der_hdr(d, n, 0x30, &hl, &cl) < 0)
		return -1;
	ci_end = hl + cl;
	oid_start = pos = hl;
	if (der_hdr(d + pos, ci_end - pos, 0x06, &hl, &cl) < 0)
		return -1;
	oid_len = hl + cl;
	pos += oid_len;
	if (der_hdr(d + pos, ci_end - pos, 0xA0, &hl, &cl) < 0 || pos + hl + cl != ci_end)
		return -1;
	pos += hl;
	if (der_hdr(d + pos, ci_end - pos, 0x30, &hl, &cl) < 0 || pos + hl + cl != ci_end)
		return -1;
	sd_body = pos += hl;
	sd_end = pos + cl;
	if (der_hdr(d + pos, sd_end - pos, 0x02, &hl, &cl) < 0)
		return -1;
	pos += hl + cl;
	if (der_hdr(d + pos, sd_end - pos, 0x31, &hl, &cl) < 0)
		return -1;
	pos += hl + cl;
	if (der_hdr(d + pos, sd_end - pos, 0x30, &hl, &cl) < 0)
		return -1;
	pos += hl + cl;
	if (der_hdr(d + pos, sd_end - pos, 0xA0, &hl, &cl) < 0)
		return -1;
	c0 = pos;
	c1 = pos + hl + cl;
	sdl = (sd_end - sd_body) - (c1 - c0);
	a0l = sdl + (sdl < 0x80 ? 2 : sdl < 0x100 ? 3 : sdl < 0x10000 ? 4 : sdl < 0x1000000 ? 5 : 6);
	cil = oid_len + a0l + (a0l < 0x80 ? 2 : a0l < 0x100 ? 3 : a0l < 0x10000 ? 4 : a0l < 0x1000000 ? 5 : 6);
	if (!(o = malloc(cil + 8)))
		return -1;
	k += der_put_hdr(o + k, 0x30, cil);
	memcpy(o + k, d + oid_start, oid_len);
	k += oid_len;
	k += der_put_hdr(o + k, 0xA0, a0l);
	k += der_put_hdr(o + k, 0x30, sdl);
	memcpy(o + k, d + sd_body, c0 - sd_body);
	k += c0 - sd_body;
	memcpy(o + k, d + c1, sd_end - c1);
	k += sd_end - c1;
	*certs = d + c0;
	*certslen = c1 - c0;
	*out = o;
	*outlen = k;
	return 0;
}

static STACK_OF(X509) *certs_dup(STACK_OF(X509) *sk)
{
	return sk ? X509_chain_up_ref(sk) : NULL;
}

/* The cached certificates for key (a new reference), or NULL. */
static STACK_OF(X509) *cache_certs(vt_pades_trust *t, const uint8_t key[32])
{
	cert_entry *e = &t->cache[key[0]];
	STACK_OF(X509) *sk = NULL;
	pthread_mutex_lock(&t->lock);
	if (e->used && memcmp(e->key, key, 32) == 0)
		sk = certs_dup(e->certs);
	pthread_mutex_unlock(&t->lock);
	return sk;
}

static void cache_put_certs(vt_pades_trust *t, const uint8_t key[32], STACK_OF(X509) *certs)
{
	cert_entry *e = &t->cache[key[0]];
	STACK_OF(X509) *dup = certs_dup(certs);
	if (!dup)
		return;
	pthread_mutex_lock(&t->lock);
	sk_X509_pop_free(e->certs, X509_free);
	sk_X509_pop_free(e->chain, X509_free);
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, 32);
	e->used = 1;
	e->certs = dup;
	pthread_mutex_unlock(&t->lock);
}

/* The validated path of signer if cached and still valid at now. */
static STACK_OF(X509) *cache_chain(vt_pades_trust *t, const uint8_t key[32], X509 *signer, int64_t now)
{
	cert_entry *e = &t->cache[key[0]];
	STACK_OF(X509) *sk = NULL;
	pthread_mutex_lock(&t->lock);
	if (e->used && memcmp(e->key, key, 32) == 0 && e->signer == signer && e->chain && now >= e->valid_from &&
	    now <= e->valid_until)
		sk = certs_dup(e->chain);
	pthread_mutex_unlock(&t->lock);
	return sk;
}

static int64_t asn1_secs(const ASN1_TIME *a, int64_t dflt)
{
	struct tm tm;
	return a && ASN1_TIME_to_tm(a, &tm) ? (int64_t)timegm(&tm) : dflt;
}

static void cache_put_chain(vt_pades_trust *t, const uint8_t key[32], X509 *signer, STACK_OF(X509) *chain)
{
	cert_entry *e = &t->cache[key[0]];
	int64_t from = INT64_MIN, until = t->crl_until;
	STACK_OF(X509) *dup;
	for (int i = 0; i < sk_X509_num(chain); i++) {
		int64_t nb = asn1_secs(X509_get0_notBefore(sk_X509_value(chain, i)), INT64_MAX);
		int64_t na = asn1_secs(X509_get0_notAfter(sk_X509_value(chain, i)), INT64_MIN);
		from = nb > from ? nb : from;
		until = na < until ? na : until;
	}
	if (!(dup = certs_dup(chain)))
		return;
	pthread_mutex_lock(&t->lock);
	if (e->used && memcmp(e->key, key, 32) == 0) {
		sk_X509_pop_free(e->chain, X509_free);
		e->chain = dup;
		e->signer = signer;
		e->valid_from = from;
		e->valid_until = until;
		dup = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	sk_X509_pop_free(dup, X509_free);
}

/* ---- signing */

static int ssl_err(int code, const char *what)
{
	char b[512];
	return vt_error_set(code, "%s: %s", what, vt_sigkey_ssl_error(b, sizeof(b)));
}

typedef struct der_item {
	unsigned char *p;
	int len;
} der_item;

/* DER SET OF ordering (X.690 §11.6): by encoding, as octet strings. */
static int der_cmp(const void *a, const void *b)
{
	const der_item *x = a, *y = b;
	int c = memcmp(x->p, y->p, (size_t)(x->len < y->len ? x->len : y->len));
	return c ? c : x->len - y->len;
}

/* The DER of the signed attributes as the SET OF that is signed (RFC 5652 §5.4). */
static int signed_attrs_der(CMS_SignerInfo *si, unsigned char **out, size_t *outlen)
{
	int n = CMS_signed_get_attr_count(si), err = 0;
	der_item items[16];
	size_t total = 0, hl, pos;
	unsigned char *buf = NULL;
	if (n <= 0 || n > 16)
		return vt_error_set(VT_ERROR, "CMS: %d signed attributes", n);
	memset(items, 0, sizeof(items));
	for (int i = 0; i < n; i++) {
		if ((items[i].len = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &items[i].p)) <= 0) {
			err = ssl_err(VT_ERROR, "CMS: encoding an attribute");
			goto out;
		}
		total += (size_t)items[i].len;
	}
	qsort(items, (size_t)n, sizeof(items[0]), der_cmp);
	hl = total < 128 ? 2 : total < 256 ? 3 : total < 65536 ? 4 : 5;
	if (!(buf = malloc(hl + total))) {
		err = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	buf[0] = 0x31;
	if (hl == 2)
		buf[1] = (unsigned char)total;
	else {
		size_t nb = hl - 2;
		buf[1] = (unsigned char)(0x80 | nb);
		for (size_t i = 0; i < nb; i++)
			buf[2 + i] = (unsigned char)(total >> (8 * (nb - 1 - i)));
	}
	pos = hl;
	for (int i = 0; i < n; i++) {
		memcpy(buf + pos, items[i].p, (size_t)items[i].len);
		pos += (size_t)items[i].len;
	}
	*out = buf;
	*outlen = pos;
	buf = NULL;
out:
	for (int i = 0; i < n; i++)
		OPENSSL_free(items[i].p);
	free(buf);
	return err;
}

/* key, when given, signs (tokens: serialised, PIN per use); else pkey. */
static int cms_sign(uint8_t **der, size_t *derlen, const uint8_t digest[32], EVP_PKEY *pkey, X509 *cert,
	STACK_OF(X509) *chain, const vt_sigkey *key)
{
	const unsigned flags = CMS_PARTIAL | CMS_DETACHED | CMS_BINARY;
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	EVP_MD_CTX *md = NULL;
	unsigned char *attrs = NULL, *sig = NULL, *d = NULL;
	size_t alen = 0, slen = 0;
	int err = 0, dl;
	*der = NULL;
	*derlen = 0;
	if (!(cms = CMS_sign(NULL, NULL, NULL, NULL, flags))) {
		err = ssl_err(VT_ERROR, "CMS: new SignedData");
		goto out;
	}
	if (!(si = CMS_add1_signer(cms, cert, pkey, EVP_sha256(), flags | CMS_CADES | CMS_NOSMIMECAP))) {
		err = ssl_err(VT_ERROR, "CMS: adding the signer");
		goto out;
	}
	for (int i = 0; chain && i < sk_X509_num(chain); i++)
		if (X509_cmp(sk_X509_value(chain, i), cert) != 0 && !CMS_add1_cert(cms, sk_X509_value(chain, i))) {
			err = ssl_err(VT_ERROR, "CMS: adding a chain certificate");
			goto out;
		}
	if (!CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data), -1) ||
	    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest, 32)) {
		err = ssl_err(VT_ERROR, "CMS: adding signed attributes");
		goto out;
	}
	if ((err = signed_attrs_der(si, &attrs, &alen)) < 0)
		goto out;
	if (key) {
		if ((err = vt_sigkey_sign(key, attrs, alen, &sig, &slen)) < 0)
			goto out;
	} else if (!(md = EVP_MD_CTX_new()) || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &slen, attrs, alen) != 1 || !(sig = OPENSSL_malloc(slen)) ||
	    EVP_DigestSign(md, sig, &slen, attrs, alen) != 1) {
		err = ssl_err(VT_ESIG, "signing with the key failed");
		goto out;
	}
	if (!ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig, (int)slen)) {
		err = ssl_err(VT_ENOMEM, "CMS: storing the signature");
		goto out;
	}
	if ((dl = i2d_CMS_ContentInfo(cms, &d)) <= 0) {
		err = ssl_err(VT_ERROR, "CMS: encoding");
		goto out;
	}
	*der = d;
	*derlen = (size_t)dl;
out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(sig);
	free(attrs);
	CMS_ContentInfo_free(cms);
	return err;
}

int vt_pades_cms_sign(uint8_t **der, size_t *derlen, const uint8_t digest[32], EVP_PKEY *pkey, X509 *cert,
	STACK_OF(X509) *chain)
{
	return cms_sign(der, derlen, digest, pkey, cert, chain, NULL);
}

static int digest_ranges(const EVP_MD *mdt, const uint8_t *buf, const int64_t br[4], uint8_t *out, unsigned *outlen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestInit_ex(md, mdt, NULL) == 1 && EVP_DigestUpdate(md, buf + br[0], (size_t)br[1]) == 1 &&
		EVP_DigestUpdate(md, buf + br[2], (size_t)br[3]) == 1 && EVP_DigestFinal_ex(md, out, outlen) == 1;
	EVP_MD_CTX_free(md);
	return ok ? 0 : ssl_err(VT_ERROR, "digest");
}

int vt_pades_sign(uint8_t **out, size_t *outlen, const uint8_t *in, size_t inlen, const vt_sigkey *key,
	const vt_pdf_sigspec *spec)
{
	vt_pdf *pdf = NULL;
	uint8_t *file = NULL, *der = NULL, dg[EVP_MAX_MD_SIZE];
	size_t len = 0, derlen = 0;
	int64_t br[4];
	unsigned dl = 0;
	int err;
	*out = NULL;
	*outlen = 0;
	if ((err = vt_pdf_open(&pdf, in, inlen)) < 0 || (err = vt_pdf_prepare_sig(&file, &len, br, pdf, spec)) < 0 ||
	    (err = digest_ranges(EVP_sha256(), file, br, dg, &dl)) < 0 ||
	    (err = cms_sign(&der, &derlen, dg, vt_sigkey_pkey(key), vt_sigkey_cert(key), vt_sigkey_chain(key), key)) < 0 ||
	    (err = vt_pdf_fill_contents(file, len, br, der, derlen)) < 0)
		goto out;
	*out = file;
	*outlen = len;
	file = NULL;
out:
	OPENSSL_free(der);
	free(file);
	vt_pdf_free(pdf);
	return err;
}

/* ---- verification */

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* "D:YYYYMMDDHHmmSSOHH'mm" (§7.9.4) -> seconds since the epoch; 0 if bad. */
static int64_t pdf_date_parse(const char *s)
{
	struct tm tm = { 0 };
	int v[6] = { 0, 1, 1, 0, 0, 0 }, w[6] = { 4, 2, 2, 2, 2, 2 }, oh = 0, om = 0, sign = 0;
	const char *p = s;
	int64_t t;
	if (!s)
		return 0;
	if (p[0] == 'D' && p[1] == ':')
		p += 2;
	for (int i = 0; i < 6; i++) {
		int x = 0, k;
		for (k = 0; k < w[i] && p[k] >= '0' && p[k] <= '9'; k++)
			x = x * 10 + (p[k] - '0');
		if (k != w[i])
			break;
		v[i] = x;
		p += k;
	}
	if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		sscanf(p + 1, "%2d'%2d", &oh, &om);
	}
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	t = (int64_t)timegm(&tm);
	return t - sign * (oh * 3600 + om * 60);
}

static char *name_entry(const X509_NAME *n, int nid)
{
	int i = X509_NAME_get_index_by_NID(n, nid, -1);
	unsigned char *u = NULL;
	char *s;
	if (i < 0 || ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i))) < 0)
		return NULL;
	s = strdup((char *)u);
	OPENSSL_free(u);
	return s;
}

static char *name_line(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL, *s = NULL;
	long len;
	if (!b)
		return NULL;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(b, &p);
	if (len >= 0 && (s = malloc((size_t)len + 1))) {
		memcpy(s, p, (size_t)len);
		s[len] = 0;
	}
	BIO_free(b);
	return s;
}

static int has_policy(X509 *x, ASN1_OBJECT **want, size_t n)
{
	CERTIFICATEPOLICIES *pol;
	int hit = 0;
	if (!n || !(pol = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL)))
		return 0;
	for (int i = 0; i < sk_POLICYINFO_num(pol) && !hit; i++)
		for (size_t j = 0; j < n && !hit; j++)
			hit = OBJ_cmp(sk_POLICYINFO_value(pol, i)->policyid, want[j]) == 0;
	CERTIFICATEPOLICIES_free(pol);
	return hit;
}

static vt_pades_kind classify(const vt_pades_trust *t, X509 *x, const char *cn, const char *org)
{
	const X509_NAME *n = X509_get_subject_name(x);
	if (has_policy(x, t->agency, t->nagency))
		return VT_PADES_AGENCY;
	if (has_policy(x, t->person, t->nperson))
		return VT_PADES_PERSON;
	if (!org || X509_NAME_get_index_by_NID(n, NID_givenName, -1) >= 0 ||
	    X509_NAME_get_index_by_NID(n, NID_surname, -1) >= 0 || X509_NAME_get_index_by_NID(n, NID_title, -1) >= 0)
		return VT_PADES_PERSON;
	if (!cn || strcmp(cn, org) == 0)
		return VT_PADES_AGENCY;
	for (int i = -1; (i = X509_NAME_get_index_by_NID(n, NID_organizationalUnitName, i)) >= 0;) {
		unsigned char *u = NULL;
		int same = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i))) >= 0 &&
			strcmp((char *)u, cn) == 0;
		OPENSSL_free(u);
		if (same)
			return VT_PADES_AGENCY;
	}
	return VT_PADES_PERSON;
}

static void fail(vt_pades_sig *s, vt_pades_problem p, const char *fmt, const char *arg)
{
	s->problem = p;
	snprintf(s->detail, sizeof(s->detail), fmt, arg ? arg : "");
}

/* dg256: SHA-256 of the byte ranges computed by the caller, or NULL. */
static void verify_one(vt_pades_trust *t, const uint8_t *buf, size_t len, const vt_pdf_sig *ps, const uint8_t *dg256,
	vt_pades_sig *s)
{
	const unsigned char *p;
	const uint8_t *certs_der = NULL;
	uint8_t key[32], *stripped = NULL;
	size_t certs_len = 0, stripped_len = 0;
	int keyed = 0;
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	STACK_OF(CMS_SignerInfo) *sis;
	STACK_OF(X509) *certs = NULL, *chain = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *signer = NULL;
	X509_ALGOR *dalg = NULL;
	const EVP_MD *mdt;
	ASN1_OCTET_STRING *md;
	uint8_t dg[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	int64_t now = t->at ? t->at : (int64_t)time(NULL);
	char eb[256];

	s->field = dup_or_null(ps->field);
	s->subfilter = dup_or_null(ps->subfilter);
	s->reason = dup_or_null(ps->reason);
	s->name = dup_or_null(ps->name);
	s->m = dup_or_null(ps->m);
	s->revision = ps->revision;
	s->signing_time = pdf_date_parse(ps->m);
	if (!ps->subfilter || (strcmp(ps->subfilter, "ETSI.CAdES.detached") != 0 &&
				      strcmp(ps->subfilter, "adbe.pkcs7.detached") != 0)) {
		fail(s, VT_PADES_UNSUPPORTED, "SubFilter /%s is not accepted", ps->subfilter ? ps->subfilter : "(none)");
		return;
	}
	if (ps->nbr != 4 || ps->br[0] != 0 || ps->br[1] <= 0 || ps->br[2] <= ps->br[1] || ps->br[3] < 0 ||
	    (uint64_t)ps->br[2] > len || (uint64_t)ps->br[3] > len - (size_t)ps->br[2]) {
		fail(s, VT_PADES_BYTERANGE, "the /ByteRange is malformed or outside the file%s", NULL);
		return;
	}
	s->covered_end = (size_t)(ps->br[2] + ps->br[3]);
	if (ps->contents_off != (size_t)ps->br[1] || ps->contents_end != (size_t)ps->br[2]) {
		fail(s, VT_PADES_BYTERANGE, "the gap in /ByteRange is not this signature's /Contents%s", NULL);
		return;
	}
	/* the CMS: its certificates from the cache when this set was seen before */
	if (strip_certs(ps->contents, ps->contents_len, &certs_der, &certs_len, &stripped, &stripped_len) == 0) {
		unsigned kl;
		keyed = EVP_Digest(certs_der, certs_len, key, &kl, t->sha256, NULL) == 1;
		if (keyed && (certs = cache_certs(t, key))) {
			p = stripped;
			if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)stripped_len)))
				for (int i = 0; i < sk_X509_num(certs); i++)
					CMS_add1_cert(cms, sk_X509_value(certs, i));
		}
	}
	if (!cms) {
		sk_X509_pop_free(certs, X509_free);
		certs = NULL;
		p = ps->contents;
		cms = d2i_CMS_ContentInfo(NULL, &p, (long)ps->contents_len);
	}
	if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed || !(sis = CMS_get0_SignerInfos(cms)) ||
	    sk_CMS_SignerInfo_num(sis) != 1) {
		fail(s, VT_PADES_CMS, "/Contents is not a CMS SignedData with one signer%s", NULL);
		goto out;
	}
	si = sk_CMS_SignerInfo_value(sis, 0);
	if (!certs) {
		certs = CMS_get1_certs(cms);
		if (keyed && certs)
			cache_put_certs(t, key, certs);
	}
	if (CMS_set1_signers_certs(cms, NULL, 0) < 1) {
		fail(s, VT_PADES_CMS, "the signer's certificate is not in the CMS%s", NULL);
		goto out;
	}
	CMS_SignerInfo_get0_algs(si, NULL, &signer, &dalg, NULL);
	{
		const X509_NAME *n = X509_get_subject_name(signer);
		s->subject = name_line(n);
		s->cn = name_entry(n, NID_commonName);
		s->org = name_entry(n, NID_organizationName);
		s->kind = classify(t, signer, s->cn, s->org);
		s->not_after = asn1_secs(X509_get0_notAfter(signer), 0);
	}
	/* pass 1: integrity and the signature value */
	mdt = OBJ_obj2nid(dalg->algorithm) == NID_sha256 ? t->sha256 : EVP_get_digestbyobj(dalg->algorithm);
	if (!mdt || EVP_MD_get_size(mdt) < 32) {
		fail(s, VT_PADES_UNSUPPORTED, "digest algorithm %s is not accepted", OBJ_nid2sn(OBJ_obj2nid(dalg->algorithm)));
		goto out;
	}
	if (mdt == t->sha256 && dg256) {
		memcpy(dg, dg256, 32);
		dl = 32;
	} else if (digest_ranges(mdt, buf, ps->br, dg, &dl) < 0) {
		fail(s, VT_PADES_CMS, "%s", vt_error_last());
		goto out;
	}
	if (CMS_signed_get_attr_count(si) <= 0) {
		fail(s, VT_PADES_UNSUPPORTED, "a CMS without signed attributes is not accepted%s", NULL);
		goto out;
	}
	md = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
	if (!md || (unsigned)ASN1_STRING_length(md) != dl || memcmp(ASN1_STRING_get0_data(md), dg, dl) != 0) {
		fail(s, VT_PADES_DIGEST, "the signed bytes were changed (digest mismatch)%s", NULL);
		goto out;
	}
	s->integrity = 1;
	if (CMS_SignerInfo_verify(si) != 1) {
		fail(s, VT_PADES_SIGNATURE, "the signature value does not verify with the signer's key%s", NULL);
		goto out;
	}
	if (!s->signing_time) {
		ASN1_TYPE *st = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_signingTime), -3, -1);
		if (st && (st->type == V_ASN1_UTCTIME || st->type == V_ASN1_GENERALIZEDTIME))
			s->signing_time = asn1_secs((ASN1_TIME *)st->value.asn1_string, 0);
	}
	/* pass 2: the certificate path (cached while it holds) and the ESS binding */
	if (keyed)
		chain = cache_chain(t, key, signer, now);
	if (!chain) {
		if (!(ctx = X509_STORE_CTX_new()) || !X509_STORE_CTX_init(ctx, t->store, signer, certs)) {
			fail(s, VT_PADES_CHAIN, "%s", vt_sigkey_ssl_error(eb, sizeof(eb)));
			goto out;
		}
		X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
		if (t->at)
			X509_STORE_CTX_set_time(ctx, 0, (time_t)t->at);
		if (X509_verify_cert(ctx) != 1) {
			int e = X509_STORE_CTX_get_error(ctx);
			const char *why = X509_verify_cert_error_string(e);
			switch (e) {
			case X509_V_ERR_CERT_HAS_EXPIRED:
				fail(s, VT_PADES_EXPIRED, "certificate expired (%s)", why);
				break;
			case X509_V_ERR_CERT_NOT_YET_VALID:
				fail(s, VT_PADES_NOT_YET_VALID, "certificate not yet valid (%s)", why);
				break;
			case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
			case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
			case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
			case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
			case X509_V_ERR_CERT_UNTRUSTED:
				fail(s, VT_PADES_UNTRUSTED, "no path to a trusted root (%s)", why);
				break;
			case X509_V_ERR_CERT_REVOKED:
				fail(s, VT_PADES_REVOKED, "certificate revoked (%s)", why);
				break;
			default:
				fail(s, VT_PADES_CHAIN, "certificate path: %s", why);
			}
			goto out;
		}
		chain = X509_STORE_CTX_get1_chain(ctx);
		if (keyed && chain)
			cache_put_chain(t, key, signer, chain);
	}
	{
		ASN1_STRING *a2 = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_id_smime_aa_signingCertificateV2), -3,
			V_ASN1_SEQUENCE);
		ASN1_STRING *a1 = CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_id_smime_aa_signingCertificate), -3,
			V_ASN1_SEQUENCE);
		const unsigned char *q;
		ESS_SIGNING_CERT_V2 *v2 = NULL;
		ESS_SIGNING_CERT *v1 = NULL;
		int cades = strcmp(ps->subfilter, "ETSI.CAdES.detached") == 0, ok;
		if (a2 && (q = ASN1_STRING_get0_data(a2)))
			v2 = d2i_ESS_SIGNING_CERT_V2(NULL, &q, ASN1_STRING_length(a2));
		if (a1 && (q = ASN1_STRING_get0_data(a1)))
			v1 = d2i_ESS_SIGNING_CERT(NULL, &q, ASN1_STRING_length(a1));
		ok = (!v1 && !v2 && !cades) || (chain && OSSL_ESS_check_signing_certs(v1, v2, chain, 1) > 0);
		ESS_SIGNING_CERT_V2_free(v2);
		ESS_SIGNING_CERT_free(v1);
		if (!ok) {
			fail(s, VT_PADES_ESS, "signing-certificate-v2 %s", v1 || v2 ? "names another certificate" : "is missing");
			goto out;
		}
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	free(stripped);
}

static int cmp_gap(const void *a, const void *b, void *ctx)
{
	const int64_t *x = ((const vt_pdf_sig *const *)ctx)[*(const size_t *)a]->br;
	const int64_t *y = ((const vt_pdf_sig *const *)ctx)[*(const size_t *)b]->br;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* SHA-256 of every signature's byte ranges in one pass: every range starts
 * at 0, so the hash of the shared prefix up to each gap is reused. */
static void digest_all(const vt_pades_trust *t, const uint8_t *buf, size_t len, vt_pdf *pdf, uint8_t (*dg)[32],
	int *have)
{
	size_t n = vt_pdf_sig_count(pdf), m = 0, pos = 0, *order = calloc(n ? n : 1, sizeof(size_t));
	const vt_pdf_sig **sigs = calloc(n ? n : 1, sizeof(*sigs));
	EVP_MD_CTX *base = EVP_MD_CTX_new(), *c = EVP_MD_CTX_new();
	if (!order || !sigs || !base || !c || EVP_DigestInit_ex(base, t->sha256, NULL) != 1)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const vt_pdf_sig *s = sigs[i] = vt_pdf_sig_get(pdf, i);
		if (s->nbr == 4 && s->br[0] == 0 && s->br[1] > 0 && s->br[2] > s->br[1] && s->br[3] >= 0 &&
		    (uint64_t)s->br[2] <= len && (uint64_t)s->br[3] <= len - (size_t)s->br[2])
			order[m++] = i;
	}
	qsort_r(order, m, sizeof(*order), cmp_gap, sigs);
	for (size_t k = 0; k < m; k++) {
		const int64_t *br = sigs[order[k]]->br;
		unsigned dl;
		if (EVP_DigestUpdate(base, buf + pos, (size_t)br[1] - pos) != 1 || EVP_MD_CTX_copy_ex(c, base) != 1 ||
		    EVP_DigestUpdate(c, buf + br[2], (size_t)br[3]) != 1 || EVP_DigestFinal_ex(c, dg[order[k]], &dl) != 1)
			goto out;
		pos = (size_t)br[1];
		have[order[k]] = 1;
	}
out:
	EVP_MD_CTX_free(base);
	EVP_MD_CTX_free(c);
	free(order);
	free(sigs);
}

static int only_ws(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\r' && p[i] != '\n' && p[i] != '\t' && p[i] != 0)
			return 0;
	return 1;
}

int vt_pades_verify(vt_pades_report **out, const vt_pades_trust *t, const uint8_t *buf, size_t len)
{
	vt_pades_report *r = NULL;
	vt_pdf *pdf = NULL;
	size_t nfail = 0;
	uint8_t (*dg)[32] = NULL;
	int err, *have = NULL;
	*out = NULL;
	if ((err = vt_pdf_open(&pdf, buf, len)) < 0)
		return err;
	if (!(r = calloc(1, sizeof(*r))) ||
	    (vt_pdf_sig_count(pdf) && !(r->sigs = calloc(vt_pdf_sig_count(pdf), sizeof(*r->sigs))))) {
		err = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	r->file_len = len;
	r->nrev = vt_pdf_revision_count(pdf);
	r->nsigs = vt_pdf_sig_count(pdf);
	if (r->nsigs && (!(dg = calloc(r->nsigs, sizeof(*dg))) || !(have = calloc(r->nsigs, sizeof(*have))))) {
		err = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	if (r->nsigs)
		digest_all(t, buf, len, pdf, dg, have);
	for (size_t i = 0; i < r->nsigs; i++) {
		vt_pades_sig *s = &r->sigs[i];
		verify_one((vt_pades_trust *)t, buf, len, vt_pdf_sig_get(pdf, i), have[i] ? dg[i] : NULL, s);
		if (s->integrity && s->covered_end > r->covered_end)
			r->covered_end = s->covered_end;
		if (s->problem == VT_PADES_OK) {
			r->nvalid++;
			if (s->kind == VT_PADES_AGENCY)
				r->nagency++;
			else
				r->nperson++;
		} else
			nfail++;
	}
	r->not_covered = only_ws(buf + r->covered_end, len - r->covered_end) ? 0 : len - r->covered_end;
	r->legal = r->nvalid >= 2 && r->nagency >= 1 && r->nperson >= 1 && !nfail && !r->not_covered;
	if (!r->nsigs)
		snprintf(r->status, sizeof(r->status), "reference only: the document is not signed");
	else if (r->legal)
		snprintf(r->status, sizeof(r->status), "legally valid electronic document (%zu valid signatures: %zu agency, "
			"%zu personal)", r->nvalid, r->nagency, r->nperson);
	else if (nfail)
		snprintf(r->status, sizeof(r->status), "reference only: %zu of %zu signatures not valid", nfail, r->nsigs);
	else if (r->not_covered)
		snprintf(r->status, sizeof(r->status), "reference only: %zu bytes after the last signature are not covered",
			r->not_covered);
	else
		snprintf(r->status, sizeof(r->status), "reference only: needs an agency and a personal signature "
			"(has %zu agency, %zu personal)", r->nagency, r->nperson);
	*out = r;
	r = NULL;
out:
	free(dg);
	free(have);
	vt_pades_report_free(r);
	vt_pdf_free(pdf);
	return err;
}

void vt_pades_report_free(vt_pades_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nsigs && r->sigs; i++) {
		vt_pades_sig *s = &r->sigs[i];
		free(s->field);
		free(s->subfilter);
		free(s->reason);
		free(s->name);
		free(s->m);
		free(s->subject);
		free(s->cn);
		free(s->org);
	}
	free(r->sigs);
	free(r);
}
