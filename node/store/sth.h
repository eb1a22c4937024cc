/* Signed tree heads: Ed25519 over a fixed binary encoding of the head; the
 * hub's co-signature of a unit's head; and the auditor's checks built on
 * them (a head, a co-signed head, an inclusion proof in a head). */
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

/* ---- co-signatures: the hub's Ed25519 signature over
 * "vanthu-cosig-v1\0" || the head's signed message */

/* The bytes a co-signature covers; 0 if they do not fit. */
size_t vt_cosig_message(uint8_t *buf, size_t cap, const Vanthu__V1__TreeHead *head);

/* 0, or VT_ESIG: c is not hub_pk's co-signature of head. */
int vt_cosig_verify(const Vanthu__V1__TreeHead *head, const Vanthu__V1__CoSignature *c,
	const uint8_t hub_pk[VT_SIGN_PK_LEN]);

/* ---- the auditor's checks: nothing taken on a node's or a hub's word.
 * Each returns 0, or a negative VT_E* code with the message set. */

/* head is origin's (any origin if origin is NULL) and signed with pk:
 * VT_ESIG otherwise (VT_EINVAL for a malformed head); VT_ECORRUPT when
 * there is no head. */
int vt_audit_check_head(const Vanthu__V1__TreeHead *head, const char *origin, const uint8_t pk[VT_SIGN_PK_LEN]);

/* The head as vt_audit_check_head, and cosig is the hub's co-signature of
 * it with hub_pk: VT_ESIG otherwise; VT_ECORRUPT when either is missing. */
int vt_audit_check_cosigned(const Vanthu__V1__TreeHead *head, const Vanthu__V1__CoSignature *cosig,
	const char *origin, const uint8_t pk[VT_SIGN_PK_LEN], const uint8_t hub_pk[VT_SIGN_PK_LEN]);

/* proof shows the leaf hash at index in the tree of head (whose signature
 * the caller checked): VT_ESIG when it does not, or is for another size;
 * VT_ECORRUPT for a missing or malformed proof (a hash not 32 bytes, a path
 * too long); VT_EINVAL when index is not in the tree. */
int vt_audit_check_inclusion(const Vanthu__V1__TreeHead *head, uint64_t index, const uint8_t leaf[VT_HASH_LEN],
	const Vanthu__V1__InclusionProof *proof);

#endif
