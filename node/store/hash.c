/* SHA-256 via OpenSSL 3 EVP; the EVP_MD is fetched once per process and one
 * EVP_MD_CTX is kept per thread, which makes small hashes ~4x cheaper than
 * the one-shot SHA256(). */
#include "store/hash.h"
#include "store/error.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct vt_sha256_ctx {
	EVP_MD_CTX *md;
};

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static _Thread_local EVP_MD_CTX *thread_ctx;
static pthread_key_t thread_ctx_key; /* frees a thread's context when it exits */

static void thread_ctx_free(void *p)
{
	EVP_MD_CTX_free(p);
	thread_ctx = NULL; /* a later hash in this exiting thread makes a new one */
}

static void fetch_md(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!sha256_md || pthread_key_create(&thread_ctx_key, thread_ctx_free) != 0)
		abort();
}

static EVP_MD_CTX *ctx_get(void)
{
	pthread_once(&sha256_once, fetch_md);
	if (!thread_ctx) {
		if (!(thread_ctx = EVP_MD_CTX_new()))
			abort();
		pthread_setspecific(thread_ctx_key, thread_ctx);
	}
	if (EVP_DigestInit_ex(thread_ctx, sha256_md, NULL) != 1)
		abort();
	return thread_ctx;
}

void vt_sha256_2(uint8_t out[VT_HASH_LEN], const void *a, size_t alen, const void *b, size_t blen)
{
	EVP_MD_CTX *c = ctx_get();
	unsigned int n = 0;
	if (alen)
		EVP_DigestUpdate(c, a, alen);
	if (blen)
		EVP_DigestUpdate(c, b, blen);
	EVP_DigestFinal_ex(c, out, &n);
}

void vt_sha256(uint8_t out[VT_HASH_LEN], const void *data, size_t len)
{
	vt_sha256_2(out, data, len, NULL, 0);
}

int vt_sha256_new(vt_sha256_ctx **out)
{
	vt_sha256_ctx *c;
	*out = NULL;
	pthread_once(&sha256_once, fetch_md);
	if (!(c = calloc(1, sizeof(*c))) || !(c->md = EVP_MD_CTX_new())) {
		free(c);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	EVP_DigestInit_ex(c->md, sha256_md, NULL);
	*out = c;
	return 0;
}

void vt_sha256_update(vt_sha256_ctx *c, const void *data, size_t len)
{
	EVP_DigestUpdate(c->md, data, len);
}

void vt_sha256_final(vt_sha256_ctx *c, uint8_t out[VT_HASH_LEN])
{
	unsigned int n = 0;
	EVP_DigestFinal_ex(c->md, out, &n);
}

void vt_sha256_free(vt_sha256_ctx *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->md);
	free(c);
}

void vt_hex(char *out, const uint8_t *in, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int vt_unhex(uint8_t *out, size_t n, const char *hex)
{
	if (!hex || strlen(hex) != 2 * n)
		return vt_error_set(VT_EINVAL, "expected %zu hex digits", 2 * n);
	for (size_t i = 0; i < n; i++) {
		int h = hexval(hex[2 * i]), l = hexval(hex[2 * i + 1]);
		if (h < 0 || l < 0)
			return vt_error_set(VT_EINVAL, "bad hex digit at position %zu", 2 * i);
		out[i] = (uint8_t)(h << 4 | l);
	}
	return 0;
}
