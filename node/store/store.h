/* The node's RocksDB store: column families by purpose, atomic batches with
 * read-your-writes, content-addressed blobs, origin-prefixed keys. */
#ifndef VT_STORE_H
#define VT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/hash.h"

typedef enum vt_cf {
	VT_CF_LOG = 0,   /* origin | seq -> LogEntry */
	VT_CF_TREE,      /* origin | level | index -> 32-byte subtree hash */
	VT_CF_BLOB,      /* sha256 -> bytes (shared by all origins: content-addressed) */
	VT_CF_DOC,       /* origin | seq of creating entry -> Document */
	VT_CF_REGISTER,  /* origin | 'B' book / 'C' counter / 'E' entry */
	VT_CF_INDEX,     /* origin | secondary indexes (duplicates, symbols) */
	VT_CF_ACCOUNT,   /* origin | accounts, units, sessions */
	VT_CF_META,      /* origin | signed tree heads, node facts */
	VT_CF_COUNT
} vt_cf;

/* Column families that hold state derived from the log (what rebuild must
 * reproduce byte for byte), in addition to LOG and TREE. */
extern const vt_cf vt_store_derived_cfs[];
extern const size_t vt_store_derived_cfs_count;

const char *vt_cf_name(vt_cf cf);

enum {
	VT_STORE_CREATE = 1 << 0,   /* create the database if missing */
	VT_STORE_READONLY = 1 << 1, /* open read-only (works beside a running node) */
};

typedef struct vt_store vt_store;
typedef struct vt_batch vt_batch;
typedef struct vt_iter vt_iter;

int vt_store_open(vt_store **out, const char *path, int flags);
void vt_store_free(vt_store *store);
const char *vt_store_path(const vt_store *store);

/* Reads one value (malloc'd into *val, caller frees). VT_ENOTFOUND if absent. */
int vt_store_get(vt_store *store, vt_cf cf, const void *key, size_t klen,
	char **val, size_t *vlen);

/* Batches: every change of one commit goes into one batch. Reads through
 * the batch see its own pending writes. */
int vt_batch_new(vt_batch **out, vt_store *store);
void vt_batch_free(vt_batch *b);
void vt_batch_put(vt_batch *b, vt_cf cf, const void *key, size_t klen, const void *val, size_t vlen);
void vt_batch_del(vt_batch *b, vt_cf cf, const void *key, size_t klen);
int vt_batch_get(vt_batch *b, vt_cf cf, const void *key, size_t klen, char **val, size_t *vlen);
/* Savepoints let one event of a group be undone without the others. */
void vt_batch_savepoint(vt_batch *b);
void vt_batch_rollback(vt_batch *b);
void vt_batch_pop_savepoint(vt_batch *b);
size_t vt_batch_count(vt_batch *b);
/* Writes the batch atomically; sync = fsync the WAL before returning. */
int vt_store_write(vt_store *store, vt_batch *b, int sync);
/* Iterator over the batch merged with the store (read-your-writes). */
int vt_batch_iter_new(vt_iter **out, vt_batch *b, vt_cf cf, const void *prefix, size_t plen);

/* Iterates keys starting with prefix, in key order. */
int vt_iter_new(vt_iter **out, vt_store *store, vt_cf cf, const void *prefix, size_t plen);
/* VT_ITER_SCAN: a one-pass scan of much data (verification, replay):
 * read ahead, and leave the block cache to the working set. */
#define VT_ITER_SCAN 1
int vt_iter_new_ex(vt_iter **out, vt_store *store, vt_cf cf, const void *prefix, size_t plen, int flags);

/* Positions at the first key >= key (still bounded by the prefix). */
void vt_iter_seek(vt_iter *it, const void *key, size_t klen);
/* Positions at the last key of the prefix range. */
void vt_iter_last(vt_iter *it);
int vt_iter_valid(vt_iter *it);
void vt_iter_next(vt_iter *it);
void vt_iter_prev(vt_iter *it);
const char *vt_iter_key(vt_iter *it, size_t *klen);
const char *vt_iter_value(vt_iter *it, size_t *vlen);
/* VT_EIO with message if the iteration stopped on an error. */
int vt_iter_status(vt_iter *it);
void vt_iter_free(vt_iter *it);

/* Blobs: key = SHA-256 of the bytes. put writes synced and is idempotent. */
int vt_store_blob_put(vt_store *store, const void *data, size_t len, uint8_t out[VT_HASH_LEN]);
int vt_store_blob_get(vt_store *store, const uint8_t hash[VT_HASH_LEN], char **data, size_t *len);
/* 1 if stored, 0 if not, negative on error. */
int vt_store_blob_has(vt_store *store, const uint8_t hash[VT_HASH_LEN]);
/* Size of a stored blob without reading it; VT_ENOTFOUND if absent. */
int vt_store_blob_size(vt_store *store, const uint8_t hash[VT_HASH_LEN], size_t *size);

/* Keys: origin prefix (length byte + id) then big-endian fields so that key
 * order is numeric order. Bounded: components that would overflow set
 * overflow, and vt_key_check reports it. */
#define VT_KEY_MAX 512
typedef struct vt_key {
	uint8_t buf[VT_KEY_MAX];
	size_t len;
	int overflow;
} vt_key;

void vt_key_init(vt_key *k, const char *origin);
void vt_key_u8(vt_key *k, uint8_t v);
void vt_key_u32(vt_key *k, uint32_t v);
void vt_key_u64(vt_key *k, uint64_t v);
/* A string component, NUL-terminated in the key so prefixes do not collide. */
void vt_key_str(vt_key *k, const char *s);
void vt_key_bytes(vt_key *k, const void *p, size_t n);
int vt_key_check(const vt_key *k);

uint64_t vt_be64_get(const void *p);
uint32_t vt_be32_get(const void *p);
void vt_be64_put(void *p, uint64_t v);
void vt_be32_put(void *p, uint32_t v);

#endif
