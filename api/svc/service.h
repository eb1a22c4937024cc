/* The node's gRPC services (Auth, Admin, Documents, Registers, Audit): one
 * table of methods with the roles allowed to call each, and one adapter
 * that authenticates the caller, checks the role, decodes the request and
 * encodes the response. */
#ifndef VT_SERVICE_H
#define VT_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "accounts/account.h"
#include "node.h"
#include "rpc/rpc.h"

typedef struct vt_api {
	vt_node *node;
	vt_auth *auth;
	size_t max_blob;        /* largest upload accepted, bytes */
	void *bindings;         /* owned: the method table bound to this api */
	struct vt_pades_trust *trust; /* trust anchors for document signatures (borrowed) */
	struct vt_repl_hub *hub;      /* a hub's replication service, or NULL (borrowed) */
	struct vt_repl_link *link;    /* a unit's link to its hub, or NULL (borrowed) */
} vt_api;

/* What a handler gets: the caller (NULL for unauthenticated methods) and
 * the decoded request. It answers with vt_api_reply (which packs at once,
 * so the handler frees what it built right after). */
typedef struct vt_api_req {
	vt_api *api;
	vt_rpc_call *call;
	const Vanthu__V1__Account *caller;
	const ProtobufCMessage *in;
} vt_api_req;

int vt_api_reply(vt_api_req *r, const ProtobufCMessage *msg);
/* Replies ChangeResult (the entry's seq and time) for a change appended. */
int vt_api_reply_change(vt_api_req *r, const vt_apply_result *res);

/* Registers every service method on the server; vt_api_dispose frees what
 * it allocated (after the server is gone). */
int vt_api_register(vt_rpc_server *server, vt_api *api);
void vt_api_dispose(vt_api *api);

/* Copies of listed messages (a vt_msg_fn that keeps what it is given). */
typedef struct vt_api_collect_list {
	void **items;
	size_t n, cap;
	const ProtobufCMessageDescriptor *desc;
} vt_api_collect_list;
int vt_api_collect(void *payload, const ProtobufCMessage *msg);
void vt_api_collect_free(vt_api_collect_list *c);

/* Role sets (bit per Vanthu__V1__Role). */
#define VT_ROLE(r) (1u << VANTHU__V1__ROLE__##r)
#define VT_ROLES_ANY 0xfffffffeu
#define VT_ROLES_DOC_WRITERS (VT_ROLE(CLERK) | VT_ROLE(STAFF) | VT_ROLE(UNIT_LEADER) | VT_ROLE(AGENCY_LEADER))
#define VT_ROLES_DOC_READERS (VT_ROLES_DOC_WRITERS | VT_ROLE(ARCHIVIST) | VT_ROLE(AUDITOR))

/* Checks that the caller holds one of the roles; VT_EPERM naming them. */
int vt_api_require(const Vanthu__V1__Account *caller, uint32_t roles, const char *what);

/* Handlers of the documents and audit services (svc_docs.c, svc_audit.c). */
int vt_api_doc_create(vt_api_req *r);
int vt_api_doc_register(vt_api_req *r);
int vt_api_doc_get(vt_api_req *r);
int vt_api_doc_list(vt_api_req *r);
int vt_api_doc_upload(vt_rpc_call *call, vt_api *api, const Vanthu__V1__Account *caller);
int vt_api_doc_download(vt_rpc_call *call, vt_api *api, const Vanthu__V1__Account *caller,
	const Vanthu__V1__BlobRef *ref);
int vt_api_doc_act(vt_api_req *r);
int vt_api_doc_verify(vt_api_req *r);
int vt_api_dossier_list(vt_api_req *r);
int vt_api_dossier_get(vt_api_req *r);
int vt_api_status(vt_api_req *r);
/* Whether a document passes a list request's filters (work lists). */
int vt_api_doc_filter(vt_api_req *r, const Vanthu__V1__ListDocumentsRequest *in, const Vanthu__V1__Document *d);
int vt_api_audit_info(vt_api_req *r);
int vt_api_audit_head(vt_api_req *r);
int vt_api_audit_inclusion(vt_api_req *r);
int vt_api_audit_consistency(vt_api_req *r);
int vt_api_audit_entries(vt_rpc_call *call, vt_api *api, const Vanthu__V1__Account *caller,
	const Vanthu__V1__EntriesRequest *req);

/* Whose records a reading request reads: this node's (origin NULL or
 * empty, or its own id), or on a hub an enrolled unit's replica, for the
 * roles that read across units (archivist, auditor, admin). */
int vt_api_origin(vt_api_req *r, const char *origin, const char **out);

/* Replication (svc_repl.c): enrolment at the hub, status on either side. */
int vt_api_repl_enroll(vt_api_req *r);
int vt_api_repl_reinstate(vt_api_req *r);
int vt_api_repl_status(vt_api_req *r);

/* Authenticates a call from its "authorization: Bearer <token>" metadata. */
int vt_api_caller(vt_api *api, vt_rpc_call *call, Vanthu__V1__Account **out);

#endif
