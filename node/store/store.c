/* RocksDB store: column families, batches (WriteBatchWithIndex), blobs. */
#include "store/store.h"
#include "store/error.h"

#include <rocksdb/c.h>
#include <stdlib.h>
#include <string.h>

static const char *cf_names[VT_CF_COUNT] = {
	"log", "tree", "blob", "doc", "register", "index", "account", "meta",
};

const vt_cf vt_store_derived_cfs[] = { VT_CF_DOC, VT_CF_REGISTER, VT_CF_INDEX, VT_CF_ACCOUNT };
const size_t vt_store_derived_cfs_count = sizeof(vt_store_derived_cfs) / sizeof(vt_store_derived_cfs[0]);

struct vt_store {
	rocksdb_t *db;
	rocksdb_options_t *opts;
	rocksdb_options_t *cf_opts[VT_CF_COUNT];
	rocksdb_column_family_handle_t *cf[VT_CF_COUNT + 1]; /* + RocksDB's "default", unused */
	rocksdb_readoptions_t *ropts;
	rocksdb_writeoptions_t *wsync;
	rocksdb_writeoptions_t *wnosync;
	rocksdb_block_based_table_options_t *table;
	rocksdb_block_based_table_options_t *table_nofilter;
	rocksdb_cache_t *cache;
	int readonly;
	char *path;
};

struct vt_batch {
	vt_store *store;
	rocksdb_writebatch_wi_t *wb;
};

struct vt_iter {
	rocksdb_iterator_t *it;
	rocksdb_readoptions_t *ropts;
	char *prefix;
	size_t plen;
	char *upper; /* iterate_upper_bound, kept alive with the iterator */
	size_t ulen;
};

const char *vt_cf_name(vt_cf cf)
{
	return (unsigned)cf < VT_CF_COUNT ? cf_names[cf] : "?";
}

static int rocks_err(char *err, int code, const char *what)
{
	vt_error_set(code, "%s: %s", what, err);
	rocksdb_free(err);
	return code;
}

int vt_store_open(vt_store **out, const char *path, int flags)
{
	vt_store *s;
	char *err = NULL;
	int error = 0;
	const char *names[VT_CF_COUNT + 1];
	const rocksdb_options_t *cfo[VT_CF_COUNT + 1];

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))) || !(s->path = strdup(path))) {
		free(s);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	s->readonly = !!(flags & VT_STORE_READONLY);

	{
		/* Few shards: a shard must hold the largest filter/index block
		 * (a 1M-entry tree file has a ~2 MB filter), or every read of it
		 * evicts and re-reads it. */
		rocksdb_lru_cache_options_t *co = rocksdb_lru_cache_options_create();
		rocksdb_lru_cache_options_set_capacity(co, 64 << 20);
		rocksdb_lru_cache_options_set_num_shard_bits(co, 2);
		s->cache = rocksdb_cache_create_lru_opts(co);
		rocksdb_lru_cache_options_destroy(co);
	}
	/* Log and tree reads are of keys that exist (sequence numbers, tree
	 * nodes): a bloom filter would only cost memory and reads there. */
	s->table_nofilter = rocksdb_block_based_options_create();
	rocksdb_block_based_options_set_block_cache(s->table_nofilter, s->cache);
	rocksdb_block_based_options_set_cache_index_and_filter_blocks(s->table_nofilter, 1);
	rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(s->table_nofilter, 1);
	s->table = rocksdb_block_based_options_create();
	rocksdb_block_based_options_set_block_cache(s->table, s->cache);
	rocksdb_block_based_options_set_cache_index_and_filter_blocks(s->table, 1);
	rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(s->table, 1);
	rocksdb_block_based_options_set_filter_policy(s->table, rocksdb_filterpolicy_create_bloom(10));

	s->opts = rocksdb_options_create();
	rocksdb_options_set_create_if_missing(s->opts, !!(flags & VT_STORE_CREATE));
	rocksdb_options_set_create_missing_column_families(s->opts, !!(flags & VT_STORE_CREATE));
	rocksdb_options_set_paranoid_checks(s->opts, 1);
	rocksdb_options_set_max_open_files(s->opts, 256);
	rocksdb_options_increase_parallelism(s->opts, 2);
	rocksdb_options_set_info_log_level(s->opts, 2 /* warn */);
	rocksdb_options_set_keep_log_file_num(s->opts, 3);

	for (int i = 0; i < VT_CF_COUNT; i++) {
		rocksdb_options_t *o = rocksdb_options_create_copy(s->opts);
		rocksdb_options_set_block_based_table_factory(o, i == VT_CF_LOG || i == VT_CF_TREE ?
			s->table_nofilter : s->table);
		rocksdb_options_set_write_buffer_size(o, 16 << 20);
		rocksdb_options_set_compression(o, rocksdb_lz4_compression);
		if (i == VT_CF_BLOB) {
			/* Document files: values above 4 KiB live in blob files. */
			rocksdb_options_set_enable_blob_files(o, 1);
			rocksdb_options_set_min_blob_size(o, 4096);
			rocksdb_options_set_blob_file_size(o, 256 << 20);
			rocksdb_options_set_blob_compression_type(o, rocksdb_no_compression);
			/* Nothing is ever deleted from the blob CF (content-addressed,
			 * kept for the retention period): garbage collection would only
			 * rewrite blob files during compactions. */
			rocksdb_options_set_enable_blob_gc(o, 0);
		}
		s->cf_opts[i] = o;
		names[i] = cf_names[i];
		cfo[i] = o;
	}
	names[VT_CF_COUNT] = "default";
	cfo[VT_CF_COUNT] = s->opts;

	if (s->readonly)
		s->db = rocksdb_open_for_read_only_column_families(s->opts, path, VT_CF_COUNT + 1,
			names, cfo, s->cf, 0, &err);
	else
		s->db = rocksdb_open_column_families(s->opts, path, VT_CF_COUNT + 1, names, cfo, s->cf, &err);
	if (err) {
		int code = VT_EIO;
		if (strstr(err, "lock") || strstr(err, "LOCK"))
			code = VT_EBUSY;
		else if (strstr(err, "does not exist") || strstr(err, "No such file"))
			code = VT_ENOTFOUND;
		else if (strstr(err, "Corruption"))
			code = VT_ECORRUPT;
		error = rocks_err(err, code, path);
		goto out;
	}

	s->ropts = rocksdb_readoptions_create();
	rocksdb_readoptions_set_verify_checksums(s->ropts, 1);
	s->wsync = rocksdb_writeoptions_create();
	rocksdb_writeoptions_set_sync(s->wsync, 1);
	s->wnosync = rocksdb_writeoptions_create();
	*out = s;
	s = NULL;
out:
	vt_store_free(s);
	return error;
}

void vt_store_free(vt_store *s)
{
	if (!s)
		return;
	if (s->db) {
		for (int i = 0; i <= VT_CF_COUNT; i++)
			if (s->cf[i])
				rocksdb_column_family_handle_destroy(s->cf[i]);
		rocksdb_close(s->db);
	}
	for (int i = 0; i < VT_CF_COUNT; i++)
		if (s->cf_opts[i])
			rocksdb_options_destroy(s->cf_opts[i]);
	if (s->opts)
		rocksdb_options_destroy(s->opts);
	if (s->table)
		rocksdb_block_based_options_destroy(s->table);
	if (s->table_nofilter)
		rocksdb_block_based_options_destroy(s->table_nofilter);
	if (s->cache)
		rocksdb_cache_destroy(s->cache);
	if (s->ropts)
		rocksdb_readoptions_destroy(s->ropts);
	if (s->wsync)
		rocksdb_writeoptions_destroy(s->wsync);
	if (s->wnosync)
		rocksdb_writeoptions_destroy(s->wnosync);
	free(s->path);
	free(s);
}

const char *vt_store_path(const vt_store *s) { return s->path; }

static int value_out(char *v, size_t n, char *err, char **val, size_t *vlen, vt_cf cf)
{
	if (err)
		return rocks_err(err, strstr(err, "Corruption") ? VT_ECORRUPT : VT_EIO, vt_cf_name(cf));
	if (!v)
		return vt_error_set(VT_ENOTFOUND, "not found in %s", vt_cf_name(cf));
	/* RocksDB's buffer comes from its allocator (malloc), hand it over. */
	*val = v;
	if (vlen)
		*vlen = n;
	return 0;
}

int vt_store_get(vt_store *s, vt_cf cf, const void *key, size_t klen, char **val, size_t *vlen)
{
	char *err = NULL;
	size_t n = 0;
	char *v = rocksdb_get_cf(s->db, s->ropts, s->cf[cf], key, klen, &n, &err);
	*val = NULL;
	return value_out(v, n, err, val, vlen, cf);
}

int vt_batch_new(vt_batch **out, vt_store *s)
{
	vt_batch *b;
	*out = NULL;
	if (s->readonly)
		return vt_error_set(VT_EPERM, "store %s is open read-only", s->path);
	if (!(b = calloc(1, sizeof(*b))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	b->store = s;
	b->wb = rocksdb_writebatch_wi_create(0, 1 /* overwrite_keys */);
	*out = b;
	return 0;
}

void vt_batch_free(vt_batch *b)
{
	if (!b)
		return;
	rocksdb_writebatch_wi_destroy(b->wb);
	free(b);
}

void vt_batch_put(vt_batch *b, vt_cf cf, const void *key, size_t klen, const void *val, size_t vlen)
{
	rocksdb_writebatch_wi_put_cf(b->wb, b->store->cf[cf], key, klen, val, vlen);
}

void vt_batch_del(vt_batch *b, vt_cf cf, const void *key, size_t klen)
{
	rocksdb_writebatch_wi_delete_cf(b->wb, b->store->cf[cf], key, klen);
}

int vt_batch_get(vt_batch *b, vt_cf cf, const void *key, size_t klen, char **val, size_t *vlen)
{
	char *err = NULL;
	size_t n = 0;
	char *v = rocksdb_writebatch_wi_get_from_batch_and_db_cf(b->wb, b->store->db,
		b->store->ropts, b->store->cf[cf], key, klen, &n, &err);
	*val = NULL;
	return value_out(v, n, err, val, vlen, cf);
}

void vt_batch_savepoint(vt_batch *b) { rocksdb_writebatch_wi_set_save_point(b->wb); }

void vt_batch_rollback(vt_batch *b)
{
	char *err = NULL;
	rocksdb_writebatch_wi_rollback_to_save_point(b->wb, &err);
	if (err)
		rocksdb_free(err);
}

void vt_batch_pop_savepoint(vt_batch *b)
{
	/* The C API has no PopSavePoint; a savepoint left on the stack costs a
	 * few bytes and is dropped with the batch. */
	(void)b;
}

size_t vt_batch_count(vt_batch *b) { return (size_t)rocksdb_writebatch_wi_count(b->wb); }

int vt_store_write(vt_store *s, vt_batch *b, int sync)
{
	char *err = NULL;
	rocksdb_write_writebatch_wi(s->db, sync ? s->wsync : s->wnosync, b->wb, &err);
	if (err)
		return rocks_err(err, VT_EIO, "write");
	return 0;
}

static int iter_make(vt_iter **out, vt_store *s, vt_cf cf, const void *prefix, size_t plen,
	vt_batch *b, int flags)
{
	vt_iter *it;
	*out = NULL;
	if (!(it = calloc(1, sizeof(*it))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	it->ropts = rocksdb_readoptions_create();
	rocksdb_readoptions_set_verify_checksums(it->ropts, 1);
	if (flags & VT_ITER_SCAN) {
		rocksdb_readoptions_set_fill_cache(it->ropts, 0);
		rocksdb_readoptions_set_readahead_size(it->ropts, 2 << 20);
	}
	if (plen) {
		it->prefix = malloc(plen);
		memcpy(it->prefix, prefix, plen);
		it->plen = plen;
		/* Upper bound: the prefix incremented as a big-endian number. */
		it->upper = malloc(plen);
		memcpy(it->upper, prefix, plen);
		size_t n = plen;
		while (n > 0 && (uint8_t)it->upper[n - 1] == 0xff)
			n--;
		if (n > 0) {
			it->upper[n - 1]++;
			it->ulen = n;
			rocksdb_readoptions_set_iterate_upper_bound(it->ropts, it->upper, it->ulen);
		}
	}
	if (b) {
		rocksdb_iterator_t *base = rocksdb_create_iterator_cf(s->db, it->ropts, s->cf[cf]);
		it->it = rocksdb_writebatch_wi_create_iterator_with_base_cf(b->wb, base, s->cf[cf]);
	} else {
		it->it = rocksdb_create_iterator_cf(s->db, it->ropts, s->cf[cf]);
	}
	rocksdb_iter_seek(it->it, prefix, plen);
	*out = it;
	return 0;
}

int vt_iter_new(vt_iter **out, vt_store *s, vt_cf cf, const void *prefix, size_t plen)
{
	return iter_make(out, s, cf, prefix, plen, NULL, 0);
}

int vt_iter_new_ex(vt_iter **out, vt_store *s, vt_cf cf, const void *prefix, size_t plen, int flags)
{
	return iter_make(out, s, cf, prefix, plen, NULL, flags);
}

int vt_batch_iter_new(vt_iter **out, vt_batch *b, vt_cf cf, const void *prefix, size_t plen)
{
	return iter_make(out, b->store, cf, prefix, plen, b, 0);
}

void vt_iter_seek(vt_iter *it, const void *key, size_t klen) { rocksdb_iter_seek(it->it, key, klen); }

void vt_iter_last(vt_iter *it)
{
	if (it->ulen)
		rocksdb_iter_seek_for_prev(it->it, it->upper, it->ulen);
	else
		rocksdb_iter_seek_to_last(it->it);
	/* seek_for_prev lands on the bound itself only if it exists; it is
	 * excluded by the upper bound, so step back if we are on it. */
	if (rocksdb_iter_valid(it->it) && it->ulen) {
		size_t kl;
		const char *k = rocksdb_iter_key(it->it, &kl);
		if (kl >= it->ulen && memcmp(k, it->upper, it->ulen) == 0)
			rocksdb_iter_prev(it->it);
	}
}

int vt_iter_valid(vt_iter *it)
{
	size_t kl;
	const char *k;
	if (!rocksdb_iter_valid(it->it))
		return 0;
	if (!it->plen)
		return 1;
	k = rocksdb_iter_key(it->it, &kl);
	return kl >= it->plen && memcmp(k, it->prefix, it->plen) == 0;
}

void vt_iter_next(vt_iter *it) { rocksdb_iter_next(it->it); }
void vt_iter_prev(vt_iter *it) { rocksdb_iter_prev(it->it); }
const char *vt_iter_key(vt_iter *it, size_t *klen) { return rocksdb_iter_key(it->it, klen); }
const char *vt_iter_value(vt_iter *it, size_t *vlen) { return rocksdb_iter_value(it->it, vlen); }

int vt_iter_status(vt_iter *it)
{
	char *err = NULL;
	rocksdb_iter_get_error(it->it, &err);
	if (err)
		return rocks_err(err, strstr(err, "Corruption") ? VT_ECORRUPT : VT_EIO, "iterate");
	return 0;
}

void vt_iter_free(vt_iter *it)
{
	if (!it)
		return;
	if (it->it)
		rocksdb_iter_destroy(it->it);
	if (it->ropts)
		rocksdb_readoptions_destroy(it->ropts);
	free(it->prefix);
	free(it->upper);
	free(it);
}

int vt_store_blob_put(vt_store *s, const void *data, size_t len, uint8_t out[VT_HASH_LEN])
{
	char *err = NULL;
	uint8_t h[VT_HASH_LEN];
	vt_sha256(h, data, len);
	if (out)
		memcpy(out, h, VT_HASH_LEN);
	if (vt_store_blob_has(s, h) == 1)
		return 0;
	rocksdb_put_cf(s->db, s->wsync, s->cf[VT_CF_BLOB], (const char *)h, VT_HASH_LEN, data, len, &err);
	if (err)
		return rocks_err(err, VT_EIO, "blob put");
	return 0;
}

int vt_store_blob_get(vt_store *s, const uint8_t hash[VT_HASH_LEN], char **data, size_t *len)
{
	int error;
	uint8_t h[VT_HASH_LEN];
	char hex[2 * VT_HASH_LEN + 1];
	if ((error = vt_store_get(s, VT_CF_BLOB, hash, VT_HASH_LEN, data, len)) < 0) {
		vt_hex(hex, hash, VT_HASH_LEN);
		if (error == VT_ENOTFOUND)
			vt_error_set(VT_ENOTFOUND, "no blob %s", hex);
		return error;
	}
	vt_sha256(h, *data, *len);
	if (memcmp(h, hash, VT_HASH_LEN) != 0) {
		free(*data);
		*data = NULL;
		vt_hex(hex, hash, VT_HASH_LEN);
		return vt_error_set(VT_ECORRUPT, "blob %s: stored bytes do not match their hash", hex);
	}
	return 0;
}

int vt_store_blob_size(vt_store *s, const uint8_t hash[VT_HASH_LEN], size_t *size)
{
	char *err = NULL;
	size_t n = 0;
	rocksdb_pinnableslice_t *p = rocksdb_get_pinned_cf(s->db, s->ropts, s->cf[VT_CF_BLOB],
		(const char *)hash, VT_HASH_LEN, &err);
	if (err)
		return rocks_err(err, VT_EIO, "blob lookup");
	if (!p)
		return vt_error_set(VT_ENOTFOUND, "blob not stored");
	(void)rocksdb_pinnableslice_value(p, &n);
	rocksdb_pinnableslice_destroy(p);
	if (size)
		*size = n;
	return 0;
}

int vt_store_blob_has(vt_store *s, const uint8_t hash[VT_HASH_LEN])
{
	int error = vt_store_blob_size(s, hash, NULL);
	return error == 0 ? 1 : error == VT_ENOTFOUND ? 0 : error;
}

/* ---- keys */

void vt_key_init(vt_key *k, const char *origin)
{
	size_t n = origin ? strlen(origin) : 0;
	k->len = 0;
	k->overflow = n > 255;
	if (k->overflow)
		return;
	k->buf[k->len++] = (uint8_t)n;
	if (n) /* origin may be NULL: memcpy must not get a null pointer */
		memcpy(k->buf + k->len, origin, n);
	k->len += n;
}

void vt_key_bytes(vt_key *k, const void *p, size_t n)
{
	if (k->overflow || k->len + n > VT_KEY_MAX) {
		k->overflow = 1;
		return;
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
}

void vt_key_u8(vt_key *k, uint8_t v) { vt_key_bytes(k, &v, 1); }

void vt_key_u32(vt_key *k, uint32_t v)
{
	uint8_t b[4];
	vt_be32_put(b, v);
	vt_key_bytes(k, b, 4);
}

void vt_key_u64(vt_key *k, uint64_t v)
{
	uint8_t b[8];
	vt_be64_put(b, v);
	vt_key_bytes(k, b, 8);
}

void vt_key_str(vt_key *k, const char *s)
{
	vt_key_bytes(k, s, strlen(s) + 1);
}

int vt_key_check(const vt_key *k)
{
	return k->overflow ? vt_error_set(VT_EINVAL, "key too long (max %d bytes)", VT_KEY_MAX) : 0;
}

uint64_t vt_be64_get(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

uint32_t vt_be32_get(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

void vt_be64_put(void *p, uint64_t v)
{
	uint8_t *b = p;
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

void vt_be32_put(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}
