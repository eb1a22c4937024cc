/* Signed tree heads: Ed25519 over a fixed binary encoding of the head. */
#ifndef VT_STH_H
#define VT_STH_H

#include <stdint.h>

#include "store/hash.h"
#include "vanthu.pb-c.h"

#define VT_SIGN_PK_LEN 32
#define VT_SIGN_SK_LEN 64
#define VT_SIGN_LEN 64

/* Fills sth->signature and sth->key_id (buffers owned by the caller: sig
 * and key_id must live as long as sth). */
void vt_sth_sign(Vanthu__V1__TreeHead *sth, const uint8_t sk[VT_SIGN_SK_LEN],
	uint8_t sig[VT_SIGN_LEN], uint8_t key_id[8]);

/* 0, or VT_ESIG/VT_EINVAL naming what is wrong. */
int vt_sth_verify(const Vanthu__V1__TreeHead *sth, const uint8_t pk[VT_SIGN_PK_LEN]);

/* The bytes a tree head's signature covers; 0 if they do not fit. */
size_t vt_sth_message(uint8_t *buf, size_t cap, const Vanthu__V1__TreeHead *sth);

/* Key id: first 8 bytes of SHA-256(pk). */
void vt_sth_key_id(uint8_t out[8], const uint8_t pk[VT_SIGN_PK_LEN]);

#endif
