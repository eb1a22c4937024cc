/* The workflow tables: every (state, action, role) not in the table is
 * refused by the check; every (state, action) not in the table is refused by
 * the apply, on documents driven into each state; who may act (holder,
 * drafter, unit) is enforced. */
#include "testutil.h"

#include "accounts/account.h"
#include "docs/doc.h"
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

static void test_apply_refuses_outside_table(void **state)
{
	world w;
	Vanthu__V1__OrgUnit u = VANTHU__V1__ORG_UNIT__INIT;
	Vanthu__V1__UnitDefined ud = VANTHU__V1__UNIT_DEFINED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	size_t refused = 0, applied = 0;
	(void)state;
	memset(&w, 0, sizeof(w));
	w.n = vt_test_node_new(w.dir, sizeof(w.dir), "wf", NULL);
	assert_vt_ok(vt_store_blob_put(w.n->store, "%PDF-1.7\nx\n", 12, w.pdf));
	u.id = "kh";
	u.name = "Kế hoạch";
	u.parent = "";
	ud.unit = &u;
	ev.kind_case = VANTHU__V1__EVENT__KIND_UNIT_DEFINED;
	ev.unit_defined = &ud;
	assert_vt_ok(vt_log_append(w.n->log, "admin", &ev, NULL));
	account(&w, "gd", VANTHU__V1__ROLE__AGENCY_LEADER, "");
	account(&w, "tp", VANTHU__V1__ROLE__UNIT_LEADER, "kh");
	account(&w, "cv", VANTHU__V1__ROLE__STAFF, "kh");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_matches_table),
		cmocka_unit_test(test_who),
		cmocka_unit_test(test_apply_refuses_outside_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
