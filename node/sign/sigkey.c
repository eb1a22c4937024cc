/* Signing keys from PEM/PKCS#12 files and PKCS#11 tokens (libp11 0.4, PKCS#11
 * v2.40 CKA_ALWAYS_AUTHENTICATE handled through an OpenSSL UI method). */
#include "sign/sigkey.h"
#include "store/error.h"

#include <libp11.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ui.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PIN_MAX 256

/* A PKCS#11 module is initialised once per process (C_Initialize), shared
 * by every key on it, finalised when the last key goes. */
typedef struct p11_module {
	char path[512];
	PKCS11_CTX *ctx;
	PKCS11_SLOT *slots;
	unsigned int nslots;
	UI_METHOD *ui;
	int refs;
} p11_module;

#define P11_MODULES 4
static p11_module modules[P11_MODULES];
static pthread_mutex_t p11_lock = PTHREAD_MUTEX_INITIALIZER; /* modules[] and every token operation */

struct vt_sigkey {
	EVP_PKEY *pkey;
	X509 *cert;
	STACK_OF(X509) *chain;
	p11_module *mod; /* PKCS#11 keys */
	char pin[PIN_MAX];
};

const char *vt_sigkey_ssl_error(char *buf, size_t cap)
{
	unsigned long e;
	size_t n = 0;
	buf[0] = 0;
	while ((e = ERR_get_error()) != 0 && n + 2 < cap) {
		if (n)
			buf[n++] = ';', buf[n++] = ' ', buf[n] = 0;
		ERR_error_string_n(e, buf + n, cap - n);
		n = strlen(buf);
	}
	return buf[0] ? buf : "no OpenSSL detail";
}

static int ssl_fail(int code, const char *what, const char *file)
{
	char b[512];
	return vt_error_set(code, "%s %s: %s", what, file ? file : "", vt_sigkey_ssl_error(b, sizeof(b)));
}

static int new_key(vt_sigkey **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	if (!((*out)->chain = sk_X509_new_null())) {
		free(*out);
		*out = NULL;
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	return 0;
}

static int read_certs(STACK_OF(X509) *sk, const char *file)
{
	FILE *f = fopen(file, "r");
	X509 *x;
	int n = 0;
	if (!f)
		return vt_error_set(VT_EIO, "cannot open certificate file %s", file);
	while ((x = PEM_read_X509(f, NULL, NULL, NULL))) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			fclose(f);
			return vt_error_set(VT_ENOMEM, "out of memory");
		}
		n++;
	}
	ERR_clear_error();
	fclose(f);
	if (!n)
		return vt_error_set(VT_EINVAL, "no PEM certificate in %s", file);
	return 0;
}

static int check_match(vt_sigkey *k, const char *what)
{
	if (!k->cert)
		return vt_error_set(VT_EINVAL, "%s: no certificate for the key", what);
	if (k->pkey && X509_check_private_key(k->cert, k->pkey) != 1) {
		ERR_clear_error();
		return vt_error_set(VT_EINVAL, "%s: the certificate does not match the private key", what);
	}
	return 0;
}

int vt_sigkey_load_pem(vt_sigkey **out, const char *key_pem, const char *cert_pem, const char *chain_pem,
	const char *pass)
{
	vt_sigkey *k = NULL;
	STACK_OF(X509) *certs = sk_X509_new_null();
	FILE *f = NULL;
	int err = 0;
	*out = NULL;
	if (!certs)
		return vt_error_set(VT_ENOMEM, "out of memory");
	if ((err = new_key(&k)) < 0)
		goto out;
	if (!(f = fopen(key_pem, "r"))) {
		err = vt_error_set(VT_EIO, "cannot open key file %s", key_pem);
		goto out;
	}
	if (!(k->pkey = PEM_read_PrivateKey(f, NULL, NULL, (void *)(pass ? pass : "")))) {
		err = ssl_fail(VT_EINVAL, "cannot read the private key in", key_pem);
		goto out;
	}
	if ((err = read_certs(certs, cert_pem ? cert_pem : key_pem)) < 0)
		goto out;
	k->cert = sk_X509_shift(certs);
	while (sk_X509_num(certs) > 0)
		sk_X509_push(k->chain, sk_X509_shift(certs));
	if (chain_pem && (err = read_certs(k->chain, chain_pem)) < 0)
		goto out;
	if ((err = check_match(k, key_pem)) < 0)
		goto out;
	*out = k;
	k = NULL;
out:
	if (f)
		fclose(f);
	sk_X509_pop_free(certs, X509_free);
	vt_sigkey_free(k);
	return err;
}

int vt_sigkey_load_p12(vt_sigkey **out, const char *p12, const char *pass)
{
	vt_sigkey *k = NULL;
	PKCS12 *p = NULL;
	STACK_OF(X509) *ca = NULL;
	FILE *f = NULL;
	int err = 0;
	*out = NULL;
	if ((err = new_key(&k)) < 0)
		goto out;
	if (!(f = fopen(p12, "rb"))) {
		err = vt_error_set(VT_EIO, "cannot open PKCS#12 file %s", p12);
		goto out;
	}
	if (!(p = d2i_PKCS12_fp(f, NULL))) {
		err = ssl_fail(VT_EINVAL, "not a PKCS#12 file:", p12);
		goto out;
	}
	if (!PKCS12_parse(p, pass ? pass : "", &k->pkey, &k->cert, &ca)) {
		err = ssl_fail(VT_EAUTH, "cannot open (wrong password?)", p12);
		goto out;
	}
	while (ca && sk_X509_num(ca) > 0)
		sk_X509_push(k->chain, sk_X509_shift(ca));
	if ((err = check_match(k, p12)) < 0)
		goto out;
	*out = k;
	k = NULL;
out:
	if (f)
		fclose(f);
	PKCS12_free(p);
	sk_X509_pop_free(ca, X509_free);
	vt_sigkey_free(k);
	return err;
}

/* ---- PINs */

static int pin_prompt(char *pin, size_t cap, const char *token)
{
	FILE *tty = fopen("/dev/tty", "r+");
	struct termios old, quiet;
	int echo_off;
	if (!tty)
		return vt_error_set(VT_EAUTH, "token '%s' needs a PIN: give --pin-file or --pin-env (no terminal)", token);
	fprintf(tty, "PIN for token '%s': ", token);
	fflush(tty);
	echo_off = tcgetattr(fileno(tty), &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	if (!fgets(pin, (int)cap, tty))
		pin[0] = 0;
	if (echo_off)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	pin[strcspn(pin, "\r\n")] = 0;
	return 0;
}

static int get_pin(char *pin, size_t cap, const vt_sigkey_p11 *o)
{
	if (o->pin) {
		if (strlen(o->pin) >= cap)
			return vt_error_set(VT_EINVAL, "PIN too long");
		strcpy(pin, o->pin);
		return 0;
	}
	if (o->pin_file) {
		FILE *f = fopen(o->pin_file, "r");
		if (!f)
			return vt_error_set(VT_EIO, "cannot open PIN file %s", o->pin_file);
		if (!fgets(pin, (int)cap, f))
			pin[0] = 0;
		fclose(f);
		pin[strcspn(pin, "\r\n")] = 0;
		return 0;
	}
	if (o->pin_env) {
		const char *v = getenv(o->pin_env);
		if (!v)
			return vt_error_set(VT_EINVAL, "environment variable %s (the PIN) is not set", o->pin_env);
		if (strlen(v) >= cap)
			return vt_error_set(VT_EINVAL, "PIN too long");
		strcpy(pin, v);
		return 0;
	}
	return pin_prompt(pin, cap, o->token_label);
}

/* libp11 asks through the UI method for CKU_CONTEXT_SPECIFIC logins. */
static int ui_reader(UI *ui, UI_STRING *uis)
{
	vt_sigkey *k = UI_get0_user_data(ui);
	switch (UI_get_string_type(uis)) {
	case UIT_PROMPT:
	case UIT_VERIFY:
		if (!k)
			return 0;
		return UI_set_result(ui, uis, k->pin) == 0 ? 1 : 0;
	default:
		return 1;
	}
}

/* Under p11_lock. */
static void module_put(p11_module *m)
{
	if (--m->refs > 0)
		return;
	if (m->slots)
		PKCS11_release_all_slots(m->ctx, m->slots, m->nslots);
	PKCS11_CTX_unload(m->ctx);
	PKCS11_CTX_free(m->ctx);
	if (m->ui)
		UI_destroy_method(m->ui);
	memset(m, 0, sizeof(*m));
}

/* Under p11_lock: the module, loaded on first use. */
static int module_get(p11_module **out, const char *path)
{
	p11_module *m = NULL;
	*out = NULL;
	if (strlen(path) >= sizeof(m->path))
		return vt_error_set(VT_EINVAL, "PKCS#11 module path too long");
	for (int i = 0; i < P11_MODULES && !m; i++)
		if (modules[i].refs && strcmp(modules[i].path, path) == 0)
			m = &modules[i];
	if (!m) {
		for (int i = 0; i < P11_MODULES && !m; i++)
			if (!modules[i].refs)
				m = &modules[i];
		if (!m)
			return vt_error_set(VT_EBUSY, "PKCS#11: more than %d modules in use", P11_MODULES);
		strcpy(m->path, path);
		if (!(m->ctx = PKCS11_CTX_new()))
			return vt_error_set(VT_ENOMEM, "out of memory");
		if (PKCS11_CTX_load(m->ctx, path) < 0) {
			PKCS11_CTX_free(m->ctx);
			memset(m, 0, sizeof(*m));
			return ssl_fail(VT_ERROR, "PKCS#11: cannot load module", path);
		}
		if (!(m->ui = UI_create_method("vanthu PKCS#11 PIN")) || UI_method_set_reader(m->ui, ui_reader) < 0) {
			m->refs = 1;
			module_put(m);
			return vt_error_set(VT_ENOMEM, "out of memory");
		}
		/* enumerated once: keys point into the slot list, so it is not
		 * refreshed while any key lives (a token inserted later is seen
		 * after every key of the module has been freed) */
		if (PKCS11_enumerate_slots(m->ctx, &m->slots, &m->nslots) < 0) {
			m->refs = 1;
			module_put(m);
			return ssl_fail(VT_ERROR, "PKCS#11: cannot list slots of", path);
		}
	}
	m->refs++;
	*out = m;
	return 0;
}

int vt_sigkey_load_pkcs11(vt_sigkey **out, const vt_sigkey_p11 *o)
{
	vt_sigkey *k = NULL;
	PKCS11_SLOT *slot = NULL;
	PKCS11_KEY *keys = NULL, *key = NULL;
	unsigned int nkeys = 0;
	const char *module = o->module ? o->module : "/usr/lib/softhsm/libsofthsm2.so";
	int err = 0, locked = 0;
	*out = NULL;
	if (!o->token_label)
		return vt_error_set(VT_EINVAL, "PKCS#11: a token label is needed");
	if ((err = new_key(&k)) < 0)
		goto out;
	pthread_mutex_lock(&p11_lock);
	locked = 1;
	if ((err = module_get(&k->mod, module)) < 0)
		goto out;
	for (unsigned int i = 0; i < k->mod->nslots; i++)
		if (k->mod->slots[i].token && k->mod->slots[i].token->initialized &&
		    strcmp(k->mod->slots[i].token->label, o->token_label) == 0) {
			slot = &k->mod->slots[i];
			break;
		}
	if (!slot) {
		err = vt_error_set(VT_ENOTFOUND, "PKCS#11: no token labelled '%s' in %s", o->token_label, module);
		goto out;
	}
	if ((err = get_pin(k->pin, sizeof(k->pin), o)) < 0)
		goto out;
	if (PKCS11_login(slot, 0, k->pin) < 0) {
		ERR_clear_error();
		err = vt_error_set(VT_EAUTH, "PKCS#11: login to token '%s' failed (wrong PIN?)", o->token_label);
		goto out;
	}
	if (PKCS11_enumerate_keys(slot->token, &keys, &nkeys) < 0) {
		err = ssl_fail(VT_ERROR, "PKCS#11: cannot list keys on", o->token_label);
		goto out;
	}
	for (unsigned int i = 0; i < nkeys; i++)
		if (keys[i].isPrivate && (!o->key_label || (keys[i].label && strcmp(keys[i].label, o->key_label) == 0))) {
			key = &keys[i];
			break;
		}
	if (!key) {
		err = vt_error_set(VT_ENOTFOUND, "PKCS#11: no private key%s%s on token '%s'", o->key_label ? " labelled " : "",
			o->key_label ? o->key_label : "", o->token_label);
		goto out;
	}
	if (!(k->pkey = PKCS11_get_private_key(key))) {
		err = ssl_fail(VT_ERROR, "PKCS#11: cannot use the key on", o->token_label);
		goto out;
	}
	if (o->cert_pem) {
		STACK_OF(X509) *c = sk_X509_new_null();
		if (!c || (err = read_certs(c, o->cert_pem)) < 0) {
			sk_X509_pop_free(c, X509_free);
			err = err < 0 ? err : vt_error_set(VT_ENOMEM, "out of memory");
			goto out;
		}
		k->cert = sk_X509_shift(c);
		while (sk_X509_num(c) > 0)
			sk_X509_push(k->chain, sk_X509_shift(c));
		sk_X509_free(c);
	} else {
		PKCS11_CERT *c = PKCS11_find_certificate(key);
		if (!c || !c->x509) {
			ERR_clear_error();
			err = vt_error_set(VT_ENOTFOUND, "PKCS#11: no certificate for the key on token '%s' (give --cert)",
				o->token_label);
			goto out;
		}
		X509_up_ref(c->x509);
		k->cert = c->x509;
	}
	if (o->chain_pem && (err = read_certs(k->chain, o->chain_pem)) < 0)
		goto out;
	if ((err = check_match(k, o->token_label)) < 0)
		goto out;
	*out = k;
	k = NULL;
out:
	if (locked)
		pthread_mutex_unlock(&p11_lock);
	vt_sigkey_free(k);
	return err;
}

int vt_sigkey_sign(const vt_sigkey *k, const uint8_t *tbs, size_t n, uint8_t **sig, size_t *siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int err = 0;
	*sig = NULL;
	if (k->mod) {
		pthread_mutex_lock(&p11_lock);
		/* the PIN for keys that ask on every use is this key's */
		PKCS11_set_ui_method(k->mod->ctx, k->mod->ui, (void *)k);
	}
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
	    EVP_DigestSign(md, NULL, siglen, tbs, n) != 1 || !(*sig = OPENSSL_malloc(*siglen)) ||
	    EVP_DigestSign(md, *sig, siglen, tbs, n) != 1) {
		OPENSSL_free(*sig);
		*sig = NULL;
		err = ssl_fail(VT_ESIG, "signing with the key failed:", "");
	}
	if (k->mod)
		pthread_mutex_unlock(&p11_lock);
	EVP_MD_CTX_free(md);
	return err;
}

EVP_PKEY *vt_sigkey_pkey(const vt_sigkey *k) { return k->pkey; }
X509 *vt_sigkey_cert(const vt_sigkey *k) { return k->cert; }
STACK_OF(X509) *vt_sigkey_chain(const vt_sigkey *k) { return k->chain; }

void vt_sigkey_free(vt_sigkey *k)
{
	if (!k)
		return;
	if (k->mod)
		pthread_mutex_lock(&p11_lock);
	EVP_PKEY_free(k->pkey);
	X509_free(k->cert);
	sk_X509_pop_free(k->chain, X509_free);
	if (k->mod) {
		module_put(k->mod);
		pthread_mutex_unlock(&p11_lock);
	}
	sodium_memzero(k->pin, sizeof(k->pin));
	free(k);
}
