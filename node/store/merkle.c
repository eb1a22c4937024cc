/* RFC 9162 §2.1 Merkle tree hashing, tree heads from stored perfect subtrees,
 * inclusion and consistency proofs (§2.1.3.1, §2.1.4.1) and their verifiers
 * (§2.1.3.2, §2.1.4.2). */
#include "store/merkle.h"
#include "store/error.h"

#include <inttypes.h>
#include <string.h>

void vt_merkle_leaf_hash(uint8_t out[VT_HASH_LEN], const void *data, size_t len)
{
	static const uint8_t prefix = 0x00;
	vt_sha256_2(out, &prefix, 1, data, len);
}

void vt_merkle_node_hash(uint8_t out[VT_HASH_LEN], const uint8_t left[VT_HASH_LEN],
	const uint8_t right[VT_HASH_LEN])
{
	uint8_t buf[1 + 2 * VT_HASH_LEN];

	/* Copy first: out may be left or right. */
	buf[0] = 0x01;
	memcpy(buf + 1, left, VT_HASH_LEN);
	memcpy(buf + 1 + VT_HASH_LEN, right, VT_HASH_LEN);
	vt_sha256(out, buf, sizeof(buf));
}

void vt_merkle_empty_root(uint8_t out[VT_HASH_LEN])
{
	vt_sha256(out, NULL, 0);
}

/* The k of RFC 9162: the largest power of two smaller than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

/* MTH(D[start:end]) for start < end, start a multiple of the smallest power
 * of two >= end - start (true of every subtree RFC 9162's recursion visits).
 * The range is then a run of perfect subtrees, one per set bit of its size,
 * largest first, and its hash is their right fold: one read per set bit. */
static int range_hash(uint8_t out[VT_HASH_LEN], const vt_merkle_src *src,
	uint64_t start, uint64_t end)
{
	uint64_t rest = end - start, pos = end;
	uint8_t left[VT_HASH_LEN];
	int err = 0, first = 1;

	while (rest) {
		unsigned level = (unsigned)__builtin_ctzll(rest);

		pos -= (uint64_t)1 << level;
		if ((err = src->get(src->ctx, level, pos >> level, first ? out : left)) < 0)
			goto out;
		if (!first)
			vt_merkle_node_hash(out, left, out);
		first = 0;
		rest &= rest - 1;
	}
	err = 0;

out:
	return err;
}

static void path_reverse(uint8_t path[][VT_HASH_LEN], size_t n)
{
	uint8_t tmp[VT_HASH_LEN];

	for (size_t i = 0; i < n / 2; i++) {
		memcpy(tmp, path[i], VT_HASH_LEN);
		memcpy(path[i], path[n - 1 - i], VT_HASH_LEN);
		memcpy(path[n - 1 - i], tmp, VT_HASH_LEN);
	}
}

void vt_merkle_frontier_init(vt_merkle_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

int vt_merkle_frontier_append(vt_merkle_frontier *f, const uint8_t leaf[VT_HASH_LEN],
	vt_merkle_emit_fn emit, void *emit_ctx)
{
	uint64_t index = f->size;
	uint8_t h[VT_HASH_LEN];
	unsigned level = 0;
	int err = 0;

	if (index == UINT64_MAX) {
		err = vt_error_set(VT_EINVAL, "merkle tree is full (%" PRIu64 " leaves)", index);
		goto out;
	}

	memcpy(h, leaf, VT_HASH_LEN);
	if (emit && (err = emit(emit_ctx, 0, index, h)) < 0)
		goto out;

	/* Each trailing one bit of index is a left sibling this leaf completes.
	 * index < UINT64_MAX has a zero bit, so level stays below 64. */
	while ((index >> level) & 1) {
		vt_merkle_node_hash(h, f->hash[level], h);
		level++;
		if (emit && (err = emit(emit_ctx, level, index >> level, h)) < 0)
			goto out;
	}

	/* Commit only now, so that a failed emit leaves f as it was. */
	memcpy(f->hash[level], h, VT_HASH_LEN);
	memset(f->hash, 0, (size_t)level * VT_HASH_LEN);
	f->size = index + 1;
	err = 0;

out:
	return err;
}

void vt_merkle_frontier_root(const vt_merkle_frontier *f, uint8_t out[VT_HASH_LEN])
{
	int first = 1;

	if (!f->size) {
		vt_merkle_empty_root(out);
		return;
	}
	/* Right fold: the smallest subtree is the rightmost. */
	for (unsigned level = 0; level < VT_MERKLE_MAX_PATH; level++) {
		if (!((f->size >> level) & 1))
			continue;
		if (first)
			memcpy(out, f->hash[level], VT_HASH_LEN);
		else
			vt_merkle_node_hash(out, f->hash[level], out);
		first = 0;
	}
}

int vt_merkle_frontier_load(vt_merkle_frontier *f, const vt_merkle_src *src, uint64_t size)
{
	vt_merkle_frontier tmp;
	int err = 0;

	vt_merkle_frontier_init(&tmp);
	for (unsigned level = 0; level < VT_MERKLE_MAX_PATH; level++) {
		if (!((size >> level) & 1))
			continue;
		/* The subtree for bit `level` ends where the lower bits begin. */
		if ((err = src->get(src->ctx, level, (size >> level) - 1, tmp.hash[level])) < 0)
			goto out;
	}
	tmp.size = size;
	*f = tmp;
	err = 0;

out:
	return err;
}

int vt_merkle_root(uint8_t out[VT_HASH_LEN], const vt_merkle_src *src, uint64_t size)
{
	if (!size) {
		vt_merkle_empty_root(out);
		return 0;
	}
	return range_hash(out, src, 0, size);
}

/*
 * Proofs walk down RFC 9162's recursion from the root, keeping the range
 * [lo, hi) being split. Every sibling is either a left half (perfect: one
 * read) or a right half [lo + k, hi). A right half is imperfect only until
 * the walk first turns left, after which every range is perfect, so one
 * proof costs about one read per hash plus one per set bit of a single
 * imperfect sibling: O(log n). Siblings come out root-side first and are
 * reversed at the end into the RFC's leaf-side-first order.
 */
int vt_merkle_inclusion_proof(uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], size_t *count,
	const vt_merkle_src *src, uint64_t index, uint64_t size)
{
	uint64_t lo = 0, hi = size;
	size_t n = 0;
	int err = 0;

	*count = 0;
	if (index >= size) {
		err = vt_error_set(VT_EINVAL, "inclusion proof: leaf index %" PRIu64
			" is not in a tree of %" PRIu64 " leaves", index, size);
		goto out;
	}

	/* A tree of at most 2^64 - 1 leaves is at most 64 deep. */
	while (hi - lo > 1) {
		uint64_t k = split_point(hi - lo);

		if (index < lo + k) {
			err = range_hash(path[n], src, lo + k, hi);
			hi = lo + k;
		} else {
			err = range_hash(path[n], src, lo, lo + k);
			lo += k;
		}
		if (err < 0)
			goto out;
		n++;
	}

	path_reverse(path, n);
	*count = n;

out:
	return err;
}

int vt_merkle_consistency_proof(uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], size_t *count,
	const vt_merkle_src *src, uint64_t old_size, uint64_t new_size)
{
	uint64_t lo = 0, hi = new_size;
	int whole = 1; /* the RFC's b: the old tree is still the left edge of [lo, hi) */
	size_t n = 0;
	int err = 0;

	*count = 0;
	if (old_size == 0 || old_size > new_size) {
		err = vt_error_set(VT_EINVAL, "consistency proof: need 0 < old size <= new size, got %"
			PRIu64 " -> %" PRIu64, old_size, new_size);
		goto out;
	}

	/* lo < old_size < hi holds inside the loop, so hi - lo >= 2. */
	while (old_size < hi || !whole) {
		if (n == VT_MERKLE_MAX_PATH) {
			err = vt_error_set(VT_EINVAL, "consistency proof for %" PRIu64 " -> %" PRIu64
				" needs more than %d hashes", old_size, new_size, VT_MERKLE_MAX_PATH);
			goto out;
		}
		if (old_size == hi) {
			/* SUBPROOF(m, D[m], false) = {MTH(D[m])}: a perfect range. */
			if ((err = range_hash(path[n++], src, lo, hi)) < 0)
				goto out;
			break;
		}

		uint64_t k = split_point(hi - lo);
		if (old_size <= lo + k) {
			err = range_hash(path[n], src, lo + k, hi);
			hi = lo + k;
		} else {
			err = range_hash(path[n], src, lo, lo + k);
			lo += k;
			whole = 0;
		}
		if (err < 0)
			goto out;
		n++;
	}

	path_reverse(path, n);
	*count = n;

out:
	return err;
}

/*
 * The bit walk of §2.1.3.2 step 4 and §2.1.4.2 step 6: says whether the
 * next path element is a left sibling (HASH(c || r)) or a right one
 * (HASH(r || c)), then moves fn and sn up a level.
 */
static int walk_step(uint64_t *fn, uint64_t *sn)
{
	int left = (*fn & 1) || *fn == *sn;

	if (left && !(*fn & 1)) {
		while (!(*fn & 1) && *fn) {
			*fn >>= 1;
			*sn >>= 1;
		}
	}
	*fn >>= 1;
	*sn >>= 1;
	return left;
}

/* How many elements the walk consumes before sn reaches 0: the only path
 * length for which the RFC's "if sn is 0, fail" and final "sn is 0" checks
 * both pass. Checking it first lets the error say what was expected. */
static size_t walk_length(uint64_t fn, uint64_t sn)
{
	size_t n = 0;

	while (sn) {
		walk_step(&fn, &sn);
		n++;
	}
	return n;
}

int vt_merkle_verify_inclusion(const uint8_t leaf[VT_HASH_LEN], uint64_t index, uint64_t size,
	const uint8_t (*path)[VT_HASH_LEN], size_t count, const uint8_t root[VT_HASH_LEN])
{
	uint8_t r[VT_HASH_LEN];
	uint64_t fn, sn;
	size_t want;
	int err = 0;

	/* Step 1. */
	if (index >= size) {
		err = vt_error_set(VT_EINVAL, "inclusion proof: leaf index %" PRIu64
			" is not in a tree of %" PRIu64 " leaves", index, size);
		goto out;
	}
	if ((want = walk_length(index, size - 1)) != count) {
		err = vt_error_set(VT_EINVAL, "inclusion proof for leaf %" PRIu64 " in a tree of %"
			PRIu64 " has %zu hashes, expected %zu", index, size, count, want);
		goto out;
	}

	/* Steps 2-4; the length check above stands in for step 4's sn == 0 test. */
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, VT_HASH_LEN);
	for (size_t i = 0; i < count; i++) {
		if (walk_step(&fn, &sn))
			vt_merkle_node_hash(r, path[i], r);
		else
			vt_merkle_node_hash(r, r, path[i]);
	}

	/* Step 5. */
	if (sn != 0 || memcmp(r, root, VT_HASH_LEN) != 0) {
		err = vt_error_set(VT_ESIG, "inclusion proof: computed root differs from expected root");
		goto out;
	}

out:
	return err;
}

int vt_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
	const uint8_t old_root[VT_HASH_LEN], const uint8_t new_root[VT_HASH_LEN],
	const uint8_t (*path)[VT_HASH_LEN], size_t count)
{
	uint8_t fr[VT_HASH_LEN], sr[VT_HASH_LEN];
	uint64_t fn, sn;
	size_t want, i;
	int seeded, err = 0;

	if (old_size == 0 || old_size > new_size) {
		err = vt_error_set(VT_EINVAL, "consistency proof: need 0 < old size <= new size, got %"
			PRIu64 " -> %" PRIu64, old_size, new_size);
		goto out;
	}
	if (old_size == new_size) {
		if (count != 0) {
			err = vt_error_set(VT_EINVAL, "consistency proof for %" PRIu64 " -> %" PRIu64
				" has %zu hashes, expected 0", old_size, new_size, count);
			goto out;
		}
		if (memcmp(old_root, new_root, VT_HASH_LEN) != 0) {
			err = vt_error_set(VT_ESIG, "consistency proof: trees of the same size %" PRIu64
				" have different roots", old_size);
			goto out;
		}
		goto out;
	}

	/* Step 2: a power-of-two old tree is itself the first hash. */
	seeded = (old_size & (old_size - 1)) == 0;
	/* Steps 3-4. */
	fn = old_size - 1;
	sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}

	/* Step 1 (an empty path fails) is covered: want >= 1 when old < new. */
	want = walk_length(fn, sn) + (seeded ? 0 : 1);
	if (count != want) {
		err = vt_error_set(VT_EINVAL, "consistency proof for %" PRIu64 " -> %" PRIu64
			" has %zu hashes, expected %zu", old_size, new_size, count, want);
		goto out;
	}

	/* Step 5. */
	i = 0;
	memcpy(fr, seeded ? old_root : path[i++], VT_HASH_LEN);
	memcpy(sr, fr, VT_HASH_LEN);
	/* Step 6; the length check stands in for its sn == 0 test. */
	for (; i < count; i++) {
		if (walk_step(&fn, &sn)) {
			vt_merkle_node_hash(fr, path[i], fr);
			vt_merkle_node_hash(sr, path[i], sr);
		} else {
			vt_merkle_node_hash(sr, sr, path[i]);
		}
	}

	/* Step 7. */
	if (sn != 0 || memcmp(fr, old_root, VT_HASH_LEN) != 0) {
		err = vt_error_set(VT_ESIG, "consistency proof for %" PRIu64 " -> %" PRIu64
			": computed old root differs from expected old root", old_size, new_size);
		goto out;
	}
	if (memcmp(sr, new_root, VT_HASH_LEN) != 0) {
		err = vt_error_set(VT_ESIG, "consistency proof for %" PRIu64 " -> %" PRIu64
			": computed new root differs from expected new root", old_size, new_size);
		goto out;
	}

out:
	return err;
}
