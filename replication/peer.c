/* How a unit reaches its hub: one gRPC client over mutual TLS, and the
 * hub's pinned key, for the link and for restore alike. */
#include "replication/repl.h"
#include "store/error.h"
#include "store/hash.h"

#include <string.h>

int vt_repl_peer_check(const vt_repl_peer *p, uint8_t hub_pk[32], int *pinned)
{
	if (!p->hub || !*p->hub)
		return vt_error_set(VT_EINVAL, "replication needs the hub's address (hub)");
	if (!p->cert_file || !*p->cert_file || !p->key_file || !*p->key_file)
		return vt_error_set(VT_EINVAL, "this unit's client certificate and key are needed (hub_cert, "
			"hub_cert_key): the hub admits units by certificate");
	*pinned = 0;
	if (p->hub_key_hex && *p->hub_key_hex) {
		if (strlen(p->hub_key_hex) != 64 || vt_unhex(hub_pk, 32, p->hub_key_hex) < 0)
			return vt_error_set(VT_EINVAL, "hub_public_key must be 64 hex digits (the hub's Ed25519 key)");
		*pinned = 1;
	}
	return 0;
}

int vt_repl_client_new(vt_rpc_client **out, const vt_repl_peer *p)
{
	vt_rpc_client_opts co = { 0 };
	co.ca_file = p->ca_file && *p->ca_file ? p->ca_file : NULL;
	co.cert_file = p->cert_file;
	co.key_file = p->key_file;
	co.server_name = p->server_name && *p->server_name ? p->server_name : NULL;
	co.max_recv = VT_REPL_MAX_MSG;
	co.keepalive_ms = 10000;
	return vt_rpc_client_new(out, p->hub, &co);
}
