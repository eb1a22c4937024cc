/* Tests for node/docs/commands.c: each command checks its input, builds its
 * event and appends it; a refused command leaves nothing in the log. */
#include "testutil.h"
#include "docs/commands.h"
#include "docs/doc.h"
#include "store/hash.h"

static void meta_incoming(Vanthu__V1__DocumentMeta *m, const char *summary)
{
	vanthu__v1__document_meta__init(m);
	m->direction = VANTHU__V1__DIRECTION__INCOMING;
	m->doc_type = "CV";
	m->number_symbol = "12/UBND-VP";
	m->issuing_agency = "UBND tỉnh Lào Cai";
	m->issue_date = "2025-06-01";
	m->summary = (char *)summary;
}

static void test_create_and_register(void **state)
{
	char dir[4096];
	vt_node *n = vt_test_node_new(dir, sizeof(dir), "cmd-create", NULL);
	Vanthu__V1__DocumentMeta m;
	vt_apply_result res;
	Vanthu__V1__Document *d = NULL;
	char id[VT_ID_MAX];
	(void)state;
	meta_incoming(&m, "V/v kế hoạch năm 2026");
	assert_vt_ok(vt_cmd_doc_create(n->log, "van.thu", &m, "", 0, "nhận qua bưu điện", &res));
	assert_true(res.document_id[0]);
	snprintf(id, sizeof(id), "%s", res.document_id); /* res is cleared before the next event is read */
	assert_vt_ok(vt_cmd_doc_register(n->log, "van.thu", id, "den", 0, "", &res));
	assert_int_equal(res.number, 1);
	assert_vt_ok(vt_doc_get(n->store, n->node_id, id, &d));
	assert_string_equal(d->meta->summary, "V/v kế hoạch năm 2026");
	vanthu__v1__document__free_unpacked(d, NULL);
	vt_test_node_done(n, dir);
}

/* Invalid UTF-8 anywhere in the event (a nested field, a list, the reason)
 * is refused by name, and the log does not grow. */
static void test_invalid_utf8_refused(void **state)
{
	static const struct { const char *summary, *symbol, *reason, *field; } cases[] = {
		{ "V/v \xc3\x28 kế hoạch", "12/UBND", "", "DocumentMeta.summary" },
		{ "V/v kế hoạch", "12/\xff", "", "DocumentMeta.number_symbol" },
		{ "V/v kế hoạch", "12/UBND", "l\xe1\xbb", "Event.reason" },
		{ "V/v \xed\xa0\x80", "12/UBND", "", "DocumentMeta.summary" }, /* a UTF-16 surrogate */
	};
	char dir[4096];
	vt_node *n = vt_test_node_new(dir, sizeof(dir), "cmd-utf8", NULL);
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		Vanthu__V1__DocumentMeta m;
		uint64_t size = vt_log_size(n->log);
		char *recipients[] = { "Phòng Kế hoạch", NULL };
		meta_incoming(&m, cases[i].summary);
		m.number_symbol = (char *)cases[i].symbol;
		m.recipients = recipients;
		m.n_recipients = 1;
		assert_vt_error(vt_cmd_doc_create(n->log, "van.thu", &m, "den", 0, cases[i].reason, NULL), VT_EINVAL,
			cases[i].field);
		assert_int_equal(vt_log_size(n->log), size);
	}
	{
		Vanthu__V1__DocumentMeta m;
		char *recipients[] = { "Phòng \xc0\xaf" }; /* overlong '/' */
		meta_incoming(&m, "V/v kế hoạch");
		m.recipients = recipients;
		m.n_recipients = 1;
		assert_vt_error(vt_cmd_doc_create(n->log, "van.thu", &m, "", 0, "", NULL), VT_EINVAL,
			"DocumentMeta.recipients");
	}
	vt_test_node_done(n, dir);
}

/* A file is stored with its BlobAdded event; bytes that do not hash to the
 * declared hash store nothing; a second upload of the same bytes appends an
 * event but does not write the file again. */
static void test_blob_add(void **state)
{
	static const uint8_t pdf[] = "%PDF-1.4\n% văn bản\n%%EOF\n";
	char dir[4096];
	vt_node *n = vt_test_node_new(dir, sizeof(dir), "cmd-blob", NULL);
	uint8_t sha[VT_HASH_LEN], wrong[VT_HASH_LEN] = { 1 }, got[VT_HASH_LEN];
	vt_apply_result res;
	uint64_t size;
	char *data = NULL;
	size_t len = 0;
	(void)state;
	vt_sha256(sha, pdf, sizeof(pdf));
	size = vt_log_size(n->log);
	assert_vt_error(vt_cmd_blob_add(n->log, "van.thu", pdf, sizeof(pdf), "application/pdf", wrong, got, NULL),
		VT_EINVAL, "not the declared hash; nothing stored");
	assert_int_equal(vt_log_size(n->log), size);
	assert_int_equal(vt_store_blob_has(n->store, sha), 0);
	assert_vt_ok(vt_cmd_blob_add(n->log, "van.thu", pdf, sizeof(pdf), "application/pdf", sha, got, &res));
	assert_memory_equal(got, sha, VT_HASH_LEN);
	assert_int_equal(res.seq, size);
	assert_vt_ok(vt_store_blob_get(n->store, sha, &data, &len));
	assert_int_equal(len, sizeof(pdf));
	free(data);
	assert_vt_ok(vt_cmd_blob_add(n->log, "van.thu", pdf, sizeof(pdf), "application/pdf", NULL, got, &res));
	assert_int_equal(vt_log_size(n->log), size + 2);
	vt_test_node_done(n, dir);
}

static void test_action_needs_document(void **state)
{
	char dir[4096];
	vt_node *n = vt_test_node_new(dir, sizeof(dir), "cmd-act", NULL);
	Vanthu__V1__DocumentAction a = VANTHU__V1__DOCUMENT_ACTION__INIT;
	(void)state;
	a.action = VANTHU__V1__ACTION__COMMENT;
	assert_vt_error(vt_cmd_doc_act(n->log, "cv", &a, NULL), VT_EINVAL, "which document");
	assert_vt_error(vt_cmd_doc_act(n->log, "cv", NULL, NULL), VT_EINVAL, "which document");
	assert_vt_error(vt_cmd_doc_create(n->log, "cv", NULL, "", 0, "", NULL), VT_EINVAL, "no document metadata");
	assert_vt_error(vt_cmd_book_define(n->log, "admin", NULL, "", NULL), VT_EINVAL, "no book given");
	vt_test_node_done(n, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_register),
		cmocka_unit_test(test_invalid_utf8_refused),
		cmocka_unit_test(test_blob_add),
		cmocka_unit_test(test_action_needs_document),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
