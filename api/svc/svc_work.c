/* Workflow over the API: actions (checked against the workflow table for
 * the caller), verification of a document's file, dossiers, and the
 * processing-status report. */
#include "replication/repl.h"
#include "replication/unit_meta.h"
#include "docs/date.h"
#include "svc/svc_int.h"
#include "docs/commands.h"
#include "docs/doc.h"
#include "docs/dossier.h"
#include "store/error.h"
#include "sign/pades.h"
#include "docs/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int vt_api_doc_act(vt_api_req *r)
{
	const Vanthu__V1__ActRequest *in = (const void *)r->in;
	Vanthu__V1__DocumentResponse out = VANTHU__V1__DOCUMENT_RESPONSE__INIT;
	Vanthu__V1__Document *doc = NULL, *after = NULL;
	vt_apply_result res;
	int error;
	if (!in->action || !*in->action->document_id)
		return vt_error_set(VT_EINVAL, "act: which document (document_id) and which action?");
	if ((error = vt_doc_get(r->api->node->store, r->api->node->node_id, in->action->document_id, &doc)) < 0)
		return error;
	/* Roles and who may act are checked here, against the same table the
	 * apply uses; the state is checked again inside the append, so of two
	 * people acting at once exactly one wins. */
	if ((error = vt_workflow_check(doc, in->action->action, r->caller)) < 0)
		goto out;
	/* other nodes must be ones the hub reaches (a typo would wait for ever) */
	if ((error = vt_unit_meta_directory_check(r->api->node->store, r->api->node->node_id,
		     in->action->external_recipients, in->action->n_external_recipients)) < 0)
		goto out;
	if ((error = vt_cmd_doc_act(r->api->node->log, r->caller->name, in->action, &res)) < 0)
		goto out;
	if ((error = vt_doc_get(r->api->node->store, r->api->node->node_id, doc->id, &after)) < 0)
		goto out;
	out.document = after;
	out.seq = res.seq;
	error = vt_api_reply(r, &out.base);
out:
	if (doc)
		vanthu__v1__document__free_unpacked(doc, NULL);
	if (after)
		vanthu__v1__document__free_unpacked(after, NULL);
	return error;
}

/* ---- dossiers */

static int collect_dossier(void *payload, const Vanthu__V1__Dossier *d)
{
	return vt_api_collect(payload, &d->base);
}

int vt_api_dossier_list(vt_api_req *r)
{
	Vanthu__V1__DossierList out = VANTHU__V1__DOSSIER_LIST__INIT;
	vt_api_collect_list c = { .desc = &vanthu__v1__dossier__descriptor };
	int error = vt_dossier_list(r->api->node->store, r->api->node->node_id, collect_dossier, &c);
	if (!error) {
		out.dossiers = (Vanthu__V1__Dossier **)c.items;
		out.n_dossiers = c.n;
		error = vt_api_reply(r, &out.base);
	}
	vt_api_collect_free(&c);
	return error;
}

int vt_api_dossier_get(vt_api_req *r)
{
	const Vanthu__V1__DossierRequest *in = (const void *)r->in;
	Vanthu__V1__Dossier *d = NULL;
	int error = vt_dossier_get(r->api->node->store, r->api->node->node_id, in->id, &d);
	if (error < 0)
		return error;
	error = vt_api_reply(r, &d->base);
	vanthu__v1__dossier__free_unpacked(d, NULL);
	return error;
}

/* ---- processing status */

typedef struct status_ctx {
	Vanthu__V1__UnitStatus **units;
	size_t n;
	uint32_t year;
	char today[11];
} status_ctx;

static Vanthu__V1__UnitStatus *unit_row(status_ctx *c, const char *unit)
{
	Vanthu__V1__UnitStatus **grown;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->units[i]->unit, unit) == 0)
			return c->units[i];
	if (!(grown = realloc(c->units, (c->n + 1) * sizeof(*grown))))
		return NULL;
	c->units = grown;
	if (!(c->units[c->n] = calloc(1, sizeof(Vanthu__V1__UnitStatus))))
		return NULL;
	vanthu__v1__unit_status__init(c->units[c->n]);
	if (!(c->units[c->n]->unit = strdup(unit))) {
		free(c->units[c->n]);
		return NULL;
	}
	return c->units[c->n++];
}

static int count_doc(void *payload, const Vanthu__V1__Document *d)
{
	status_ctx *c = payload;
	Vanthu__V1__UnitStatus *u;
	char done[11] = "";
	if (!d->meta || d->meta->direction != VANTHU__V1__DIRECTION__INCOMING || !d->number)
		return 0;
	if (c->year && d->year != c->year)
		return 0;
	if (!(u = unit_row(c, d->lead_unit)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	u->received++;
	if (d->state == VANTHU__V1__WORKFLOW_STATE__IN_RESOLVED) {
		u->resolved++;
		if (*d->deadline && d->resolved_at) {
			vt_date_vn(done, d->resolved_at);
			if (strcmp(done, d->deadline) > 0)
				u->resolved_late++;
		}
	} else if (d->state == VANTHU__V1__WORKFLOW_STATE__IN_DIRECTED ||
		   d->state == VANTHU__V1__WORKFLOW_STATE__IN_ASSIGNED) {
		u->directed++;
		if (*d->deadline && strcmp(d->deadline, c->today) < 0)
			u->overdue++;
	}
	return 0;
}

int vt_api_status(vt_api_req *r)
{
	const Vanthu__V1__StatusRequest *in = (const void *)r->in;
	Vanthu__V1__StatusReport out = VANTHU__V1__STATUS_REPORT__INIT;
	status_ctx c = { 0 };
	int error;
	c.year = in->year;
	vt_api_today(c.today, 0);
	error = vt_doc_each(r->api->node->store, r->api->node->node_id, 0, count_doc, &c);
	if (!error) {
		out.units = c.units;
		out.n_units = c.n;
		out.as_of = c.today;
		error = vt_api_reply(r, &out.base);
	}
	for (size_t i = 0; i < c.n; i++) {
		free(c.units[i]->unit);
		free(c.units[i]);
	}
	free(c.units);
	return error;
}

/* ---- verification of a document's file (PAdES) */

static int only_auditor(const Vanthu__V1__Account *a)
{
	for (size_t i = 0; i < a->n_roles; i++)
		if (a->roles[i] != VANTHU__V1__ROLE__AUDITOR)
			return 0;
	return 1;
}

int vt_api_doc_verify(vt_api_req *r)
{
	const Vanthu__V1__VerifyRequest *in = (const void *)r->in;
	Vanthu__V1__DocumentVerified out = VANTHU__V1__DOCUMENT_VERIFIED__INIT;
	Vanthu__V1__Document *doc = NULL;
	Vanthu__V1__SignatureCheck *checks = NULL, **ptrs = NULL;
	vt_pades_report *rep = NULL;
	const ProtobufCBinaryData *file = NULL;
	char *data = NULL;
	size_t len = 0;
	vt_apply_result res;
	int error;

	if ((error = vt_doc_get(r->api->node->store, r->api->node->node_id, in->document_id, &doc)) < 0)
		return error;
	if (in->sha256.len)
		file = &in->sha256;
	else if (doc->meta && doc->meta->n_attachments)
		file = &doc->meta->attachments[doc->meta->n_attachments - 1]->sha256; /* the current one */
	if (!file || file->len != VT_HASH_LEN) {
		error = vt_error_set(VT_EINVAL, "document %s has no file to verify", doc->id);
		goto out;
	}
	if ((error = vt_store_blob_get(r->api->node->store, file->data, &data, &len)) < 0 ||
	    (error = vt_pades_verify(&rep, r->api->trust, (const uint8_t *)data, len)) < 0)
		goto out;
	if (rep->nsigs && (!(checks = calloc(rep->nsigs, sizeof(*checks))) || !(ptrs = calloc(rep->nsigs, sizeof(*ptrs))))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < rep->nsigs; i++) {
		const vt_pades_sig *s = &rep->sigs[i];
		vanthu__v1__signature_check__init(&checks[i]);
		checks[i].field = s->field ? s->field : "";
		checks[i].result = s->problem == VT_PADES_OK ? "valid" : (char *)vt_pades_problem_name(s->problem);
		checks[i].detail = (char *)s->detail;
		checks[i].signer_cn = s->cn ? s->cn : "";
		checks[i].signer_org = s->org ? s->org : "";
		checks[i].kind = s->kind == VT_PADES_AGENCY ? "agency" : "person";
		checks[i].signing_time = s->signing_time;
		checks[i].revision = (uint32_t)(s->revision > 0 ? s->revision : 0);
		ptrs[i] = &checks[i];
	}
	out.document_id = doc->id;
	out.sha256 = *file;
	out.legal = rep->legal;
	out.status = rep->status;
	out.signatures = ptrs;
	out.n_signatures = rep->nsigs;
	out.not_covered = rep->not_covered;
	/* The check is recorded as an event (who, when, what); an auditor's is
	 * not: auditors read, they never write. */
	if (!only_auditor(r->caller)) {
		if ((error = vt_cmd_doc_verified(r->api->node->log, r->caller->name, &out, &res)) < 0)
			goto out;
	}
	error = vt_api_reply(r, &out.base);
out:
	free(checks);
	free(ptrs);
	vt_pades_report_free(rep);
	free(data);
	if (doc)
		vanthu__v1__document__free_unpacked(doc, NULL);
	return error;
}
