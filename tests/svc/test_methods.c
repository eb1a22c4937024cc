/* Tests for api/svc/methods.c and the handlers it names, through the
 * adapter's local call (svc_int.h): no gRPC server, no network. A method
 * refuses callers without its roles and calls without a session; requests
 * that lack what they need are refused by name and append nothing; good
 * requests from the right role answer the table's response type and append
 * one event (reads append none). */
#include "testutil.h"
#include "svc/svc_int.h"
#include "store/hash.h"

#define ADMIN_NAME "quan.tri"
#define ADMIN_PASSWORD "mat-khau-quan-tri-1"

typedef struct fixture {
	char dir[4096];
	vt_node *node;
	vt_auth *auth;
	vt_api api;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	Vanthu__V1__Account acc = VANTHU__V1__ACCOUNT__INIT;
	Vanthu__V1__Role roles[] = { VANTHU__V1__ROLE__ADMIN };
	assert_non_null(f);
	f->node = vt_test_node_new(f->dir, sizeof(f->dir), "svc-methods", NULL);
	assert_vt_ok(vt_auth_new(&f->auth, f->node->log, NULL));
	f->api.node = f->node;
	f->api.auth = f->auth;
	f->api.max_blob = 1 << 20;
	acc.name = ADMIN_NAME;
	acc.full_name = "Nguyễn Văn Quản";
	acc.roles = roles;
	acc.n_roles = 1;
	assert_vt_ok(vt_account_create(f->node->log, "setup", &acc, ADMIN_PASSWORD, "", NULL));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	vt_api_dispose(&f->api);
	vt_auth_free(f->auth);
	vt_test_node_done(f->node, f->dir);
	free(f);
	return 0;
}

/* A caller as a session gives it: the roles whose bits are set in roles. */
typedef struct caller {
	Vanthu__V1__Account acc;
	Vanthu__V1__Role roles[8];
} caller;

static const Vanthu__V1__Account *caller_init(caller *c, const char *name, uint32_t roles)
{
	vanthu__v1__account__init(&c->acc);
	c->acc.name = (char *)name;
	c->acc.full_name = (char *)name;
	c->acc.roles = c->roles;
	for (int r = VANTHU__V1__ROLE__CLERK; r <= VANTHU__V1__ROLE__ADMIN; r++)
		if (roles & (1u << r))
			c->roles[c->acc.n_roles++] = (Vanthu__V1__Role)r;
	return &c->acc;
}

/* Packs msg (NULL: an empty request) into the local call. */
static void local_request(vt_api_local *l, uint8_t *buf, size_t cap, const ProtobufCMessage *msg)
{
	if (!msg)
		return;
	assert_true(protobuf_c_message_get_packed_size(msg) <= cap);
	l->request = buf;
	l->request_len = protobuf_c_message_pack(msg, buf);
}

/* ---- the table */

static void test_table_rows(void **state)
{
	size_t n;
	const vt_api_method *m = vt_api_methods(&n);
	assert_true(n >= 30);
	for (size_t i = 0; i < n; i++) {
		assert_true(strncmp(m[i].path, "/vanthu.v1.", 11) == 0);
		assert_non_null(m[i].request);
		assert_non_null(m[i].response);
		assert_non_null(m[i].handler);
		assert_non_null(m[i].what);
		assert_true(m[i].max_request > 0);
		assert_ptr_equal(vt_api_method_find(m[i].path), &m[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(m[i].path, m[j].path);
	}
	assert_null(vt_api_method_find("/vanthu.v1.Documents/Nothing"));
	{
		fixture *f = *state;
		vt_api_local l = { 0 };
		assert_vt_error(vt_api_local_call(&f->api, "/vanthu.v1.Documents/Nothing", &l), VT_ENOTFOUND,
			"no method");
	}
}

/* Every method with roles refuses a caller who holds none of them (but
 * every other role), naming what was refused and the roles allowed. */
static void test_roles_refused(void **state)
{
	fixture *f = *state;
	size_t n;
	const vt_api_method *m = vt_api_methods(&n);
	uint64_t size = vt_log_size(f->node->log);
	for (size_t i = 0; i < n; i++) {
		vt_api_local l = { 0 };
		caller c;
		char want[256];
		const char *msg;
		if (!m[i].roles)
			continue;
		l.caller = caller_init(&c, "nguoi.ngoai", ~m[i].roles & 0xfe);
		snprintf(want, sizeof(want), "nguoi.ngoai may not %s", m[i].what);
		assert_vt_error(vt_api_local_call(&f->api, m[i].path, &l), VT_EPERM, want);
		msg = vt_error_last();
		for (int r = VANTHU__V1__ROLE__CLERK; r <= VANTHU__V1__ROLE__ADMIN; r++)
			if (m[i].roles & (1u << r) && !strstr(msg, vt_role_name((Vanthu__V1__Role)r)))
				fail_msg("%s: '%s' does not name role %s", m[i].path, msg, vt_role_name((Vanthu__V1__Role)r));
		assert_null(l.reply.data);
		vt_api_local_dispose(&l);
	}
	assert_int_equal(vt_log_size(f->node->log), size);
}

/* Without a valid session every method but Login is refused before its
 * request is read. */
static void test_unauthenticated_refused(void **state)
{
	static const struct {
		const char *authorization, *msg;
	} cases[] = {
		{ NULL, "not logged in: no authorization metadata" },
		{ "Basic cXVhbi50cmk6eA==", "must be 'Bearer <token>'" },
		{ "Bearer 00000000000000000000000000000000000000000000000000000000000000ff", "" },
		{ "Bearer ", "" },
	};
	fixture *f = *state;
	size_t n;
	const vt_api_method *m = vt_api_methods(&n);
	for (size_t i = 0; i < n; i++) {
		if (!m[i].roles)
			continue;
		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			vt_api_local l = { 0 };
			l.authorization = cases[k].authorization;
			l.request = (const uint8_t *)"\xff\xff"; /* never decoded */
			l.request_len = 2;
			assert_vt_error(vt_api_local_call(&f->api, m[i].path, &l), VT_EAUTH, cases[k].msg);
			assert_null(l.reply.data);
		}
	}
}

/* Login, a call with its token, logout: the token is then refused. */
static void test_session(void **state)
{
	fixture *f = *state;
	Vanthu__V1__LoginRequest in = VANTHU__V1__LOGIN_REQUEST__INIT;
	Vanthu__V1__LoginResponse *resp;
	Vanthu__V1__Account *who;
	vt_api_local l = { 0 }, w = { 0 }, o = { 0 };
	uint8_t buf[512];
	char authorization[128];

	in.name = ADMIN_NAME;
	in.password = "not the password";
	local_request(&l, buf, sizeof(buf), &in.base);
	assert_vt_error(vt_api_local_call(&f->api, "/vanthu.v1.Auth/Login", &l), VT_EAUTH, "");
	in.password = ADMIN_PASSWORD;
	local_request(&l, buf, sizeof(buf), &in.base);
	assert_vt_ok(vt_api_local_call(&f->api, "/vanthu.v1.Auth/Login", &l));
	assert_non_null(resp = vanthu__v1__login_response__unpack(NULL, l.reply.len, l.reply.data));
	assert_int_equal(strlen(resp->token), VT_TOKEN_HEX);
	snprintf(authorization, sizeof(authorization), "Bearer %s", resp->token);
	vanthu__v1__login_response__free_unpacked(resp, NULL);

	w.authorization = authorization;
	assert_vt_ok(vt_api_local_call(&f->api, "/vanthu.v1.Auth/WhoAmI", &w));
	assert_non_null(who = vanthu__v1__account__unpack(NULL, w.reply.len, w.reply.data));
	assert_string_equal(who->name, ADMIN_NAME);
	vanthu__v1__account__free_unpacked(who, NULL);

	o.authorization = authorization;
	assert_vt_ok(vt_api_local_call(&f->api, "/vanthu.v1.Auth/Logout", &o));
	vt_api_local_dispose(&w);
	assert_vt_error(vt_api_local_call(&f->api, "/vanthu.v1.Auth/WhoAmI", &w), VT_EAUTH, "");
	vt_api_local_dispose(&l);
	vt_api_local_dispose(&w);
	vt_api_local_dispose(&o);
}

/* ---- refused requests */

static void meta_incoming(Vanthu__V1__DocumentMeta *m)
{
	vanthu__v1__document_meta__init(m);
	m->direction = VANTHU__V1__DIRECTION__INCOMING;
	m->doc_type = "CV";
	m->number_symbol = "12/UBND-VP";
	m->issuing_agency = "UBND tỉnh Lào Cai";
	m->issue_date = "2025-06-01";
	m->summary = "V/v kế hoạch năm 2026";
}

typedef struct bad_case {
	const char *path;
	uint32_t roles;                /* the caller's */
	const ProtobufCMessage *in;    /* NULL: raw, or nothing */
	const char *raw;               /* bytes as the request (with raw_len) */
	size_t raw_len;
	const vt_rpc_buf *recv;        /* a client stream's messages */
	size_t n_recv;
	int code;
	const char *msg;
} bad_case;

static void test_bad_requests(void **state)
{
	fixture *f = *state;
	Vanthu__V1__CreateDocumentRequest create_no_meta = VANTHU__V1__CREATE_DOCUMENT_REQUEST__INIT;
	Vanthu__V1__CreateDocumentRequest create_in_staff = VANTHU__V1__CREATE_DOCUMENT_REQUEST__INIT;
	Vanthu__V1__ActRequest act_none = VANTHU__V1__ACT_REQUEST__INIT;
	Vanthu__V1__ActRequest act_no_id = VANTHU__V1__ACT_REQUEST__INIT;
	Vanthu__V1__DocumentAction action = VANTHU__V1__DOCUMENT_ACTION__INIT;
	Vanthu__V1__DefineBookRequest book_none = VANTHU__V1__DEFINE_BOOK_REQUEST__INIT;
	Vanthu__V1__DefineUnitRequest unit_none = VANTHU__V1__DEFINE_UNIT_REQUEST__INIT;
	Vanthu__V1__CreateAccountRequest account_none = VANTHU__V1__CREATE_ACCOUNT_REQUEST__INIT;
	Vanthu__V1__UpdateAccountRequest update_none = VANTHU__V1__UPDATE_ACCOUNT_REQUEST__INIT;
	Vanthu__V1__UpdateAccountRequest update_self = VANTHU__V1__UPDATE_ACCOUNT_REQUEST__INIT;
	Vanthu__V1__AccountUpdated disable_self = VANTHU__V1__ACCOUNT_UPDATED__INIT;
	Vanthu__V1__BlobRef short_ref = VANTHU__V1__BLOB_REF__INIT;
	Vanthu__V1__EnrollRequest enroll = VANTHU__V1__ENROLL_REQUEST__INIT;
	Vanthu__V1__ReinstateRequest reinstate = VANTHU__V1__REINSTATE_REQUEST__INIT;
	Vanthu__V1__VerifyRequest verify_none = VANTHU__V1__VERIFY_REQUEST__INIT;
	Vanthu__V1__BlobChunk no_hash = VANTHU__V1__BLOB_CHUNK__INIT, too_big = VANTHU__V1__BLOB_CHUNK__INIT;
	Vanthu__V1__DocumentMeta meta;
	uint8_t hash[VT_HASH_LEN] = { 0 }, no_hash_buf[64], too_big_buf[64];
	vt_rpc_buf garbage = { (uint8_t *)"\xff\xff\xff", 3 }, no_hash_msg, too_big_msg;

	meta_incoming(&meta);
	create_in_staff.meta = &meta;
	act_no_id.action = &action;
	action.document_id = "";
	action.action = VANTHU__V1__ACTION__COMMENT;
	update_self.update = &disable_self;
	disable_self.name = "nguoi.goi";
	disable_self.set_disabled = 1;
	disable_self.disabled = 1;
	short_ref.sha256.data = hash;
	short_ref.sha256.len = 3;
	enroll.node_id = "000.00.32.H54";
	reinstate.node_id = "000.00.32.H54";
	reinstate.reason = "checked";
	verify_none.document_id = VT_TEST_NODE_ID "/999";
	no_hash.data.data = (uint8_t *)"abc";
	no_hash.data.len = 3;
	no_hash.size = 3;
	no_hash_msg.data = no_hash_buf;
	no_hash_msg.len = vanthu__v1__blob_chunk__pack(&no_hash, no_hash_buf);
	too_big.sha256.data = hash;
	too_big.sha256.len = VT_HASH_LEN;
	too_big.size = (1 << 20) + 1;
	too_big_msg.data = too_big_buf;
	too_big_msg.len = vanthu__v1__blob_chunk__pack(&too_big, too_big_buf);

	const bad_case cases[] = {
		{ "/vanthu.v1.Documents/Create", VT_ROLE(CLERK), &create_no_meta.base, NULL, 0, NULL, 0, VT_EINVAL,
		  "create: no document metadata" },
		{ "/vanthu.v1.Documents/Create", VT_ROLE(STAFF), &create_in_staff.base, NULL, 0, NULL, 0, VT_EPERM,
		  "may not receive incoming documents" },
		{ "/vanthu.v1.Documents/Act", VT_ROLE(STAFF), &act_none.base, NULL, 0, NULL, 0, VT_EINVAL,
		  "act: which document (document_id)" },
		{ "/vanthu.v1.Documents/Act", VT_ROLE(STAFF), &act_no_id.base, NULL, 0, NULL, 0, VT_EINVAL,
		  "act: which document (document_id)" },
		{ "/vanthu.v1.Documents/Verify", VT_ROLE(STAFF), &verify_none.base, NULL, 0, NULL, 0, VT_ENOTFOUND,
		  "no document" },
		{ "/vanthu.v1.Admin/DefineBook", VT_ROLE(ADMIN), &book_none.base, NULL, 0, NULL, 0, VT_EINVAL,
		  "define book: no book given" },
		{ "/vanthu.v1.Admin/DefineUnit", VT_ROLE(ADMIN), &unit_none.base, NULL, 0, NULL, 0, VT_EINVAL,
		  "define unit: no unit given" },
		{ "/vanthu.v1.Admin/CreateAccount", VT_ROLE(ADMIN), &account_none.base, NULL, 0, NULL, 0, VT_EINVAL,
		  "create account: no account given" },
		{ "/vanthu.v1.Admin/UpdateAccount", VT_ROLE(ADMIN), &update_none.base, NULL, 0, NULL, 0, VT_EINVAL,
		  "update account: no update given" },
		{ "/vanthu.v1.Admin/UpdateAccount", VT_ROLE(ADMIN), &update_self.base, NULL, 0, NULL, 0, VT_EINVAL,
		  "cannot disable their own account" },
		{ "/vanthu.v1.Replication/Enroll", VT_ROLE(ADMIN), &enroll.base, NULL, 0, NULL, 0, VT_EINVAL,
		  "is not a hub" },
		{ "/vanthu.v1.Replication/Reinstate", VT_ROLE(ADMIN), &reinstate.base, NULL, 0, NULL, 0, VT_EINVAL,
		  "is not a hub" },
		{ "/vanthu.v1.Documents/Get", VT_ROLE(STAFF), NULL, "\xff\xff\xff", 3, NULL, 0, VT_EINVAL,
		  "/vanthu.v1.Documents/Get: the request is not a valid GetDocumentRequest message" },
		{ "/vanthu.v1.Audit/GetEntries", VT_ROLE(AUDITOR), NULL, "\xff\xff\xff", 3, NULL, 0, VT_EINVAL,
		  "not a valid EntriesRequest" },
		{ "/vanthu.v1.Documents/Download", VT_ROLE(STAFF), &short_ref.base, NULL, 0, NULL, 0, VT_EINVAL,
		  "download: sha256 must be 32 bytes" },
		{ "/vanthu.v1.Documents/Upload", VT_ROLE(CLERK), NULL, NULL, 0, NULL, 0, VT_EINVAL, "upload: no chunks" },
		{ "/vanthu.v1.Documents/Upload", VT_ROLE(CLERK), NULL, NULL, 0, &garbage, 1, VT_EINVAL,
		  "upload: a chunk is not a valid BlobChunk" },
		{ "/vanthu.v1.Documents/Upload", VT_ROLE(CLERK), NULL, NULL, 0, &no_hash_msg, 1, VT_EINVAL,
		  "the first chunk must declare sha256" },
		{ "/vanthu.v1.Documents/Upload", VT_ROLE(CLERK), NULL, NULL, 0, &too_big_msg, 1, VT_ETOOBIG,
		  "over the limit" },
	};
	uint64_t size = vt_log_size(f->node->log);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vt_api_local l = { 0 };
		caller c;
		uint8_t buf[1024];
		l.caller = caller_init(&c, "nguoi.goi", cases[i].roles);
		local_request(&l, buf, sizeof(buf), cases[i].in);
		if (cases[i].raw) {
			l.request = (const uint8_t *)cases[i].raw;
			l.request_len = cases[i].raw_len;
		}
		l.recv = cases[i].recv;
		l.n_recv = cases[i].n_recv;
		assert_vt_error(vt_api_local_call(&f->api, cases[i].path, &l), cases[i].code, cases[i].msg);
		assert_null(l.reply.data);
		assert_int_equal(vt_log_size(f->node->log), size);
		vt_api_local_dispose(&l);
	}
}

/* ---- good requests */

typedef struct good_case {
	const char *path;
	uint32_t roles;
	const ProtobufCMessage *in;
	const vt_rpc_buf *recv;
	size_t n_recv;
	uint64_t events;  /* appended */
} good_case;

static void test_good_requests(void **state)
{
	fixture *f = *state;
	Vanthu__V1__DefineBookRequest book = VANTHU__V1__DEFINE_BOOK_REQUEST__INIT;
	Vanthu__V1__RegisterBook b = VANTHU__V1__REGISTER_BOOK__INIT;
	Vanthu__V1__DefineUnitRequest unit = VANTHU__V1__DEFINE_UNIT_REQUEST__INIT;
	Vanthu__V1__OrgUnit u = VANTHU__V1__ORG_UNIT__INIT;
	Vanthu__V1__CreateAccountRequest account = VANTHU__V1__CREATE_ACCOUNT_REQUEST__INIT;
	Vanthu__V1__Account a = VANTHU__V1__ACCOUNT__INIT;
	Vanthu__V1__Role staff[] = { VANTHU__V1__ROLE__STAFF };
	Vanthu__V1__ResetPasswordRequest reset = VANTHU__V1__RESET_PASSWORD_REQUEST__INIT;
	Vanthu__V1__CreateDocumentRequest create = VANTHU__V1__CREATE_DOCUMENT_REQUEST__INIT;
	Vanthu__V1__ListDocumentsRequest list = VANTHU__V1__LIST_DOCUMENTS_REQUEST__INIT;
	Vanthu__V1__StatusRequest status = VANTHU__V1__STATUS_REQUEST__INIT;
	Vanthu__V1__ListEntriesRequest entries = VANTHU__V1__LIST_ENTRIES_REQUEST__INIT;
	Vanthu__V1__TreeHeadRequest head = VANTHU__V1__TREE_HEAD_REQUEST__INIT;
	Vanthu__V1__BlobChunk chunk = VANTHU__V1__BLOB_CHUNK__INIT;
	Vanthu__V1__BlobRef ref = VANTHU__V1__BLOB_REF__INIT;
	Vanthu__V1__EntriesRequest raw = VANTHU__V1__ENTRIES_REQUEST__INIT;
	Vanthu__V1__DocumentMeta meta;
	static const char file[] = "%PDF-1.7 a file";
	uint8_t hash[VT_HASH_LEN], chunk_buf[256];
	vt_rpc_buf chunk_msg;

	b.id = "cv-den";
	b.name = "Sổ công văn đến";
	b.direction = VANTHU__V1__DIRECTION__INCOMING;
	book.book = &b;
	u.id = "phong.kh";
	u.name = "Phòng Kế hoạch";
	unit.unit = &u;
	a.name = "chuyen.vien";
	a.full_name = "Trần Thị Viên";
	a.roles = staff;
	a.n_roles = 1;
	account.account = &a;
	account.password = "mat-khau-chuyen-vien";
	reset.name = "chuyen.vien";
	reset.new_password = "mat-khau-moi-cua-vien";
	meta_incoming(&meta);
	create.meta = &meta;
	entries.book = "den";
	vt_sha256(hash, file, sizeof(file) - 1);
	chunk.sha256.data = hash;
	chunk.sha256.len = VT_HASH_LEN;
	chunk.size = sizeof(file) - 1;
	chunk.media_type = "application/pdf";
	chunk.data.data = (uint8_t *)file;
	chunk.data.len = sizeof(file) - 1;
	chunk_msg.data = chunk_buf;
	chunk_msg.len = vanthu__v1__blob_chunk__pack(&chunk, chunk_buf);
	ref.sha256 = chunk.sha256;
	raw.count = 3;

	const good_case cases[] = {
		{ "/vanthu.v1.Admin/DefineBook", VT_ROLE(ADMIN), &book.base, NULL, 0, 1 },
		{ "/vanthu.v1.Admin/DefineUnit", VT_ROLE(ADMIN), &unit.base, NULL, 0, 1 },
		{ "/vanthu.v1.Admin/CreateAccount", VT_ROLE(ADMIN), &account.base, NULL, 0, 1 },
		{ "/vanthu.v1.Admin/ResetPassword", VT_ROLE(ADMIN), &reset.base, NULL, 0, 1 },
		{ "/vanthu.v1.Documents/Create", VT_ROLE(CLERK), &create.base, NULL, 0, 1 },
		{ "/vanthu.v1.Documents/Upload", VT_ROLE(CLERK), NULL, &chunk_msg, 1, 1 },
		/* reads append nothing */
		{ "/vanthu.v1.Admin/ListAccounts", VT_ROLE(AUDITOR), NULL, NULL, 0, 0 },
		{ "/vanthu.v1.Admin/ListUnits", VT_ROLE(STAFF), NULL, NULL, 0, 0 },
		{ "/vanthu.v1.Documents/List", VT_ROLE(STAFF), &list.base, NULL, 0, 0 },
		{ "/vanthu.v1.Registers/ListBooks", VT_ROLE(ARCHIVIST), NULL, NULL, 0, 0 },
		{ "/vanthu.v1.Registers/ListEntries", VT_ROLE(ARCHIVIST), &entries.base, NULL, 0, 0 },
		{ "/vanthu.v1.Registers/ListDossiers", VT_ROLE(STAFF), NULL, NULL, 0, 0 },
		{ "/vanthu.v1.Registers/Status", VT_ROLE(UNIT_LEADER), &status.base, NULL, 0, 0 },
		{ "/vanthu.v1.Replication/Status", VT_ROLE(AUDITOR), NULL, NULL, 0, 0 },
		{ "/vanthu.v1.Audit/GetNodeInfo", VT_ROLE(AUDITOR), NULL, NULL, 0, 0 },
		{ "/vanthu.v1.Audit/GetTreeHead", VT_ROLE(AUDITOR), &head.base, NULL, 0, 0 },
		/* server streams: the reply is the last message sent */
		{ "/vanthu.v1.Documents/Download", VT_ROLE(ARCHIVIST), &ref.base, NULL, 0, 0 },
		{ "/vanthu.v1.Audit/GetEntries", VT_ROLE(AUDITOR), &raw.base, NULL, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const vt_api_method *m = vt_api_method_find(cases[i].path);
		uint64_t size = vt_log_size(f->node->log);
		vt_api_local l = { 0 };
		ProtobufCMessage *out;
		caller c;
		uint8_t buf[1024];
		assert_non_null(m);
		l.caller = caller_init(&c, ADMIN_NAME, cases[i].roles);
		local_request(&l, buf, sizeof(buf), cases[i].in);
		l.recv = cases[i].recv;
		l.n_recv = cases[i].n_recv;
		if (vt_api_local_call(&f->api, cases[i].path, &l) != 0)
			fail_msg("%s: %s", cases[i].path, vt_error_last());
		assert_non_null(out = protobuf_c_message_unpack(m->response, NULL, l.reply.len, l.reply.data));
		protobuf_c_message_free_unpacked(out, NULL);
		if (m->kind == VT_RPC_SERVER_STREAM)
			assert_int_equal(l.n_sent, strstr(m->path, "GetEntries") ? 3 : 1);
		if (vt_log_size(f->node->log) != size + cases[i].events)
			fail_msg("%s: %llu events appended, want %llu", cases[i].path,
				(unsigned long long)(vt_log_size(f->node->log) - size), (unsigned long long)cases[i].events);
		vt_api_local_dispose(&l);
	}
}

/* Create, register, get and list one document through the handlers; a
 * page of one says where the next starts. */
static void test_document_flow(void **state)
{
	fixture *f = *state;
	Vanthu__V1__CreateDocumentRequest create = VANTHU__V1__CREATE_DOCUMENT_REQUEST__INIT;
	Vanthu__V1__RegisterDocumentRequest reg = VANTHU__V1__REGISTER_DOCUMENT_REQUEST__INIT;
	Vanthu__V1__GetDocumentRequest get = VANTHU__V1__GET_DOCUMENT_REQUEST__INIT;
	Vanthu__V1__ListDocumentsRequest list = VANTHU__V1__LIST_DOCUMENTS_REQUEST__INIT;
	Vanthu__V1__DocumentResponse *dr;
	Vanthu__V1__Document *d;
	Vanthu__V1__DocumentList *dl;
	Vanthu__V1__DocumentMeta meta;
	char id[2][VT_ID_MAX];
	uint8_t buf[1024];
	caller c;
	const Vanthu__V1__Account *clerk = caller_init(&c, "van.thu", VT_ROLE(CLERK));

	meta_incoming(&meta);
	create.meta = &meta;
	for (int i = 0; i < 2; i++) {
		vt_api_local l = { .caller = clerk };
		local_request(&l, buf, sizeof(buf), &create.base);
		assert_vt_ok(vt_api_local_call(&f->api, "/vanthu.v1.Documents/Create", &l));
		assert_non_null(dr = vanthu__v1__document_response__unpack(NULL, l.reply.len, l.reply.data));
		snprintf(id[i], sizeof(id[i]), "%s", dr->document->id);
		vanthu__v1__document_response__free_unpacked(dr, NULL);
		vt_api_local_dispose(&l);
		meta.number_symbol = "13/UBND-VP";
	}
	{
		vt_api_local l = { .caller = clerk };
		reg.document_id = id[0];
		reg.book = "den";
		local_request(&l, buf, sizeof(buf), &reg.base);
		assert_vt_ok(vt_api_local_call(&f->api, "/vanthu.v1.Documents/RegisterDocument", &l));
		assert_non_null(dr = vanthu__v1__document_response__unpack(NULL, l.reply.len, l.reply.data));
		assert_int_equal(dr->document->number, 1);
		vanthu__v1__document_response__free_unpacked(dr, NULL);
		vt_api_local_dispose(&l);
	}
	{
		vt_api_local l = { .caller = clerk };
		get.id = id[0];
		local_request(&l, buf, sizeof(buf), &get.base);
		assert_vt_ok(vt_api_local_call(&f->api, "/vanthu.v1.Documents/Get", &l));
		assert_non_null(d = vanthu__v1__document__unpack(NULL, l.reply.len, l.reply.data));
		assert_string_equal(d->meta->summary, "V/v kế hoạch năm 2026");
		vanthu__v1__document__free_unpacked(d, NULL);
		vt_api_local_dispose(&l);
	}
	{
		vt_api_local l = { .caller = clerk };
		list.limit = 1;
		local_request(&l, buf, sizeof(buf), &list.base);
		assert_vt_ok(vt_api_local_call(&f->api, "/vanthu.v1.Documents/List", &l));
		assert_non_null(dl = vanthu__v1__document_list__unpack(NULL, l.reply.len, l.reply.data));
		assert_int_equal(dl->n_documents, 1);
		assert_string_equal(dl->documents[0]->id, id[0]);
		assert_int_equal(dl->next_after_seq, dl->documents[0]->created_seq);
		list.after_seq = dl->next_after_seq;
		vanthu__v1__document_list__free_unpacked(dl, NULL);
		vt_api_local_dispose(&l);
		local_request(&l, buf, sizeof(buf), &list.base);
		assert_vt_ok(vt_api_local_call(&f->api, "/vanthu.v1.Documents/List", &l));
		assert_non_null(dl = vanthu__v1__document_list__unpack(NULL, l.reply.len, l.reply.data));
		assert_int_equal(dl->n_documents, 1);
		assert_string_equal(dl->documents[0]->id, id[1]);
		assert_int_equal(dl->next_after_seq, 0); /* the last page */
		vanthu__v1__document_list__free_unpacked(dl, NULL);
		vt_api_local_dispose(&l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unauthenticated_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_document_flow, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
