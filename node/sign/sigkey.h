/* Signing keys: PEM and PKCS#12 files (development), PKCS#11 tokens through
 * libp11 (production: the agency's and the leaders' USB tokens). */
#ifndef VT_SIGKEY_H
#define VT_SIGKEY_H

#include <openssl/evp.h>
#include <openssl/x509.h>

typedef struct vt_sigkey vt_sigkey;

/* PEM private key (pass may be NULL) and its certificate; chain_pem (may be
 * NULL) holds the issuing CA certificates to embed. cert_pem may equal key_pem. */
int vt_sigkey_load_pem(vt_sigkey **out, const char *key_pem, const char *cert_pem, const char *chain_pem,
	const char *pass);

/* PKCS#12 file: key, certificate and the CA certificates it carries. */
int vt_sigkey_load_p12(vt_sigkey **out, const char *p12, const char *pass);

/* Where the token's PIN comes from, in this order: pin, pin_file (first line),
 * pin_env (an environment variable's name), else a prompt on /dev/tty. */
typedef struct vt_sigkey_p11 {
	const char *module;      /* NULL: SoftHSM2's libsofthsm2.so */
	const char *token_label; /* tokens are found by label, never by slot id */
	const char *key_label;   /* NULL: the first private key */
	const char *pin, *pin_file, *pin_env;
	const char *cert_pem;    /* NULL: the token's certificate with the key's id */
	const char *chain_pem;   /* CA certificates to embed; may be NULL */
} vt_sigkey_p11;

/* Logs in to the token and keeps the session for the key's lifetime. Keys
 * with CKA_ALWAYS_AUTHENTICATE get the same PIN on every use. */
int vt_sigkey_load_pkcs11(vt_sigkey **out, const vt_sigkey_p11 *opts);

/* Signs tbs (SHA-256 with the key's scheme: RSA PKCS#1 v1.5 or ECDSA);
 * *sig is OPENSSL_malloc'd. Token operations are serialised per process. */
int vt_sigkey_sign(const vt_sigkey *k, const uint8_t *tbs, size_t n, uint8_t **sig, size_t *siglen);

/* Borrowed. */
EVP_PKEY *vt_sigkey_pkey(const vt_sigkey *k);
X509 *vt_sigkey_cert(const vt_sigkey *k);
STACK_OF(X509) *vt_sigkey_chain(const vt_sigkey *k);

/* Frees the key, logs out, wipes the PIN. Accepts NULL. */
void vt_sigkey_free(vt_sigkey *k);

/* OpenSSL's error queue as one line (cleared), for messages. */
const char *vt_sigkey_ssl_error(char *buf, size_t cap);

#endif
