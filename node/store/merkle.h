/* RFC 9162 Merkle tree hashing, tree heads from stored subtrees, inclusion
 * and consistency proofs and their verifiers. */
#ifndef VT_MERKLE_H
#define VT_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "store/hash.h"

/* Longest proof for a tree of up to 2^64 leaves. */
#define VT_MERKLE_MAX_PATH 64

/* Where proofs read the hashes of stored perfect subtrees. get() fills out
 * with the hash of the perfect subtree at (level, index), the one covering
 * leaves [index << level, (index + 1) << level): level 0 is a leaf hash.
 * It returns 0 or a negative VT_E* code (e.g. VT_ENOTFOUND / VT_ECORRUPT,
 * with the message set), which the caller passes on unchanged. */
typedef struct vt_merkle_src {
	int (*get)(void *ctx, unsigned level, uint64_t index, uint8_t out[VT_HASH_LEN]);
	void *ctx;
} vt_merkle_src;

/* SHA-256(0x00 || data) */
void vt_merkle_leaf_hash(uint8_t out[VT_HASH_LEN], const void *data, size_t len);
/* SHA-256(0x01 || left || right) */
void vt_merkle_node_hash(uint8_t out[VT_HASH_LEN], const uint8_t left[VT_HASH_LEN],
	const uint8_t right[VT_HASH_LEN]);
/* The root of the empty tree: SHA-256 of the empty string. */
void vt_merkle_empty_root(uint8_t out[VT_HASH_LEN]);

/* The right edge of a growing tree: for each set bit of size, the hash of the
 * perfect subtree it stands for. Enough to append and to compute the root
 * without touching storage. Embed it; vt_merkle_frontier_init zeroes it. */
typedef struct vt_merkle_frontier {
	uint64_t size;
	uint8_t hash[VT_MERKLE_MAX_PATH][VT_HASH_LEN]; /* hash[level], valid if bit set */
} vt_merkle_frontier;

void vt_merkle_frontier_init(vt_merkle_frontier *f);

/* Called for each perfect subtree completed by an append, leaf first
 * (level 0), then each parent it completes. The store writes these. */
typedef int (*vt_merkle_emit_fn)(void *ctx, unsigned level, uint64_t index,
	const uint8_t hash[VT_HASH_LEN]);

/* Appends a leaf hash at index f->size; emit may be NULL. On error from
 * emit the frontier is left unchanged. */
int vt_merkle_frontier_append(vt_merkle_frontier *f, const uint8_t leaf[VT_HASH_LEN],
	vt_merkle_emit_fn emit, void *emit_ctx);

/* Root of the tree of f->size leaves (the empty root when size is 0). */
void vt_merkle_frontier_root(const vt_merkle_frontier *f, uint8_t out[VT_HASH_LEN]);

/* Rebuilds a frontier for a tree of `size` leaves from stored subtrees. */
int vt_merkle_frontier_load(vt_merkle_frontier *f, const vt_merkle_src *src, uint64_t size);

/* MTH(D[0:size]) from stored perfect subtrees: at most 64 reads. */
int vt_merkle_root(uint8_t out[VT_HASH_LEN], const vt_merkle_src *src, uint64_t size);

/* PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf-side first. *count gets
 * the number of hashes written to path. VT_EINVAL if index >= size. */
int vt_merkle_inclusion_proof(uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], size_t *count,
	const vt_merkle_src *src, uint64_t index, uint64_t size);

/* PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1. VT_EINVAL unless
 * 0 < old_size <= new_size. old_size == new_size gives an empty proof. */
int vt_merkle_consistency_proof(uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], size_t *count,
	const vt_merkle_src *src, uint64_t old_size, uint64_t new_size);

/* RFC 9162 §2.1.3.2. 0 when the proof shows leaf at index in the tree of
 * `size` with `root`; VT_ESIG when it does not (message says why);
 * VT_EINVAL for impossible arguments (index >= size, wrong path length). */
int vt_merkle_verify_inclusion(const uint8_t leaf[VT_HASH_LEN], uint64_t index, uint64_t size,
	const uint8_t (*path)[VT_HASH_LEN], size_t count, const uint8_t root[VT_HASH_LEN]);

/* RFC 9162 §2.1.4.2, same return convention. */
int vt_merkle_verify_consistency(uint64_t old_size, uint64_t new_size,
	const uint8_t old_root[VT_HASH_LEN], const uint8_t new_root[VT_HASH_LEN],
	const uint8_t (*path)[VT_HASH_LEN], size_t count);

#endif
