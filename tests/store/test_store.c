/* Store: get/put, prefix iteration, batches (read-your-writes, savepoints),
 * blobs, key encoding, read-only open beside a read-write handle. */
#include "testutil.h"

#include "store/hash.h"
#include "store/store.h"

typedef struct fixture {
	char dir[4096];
	vt_store *s;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	vt_test_tmpdir(f->dir, sizeof(f->dir), "store");
	assert_vt_ok(vt_store_open(&f->s, f->dir, VT_STORE_CREATE));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	vt_store_free(f->s);
	vt_test_rmrf(f->dir);
	free(f);
	return 0;
}

static void put1(vt_store *s, vt_cf cf, const void *k, size_t kl, const char *v)
{
	vt_batch *b = NULL;
	assert_vt_ok(vt_batch_new(&b, s));
	vt_batch_put(b, cf, k, kl, v, strlen(v));
	assert_vt_ok(vt_store_write(s, b, 1));
	vt_batch_free(b);
}

static void assert_get(vt_store *s, vt_cf cf, const void *k, size_t kl, const char *want)
{
	char *v = NULL;
	size_t n = 0;
	assert_vt_ok(vt_store_get(s, cf, k, kl, &v, &n));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(v, want, n);
	free(v);
}

/* ---- put / get */

static void test_put_get(void **state)
{
	fixture *f = *state;
	char *v = (char *)1;
	size_t n;

	/* The same key in different column families holds different values. */
	for (int cf = 0; cf < VT_CF_COUNT; cf++) {
		char val[32];
		snprintf(val, sizeof(val), "value in %s", vt_cf_name((vt_cf)cf));
		put1(f->s, (vt_cf)cf, "k", 1, val);
	}
	for (int cf = 0; cf < VT_CF_COUNT; cf++) {
		char val[32];
		snprintf(val, sizeof(val), "value in %s", vt_cf_name((vt_cf)cf));
		assert_get(f->s, (vt_cf)cf, "k", 1, val);
	}
	/* Overwrite, empty value, binary key with NUL bytes. */
	put1(f->s, VT_CF_DOC, "k", 1, "second");
	assert_get(f->s, VT_CF_DOC, "k", 1, "second");
	put1(f->s, VT_CF_DOC, "e", 1, "");
	assert_get(f->s, VT_CF_DOC, "e", 1, "");
	put1(f->s, VT_CF_DOC, "a\0b", 3, "nul");
	assert_get(f->s, VT_CF_DOC, "a\0b", 3, "nul");

	vt_error_clear();
	assert_vt_error(vt_store_get(f->s, VT_CF_DOC, "a", 1, &v, &n), VT_ENOTFOUND, "doc");
	assert_null(v);
	assert_string_equal(vt_cf_name(VT_CF_COUNT), "?");
}

/* ---- iteration */

static void iter_collect(vt_iter *it, char out[][16], size_t *count, int reverse)
{
	size_t n = 0;
	for (; vt_iter_valid(it); reverse ? vt_iter_prev(it) : vt_iter_next(it)) {
		size_t kl;
		const char *k = vt_iter_key(it, &kl);
		assert_true(kl < 16 && n < 32);
		memcpy(out[n], k, kl);
		out[n][kl] = 0;
		n++;
	}
	assert_vt_ok(vt_iter_status(it));
	*count = n;
}

static void test_iter_prefix(void **state)
{
	fixture *f = *state;
	static const char *keys[] = {
		"a", "aa", "ab", "ab\x01", "abc", "abd", "ac", "b", "b\xff", "b\xff\xff", "b\xff\xff\x01", "c",
	};
	static const struct {
		const char *prefix;
		const char *want; /* keys, space-separated, in order */
	} cases[] = {
		{ "", "a aa ab ab\x01 abc abd ac b b\xff b\xff\xff b\xff\xff\x01 c" },
		{ "a", "a aa ab ab\x01 abc abd ac" },
		{ "ab", "ab ab\x01 abc abd" },
		{ "abc", "abc" },
		{ "abz", "" },
		{ "b", "b b\xff b\xff\xff b\xff\xff\x01" },
		/* prefixes ending in 0xff: the upper bound carries into the byte before */
		{ "b\xff", "b\xff b\xff\xff b\xff\xff\x01" },
		{ "b\xff\xff", "b\xff\xff b\xff\xff\x01" },
		{ "d", "" },
	};
	vt_batch *b = NULL;

	assert_vt_ok(vt_batch_new(&b, f->s));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		vt_batch_put(b, VT_CF_INDEX, keys[i], strlen(keys[i]), keys[i], strlen(keys[i]));
	/* The same keys in another column family must not show up. */
	vt_batch_put(b, VT_CF_DOC, "ab0", 3, "x", 1);
	assert_vt_ok(vt_store_write(f->s, b, 0));
	vt_batch_free(b);

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char got[32][16], want[512], joined[512] = "";
		size_t n, pl = strlen(cases[c].prefix);
		vt_iter *it = NULL;

		assert_vt_ok(vt_iter_new(&it, f->s, VT_CF_INDEX, cases[c].prefix, pl));
		iter_collect(it, got, &n, 0);
		for (size_t i = 0; i < n; i++) {
			strcat(joined, i ? " " : "");
			strcat(joined, got[i]);
		}
		snprintf(want, sizeof(want), "%s", cases[c].want);
		if (strcmp(joined, want) != 0)
			fail_msg("prefix '%s': got '%s' want '%s'", cases[c].prefix, joined, want);

		/* Backwards from vt_iter_last gives the same keys reversed. */
		vt_iter_last(it);
		{
			char rev[32][16];
			size_t rn;
			iter_collect(it, rev, &rn, 1);
			assert_int_equal(rn, n);
			for (size_t i = 0; i < n; i++)
				assert_string_equal(rev[i], got[n - 1 - i]);
		}
		vt_iter_free(it);
	}

	/* Seek stays inside the prefix. */
	{
		vt_iter *it = NULL;
		size_t kl;
		assert_vt_ok(vt_iter_new(&it, f->s, VT_CF_INDEX, "ab", 2));
		vt_iter_seek(it, "abc", 3);
		assert_true(vt_iter_valid(it));
		assert_memory_equal(vt_iter_key(it, &kl), "abc", 3);
		vt_iter_seek(it, "abz", 3);
		assert_false(vt_iter_valid(it));
		vt_iter_free(it);
	}
}

/* ---- batches */

static void test_batch_read_your_writes(void **state)
{
	fixture *f = *state;
	vt_batch *b = NULL;
	vt_iter *it = NULL;
	char *v = NULL;
	size_t n;
	char got[32][16];

	put1(f->s, VT_CF_REGISTER, "k1", 2, "stored1");
	put1(f->s, VT_CF_REGISTER, "k3", 2, "stored3");
	put1(f->s, VT_CF_REGISTER, "k5", 2, "stored5");

	assert_vt_ok(vt_batch_new(&b, f->s));
	vt_batch_put(b, VT_CF_REGISTER, "k2", 2, "pending2", 8);
	vt_batch_put(b, VT_CF_REGISTER, "k3", 2, "pending3", 8);
	vt_batch_del(b, VT_CF_REGISTER, "k5", 2);
	assert_int_equal(vt_batch_count(b), 3);

	/* The batch sees its writes; the store does not, yet. */
	assert_vt_ok(vt_batch_get(b, VT_CF_REGISTER, "k2", 2, &v, &n));
	assert_int_equal(n, 8);
	assert_memory_equal(v, "pending2", 8);
	free(v);
	assert_vt_ok(vt_batch_get(b, VT_CF_REGISTER, "k3", 2, &v, &n));
	assert_memory_equal(v, "pending3", 8);
	free(v);
	assert_vt_ok(vt_batch_get(b, VT_CF_REGISTER, "k1", 2, &v, &n));
	assert_memory_equal(v, "stored1", 7);
	free(v);
	assert_vt_error(vt_batch_get(b, VT_CF_REGISTER, "k5", 2, &v, &n), VT_ENOTFOUND, "register");
	assert_vt_error(vt_store_get(f->s, VT_CF_REGISTER, "k2", 2, &v, &n), VT_ENOTFOUND, "register");
	assert_get(f->s, VT_CF_REGISTER, "k3", 2, "stored3");
	/* ... and not in another column family. */
	assert_vt_error(vt_batch_get(b, VT_CF_DOC, "k2", 2, &v, &n), VT_ENOTFOUND, "doc");

	/* The batch iterator merges: k1 stored, k2 new, k3 overwritten, k5 deleted. */
	assert_vt_ok(vt_batch_iter_new(&it, b, VT_CF_REGISTER, "k", 1));
	iter_collect(it, got, &n, 0);
	assert_int_equal(n, 3);
	assert_string_equal(got[0], "k1");
	assert_string_equal(got[1], "k2");
	assert_string_equal(got[2], "k3");
	vt_iter_seek(it, "k3", 2);
	assert_true(vt_iter_valid(it));
	{
		size_t vl;
		const char *val = vt_iter_value(it, &vl);
		assert_int_equal(vl, 8);
		assert_memory_equal(val, "pending3", 8);
	}
	vt_iter_free(it);

	assert_vt_ok(vt_store_write(f->s, b, 1));
	vt_batch_free(b);
	assert_get(f->s, VT_CF_REGISTER, "k2", 2, "pending2");
	assert_get(f->s, VT_CF_REGISTER, "k3", 2, "pending3");
	assert_vt_error(vt_store_get(f->s, VT_CF_REGISTER, "k5", 2, &v, &n), VT_ENOTFOUND, "register");
}

static void test_batch_savepoint(void **state)
{
	fixture *f = *state;
	vt_batch *b = NULL;
	char *v = NULL;
	size_t n;

	put1(f->s, VT_CF_DOC, "a", 1, "stored");
	assert_vt_ok(vt_batch_new(&b, f->s));
	vt_batch_put(b, VT_CF_DOC, "x", 1, "kept", 4);

	/* event 1 succeeds */
	vt_batch_savepoint(b);
	vt_batch_put(b, VT_CF_DOC, "y", 1, "ev1", 3);
	vt_batch_pop_savepoint(b);

	/* event 2 fails: everything since its savepoint goes */
	vt_batch_savepoint(b);
	vt_batch_put(b, VT_CF_DOC, "z", 1, "ev2", 3);
	vt_batch_put(b, VT_CF_DOC, "a", 1, "ev2", 3);
	vt_batch_put(b, VT_CF_DOC, "x", 1, "ev2", 3);
	vt_batch_del(b, VT_CF_DOC, "y", 1);
	assert_vt_ok(vt_batch_get(b, VT_CF_DOC, "z", 1, &v, &n));
	free(v);
	vt_batch_rollback(b);

	assert_vt_error(vt_batch_get(b, VT_CF_DOC, "z", 1, &v, &n), VT_ENOTFOUND, "doc");
	assert_vt_ok(vt_batch_get(b, VT_CF_DOC, "a", 1, &v, &n));
	assert_memory_equal(v, "stored", 6);
	free(v);
	assert_vt_ok(vt_batch_get(b, VT_CF_DOC, "x", 1, &v, &n));
	assert_memory_equal(v, "kept", 4);
	free(v);
	assert_vt_ok(vt_batch_get(b, VT_CF_DOC, "y", 1, &v, &n));
	assert_memory_equal(v, "ev1", 3);
	free(v);
	assert_int_equal(vt_batch_count(b), 2);

	/* event 3 succeeds after the rollback */
	vt_batch_savepoint(b);
	vt_batch_put(b, VT_CF_DOC, "w", 1, "ev3", 3);
	assert_vt_ok(vt_store_write(f->s, b, 1));
	vt_batch_free(b);

	assert_get(f->s, VT_CF_DOC, "x", 1, "kept");
	assert_get(f->s, VT_CF_DOC, "y", 1, "ev1");
	assert_get(f->s, VT_CF_DOC, "w", 1, "ev3");
	assert_get(f->s, VT_CF_DOC, "a", 1, "stored");
	assert_vt_error(vt_store_get(f->s, VT_CF_DOC, "z", 1, &v, &n), VT_ENOTFOUND, "doc");
}

/* ---- blobs */

static void test_blobs(void **state)
{
	fixture *f = *state;
	static const size_t sizes[] = { 0, 1, 100, 4095, 4096, 100000, 1 << 20 };
	uint8_t h[VT_HASH_LEN], h2[VT_HASH_LEN], want[VT_HASH_LEN];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t len = sizes[i], got_len = 0, sz = 0;
		char *data = malloc(len + 1), *got = NULL;
		for (size_t j = 0; j < len; j++)
			data[j] = (char)(j * 31 + i);
		vt_sha256(want, data, len);
		assert_int_equal(vt_store_blob_has(f->s, want), 0);

		assert_vt_ok(vt_store_blob_put(f->s, data, len, h));
		assert_memory_equal(h, want, VT_HASH_LEN);
		/* idempotent: same key, same bytes, no error */
		assert_vt_ok(vt_store_blob_put(f->s, data, len, h2));
		assert_memory_equal(h2, want, VT_HASH_LEN);

		assert_int_equal(vt_store_blob_has(f->s, h), 1);
		assert_vt_ok(vt_store_blob_size(f->s, h, &sz));
		assert_int_equal(sz, len);
		assert_vt_ok(vt_store_blob_get(f->s, h, &got, &got_len));
		assert_int_equal(got_len, len);
		if (len)
			assert_memory_equal(got, data, len);
		free(got);
		free(data);
	}

	/* unknown blob */
	{
		char *got = (char *)1;
		size_t n, sz;
		memset(h, 0xab, sizeof(h));
		assert_int_equal(vt_store_blob_has(f->s, h), 0);
		assert_vt_error(vt_store_blob_size(f->s, h, &sz), VT_ENOTFOUND, "blob");
		assert_vt_error(vt_store_blob_get(f->s, h, &got, &n), VT_ENOTFOUND, "abababab");
		assert_null(got);
	}
}

static void test_blob_corrupt(void **state)
{
	fixture *f = *state;
	static const size_t sizes[] = { 10, 50000 }; /* inline value and RocksDB blob file */
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t h[VT_HASH_LEN];
		char hex[2 * VT_HASH_LEN + 1];
		char *data = calloc(1, sizes[i]), *got = (char *)1;
		size_t n;
		vt_batch *b = NULL;
		data[0] = (char)i;
		assert_vt_ok(vt_store_blob_put(f->s, data, sizes[i], h));
		/* garbage under the blob's key, written behind the store's back */
		memset(data, 'G', sizes[i]);
		assert_vt_ok(vt_batch_new(&b, f->s));
		vt_batch_put(b, VT_CF_BLOB, h, VT_HASH_LEN, data, sizes[i]);
		assert_vt_ok(vt_store_write(f->s, b, 1));
		vt_batch_free(b);

		vt_hex(hex, h, VT_HASH_LEN);
		assert_vt_error(vt_store_blob_get(f->s, h, &got, &n), VT_ECORRUPT, hex);
		assert_non_null(strstr(vt_error_last(), "do not match"));
		assert_null(got);
		free(data);
	}
}

/* ---- keys */

static int cmp_keys(const vt_key *a, const vt_key *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->buf, b->buf, n);
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static void test_key_order(void **state)
{
	static const uint64_t v64[] = {
		0, 1, 2, 255, 256, 257, 65535, 65536, 1000000, 0x7fffffffULL, 0x80000000ULL, 0xffffffffULL,
		0x100000000ULL, 0x00ff00ff00ff00ffULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		UINT64_MAX - 1, UINT64_MAX,
	};
	static const uint32_t v32[] = { 0, 1, 9, 10, 255, 256, 0xffff, 0x10000, 0x7fffffff, 0x80000000u, UINT32_MAX };
	const size_t n64 = sizeof(v64) / sizeof(v64[0]), n32 = sizeof(v32) / sizeof(v32[0]);
	(void)state;

	for (size_t i = 0; i < n64; i++) {
		uint8_t b[8];
		vt_be64_put(b, v64[i]);
		assert_true(vt_be64_get(b) == v64[i]);
		for (size_t j = 0; j < n64; j++) {
			vt_key a, c;
			vt_key_init(&a, "origin");
			vt_key_u64(&a, v64[i]);
			vt_key_init(&c, "origin");
			vt_key_u64(&c, v64[j]);
			int want = (v64[i] > v64[j]) - (v64[i] < v64[j]);
			int got = cmp_keys(&a, &c);
			assert_int_equal((got > 0) - (got < 0), want);
		}
	}
	for (size_t i = 0; i < n32; i++) {
		uint8_t b[4];
		vt_be32_put(b, v32[i]);
		assert_int_equal(vt_be32_get(b), v32[i]);
		for (size_t j = 0; j < n32; j++) {
			vt_key a, c;
			vt_key_init(&a, "o");
			vt_key_u32(&a, v32[i]);
			vt_key_u64(&a, UINT64_MAX - v32[i]); /* a later field must not matter */
			vt_key_init(&c, "o");
			vt_key_u32(&c, v32[j]);
			vt_key_u64(&c, UINT64_MAX - v32[j]);
			int want = (v32[i] > v32[j]) - (v32[i] < v32[j]);
			int got = cmp_keys(&a, &c);
			assert_int_equal((got > 0) - (got < 0), want);
		}
	}
}

/* Round trip through RocksDB: iteration order is numeric order. */
static void test_key_order_stored(void **state)
{
	fixture *f = *state;
	vt_batch *b = NULL;
	vt_iter *it = NULL;
	vt_key p;
	uint64_t prev = 0, count = 0;
	static const uint64_t vals[] = { 300, 2, UINT64_MAX, 1, 256, 0, 65536, 255, 1ULL << 40 };

	assert_vt_ok(vt_batch_new(&b, f->s));
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		vt_key k;
		vt_key_init(&k, "n1");
		vt_key_u64(&k, vals[i]);
		vt_batch_put(b, VT_CF_LOG, k.buf, k.len, "", 0);
		/* a longer origin sharing the first bytes must not interleave */
		vt_key_init(&k, "n1x");
		vt_key_u64(&k, vals[i]);
		vt_batch_put(b, VT_CF_LOG, k.buf, k.len, "", 0);
	}
	assert_vt_ok(vt_store_write(f->s, b, 0));
	vt_batch_free(b);

	vt_key_init(&p, "n1");
	assert_vt_ok(vt_iter_new(&it, f->s, VT_CF_LOG, p.buf, p.len));
	for (; vt_iter_valid(it); vt_iter_next(it)) {
		size_t kl;
		const char *k = vt_iter_key(it, &kl);
		assert_int_equal(kl, p.len + 8);
		uint64_t v = vt_be64_get(k + p.len);
		if (count)
			assert_true(v > prev);
		prev = v;
		count++;
	}
	assert_vt_ok(vt_iter_status(it));
	vt_iter_free(it);
	assert_int_equal(count, sizeof(vals) / sizeof(vals[0]));
	assert_true(prev == UINT64_MAX);
}

static void test_key_overflow(void **state)
{
	vt_key k;
	char origin[300], big[VT_KEY_MAX + 1];
	(void)state;

	/* origin: at most 255 bytes */
	memset(origin, 'o', sizeof(origin));
	origin[255] = 0;
	vt_key_init(&k, origin);
	assert_vt_ok(vt_key_check(&k));
	assert_int_equal(k.len, 256);
	origin[255] = 'o';
	origin[256] = 0;
	vt_key_init(&k, origin);
	assert_vt_error(vt_key_check(&k), VT_EINVAL, "too long");

	/* exactly VT_KEY_MAX bytes fits; one more overflows and stays overflowed */
	vt_key_init(&k, "o");
	memset(big, 'x', sizeof(big));
	vt_key_bytes(&k, big, VT_KEY_MAX - k.len);
	assert_int_equal(k.len, VT_KEY_MAX);
	assert_vt_ok(vt_key_check(&k));
	vt_key_u8(&k, 1);
	assert_vt_error(vt_key_check(&k), VT_EINVAL, "512");
	assert_int_equal(k.len, VT_KEY_MAX);
	vt_key_u8(&k, 1); /* later components do not clear it */
	assert_vt_error(vt_key_check(&k), VT_EINVAL, "too long");

	static const struct {
		size_t used;  /* bytes already in the key */
		int which;    /* 0 u8, 1 u32, 2 u64, 3 str of 10 */
		int overflow;
	} cases[] = {
		{ VT_KEY_MAX - 1, 0, 0 }, { VT_KEY_MAX, 0, 1 },
		{ VT_KEY_MAX - 4, 1, 0 }, { VT_KEY_MAX - 3, 1, 1 },
		{ VT_KEY_MAX - 8, 2, 0 }, { VT_KEY_MAX - 7, 2, 1 },
		{ VT_KEY_MAX - 11, 3, 0 }, { VT_KEY_MAX - 10, 3, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vt_key_init(&k, NULL); /* empty origin: one length byte */
		vt_key_bytes(&k, big, cases[i].used - 1);
		assert_int_equal(k.len, cases[i].used);
		switch (cases[i].which) {
		case 0: vt_key_u8(&k, 7); break;
		case 1: vt_key_u32(&k, 7); break;
		case 2: vt_key_u64(&k, 7); break;
		default: vt_key_str(&k, "0123456789"); break;
		}
		if (cases[i].overflow)
			assert_vt_error(vt_key_check(&k), VT_EINVAL, "too long");
		else
			assert_vt_ok(vt_key_check(&k));
	}

	/* strings are NUL-terminated: "ab" then "c" differs from "a" then "bc" */
	{
		vt_key a, c;
		vt_key_init(&a, "o");
		vt_key_str(&a, "ab");
		vt_key_str(&a, "c");
		vt_key_init(&c, "o");
		vt_key_str(&c, "a");
		vt_key_str(&c, "bc");
		assert_int_equal(a.len, c.len);
		assert_true(memcmp(a.buf, c.buf, a.len) != 0);
	}
}

/* ---- opening */

static void test_open_readonly_beside_writer(void **state)
{
	fixture *f = *state;
	vt_store *ro = NULL, *rw2 = NULL;
	vt_batch *b = NULL;

	put1(f->s, VT_CF_META, "fact", 4, "before");
	/* A second read-write handle in the same process: the lock is held. */
	assert_vt_error(vt_store_open(&rw2, f->dir, 0), VT_EBUSY, f->dir);
	assert_null(rw2);
	assert_vt_error(vt_store_open(&rw2, f->dir, VT_STORE_CREATE), VT_EBUSY, "lock");

	/* Read-only does not take the lock. */
	assert_vt_ok(vt_store_open(&ro, f->dir, VT_STORE_READONLY));
	assert_get(ro, VT_CF_META, "fact", 4, "before");
	assert_string_equal(vt_store_path(ro), f->dir);
	assert_vt_error(vt_batch_new(&b, ro), VT_EPERM, "read-only");
	assert_null(b);

	/* The writer goes on writing while the reader is open. */
	put1(f->s, VT_CF_META, "fact", 4, "after");
	assert_get(f->s, VT_CF_META, "fact", 4, "after");
	vt_store_free(ro);

	/* a fresh read-only handle sees the new write (from the WAL) */
	assert_vt_ok(vt_store_open(&ro, f->dir, VT_STORE_READONLY));
	assert_get(ro, VT_CF_META, "fact", 4, "after");
	vt_store_free(ro);

	/* once the writer is gone, read-write opens again */
	vt_store_free(f->s);
	f->s = NULL;
	assert_vt_ok(vt_store_open(&f->s, f->dir, 0));
	assert_get(f->s, VT_CF_META, "fact", 4, "after");
}

static void test_open_missing(void **state)
{
	fixture *f = *state;
	char path[4200];
	vt_store *s = (vt_store *)1;
	static const int flags[] = { 0, VT_STORE_READONLY };
	snprintf(path, sizeof(path), "%s/nothing-here", f->dir);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		vt_error_clear();
		assert_vt_error(vt_store_open(&s, path, flags[i]), VT_ENOTFOUND, path);
		assert_null(s);
	}
	/* VT_STORE_CREATE makes it */
	assert_vt_ok(vt_store_open(&s, path, VT_STORE_CREATE));
	vt_store_free(s);
	vt_store_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iter_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_read_your_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_savepoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_corrupt, setup, teardown),
		cmocka_unit_test(test_key_order),
		cmocka_unit_test_setup_teardown(test_key_order_stored, setup, teardown),
		cmocka_unit_test(test_key_overflow),
		cmocka_unit_test_setup_teardown(test_open_readonly_beside_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
