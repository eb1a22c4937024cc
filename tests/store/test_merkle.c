/* Tests for node/merkle.c (RFC 9162 §2.1): the certificate-transparency
 * vectors, and every proof for trees of 1..64 leaves checked against a naive
 * reference written from the RFC text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "store/error.h"
#include "store/hash.h"
#include "store/merkle.h"

#define SMALL 64 /* every tree size 1..SMALL is checked exhaustively */

/* --- in-memory store of perfect subtrees, filled by the emit callback */

typedef struct mem_tree {
	uint8_t (*level[VT_MERKLE_MAX_PATH])[VT_HASH_LEN];
	uint64_t len[VT_MERKLE_MAX_PATH], cap[VT_MERKLE_MAX_PATH];
	uint64_t limit;      /* get fails for subtrees reaching past this many leaves */
	uint64_t reads;
	uint64_t fail_after; /* get fails with VT_ECORRUPT once reads reaches this */
	uint64_t emits_left; /* emit fails with VT_EIO when this reaches 0 */
} mem_tree;

static void mem_init(mem_tree *t)
{
	memset(t, 0, sizeof(*t));
	t->limit = UINT64_MAX;
	t->fail_after = UINT64_MAX;
	t->emits_left = UINT64_MAX;
}

static void mem_dispose(mem_tree *t)
{
	for (unsigned i = 0; i < VT_MERKLE_MAX_PATH; i++)
		free(t->level[i]);
}

static int mem_emit(void *ctx, unsigned level, uint64_t index, const uint8_t hash[VT_HASH_LEN])
{
	mem_tree *t = ctx;

	if (t->emits_left == 0)
		return vt_error_set(VT_EIO, "mem_emit: injected failure");
	t->emits_left--;
	if (level >= VT_MERKLE_MAX_PATH || index != t->len[level])
		return vt_error_set(VT_ECORRUPT, "mem_emit: (%u, %" PRIu64 ") out of order", level, index);
	if (t->len[level] == t->cap[level]) {
		uint64_t cap = t->cap[level] ? 2 * t->cap[level] : 16;
		void *p = realloc(t->level[level], cap * VT_HASH_LEN);
		if (!p)
			return vt_error_set(VT_ENOMEM, "out of memory");
		t->level[level] = p;
		t->cap[level] = cap;
	}
	memcpy(t->level[level][t->len[level]++], hash, VT_HASH_LEN);
	return 0;
}

static int mem_get(void *ctx, unsigned level, uint64_t index, uint8_t out[VT_HASH_LEN])
{
	mem_tree *t = ctx;

	if (t->reads++ >= t->fail_after)
		return vt_error_set(VT_ECORRUPT, "mem_get: injected failure");
	if (level >= VT_MERKLE_MAX_PATH || index >= (t->limit >> level))
		return vt_error_set(VT_EINVAL, "mem_get: (%u, %" PRIu64 ") is outside the tree of %"
			PRIu64, level, index, t->limit);
	if (index >= t->len[level])
		return vt_error_set(VT_ENOTFOUND, "mem_get: (%u, %" PRIu64 ") not stored", level, index);
	memcpy(out, t->level[level][index], VT_HASH_LEN);
	return 0;
}

static vt_merkle_src mem_src(mem_tree *t)
{
	vt_merkle_src s = { mem_get, t };
	return s;
}

/* --- the naive reference, straight from RFC 9162 §2.1, hashing with OpenSSL
 * directly rather than through node/hash.c */

typedef struct blob {
	const uint8_t *p;
	size_t len;
} blob;

static void ref_hash(uint8_t out[VT_HASH_LEN], uint8_t prefix, const uint8_t *a, size_t alen,
	const uint8_t *b, size_t blen)
{
	uint8_t buf[1 + 2 * 64];

	assert_true(alen + blen <= 2 * 64);
	buf[0] = prefix;
	if (alen)
		memcpy(buf + 1, a, alen);
	if (blen)
		memcpy(buf + 1 + alen, b, blen);
	SHA256(buf, 1 + alen + blen, out);
}

static uint64_t ref_k(uint64_t n)
{
	uint64_t k = 1;
	while (k < n - k) /* largest power of two < n, i.e. k < n <= 2k */
		k <<= 1;
	return k;
}

/* MTH(D[n]) */
static void ref_mth(uint8_t out[VT_HASH_LEN], const blob *d, uint64_t n)
{
	uint8_t l[VT_HASH_LEN], r[VT_HASH_LEN];
	uint64_t k;

	if (n == 0) {
		SHA256((const uint8_t *)"", 0, out);
		return;
	}
	if (n == 1) {
		ref_hash(out, 0x00, d[0].p, d[0].len, NULL, 0);
		return;
	}
	k = ref_k(n);
	ref_mth(l, d, k);
	ref_mth(r, d + k, n - k);
	ref_hash(out, 0x01, l, VT_HASH_LEN, r, VT_HASH_LEN);
}

/* PATH(m, D[n]), leaf side first. With d NULL only the shape is built: 'L'
 * for a sibling on the left, 'R' for one on the right. */
static void ref_path(uint8_t (*out)[VT_HASH_LEN], char *shape, size_t *count,
	uint64_t m, const blob *d, uint64_t n)
{
	uint64_t k;

	if (n == 1) {
		*count = 0;
		shape[0] = '\0';
		return;
	}
	k = ref_k(n);
	if (m < k) {
		ref_path(out, shape, count, m, d, k);
		if (d)
			ref_mth(out[*count], d + k, n - k);
		shape[*count] = 'R';
	} else {
		ref_path(out, shape, count, m - k, d ? d + k : NULL, n - k);
		if (d)
			ref_mth(out[*count], d, k);
		shape[*count] = 'L';
	}
	shape[++*count] = '\0';
}

/* SUBPROOF(m, D[n], b). The shape starts with 'F' when the first hash seeds
 * the verifier (b true at the bottom) or 'P' when the proof carries it, then
 * 'R' for a right sibling (new root only), 'L' for a left one (both roots). */
static void ref_subproof(uint8_t (*out)[VT_HASH_LEN], char *shape, size_t *count,
	uint64_t m, const blob *d, uint64_t n, int b)
{
	uint64_t k;
	size_t len;
	char side;

	if (m == n) {
		*count = 0;
		shape[0] = b ? 'F' : 'P';
		shape[1] = '\0';
		if (!b) {
			if (d)
				ref_mth(out[0], d, n);
			*count = 1;
		}
		return;
	}
	k = ref_k(n);
	if (m <= k) {
		ref_subproof(out, shape, count, m, d, k, b);
		if (d)
			ref_mth(out[*count], d + k, n - k);
		side = 'R';
	} else {
		ref_subproof(out, shape, count, m - k, d ? d + k : NULL, n - k, 0);
		if (d)
			ref_mth(out[*count], d, k);
		side = 'L';
	}
	len = strlen(shape);
	shape[len] = side;
	shape[len + 1] = '\0';
	++*count;
}

/* PROOF(m, D[n]). The reference has no 64-hash limit: shapes may reach 65. */
static void ref_proof(uint8_t (*out)[VT_HASH_LEN], char *shape, size_t *count,
	uint64_t m, const blob *d, uint64_t n)
{
	ref_subproof(out, shape, count, m, d, n, 1);
}

/* --- fixture: SMALL leaves, stored through the frontier */

static uint8_t leaf_data[SMALL][24];
static blob leaves[SMALL];
static uint8_t leaf_hashes[SMALL][VT_HASH_LEN];
static mem_tree small_tree;
static vt_merkle_frontier frontiers[SMALL + 1]; /* frontiers[n]: after n appends */

static int setup_small(void **state)
{
	(void)state;
	mem_init(&small_tree);
	vt_merkle_frontier_init(&frontiers[0]);
	for (unsigned i = 0; i < SMALL; i++) {
		size_t len = 1 + i % 23; /* distinct leaves of assorted lengths */
		leaf_data[i][0] = (uint8_t)i;
		for (size_t j = 1; j < len; j++)
			leaf_data[i][j] = (uint8_t)(i * 31 + j * 7);
		leaves[i].p = leaf_data[i];
		leaves[i].len = len;
		vt_merkle_leaf_hash(leaf_hashes[i], leaves[i].p, leaves[i].len);
		frontiers[i + 1] = frontiers[i];
		if (vt_merkle_frontier_append(&frontiers[i + 1], leaf_hashes[i], mem_emit, &small_tree) < 0)
			return -1;
	}
	return 0;
}

static int teardown_small(void **state)
{
	(void)state;
	mem_dispose(&small_tree);
	return 0;
}

static void hx(uint8_t out[VT_HASH_LEN], const char *hex)
{
	assert_int_equal(vt_unhex(out, VT_HASH_LEN, hex), 0);
}

static void assert_hash_equal(const uint8_t *a, const uint8_t *b)
{
	if (memcmp(a, b, VT_HASH_LEN) != 0) {
		char ha[2 * VT_HASH_LEN + 1], hb[2 * VT_HASH_LEN + 1];
		vt_hex(ha, a, VT_HASH_LEN);
		vt_hex(hb, b, VT_HASH_LEN);
		fail_msg("hash %s != %s", ha, hb);
	}
}

typedef const uint8_t (*cpath)[VT_HASH_LEN];

/* --- known vectors */

static void test_empty_root(void **state)
{
	uint8_t want[VT_HASH_LEN], got[VT_HASH_LEN];
	vt_merkle_frontier f;
	vt_merkle_src src = mem_src(&small_tree);

	(void)state;
	hx(want, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	vt_merkle_empty_root(got);
	assert_hash_equal(got, want);
	vt_merkle_frontier_init(&f);
	vt_merkle_frontier_root(&f, got);
	assert_hash_equal(got, want);
	assert_int_equal(vt_merkle_root(got, &src, 0), 0);
	assert_hash_equal(got, want);
}

/* Published with certificate-transparency and transparency-dev/merkle
 * (testonly/constants.go, proof/verify_test.go). */
static const char *const ct_inputs[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};
static const char *const ct_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};
/* Stored subtrees: level, then index within the level. */
static const char *const ct_nodes[4][8] = {
	{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
		"07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
		"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		"46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
	}, {
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	}, {
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	}, {
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	},
};

struct ct_proof {
	uint64_t a, b; /* inclusion: leaf index, size; consistency: old, new */
	size_t count;
	const char *hash[3];
};

static const struct ct_proof ct_inclusion[] = {
	{ 0, 1, 0, { NULL } },
	{ 0, 8, 3, {
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 5, 8, 3, {
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 3, 1, {
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
	{ 1, 5, 3, {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
};

static const struct ct_proof ct_consistency[] = {
	{ 1, 1, 0, { NULL } },
	{ 1, 8, 3, {
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 6, 8, 3, {
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	{ 2, 5, 2, {
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	{ 6, 7, 3, {
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

static void test_ct_vectors(void **state)
{
	uint8_t data[8][16], lh[8][VT_HASH_LEN], want[VT_HASH_LEN], got[VT_HASH_LEN];
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], roots[9][VT_HASH_LEN];
	vt_merkle_frontier f;
	mem_tree t;
	vt_merkle_src src = mem_src(&t);
	size_t count;

	(void)state;
	mem_init(&t);
	vt_merkle_frontier_init(&f);
	for (unsigned n = 0; n <= 8; n++)
		hx(roots[n], ct_roots[n]);
	for (unsigned i = 0; i < 8; i++) {
		size_t len = strlen(ct_inputs[i]) / 2;
		assert_int_equal(vt_unhex(data[i], len, ct_inputs[i]), 0);
		vt_merkle_leaf_hash(lh[i], data[i], len);
		assert_int_equal(vt_merkle_frontier_append(&f, lh[i], mem_emit, &t), 0);
		vt_merkle_frontier_root(&f, got);
		assert_hash_equal(got, roots[i + 1]);
		assert_int_equal(vt_merkle_root(got, &src, i + 1), 0);
		assert_hash_equal(got, roots[i + 1]);
	}

	/* Every stored subtree is the published node hash. */
	for (unsigned level = 0; level < 4; level++) {
		assert_int_equal(t.len[level], 8u >> level);
		for (unsigned i = 0; i < (8u >> level); i++) {
			hx(want, ct_nodes[level][i]);
			assert_hash_equal(t.level[level][i], want);
		}
	}

	for (size_t c = 0; c < sizeof(ct_inclusion) / sizeof(ct_inclusion[0]); c++) {
		const struct ct_proof *p = &ct_inclusion[c];
		assert_int_equal(vt_merkle_inclusion_proof(path, &count, &src, p->a, p->b), 0);
		assert_int_equal(count, p->count);
		for (size_t j = 0; j < count; j++) {
			hx(want, p->hash[j]);
			assert_hash_equal(path[j], want);
		}
		assert_int_equal(vt_merkle_verify_inclusion(lh[p->a], p->a, p->b, (cpath)path, count,
			roots[p->b]), 0);
	}
	for (size_t c = 0; c < sizeof(ct_consistency) / sizeof(ct_consistency[0]); c++) {
		const struct ct_proof *p = &ct_consistency[c];
		assert_int_equal(vt_merkle_consistency_proof(path, &count, &src, p->a, p->b), 0);
		assert_int_equal(count, p->count);
		for (size_t j = 0; j < count; j++) {
			hx(want, p->hash[j]);
			assert_hash_equal(path[j], want);
		}
		assert_int_equal(vt_merkle_verify_consistency(p->a, p->b, roots[p->a], roots[p->b],
			(cpath)path, count), 0);
	}
	mem_dispose(&t);
}

/* --- exhaustive inclusion proofs for sizes 1..SMALL */

/* What verifying a proof of shape `shape` (made for the true index and
 * size) must give when presented as leaf `index` of a tree of `size`: the
 * RFC walk sees only the shape, so a probe with the same shape verifies. */
static int expect_inclusion(uint64_t index, uint64_t size, const char *shape)
{
	char probe[VT_MERKLE_MAX_PATH + 2];
	size_t n;

	if (index >= size)
		return VT_EINVAL;
	ref_path(NULL, probe, &n, index, NULL, size);
	if (n != strlen(shape))
		return VT_EINVAL;
	return strcmp(probe, shape) == 0 ? 0 : VT_ESIG;
}

static void test_inclusion_all(void **state)
{
	uint8_t path[VT_MERKLE_MAX_PATH + 1][VT_HASH_LEN], ref[VT_MERKLE_MAX_PATH][VT_HASH_LEN];
	uint8_t root[VT_HASH_LEN], other[VT_HASH_LEN], bad[VT_MERKLE_MAX_PATH + 1][VT_HASH_LEN];
	char shape[VT_MERKLE_MAX_PATH + 2];
	vt_merkle_src src = mem_src(&small_tree);
	size_t count, ref_count;

	(void)state;
	for (uint64_t n = 1; n <= SMALL; n++) {
		small_tree.limit = n; /* reading past the tree of n leaves is a bug */
		ref_mth(root, leaves, n);
		for (uint64_t i = 0; i < n; i++) {
			const uint8_t *leaf = leaf_hashes[i];

			ref_path(ref, shape, &ref_count, i, leaves, n);
			assert_int_equal(vt_merkle_inclusion_proof(path, &count, &src, i, n), 0);
			assert_int_equal(count, ref_count);
			for (size_t j = 0; j < count; j++)
				assert_hash_equal(path[j], ref[j]);
			assert_int_equal(vt_merkle_verify_inclusion(leaf, i, n, (cpath)path, count, root), 0);

			/* A flipped byte anywhere in the path. */
			for (size_t j = 0; j < count; j++) {
				memcpy(bad, path, count * VT_HASH_LEN);
				bad[j][(i + j * 7) % VT_HASH_LEN] ^= 0x10;
				assert_int_equal(vt_merkle_verify_inclusion(leaf, i, n, (cpath)bad, count, root),
					VT_ESIG);
			}
			/* Wrong leaf, wrong root. */
			assert_int_equal(vt_merkle_verify_inclusion(leaf_hashes[(i + 1) % SMALL], i, n,
				(cpath)path, count, root), VT_ESIG);
			ref_mth(other, leaves, n == SMALL ? n - 1 : n + 1);
			assert_int_equal(vt_merkle_verify_inclusion(leaf, i, n, (cpath)path, count, other),
				VT_ESIG);
			/* Truncated, extended at either end. */
			if (count > 0)
				assert_int_equal(vt_merkle_verify_inclusion(leaf, i, n, (cpath)path, count - 1,
					root), VT_EINVAL);
			memcpy(path[count], root, VT_HASH_LEN);
			assert_int_equal(vt_merkle_verify_inclusion(leaf, i, n, (cpath)path, count + 1, root),
				VT_EINVAL);
			memcpy(bad[0], leaf, VT_HASH_LEN);
			memcpy(bad[1], path, count * VT_HASH_LEN);
			assert_int_equal(vt_merkle_verify_inclusion(leaf, i, n, (cpath)bad, count + 1, root),
				VT_EINVAL);

			/* Wrong index and/or size: fails unless the probe has the
			 * same shape (then the walk is the same computation). */
			const uint64_t idx[] = { i, i - 1, i + 1, i ^ 1, i ^ 2, n, n + 5 };
			const uint64_t sz[] = { n, n - 1, n + 1, 2 * n, n / 2, n + 7 };
			for (size_t a = 0; a < sizeof(idx) / sizeof(idx[0]); a++) {
				for (size_t b = 0; b < sizeof(sz) / sizeof(sz[0]); b++) {
					if ((idx[a] == i && sz[b] == n) || idx[a] == UINT64_MAX)
						continue;
					int want = expect_inclusion(idx[a], sz[b], shape);
					int got = vt_merkle_verify_inclusion(leaf, idx[a], sz[b], (cpath)path,
						count, root);
					if (got != want)
						fail_msg("leaf %" PRIu64 "/%" PRIu64 " probed as %" PRIu64 "/%" PRIu64
							": got %d want %d (%s)", i, n, idx[a], sz[b], got, want,
							vt_error_last());
					/* Same size, other index: never the same shape. */
					if (sz[b] == n)
						assert_int_not_equal(got, 0);
				}
			}
		}
	}
	small_tree.limit = UINT64_MAX;
}

/* --- exhaustive consistency proofs for 1 <= m <= n <= SMALL */

static int expect_consistency(uint64_t m, uint64_t n, const uint8_t *r1, const uint8_t *r2,
	size_t count, const char *shape)
{
	char probe[VT_MERKLE_MAX_PATH + 3];
	size_t want;

	if (m == 0 || m > n)
		return VT_EINVAL;
	if (m == n) {
		if (count)
			return VT_EINVAL;
		return memcmp(r1, r2, VT_HASH_LEN) == 0 ? 0 : VT_ESIG;
	}
	ref_proof(NULL, probe, &want, m, NULL, n);
	if (want != count)
		return VT_EINVAL;
	return strcmp(probe, shape) == 0 ? 0 : VT_ESIG;
}

static void test_consistency_all(void **state)
{
	uint8_t path[VT_MERKLE_MAX_PATH + 1][VT_HASH_LEN], ref[VT_MERKLE_MAX_PATH][VT_HASH_LEN];
	uint8_t bad[VT_MERKLE_MAX_PATH + 1][VT_HASH_LEN], roots[SMALL + 1][VT_HASH_LEN];
	uint8_t garbage[VT_HASH_LEN];
	char shape[VT_MERKLE_MAX_PATH + 3];
	vt_merkle_src src = mem_src(&small_tree);
	size_t count, ref_count;

	(void)state;
	memset(garbage, 0xab, sizeof(garbage));
	for (uint64_t n = 0; n <= SMALL; n++)
		ref_mth(roots[n], leaves, n);

	for (uint64_t n = 1; n <= SMALL; n++) {
		small_tree.limit = n;
		for (uint64_t m = 1; m <= n; m++) {
			const uint8_t *r1 = roots[m], *r2 = roots[n];

			ref_proof(ref, shape, &ref_count, m, leaves, n);
			assert_int_equal(vt_merkle_consistency_proof(path, &count, &src, m, n), 0);
			assert_int_equal(count, ref_count);
			for (size_t j = 0; j < count; j++)
				assert_hash_equal(path[j], ref[j]);
			assert_int_equal(vt_merkle_verify_consistency(m, n, r1, r2, (cpath)path, count), 0);

			if (m == n) {
				assert_int_equal(count, 0);
				assert_int_equal(vt_merkle_verify_consistency(m, n, r1, garbage, NULL, 0),
					VT_ESIG);
				assert_int_equal(vt_merkle_verify_consistency(m, n, r1, r2,
					(cpath)&garbage, 1), VT_EINVAL);
				continue;
			}

			for (size_t j = 0; j < count; j++) {
				memcpy(bad, path, count * VT_HASH_LEN);
				bad[j][(m + n + j) % VT_HASH_LEN] ^= 0x01;
				assert_int_equal(vt_merkle_verify_consistency(m, n, r1, r2, (cpath)bad, count),
					VT_ESIG);
			}
			assert_int_equal(vt_merkle_verify_consistency(m, n, garbage, r2, (cpath)path, count),
				VT_ESIG);
			assert_int_equal(vt_merkle_verify_consistency(m, n, r1, garbage, (cpath)path, count),
				VT_ESIG);
			assert_int_equal(vt_merkle_verify_consistency(m, n, r2, r1, (cpath)path, count),
				VT_ESIG);
			/* Empty, truncated, extended, prepended. */
			assert_int_equal(vt_merkle_verify_consistency(m, n, r1, r2, NULL, 0), VT_EINVAL);
			assert_int_equal(vt_merkle_verify_consistency(m, n, r1, r2, (cpath)path, count - 1),
				VT_EINVAL);
			memcpy(path[count], r2, VT_HASH_LEN);
			assert_int_equal(vt_merkle_verify_consistency(m, n, r1, r2, (cpath)path, count + 1),
				VT_EINVAL);
			memcpy(bad[0], r1, VT_HASH_LEN);
			memcpy(bad[1], path, count * VT_HASH_LEN);
			assert_int_equal(vt_merkle_verify_consistency(m, n, r1, r2, (cpath)bad, count + 1),
				VT_EINVAL);

			/* Wrong sizes: fail unless the probe has the same shape. */
			const uint64_t olds[] = { m, m - 1, m + 1, m ^ 1, m ^ 2, 0 };
			const uint64_t news[] = { n, n - 1, n + 1, 2 * n, n / 2 };
			for (size_t a = 0; a < sizeof(olds) / sizeof(olds[0]); a++) {
				for (size_t b = 0; b < sizeof(news) / sizeof(news[0]); b++) {
					if (olds[a] == m && news[b] == n)
						continue;
					int want = expect_consistency(olds[a], news[b], r1, r2, count, shape);
					int got = vt_merkle_verify_consistency(olds[a], news[b], r1, r2,
						(cpath)path, count);
					if (got != want)
						fail_msg("%" PRIu64 " -> %" PRIu64 " probed as %" PRIu64 " -> %" PRIu64
							": got %d want %d (%s)", m, n, olds[a], news[b], got, want,
							vt_error_last());
					if (news[b] == n)
						assert_int_not_equal(got, 0);
				}
			}
		}
	}
	small_tree.limit = UINT64_MAX;
}

static void test_roots_and_frontier(void **state)
{
	uint8_t want[VT_HASH_LEN], got[VT_HASH_LEN];
	vt_merkle_src src = mem_src(&small_tree);
	vt_merkle_frontier f;

	(void)state;
	for (uint64_t n = 0; n <= SMALL; n++) {
		small_tree.limit = n;
		small_tree.reads = 0;
		ref_mth(want, leaves, n);
		assert_int_equal(vt_merkle_root(got, &src, n), 0);
		assert_hash_equal(got, want);
		assert_int_equal(small_tree.reads, (uint64_t)__builtin_popcountll(n));
		vt_merkle_frontier_root(&frontiers[n], got);
		assert_hash_equal(got, want);

		memset(&f, 0x5a, sizeof(f));
		assert_int_equal(vt_merkle_frontier_load(&f, &src, n), 0);
		assert_int_equal(f.size, n);
		for (unsigned level = 0; level < VT_MERKLE_MAX_PATH; level++)
			if ((n >> level) & 1)
				assert_memory_equal(f.hash[level], frontiers[n].hash[level], VT_HASH_LEN);
		vt_merkle_frontier_root(&f, got);
		assert_hash_equal(got, want);

		/* A loaded frontier keeps growing like the original. */
		if (n < SMALL) {
			uint8_t a[VT_HASH_LEN], b[VT_HASH_LEN];
			vt_merkle_frontier g = frontiers[n];
			assert_int_equal(vt_merkle_frontier_append(&f, leaf_hashes[n], NULL, NULL), 0);
			assert_int_equal(vt_merkle_frontier_append(&g, leaf_hashes[n], NULL, NULL), 0);
			vt_merkle_frontier_root(&f, a);
			vt_merkle_frontier_root(&g, b);
			assert_hash_equal(a, b);
		}
	}
	small_tree.limit = UINT64_MAX;
}

/* --- argument and source errors */

static void test_argument_errors(void **state)
{
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], h[VT_HASH_LEN] = { 0 };
	vt_merkle_src src = mem_src(&small_tree);
	size_t count = 99;

	(void)state;
	assert_int_equal(vt_merkle_inclusion_proof(path, &count, &src, 5, 5), VT_EINVAL);
	assert_int_equal(count, 0);
	assert_non_null(strstr(vt_error_last(), "leaf index 5"));
	assert_int_equal(vt_merkle_inclusion_proof(path, &count, &src, 0, 0), VT_EINVAL);
	assert_int_equal(vt_merkle_consistency_proof(path, &count, &src, 0, 5), VT_EINVAL);
	assert_int_equal(vt_merkle_consistency_proof(path, &count, &src, 6, 5), VT_EINVAL);
	assert_int_equal(vt_merkle_consistency_proof(path, &count, &src, 0, 0), VT_EINVAL);
	assert_int_equal(count, 0);

	assert_int_equal(vt_merkle_verify_inclusion(h, 5, 5, NULL, 0, h), VT_EINVAL);
	assert_int_equal(vt_merkle_verify_inclusion(h, 0, 0, NULL, 0, h), VT_EINVAL);
	assert_int_equal(vt_merkle_verify_consistency(0, 5, h, h, NULL, 0), VT_EINVAL);
	assert_int_equal(vt_merkle_verify_consistency(0, 0, h, h, NULL, 0), VT_EINVAL);
	assert_int_equal(vt_merkle_verify_consistency(6, 5, h, h, NULL, 0), VT_EINVAL);

	/* Messages say what did not match. */
	assert_int_equal(vt_merkle_verify_consistency(5, 8, h, h, (cpath)path, 2), VT_EINVAL);
	assert_string_equal(vt_error_last(), "consistency proof for 5 -> 8 has 2 hashes, expected 4");
	assert_int_equal(vt_merkle_verify_inclusion(h, 2, 8, (cpath)path, 4, h), VT_EINVAL);
	assert_string_equal(vt_error_last(),
		"inclusion proof for leaf 2 in a tree of 8 has 4 hashes, expected 3");
	assert_int_equal(vt_merkle_verify_inclusion(h, 0, 1, NULL, 0, leaf_hashes[0]), VT_ESIG);
	assert_string_equal(vt_error_last(),
		"inclusion proof: computed root differs from expected root");
	assert_int_equal(vt_merkle_verify_inclusion(h, 0, 1, NULL, 0, h), 0);
}

enum src_op { OP_INCLUSION, OP_CONSISTENCY, OP_ROOT, OP_LOAD, OP_COUNT };

static int run_op(enum src_op op, const vt_merkle_src *src, vt_merkle_frontier *f)
{
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], h[VT_HASH_LEN];
	size_t count = 99;
	int err = 0;

	switch (op) {
	case OP_INCLUSION:
		err = vt_merkle_inclusion_proof(path, &count, src, 5, 63);
		break;
	case OP_CONSISTENCY:
		err = vt_merkle_consistency_proof(path, &count, src, 5, 63);
		break;
	case OP_ROOT:
		return vt_merkle_root(h, src, 63);
	default:
		return vt_merkle_frontier_load(f, src, 63);
	}
	if (err < 0)
		assert_int_equal(count, 0);
	return err;
}

static void test_src_errors(void **state)
{
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], h[VT_HASH_LEN];
	vt_merkle_src src = mem_src(&small_tree);
	vt_merkle_frontier f, before;
	size_t count;
	mem_tree t;

	(void)state;
	/* Whichever read fails, its code comes back unchanged. */
	for (int op = 0; op < OP_COUNT; op++) {
		uint64_t total;

		small_tree.reads = 0;
		assert_int_equal(run_op(op, &src, &f), 0);
		total = small_tree.reads;
		assert_true(total > 0);
		for (uint64_t k = 0; k < total; k++) {
			small_tree.reads = 0;
			small_tree.fail_after = k;
			memset(&f, 0x11, sizeof(f));
			before = f;
			vt_error_clear();
			assert_int_equal(run_op(op, &src, &f), VT_ECORRUPT);
			assert_string_equal(vt_error_last(), "mem_get: injected failure");
			assert_memory_equal(&f, &before, sizeof(f));
		}
		small_tree.fail_after = UINT64_MAX;
	}

	/* Not found passes through too (the tree holds SMALL leaves only). */
	assert_int_equal(vt_merkle_root(h, &src, SMALL + 1), VT_ENOTFOUND);
	assert_int_equal(vt_merkle_inclusion_proof(path, &count, &src, 0, SMALL + 3), VT_ENOTFOUND);

	/* A failing emit, at each of the leaf's emits, leaves the frontier as it was. */
	for (uint64_t k = 0; k < 4; k++) {
		mem_init(&t);
		vt_merkle_frontier_init(&f);
		for (unsigned i = 0; i < 7; i++)
			assert_int_equal(vt_merkle_frontier_append(&f, leaf_hashes[i], mem_emit, &t), 0);
		before = f;
		t.emits_left = k; /* the 8th leaf emits levels 0..3 */
		assert_int_equal(vt_merkle_frontier_append(&f, leaf_hashes[7], mem_emit, &t), VT_EIO);
		assert_memory_equal(&f, &before, sizeof(f));
		t.emits_left = UINT64_MAX;
		mem_dispose(&t);
	}

	/* A full tree takes no more leaves. */
	vt_merkle_frontier_init(&f);
	f.size = UINT64_MAX;
	assert_int_equal(vt_merkle_frontier_append(&f, leaf_hashes[0], NULL, NULL), VT_EINVAL);
	assert_int_equal(f.size, UINT64_MAX);
}

/* --- sizes up to 2^64 - 1, with every leaf the same hash so that any
 * perfect subtree's hash is known without storing it */

static uint8_t uniform[VT_MERKLE_MAX_PATH][VT_HASH_LEN];

static int uniform_get(void *ctx, unsigned level, uint64_t index, uint8_t out[VT_HASH_LEN])
{
	uint64_t *reads = ctx;

	(void)index;
	(*reads)++;
	if (level >= VT_MERKLE_MAX_PATH)
		return vt_error_set(VT_EINVAL, "uniform_get: level %u", level);
	memcpy(out, uniform[level], VT_HASH_LEN);
	return 0;
}

static void test_huge_sizes(void **state)
{
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], r1[VT_HASH_LEN], r2[VT_HASH_LEN];
	char shape[VT_MERKLE_MAX_PATH + 3];
	const uint64_t sizes[] = {
		1, 2, 3, 5, 1000, ((uint64_t)1 << 32) - 1, (uint64_t)1 << 32, ((uint64_t)1 << 32) + 1,
		((uint64_t)1 << 63) - 1, (uint64_t)1 << 63, ((uint64_t)1 << 63) + 1,
		0x9e3779b97f4a7c15ull, ((uint64_t)1 << 63) + ((uint64_t)1 << 62) + 1,
		UINT64_MAX - 1, UINT64_MAX,
	};
	const size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
	uint64_t reads = 0;
	vt_merkle_src src = { uniform_get, &reads };
	size_t count, ref_count;
	int seen_overlong = 0;

	(void)state;
	vt_merkle_leaf_hash(uniform[0], "x", 1);
	for (unsigned l = 1; l < VT_MERKLE_MAX_PATH; l++)
		vt_merkle_node_hash(uniform[l], uniform[l - 1], uniform[l - 1]);

	for (size_t s = 0; s < nsizes; s++) {
		uint64_t n = sizes[s];
		const uint64_t idx[] = { 0, 1, n / 2, n / 3, n - 2, n - 1 };
		vt_merkle_frontier f;

		assert_int_equal(vt_merkle_root(r2, &src, n), 0);
		assert_int_equal(vt_merkle_frontier_load(&f, &src, n), 0);
		vt_merkle_frontier_root(&f, r1);
		assert_hash_equal(r1, r2);
		for (size_t a = 0; a < sizeof(idx) / sizeof(idx[0]); a++) {
			if (idx[a] >= n)
				continue;
			reads = 0;
			assert_int_equal(vt_merkle_inclusion_proof(path, &count, &src, idx[a], n), 0);
			ref_path(NULL, shape, &ref_count, idx[a], NULL, n);
			assert_int_equal(count, ref_count);
			assert_true(reads <= 2 * VT_MERKLE_MAX_PATH);
			assert_int_equal(vt_merkle_verify_inclusion(uniform[0], idx[a], n, (cpath)path,
				count, r2), 0);
		}
		for (size_t o = 0; o <= s; o++) {
			uint64_t m = sizes[o];

			assert_int_equal(vt_merkle_root(r1, &src, m), 0);
			ref_proof(NULL, shape, &ref_count, m, NULL, n);
			reads = 0;
			int err = vt_merkle_consistency_proof(path, &count, &src, m, n);
			if (ref_count > VT_MERKLE_MAX_PATH) {
				/* Only past 2^63 leaves: one more hash than the header allows. */
				assert_int_equal(err, VT_EINVAL);
				assert_non_null(strstr(vt_error_last(), "needs more than 64 hashes"));
				seen_overlong = 1;
				continue;
			}
			assert_int_equal(err, 0);
			assert_int_equal(count, ref_count);
			assert_true(reads <= 2 * VT_MERKLE_MAX_PATH);
			assert_int_equal(vt_merkle_verify_consistency(m, n, r1, r2, (cpath)path, count), 0);
		}
	}
	assert_true(seen_overlong);
	ref_proof(NULL, shape, &ref_count, ((uint64_t)1 << 63) + 1, NULL, UINT64_MAX);
	assert_int_equal(ref_count, VT_MERKLE_MAX_PATH + 1);
	assert_int_equal(vt_merkle_consistency_proof(path, &count, &src, ((uint64_t)1 << 63) + 1,
		UINT64_MAX), VT_EINVAL);
}

/* --- one large tree in memory */

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_large_tree(void **state)
{
	const uint64_t n = ((uint64_t)1 << 20) + 12345;
	const int rounds = 400;
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], root[VT_HASH_LEN], old[VT_HASH_LEN];
	uint8_t leaf[VT_HASH_LEN], h[VT_HASH_LEN];
	uint64_t seed = 0x2545f4914f6cdd1dull, max_incl = 0, max_cons = 0, sum_incl = 0, sum_cons = 0;
	double t_incl = 0, t_cons = 0, t0;
	vt_merkle_frontier f;
	mem_tree t;
	vt_merkle_src src = mem_src(&t);
	size_t count;

	(void)state;
	mem_init(&t);
	vt_merkle_frontier_init(&f);
	for (uint64_t i = 0; i < n; i++) {
		vt_merkle_leaf_hash(leaf, &i, sizeof(i));
		assert_int_equal(vt_merkle_frontier_append(&f, leaf, mem_emit, &t), 0);
	}
	vt_merkle_frontier_root(&f, root);
	assert_int_equal(vt_merkle_root(h, &src, n), 0);
	assert_hash_equal(h, root);

	for (int r = 0; r < rounds; r++) {
		uint64_t i = r == 0 ? 0 : r == 1 ? n - 1 : xorshift(&seed) % n;
		uint64_t m = r == 0 ? 1 : r == 1 ? n : r < 22 ? (uint64_t)1 << (r - 2) : 1 + xorshift(&seed) % n;

		t.reads = 0;
		t0 = now();
		assert_int_equal(vt_merkle_inclusion_proof(path, &count, &src, i, n), 0);
		t_incl += now() - t0;
		sum_incl += t.reads;
		if (t.reads > max_incl)
			max_incl = t.reads;
		vt_merkle_leaf_hash(leaf, &i, sizeof(i));
		assert_int_equal(vt_merkle_verify_inclusion(leaf, i, n, (cpath)path, count, root), 0);

		assert_int_equal(vt_merkle_root(old, &src, m), 0);
		t.reads = 0;
		t0 = now();
		assert_int_equal(vt_merkle_consistency_proof(path, &count, &src, m, n), 0);
		t_cons += now() - t0;
		sum_cons += t.reads;
		if (t.reads > max_cons)
			max_cons = t.reads;
		assert_int_equal(vt_merkle_verify_consistency(m, n, old, root, (cpath)path, count), 0);
		if (m != n)
			assert_int_not_equal(vt_merkle_verify_consistency(m, n, root, root, (cpath)path,
				count), 0);
	}
	/* ~21 levels: about one read per hash plus one imperfect sibling. */
	assert_true(max_incl <= 2 * 21);
	assert_true(max_cons <= 2 * 21 + 1);
	print_message("    %" PRIu64 " leaves: inclusion reads max %" PRIu64 " avg %.1f, %.1f us/proof;"
		" consistency reads max %" PRIu64 " avg %.1f, %.1f us/proof (in-memory reads)\n",
		n, max_incl, (double)sum_incl / rounds, t_incl / rounds * 1e6,
		max_cons, (double)sum_cons / rounds, t_cons / rounds * 1e6);
	mem_dispose(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_root),
		cmocka_unit_test(test_ct_vectors),
		cmocka_unit_test(test_inclusion_all),
		cmocka_unit_test(test_consistency_all),
		cmocka_unit_test(test_roots_and_frontier),
		cmocka_unit_test(test_argument_errors),
		cmocka_unit_test(test_src_errors),
		cmocka_unit_test(test_huge_sizes),
		cmocka_unit_test(test_large_tree),
	};
	return cmocka_run_group_tests(tests, setup_small, teardown_small);
}
