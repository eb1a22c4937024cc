/* Exchange between nodes at the level of the log: what a receiver records
 * for each delivered message (a document, a recall, a status), each once
 * and in order, and what goes back to the sender through its outbox. */
#include "testutil.h"

#include "docs/doc.h"
#include "docs/exchange.h"

#define SENDER "000.00.01.U01"

typedef struct fixture {
	char dir[4096];
	vt_node *n;     /* the receiver (VT_TEST_NODE_ID) */
	uint8_t hash[32];
	size_t blob_len;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	static const char pdf[] = "%PDF-1.4\n% công văn\n%%EOF\n";
	f->n = vt_test_node_new(f->dir, sizeof(f->dir), "exchange", NULL);
	f->blob_len = sizeof(pdf) - 1;
	/* the hub sends the file before the delivery */
	assert_vt_ok(vt_store_blob_put(f->n->store, pdf, f->blob_len, f->hash));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	vt_test_node_done(f->n, f->dir);
	free(f);
	return 0;
}

static int deliver(fixture *f, const char *from, uint64_t seq, Vanthu__V1__ExchangeMessage *m, vt_apply_result *res)
{
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__ExchangeReceived xr = VANTHU__V1__EXCHANGE_RECEIVED__INIT;
	vt_apply_result scratch;
	xr.from = (char *)from;
	xr.from_seq = seq;
	xr.message = m;
	ev.kind_case = VANTHU__V1__EVENT__KIND_EXCHANGE_RECEIVED;
	ev.exchange_received = &xr;
	return vt_log_append(f->n->log, "node", &ev, res ? res : &scratch);
}

static int deliver_doc(fixture *f, uint64_t seq, const char *source, vt_apply_result *res)
{
	Vanthu__V1__ExchangeMessage m = VANTHU__V1__EXCHANGE_MESSAGE__INIT;
	Vanthu__V1__DocumentMeta meta = VANTHU__V1__DOCUMENT_META__INIT;
	Vanthu__V1__Attachment att = VANTHU__V1__ATTACHMENT__INIT, *atts[1] = { &att };
	att.sha256.data = f->hash;
	att.sha256.len = 32;
	att.size = f->blob_len;
	att.name = "cv.pdf";
	meta.direction = VANTHU__V1__DIRECTION__OUTGOING; /* as the sender has it */
	meta.doc_type = "CV";
	meta.number_symbol = "12/UBND-VP";
	meta.summary = "V/v họp giao ban";
	meta.attachments = atts;
	meta.n_attachments = 1;
	m.to = VT_TEST_NODE_ID;
	m.document_id = (char *)source;
	m.sender_name = "UBND huyện Một";
	m.kind_case = VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT;
	m.document = &meta;
	return deliver(f, SENDER, seq, &m, res);
}

/* The messages waiting in the receiver's outbox for the sender, in order. */
typedef struct outbox {
	char code[8][8];
	char text[8][64];
	int n;
} outbox;

static int outbox_item(void *ctx, uint64_t seq, const Vanthu__V1__ExchangeMessage *m)
{
	outbox *o = ctx;
	(void)seq;
	if (o->n < 8 && m->kind_case == VANTHU__V1__EXCHANGE_MESSAGE__KIND_STATUS) {
		snprintf(o->code[o->n], sizeof(o->code[0]), "%s", m->status->code);
		snprintf(o->text[o->n], sizeof(o->text[0]), "%s", m->status->text);
		o->n++;
	}
	return 0;
}

static void read_outbox(fixture *f, outbox *o)
{
	memset(o, 0, sizeof(*o));
	assert_vt_ok(vt_exchange_outbox_each(f->n->store, VT_TEST_NODE_ID, SENDER, 0, outbox_item, o));
}

static void test_document_arrives(void **state)
{
	fixture *f = *state;
	vt_apply_result res, reg;
	Vanthu__V1__Document *d = NULL;
	outbox o;
	uint64_t cursor;
	assert_vt_ok(deliver_doc(f, 17, SENDER "/9", &res));
	assert_vt_ok(vt_doc_get(f->n->store, VT_TEST_NODE_ID, res.document_id, &d));
	assert_int_equal(d->meta->direction, VANTHU__V1__DIRECTION__INCOMING);
	assert_int_equal(d->state, VANTHU__V1__WORKFLOW_STATE__IN_RECEIVED);
	assert_string_equal(d->exchange_from, SENDER);
	assert_string_equal(d->exchange_source, SENDER "/9");
	assert_string_equal(d->meta->issuing_agency, "UBND huyện Một");
	assert_string_equal(d->signatures[0]->check, "pending"); /* the sender's signature, to be checked */
	vanthu__v1__document__free_unpacked(d, NULL);
	assert_vt_ok(vt_exchange_cursor(f->n->store, VT_TEST_NODE_ID, SENDER, &cursor));
	assert_int_equal(cursor, 17);
	/* each message once, in the sender's order */
	assert_vt_error(deliver_doc(f, 17, SENDER "/9", NULL), VT_EEXISTS, "received already");
	assert_vt_error(deliver_doc(f, 12, SENDER "/5", NULL), VT_EEXISTS, "received already");
	/* 01 went back; registering sends 03 */
	assert_vt_ok(vt_test_register(f->n, res.document_id, "den", 0, &reg));
	read_outbox(f, &o);
	assert_int_equal(o.n, 2);
	assert_string_equal(o.code[0], VT_XS_ARRIVED);
	assert_string_equal(o.code[1], VT_XS_ACCEPTED);
}

static void test_reject_and_recall(void **state)
{
	fixture *f = *state;
	vt_apply_result a, b, r;
	Vanthu__V1__ExchangeMessage m = VANTHU__V1__EXCHANGE_MESSAGE__INIT;
	Vanthu__V1__DocumentAction act = VANTHU__V1__DOCUMENT_ACTION__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__Document *d = NULL;
	outbox o;
	assert_vt_ok(deliver_doc(f, 3, SENDER "/1", &a));
	assert_vt_ok(deliver_doc(f, 4, SENDER "/2", &b));
	/* the clerk rejects the first: 02 with the reason */
	act.document_id = a.document_id;
	act.action = VANTHU__V1__ACTION__REJECT;
	act.comment = "Gửi nhầm đơn vị";
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_ACTION;
	ev.document_action = &act;
	assert_vt_ok(vt_log_append(f->n->log, "van.thu", &ev, &r));
	/* the sender recalls the second */
	m.to = VT_TEST_NODE_ID;
	m.document_id = SENDER "/2";
	m.kind_case = VANTHU__V1__EXCHANGE_MESSAGE__KIND_RECALL;
	m.recall = "Thu hồi để sửa";
	assert_vt_ok(deliver(f, SENDER, 5, &m, NULL));
	assert_vt_ok(vt_doc_get(f->n->store, VT_TEST_NODE_ID, b.document_id, &d));
	assert_true(d->recalled_at > 0);
	assert_string_equal(d->recall_reason, "Thu hồi để sửa");
	vanthu__v1__document__free_unpacked(d, NULL);
	/* nothing more happens to a recalled document */
	act.document_id = b.document_id;
	act.action = VANTHU__V1__ACTION__DIGITISE;
	act.comment = "";
	assert_vt_error(vt_log_append(f->n->log, "van.thu", &ev, &r), VT_ECONFLICT, "recalled");
	/* a recall of something never received is recorded and does nothing */
	m.document_id = SENDER "/999";
	assert_vt_ok(deliver(f, SENDER, 6, &m, NULL));
	read_outbox(f, &o);
	assert_int_equal(o.n, 4);
	assert_string_equal(o.code[2], VT_XS_REJECTED);
	assert_string_equal(o.text[2], "Gửi nhầm đơn vị");
	assert_string_equal(o.code[3], VT_XS_RECALLED);
}

static void test_status_of_sent_document(void **state)
{
	fixture *f = *state;
	vt_test_doc td = { 0 };
	vt_apply_result c;
	Vanthu__V1__ExchangeMessage m = VANTHU__V1__EXCHANGE_MESSAGE__INIT;
	Vanthu__V1__ExchangeStatus st = VANTHU__V1__EXCHANGE_STATUS__INIT;
	Vanthu__V1__Document *d = NULL;
	td.direction = VANTHU__V1__DIRECTION__OUTGOING;
	td.summary = "Công văn gửi đơn vị 1";
	assert_vt_ok(vt_test_create(f->n, &td, &c));
	m.to = VT_TEST_NODE_ID;
	m.document_id = c.document_id;
	m.kind_case = VANTHU__V1__EXCHANGE_MESSAGE__KIND_STATUS;
	m.status = &st;
	st.node = "someone-else"; /* the node is the certified sender's, not this text */
	st.code = VT_XS_ARRIVED;
	assert_vt_ok(deliver(f, SENDER, 1, &m, NULL));
	st.code = VT_XS_ACCEPTED;
	assert_vt_ok(deliver(f, SENDER, 2, &m, NULL));
	assert_vt_ok(vt_doc_get(f->n->store, VT_TEST_NODE_ID, c.document_id, &d));
	assert_int_equal(d->n_exchange_status, 1); /* the latest per receiver */
	assert_string_equal(d->exchange_status[0]->node, SENDER);
	assert_string_equal(d->exchange_status[0]->code, "03");
	vanthu__v1__document__free_unpacked(d, NULL);
	/* a status for a document that is not ours is recorded and ignored */
	m.document_id = "000.00.09.X/1";
	assert_vt_ok(deliver(f, SENDER, 3, &m, NULL));
	/* malformed: a message for another node, or from itself */
	m.to = SENDER;
	assert_vt_error(deliver(f, SENDER, 4, &m, NULL), VT_EINVAL, "delivered to");
	m.to = VT_TEST_NODE_ID;
	assert_vt_error(deliver(f, VT_TEST_NODE_ID, 4, &m, NULL), VT_EINVAL, "another node");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_document_arrives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reject_and_recall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_of_sent_document, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
