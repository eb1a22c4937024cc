/* Tests for node/events.c, the event registry: every kind of the schema's
 * Event oneof has a row with an apply and a description, and the files an
 * event names are found the same way for each kind that names any. */
#include "testutil.h"
#include "events.h"

/* Every member of Event.kind (the schema) has its row. */
static void test_every_kind_registered(void **state)
{
	const ProtobufCMessageDescriptor *d = &vanthu__v1__event__descriptor;
	unsigned kinds = 0;
	(void)state;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
		const vt_event_kind *k;
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		kinds++;
		ev.kind_case = (Vanthu__V1__Event__KindCase)f->id;
		if (!(k = vt_event_kind_of(&ev)))
			fail_msg("event kind %s (%u) has no row in the registry", f->name, f->id);
		assert_non_null(k->apply);
		assert_non_null(k->describe);
		assert_string_equal(vt_event_name(&ev), f->name);
	}
	assert_true(kinds >= 15);
}

static void test_unknown_kind(void **state)
{
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__LogEntry e = VANTHU__V1__LOG_ENTRY__INIT;
	vt_apply_result res;
	(void)state;
	assert_null(vt_event_kind_of(&ev));
	assert_string_equal(vt_event_name(&ev), "none");
	ev.kind_case = (Vanthu__V1__Event__KindCase)999;
	assert_null(vt_event_kind_of(&ev));
	e.seq = 7;
	e.event = &ev;
	assert_vt_error(vt_events_apply(NULL, NULL, &e, &res), VT_EINVAL, "unknown event kind 999");
	assert_int_equal(res.seq, 7);
	e.event = NULL;
	assert_vt_error(vt_events_apply(NULL, NULL, &e, NULL), VT_EINVAL, "has no event");
}

typedef struct seen {
	size_t n;
	uint64_t sizes[4];
} seen;

static void saw(void *payload, const uint8_t sha256[32], uint64_t size)
{
	seen *s = payload;
	(void)sha256;
	if (s->n < 4)
		s->sizes[s->n] = size;
	s->n++;
}

static void test_blobs(void **state)
{
	uint8_t h1[32] = { 1 }, h2[32] = { 2 };
	Vanthu__V1__Attachment a1 = VANTHU__V1__ATTACHMENT__INIT, a2 = VANTHU__V1__ATTACHMENT__INIT;
	Vanthu__V1__Attachment *atts[] = { &a1, &a2 };
	Vanthu__V1__DocumentMeta m = VANTHU__V1__DOCUMENT_META__INIT;
	Vanthu__V1__DocumentCreated dc = VANTHU__V1__DOCUMENT_CREATED__INIT;
	Vanthu__V1__BlobAdded ba = VANTHU__V1__BLOB_ADDED__INIT;
	Vanthu__V1__DocumentAction act = VANTHU__V1__DOCUMENT_ACTION__INIT;
	Vanthu__V1__AccountUpdated au = VANTHU__V1__ACCOUNT_UPDATED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__LogEntry e = VANTHU__V1__LOG_ENTRY__INIT;
	seen s = { 0 };
	(void)state;
	a1.sha256 = (ProtobufCBinaryData){ 32, h1 };
	a1.size = 10;
	a2.sha256 = (ProtobufCBinaryData){ 31, h2 }; /* not a SHA-256: not named */
	a2.size = 20;
	m.attachments = atts;
	m.n_attachments = 2;
	dc.meta = &m;
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_CREATED;
	ev.document_created = &dc;
	e.event = &ev;
	vt_event_blobs(&e, saw, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.sizes[0], 10);

	s.n = 0;
	ba.sha256 = (ProtobufCBinaryData){ 32, h2 };
	ba.size = 30;
	ev.kind_case = VANTHU__V1__EVENT__KIND_BLOB_ADDED;
	ev.blob_added = &ba;
	vt_event_blobs(&e, saw, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.sizes[0], 30);

	s.n = 0;
	act.attachment = &a1;
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_ACTION;
	ev.document_action = &act;
	vt_event_blobs(&e, saw, &s);
	assert_int_equal(s.n, 1);

	s.n = 0;
	ev.kind_case = VANTHU__V1__EVENT__KIND_ACCOUNT_UPDATED;
	ev.account_updated = &au;
	vt_event_blobs(&e, saw, &s);
	assert_int_equal(s.n, 0);
}

static void test_describe(void **state)
{
	Vanthu__V1__BlobAdded ba = VANTHU__V1__BLOB_ADDED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	uint8_t h[32] = { 0xab };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	(void)state;
	ba.sha256 = (ProtobufCBinaryData){ 32, h };
	ba.size = 1234;
	ev.kind_case = VANTHU__V1__EVENT__KIND_BLOB_ADDED;
	ev.blob_added = &ba;
	vt_event_describe(f, &ev);
	fclose(f);
	assert_non_null(strstr(buf, "blob ab00"));
	assert_non_null(strstr(buf, "(1234 bytes)"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_registered),
		cmocka_unit_test(test_unknown_kind),
		cmocka_unit_test(test_blobs),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
