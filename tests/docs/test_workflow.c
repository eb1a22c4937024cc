/* The workflow tables: every row has its effect, and only the rows of the
 * exchange statuses send one; every (state, action, role) not in the table
 * is refused by the check; every (state, action) not in the table is
 * refused by the apply, on documents driven into each state, and leaves
 * them as they were; who may act (holder, drafter, unit) is enforced; a
 * document that came from another node sends its status back as the rows
 * say. */
#include "testutil.h"

#include "accounts/account.h"
#include "docs/doc.h"
#include "docs/exchange.h"
#include "verify.h"
#include "docs/workflow.h"

static const Vanthu__V1__WorkflowState in_states[] = {
	VANTHU__V1__WORKFLOW_STATE__IN_RECEIVED, VANTHU__V1__WORKFLOW_STATE__IN_REJECTED,
	VANTHU__V1__WORKFLOW_STATE__IN_REGISTERED, VANTHU__V1__WORKFLOW_STATE__IN_SUBMITTED,
	VANTHU__V1__WORKFLOW_STATE__IN_DIRECTED, VANTHU__V1__WORKFLOW_STATE__IN_ASSIGNED,
	VANTHU__V1__WORKFLOW_STATE__IN_RESOLVED,
};
static const Vanthu__V1__WorkflowState out_states[] = {
	VANTHU__V1__WORKFLOW_STATE__OUT_DRAFT, VANTHU__V1__WORKFLOW_STATE__OUT_SUBMITTED,
	VANTHU__V1__WORKFLOW_STATE__OUT_INITIALED, VANTHU__V1__WORKFLOW_STATE__OUT_APPRAISAL,
	VANTHU__V1__WORKFLOW_STATE__OUT_SIGNED, VANTHU__V1__WORKFLOW_STATE__OUT_ISSUED,
	VANTHU__V1__WORKFLOW_STATE__OUT_DISTRIBUTED, VANTHU__V1__WORKFLOW_STATE__OUT_PAPER_ISSUED,
};
static const Vanthu__V1__Action actions[] = {
	VT_ACTION_REGISTER, VANTHU__V1__ACTION__REJECT, VANTHU__V1__ACTION__DIGITISE,
	VANTHU__V1__ACTION__SUBMIT_TO_HEAD, VANTHU__V1__ACTION__DIRECT, VANTHU__V1__ACTION__ASSIGN,
	VANTHU__V1__ACTION__RESOLVE, VANTHU__V1__ACTION__COMMENT, VANTHU__V1__ACTION__SUBMIT,
	VANTHU__V1__ACTION__REQUEST_CHANGES, VANTHU__V1__ACTION__REVISE, VANTHU__V1__ACTION__INITIAL,
	VANTHU__V1__ACTION__SEND_FOR_APPRAISAL, VANTHU__V1__ACTION__APPRAISE, VANTHU__V1__ACTION__SIGN,
	VANTHU__V1__ACTION__RETURN_TO_DRAFTER, VANTHU__V1__ACTION__ISSUE, VANTHU__V1__ACTION__DISTRIBUTE,
	VANTHU__V1__ACTION__ATTACH_DIGITISED, VANTHU__V1__ACTION__ADD_TO_DOSSIER,
};
#define N(a) (sizeof(a) / sizeof(a[0]))

/* The rows that send a status back to the node a document came from; every
 * other row sends none. */
static const struct {
	Vanthu__V1__WorkflowState from;
	Vanthu__V1__Action action;
	const char *status;
} statuses[] = {
	{ VANTHU__V1__WORKFLOW_STATE__IN_RECEIVED, VT_ACTION_REGISTER, VT_XS_ACCEPTED },
	{ VANTHU__V1__WORKFLOW_STATE__IN_RECEIVED, VANTHU__V1__ACTION__REJECT, VT_XS_REJECTED },
	{ VANTHU__V1__WORKFLOW_STATE__IN_SUBMITTED, VANTHU__V1__ACTION__DIRECT, VT_XS_ASSIGNED },
	{ VANTHU__V1__WORKFLOW_STATE__IN_DIRECTED, VANTHU__V1__ACTION__ASSIGN, VT_XS_PROCESSING },
	{ VANTHU__V1__WORKFLOW_STATE__IN_DIRECTED, VANTHU__V1__ACTION__RESOLVE, VT_XS_DONE },
	{ VANTHU__V1__WORKFLOW_STATE__IN_ASSIGNED, VANTHU__V1__ACTION__RESOLVE, VT_XS_DONE },
};

/* Every row: an effect, one row per (workflow, state, action), the status
 * it sends as above. */
static void test_rows(void **state)
{
	size_t n, sent = 0;
	const vt_transition *t = vt_workflow_table(&n);
	(void)state;
	assert_true(n > 30);
	for (size_t i = 0; i < n; i++) {
		const char *want = NULL;
		if (!t[i].effect)
			fail_msg("row %zu (%s, %s) has no effect", i, vt_state_name(t[i].from), vt_action_name(t[i].action));
		if (vt_workflow_find(t[i].workflow, t[i].from, t[i].action) != &t[i])
			fail_msg("row %zu (%s, %s) is there twice", i, vt_state_name(t[i].from), vt_action_name(t[i].action));
		for (size_t j = 0; j < N(statuses); j++)
			if (t[i].workflow == VANTHU__V1__DIRECTION__INCOMING && t[i].from == statuses[j].from &&
			    t[i].action == statuses[j].action)
				want = statuses[j].status;
		if (!want != !t[i].status || (want && strcmp(want, t[i].status) != 0))
			fail_msg("row %zu (%s, %s) sends %s, not %s", i, vt_state_name(t[i].from),
				vt_action_name(t[i].action), t[i].status ? t[i].status : "nothing", want ? want : "nothing");
		sent += t[i].status != NULL;
	}
	assert_int_equal(sent, N(statuses));
}

/* Every state × action × role: allowed exactly when a table row says so. */
static void test_check_matches_table(void **state)
{
	size_t tried = 0, allowed = 0;
	(void)state;
	for (int wf = 0; wf < 2; wf++) {
		Vanthu__V1__Direction dir = wf ? VANTHU__V1__DIRECTION__OUTGOING : VANTHU__V1__DIRECTION__INCOMING;
		const Vanthu__V1__WorkflowState *states = wf ? out_states : in_states;
		size_t nstates = wf ? N(out_states) : N(in_states);
		for (size_t si = 0; si < nstates; si++)
			for (size_t ai = 0; ai < N(actions); ai++)
				for (unsigned role = 1; role <= 7; role++) {
					Vanthu__V1__DocumentMeta m = VANTHU__V1__DOCUMENT_META__INIT;
					Vanthu__V1__Document d = VANTHU__V1__DOCUMENT__INIT;
					Vanthu__V1__Account acc = VANTHU__V1__ACCOUNT__INIT;
					Vanthu__V1__Role roles[1] = { (Vanthu__V1__Role)role };
					const vt_transition *t = vt_workflow_find(dir, states[si], actions[ai]);
					int want = t && (t->roles & (1u << role)), rc;
					m.direction = dir;
					d.id = "x/1";
					d.meta = &m;
					d.state = states[si];
					d.drafter = "u";
					d.holder = "";
					acc.name = "u";
					acc.roles = roles;
					acc.n_roles = 1;
					rc = vt_workflow_check(&d, actions[ai], &acc);
					if ((rc == 0) != want)
						fail_msg("%s/%s/%s: check says %d (%s), table says %s", vt_state_name(states[si]),
							vt_action_name(actions[ai]), vt_role_name((Vanthu__V1__Role)role), rc,
							vt_error_last(), want ? "allowed" : "refused");
					if (rc < 0) {
						/* the refusal names the state, or who may */
						assert_true(strstr(vt_error_last(), t ? "may not" : "possible now") != NULL);
						assert_int_equal(rc, t ? VT_EPERM : VT_ECONFLICT);
					}
					tried++;
					allowed += rc == 0;
				}
	}
	print_message("%zu combinations, %zu allowed\n", tried, allowed);
	assert_true(allowed > 30 && allowed < tried / 4);
}

static void test_who(void **state)
{
	Vanthu__V1__DocumentMeta m = VANTHU__V1__DOCUMENT_META__INIT;
	Vanthu__V1__Document d = VANTHU__V1__DOCUMENT__INIT;
	Vanthu__V1__Account a = VANTHU__V1__ACCOUNT__INIT;
	Vanthu__V1__Role lead[1] = { VANTHU__V1__ROLE__UNIT_LEADER }, staff[1] = { VANTHU__V1__ROLE__STAFF };
	(void)state;
	m.direction = VANTHU__V1__DIRECTION__OUTGOING;
	d.id = "x/1";
	d.meta = &m;
	a.roles = lead;
	a.n_roles = 1;
	/* the holder only */
	d.state = VANTHU__V1__WORKFLOW_STATE__OUT_SUBMITTED;
	d.holder = "truong.a";
	a.name = "truong.b";
	assert_vt_error(vt_workflow_check(&d, VANTHU__V1__ACTION__INITIAL, &a), VT_EPERM, "only they may");
	a.name = "truong.a";
	assert_vt_ok(vt_workflow_check(&d, VANTHU__V1__ACTION__INITIAL, &a));
	/* the drafter only */
	d.state = VANTHU__V1__WORKFLOW_STATE__OUT_DRAFT;
	d.drafter = "cv.a";
	a.roles = staff;
	a.name = "cv.b";
	assert_vt_error(vt_workflow_check(&d, VANTHU__V1__ACTION__SUBMIT, &a), VT_EPERM, "only the drafter");
	/* the appraisal unit only */
	d.state = VANTHU__V1__WORKFLOW_STATE__OUT_APPRAISAL;
	d.appraisal_unit = "phap-che";
	a.unit = "ke-hoach";
	assert_vt_error(vt_workflow_check(&d, VANTHU__V1__ACTION__APPRAISE, &a), VT_EPERM, "is with unit phap-che");
	a.unit = "phap-che";
	assert_vt_ok(vt_workflow_check(&d, VANTHU__V1__ACTION__APPRAISE, &a));
}

/* ---- the apply: documents driven into every state */

typedef struct world {
	char dir[4096];
	vt_node *n;
	char blob_name[8];
	uint8_t pdf[VT_HASH_LEN];
} world;

static int act(world *w, const char *id, Vanthu__V1__Action action, const char *to)
{
	Vanthu__V1__DocumentAction a = VANTHU__V1__DOCUMENT_ACTION__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__Attachment att = VANTHU__V1__ATTACHMENT__INIT;
	static char *units[] = { "kh" };
	a.document_id = (char *)id;
	a.action = action;
	a.comment = "ý kiến";
	a.to = (char *)(to ? to : "");
	a.lead_unit = "kh";
	a.lead_person = "";
	a.deadline = "2099-01-01";
	a.dossier = "HS-1";
	a.dossier_title = "Hồ sơ";
	a.book = "di";
	a.recipients = units;
	a.n_recipients = 1;
	att.sha256.data = w->pdf;
	att.sha256.len = VT_HASH_LEN;
	att.name = "scan.pdf";
	att.size = 12;
	a.attachment = &att;
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_ACTION;
	ev.document_action = &a;
	return vt_log_append(w->n->log, "someone", &ev, NULL);
}

static void account(world *w, const char *name, Vanthu__V1__Role role, const char *unit)
{
	Vanthu__V1__Account a = VANTHU__V1__ACCOUNT__INIT;
	Vanthu__V1__Role r[1] = { role };
	a.name = (char *)name;
	a.full_name = (char *)name;
	a.roles = r;
	a.n_roles = 1;
	a.unit = (char *)unit;
	assert_vt_ok(vt_account_create(w->n->log, "admin", &a, "a long password", "", NULL));
}

/* A fresh document of the workflow, driven into state s. */
static void into(world *w, Vanthu__V1__Direction dir, Vanthu__V1__WorkflowState s, char *id, size_t cap)
{
	vt_test_doc d = { 0 };
	vt_apply_result r;
	d.direction = dir;
	d.draft = 1;
	d.number_symbol = dir == VANTHU__V1__DIRECTION__INCOMING ? "1/QĐ-X" : NULL;
	if (s == VANTHU__V1__WORKFLOW_STATE__OUT_PAPER_ISSUED)
		d.draft = 0;
	assert_vt_ok(vt_test_create(w->n, &d, &r));
	snprintf(id, cap, "%s", r.document_id);
#define STEP(st, call) if (s == VANTHU__V1__WORKFLOW_STATE__##st) return; assert_vt_ok(call)
	if (dir == VANTHU__V1__DIRECTION__INCOMING) {
		if (s == VANTHU__V1__WORKFLOW_STATE__IN_REJECTED) {
			assert_vt_ok(act(w, id, VANTHU__V1__ACTION__REJECT, NULL));
			return;
		}
		STEP(IN_RECEIVED, vt_test_register(w->n, id, "den", 1, &r));
		STEP(IN_REGISTERED, act(w, id, VANTHU__V1__ACTION__SUBMIT_TO_HEAD, "gd"));
		STEP(IN_SUBMITTED, act(w, id, VANTHU__V1__ACTION__DIRECT, NULL));
		if (s == VANTHU__V1__WORKFLOW_STATE__IN_RESOLVED) {
			assert_vt_ok(act(w, id, VANTHU__V1__ACTION__RESOLVE, NULL));
			return;
		}
		STEP(IN_DIRECTED, act(w, id, VANTHU__V1__ACTION__ASSIGN, "cv"));
		return;
	}
	if (s == VANTHU__V1__WORKFLOW_STATE__OUT_PAPER_ISSUED) {
		assert_vt_ok(vt_test_register(w->n, id, "di", 0, &r)); /* numbered, still paper-issued */
		return;
	}
	STEP(OUT_DRAFT, act(w, id, VANTHU__V1__ACTION__SUBMIT, "tp"));
	STEP(OUT_SUBMITTED, act(w, id, VANTHU__V1__ACTION__INITIAL, "gd"));
	if (s == VANTHU__V1__WORKFLOW_STATE__OUT_APPRAISAL) {
		assert_vt_ok(act(w, id, VANTHU__V1__ACTION__SEND_FOR_APPRAISAL, "kh"));
		return;
	}
	STEP(OUT_INITIALED, act(w, id, VANTHU__V1__ACTION__SIGN, NULL));
	STEP(OUT_SIGNED, act(w, id, VANTHU__V1__ACTION__ISSUE, NULL));
	STEP(OUT_ISSUED, act(w, id, VANTHU__V1__ACTION__DISTRIBUTE, NULL));
#undef STEP
}

/* A node with a PDF, unit kh, and its leaders and staff. */
static void world_open(world *w)
{
	Vanthu__V1__OrgUnit u = VANTHU__V1__ORG_UNIT__INIT;
	Vanthu__V1__UnitDefined ud = VANTHU__V1__UNIT_DEFINED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	memset(w, 0, sizeof(*w));
	w->n = vt_test_node_new(w->dir, sizeof(w->dir), "wf", NULL);
	assert_vt_ok(vt_store_blob_put(w->n->store, "%PDF-1.7\nx\n", 12, w->pdf));
	u.id = "kh";
	u.name = "Kế hoạch";
	u.parent = "";
	ud.unit = &u;
	ev.kind_case = VANTHU__V1__EVENT__KIND_UNIT_DEFINED;
	ev.unit_defined = &ud;
	assert_vt_ok(vt_log_append(w->n->log, "admin", &ev, NULL));
	account(w, "gd", VANTHU__V1__ROLE__AGENCY_LEADER, "");
	account(w, "tp", VANTHU__V1__ROLE__UNIT_LEADER, "kh");
	account(w, "cv", VANTHU__V1__ROLE__STAFF, "kh");
}

static void test_apply_refuses_outside_table(void **state)
{
	world w;
	size_t refused = 0, applied = 0;
	(void)state;
	world_open(&w);
	for (int wf = 0; wf < 2; wf++) {
		Vanthu__V1__Direction dir = wf ? VANTHU__V1__DIRECTION__OUTGOING : VANTHU__V1__DIRECTION__INCOMING;
		const Vanthu__V1__WorkflowState *states = wf ? out_states : in_states;
		size_t nstates = wf ? N(out_states) : N(in_states);
		for (size_t si = 0; si < nstates; si++) {
			for (size_t ai = 0; ai < N(actions); ai++) {
				char id[VT_ID_MAX];
				Vanthu__V1__Document *d = NULL;
				const char *to = actions[ai] == VANTHU__V1__ACTION__SEND_FOR_APPRAISAL ? "kh" :
					actions[ai] == VANTHU__V1__ACTION__INITIAL || actions[ai] == VANTHU__V1__ACTION__SUBMIT_TO_HEAD ? "gd" :
					actions[ai] == VANTHU__V1__ACTION__SUBMIT ? "tp" : "cv";
				int rc;
				if (actions[ai] == VT_ACTION_REGISTER)
					continue; /* DocumentRegistered: tested in the register tests */
				into(&w, dir, states[si], id, sizeof(id));
				assert_vt_ok(vt_doc_get(w.n->store, w.n->node_id, id, &d));
				assert_int_equal(d->state, states[si]);
				vanthu__v1__document__free_unpacked(d, NULL);
				rc = act(&w, id, actions[ai], to);
				if (!vt_workflow_find(dir, states[si], actions[ai])) {
					if (rc != VT_ECONFLICT || !strstr(vt_error_last(), "possible now"))
						fail_msg("%s + %s: applied (%d %s), the table has no such row",
							vt_state_name(states[si]), vt_action_name(actions[ai]), rc, vt_error_last());
					refused++;
				} else if (rc == 0) {
					applied++;
				} else if (rc != VT_EEXISTS) { /* add-to-dossier twice */
					fail_msg("%s + %s: %d %s", vt_state_name(states[si]), vt_action_name(actions[ai]), rc,
						vt_error_last());
				}
			}
		}
	}
	print_message("%zu refused outside the table, %zu applied\n", refused, applied);
	assert_true(refused > 200 && applied > 25);
	{
		vt_verify_opts vo = { .rebuild = 1 };
		vt_verify_report rep;
		vo.scratch_dir = getenv("VT_TEST_TMP");
		assert_vt_ok(vt_log_verify(w.n->store, w.n->node_id, w.n->pk, &vo, &rep));
	}
	vt_test_node_done(w.n, w.dir);
}

static void assert_unchanged(world *w, const char *id, Vanthu__V1__WorkflowState st, uint64_t seq)
{
	Vanthu__V1__Document *d = NULL;
	assert_vt_ok(vt_doc_get(w->n->store, w->n->node_id, id, &d));
	assert_int_equal(d->state, st);
	assert_int_equal(d->updated_seq, seq);
	vanthu__v1__document__free_unpacked(d, NULL);
}

static uint64_t updated_seq(world *w, const char *id)
{
	Vanthu__V1__Document *d = NULL;
	uint64_t seq;
	assert_vt_ok(vt_doc_get(w->n->store, w->n->node_id, id, &d));
	seq = d->updated_seq;
	vanthu__v1__document__free_unpacked(d, NULL);
	return seq;
}

/* Refused: an action of another state, registration asked as an action,
 * the number of an outgoing draft; the document stays as it was. */
static void test_refusal_leaves_document(void **state)
{
	world w;
	char id[VT_ID_MAX], out[VT_ID_MAX];
	vt_apply_result r;
	uint64_t seq;
	(void)state;
	world_open(&w);
	into(&w, VANTHU__V1__DIRECTION__INCOMING, VANTHU__V1__WORKFLOW_STATE__IN_REGISTERED, id, sizeof(id));
	seq = updated_seq(&w, id);
	assert_vt_error(act(&w, id, VANTHU__V1__ACTION__RESOLVE, "cv"), VT_ECONFLICT,
		"'resolve' is not possible there (possible now: digitise, submit-to-head, add-to-dossier)");
	assert_vt_error(act(&w, id, VANTHU__V1__ACTION__ISSUE, NULL), VT_ECONFLICT, "is registered");
	assert_vt_error(vt_test_register(w.n, id, "den", 1, &r), VT_ECONFLICT, "'register' is not possible there");
	assert_unchanged(&w, id, VANTHU__V1__WORKFLOW_STATE__IN_REGISTERED, seq);

	into(&w, VANTHU__V1__DIRECTION__INCOMING, VANTHU__V1__WORKFLOW_STATE__IN_RECEIVED, id, sizeof(id));
	seq = updated_seq(&w, id);
	assert_vt_error(act(&w, id, VT_ACTION_REGISTER, NULL), VT_EINVAL, "is not one the workflow knows");
	assert_unchanged(&w, id, VANTHU__V1__WORKFLOW_STATE__IN_RECEIVED, seq);

	into(&w, VANTHU__V1__DIRECTION__OUTGOING, VANTHU__V1__WORKFLOW_STATE__OUT_DRAFT, out, sizeof(out));
	seq = updated_seq(&w, out);
	assert_vt_error(vt_test_register(w.n, out, "di", 0, &r), VT_ECONFLICT, "gets its number when the clerk issues it");
	assert_unchanged(&w, out, VANTHU__V1__WORKFLOW_STATE__OUT_DRAFT, seq);
	vt_test_node_done(w.n, w.dir);
}

#define SENDER "000.00.01.U01"

static int status_code(void *payload, uint64_t seq, const Vanthu__V1__ExchangeMessage *m)
{
	char *codes = payload;
	(void)seq;
	if (m->kind_case == VANTHU__V1__EXCHANGE_MESSAGE__KIND_STATUS && strlen(codes) + strlen(m->status->code) + 2 < 64)
		sprintf(codes + strlen(codes), "%s%s", *codes ? " " : "", m->status->code);
	return 0;
}

/* A document from another node through the incoming workflow: the rows
 * with a status send it back, the others nothing. */
static void test_status_back(void **state)
{
	world w;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__ExchangeReceived xr = VANTHU__V1__EXCHANGE_RECEIVED__INIT;
	Vanthu__V1__ExchangeMessage m = VANTHU__V1__EXCHANGE_MESSAGE__INIT;
	Vanthu__V1__DocumentMeta meta = VANTHU__V1__DOCUMENT_META__INIT;
	vt_apply_result res, reg;
	char id[VT_ID_MAX], codes[64] = "";
	(void)state;
	world_open(&w);
	meta.direction = VANTHU__V1__DIRECTION__OUTGOING; /* as the sender has it */
	meta.doc_type = "CV";
	meta.number_symbol = "12/UBND-VP";
	meta.summary = "V/v họp giao ban";
	m.to = w.n->node_id;
	m.document_id = SENDER "/9";
	m.sender_name = "UBND huyện Một";
	m.kind_case = VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT;
	m.document = &meta;
	xr.from = SENDER;
	xr.from_seq = 1;
	xr.message = &m;
	ev.kind_case = VANTHU__V1__EVENT__KIND_EXCHANGE_RECEIVED;
	ev.exchange_received = &xr;
	assert_vt_ok(vt_log_append(w.n->log, "node", &ev, &res));
	snprintf(id, sizeof(id), "%s", res.document_id);
	assert_vt_ok(vt_test_register(w.n, id, "den", 0, &reg));
	assert_vt_ok(act(&w, id, VANTHU__V1__ACTION__DIGITISE, NULL));
	assert_vt_ok(act(&w, id, VANTHU__V1__ACTION__SUBMIT_TO_HEAD, "gd"));
	assert_vt_ok(act(&w, id, VANTHU__V1__ACTION__DIRECT, NULL));
	assert_vt_ok(act(&w, id, VANTHU__V1__ACTION__COMMENT, NULL));
	assert_vt_ok(act(&w, id, VANTHU__V1__ACTION__ASSIGN, "cv"));
	assert_vt_ok(act(&w, id, VANTHU__V1__ACTION__RESOLVE, NULL));
	assert_vt_ok(vt_exchange_outbox_each(w.n->store, w.n->node_id, SENDER, 0, status_code, codes));
	assert_string_equal(codes, "01 03 04 05 06");
	vt_test_node_done(w.n, w.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_check_matches_table),
		cmocka_unit_test(test_who),
		cmocka_unit_test(test_apply_refuses_outside_table),
		cmocka_unit_test(test_refusal_leaves_document),
		cmocka_unit_test(test_status_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
