/* Signed tree heads: Ed25519 (libsodium) over
 * "vanthu-sth-v1\0" || u8 len(origin) || origin || be64 size || be64 time || root. */
#include "store/sth.h"
#include "store/error.h"
#include "store/store.h"

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
