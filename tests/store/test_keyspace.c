/* Tests for node/store/keyspace.c: the tag table answers by column family,
 * and node ids are what a key prefix and a certificate CN can carry. */
#include "testutil.h"
#include "store/keyspace.h"

static void test_tags(void **state)
{
	static const struct { vt_cf cf; uint8_t tag; const char *name; } cases[] = {
		{ VT_CF_REGISTER, 'E', "VT_REG_ENTRY" },
		{ VT_CF_INDEX, 'E', "VT_IDX_ENROLLED" }, /* the same letter in another family */
		{ VT_CF_INDEX, 'O', "VT_IDX_DOSSIER" },
		{ VT_CF_ACCOUNT, 'N', "VT_ACCT_NODE" },
		{ VT_CF_META, 'H', "VT_META_STH" },
		{ VT_CF_META, 'T', "VT_META_SESSION" },
	};
	const char *layout;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *name = vt_keyspace_tag_name(cases[i].cf, cases[i].tag, &layout);
		assert_non_null(name);
		assert_string_equal(name, cases[i].name);
		assert_non_null(layout);
		assert_true(layout[0] != 0);
	}
	assert_null(vt_keyspace_tag_name(VT_CF_META, 'z', &layout));
	assert_null(layout);
	assert_null(vt_keyspace_tag_name(VT_CF_LOG, 'H', NULL));
}

static void test_node_ids(void **state)
{
	static const struct { const char *id; int ok; } cases[] = {
		{ "000.00.31.H54", 1 }, { "unit-1_a", 1 }, { "", 0 }, { "a/b", 0 }, { "ph\xc3\xb2ng", 0 },
		{ "a b", 0 }, { "0123456789012345678901234567890123456789012345678901234567890123", 1 },
		{ "01234567890123456789012345678901234567890123456789012345678901234", 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (vt_node_id_ok(cases[i].id) != cases[i].ok)
			fail_msg("vt_node_id_ok(\"%s\") should be %d", cases[i].id, cases[i].ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_node_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
