/* Inside api/svc: the method table, what a handler gets, the helpers the
 * service files share (methods.c, common.c), and the handlers the table
 * names (one file per service: svc_auth.c, svc_admin.c, svc_docs.c,
 * svc_work.c, svc_registers.c, svc_repl.c, svc_audit.c). Service files use
 * the helpers and never call each other. */
#ifndef VT_SVC_INT_H
#define VT_SVC_INT_H

#include "docs/doc.h" /* vt_apply_result */
#include "svc/service.h"

/* Role sets (bit per Vanthu__V1__Role). */
#define VT_ROLE(r) (1u << VANTHU__V1__ROLE__##r)
#define VT_ROLES_ANY 0xfffffffeu
#define VT_ROLES_DOC_WRITERS (VT_ROLE(CLERK) | VT_ROLE(STAFF) | VT_ROLE(UNIT_LEADER) | VT_ROLE(AGENCY_LEADER))
#define VT_ROLES_DOC_READERS (VT_ROLES_DOC_WRITERS | VT_ROLE(ARCHIVIST) | VT_ROLE(AUDITOR))

typedef struct vt_api_req vt_api_req;
typedef struct vt_api_local vt_api_local;
typedef int (*vt_api_handler)(vt_api_req *r);

/* ---- the method table (methods.c): the one place for each method's
 * path, messages, roles and limits, unary and streaming alike. */
typedef struct vt_api_method {
	const char *path;           /* "/vanthu.v1.Documents/Get" */
	vt_rpc_kind kind;           /* unary, or which side streams */
	const ProtobufCMessageDescriptor *request;  /* decoded by the adapter, except a client
	                                             * stream's messages (the handler receives) */
	const ProtobufCMessageDescriptor *response; /* the reply, or each message streamed */
	uint32_t roles;             /* roles allowed; 0: no session needed (Login only) */
	const char *what;           /* for the refusal: "NAME may not WHAT (allowed: ...)" */
	size_t max_request;         /* largest request message, bytes */
	vt_api_handler handler;
} vt_api_method;

/* The table, n rows. */
const vt_api_method *vt_api_methods(size_t *n);
/* The row of a path, or NULL. */
const vt_api_method *vt_api_method_find(const char *path);

/* What a handler gets: the caller (NULL for methods without a session),
 * the decoded request, and the call it answers through the helpers below
 * (never through call directly, so the same handler runs locally). */
struct vt_api_req {
	vt_api *api;
	const vt_api_method *method;
	vt_rpc_call *call;                  /* NULL in a local call */
	vt_api_local *local;                /* a local call's transport, else NULL */
	const Vanthu__V1__Account *caller;
	const char *token;                  /* the caller's session token, or NULL */
	const ProtobufCMessage *in;         /* NULL for a client stream */
};

/* ---- the transport, as handlers use it (methods.c) */

/* The reply of a unary or client-stream call, packed at once (so the
 * handler frees what it built right after). It must be of the method's
 * response type. */
int vt_api_reply(vt_api_req *r, const ProtobufCMessage *msg);
/* Replies ChangeResult (the entry's seq and time) for a change appended. */
int vt_api_reply_change(vt_api_req *r, const vt_apply_result *res);
/* One message of a server stream. */
int vt_api_send(vt_api_req *r, const ProtobufCMessage *msg);
/* The next message of a client stream into msg (the caller disposes): 1
 * with a message, 0 at the end, < 0 when the call is over. */
int vt_api_recv(vt_api_req *r, vt_rpc_buf *msg);
/* The peer's address (not authenticated); "local" in a local call. */
const char *vt_api_peer(vt_api_req *r);

/* Authenticates "Bearer <token>" (the authorization metadata's value,
 * NULL if absent); the caller frees *out. */
int vt_api_caller(vt_api *api, const char *authorization, Vanthu__V1__Account **out);
/* Checks that the caller holds one of the roles; VT_EPERM naming them. */
int vt_api_require(const Vanthu__V1__Account *caller, uint32_t roles, const char *what);

/* ---- the test seam: a call without gRPC (tests/svc). The adapter runs
 * as for a gRPC call (authenticate, check the roles, decode, call the
 * handler); what would cross the network is in this struct. */
struct vt_api_local {
	const char *authorization;          /* the metadata's value, "Bearer <token>", or NULL */
	const Vanthu__V1__Account *caller;  /* if set: the caller as a session would give it
	                                     * (authorization is then not read) */
	const uint8_t *request;             /* the packed request (unary, server stream) */
	size_t request_len;
	const vt_rpc_buf *recv;             /* a client stream's messages, in order */
	size_t n_recv, next_recv;
	vt_rpc_buf reply;                   /* the reply, or the last message streamed, packed */
	size_t n_sent;                      /* messages a server stream sent */
};
/* Runs the method at path (VT_ENOTFOUND if none) as its gRPC adapter would. */
int vt_api_local_call(vt_api *api, const char *path, vt_api_local *local);
/* Frees the captured reply (the struct is the caller's). */
void vt_api_local_dispose(vt_api_local *local);

/* ---- helpers the services share (common.c) */

/* Whose records a reading request reads: this node's (origin NULL or
 * empty, or its own id), or on a hub an enrolled unit's replica, for the
 * roles that read across units (archivist, auditor, admin). */
int vt_api_origin(vt_api_req *r, const char *origin, const char **out);

/* Copies of listed messages: a payload for the domain's list callbacks
 * (vt_api_collect keeps a copy of what it is given). */
typedef struct vt_api_collect_list {
	void **items;
	size_t n, cap;
	const ProtobufCMessageDescriptor *desc;
} vt_api_collect_list;
int vt_api_collect(void *payload, const ProtobufCMessage *msg);
void vt_api_collect_free(vt_api_collect_list *c);

/* Today in Vietnam plus some days, YYYY-MM-DD (deadlines are dates there). */
void vt_api_today(char out[11], int plus_days);

/* ---- handlers (the table names them) */

/* svc_auth.c */
int vt_api_auth_login(vt_api_req *r);
int vt_api_auth_logout(vt_api_req *r);
int vt_api_auth_whoami(vt_api_req *r);
int vt_api_auth_change_password(vt_api_req *r);
/* svc_admin.c */
int vt_api_admin_create_account(vt_api_req *r);
int vt_api_admin_update_account(vt_api_req *r);
int vt_api_admin_reset_password(vt_api_req *r);
int vt_api_admin_list_accounts(vt_api_req *r);
int vt_api_admin_define_unit(vt_api_req *r);
int vt_api_admin_list_units(vt_api_req *r);
int vt_api_admin_define_book(vt_api_req *r);
/* svc_docs.c */
int vt_api_doc_create(vt_api_req *r);
int vt_api_doc_register(vt_api_req *r);
int vt_api_doc_get(vt_api_req *r);
int vt_api_doc_list(vt_api_req *r);
int vt_api_doc_upload(vt_api_req *r);   /* client stream of BlobChunk */
int vt_api_doc_download(vt_api_req *r); /* server stream of BlobChunk */
/* svc_work.c */
int vt_api_doc_act(vt_api_req *r);
int vt_api_doc_verify(vt_api_req *r);
int vt_api_dossier_list(vt_api_req *r);
int vt_api_dossier_get(vt_api_req *r);
int vt_api_status(vt_api_req *r);
/* svc_registers.c */
int vt_api_reg_list_books(vt_api_req *r);
int vt_api_reg_list_entries(vt_api_req *r);
/* svc_repl.c */
int vt_api_repl_enroll(vt_api_req *r);
int vt_api_repl_reinstate(vt_api_req *r);
int vt_api_repl_status(vt_api_req *r);
/* svc_audit.c */
int vt_api_audit_info(vt_api_req *r);
int vt_api_audit_head(vt_api_req *r);
int vt_api_audit_inclusion(vt_api_req *r);
int vt_api_audit_consistency(vt_api_req *r);
int vt_api_audit_entries(vt_api_req *r); /* server stream of RawEntry */

#endif
