/* The method table of the node's services and the one adapter every call
 * goes through: authenticate, check the roles, decode, call the handler,
 * and the transport the handlers answer through (gRPC, or a local call
 * for tests). */
#include "svc/svc_int.h"
#include "store/error.h"

#include <stdlib.h>
#include <string.h>

#define UNARY_MAX (1 << 20)  /* a unary request, bytes */
#define UPLOAD_MAX (4 << 20) /* one chunk of an upload */
#define STREAM_REQ_MAX 4096  /* the request that opens a server stream */

#define M(svc, name, kind, req, resp, roles, what, max, fn) \
	{ "/vanthu.v1." svc "/" name, VT_RPC_##kind, &vanthu__v1__##req##__descriptor, \
	  &vanthu__v1__##resp##__descriptor, roles, what, max, fn }
#define U(svc, name, req, resp, roles, what, fn) M(svc, name, UNARY, req, resp, roles, what, UNARY_MAX, fn)

static const vt_api_method methods[] = {
	U("Auth", "Login", login_request, login_response, 0, "log in", vt_api_auth_login),
	U("Auth", "Logout", empty, empty, VT_ROLES_ANY, "log out", vt_api_auth_logout),
	U("Auth", "WhoAmI", empty, account, VT_ROLES_ANY, "see their account", vt_api_auth_whoami),
	U("Auth", "ChangePassword", change_password_request, empty, VT_ROLES_ANY, "change their password",
		vt_api_auth_change_password),
	U("Admin", "CreateAccount", create_account_request, account, VT_ROLE(ADMIN), "create accounts",
		vt_api_admin_create_account),
	U("Admin", "UpdateAccount", update_account_request, account, VT_ROLE(ADMIN), "change accounts",
		vt_api_admin_update_account),
	U("Admin", "ResetPassword", reset_password_request, change_result, VT_ROLE(ADMIN), "reset passwords",
		vt_api_admin_reset_password),
	U("Admin", "ListAccounts", empty, account_list, VT_ROLE(ADMIN) | VT_ROLE(AUDITOR), "list accounts",
		vt_api_admin_list_accounts),
	U("Admin", "DefineUnit", define_unit_request, change_result, VT_ROLE(ADMIN), "define units",
		vt_api_admin_define_unit),
	U("Admin", "ListUnits", empty, unit_list, VT_ROLES_ANY, "list units", vt_api_admin_list_units),
	U("Admin", "DefineBook", define_book_request, change_result, VT_ROLE(ADMIN), "define register books",
		vt_api_admin_define_book),
	U("Documents", "Create", create_document_request, document_response, VT_ROLES_DOC_WRITERS,
		"create documents", vt_api_doc_create),
	U("Documents", "RegisterDocument", register_document_request, document_response, VT_ROLE(CLERK),
		"register documents (văn thư only)", vt_api_doc_register),
	U("Documents", "Act", act_request, document_response, VT_ROLES_DOC_READERS & ~VT_ROLE(AUDITOR),
		"act on documents", vt_api_doc_act),
	U("Documents", "Verify", verify_request, document_verified, VT_ROLES_DOC_READERS,
		"verify document signatures", vt_api_doc_verify),
	U("Documents", "Get", get_document_request, document, VT_ROLES_DOC_READERS, "read documents",
		vt_api_doc_get),
	U("Documents", "List", list_documents_request, document_list, VT_ROLES_DOC_READERS, "list documents",
		vt_api_doc_list),
	M("Documents", "Upload", CLIENT_STREAM, blob_chunk, blob_ref, VT_ROLES_DOC_WRITERS, "upload files",
		UPLOAD_MAX, vt_api_doc_upload),
	M("Documents", "Download", SERVER_STREAM, blob_ref, blob_chunk, VT_ROLES_DOC_READERS, "download files",
		STREAM_REQ_MAX, vt_api_doc_download),
	U("Registers", "ListBooks", empty, book_list, VT_ROLES_DOC_READERS, "read the register books",
		vt_api_reg_list_books),
	U("Registers", "ListEntries", list_entries_request, entry_list, VT_ROLES_DOC_READERS,
		"read the register books", vt_api_reg_list_entries),
	U("Registers", "ListDossiers", empty, dossier_list, VT_ROLES_DOC_READERS, "read dossiers",
		vt_api_dossier_list),
	U("Registers", "GetDossier", dossier_request, dossier, VT_ROLES_DOC_READERS, "read dossiers",
		vt_api_dossier_get),
	U("Registers", "Status", status_request, status_report, VT_ROLES_DOC_READERS,
		"read the processing status", vt_api_status),
	U("Replication", "Enroll", enroll_request, change_result, VT_ROLE(ADMIN), "enrol units at the hub",
		vt_api_repl_enroll),
	U("Replication", "Reinstate", reinstate_request, change_result, VT_ROLE(ADMIN),
		"reinstate refused units", vt_api_repl_reinstate),
	U("Replication", "Status", empty, repl_status, VT_ROLE(ADMIN) | VT_ROLE(AUDITOR),
		"see the replication status", vt_api_repl_status),
	U("Audit", "GetNodeInfo", empty, node_info, VT_ROLES_ANY, "read the node's identity", vt_api_audit_info),
	U("Audit", "GetTreeHead", tree_head_request, tree_head, VT_ROLES_ANY, "read tree heads",
		vt_api_audit_head),
	U("Audit", "GetInclusionProof", inclusion_proof_request, inclusion_proof_response, VT_ROLES_ANY,
		"get proofs", vt_api_audit_inclusion),
	U("Audit", "GetConsistencyProof", consistency_proof_request, consistency_proof, VT_ROLES_ANY,
		"get proofs", vt_api_audit_consistency),
	M("Audit", "GetEntries", SERVER_STREAM, entries_request, raw_entry, VT_ROLE(AUDITOR) | VT_ROLE(ADMIN),
		"read raw log entries", STREAM_REQ_MAX, vt_api_audit_entries),
};

#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

const vt_api_method *vt_api_methods(size_t *n)
{
	*n = NMETHODS;
	return methods;
}

const vt_api_method *vt_api_method_find(const char *path)
{
	for (size_t i = 0; i < NMETHODS; i++)
		if (strcmp(methods[i].path, path) == 0)
			return &methods[i];
	return NULL;
}

/* ---- authentication and roles */

int vt_api_caller(vt_api *api, const char *authorization, Vanthu__V1__Account **out)
{
	*out = NULL;
	if (!authorization)
		return vt_error_set(VT_EAUTH, "not logged in: no authorization metadata (run vanthu login)");
	if (strncmp(authorization, "Bearer ", 7) != 0)
		return vt_error_set(VT_EAUTH, "authorization metadata must be 'Bearer <token>'");
	return vt_auth_check(api->auth, authorization + 7, out);
}

int vt_api_require(const Vanthu__V1__Account *caller, uint32_t roles, const char *what)
{
	char allowed[256];
	if (!caller)
		return vt_error_set(VT_EAUTH, "not logged in");
	for (size_t i = 0; i < caller->n_roles; i++)
		if ((unsigned)caller->roles[i] < 32 && (roles & (1u << caller->roles[i])))
			return 0;
	vt_role_list(allowed, sizeof(allowed), roles);
	return vt_error_set(VT_EPERM, "%s may not %s (allowed: %s)", caller->name, what, allowed);
}

/* ---- the adapter */

static int dispatch(vt_api *api, const vt_api_method *m, vt_rpc_call *call, vt_api_local *local)
{
	static const uint8_t none[1];
	vt_api_req r = { .api = api, .method = m, .call = call, .local = local };
	Vanthu__V1__Account *session = NULL;
	ProtobufCMessage *in = NULL;
	const uint8_t *data = none;
	size_t len = 0;
	int error = 0;

	if (m->roles) {
		if (local && local->caller) {
			r.caller = local->caller;
		} else {
			const char *authorization = call ? vt_rpc_call_metadata(call, "authorization")
							 : local->authorization;
			if ((error = vt_api_caller(api, authorization, &session)) < 0)
				goto out;
			r.caller = session;
			r.token = authorization + 7;
		}
		if ((error = vt_api_require(r.caller, m->roles, m->what)) < 0)
			goto out;
	}
	/* a client stream's messages are the handler's to receive */
	if (m->kind == VT_RPC_UNARY || m->kind == VT_RPC_SERVER_STREAM) {
		if (call)
			vt_rpc_call_request(call, &data, &len);
		else if (local->request)
			data = local->request, len = local->request_len;
		if (!(in = protobuf_c_message_unpack(m->request, NULL, len, data))) {
			error = vt_error_set(VT_EINVAL, "%s: the request is not a valid %s message", m->path,
				m->request->short_name);
			goto out;
		}
		r.in = in;
	}
	error = m->handler(&r);
out:
	if (in)
		protobuf_c_message_free_unpacked(in, NULL);
	if (session)
		vanthu__v1__account__free_unpacked(session, NULL);
	return error;
}

/* A method bound to an api: the gRPC handler's context. */
typedef struct bound {
	vt_api *api;
	const vt_api_method *m;
} bound;

static int rpc_adapter(vt_rpc_call *call, void *payload)
{
	bound *b = payload;
	return dispatch(b->api, b->m, call, NULL);
}

int vt_api_register(vt_rpc_server *server, vt_api *api)
{
	bound *bindings;
	int error;
	if (!(bindings = calloc(NMETHODS, sizeof(*bindings))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	free(api->bindings);
	api->bindings = bindings;
	for (size_t i = 0; i < NMETHODS; i++) {
		vt_rpc_method m = { 0 };
		bindings[i].api = api;
		bindings[i].m = &methods[i];
		m.path = methods[i].path;
		m.kind = methods[i].kind;
		m.handler = rpc_adapter;
		m.ctx = &bindings[i];
		m.max_request = methods[i].max_request;
		if ((error = vt_rpc_server_add(server, &m)) < 0)
			return error;
	}
	return 0;
}

void vt_api_dispose(vt_api *api)
{
	free(api->bindings);
	api->bindings = NULL;
}

/* ---- the transport */

/* Packs msg (of the method's response type) and sets it as the response,
 * sends it on the stream, or keeps it for a local call. */
static int pack_out(vt_api_req *r, const ProtobufCMessage *msg, int stream)
{
	uint8_t stack[4096], *buf = stack;
	size_t n;
	int error = 0;
	if (msg->descriptor != r->method->response)
		return vt_error_set(VT_ERROR, "%s answers %s, not %s", r->method->path, r->method->response->short_name,
			msg->descriptor->short_name);
	n = protobuf_c_message_get_packed_size(msg);
	if (n > sizeof(stack) && !(buf = malloc(n)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	protobuf_c_message_pack(msg, buf);
	if (r->call) {
		error = stream ? vt_rpc_call_send(r->call, buf, n) : vt_rpc_call_set_response(r->call, buf, n);
	} else {
		uint8_t *copy = malloc(n ? n : 1);
		if (!copy) {
			error = vt_error_set(VT_ENOMEM, "out of memory");
		} else {
			memcpy(copy, buf, n);
			vt_rpc_buf_dispose(&r->local->reply);
			r->local->reply.data = copy;
			r->local->reply.len = n;
			r->local->n_sent += stream;
		}
	}
	if (buf != stack)
		free(buf);
	return error;
}

int vt_api_reply(vt_api_req *r, const ProtobufCMessage *msg)
{
	return pack_out(r, msg, 0);
}

int vt_api_send(vt_api_req *r, const ProtobufCMessage *msg)
{
	return pack_out(r, msg, 1);
}

int vt_api_reply_change(vt_api_req *r, const vt_apply_result *res)
{
	Vanthu__V1__ChangeResult out = VANTHU__V1__CHANGE_RESULT__INIT;
	out.seq = res->seq;
	out.time = res->time;
	return vt_api_reply(r, &out.base);
}

int vt_api_recv(vt_api_req *r, vt_rpc_buf *msg)
{
	const vt_rpc_buf *next;
	if (r->call)
		return vt_rpc_call_recv(r->call, msg);
	if (r->local->next_recv >= r->local->n_recv)
		return 0;
	next = &r->local->recv[r->local->next_recv++];
	if (!(msg->data = malloc(next->len ? next->len : 1)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	memcpy(msg->data, next->data, next->len);
	msg->len = next->len;
	return 1;
}

const char *vt_api_peer(vt_api_req *r)
{
	return r->call ? vt_rpc_call_peer(r->call) : "local";
}

/* ---- the test seam */

int vt_api_local_call(vt_api *api, const char *path, vt_api_local *local)
{
	const vt_api_method *m = vt_api_method_find(path);
	if (!m)
		return vt_error_set(VT_ENOTFOUND, "no method %s", path);
	return dispatch(api, m, NULL, local);
}

void vt_api_local_dispose(vt_api_local *local)
{
	vt_rpc_buf_dispose(&local->reply);
}
