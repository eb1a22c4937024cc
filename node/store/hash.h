/* SHA-256 through OpenSSL EVP with the algorithm fetched once. */
#ifndef VT_HASH_H
#define VT_HASH_H

#include <stddef.h>
#include <stdint.h>

#define VT_HASH_LEN 32

typedef struct vt_sha256_ctx vt_sha256_ctx;

/* One-shot hash of a buffer. Never fails short of memory exhaustion (aborts). */
void vt_sha256(uint8_t out[VT_HASH_LEN], const void *data, size_t len);

/* Hash of the concatenation of two buffers (prefix + data), no copying. */
void vt_sha256_2(uint8_t out[VT_HASH_LEN], const void *a, size_t alen, const void *b, size_t blen);

/* Streaming; the context is thread-local-free and owned by the caller. */
int vt_sha256_new(vt_sha256_ctx **out);
void vt_sha256_update(vt_sha256_ctx *c, const void *data, size_t len);
void vt_sha256_final(vt_sha256_ctx *c, uint8_t out[VT_HASH_LEN]);
void vt_sha256_free(vt_sha256_ctx *c);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void vt_hex(char *out, const uint8_t *in, size_t n);
/* Parses 2n hex chars into n bytes; VT_EINVAL on bad input. */
int vt_unhex(uint8_t *out, size_t n, const char *hex);

#endif
