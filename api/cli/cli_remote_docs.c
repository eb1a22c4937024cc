/* vanthu over gRPC: documents (upload, create, register, get, list,
 * download), registers and books, audit (tree heads and proofs checked
 * locally against the node's key). */
#include "cli/cli_remote_int.h"
#include "store/error.h"
#include "store/file.h"
#include "store/keys.h"
#include "store/merkle.h"
#include "store/sth.h"
#include "docs/workflow.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int cmd_rregister_books(remote *r, const char *noun, const char *verb, cli_args *a);

#define OPT(name) (cli_opt(a, name) ? (char *)cli_opt(a, name) : (char *)"")

static const char *dir_word(int d)
{
	return d == VANTHU__V1__DIRECTION__INCOMING ? "incoming" : d == VANTHU__V1__DIRECTION__OUTGOING ? "outgoing" : "?";
}

/* Uploads a file as a stream of chunks; fills hash. */
static int upload(remote *r, const char *file, const uint8_t *data, size_t len, uint8_t hash[VT_HASH_LEN],
	int progress)
{
	vt_rpc_md md[1] = { { "authorization", r->auth } };
	vt_rpc_stream *s = NULL;
	vt_rpc_buf out = { 0 };
	uint8_t *buf = NULL;
	size_t off = 0;
	int error;
	vt_sha256(hash, data, len);
	if (!(buf = malloc(CHUNK + 256)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	if ((error = vt_rpc_stream_open(&s, r->client, "/vanthu.v1.Documents/Upload", md, 1, 10 * 60 * 1000)) < 0) {
		if (vt_rpc_last_status() == GRPC_STATUS_UNAVAILABLE)
			cli_unavailable(r->server);
		goto out;
	}
	do {
		Vanthu__V1__BlobChunk c = VANTHU__V1__BLOB_CHUNK__INIT;
		size_t n = len - off > CHUNK ? CHUNK : len - off;
		if (off == 0) {
			c.sha256.data = hash;
			c.sha256.len = VT_HASH_LEN;
			c.size = len;
			c.media_type = (char *)(len >= 5 && memcmp(data, "%PDF-", 5) == 0 ? "application/pdf" :
				"application/octet-stream");
		}
		c.data.data = (uint8_t *)data + off;
		c.data.len = n;
		if ((error = vt_rpc_stream_send(s, buf, vanthu__v1__blob_chunk__pack(&c, buf))) < 0)
			goto out;
		off += n;
		if (progress && len > 4 * CHUNK)
			fprintf(stderr, "\rupload %s: %3d%%", file, (int)(off * 100 / len));
	} while (off < len);
	if (progress && len > 4 * CHUNK)
		fprintf(stderr, "\n");
	if ((error = vt_rpc_stream_close_send(s)) < 0)
		goto out;
	if ((error = vt_rpc_stream_recv(s, &out)) < 0)
		goto out;
	if (error == 0) {
		error = vt_rpc_stream_finish(s);
		if (!error)
			error = vt_error_set(VT_ECORRUPT, "upload: the server sent no answer");
		goto out;
	}
	error = vt_rpc_stream_finish(s);
out:
	vt_rpc_buf_dispose(&out);
	vt_rpc_stream_free(s);
	free(buf);
	return error;
}

static int doc_create(remote *r, cli_args *a)
{
	Vanthu__V1__CreateDocumentRequest req = VANTHU__V1__CREATE_DOCUMENT_REQUEST__INIT;
	Vanthu__V1__DocumentResponse *out = NULL;
	Vanthu__V1__Attachment att = VANTHU__V1__ATTACHMENT__INIT, *atts[1] = { &att };
	const char *file = cli_opt(a, "file"), *book = cli_opt(a, "register");
	uint8_t *data = NULL, hash[VT_HASH_LEN];
	size_t len = 0;
	cli_meta cm;
	int error;
	/* with --register: received and registered in one atomic step */
	req.register_book = (char *)(book ? book : "");
	req.accept_duplicate = cli_flag(a, "accept-duplicate");
	req.reason = (char *)(cli_opt(a, "reason") ? cli_opt(a, "reason") : "");
	if ((error = cli_meta_parse(&cm, a)) < 0 || (error = cli_check_unused(a)) < 0)
		goto out;
	if (file) {
		if ((error = vt_file_read(file, (size_t)4 << 30, &data, &len)) < 0 ||
		    (error = upload(r, file, data, len, hash, !a->json)) < 0)
			goto out;
		cli_attachment(&att, file, hash, data, len);
		cm.meta.attachments = atts;
		cm.meta.n_attachments = 1;
	}
	req.meta = &cm.meta;
	if ((error = CALL(r, "Documents", "Create", req, document_response, &out)) < 0)
		goto out;
	cli_print_created(a, out->document->id, out->seq, book, book ? out->document->year : 0,
		book ? out->document->number : 0, book ? out->document->meta->number_symbol : "", out->duplicate_of);
out:
	if (out)
		vanthu__v1__document_response__free_unpacked(out, NULL);
	cli_meta_dispose(&cm);
	free(data);
	return error;
}

static int doc_register(remote *r, cli_args *a)
{
	Vanthu__V1__RegisterDocumentRequest req = VANTHU__V1__REGISTER_DOCUMENT_REQUEST__INIT;
	Vanthu__V1__DocumentResponse *out = NULL;
	int error;
	req.document_id = (char *)cli_opt(a, "id");
	req.book = (char *)cli_opt(a, "book");
	req.accept_duplicate = cli_flag(a, "accept-duplicate");
	req.reason = (char *)(cli_opt(a, "reason") ? cli_opt(a, "reason") : "");
	if (!req.document_id || !req.book)
		return vt_error_set(VT_EINVAL, "doc register needs --id and --book");
	if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Documents", "RegisterDocument", req,
		     document_response, &out)) < 0)
		return error;
	cli_print_created(a, out->document->id, out->seq, req.book, out->document->year, out->document->number,
		out->document->meta->number_symbol, out->duplicate_of);
	vanthu__v1__document_response__free_unpacked(out, NULL);
	return 0;
}

static int doc_get(remote *r, cli_args *a)
{
	Vanthu__V1__GetDocumentRequest req = VANTHU__V1__GET_DOCUMENT_REQUEST__INIT;
	Vanthu__V1__Document *d = NULL;
	int error;
	req.id = (char *)cli_opt(a, "id");
	if (!req.id)
		return vt_error_set(VT_EINVAL, "doc get needs --id");
	if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Documents", "Get", req, document, &d)) < 0)
		return error;
	cli_print_document(d, a->json, 1);
	printf("\n");
	vanthu__v1__document__free_unpacked(d, NULL);
	return 0;
}

static int doc_list(remote *r, cli_args *a)
{
	Vanthu__V1__ListDocumentsRequest req = VANTHU__V1__LIST_DOCUMENTS_REQUEST__INIT;
	Vanthu__V1__DocumentList *out = NULL;
	uint64_t limit, n = 0;
	int error;
	const char *dir = cli_opt(a, "direction"), *state = cli_opt(a, "state");
	uint64_t within;
	if ((error = cli_u64(a, "limit", 1000000, &limit)) < 0 || (error = cli_u64(a, "due-within", 0, &within)) < 0)
		return error;
	req.mine = cli_flag(a, "mine");
	req.overdue = cli_flag(a, "overdue");
	req.due_within_days = (uint32_t)within;
	req.unit = OPT("unit");
	req.origin = OPT("origin"); /* on a hub: a unit's replica */
	if (state) {
		int found = 0;
		for (int s = 1; s < 64 && !found; s++)
			if (strcmp(vt_state_name((Vanthu__V1__WorkflowState)s), state) == 0) {
				req.state = (Vanthu__V1__WorkflowState)s;
				found = 1;
			}
		if (!found)
			return vt_error_set(VT_EINVAL, "unknown state '%s'", state);
	}
	if (dir)
		req.direction = strcmp(dir, "incoming") == 0 ? VANTHU__V1__DIRECTION__INCOMING :
			strcmp(dir, "outgoing") == 0 ? VANTHU__V1__DIRECTION__OUTGOING : (Vanthu__V1__Direction)-1;
	if ((int)req.direction < 0)
		return vt_error_set(VT_EINVAL, "--direction must be incoming or outgoing");
	if ((error = cli_check_unused(a)) < 0)
		return error;
	if (a->json)
		printf("[");
	do {
		req.limit = 1000;
		if ((error = CALL(r, "Documents", "List", req, document_list, &out)) < 0)
			return error;
		for (size_t i = 0; i < out->n_documents && n < limit; i++, n++) {
			if (a->json && n)
				printf(",");
			cli_print_document(out->documents[i], a->json, 0);
			if (!a->json)
				printf("\n");
		}
		req.after_seq = out->next_after_seq;
		vanthu__v1__document_list__free_unpacked(out, NULL);
	} while (req.after_seq && n < limit);
	if (a->json)
		printf("]\n");
	return 0;
}

static int doc_download(remote *r, cli_args *a)
{
	Vanthu__V1__BlobRef req = VANTHU__V1__BLOB_REF__INIT;
	vt_rpc_md md[1] = { { "authorization", r->auth } };
	vt_rpc_stream *s = NULL;
	uint8_t want[VT_HASH_LEN], got[VT_HASH_LEN], reqbuf[128];
	const char *hex = cli_opt(a, "sha256"), *outp = cli_opt(a, "out");
	FILE *f = NULL;
	vt_sha256_ctx *h = NULL;
	uint64_t total = 0, size = 0;
	int error;
	if (!hex || !outp)
		return vt_error_set(VT_EINVAL, "doc download needs --sha256 HEX and --out FILE");
	if ((error = vt_unhex(want, VT_HASH_LEN, hex)) < 0 || (error = cli_check_unused(a)) < 0)
		return error;
	req.sha256.data = want;
	req.sha256.len = VT_HASH_LEN;
	if ((error = vt_sha256_new(&h)) < 0)
		return error;
	if ((error = vt_rpc_stream_open(&s, r->client, "/vanthu.v1.Documents/Download", md, 1, 10 * 60 * 1000)) < 0 ||
	    (error = vt_rpc_stream_send(s, reqbuf, vanthu__v1__blob_ref__pack(&req, reqbuf))) < 0 ||
	    (error = vt_rpc_stream_close_send(s)) < 0)
		goto out;
	if (!(f = fopen(outp, "wb"))) {
		error = vt_error_set(VT_EIO, "%s: cannot write", outp);
		goto out;
	}
	for (;;) {
		vt_rpc_buf msg = { 0 };
		Vanthu__V1__BlobChunk *c;
		int rc = vt_rpc_stream_recv(s, &msg);
		if (rc < 0) {
			error = rc;
			goto out;
		}
		if (rc == 0)
			break;
		c = vanthu__v1__blob_chunk__unpack(NULL, msg.len, msg.data);
		vt_rpc_buf_dispose(&msg);
		if (!c) {
			error = vt_error_set(VT_ECORRUPT, "download: a chunk does not decode");
			goto out;
		}
		if (c->size)
			size = c->size;
		fwrite(c->data.data, 1, c->data.len, f);
		vt_sha256_update(h, c->data.data, c->data.len);
		total += c->data.len;
		vanthu__v1__blob_chunk__free_unpacked(c, NULL);
		if (size > 4 * CHUNK && !a->json)
			fprintf(stderr, "\rdownload: %3d%%", (int)(total * 100 / size));
	}
	if (size > 4 * CHUNK && !a->json)
		fprintf(stderr, "\n");
	if ((error = vt_rpc_stream_finish(s)) < 0)
		goto out;
	vt_sha256_final(h, got);
	if (memcmp(got, want, VT_HASH_LEN) != 0) {
		error = vt_error_set(VT_ECORRUPT, "download: the bytes received do not hash to %s", hex);
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		error = vt_error_set(VT_EIO, "%s: write failed", outp);
		goto out;
	}
	f = NULL;
	if (a->json)
		printf("{\"file\":\"%s\",\"size\":%" PRIu64 ",\"sha256\":\"%s\"}\n", outp, total, hex);
	else
		printf("%s: %" PRIu64 " bytes, sha256 verified\n", outp, total);
out:
	if (f) {
		fclose(f);
		remove(outp);
	}
	vt_sha256_free(h);
	vt_rpc_stream_free(s);
	return error;
}

static int doc_upload(remote *r, cli_args *a)
{
	const char *file = cli_opt(a, "file");
	uint8_t *data = NULL, hash[VT_HASH_LEN];
	size_t len;
	char hex[65];
	int error;
	if (!file)
		return vt_error_set(VT_EINVAL, "doc upload needs --file");
	if ((error = cli_check_unused(a)) < 0 || (error = vt_file_read(file, (size_t)4 << 30, &data, &len)) < 0)
		return error;
	error = upload(r, file, data, len, hash, !a->json);
	free(data);
	if (error < 0)
		return error;
	vt_hex(hex, hash, VT_HASH_LEN);
	if (a->json)
		printf("{\"sha256\":\"%s\",\"size\":%zu}\n", hex, len);
	else
		printf("uploaded %s: %zu bytes, sha256 %s\n", file, len, hex);
	return 0;
}

/* vanthu doc act --id ID --action NAME [details]: one workflow step. */
static int doc_act(remote *r, cli_args *a)
{
	Vanthu__V1__ActRequest req = VANTHU__V1__ACT_REQUEST__INIT;
	Vanthu__V1__DocumentAction act = VANTHU__V1__DOCUMENT_ACTION__INIT;
	Vanthu__V1__Attachment att = VANTHU__V1__ATTACHMENT__INIT;
	Vanthu__V1__DocumentResponse *out = NULL;
	const char *file = cli_opt(a, "file"), *name = cli_opt(a, "action");
	uint8_t *data = NULL, hash[VT_HASH_LEN];
	size_t len = 0;
	int error;
	act.document_id = (char *)cli_opt(a, "id");
	if (!act.document_id || !name)
		return vt_error_set(VT_EINVAL, "doc act needs --id and --action (vanthu doc actions lists them)");
	if ((error = vt_action_parse(name, &act.action)) < 0 || act.action == VT_ACTION_REGISTER)
		return error < 0 ? error : vt_error_set(VT_EINVAL, "to register, use vanthu doc register");
	act.comment = OPT("comment");
	act.to = OPT("to");
	act.lead_unit = OPT("lead-unit");
	act.lead_person = OPT("lead-person");
	act.deadline = OPT("deadline");
	act.dossier = OPT("dossier");
	act.dossier_title = OPT("dossier-title");
	act.book = OPT("book");
	if ((error = cli_split_list(cli_opt(a, "coordinating-units"), &act.coordinating_units, &act.n_coordinating_units)) < 0 ||
	    (error = cli_split_list(cli_opt(a, "coordinating-persons"), &act.coordinating_persons, &act.n_coordinating_persons)) < 0 ||
	    (error = cli_split_list(cli_opt(a, "recipients"), &act.recipients, &act.n_recipients)) < 0 ||
	    (error = cli_split_list(cli_opt(a, "paper-recipients"), &act.paper_recipients, &act.n_paper_recipients)) < 0 ||
	    (error = cli_split_list(cli_opt(a, "nodes"), &act.external_recipients, &act.n_external_recipients)) < 0 ||
	    (error = cli_check_unused(a)) < 0)
		goto out;
	if (file) {
		if ((error = vt_file_read(file, (size_t)4 << 30, &data, &len)) < 0 ||
		    (error = upload(r, file, data, len, hash, !a->json)) < 0)
			goto out;
		cli_attachment(&att, file, hash, data, len);
		act.attachment = &att;
	}
	req.action = &act;
	if ((error = CALL(r, "Documents", "Act", req, document_response, &out)) < 0)
		goto out;
	if (a->json) {
		cli_print_document(out->document, 1, 1);
		printf("\n");
	} else {
		printf("%s: %s → %s (log entry %" PRIu64 ")%s%s\n", out->document->id, vt_action_name(act.action),
			vt_state_name(out->document->state), out->seq, *out->document->holder ? ", now with " : "",
			out->document->holder);
		if (act.action == VANTHU__V1__ACTION__ISSUE)
			printf("số, ký hiệu %s, %s\n", out->document->meta->number_symbol, out->document->meta->issue_date);
	}
out:
	if (out)
		vanthu__v1__document_response__free_unpacked(out, NULL);
	cli_free_list(act.coordinating_units, act.n_coordinating_units);
	cli_free_list(act.coordinating_persons, act.n_coordinating_persons);
	cli_free_list(act.recipients, act.n_recipients);
	cli_free_list(act.paper_recipients, act.n_paper_recipients);
	cli_free_list(act.external_recipients, act.n_external_recipients);
	free(data);
	return error;
}

/* vanthu doc verify --id ID [--sha256 H]: the node checks the file's
 * signatures against its trust anchors (and records the check). */
static int doc_verify(remote *r, cli_args *a)
{
	Vanthu__V1__VerifyRequest req = VANTHU__V1__VERIFY_REQUEST__INIT;
	Vanthu__V1__DocumentVerified *out = NULL;
	const char *hex = cli_opt(a, "sha256");
	uint8_t h[VT_HASH_LEN];
	int error;
	req.document_id = (char *)cli_opt(a, "id");
	if (!req.document_id)
		return vt_error_set(VT_EINVAL, "doc verify needs --id");
	if (hex) {
		if ((error = vt_unhex(h, VT_HASH_LEN, hex)) < 0)
			return error;
		req.sha256.data = h;
		req.sha256.len = VT_HASH_LEN;
	}
	if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Documents", "Verify", req, document_verified, &out)) < 0)
		return error;
	if (a->json) {
		printf("{\"document_id\":");
		json_str(stdout, out->document_id);
		printf(",\"legal\":%s,\"status\":", out->legal ? "true" : "false");
		json_str(stdout, out->status);
		printf(",\"signatures\":[");
		for (size_t i = 0; i < out->n_signatures; i++) {
			const Vanthu__V1__SignatureCheck *c = out->signatures[i];
			printf("%s{\"field\":", i ? "," : "");
			json_str(stdout, c->field);
			printf(",\"result\":\"%s\",\"kind\":\"%s\",\"signer\":", c->result, c->kind);
			json_str(stdout, c->signer_cn);
			printf(",\"org\":");
			json_str(stdout, c->signer_org);
			printf(",\"revision\":%u}", c->revision);
		}
		printf("],\"not_covered\":%" PRIu64 "}\n", out->not_covered);
	} else {
		printf("%s: %s\n", out->document_id, out->status);
		for (size_t i = 0; i < out->n_signatures; i++) {
			const Vanthu__V1__SignatureCheck *c = out->signatures[i];
			printf("  %-8s %-16s %s%s%s (revision %u)%s%s\n", c->kind, c->result, c->signer_cn,
				*c->signer_org ? ", " : "", c->signer_org, c->revision, *c->detail ? ": " : "", c->detail);
		}
		if (out->not_covered)
			printf("  %" PRIu64 " bytes after the last signature are not covered by any\n", out->not_covered);
	}
	vanthu__v1__document_verified__free_unpacked(out, NULL);
	return 0;
}

static int doc_actions(cli_args *a)
{
	size_t n;
	const vt_transition *t = vt_workflow_table(&n);
	(void)a;
	printf("%-9s %-18s %-20s %-18s %s\n", "workflow", "state", "action", "next", "roles");
	for (size_t i = 0; i < n; i++) {
		printf("%-9s %-18s %-20s %-18s", t[i].workflow == VANTHU__V1__DIRECTION__INCOMING ? "incoming" : "outgoing",
			vt_state_name(t[i].from), vt_action_name(t[i].action),
			t[i].to ? vt_state_name(t[i].to) : "(stays)");
		for (unsigned k = 1, first = 1; k < 32; k++)
			if (t[i].roles & (1u << k)) {
				printf("%s%s", first ? " " : ",", vt_role_name((Vanthu__V1__Role)k));
				first = 0;
			}
		printf("%s\n", t[i].who == VT_WHO_HOLDER ? "  (the holder)" : t[i].who == VT_WHO_DRAFTER ?
			"  (the drafter)" : t[i].who == VT_WHO_UNIT ? "  (of the unit)" : "");
	}
	return 0;
}

int cmd_rdoc(remote *r, const char *verb, cli_args *a)
{
	if (strcmp(verb, "act") == 0)
		return doc_act(r, a);
	if (strcmp(verb, "actions") == 0)
		return doc_actions(a);
	if (strcmp(verb, "verify") == 0)
		return doc_verify(r, a);
	if (strcmp(verb, "create") == 0 || strcmp(verb, "add") == 0)
		return doc_create(r, a);
	if (strcmp(verb, "register") == 0)
		return doc_register(r, a);
	if (strcmp(verb, "get") == 0 || strcmp(verb, "show") == 0)
		return doc_get(r, a);
	if (strcmp(verb, "list") == 0)
		return doc_list(r, a);
	if (strcmp(verb, "upload") == 0)
		return doc_upload(r, a);
	if (strcmp(verb, "download") == 0)
		return doc_download(r, a);
	return vt_error_set(VT_EINVAL, "unknown verb 'doc %s' (create, register, act, actions, get, list, upload, "
		"download)", verb);
}

/* ---- registers and books */

static int dossier_cmd(remote *r, const char *verb, cli_args *a)
{
	int error;
	if (strcmp(verb, "list") == 0) {
		Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
		Vanthu__V1__DossierList *out = NULL;
		if ((error = cli_check_unused(a)) < 0 ||
		    (error = CALL(r, "Registers", "ListDossiers", req, dossier_list, &out)) < 0)
			return error;
		for (size_t i = 0; i < out->n_dossiers; i++) {
			const Vanthu__V1__Dossier *d = out->dossiers[i];
			if (a->json) {
				printf("%s{\"id\":", i ? "," : "[");
				json_str(stdout, d->id);
				printf(",\"title\":");
				json_str(stdout, d->title);
				printf(",\"documents\":%zu}", d->n_documents);
			} else {
				cell(stdout, d->id, 16);
				cell(stdout, d->title, 40);
				printf("%zu documents, %s\n", d->n_documents, d->owner);
			}
		}
		if (a->json)
			printf("%s]\n", out->n_dossiers ? "" : "[");
		vanthu__v1__dossier_list__free_unpacked(out, NULL);
		return 0;
	}
	if (strcmp(verb, "show") == 0) {
		Vanthu__V1__DossierRequest req = VANTHU__V1__DOSSIER_REQUEST__INIT;
		Vanthu__V1__Dossier *d = NULL;
		req.id = (char *)cli_opt(a, "id");
		if (!req.id)
			return vt_error_set(VT_EINVAL, "dossier show needs --id");
		if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Registers", "GetDossier", req, dossier, &d)) < 0)
			return error;
		if (a->json) {
			printf("{\"id\":");
			json_str(stdout, d->id);
			printf(",\"title\":");
			json_str(stdout, d->title);
			printf(",\"documents\":[");
			for (size_t i = 0; i < d->n_documents; i++) {
				printf("%s", i ? "," : "");
				json_str(stdout, d->documents[i]);
			}
			printf("]}\n");
		} else {
			printf("hồ sơ %s: %s (opened by %s)\n", d->id, d->title, d->owner);
			for (size_t i = 0; i < d->n_documents; i++)
				printf("  %3zu  %s\n", i + 1, d->documents[i]);
		}
		vanthu__v1__dossier__free_unpacked(d, NULL);
		return 0;
	}
	return vt_error_set(VT_EINVAL, "unknown verb 'dossier %s' (list, show)", verb);
}

static int report_status(remote *r, cli_args *a)
{
	Vanthu__V1__StatusRequest req = VANTHU__V1__STATUS_REQUEST__INIT;
	Vanthu__V1__StatusReport *out = NULL;
	uint64_t year;
	int error;
	if ((error = cli_u64(a, "year", 0, &year)) < 0 || (error = cli_check_unused(a)) < 0)
		return error;
	req.year = (uint32_t)year;
	if ((error = CALL(r, "Registers", "Status", req, status_report, &out)) < 0)
		return error;
	if (!a->json)
		printf("processing status of incoming documents as of %s\n%-16s %8s %8s %8s %8s %8s\n", out->as_of,
			"lead unit", "received", "open", "overdue", "resolved", "late");
	for (size_t i = 0; i < out->n_units; i++) {
		const Vanthu__V1__UnitStatus *u = out->units[i];
		if (a->json) {
			printf("%s{\"unit\":", i ? "," : "[");
			json_str(stdout, u->unit);
			printf(",\"received\":%u,\"open\":%u,\"overdue\":%u,\"resolved\":%u,\"resolved_late\":%u}",
				u->received, u->directed, u->overdue, u->resolved, u->resolved_late);
		} else {
			cell(stdout, *u->unit ? u->unit : "(not directed)", 16);
			printf("%8u %8u %8u %8u %8u\n", u->received, u->directed, u->overdue, u->resolved, u->resolved_late);
		}
	}
	if (a->json)
		printf("%s]\n", out->n_units ? "" : "[");
	vanthu__v1__status_report__free_unpacked(out, NULL);
	return 0;
}

int cmd_rregister(remote *r, const char *noun, const char *verb, cli_args *a)
{
	if (strcmp(noun, "dossier") == 0)
		return dossier_cmd(r, verb, a);
	if (strcmp(noun, "report") == 0) {
		if (strcmp(verb, "status") == 0)
			return report_status(r, a);
		if (strcmp(verb, "register") == 0)
			noun = "register", verb = "list";
		else
			return vt_error_set(VT_EINVAL, "unknown verb 'report %s' (status, register)", verb);
	}
	return cmd_rregister_books(r, noun, verb, a);
}

static int cmd_rregister_books(remote *r, const char *noun, const char *verb, cli_args *a)
{
	Vanthu__V1__Empty empty = VANTHU__V1__EMPTY__INIT;
	Vanthu__V1__BookList *books = NULL;
	uint64_t year;
	int error;
	if (strcmp(noun, "book") == 0 && strcmp(verb, "define") == 0) {
		Vanthu__V1__DefineBookRequest req = VANTHU__V1__DEFINE_BOOK_REQUEST__INIT;
		Vanthu__V1__RegisterBook b = VANTHU__V1__REGISTER_BOOK__INIT;
		Vanthu__V1__ChangeResult *out = NULL;
		const char *dir = cli_opt(a, "direction");
		char **types = NULL;
		size_t ntypes = 0;
		b.id = (char *)cli_opt(a, "id");
		b.name = (char *)cli_opt(a, "name");
		b.agency_symbol = (char *)(cli_opt(a, "agency-symbol") ? cli_opt(a, "agency-symbol") : "");
		b.closed = cli_flag(a, "closed");
		req.reason = (char *)(cli_opt(a, "reason") ? cli_opt(a, "reason") : "");
		if (!b.id || !b.name || !dir)
			return vt_error_set(VT_EINVAL, "book define needs --id, --name and --direction");
		b.direction = strcmp(dir, "incoming") == 0 ? VANTHU__V1__DIRECTION__INCOMING :
			strcmp(dir, "outgoing") == 0 ? VANTHU__V1__DIRECTION__OUTGOING : 0;
		if ((error = cli_split_list(cli_opt(a, "types"), &types, &ntypes)) < 0)
			return error;
		b.doc_types = types;
		b.n_doc_types = ntypes;
		req.book = &b;
		if ((error = cli_check_unused(a)) == 0 &&
		    (error = CALL(r, "Admin", "DefineBook", req, change_result, &out)) == 0) {
			printf("book %s defined (log entry %" PRIu64 ")\n", b.id, out->seq);
			vanthu__v1__change_result__free_unpacked(out, NULL);
		}
		cli_free_list(types, ntypes);
		return error;
	}
	if (strcmp(verb, "list") != 0)
		return vt_error_set(VT_EINVAL, "unknown verb '%s %s'", noun, verb);
	if ((error = cli_u64(a, "year", 0, &year)) < 0)
		return error;
	if (strcmp(noun, "book") == 0) {
		if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Registers", "ListBooks", empty, book_list, &books)) < 0)
			return error;
		for (size_t i = 0; i < books->n_books; i++) {
			const Vanthu__V1__RegisterBook *b = books->books[i];
			if (a->json) {
				printf("%s{\"id\":", i ? "," : "[");
				json_str(stdout, b->id);
				printf(",\"name\":");
				json_str(stdout, b->name);
				printf(",\"direction\":\"%s\"}", dir_word(b->direction));
			} else {
				cell(stdout, b->id, 12);
				cell(stdout, dir_word(b->direction), 9);
				cell(stdout, b->name, 0);
				printf("%s\n", b->closed ? "  [closed]" : "");
			}
		}
		if (a->json)
			printf("%s]\n", books->n_books ? "" : "[");
		vanthu__v1__book_list__free_unpacked(books, NULL);
		return 0;
	}
	{
		const char *only = cli_opt(a, "book");
		cli_list c = { 0 };
		c.a = a;
		c.year = (uint32_t)year;
		c.csv = cli_flag(a, "csv");
		if (cli_opt(a, "pdf")) {
			/* the agency's name heads the pages */
			Vanthu__V1__NodeInfo *info = NULL;
			if ((error = CALL(r, "Audit", "GetNodeInfo", empty, node_info, &info)) < 0)
				return error;
			error = cli_register_pdf_begin(&c, info->node ? info->node->agency_name : "",
				info->node ? info->node->node_id : "");
			vanthu__v1__node_info__free_unpacked(info, NULL);
			if (error < 0)
				return error;
		}
		if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Registers", "ListBooks", empty, book_list, &books)) < 0)
			return cli_register_pdf_end(&c, error);
		if (a->json)
			printf("[");
		for (size_t i = 0; i < books->n_books && !error; i++) {
			Vanthu__V1__ListEntriesRequest req = VANTHU__V1__LIST_ENTRIES_REQUEST__INIT;
			Vanthu__V1__EntryList *entries = NULL;
			if (only && strcmp(only, books->books[i]->id) != 0)
				continue;
			req.book = books->books[i]->id;
			req.year = (uint32_t)year;
			req.limit = 100000;
			if ((error = CALL(r, "Registers", "ListEntries", req, entry_list, &entries)) < 0)
				break;
			cli_register_book_begin(&c, books->books[i]);
			for (size_t j = 0; j < entries->n_entries; j++)
				cli_register_print_entry(&c, entries->entries[j]);
			cli_register_book_end(&c);
			vanthu__v1__entry_list__free_unpacked(entries, NULL);
		}
		if (a->json)
			printf("]\n");
		vanthu__v1__book_list__free_unpacked(books, NULL);
		return cli_register_pdf_end(&c, error);
	}
}

/* ---- audit: nothing is taken on the server's word */

static int node_key(remote *r, uint8_t pk[32], Vanthu__V1__NodeInfo **info)
{
	Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
	int error = CALL(r, "Audit", "GetNodeInfo", req, node_info, info);
	if (error < 0)
		return error;
	if (!(*info)->node || (*info)->node->public_key.len != 32)
		return vt_error_set(VT_ECORRUPT, "the node's answer has no public key");
	memcpy(pk, (*info)->node->public_key.data, 32);
	/* An auditor pins the key: --key HEX must match what the node says. */
	return 0;
}

static int audit_head(remote *r, cli_args *a, const uint8_t pk[32], const Vanthu__V1__TreeHead *sth)
{
	char root[65];
	int error;
	(void)a;
	if ((error = vt_audit_check_head(sth, NULL, pk)) < 0)
		return error;
	vt_hex(root, sth->root.data, VT_HASH_LEN);
	if (a->json)
		printf("{\"origin\":\"%s\",\"size\":%" PRIu64 ",\"root\":\"%s\",\"signature_valid\":true}\n", sth->origin,
			sth->size, root);
	else {
		printf("origin %s size %" PRIu64 " time ", sth->origin, sth->size);
		print_time(stdout, sth->time);
		printf("\nroot   %s (signature valid)\n", root);
	}
	(void)r;
	return 0;
}

int cmd_raudit(remote *r, const char *verb, cli_args *a)
{
	Vanthu__V1__NodeInfo *info = NULL;
	Vanthu__V1__TreeHead *rhead = NULL;
	uint8_t pk[32], want[32], hub_pk[32];
	const char *key = cli_opt(a, "key"), *origin = cli_opt(a, "origin"), *hub_key = cli_opt(a, "hub-key");
	int error;
	if (hub_key && (strlen(hub_key) != 64 || vt_unhex(hub_pk, 32, hub_key) < 0))
		return vt_error_set(VT_EINVAL, "--hub-key must be 64 hex digits");
	if (origin) {
		/* a unit's replica at its hub: the auditor brings the unit's key */
		Vanthu__V1__TreeHeadRequest hr = VANTHU__V1__TREE_HEAD_REQUEST__INIT;
		if (!key || strlen(key) != 64 || vt_unhex(pk, 32, key) < 0)
			return vt_error_set(VT_EINVAL, "--origin needs --key: the unit's tree-head public key (64 hex digits)");
		hr.origin = (char *)origin;
		if ((strcmp(verb, "head") == 0 || strcmp(verb, "consistency") == 0) &&
		    (error = CALL(r, "Audit", "GetTreeHead", hr, tree_head, &rhead)) < 0)
			goto out;
		key = NULL;
	} else if ((error = node_key(r, pk, &info)) < 0) {
		goto out;
	}
	if (key) {
		if ((error = vt_unhex(want, 32, key)) < 0)
			goto out;
		if (memcmp(want, pk, 32) != 0) {
			error = vt_error_set(VT_ESIG, "the node's tree-head key is not the one given with --key");
			goto out;
		}
	}
	if (strcmp(verb, "head") == 0) {
		if ((error = cli_check_unused(a)) == 0)
			error = audit_head(r, a, pk, rhead ? rhead : info->head);
	} else if (strcmp(verb, "proof") == 0) {
		Vanthu__V1__InclusionProofRequest req = VANTHU__V1__INCLUSION_PROOF_REQUEST__INIT;
		Vanthu__V1__InclusionProofResponse *out = NULL;
		uint8_t leaf[VT_HASH_LEN];
		uint64_t seq;
		if (!cli_opt(a, "seq"))
			error = vt_error_set(VT_EINVAL, "audit proof needs --seq N");
		else if ((error = cli_u64(a, "seq", 0, &seq)) == 0 && (error = cli_check_unused(a)) == 0) {
			req.index = seq;
			req.origin = (char *)(origin ? origin : "");
			if ((error = CALL(r, "Audit", "GetInclusionProof", req, inclusion_proof_response, &out)) < 0)
				goto out;
			/* The leaf is recomputed from the entry; the root comes from a
			 * tree head whose signature we check; the path must join them. */
			if (!out->head || !out->proof) {
				error = vt_error_set(VT_ECORRUPT, "the proof comes without a signed tree head");
			} else {
				vt_merkle_leaf_hash(leaf, out->entry.data, out->entry.len);
				error = out->cosig && hub_key ?
					vt_audit_check_cosigned(out->head, out->cosig, origin, pk, hub_pk) :
					vt_audit_check_head(out->head, origin, pk);
				if (!error)
					error = vt_audit_check_inclusion(out->head, seq, leaf, out->proof);
				if (!error) {
					char lh[65], rh[65];
					vt_hex(lh, leaf, VT_HASH_LEN);
					vt_hex(rh, out->head->root.data, VT_HASH_LEN);
					if (a->json)
						printf("{\"seq\":%" PRIu64 ",\"size\":%" PRIu64 ",\"leaf\":\"%s\",\"root\":\"%s\",\"valid\":true}\n",
							seq, out->head->size, lh, rh);
					else
						printf("entry %" PRIu64 " is in the log of %s at size %" PRIu64 "\nleaf %s\nroot %s "
							"(signed tree head verified, %zu-hash path verified)\n", seq, out->head->origin,
							out->head->size, lh, rh, out->proof->n_path);
					if (out->cosig)
						printf("co-signed by hub %s: %s\n", out->cosig->hub, hub_key ?
							"co-signature verified" : "co-signature not checked (give --hub-key)");
				}
			}
			vanthu__v1__inclusion_proof_response__free_unpacked(out, NULL);
		}
	} else if (strcmp(verb, "consistency") == 0) {
		/* the log now extends the one an auditor saw (a head kept, or a
		 * hub's co-signed head): RFC 9162 consistency, checked here */
		Vanthu__V1__ConsistencyProofRequest req = VANTHU__V1__CONSISTENCY_PROOF_REQUEST__INIT;
		Vanthu__V1__ConsistencyProof *out = NULL;
		const Vanthu__V1__TreeHead *now = rhead ? rhead : info->head;
		const char *old_root_hex = cli_opt(a, "old-root");
		uint8_t old_root[VT_HASH_LEN], path[VT_MERKLE_MAX_PATH][VT_HASH_LEN];
		uint64_t old;
		if (!cli_opt(a, "old") || !old_root_hex)
			error = vt_error_set(VT_EINVAL, "audit consistency needs --old N --old-root HEX (a head seen before)");
		else if ((error = cli_u64(a, "old", 0, &old)) == 0 && (error = vt_unhex(old_root, VT_HASH_LEN, old_root_hex)) == 0 &&
			 (error = cli_check_unused(a)) == 0 && (error = vt_audit_check_head(now, NULL, pk)) == 0) {
			req.old_size = old;
			req.new_size = now->size;
			req.origin = (char *)(origin ? origin : "");
			if ((error = CALL(r, "Audit", "GetConsistencyProof", req, consistency_proof, &out)) < 0)
				goto out;
			if (out->n_path > VT_MERKLE_MAX_PATH)
				error = vt_error_set(VT_ECORRUPT, "the proof is too long");
			for (size_t i = 0; !error && i < out->n_path; i++) {
				if (out->path[i].len != VT_HASH_LEN)
					error = vt_error_set(VT_ECORRUPT, "proof hash %zu is not 32 bytes", i);
				else
					memcpy(path[i], out->path[i].data, VT_HASH_LEN);
			}
			if (!error)
				error = vt_merkle_verify_consistency(old, now->size, old_root, now->root.data,
					(const uint8_t (*)[VT_HASH_LEN])path, out->n_path);
			if (!error) {
				char rh[65];
				vt_hex(rh, now->root.data, VT_HASH_LEN);
				if (a->json)
					printf("{\"old_size\":%" PRIu64 ",\"size\":%" PRIu64 ",\"root\":\"%s\",\"consistent\":true}\n",
						old, now->size, rh);
				else
					printf("the log of %s at size %" PRIu64 " (root %s, signed head verified) extends the one of "
						"size %" PRIu64 " seen before: %zu-hash consistency proof verified\n", now->origin,
						now->size, rh, old, out->n_path);
			}
			vanthu__v1__consistency_proof__free_unpacked(out, NULL);
		}
	} else {
		error = vt_error_set(VT_EINVAL, "unknown verb 'audit %s' (head, proof, consistency)", verb);
	}
out:
	if (info)
		vanthu__v1__node_info__free_unpacked(info, NULL);
	if (rhead)
		vanthu__v1__tree_head__free_unpacked(rhead, NULL);
	return error;
}
