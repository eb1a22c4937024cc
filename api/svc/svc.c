/* The method table of the node's services, the adapter every unary call
 * goes through, and the Auth, Admin and Registers handlers. */
#include "events.h"
#include "svc/service.h"
#include "docs/commands.h"
#include "store/error.h"
#include "docs/register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*unary_fn)(vt_api_req *r);

typedef struct api_method {
	const char *path;
	const ProtobufCMessageDescriptor *request;
	unary_fn handler;
	uint32_t roles;      /* 0: no session needed (Login only) */
	const char *what;    /* for the refusal message */
} api_method;

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

int vt_api_reply(vt_api_req *r, const ProtobufCMessage *msg)
{
	uint8_t stack[4096], *buf = stack;
	size_t n = protobuf_c_message_get_packed_size(msg);
	int error;
	if (n > sizeof(stack) && !(buf = malloc(n)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	protobuf_c_message_pack(msg, buf);
	error = vt_rpc_call_set_response(r->call, buf, n);
	if (buf != stack)
		free(buf);
	return error;
}

int vt_api_caller(vt_api *api, vt_rpc_call *call, Vanthu__V1__Account **out)
{
	const char *h = vt_rpc_call_metadata(call, "authorization");
	*out = NULL;
	if (!h)
		return vt_error_set(VT_EAUTH, "not logged in: no authorization metadata (run vanthu login)");
	if (strncmp(h, "Bearer ", 7) != 0)
		return vt_error_set(VT_EAUTH, "authorization metadata must be 'Bearer <token>'");
	return vt_auth_check(api->auth, h + 7, out);
}

int vt_api_reply_change(vt_api_req *r, const vt_apply_result *res)
{
	Vanthu__V1__ChangeResult out = VANTHU__V1__CHANGE_RESULT__INIT;
	out.seq = res->seq;
	out.time = res->time;
	return vt_api_reply(r, &out.base);
}

/* ---- Auth */

static int auth_login(vt_api_req *r)
{
	const Vanthu__V1__LoginRequest *in = (const void *)r->in;
	Vanthu__V1__LoginResponse out = VANTHU__V1__LOGIN_RESPONSE__INIT;
	Vanthu__V1__Account *acc = NULL;
	char token[VT_TOKEN_HEX + 1];
	int error;
	if ((error = vt_auth_login(r->api->auth, in->name, in->password, vt_rpc_call_peer(r->call), token,
		     &out.expires)) < 0)
		return error;
	if ((error = vt_account_get(r->api->node->store, r->api->node->node_id, in->name, &acc)) < 0)
		return error;
	out.token = token;
	out.account = acc;
	error = vt_api_reply(r, &out.base);
	vanthu__v1__account__free_unpacked(acc, NULL);
	return error;
}

static int auth_logout(vt_api_req *r)
{
	Vanthu__V1__Empty out = VANTHU__V1__EMPTY__INIT;
	int error = vt_auth_logout(r->api->auth, vt_rpc_call_metadata(r->call, "authorization") + 7);
	return error < 0 ? error : vt_api_reply(r, &out.base);
}

static int auth_whoami(vt_api_req *r)
{
	return vt_api_reply(r, &r->caller->base);
}

static int auth_change_password(vt_api_req *r)
{
	const Vanthu__V1__ChangePasswordRequest *in = (const void *)r->in;
	Vanthu__V1__Empty out = VANTHU__V1__EMPTY__INIT;
	vt_apply_result res;
	int error = vt_account_set_password(r->api->node->log, r->caller->name, r->caller->name,
		in->old_password, in->new_password, &res);
	return error < 0 ? error : vt_api_reply(r, &out.base);
}

/* ---- Admin */

static int admin_create_account(vt_api_req *r)
{
	const Vanthu__V1__CreateAccountRequest *in = (const void *)r->in;
	Vanthu__V1__Account *acc = NULL;
	vt_apply_result res;
	int error;
	if (!in->account)
		return vt_error_set(VT_EINVAL, "create account: no account given");
	if ((error = vt_account_create(r->api->node->log, r->caller->name, in->account, in->password,
		     in->reason, &res)) < 0)
		return error;
	if ((error = vt_account_get(r->api->node->store, r->api->node->node_id, in->account->name, &acc)) < 0)
		return error;
	error = vt_api_reply(r, &acc->base);
	vanthu__v1__account__free_unpacked(acc, NULL);
	return error;
}

static int admin_update_account(vt_api_req *r)
{
	const Vanthu__V1__UpdateAccountRequest *in = (const void *)r->in;
	Vanthu__V1__Account *acc = NULL;
	vt_apply_result res;
	int error;
	if (!in->update)
		return vt_error_set(VT_EINVAL, "update account: no update given");
	if (strcmp(in->update->name, r->caller->name) == 0 && in->update->set_disabled && in->update->disabled)
		return vt_error_set(VT_EINVAL, "an administrator cannot disable their own account");
	if ((error = vt_account_update(r->api->node->log, r->caller->name, in->update, in->reason, &res)) < 0)
		return error;
	if ((error = vt_account_get(r->api->node->store, r->api->node->node_id, in->update->name, &acc)) < 0)
		return error;
	error = vt_api_reply(r, &acc->base);
	vanthu__v1__account__free_unpacked(acc, NULL);
	return error;
}

static int admin_reset_password(vt_api_req *r)
{
	const Vanthu__V1__ResetPasswordRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error = vt_account_set_password(r->api->node->log, r->caller->name, in->name, NULL,
		in->new_password, &res);
	return error < 0 ? error : vt_api_reply_change(r, &res);
}

/* Keeps a copy of each listed message (re-packed: the callback's copy is
 * freed by the iterator). */
int vt_api_collect(void *payload, const ProtobufCMessage *m)
{
	vt_api_collect_list *c = payload;
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf;
	void *copy;
	if (c->n == c->cap) {
		void **grown = realloc(c->items, (c->cap ? c->cap * 2 : 16) * sizeof(void *));
		if (!grown)
			return vt_error_set(VT_ENOMEM, "out of memory");
		c->items = grown;
		c->cap = c->cap ? c->cap * 2 : 16;
	}
	if (!(buf = malloc(n ? n : 1)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	protobuf_c_message_pack(m, buf);
	copy = protobuf_c_message_unpack(c->desc, NULL, n, buf);
	free(buf);
	if (!copy)
		return vt_error_set(VT_ENOMEM, "out of memory");
	c->items[c->n++] = copy;
	return 0;
}

/* Typed callbacks of the domain's list functions that keep what they get. */
static int collect_account(void *payload, const Vanthu__V1__Account *a) { return vt_api_collect(payload, &a->base); }
static int collect_unit(void *payload, const Vanthu__V1__OrgUnit *u) { return vt_api_collect(payload, &u->base); }
static int collect_book(void *payload, const Vanthu__V1__RegisterBook *b) { return vt_api_collect(payload, &b->base); }

void vt_api_collect_free(vt_api_collect_list *c)
{
	for (size_t i = 0; i < c->n; i++)
		protobuf_c_message_free_unpacked(c->items[i], NULL);
	free(c->items);
}

static int admin_list_accounts(vt_api_req *r)
{
	Vanthu__V1__AccountList out = VANTHU__V1__ACCOUNT_LIST__INIT;
	vt_api_collect_list c = { .desc = &vanthu__v1__account__descriptor };
	int error = vt_account_list(r->api->node->store, r->api->node->node_id,
		collect_account, &c);
	if (!error) {
		out.accounts = (Vanthu__V1__Account **)c.items;
		out.n_accounts = c.n;
		error = vt_api_reply(r, &out.base);
	}
	vt_api_collect_free(&c);
	return error;
}

static int admin_define_unit(vt_api_req *r)
{
	const Vanthu__V1__DefineUnitRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error;
	if ((error = vt_unit_define(r->api->node->log, r->caller->name, in->unit, in->reason, &res)) < 0)
		return error;
	return vt_api_reply_change(r, &res);
}

static int admin_list_units(vt_api_req *r)
{
	Vanthu__V1__UnitList out = VANTHU__V1__UNIT_LIST__INIT;
	vt_api_collect_list c = { .desc = &vanthu__v1__org_unit__descriptor };
	int error = vt_unit_list(r->api->node->store, r->api->node->node_id, collect_unit, &c);
	if (!error) {
		out.units = (Vanthu__V1__OrgUnit **)c.items;
		out.n_units = c.n;
		error = vt_api_reply(r, &out.base);
	}
	vt_api_collect_free(&c);
	return error;
}

static int admin_define_book(vt_api_req *r)
{
	const Vanthu__V1__DefineBookRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error;
	if ((error = vt_cmd_book_define(r->api->node->log, r->caller->name, in->book, in->reason, &res)) < 0)
		return error;
	return vt_api_reply_change(r, &res);
}

/* ---- Registers */

static int reg_list_books(vt_api_req *r)
{
	Vanthu__V1__BookList out = VANTHU__V1__BOOK_LIST__INIT;
	vt_api_collect_list c = { .desc = &vanthu__v1__register_book__descriptor };
	int error = vt_register_books(r->api->node->store, r->api->node->node_id,
		collect_book, &c);
	if (!error) {
		out.books = (Vanthu__V1__RegisterBook **)c.items;
		out.n_books = c.n;
		error = vt_api_reply(r, &out.base);
	}
	vt_api_collect_free(&c);
	return error;
}

typedef struct limited {
	vt_api_collect_list c;
	size_t limit;
} limited;

static int collect_limited(void *ctx, const Vanthu__V1__RegisterEntry *e)
{
	limited *l = ctx;
	if (l->c.n >= l->limit)
		return 1; /* stop: enough */
	return vt_api_collect(&l->c, &e->base);
}

static int reg_list_entries(vt_api_req *r)
{
	const Vanthu__V1__ListEntriesRequest *in = (const void *)r->in;
	Vanthu__V1__EntryList out = VANTHU__V1__ENTRY_LIST__INIT;
	Vanthu__V1__RegisterBook *book = NULL;
	limited l = { .c = { .desc = &vanthu__v1__register_entry__descriptor } };
	int error;
	const char *origin;
	l.limit = in->limit ? in->limit : 1000;
	if (l.limit > 100000)
		l.limit = 100000;
	if ((error = vt_api_origin(r, in->origin, &origin)) < 0 ||
	    (error = vt_register_book_get(r->api->node->store, origin, in->book, &book)) < 0)
		return error;
	vanthu__v1__register_book__free_unpacked(book, NULL);
	error = vt_register_entries(r->api->node->store, origin, in->book, in->year,
		collect_limited, &l);
	if (error >= 0) {
		out.entries = (Vanthu__V1__RegisterEntry **)l.c.items;
		out.n_entries = l.c.n;
		error = vt_api_reply(r, &out.base);
	}
	vt_api_collect_free(&l.c);
	return error;
}

/* ---- the table */

#define M(svc, name, req, fn, roles, what) \
	{ "/vanthu.v1." svc "/" name, &vanthu__v1__##req##__descriptor, fn, roles, what }

static const api_method methods[] = {
	M("Auth", "Login", login_request, auth_login, 0, "log in"),
	M("Auth", "Logout", empty, auth_logout, VT_ROLES_ANY, "log out"),
	M("Auth", "WhoAmI", empty, auth_whoami, VT_ROLES_ANY, "see their account"),
	M("Auth", "ChangePassword", change_password_request, auth_change_password, VT_ROLES_ANY, "change their password"),
	M("Admin", "CreateAccount", create_account_request, admin_create_account, VT_ROLE(ADMIN), "create accounts"),
	M("Admin", "UpdateAccount", update_account_request, admin_update_account, VT_ROLE(ADMIN), "change accounts"),
	M("Admin", "ResetPassword", reset_password_request, admin_reset_password, VT_ROLE(ADMIN), "reset passwords"),
	M("Admin", "ListAccounts", empty, admin_list_accounts, VT_ROLE(ADMIN) | VT_ROLE(AUDITOR), "list accounts"),
	M("Admin", "DefineUnit", define_unit_request, admin_define_unit, VT_ROLE(ADMIN), "define units"),
	M("Admin", "ListUnits", empty, admin_list_units, VT_ROLES_ANY, "list units"),
	M("Admin", "DefineBook", define_book_request, admin_define_book, VT_ROLE(ADMIN), "define register books"),
	M("Documents", "Create", create_document_request, vt_api_doc_create, VT_ROLES_DOC_WRITERS, "create documents"),
	M("Documents", "RegisterDocument", register_document_request, vt_api_doc_register, VT_ROLE(CLERK),
		"register documents (văn thư only)"),
	M("Documents", "Act", act_request, vt_api_doc_act, VT_ROLES_DOC_READERS & ~VT_ROLE(AUDITOR),
		"act on documents"),
	M("Documents", "Verify", verify_request, vt_api_doc_verify, VT_ROLES_DOC_READERS,
		"verify document signatures"),
	M("Documents", "Get", get_document_request, vt_api_doc_get, VT_ROLES_DOC_READERS, "read documents"),
	M("Documents", "List", list_documents_request, vt_api_doc_list, VT_ROLES_DOC_READERS, "list documents"),
	M("Registers", "ListBooks", empty, reg_list_books, VT_ROLES_DOC_READERS, "read the register books"),
	M("Registers", "ListEntries", list_entries_request, reg_list_entries, VT_ROLES_DOC_READERS,
		"read the register books"),
	M("Registers", "ListDossiers", empty, vt_api_dossier_list, VT_ROLES_DOC_READERS, "read dossiers"),
	M("Registers", "GetDossier", dossier_request, vt_api_dossier_get, VT_ROLES_DOC_READERS, "read dossiers"),
	M("Registers", "Status", status_request, vt_api_status, VT_ROLES_DOC_READERS, "read the processing status"),
	M("Replication", "Enroll", enroll_request, vt_api_repl_enroll, VT_ROLE(ADMIN), "enrol units at the hub"),
	M("Replication", "Reinstate", reinstate_request, vt_api_repl_reinstate, VT_ROLE(ADMIN),
		"reinstate refused units"),
	M("Replication", "Status", empty, vt_api_repl_status, VT_ROLE(ADMIN) | VT_ROLE(AUDITOR),
		"see the replication status"),
	M("Audit", "GetNodeInfo", empty, vt_api_audit_info, VT_ROLES_ANY, "read the node's identity"),
	M("Audit", "GetTreeHead", tree_head_request, vt_api_audit_head, VT_ROLES_ANY, "read tree heads"),
	M("Audit", "GetInclusionProof", inclusion_proof_request, vt_api_audit_inclusion, VT_ROLES_ANY, "get proofs"),
	M("Audit", "GetConsistencyProof", consistency_proof_request, vt_api_audit_consistency, VT_ROLES_ANY,
		"get proofs"),
};

#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

typedef struct bound {
	vt_api *api;
	const api_method *m;
} bound;


static int unary_adapter(vt_rpc_call *call, void *ctx)
{
	bound *b = ctx;
	vt_api_req r = { b->api, call, NULL, NULL };
	Vanthu__V1__Account *caller = NULL;
	ProtobufCMessage *in = NULL;
	const uint8_t *data;
	size_t len;
	int error;

	if (b->m->roles) {
		if ((error = vt_api_caller(b->api, call, &caller)) < 0)
			goto out;
		if ((error = vt_api_require(caller, b->m->roles, b->m->what)) < 0)
			goto out;
	}
	vt_rpc_call_request(call, &data, &len);
	if (!(in = protobuf_c_message_unpack(b->m->request, NULL, len, data))) {
		error = vt_error_set(VT_EINVAL, "%s: the request is not a valid %s message", b->m->path,
			b->m->request->short_name);
		goto out;
	}
	r.caller = caller;
	r.in = in;
	error = b->m->handler(&r);
out:
	if (in)
		protobuf_c_message_free_unpacked(in, NULL);
	if (caller)
		vanthu__v1__account__free_unpacked(caller, NULL);
	return error;
}

/* Streaming methods authenticate the same way, then hand over the call. */
static int upload_adapter(vt_rpc_call *call, void *ctx)
{
	vt_api *api = ctx;
	Vanthu__V1__Account *caller = NULL;
	int error;
	if ((error = vt_api_caller(api, call, &caller)) < 0 ||
	    (error = vt_api_require(caller, VT_ROLES_DOC_WRITERS, "upload files")) < 0)
		goto out;
	error = vt_api_doc_upload(call, api, caller);
out:
	if (caller)
		vanthu__v1__account__free_unpacked(caller, NULL);
	return error;
}

static int download_adapter(vt_rpc_call *call, void *ctx)
{
	vt_api *api = ctx;
	Vanthu__V1__Account *caller = NULL;
	Vanthu__V1__BlobRef *ref = NULL;
	const uint8_t *data;
	size_t len;
	int error;
	if ((error = vt_api_caller(api, call, &caller)) < 0 ||
	    (error = vt_api_require(caller, VT_ROLES_DOC_READERS, "download files")) < 0)
		goto out;
	vt_rpc_call_request(call, &data, &len);
	if (!(ref = vanthu__v1__blob_ref__unpack(NULL, len, data))) {
		error = vt_error_set(VT_EINVAL, "Download: the request is not a valid BlobRef");
		goto out;
	}
	error = vt_api_doc_download(call, api, caller, ref);
out:
	if (ref)
		vanthu__v1__blob_ref__free_unpacked(ref, NULL);
	if (caller)
		vanthu__v1__account__free_unpacked(caller, NULL);
	return error;
}

static int entries_adapter(vt_rpc_call *call, void *ctx)
{
	vt_api *api = ctx;
	Vanthu__V1__Account *caller = NULL;
	Vanthu__V1__EntriesRequest *req = NULL;
	const uint8_t *data;
	size_t len;
	int error;
	if ((error = vt_api_caller(api, call, &caller)) < 0 ||
	    (error = vt_api_require(caller, VT_ROLE(AUDITOR) | VT_ROLE(ADMIN), "read raw log entries")) < 0)
		goto out;
	vt_rpc_call_request(call, &data, &len);
	if (!(req = vanthu__v1__entries_request__unpack(NULL, len, data))) {
		error = vt_error_set(VT_EINVAL, "GetEntries: the request is not a valid EntriesRequest");
		goto out;
	}
	error = vt_api_audit_entries(call, api, caller, req);
out:
	if (req)
		vanthu__v1__entries_request__free_unpacked(req, NULL);
	if (caller)
		vanthu__v1__account__free_unpacked(caller, NULL);
	return error;
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
		m.kind = VT_RPC_UNARY;
		m.handler = unary_adapter;
		m.ctx = &bindings[i];
		m.max_request = 1 << 20;
		if ((error = vt_rpc_server_add(server, &m)) < 0)
			return error;
	}
	{
		vt_rpc_method up = { 0 }, down = { 0 }, ent = { 0 };
		up.path = "/vanthu.v1.Documents/Upload";
		up.kind = VT_RPC_CLIENT_STREAM;
		up.handler = upload_adapter;
		up.ctx = api;
		up.max_request = 4 << 20;
		down.path = "/vanthu.v1.Documents/Download";
		down.kind = VT_RPC_SERVER_STREAM;
		down.handler = download_adapter;
		down.ctx = api;
		down.max_request = 4096;
		ent.path = "/vanthu.v1.Audit/GetEntries";
		ent.kind = VT_RPC_SERVER_STREAM;
		ent.handler = entries_adapter;
		ent.ctx = api;
		ent.max_request = 4096;
		if ((error = vt_rpc_server_add(server, &up)) < 0 || (error = vt_rpc_server_add(server, &down)) < 0 ||
		    (error = vt_rpc_server_add(server, &ent)) < 0)
			return error;
	}
	return 0;
}

void vt_api_dispose(vt_api *api)
{
	free(api->bindings);
	api->bindings = NULL;
}
