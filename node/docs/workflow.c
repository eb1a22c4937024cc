/* The incoming (Điều 8) and outgoing (Điều 9) workflows: transition tables
 * whose rows carry their effect and the status sent back, the check the API
 * makes before appending an action, and the apply of DocumentCreated,
 * DocumentRegistered and DocumentAction (state changes are checked again
 * there, so that a replay or a racing second action cannot move a document
 * where the table does not allow). */
#include "docs/workflow.h"
#include "docs/date.h"
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

/* What each action does to the document (below the table). */
typedef int effect(vt_workflow_step *s);
static effect enter_register, reject, digitise, submit_to_head, direct, assign, resolve, comment, add_to_dossier,
	revise, submit, back_to_drafter, initial, send_for_appraisal, appraise, sign, unsigned_to_drafter, issue,
	distribute, attach_digitised, recall;

/* A row that sends no status back to the node a document came from. */
#define NO_STATUS NULL

static const vt_transition table[] = {
	/* incoming: tiếp nhận → vào sổ → trình → chỉ đạo → (phân công) → giải quyết */
	{ IN, S(IN_RECEIVED), VT_ACTION_REGISTER, S(IN_REGISTERED), R(CLERK), VT_WHO_ROLE, enter_register, VT_XS_ACCEPTED },
	{ IN, S(IN_RECEIVED), A(REJECT), S(IN_REJECTED), R(CLERK), VT_WHO_ROLE, reject, VT_XS_REJECTED },
	{ IN, S(IN_RECEIVED), A(DIGITISE), STAY, R(CLERK), VT_WHO_ROLE, digitise, NO_STATUS },
	{ IN, S(IN_REGISTERED), A(DIGITISE), STAY, R(CLERK), VT_WHO_ROLE, digitise, NO_STATUS },
	{ IN, S(IN_REGISTERED), A(SUBMIT_TO_HEAD), S(IN_SUBMITTED), R(CLERK), VT_WHO_ROLE, submit_to_head, NO_STATUS },
	{ IN, S(IN_SUBMITTED), A(DIRECT), S(IN_DIRECTED), LEADERS, VT_WHO_HOLDER, direct, VT_XS_ASSIGNED },
	{ IN, S(IN_DIRECTED), A(ASSIGN), S(IN_ASSIGNED), R(UNIT_LEADER), VT_WHO_UNIT, assign, VT_XS_PROCESSING },
	{ IN, S(IN_DIRECTED), A(RESOLVE), S(IN_RESOLVED), WORKERS, VT_WHO_HOLDER, resolve, VT_XS_DONE },
	{ IN, S(IN_ASSIGNED), A(RESOLVE), S(IN_RESOLVED), WORKERS, VT_WHO_HOLDER, resolve, VT_XS_DONE },
	{ IN, S(IN_DIRECTED), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE, comment, NO_STATUS },
	{ IN, S(IN_ASSIGNED), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE, comment, NO_STATUS },
	{ IN, S(IN_REGISTERED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE, add_to_dossier, NO_STATUS },
	{ IN, S(IN_SUBMITTED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE, add_to_dossier, NO_STATUS },
	{ IN, S(IN_DIRECTED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE, add_to_dossier, NO_STATUS },
	{ IN, S(IN_ASSIGNED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE, add_to_dossier, NO_STATUS },
	{ IN, S(IN_RESOLVED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE, add_to_dossier, NO_STATUS },
	/* outgoing: dự thảo → trình → ký nháy → (thẩm định) → ký → số, ngày,
	 * dấu → phát hành; returns go back to the drafter */
	{ OUT, S(OUT_DRAFT), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE, comment, NO_STATUS },
	{ OUT, S(OUT_DRAFT), A(REVISE), STAY, WORKERS, VT_WHO_DRAFTER, revise, NO_STATUS },
	{ OUT, S(OUT_DRAFT), A(SUBMIT), S(OUT_SUBMITTED), WORKERS, VT_WHO_DRAFTER, submit, NO_STATUS },
	{ OUT, S(OUT_SUBMITTED), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE, comment, NO_STATUS },
	{ OUT, S(OUT_SUBMITTED), A(REQUEST_CHANGES), S(OUT_DRAFT), R(UNIT_LEADER), VT_WHO_HOLDER, back_to_drafter,
		NO_STATUS },
	{ OUT, S(OUT_SUBMITTED), A(INITIAL), S(OUT_INITIALED), R(UNIT_LEADER), VT_WHO_HOLDER, initial, NO_STATUS },
	{ OUT, S(OUT_INITIALED), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE, comment, NO_STATUS },
	{ OUT, S(OUT_INITIALED), A(SEND_FOR_APPRAISAL), S(OUT_APPRAISAL), R(AGENCY_LEADER), VT_WHO_HOLDER,
		send_for_appraisal, NO_STATUS },
	{ OUT, S(OUT_APPRAISAL), A(COMMENT), STAY, WORKERS, VT_WHO_ROLE, comment, NO_STATUS },
	{ OUT, S(OUT_APPRAISAL), A(APPRAISE), S(OUT_INITIALED), R(STAFF) | R(UNIT_LEADER), VT_WHO_UNIT, appraise,
		NO_STATUS },
	{ OUT, S(OUT_INITIALED), A(SIGN), S(OUT_SIGNED), R(AGENCY_LEADER), VT_WHO_HOLDER, sign, NO_STATUS },
	{ OUT, S(OUT_INITIALED), A(RETURN_TO_DRAFTER), S(OUT_DRAFT), R(AGENCY_LEADER), VT_WHO_HOLDER, back_to_drafter,
		NO_STATUS },
	{ OUT, S(OUT_SIGNED), A(RETURN_TO_DRAFTER), S(OUT_DRAFT), R(CLERK), VT_WHO_ROLE, unsigned_to_drafter, NO_STATUS },
	{ OUT, S(OUT_SIGNED), A(ISSUE), S(OUT_ISSUED), R(CLERK), VT_WHO_ROLE, issue, NO_STATUS },
	{ OUT, S(OUT_ISSUED), A(DISTRIBUTE), S(OUT_DISTRIBUTED), R(CLERK), VT_WHO_ROLE, distribute, NO_STATUS },
	{ OUT, S(OUT_PAPER_ISSUED), VT_ACTION_REGISTER, STAY, R(CLERK), VT_WHO_ROLE, enter_register, NO_STATUS },
	{ OUT, S(OUT_PAPER_ISSUED), A(ATTACH_DIGITISED), S(OUT_ISSUED), R(CLERK), VT_WHO_ROLE, attach_digitised,
		NO_STATUS },
	{ OUT, S(OUT_ISSUED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE, add_to_dossier, NO_STATUS },
	{ OUT, S(OUT_DISTRIBUTED), A(ADD_TO_DOSSIER), STAY, READERS, VT_WHO_ROLE, add_to_dossier, NO_STATUS },
	/* thu hồi: an issued document sent to other nodes is recalled */
	{ OUT, S(OUT_DISTRIBUTED), A(RECALL), STAY, R(CLERK) | R(AGENCY_LEADER), VT_WHO_ROLE, recall, NO_STATUS },
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
	if (!meta)
		return STAY; /* no document: vt_doc_create refuses it */
	if (meta->direction == IN)
		return S(IN_RECEIVED);
	return meta->paper_issue ? S(OUT_PAPER_ISSUED) : S(OUT_DRAFT);
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

/* ---- apply: the row's effect, its next state, the save, the status back */

/* Pointer arrays that grow by one for the updated copy of a document. */
typedef struct grown {
	void *arrays[4];
	int n;
} grown;

/* One transition being applied: the document as loaded, the copy that is
 * saved (borrowing from the loaded one, the entry and the scratch), and
 * what the entry asks. */
struct vt_workflow_step {
	vt_apply_ctx *ctx;
	const Vanthu__V1__LogEntry *e;
	vt_apply_result *res;
	const Vanthu__V1__DocumentAction *act; /* a DocumentAction's; NULL for a registration */
	const char *book;                      /* a registration's (DocumentRegistered, or DocumentCreated
	                                        * with a book); NULL for a DocumentAction */
	int accept_duplicate;
	Vanthu__V1__Document *doc; /* as loaded (owned) */
	Vanthu__V1__Document upd;
	Vanthu__V1__DocumentMeta meta;
	Vanthu__V1__SignatureMark mark;
	const char *status_text; /* sent with the row's status */
	vt_register_scratch sc;
	grown g;
	char date[11];
};

static void step_init(vt_workflow_step *s, vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->e = e;
	s->res = res;
	s->status_text = "";
}

static void step_dispose(vt_workflow_step *s)
{
	for (int i = 0; i < s->g.n; i++)
		free(s->g.arrays[i]);
	vanthu__v1__document__free_unpacked(s->doc, NULL);
}

/* Applies row t to the loaded document. */
static int run(vt_workflow_step *s, const vt_transition *t)
{
	int error;
	s->upd = *s->doc;
	s->meta = *s->doc->meta;
	s->upd.meta = &s->meta;
	s->mark = (Vanthu__V1__SignatureMark)VANTHU__V1__SIGNATURE_MARK__INIT;
	s->mark.account = s->e->actor;
	s->mark.time = s->e->time;
	s->mark.check = "pending";
	if ((error = t->effect(s)) < 0)
		return error;
	if (t->to != STAY)
		s->upd.state = t->to;
	s->upd.updated_seq = s->e->seq;
	snprintf(s->res->document_id, sizeof(s->res->document_id), "%s", s->doc->id);
	if ((error = vt_doc_save(s->ctx, &s->upd)) < 0 || !t->status)
		return error;
	/* a document that came from another node: its status goes back */
	return vt_exchange_status(s->ctx, s->e, &s->upd, t->status, s->status_text);
}

int vt_workflow_apply(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__DocumentAction *act = e->event->document_action;
	const vt_transition *t;
	vt_workflow_step s;
	int error;
	step_init(&s, ctx, e, res);
	s.act = act;
	if ((error = vt_doc_load(ctx, act->document_id, &s.doc)) < 0)
		goto out;
	if (!(t = vt_workflow_find(s.doc->meta->direction, s.doc->state, act->action)))
		error = refuse_state(s.doc, act->action);
	else if (s.doc->recalled_at && s.doc->meta->direction == IN && act->action != A(ADD_TO_DOSSIER))
		error = vt_error_set(VT_ECONFLICT, "%s was recalled by its sender (%s): %s", s.doc->id,
			s.doc->exchange_from, s.doc->recall_reason);
	else
		error = run(&s, t);
out:
	step_dispose(&s);
	return error;
}

/* Registration (vào sổ) of document_id in book: the register row of its
 * state. */
static int registration(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, const char *document_id,
	const char *book, int accept_duplicate, vt_apply_result *res)
{
	const vt_transition *t;
	vt_workflow_step s;
	int error;
	step_init(&s, ctx, e, res);
	s.book = book;
	s.accept_duplicate = accept_duplicate;
	if ((error = vt_doc_load(ctx, document_id, &s.doc)) < 0)
		goto out;
	if ((t = vt_workflow_find(s.doc->meta->direction, s.doc->state, VT_ACTION_REGISTER)))
		error = run(&s, t);
	else if (s.doc->meta->direction == OUT && s.doc->state != S(OUT_PAPER_ISSUED))
		error = vt_error_set(VT_ECONFLICT, "document %s is %s: an outgoing document gets its number when the "
			"clerk issues it after signing (or when created as a paper issue)", s.doc->id,
			vt_state_name(s.doc->state));
	else
		error = refuse_state(s.doc, VT_ACTION_REGISTER);
out:
	step_dispose(&s);
	return error;
}

int vt_workflow_apply_registration(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__DocumentRegistered *r = e->event->document_registered;
	return registration(ctx, e, r->document_id, r->book, r->accept_duplicate, res);
}

int vt_workflow_apply_created(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__DocumentCreated *c = e->event->document_created;
	char id[VT_ID_MAX];
	int error;
	if ((error = vt_doc_create(ctx, e, c->meta, vt_workflow_initial(c->meta), NULL, NULL, res)) < 0 ||
	    !*c->register_book)
		return error;
	/* received and registered in one step */
	snprintf(id, sizeof(id), "%s", res->document_id);
	return registration(ctx, e, id, c->register_book, c->accept_duplicate, res);
}

/* ---- what the effects share */

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

static int nomem(void)
{
	return vt_error_set(VT_ENOMEM, "out of memory");
}

static int need(const vt_workflow_step *s, const char *v, const char *what)
{
	if (!v || !*v)
		return vt_error_set(VT_EINVAL, "'%s' needs %s", vt_action_name(s->act->action), what);
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

/* The document goes to act->to, who must hold one of roles. */
static int hand_to(vt_workflow_step *s, const char *what, uint32_t roles, const char *as)
{
	int error;
	if ((error = need(s, s->act->to, what)) < 0 || (error = account_with_role(s->ctx, s->act->to, roles, as)) < 0)
		return error;
	s->upd.holder = s->act->to;
	return 0;
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

/* The scan of the action joins the document's files. */
static int add_scan(vt_workflow_step *s)
{
	const Vanthu__V1__DocumentMeta *m = s->doc->meta;
	if (!(s->meta.attachments = grow(&s->g, (void *const *)m->attachments, m->n_attachments, s->act->attachment)))
		return nomem();
	s->meta.n_attachments++;
	return 0;
}

/* The file of the action becomes the document's current version (a draft,
 * the leader's own edit, or the same PDF with one more signature). */
static int new_version(vt_workflow_step *s)
{
	const Vanthu__V1__Attachment *att = s->act->attachment;
	int error;
	if ((error = attachment_ok(s->ctx, att, 0)) < 0)
		return error;
	if (!(s->upd.versions = grow(&s->g, (void *const *)s->doc->versions, s->doc->n_versions, (void *)att)))
		return nomem();
	s->upd.n_versions = s->doc->n_versions + 1;
	s->meta.attachments = &s->upd.versions[s->upd.n_versions - 1];
	s->meta.n_attachments = 1;
	/* a new file: what was verified before says nothing about it */
	s->upd.verified_legal = 0;
	s->upd.verification = "";
	return 0;
}

/* One more signature mark (pending until the file is verified). */
static int add_mark(vt_workflow_step *s, const char *kind)
{
	s->mark.kind = (char *)kind;
	if (!(s->upd.signatures = grow(&s->g, (void *const *)s->doc->signatures, s->doc->n_signatures, &s->mark)))
		return nomem();
	s->upd.n_signatures++;
	return 0;
}

/* An issued document to the other nodes it is distributed to (recall NULL),
 * or its recall. */
static int send_out(vt_workflow_step *s, const char *recall)
{
	Vanthu__V1__ExchangeMessage m = VANTHU__V1__EXCHANGE_MESSAGE__INIT;
	Vanthu__V1__NodeInitialized *self = NULL;
	const Vanthu__V1__Document *doc = &s->upd;
	int error;
	if ((error = vt_apply_node(s->ctx, &self)) < 0)
		return error;
	m.document_id = doc->id;
	m.sender_name = *self->agency_name ? self->agency_name : (char *)s->ctx->origin;
	if (recall) {
		m.kind_case = VANTHU__V1__EXCHANGE_MESSAGE__KIND_RECALL;
		m.recall = (char *)recall;
	} else {
		m.kind_case = VANTHU__V1__EXCHANGE_MESSAGE__KIND_DOCUMENT;
		m.document = doc->meta;
	}
	for (size_t i = 0; i < doc->n_external_recipients && error == 0; i++) {
		m.to = doc->external_recipients[i];
		error = vt_exchange_send(s->ctx, s->e->seq, m.to, &m);
	}
	vanthu__v1__node_initialized__free_unpacked(self, NULL);
	return error;
}

/* ---- the effects, one per action (the table names them) */

/* vào sổ: the next number of the book. Only a registration asks for it,
 * never a DocumentAction. */
static int enter_register(vt_workflow_step *s)
{
	if (!s->book)
		return vt_error_set(VT_EINVAL, "action %d is not one the workflow knows", (int)s->act->action);
	return vt_register_number(s->ctx, s->e, &s->upd, s->book, s->accept_duplicate, &s->sc, s->res);
}

static int reject(vt_workflow_step *s)
{
	int error;
	if ((error = need(s, s->act->comment, "the reason sent back to the sender")) < 0)
		return error;
	s->upd.reject_reason = s->act->comment;
	s->upd.holder = "";
	s->status_text = s->act->comment;
	return 0;
}

static int digitise(vt_workflow_step *s)
{
	int error;
	if ((error = attachment_ok(s->ctx, s->act->attachment, 1)) < 0)
		return error;
	return add_scan(s);
}

static int attach_digitised(vt_workflow_step *s)
{
	int error;
	if ((error = attachment_ok(s->ctx, s->act->attachment, 1)) < 0)
		return error;
	if (!s->doc->number)
		return vt_error_set(VT_ECONFLICT, "register the paper issue %s first (its number and date)", s->doc->id);
	return add_scan(s);
}

static int submit_to_head(vt_workflow_step *s)
{
	return hand_to(s, "the head or delegate (to)", LEADERS, "as head or delegate");
}

static int direct(vt_workflow_step *s)
{
	const Vanthu__V1__DocumentAction *act = s->act;
	int error;
	if (!*act->lead_unit && !*act->lead_person)
		return vt_error_set(VT_EINVAL, "'direct' needs the lead unit or person (chủ trì)");
	if (*act->deadline && !vt_date_ok(act->deadline))
		return vt_error_set(VT_EINVAL, "deadline '%s' is not YYYY-MM-DD", act->deadline);
	if ((*act->lead_unit && (error = vt_unit_exists(s->ctx, act->lead_unit)) < 0) ||
	    (*act->lead_person && (error = account_with_role(s->ctx, act->lead_person, WORKERS, "as lead")) < 0))
		return error;
	for (size_t i = 0; i < act->n_coordinating_units; i++)
		if ((error = vt_unit_exists(s->ctx, act->coordinating_units[i])) < 0)
			return error;
	for (size_t i = 0; i < act->n_coordinating_persons; i++)
		if ((error = account_with_role(s->ctx, act->coordinating_persons[i], WORKERS, "to coordinate")) < 0)
			return error;
	s->upd.lead_unit = act->lead_unit;
	s->upd.lead_person = act->lead_person;
	s->upd.coordinating_units = act->coordinating_units;
	s->upd.n_coordinating_units = act->n_coordinating_units;
	s->upd.coordinating_persons = act->coordinating_persons;
	s->upd.n_coordinating_persons = act->n_coordinating_persons;
	s->upd.deadline = act->deadline;
	s->upd.direction_text = act->comment;
	s->upd.holder = act->lead_person;
	return 0;
}

static int assign(vt_workflow_step *s)
{
	int error;
	if ((error = hand_to(s, "the person who handles it (to)", WORKERS, "to handle")) < 0)
		return error;
	s->upd.lead_person = s->act->to;
	return 0;
}

static int add_to_dossier(vt_workflow_step *s)
{
	const Vanthu__V1__Document *doc = s->doc;
	int error;
	if ((error = vt_dossier_add(s->ctx, s->e, doc->id, s->act->dossier, s->act->dossier_title, doc->lead_unit)) < 0)
		return error;
	if (!(s->upd.dossiers = grow(&s->g, (void *const *)doc->dossiers, doc->n_dossiers, s->act->dossier)))
		return nomem();
	s->upd.n_dossiers++;
	return 0;
}

/* giải quyết: filed in its dossier, with no one any more */
static int resolve(vt_workflow_step *s)
{
	int error;
	if ((error = add_to_dossier(s)) < 0)
		return error;
	s->upd.resolved_at = s->e->time;
	s->upd.holder = "";
	return 0;
}

static int comment(vt_workflow_step *s)
{
	return need(s, s->act->comment, "the comment");
}

static int appraise(vt_workflow_step *s)
{
	int error;
	if ((error = need(s, s->act->comment, "the appraisal opinion")) < 0)
		return error;
	s->upd.appraisal_unit = "";
	return 0;
}

static int submit(vt_workflow_step *s)
{
	return hand_to(s, "the unit leader (to)", R(UNIT_LEADER), "as unit leader");
}

/* changes requested, or returned before signing */
static int back_to_drafter(vt_workflow_step *s)
{
	int error;
	if ((error = need(s, s->act->comment, "what to change")) < 0)
		return error;
	s->upd.holder = s->doc->drafter;
	return 0;
}

/* returned after signing: the content will change, the signatures made are
 * void */
static int unsigned_to_drafter(vt_workflow_step *s)
{
	int error;
	if ((error = back_to_drafter(s)) < 0)
		return error;
	s->upd.signatures = NULL;
	s->upd.n_signatures = 0;
	return 0;
}

/* the drafter's new version */
static int revise(vt_workflow_step *s)
{
	return new_version(s);
}

/* ký nháy: to the agency leader, with the file with the initials when
 * signed before upload */
static int initial(vt_workflow_step *s)
{
	int error;
	if ((error = hand_to(s, "the agency leader (to)", R(AGENCY_LEADER), "as agency leader")) < 0 ||
	    (s->act->attachment && (error = new_version(s)) < 0))
		return error;
	return add_mark(s, "initials");
}

static int send_for_appraisal(vt_workflow_step *s)
{
	int error;
	if ((error = need(s, s->act->to, "the functional unit (to)")) < 0 ||
	    (error = vt_unit_exists(s->ctx, s->act->to)) < 0)
		return error;
	s->upd.appraisal_unit = s->act->to;
	return 0;
}

/* the signer's signature, with the leader's own edit (form 1) or the signed
 * file when there is one */
static int sign(vt_workflow_step *s)
{
	int error;
	if ((s->act->attachment && (error = new_version(s)) < 0) || (error = add_mark(s, "signer")) < 0)
		return error;
	s->upd.holder = "";
	return 0;
}

/* số, ngày, dấu: the number of the outgoing book, the date, the file with
 * the agency's signature and stamp */
static int issue(vt_workflow_step *s)
{
	int error;
	if ((error = need(s, s->act->book, "the outgoing register book")) < 0 ||
	    (error = vt_register_number(s->ctx, s->e, &s->upd, s->act->book, 0, &s->sc, s->res)) < 0)
		return error;
	if (!*s->meta.issue_date) {
		/* ngày tháng văn bản: the day of issue, Vietnam time */
		vt_date_vn(s->date, s->e->time);
		s->meta.issue_date = s->date;
	}
	if ((s->act->attachment && (error = new_version(s)) < 0) || (error = add_mark(s, "agency")) < 0)
		return error;
	s->upd.issued_at = s->e->time;
	s->upd.holder = "";
	return 0;
}

static int distribute(vt_workflow_step *s)
{
	const Vanthu__V1__DocumentAction *act = s->act;
	int error;
	if (!act->n_recipients && !act->n_paper_recipients && !act->n_external_recipients)
		return vt_error_set(VT_EINVAL, "'distribute' needs recipients (units, other nodes) or paper recipients");
	for (size_t i = 0; i < act->n_recipients; i++)
		if ((error = vt_unit_exists(s->ctx, act->recipients[i])) < 0)
			return error;
	s->upd.distributed_to = act->recipients;
	s->upd.n_distributed_to = act->n_recipients;
	s->upd.paper_recipients = act->paper_recipients;
	s->upd.n_paper_recipients = act->n_paper_recipients;
	s->upd.external_recipients = act->external_recipients;
	s->upd.n_external_recipients = act->n_external_recipients;
	return send_out(s, NULL);
}

/* thu hồi */
static int recall(vt_workflow_step *s)
{
	int error;
	if ((error = need(s, s->act->comment, "the reason for the recall")) < 0)
		return error;
	if (!s->doc->n_external_recipients)
		return vt_error_set(VT_ECONFLICT, "%s was not sent to other nodes: nothing to recall", s->doc->id);
	s->upd.recalled_at = s->e->time;
	s->upd.recall_reason = s->act->comment;
	return send_out(s, s->act->comment);
}
