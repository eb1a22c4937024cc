/* The node's gRPC services (Auth, Admin, Documents, Registers, Replication,
 * Audit) as the daemon, tests and benchmarks see them: an api bound to a
 * node, registered on a server. The method table and the handlers are
 * private to api/svc (svc_int.h). */
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

/* Registers every method of the table on the server; vt_api_dispose frees
 * what it allocated (after the server is gone). */
int vt_api_register(vt_rpc_server *server, vt_api *api);
void vt_api_dispose(vt_api *api);

#endif
