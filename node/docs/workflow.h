/* The document workflows of the regulation as explicit state machines:
 * incoming (Điều 8) and outgoing (Điều 9). One table: workflow, state ×
 * action → next state, the roles allowed and who among them may act, what
 * the action does and the status it sends back to a sending node. The top
 * of docs/: it decides the state a document is created in and applies its
 * registration.
 * uses: doc, dossier, exchange, register, date (docs/); accounts; store */
#ifndef VT_WORKFLOW_H
#define VT_WORKFLOW_H

#include <stdint.h>

#include "store/record.h"
#include "vanthu.pb-c.h"

/* Registration (DocumentRegistered) in the tables, beside the DocumentAction
 * actions of the proto. */
#define VT_ACTION_REGISTER ((Vanthu__V1__Action)100)

/* Who among the allowed roles may act. */
enum {
	VT_WHO_ROLE = 0,    /* anyone with one of the roles */
	VT_WHO_HOLDER = 1,  /* the document's holder, when one is named */
	VT_WHO_DRAFTER = 2, /* the outgoing document's drafter */
	VT_WHO_UNIT = 3,    /* someone of the unit the document is with (lead or appraisal unit) */
};

/* One transition being applied (workflow.c): the document, its updated
 * copy, what the entry asks. */
typedef struct vt_workflow_step vt_workflow_step;

typedef struct vt_transition {
	Vanthu__V1__Direction workflow;
	Vanthu__V1__WorkflowState from;
	Vanthu__V1__Action action;
	Vanthu__V1__WorkflowState to;  /* STATE_NONE: stays where it is */
	uint32_t roles;                /* bit per Vanthu__V1__Role */
	int who;
	int (*effect)(vt_workflow_step *step); /* what the action does to the document */
	const char *status;            /* edXML status back to the node the document came
	                                * from (VT_XS_*, docs/exchange.h), or NULL */
} vt_transition;

/* The transition for (workflow, state, action), or NULL. */
const vt_transition *vt_workflow_find(Vanthu__V1__Direction workflow, Vanthu__V1__WorkflowState state,
	Vanthu__V1__Action action);

/* Every transition (for tests and the CLI's help). */
const vt_transition *vt_workflow_table(size_t *count);

/* Whether account may do action on doc now: VT_ECONFLICT naming the state
 * and the actions possible there, VT_EPERM naming who may. */
int vt_workflow_check(const Vanthu__V1__Document *doc, Vanthu__V1__Action action,
	const Vanthu__V1__Account *account);

/* The state a new document starts in (STATE_NONE without metadata). */
Vanthu__V1__WorkflowState vt_workflow_initial(const Vanthu__V1__DocumentMeta *meta);

/* Applies a DocumentCreated entry: the document in its initial state, and
 * registered when the entry names a book. */
int vt_workflow_apply_created(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

/* Applies a DocumentRegistered entry: the register row of the document's
 * state (VT_ECONFLICT where there is none), numbered in the book. */
int vt_workflow_apply_registration(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

/* Applies a DocumentAction entry: the row of (state, action), its effect. */
int vt_workflow_apply(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

const char *vt_state_name(Vanthu__V1__WorkflowState s);
const char *vt_action_name(Vanthu__V1__Action a);
int vt_action_parse(const char *name, Vanthu__V1__Action *out);

/* Applies a DocumentVerified entry: the document's signature marks and
 * legal status take what the verification found. */
int vt_workflow_apply_verified(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

/* "legally valid" when the latest PAdES verification of the document's file
 * said so, or its agency and signer signatures are both checked valid
 * (Điều 3, 6); otherwise "reference only". */
int vt_workflow_legally_valid(const Vanthu__V1__Document *doc);

#endif
