/* The incoming (Điều 8) and outgoing (Điều 9) workflows: transition tables,
 * the check the API makes before appending an action, and the apply of a
 * DocumentAction (state changes are checked again there, so that a replay
 * or a racing second action cannot move a document where the table does
 * not allow). */
#include "docs/workflow.h"
#include "docs/date.h"
#include "store/keyspace.h"
#include "accounts/account.h"
#include "docs/doc.h"
#include "docs/dossier.h"
#include "store/error.h"
#include "docs/exchange.h"
#include "docs/register.h"

#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#define R(x) (1u << VANTHU__V1__ROLE__##x)
#define LEADERS (R(UNIT_LEADER) | R(AGENCY_LEADER))
#define WORKERS (R(STAFF) | LEADERS)
#define READERS (R(CLERK) | WORKERS | R(ARCHIVIST))
#define IN VANTHU__V1__DIRECTION__INCOMING
#define OUT VANTHU__V1__DIRECTION__OUTGOING
#define S(x) VANTHU__V1__WORKFLOW_STATE__##x
#define A(x) VANTHU__V1__ACTION__##x
#define STAY S(STATE_NONE)

static const vt_transition table[] = {
	/* incoming: tiếp nhận → vào sổ → trình → chỉ đạo → (phân công) → giải quyết */
	{ IN, S(IN_RECEIVED), VT_ACTION_REGISTER, S(IN_REGISTERED), R(CLERK), VT_WHO_ROLE },
	{ IN, S(IN_RECEIVED), A(REJECT), S(IN_REJECTED), R(CLERK), VT_WHO_ROLE },
	{ IN, S(IN_RECEIVED), A(DIGITISE), STAY, R(CLERK), VT_WHO_ROLE },
	{ IN, S(IN_REGISTERED), A(DIGITISE), STAY, R(CLERK), VT_WHO_ROLE },
	{ IN, S(IN_REGISTERED), A(SUBMIT_TO_HEAD), S(IN_SUBMITTED), R(CLERK), VT_WHO_ROLE },
	{ IN, S(IN_SUBMITTED), A(DIRECT), S(IN_DIRECTED), LEADERS, VT_WHO_HOLDER },
	{ IN, S(IN_DIRECTED), A(ASSIGN), S(IN_ASSIGNED), R(UNIT_LEADER), VT_WHO_UNIT },
	{ IN, S(IN_DIRECTED), A(RESOLVE), S(IN_RESOLVED), WORKERS, VT_WHO_HOLDER },
	{ IN, S(IN_ASSIGNED), A(RESOLVE), S(IN_RESOLVED), WORKERS, VT_WHO_HOLDER },
	{ IN, S(IN_DIRECTED), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE },
	{ IN, S(IN_ASSIGNED), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE },
	{ IN, S(IN_REGISTERED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE },
	{ IN, S(IN_SUBMITTED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE },
	{ IN, S(IN_DIRECTED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE },
	{ IN, S(IN_ASSIGNED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE },
	{ IN, S(IN_RESOLVED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE },
	/* outgoing: dự thảo → trình → ký nháy → (thẩm định) → ký → số, ngày,
	 * dấu → phát hành; returns go back to the drafter */
	{ OUT, S(OUT_DRAFT), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE },
	{ OUT, S(OUT_DRAFT), A(REVISE), STAY, WORKERS, VT_WHO_DRAFTER },
	{ OUT, S(OUT_DRAFT), A(SUBMIT), S(OUT_SUBMITTED), WORKERS, VT_WHO_DRAFTER },
	{ OUT, S(OUT_SUBMITTED), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE },
	{ OUT, S(OUT_SUBMITTED), A(REQUEST_CHANGES), S(OUT_DRAFT), R(UNIT_LEADER), VT_WHO_HOLDER },
	{ OUT, S(OUT_SUBMITTED), A(INITIAL), S(OUT_INITIALED), R(UNIT_LEADER), VT_WHO_HOLDER },
	{ OUT, S(OUT_INITIALED), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE },
	{ OUT, S(OUT_INITIALED), A(SEND_FOR_APPRAISAL), S(OUT_APPRAISAL), R(AGENCY_LEADER), VT_WHO_HOLDER },
	{ OUT, S(OUT_APPRAISAL), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE },
	{ OUT, S(OUT_APPRAISAL), A(APPRAISE), S(OUT_INITIALED), R(STAFF) | R(UNIT_LEADER), VT_WHO_UNIT },
	{ OUT, S(OUT_INITIALED), A(SIGN), S(OUT_SIGNED), R(AGENCY_LEADER), VT_WHO_HOLDER },
	{ OUT, S(OUT_INITIALED), A(RETURN_TO_DRAFTER), S(OUT_DRAFT), R(AGENCY_LEADER), VT_WHO_HOLDER },
	{ OUT, S(OUT_SIGNED), A(RETURN_TO_DRAFTER), S(OUT_DRAFT), R(CLERK), VT_WHO_ROLE },
	{ OUT, S(OUT_SIGNED), A(ISSUE), S(OUT_ISSUED), R(CLERK), VT_WHO_ROLE },
	{ OUT, S(OUT_ISSUED), A(DISTRIBUTE), S(OUT_DISTRIBUTED), R(CLERK), VT_WHO_ROLE },
	{ OUT, S(OUT_PAPER_ISSUED), VT_ACTION_REGISTER, STAY, R(CLERK), VT_WHO_ROLE },
	{ OUT, S(OUT_PAPER_ISSUED), A(ATTACH_DIGITISED), S(OUT_ISSUED), R(CLERK), VT_WHO_ROLE },
	{ OUT, S(OUT_ISSUED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE },
	{ OUT, S(OUT_DISTRIBUTED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE },
	/* thu hồi: an issued document sent to other nodes is recalled */
	{ OUT, S(OUT_DISTRIBUTED), A(RECALL), STAY, R(CLERK) | R(AGENCY_LEADER), VT_WHO_ROLE },
};

#define NTRANS (sizeof(table) / sizeof(table[0]))

const vt_transition *vt_workflow_table(size_t *count)
{
	*count = NTRANS;
	return table;
}

const vt_transition *vt_workflow_find(Vanthu__V1__Direction workflow, Vanthu__V1__WorkflowState state,
	Vanthu__V1__Action action)
{
	for (size_t i = 0; i < NTRANS; i++)
		if (table[i].workflow == workflow && table[i].from == state && table[i].action == action)
			return &table[i];
	return NULL;
}

/* ---- names */

static const struct { int v; const char *name; } state_names[] = {
	{ S(STATE_NONE), "none" }, { S(IN_RECEIVED), "received" }, { S(IN_REJECTED), "rejected" },
	{ S(IN_REGISTERED), "registered" }, { S(IN_SUBMITTED), "submitted-to-head" },
	{ S(IN_DIRECTED), "directed" }, { S(IN_ASSIGNED), "assigned" }, { S(IN_RESOLVED), "resolved" },
	{ S(OUT_DRAFT), "draft" }, { S(OUT_SUBMITTED), "submitted" }, { S(OUT_INITIALED), "initialed" },
	{ S(OUT_APPRAISAL), "in-appraisal" }, { S(OUT_SIGNED), "signed" }, { S(OUT_ISSUED), "issued" },
	{ S(OUT_DISTRIBUTED), "distributed" }, { S(OUT_PAPER_ISSUED), "paper-issued" },
};

static const struct { int v; const char *name; } action_names[] = {
	{ VT_ACTION_REGISTER, "register" }, { A(REJECT), "reject" }, { A(DIGITISE), "digitise" },
	{ A(SUBMIT_TO_HEAD), "submit-to-head" }, { A(DIRECT), "direct" }, { A(ASSIGN), "assign" },
	{ A(RESOLVE), "resolve" }, { A(COMMENT), "comment" }, { A(SUBMIT), "submit" },
	{ A(REQUEST_CHANGES), "request-changes" }, { A(REVISE), "revise" }, { A(INITIAL), "initial" },
	{ A(SEND_FOR_APPRAISAL), "send-for-appraisal" }, { A(APPRAISE), "appraise" }, { A(SIGN), "sign" },
	{ A(RETURN_TO_DRAFTER), "return" }, { A(ISSUE), "issue" }, { A(DISTRIBUTE), "distribute" },
	{ A(ATTACH_DIGITISED), "attach-digitised" }, { A(ADD_TO_DOSSIER), "add-to-dossier" },
	{ A(RECALL), "recall" },
};

const char *vt_state_name(Vanthu__V1__WorkflowState s)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (state_names[i].v == (int)s)
			return state_names[i].name;
	return "?";
}

const char *vt_action_name(Vanthu__V1__Action a)
{
	for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (action_names[i].v == (int)a)
			return action_names[i].name;
	return "?";
}

int vt_action_parse(const char *name, Vanthu__V1__Action *out)
{
	for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (strcmp(action_names[i].name, name) == 0) {
			*out = (Vanthu__V1__Action)action_names[i].v;
			return 0;
		}
	return vt_error_set(VT_EINVAL, "unknown action '%s'", name);
}

/* "a, b, c": the actions possible in a state. */
static void possible(char *out, size_t cap, Vanthu__V1__Direction wf, Vanthu__V1__WorkflowState st)
{
	size_t used = 0;
	out[0] = 0;
	for (size_t i = 0; i < NTRANS && used + 1 < cap; i++)
		if (table[i].workflow == wf && table[i].from == st)
			used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? ", " : "",
				vt_action_name(table[i].action));
	if (!used)
		snprintf(out, cap, "none: the workflow has ended");
}

static int refuse_state(const Vanthu__V1__Document *doc, Vanthu__V1__Action action)
{
	char now[512];
	Vanthu__V1__Direction wf = doc->meta ? doc->meta->direction : 0;
	possible(now, sizeof(now), wf, doc->state);
	return vt_error_set(VT_ECONFLICT, "document %s is %s: '%s' is not possible there (possible now: %s)",
		doc->id, vt_state_name(doc->state), vt_action_name(action), now);
}

Vanthu__V1__WorkflowState vt_workflow_initial(const Vanthu__V1__DocumentMeta *meta)
{
	if (meta->direction == IN)
		return S(IN_RECEIVED);
	return meta->paper_issue ? S(OUT_PAPER_ISSUED) : S(OUT_DRAFT);
}

int vt_workflow_registration(const Vanthu__V1__Document *doc, Vanthu__V1__WorkflowState *next)
{
	const vt_transition *t = vt_workflow_find(doc->meta->direction, doc->state, VT_ACTION_REGISTER);
	if (!t) {
		if (doc->meta->direction == OUT && doc->state != S(OUT_PAPER_ISSUED))
			return vt_error_set(VT_ECONFLICT, "document %s is %s: an outgoing document gets its number when "
				"the clerk issues it after signing (or when created as a paper issue)", doc->id,
				vt_state_name(doc->state));
		return refuse_state(doc, VT_ACTION_REGISTER);
	}
	*next = t->to == STAY ? doc->state : t->to;
	return 0;
}

int vt_workflow_check(const Vanthu__V1__Document *doc, Vanthu__V1__Action action,
	const Vanthu__V1__Account *a)
{
	const vt_transition *t;
	const char *unit;
	char roles[256];
	int ok = 0;
	if (!doc->meta)
		return vt_error_set(VT_ECORRUPT, "document %s has no metadata", doc->id);
	if (!(t = vt_workflow_find(doc->meta->direction, doc->state, action)))
		return refuse_state(doc, action);
	for (size_t i = 0; i < a->n_roles; i++)
		if ((unsigned)a->roles[i] < 32 && (t->roles & (1u << a->roles[i])))
			ok = 1;
	if (!ok) {
		vt_role_list(roles, sizeof(roles), t->roles);
		return vt_error_set(VT_EPERM, "%s may not '%s' a %s document (allowed: %s)", a->name,
			vt_action_name(action), vt_state_name(doc->state), roles);
	}
	unit = action == A(APPRAISE) ? doc->appraisal_unit : doc->lead_unit;
	switch (t->who) {
	case VT_WHO_DRAFTER:
		if (strcmp(doc->drafter, a->name) != 0)
			return vt_error_set(VT_EPERM, "only the drafter (%s) may '%s' document %s", doc->drafter,
				vt_action_name(action), doc->id);
		break;
	case VT_WHO_HOLDER:
		if (*doc->holder) {
			if (strcmp(doc->holder, a->name) != 0)
				return vt_error_set(VT_EPERM, "document %s is with %s: only they may '%s' it", doc->id,
					doc->holder, vt_action_name(action));
			break;
		}
		/* with no holder: the unit it is with */
		__attribute__((fallthrough));
	case VT_WHO_UNIT:
		if (*unit && strcmp(a->unit, unit) != 0)
			return vt_error_set(VT_EPERM, "document %s is with unit %s; %s is in unit '%s'", doc->id, unit,
				a->name, a->unit);
		break;
	default:
		break;
	}
	return 0;
}

int vt_workflow_legally_valid(const Vanthu__V1__Document *doc)
{
	int agency = 0, signer = 0;
	/* what the signatures module found in the document's current file */
	if (doc->verified_legal)
		return 1;
	for (size_t i = 0; i < doc->n_signatures; i++) {
		const Vanthu__V1__SignatureMark *m = doc->signatures[i];
		if (strcmp(m->check, "valid") != 0)
			continue;
		agency |= strcmp(m->kind, "agency") == 0;
		signer |= strcmp(m->kind, "signer") == 0;
	}
	return agency && signer;
}

/* ---- apply */

/* Pointer arrays that grow by one for the updated copy of a document. */
typedef struct grown {
	void *arrays[4];
	int n;
} grown;

static void *grow(grown *g, void *const *old, size_t n, void *add)
{
	void **a = malloc((n + 1) * sizeof(void *));
	if (!a)
		return NULL;
	if (n)
		memcpy(a, old, n * sizeof(void *));
	a[n] = add;
	g->arrays[g->n++] = a;
	return a;
}

static int need(const char *v, const char *what, Vanthu__V1__Action a)
{
	if (!v || !*v)
		return vt_error_set(VT_EINVAL, "'%s' needs %s", vt_action_name(a), what);
	return 0;
}

static int account_with_role(vt_apply_ctx *ctx, const char *name, uint32_t roles, const char *as)
{
	Vanthu__V1__Account *a = NULL;
	int ok = 0, error;
	if ((error = vt_account_load(ctx, name, &a)) < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_EINVAL, "no account '%s'", name) : error;
	for (size_t i = 0; i < a->n_roles; i++)
		if ((unsigned)a->roles[i] < 32 && (roles & (1u << a->roles[i])))
			ok = 1;
	if (a->disabled)
		error = vt_error_set(VT_EINVAL, "account '%s' is disabled", name);
	else if (!ok)
		error = vt_error_set(VT_EINVAL, "%s cannot receive it %s", name, as);
	vanthu__v1__account__free_unpacked(a, NULL);
	return error;
}

/* An attached file: a stored blob; scans must be PDF 1.4 or later. */
static int attachment_ok(vt_apply_ctx *ctx, const Vanthu__V1__Attachment *att, int pdf)
{
	char *v = NULL;
	size_t n;
	int error;
	if (!att || att->sha256.len != VT_HASH_LEN)
		return vt_error_set(VT_EINVAL, "an attachment (a file uploaded before) is needed");
	if ((error = vt_store_blob_size(ctx->blobs, att->sha256.data, &n)) < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_EINVAL, "the file %s was never uploaded", att->name) : error;
	if (!pdf)
		return 0;
	/* a scan: its header says the PDF version */
	if ((error = vt_store_get(ctx->blobs, VT_CF_BLOB, att->sha256.data, VT_HASH_LEN, &v, &n)) < 0)
		return error;
	if (n < 8 || memcmp(v, "%PDF-1.", 7) != 0 || v[7] < '4' || v[7] > '9')
		error = vt_error_set(VT_EINVAL, "the scan %s must be a PDF of version 1.4 or later", att->name);
	free(v);
	return error;
}

/* The file of an action becomes the document's current version (a draft,
 * the leader's own edit, or the same PDF with one more signature). */
static int new_version(vt_apply_ctx *ctx, grown *g, const Vanthu__V1__Document *doc, Vanthu__V1__Document *upd,
	Vanthu__V1__DocumentMeta *meta, const Vanthu__V1__Attachment *att)
{
	int error;
	if ((error = attachment_ok(ctx, att, 0)) < 0)
		return error;
	if (!(upd->versions = grow(g, (void *const *)doc->versions, doc->n_versions, (void *)att)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	upd->n_versions = doc->n_versions + 1;
	meta->attachments = &upd->versions[upd->n_versions - 1];
	meta->n_attachments = 1;
	/* a new file: what was verified before says nothing about it */
	upd->verified_legal = 0;
	upd->verification = "";
	return 0;
}

/* An issued document to the other nodes it is distributed to (recall NULL),
 * or its recall. */
static int send_out(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, const Vanthu__V1__Document *doc,
	const char *recall)
{
	Vanthu__V1__ExchangeMessage m = VANTHU__V1__EXCHANGE_MESSAGE__INIT;
	Vanthu__V1__NodeInitialized *self = NULL;
	int error;
	if ((error = vt_apply_node(ctx, &self)) < 0)
		return error;
	m.document_id = doc->id;
	m.sender_name = *self->agency_name ? self->agency_name : (char *)ctx->origin;
	if (recall) {
		m.kind_case = VANTHU__V1__EXCHANGE_MESSAGE__KIND_RECALL;
		m.recall = (char *)recall;
	} else {
		m.kind_case = VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT;
		m.document = doc->meta;
	}
	for (size_t i = 0; i < doc->n_external_recipients && error == 0; i++) {
		m.to = doc->external_recipients[i];
		error = vt_exchange_send(ctx, e->seq, m.to, &m);
	}
	vanthu__v1__node_initialized__free_unpacked(self, NULL);
	return error;
}

int vt_workflow_apply(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__DocumentAction *act = e->event->document_action;
	Vanthu__V1__Document *doc = NULL, upd;
	Vanthu__V1__DocumentMeta meta;
	Vanthu__V1__SignatureMark mark = VANTHU__V1__SIGNATURE_MARK__INIT;
	const vt_transition *t;
	vt_register_scratch sc;
	grown g = { { 0 }, 0 };
	char date[11];
	Vanthu__V1__Action a = act->action;
	int error;

	if ((error = vt_doc_load(ctx, act->document_id, &doc)) < 0)
		return error;
	if (!(t = vt_workflow_find(doc->meta->direction, doc->state, a))) {
		error = refuse_state(doc, a);
		goto out;
	}
	if (doc->recalled_at && doc->meta->direction == IN && a != A(ADD_TO_DOSSIER)) {
		error = vt_error_set(VT_ECONFLICT, "%s was recalled by its sender (%s): %s", doc->id, doc->exchange_from,
			doc->recall_reason);
		goto out;
	}
	upd = *doc;
	meta = *doc->meta;
	upd.meta = &meta;
	mark.account = e->actor;
	mark.time = e->time;
	mark.check = "pending";

	switch (a) {
	case A(REJECT):
		if ((error = need(act->comment, "the reason sent back to the sender", a)) < 0)
			goto out;
		upd.reject_reason = act->comment;
		upd.holder = "";
		break;
	case A(DIGITISE):
	case A(ATTACH_DIGITISED):
		if ((error = attachment_ok(ctx, act->attachment, 1)) < 0)
			goto out;
		if (a == A(ATTACH_DIGITISED) && !doc->number) {
			error = vt_error_set(VT_ECONFLICT, "register the paper issue %s first (its number and date)", doc->id);
			goto out;
		}
		if (!(meta.attachments = grow(&g, (void *const *)doc->meta->attachments, doc->meta->n_attachments,
			      act->attachment)))
			goto nomem;
		meta.n_attachments++;
		break;
	case A(SUBMIT_TO_HEAD):
		if ((error = need(act->to, "the head or delegate (to)", a)) < 0 ||
		    (error = account_with_role(ctx, act->to, LEADERS, "as head or delegate")) < 0)
			goto out;
		upd.holder = act->to;
		break;
	case A(DIRECT):
		if (!*act->lead_unit && !*act->lead_person) {
			error = vt_error_set(VT_EINVAL, "'direct' needs the lead unit or person (chủ trì)");
			goto out;
		}
		if (*act->deadline && !vt_date_ok(act->deadline)) {
			error = vt_error_set(VT_EINVAL, "deadline '%s' is not YYYY-MM-DD", act->deadline);
			goto out;
		}
		if ((*act->lead_unit && (error = vt_unit_exists(ctx, act->lead_unit)) < 0) ||
		    (*act->lead_person && (error = account_with_role(ctx, act->lead_person, WORKERS, "as lead")) < 0))
			goto out;
		for (size_t i = 0; i < act->n_coordinating_units; i++)
			if ((error = vt_unit_exists(ctx, act->coordinating_units[i])) < 0)
				goto out;
		for (size_t i = 0; i < act->n_coordinating_persons; i++)
			if ((error = account_with_role(ctx, act->coordinating_persons[i], WORKERS, "to coordinate")) < 0)
				goto out;
		upd.lead_unit = act->lead_unit;
		upd.lead_person = act->lead_person;
		upd.coordinating_units = act->coordinating_units;
		upd.n_coordinating_units = act->n_coordinating_units;
		upd.coordinating_persons = act->coordinating_persons;
		upd.n_coordinating_persons = act->n_coordinating_persons;
		upd.deadline = act->deadline;
		upd.direction_text = act->comment;
		upd.holder = act->lead_person;
		break;
	case A(ASSIGN):
		if ((error = need(act->to, "the person who handles it (to)", a)) < 0 ||
		    (error = account_with_role(ctx, act->to, WORKERS, "to handle")) < 0)
			goto out;
		upd.holder = act->to;
		upd.lead_person = act->to;
		break;
	case A(RESOLVE):
	case A(ADD_TO_DOSSIER):
		if ((error = vt_dossier_add(ctx, e, doc->id, act->dossier, act->dossier_title, doc->lead_unit)) < 0)
			goto out;
		if (!(upd.dossiers = grow(&g, (void *const *)doc->dossiers, doc->n_dossiers, act->dossier)))
			goto nomem;
		upd.n_dossiers++;
		if (a == A(RESOLVE)) {
			upd.resolved_at = e->time;
			upd.holder = "";
		}
		break;
	case A(COMMENT):
	case A(APPRAISE):
		if ((error = need(act->comment, a == A(APPRAISE) ? "the appraisal opinion" : "the comment", a)) < 0)
			goto out;
		if (a == A(APPRAISE))
			upd.appraisal_unit = "";
		break;
	case A(SUBMIT):
		if ((error = need(act->to, "the unit leader (to)", a)) < 0 ||
		    (error = account_with_role(ctx, act->to, R(UNIT_LEADER), "as unit leader")) < 0)
			goto out;
		upd.holder = act->to;
		break;
	case A(REQUEST_CHANGES):
	case A(RETURN_TO_DRAFTER):
		if ((error = need(act->comment, "what to change", a)) < 0)
			goto out;
		upd.holder = doc->drafter;
		if (doc->state == S(OUT_SIGNED)) {
			/* the content will change: the signatures made are void */
			upd.signatures = NULL;
			upd.n_signatures = 0;
		}
		break;
	case A(REVISE):
	case A(SIGN):
		/* a new version: the drafter's, the leader's own edit (form 1),
		 * or the file with the signer's signature */
		if ((a == A(REVISE) || act->attachment) &&
		    (error = new_version(ctx, &g, doc, &upd, &meta, act->attachment)) < 0)
			goto out;
		if (a == A(SIGN)) {
			mark.kind = "signer";
			if (!(upd.signatures = grow(&g, (void *const *)doc->signatures, doc->n_signatures, &mark)))
				goto nomem;
			upd.n_signatures++;
			upd.holder = "";
		}
		break;
	case A(INITIAL):
		if ((error = need(act->to, "the agency leader (to)", a)) < 0 ||
		    (error = account_with_role(ctx, act->to, R(AGENCY_LEADER), "as agency leader")) < 0)
			goto out;
		/* the file with the initials (ký nháy), when signed before upload */
		if (act->attachment && (error = new_version(ctx, &g, doc, &upd, &meta, act->attachment)) < 0)
			goto out;
		mark.kind = "initials";
		if (!(upd.signatures = grow(&g, (void *const *)doc->signatures, doc->n_signatures, &mark)))
			goto nomem;
		upd.n_signatures++;
		upd.holder = act->to;
		break;
	case A(SEND_FOR_APPRAISAL):
		if ((error = need(act->to, "the functional unit (to)", a)) < 0 || (error = vt_unit_exists(ctx, act->to)) < 0)
			goto out;
		upd.appraisal_unit = act->to;
		break;
	case A(ISSUE): {
		if ((error = need(act->book, "the outgoing register book", a)) < 0 ||
		    (error = vt_register_number(ctx, e, &upd, act->book, 0, &sc, res)) < 0)
			goto out;
		if (!*meta.issue_date) {
			/* ngày tháng văn bản: the day of issue, Vietnam time */
			vt_date_vn(date, e->time);
			meta.issue_date = date;
		}
		/* the file with the agency's signature and stamp */
		if (act->attachment && (error = new_version(ctx, &g, doc, &upd, &meta, act->attachment)) < 0)
			goto out;
		mark.kind = "agency";
		if (!(upd.signatures = grow(&g, (void *const *)doc->signatures, doc->n_signatures, &mark)))
			goto nomem;
		upd.n_signatures++;
		upd.issued_at = e->time;
		upd.holder = "";
		break;
	}
	case A(DISTRIBUTE):
		if (!act->n_recipients && !act->n_paper_recipients && !act->n_external_recipients) {
			error = vt_error_set(VT_EINVAL, "'distribute' needs recipients (units, other nodes) or paper "
				"recipients");
			goto out;
		}
		for (size_t i = 0; i < act->n_recipients; i++)
			if ((error = vt_unit_exists(ctx, act->recipients[i])) < 0)
				goto out;
		upd.distributed_to = act->recipients;
		upd.n_distributed_to = act->n_recipients;
		upd.paper_recipients = act->paper_recipients;
		upd.n_paper_recipients = act->n_paper_recipients;
		upd.external_recipients = act->external_recipients;
		upd.n_external_recipients = act->n_external_recipients;
		if ((error = send_out(ctx, e, &upd, NULL)) < 0)
			goto out;
		break;
	case A(RECALL):
		if ((error = need(act->comment, "the reason for the recall", a)) < 0)
			goto out;
		if (!doc->n_external_recipients) {
			error = vt_error_set(VT_ECONFLICT, "%s was not sent to other nodes: nothing to recall", doc->id);
			goto out;
		}
		upd.recalled_at = e->time;
		upd.recall_reason = act->comment;
		if ((error = send_out(ctx, e, &upd, act->comment)) < 0)
			goto out;
		break;
	default:
		error = vt_error_set(VT_EINVAL, "action %d is not one the workflow knows", (int)a);
		goto out;
	}
	if (t->to != STAY)
		upd.state = t->to;
	upd.updated_seq = e->seq;
	snprintf(res->document_id, sizeof(res->document_id), "%s", doc->id);
	if ((error = vt_doc_save(ctx, &upd)) < 0)
		goto out;
	/* a document that came from another node: its status goes back */
	switch (a) {
	case A(REJECT): error = vt_exchange_status(ctx, e, &upd, VT_XS_REJECTED, act->comment); break;
	case A(DIRECT): error = vt_exchange_status(ctx, e, &upd, VT_XS_ASSIGNED, ""); break;
	case A(ASSIGN): error = vt_exchange_status(ctx, e, &upd, VT_XS_PROCESSING, ""); break;
	case A(RESOLVE): error = vt_exchange_status(ctx, e, &upd, VT_XS_DONE, ""); break;
	default: break;
	}
	goto out;
nomem:
	error = vt_error_set(VT_ENOMEM, "out of memory");
out:
	for (int i = 0; i < g.n; i++)
		free(g.arrays[i]);
	vanthu__v1__document__free_unpacked(doc, NULL);
	return error;
}

/* ---- verification results (DocumentVerified) */

/* The check a recorded signature gets from a verification: "valid" when a
 * valid signature of its kind is in the file, else what failed. */
static const char *mark_check(const Vanthu__V1__DocumentVerified *v, const char *kind, char *buf, size_t cap)
{
	const char *want = strcmp(kind, "agency") == 0 ? "agency" : "person";
	const Vanthu__V1__SignatureCheck *bad = NULL;
	if (strcmp(kind, "sender") == 0) {
		snprintf(buf, cap, "%s: %s", v->legal ? "valid" : "invalid", v->status);
		return v->legal ? "valid" : buf;
	}
	for (size_t i = 0; i < v->n_signatures; i++) {
		if (strcmp(v->signatures[i]->kind, want) != 0)
			continue;
		if (strcmp(v->signatures[i]->result, "valid") == 0)
			return "valid";
		bad = v->signatures[i];
	}
	snprintf(buf, cap, "invalid: %s", bad ? bad->result : "no such signature in the file");
	return buf;
}

int vt_workflow_apply_verified(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__DocumentVerified *v = e->event->document_verified;
	Vanthu__V1__Document *doc = NULL, upd;
	Vanthu__V1__SignatureMark *marks = NULL, **ptrs = NULL;
	char (*bufs)[300] = NULL;
	int found = 0, error;
	if ((error = vt_doc_load(ctx, v->document_id, &doc)) < 0)
		return error;
	if (v->sha256.len != VT_HASH_LEN) {
		error = vt_error_set(VT_EINVAL, "document_verified: sha256 must be 32 bytes");
		goto out;
	}
	for (size_t i = 0; i < doc->meta->n_attachments; i++)
		found |= doc->meta->attachments[i]->sha256.len == VT_HASH_LEN &&
			memcmp(doc->meta->attachments[i]->sha256.data, v->sha256.data, VT_HASH_LEN) == 0;
	for (size_t i = 0; i < doc->n_versions; i++)
		found |= doc->versions[i]->sha256.len == VT_HASH_LEN &&
			memcmp(doc->versions[i]->sha256.data, v->sha256.data, VT_HASH_LEN) == 0;
	if (!found) {
		error = vt_error_set(VT_EINVAL, "the file verified is not one of document %s's", doc->id);
		goto out;
	}
	upd = *doc;
	if (doc->n_signatures) {
		marks = calloc(doc->n_signatures, sizeof(*marks));
		ptrs = calloc(doc->n_signatures, sizeof(*ptrs));
		bufs = calloc(doc->n_signatures, sizeof(*bufs));
		if (!marks || !ptrs || !bufs) {
			error = vt_error_set(VT_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < doc->n_signatures; i++) {
			marks[i] = *doc->signatures[i];
			marks[i].check = (char *)mark_check(v, marks[i].kind, bufs[i], sizeof(bufs[i]));
			ptrs[i] = &marks[i];
		}
		upd.signatures = ptrs;
	}
	upd.verified_legal = v->legal;
	upd.verification = v->status;
	upd.verified_at = e->time;
	upd.verified_by = e->actor;
	upd.updated_seq = e->seq;
	snprintf(res->document_id, sizeof(res->document_id), "%s", doc->id);
	error = vt_doc_save(ctx, &upd);
out:
	free(marks);
	free(ptrs);
	free(bufs);
	vanthu__v1__document__free_unpacked(doc, NULL);
	return error;
}
