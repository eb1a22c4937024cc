/* Signed tree heads: Ed25519 (libsodium) over
 * "vanthu-sth-v1\0" || u8 len(origin) || origin || be64 size || be64 time || root;
 * co-signatures over "vanthu-cosig-v1\0" || that; the auditor's checks. */
#include "store/sth.h"
#include "store/error.h"
#include "store/merkle.h"
#include "store/store.h"

#include <inttypes.h>
#include <sodium.h>
#include <string.h>

size_t vt_sth_message(uint8_t *buf, size_t cap, const Vanthu__V1__TreeHead *sth)
{
	static const char tag[] = "vanthu-sth-v1";
	size_t olen = strlen(sth->origin), n = 0;
	if (olen > 255 || cap < sizeof(tag) + 1 + olen + 16 + VT_HASH_LEN)
		return 0;
	memcpy(buf, tag, sizeof(tag));
	n += sizeof(tag);
	buf[n++] = (uint8_t)olen;
	memcpy(buf + n, sth->origin, olen);
	n += olen;
	vt_be64_put(buf + n, sth->size);
	n += 8;
	vt_be64_put(buf + n, (uint64_t)sth->time);
	n += 8;
	memcpy(buf + n, sth->root.data, VT_HASH_LEN);
	return n + VT_HASH_LEN;
}

void vt_sth_key_id(uint8_t out[8], const uint8_t pk[VT_SIGN_PK_LEN])
{
	uint8_t h[VT_HASH_LEN];
	vt_sha256(h, pk, VT_SIGN_PK_LEN);
	memcpy(out, h, 8);
}

void vt_sth_sign(Vanthu__V1__TreeHead *sth, const uint8_t sk[VT_SIGN_SK_LEN],
	uint8_t sig[VT_SIGN_LEN], uint8_t key_id[8])
{
	uint8_t msg[512];
	size_t n = vt_sth_message(msg, sizeof(msg), sth);
	crypto_sign_detached(sig, NULL, msg, n, sk);
	/* The public key is the second half of a libsodium Ed25519 secret key. */
	vt_sth_key_id(key_id, sk + 32);
	sth->signature.data = sig;
	sth->signature.len = VT_SIGN_LEN;
	sth->key_id.data = key_id;
	sth->key_id.len = 8;
}

int vt_sth_verify(const Vanthu__V1__TreeHead *sth, const uint8_t pk[VT_SIGN_PK_LEN])
{
	uint8_t msg[512], kid[8];
	size_t n;
	if (sth->root.len != VT_HASH_LEN)
		return vt_error_set(VT_EINVAL, "tree head at size %llu: root is %zu bytes, expected 32",
			(unsigned long long)sth->size, sth->root.len);
	if (sth->signature.len != VT_SIGN_LEN)
		return vt_error_set(VT_ESIG, "tree head at size %llu: signature is %zu bytes, expected 64",
			(unsigned long long)sth->size, sth->signature.len);
	if (!(n = vt_sth_message(msg, sizeof(msg), sth)))
		return vt_error_set(VT_EINVAL, "tree head: origin too long");
	vt_sth_key_id(kid, pk);
	if (sth->key_id.len && (sth->key_id.len != 8 || memcmp(kid, sth->key_id.data, 8) != 0))
		return vt_error_set(VT_ESIG, "tree head at size %llu: signed by another key",
			(unsigned long long)sth->size);
	if (crypto_sign_verify_detached(sth->signature.data, msg, n, pk) != 0)
		return vt_error_set(VT_ESIG, "tree head at size %llu: signature does not verify",
			(unsigned long long)sth->size);
	return 0;
}

/* ---- co-signatures */

size_t vt_cosig_message(uint8_t *buf, size_t cap, const Vanthu__V1__TreeHead *head)
{
	static const char tag[] = "vanthu-cosig-v1";
	size_t n;
	if (cap < sizeof(tag))
		return 0;
	memcpy(buf, tag, sizeof(tag));
	n = vt_sth_message(buf + sizeof(tag), cap - sizeof(tag), head);
	return n ? n + sizeof(tag) : 0;
}

int vt_cosig_verify(const Vanthu__V1__TreeHead *head, const Vanthu__V1__CoSignature *c,
	const uint8_t hub_pk[VT_SIGN_PK_LEN])
{
	uint8_t msg[600];
	size_t n = vt_cosig_message(msg, sizeof(msg), head);
	if (!n || c->signature.len != 64 || crypto_sign_verify_detached(c->signature.data, msg, n, hub_pk) != 0)
		return vt_error_set(VT_ESIG, "the hub's co-signature on %s at size %" PRIu64 " does not verify",
			head->origin, head->size);
	return 0;
}

/* ---- the auditor's checks */

int vt_audit_check_head(const Vanthu__V1__TreeHead *head, const char *origin, const uint8_t pk[VT_SIGN_PK_LEN])
{
	if (!head)
		return vt_error_set(VT_ECORRUPT, "no signed tree head");
	if (origin && strcmp(head->origin, origin) != 0)
		return vt_error_set(VT_ESIG, "the head is %s's, not %s's", head->origin, origin);
	return vt_sth_verify(head, pk);
}

int vt_audit_check_cosigned(const Vanthu__V1__TreeHead *head, const Vanthu__V1__CoSignature *cosig,
	const char *origin, const uint8_t pk[VT_SIGN_PK_LEN], const uint8_t hub_pk[VT_SIGN_PK_LEN])
{
	int error;
	if ((error = vt_audit_check_head(head, origin, pk)) < 0)
		return error;
	if (!cosig)
		return vt_error_set(VT_ECORRUPT, "the head of %s at size %" PRIu64 " is not co-signed", head->origin,
			head->size);
	return vt_cosig_verify(head, cosig, hub_pk);
}

int vt_audit_check_inclusion(const Vanthu__V1__TreeHead *head, uint64_t index, const uint8_t leaf[VT_HASH_LEN],
	const Vanthu__V1__InclusionProof *proof)
{
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN];
	if (!head)
		return vt_error_set(VT_ECORRUPT, "the proof comes without a signed tree head");
	if (!proof || proof->n_path > VT_MERKLE_MAX_PATH)
		return vt_error_set(VT_ECORRUPT, "the proof is missing or too long");
	if (head->root.len != VT_HASH_LEN)
		return vt_error_set(VT_ECORRUPT, "the tree head's root is %zu bytes, expected 32", head->root.len);
	for (size_t i = 0; i < proof->n_path; i++) {
		if (proof->path[i].len != VT_HASH_LEN)
			return vt_error_set(VT_ECORRUPT, "proof hash %zu is not 32 bytes", i);
		memcpy(path[i], proof->path[i].data, VT_HASH_LEN);
	}
	if (proof->size != head->size)
		return vt_error_set(VT_ESIG, "the proof is for size %" PRIu64 ", the head for %" PRIu64, proof->size,
			head->size);
	return vt_merkle_verify_inclusion(leaf, index, head->size, (const uint8_t (*)[VT_HASH_LEN])path,
		proof->n_path, head->root.data);
}
