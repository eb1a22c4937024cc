/* vanthu doc: add and show on a data directory; create, register, get,
 * list, upload, download, act, actions and verify over gRPC (add and show
 * too, as create and get, without --data-dir). */
#include "cli/cli_doc_int.h"
#include "cli/data.h"
#include "cli/print.h"
#include "docs/commands.h"
#include "docs/doc.h"
#include "docs/workflow.h"
#include "store/error.h"
#include "store/file.h"
#include "store/hash.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPT(name) (cli_opt(a, name) ? (char *)cli_opt(a, name) : (char *)"")

/* ---- on a data directory */

int cmd_doc_add(cli_args *a)
{
	cli_meta cm;
	Vanthu__V1__DocumentMeta *m = &cm.meta;
	Vanthu__V1__Attachment att = VANTHU__V1__ATTACHMENT__INIT, *atts[1] = { &att };
	vt_node *node = NULL;
	vt_apply_result r;
	int accept = cli_flag(a, "accept-duplicate");
	const char *file = cli_opt(a, "file"), *book = cli_opt(a, "register");
	const char *actor = cli_actor(a);
	uint8_t *data = NULL, hash[VT_HASH_LEN];
	size_t len = 0;
	int error;

	const char *reason = cli_opt(a, "reason") ? cli_opt(a, "reason") : "";
	if ((error = cli_meta_parse(&cm, a)) < 0 || (error = cli_check_unused(a)) < 0)
		goto out;
	if (file && (error = vt_file_read(file, (size_t)1 << 30, &data, &len)) < 0)
		goto out;
	if ((error = cli_open_rw(&node, a)) < 0)
		goto out;
	if (file) {
		/* the file first, with its BlobAdded event, as through the API */
		cli_attachment(&att, file, hash, data, len);
		if ((error = vt_cmd_blob_add(node->log, actor, data, len, att.media_type, NULL, hash, &r)) < 0)
			goto out;
		m->attachments = atts;
		m->n_attachments = 1;
	}
	/* with --register: received and registered in one atomic step */
	if ((error = vt_cmd_doc_create(node->log, actor, m, book, accept, reason, &r)) < 0)
		goto out;
	cli_print_created(a, r.document_id, r.seq, book, r.year, r.number,
		r.number_symbol[0] ? r.number_symbol : m->number_symbol, r.duplicate_of);
out:
	cli_meta_dispose(&cm);
	free(data);
	vt_node_free(node);
	return error;
}

int cmd_doc_show(cli_args *a)
{
	vt_store *store = NULL;
	char origin[VT_NODE_ID_MAX + 1];
	const char *id = cli_opt(a, "id");
	Vanthu__V1__Document *d = NULL;
	int error;
	if (!id)
		return vt_error_set(VT_EINVAL, "doc show needs --id");
	if ((error = cli_check_unused(a)) < 0 || (error = cli_open_ro(&store, origin, sizeof(origin), a)) < 0)
		return error;
	if ((error = vt_doc_get(store, origin, id, &d)) < 0)
		goto out;
	cli_print_document(d, a->json, 1);
	printf("\n");
out:
	if (d)
		vanthu__v1__document__free_unpacked(d, NULL);
	vt_store_free(store);
	return error;
}

/* ---- over gRPC */

/* Uploads a file as a stream of chunks; fills hash. */
static int upload(cli_remote *r, const char *file, const uint8_t *data, size_t len, uint8_t hash[VT_HASH_LEN],
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

int cmd_doc_create(cli_remote *r, cli_args *a)
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

int cmd_doc_register(cli_remote *r, cli_args *a)
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

int cmd_doc_get(cli_remote *r, cli_args *a)
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

int cmd_doc_list(cli_remote *r, cli_args *a)
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

int cmd_doc_download(cli_remote *r, cli_args *a)
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

int cmd_doc_upload(cli_remote *r, cli_args *a)
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
int cmd_doc_act(cli_remote *r, cli_args *a)
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
int cmd_doc_verify(cli_remote *r, cli_args *a)
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

/* The workflow tables (no call: the client's own copy). */
int cmd_doc_actions(cli_remote *r, cli_args *a)
{
	size_t n;
	const vt_transition *t = vt_workflow_table(&n);
	(void)r;
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
