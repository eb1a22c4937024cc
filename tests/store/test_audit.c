/* Tests for the auditor's checks of node/store/sth.c: a signed head, a head
 * co-signed by the hub, an inclusion proof in a head. One good case of
 * each, then each thing an auditor could be shown wrong, refused with its
 * code. The proofs are made here from the RFC 9162 definitions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "store/error.h"
#include "store/merkle.h"
#include "store/sth.h"

#define ORIGIN "000.00.31.H54"
#define LEAVES 5
#define INDEX 3


/* Everything an auditor is shown, as a node and its hub would send it. */
typedef struct shown {
	uint8_t pk[32], sk[64], hub_pk[32], hub_sk[64], other_pk[32], other_sk[64];
	uint8_t leaf[LEAVES][VT_HASH_LEN], root[VT_HASH_LEN], sig[64], kid[8];
	Vanthu__V1__TreeHead head;
	uint8_t cosig_sig[64];
	Vanthu__V1__CoSignature cosig;
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN];
	ProtobufCBinaryData path_bytes[VT_MERKLE_MAX_PATH];
	Vanthu__V1__InclusionProof proof;
	uint64_t index;
	char origin[32];
} shown;

/* ---- RFC 9162 §2.1.1 and §2.1.3.1, recursively */

static uint64_t split(uint64_t n)
{
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

static void mth(uint8_t out[VT_HASH_LEN], uint8_t (*d)[VT_HASH_LEN], uint64_t n)
{
	uint8_t l[VT_HASH_LEN], r[VT_HASH_LEN];
	uint64_t k;
	if (n == 1) {
		memcpy(out, d[0], VT_HASH_LEN);
		return;
	}
	k = split(n);
	mth(l, d, k);
	mth(r, d + k, n - k);
	vt_merkle_node_hash(out, l, r);
}

static void path_of(uint8_t (*out)[VT_HASH_LEN], size_t *count, uint64_t m, uint8_t (*d)[VT_HASH_LEN], uint64_t n)
{
	uint64_t k;
	if (n == 1)
		return;
	k = split(n);
	if (m < k) {
		path_of(out, count, m, d, k);
		mth(out[(*count)++], d + k, n - k);
	} else {
		path_of(out, count, m - k, d + k, n - k);
		mth(out[(*count)++], d, k);
	}
}

static void cosign(shown *s, const uint8_t hub_sk[64])
{
	uint8_t msg[600];
	size_t n = vt_cosig_message(msg, sizeof(msg), &s->head);
	assert_true(n > 0);
	crypto_sign_detached(s->cosig_sig, NULL, msg, n, hub_sk);
}

static void show(shown *s)
{
	size_t count = 0;
	memset(s, 0, sizeof(*s));
	crypto_sign_keypair(s->pk, s->sk);
	crypto_sign_keypair(s->hub_pk, s->hub_sk);
	crypto_sign_keypair(s->other_pk, s->other_sk);
	for (int i = 0; i < LEAVES; i++) {
		char entry[32];
		snprintf(entry, sizeof(entry), "entry %d", i);
		vt_merkle_leaf_hash(s->leaf[i], entry, strlen(entry));
	}
	mth(s->root, s->leaf, LEAVES);
	snprintf(s->origin, sizeof(s->origin), "%s", ORIGIN);
	vanthu__v1__tree_head__init(&s->head);
	s->head.origin = s->origin;
	s->head.size = LEAVES;
	s->head.time = 1700000000000000;
	s->head.root.data = s->root;
	s->head.root.len = VT_HASH_LEN;
	vt_sth_sign(&s->head, s->sk, s->sig, s->kid);
	vanthu__v1__co_signature__init(&s->cosig);
	s->cosig.hub = "hub";
	s->cosig.signature.data = s->cosig_sig;
	s->cosig.signature.len = 64;
	cosign(s, s->hub_sk);
	s->index = INDEX;
	path_of(s->path, &count, INDEX, s->leaf, LEAVES);
	for (size_t i = 0; i < count; i++) {
		s->path_bytes[i].data = s->path[i];
		s->path_bytes[i].len = VT_HASH_LEN;
	}
	vanthu__v1__inclusion_proof__init(&s->proof);
	s->proof.index = INDEX;
	s->proof.size = LEAVES;
	s->proof.path = s->path_bytes;
	s->proof.n_path = count;
}

/* ---- what goes wrong */

static void nothing(shown *s) { (void)s; }
static void head_by_other_key(shown *s) { vt_sth_sign(&s->head, s->other_sk, s->sig, s->kid); }
static void head_signature_flipped(shown *s) { s->sig[10] ^= 1; }
static void head_size_edited(shown *s) { s->head.size = LEAVES + 1; }
static void head_root_edited(shown *s) { s->root[0] ^= 1; }
static void head_of_other_origin(shown *s) { s->origin[0] = '9'; }
static void cosig_by_other_hub(shown *s) { cosign(s, s->other_sk); }
static void cosig_flipped(shown *s) { s->cosig_sig[5] ^= 1; }
static void cosig_short(shown *s) { s->cosig.signature.len = 63; }
static void head_resigned(shown *s) { s->head.time++; vt_sth_sign(&s->head, s->sk, s->sig, s->kid); }
static void proof_hash_flipped(shown *s) { s->path[1][7] ^= 1; }
static void proof_other_index(shown *s) { s->index = INDEX - 1; }
static void proof_other_size(shown *s) { s->proof.size = LEAVES - 1; }
static void proof_hash_short(shown *s) { s->path_bytes[0].len = 31; }
static void proof_too_short(shown *s) { s->proof.n_path--; }
static void proof_index_beyond(shown *s) { s->index = LEAVES; }

enum check { HEAD, COSIGNED, INCLUSION };

static const struct audit_case {
	const char *name;
	enum check check;
	void (*spoil)(shown *s);
	int code;           /* 0: accepted */
	const char *msg;    /* in the message when refused */
} cases[] = {
	{ "good head", HEAD, nothing, 0, NULL },
	{ "head signed by another key", HEAD, head_by_other_key, VT_ESIG, "another key" },
	{ "head signature flipped", HEAD, head_signature_flipped, VT_ESIG, "does not verify" },
	{ "head size edited", HEAD, head_size_edited, VT_ESIG, "does not verify" },
	{ "head root edited", HEAD, head_root_edited, VT_ESIG, "does not verify" },
	{ "head of another origin", HEAD, head_of_other_origin, VT_ESIG, "not " ORIGIN },
	{ "good co-signed head", COSIGNED, nothing, 0, NULL },
	{ "co-signed head, bad head signature", COSIGNED, head_signature_flipped, VT_ESIG, "tree head" },
	{ "co-signed by another hub", COSIGNED, cosig_by_other_hub, VT_ESIG, "co-signature" },
	{ "co-signature flipped", COSIGNED, cosig_flipped, VT_ESIG, "co-signature" },
	{ "co-signature short", COSIGNED, cosig_short, VT_ESIG, "co-signature" },
	{ "co-signature of an earlier head", COSIGNED, head_resigned, VT_ESIG, "co-signature" },
	{ "good inclusion proof", INCLUSION, nothing, 0, NULL },
	{ "proof hash flipped", INCLUSION, proof_hash_flipped, VT_ESIG, "" },
	{ "proof of another index", INCLUSION, proof_other_index, VT_ESIG, "" },
	{ "proof for another size", INCLUSION, proof_other_size, VT_ESIG, "size" },
	{ "proof hash of 31 bytes", INCLUSION, proof_hash_short, VT_ECORRUPT, "32 bytes" },
	{ "proof one hash short", INCLUSION, proof_too_short, VT_EINVAL, "" },
	{ "proof of an index beyond the tree", INCLUSION, proof_index_beyond, VT_EINVAL, "" },
	{ "proof in an edited head", INCLUSION, head_root_edited, VT_ESIG, "" },
};

static int run(const struct audit_case *c, shown *s)
{
	switch (c->check) {
	case HEAD:
		return vt_audit_check_head(&s->head, ORIGIN, s->pk);
	case COSIGNED:
		return vt_audit_check_cosigned(&s->head, &s->cosig, ORIGIN, s->pk, s->hub_pk);
	case INCLUSION:
		return vt_audit_check_inclusion(&s->head, s->index, s->leaf[INDEX], &s->proof);
	}
	return VT_ERROR;
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct audit_case *c = &cases[i];
		shown s;
		int rc;
		show(&s);
		c->spoil(&s);
		vt_error_clear();
		rc = run(c, &s);
		if (c->code == 0) {
			if (rc != 0)
				fail_msg("%s: refused: %d (%s) %s", c->name, rc, vt_error_name(rc), vt_error_last());
		} else if (rc != c->code || !*vt_error_last() || !strstr(vt_error_last(), c->msg)) {
			fail_msg("%s: got %d (%s) '%s', want %d (%s) with '%s'", c->name, rc, vt_error_name(rc),
				vt_error_last(), c->code, vt_error_name(c->code), c->msg);
		}
	}
}

/* What is not there is refused, never dereferenced. */
static void test_missing(void **state)
{
	shown s;
	(void)state;
	show(&s);
	assert_vt_error(vt_audit_check_head(NULL, ORIGIN, s.pk), VT_ECORRUPT, "no signed tree head");
	assert_vt_error(vt_audit_check_cosigned(NULL, &s.cosig, ORIGIN, s.pk, s.hub_pk), VT_ECORRUPT, "tree head");
	assert_vt_error(vt_audit_check_cosigned(&s.head, NULL, ORIGIN, s.pk, s.hub_pk), VT_ECORRUPT, "not co-signed");
	assert_vt_error(vt_audit_check_inclusion(NULL, INDEX, s.leaf[INDEX], &s.proof), VT_ECORRUPT, "tree head");
	assert_vt_error(vt_audit_check_inclusion(&s.head, INDEX, s.leaf[INDEX], NULL), VT_ECORRUPT, "proof");
	/* any origin when none is asked for */
	s.origin[0] = '9';
	vt_sth_sign(&s.head, s.sk, s.sig, s.kid);
	assert_int_equal(vt_audit_check_head(&s.head, NULL, s.pk), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_missing),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
