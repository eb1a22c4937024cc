/* vanthu restore: a unit that lost its disk, rebuilt from its hub and
 * verified against the hub's last co-signed head (replication/repl.h). */
#include "cli/cmd.h"
#include "store/error.h"
#include "replication/repl.h"

#include <inttypes.h>
#include <stdio.h>

int cmd_restore(cli_args *a)
{
	vt_repl_restore_opts o = { 0 };
	uint64_t n = 0;
	int error;
	o.peer.hub = cli_opt(a, "hub");
	o.peer.ca_file = cli_opt(a, "hub-ca");
	o.peer.cert_file = cli_opt(a, "cert");
	o.peer.key_file = cli_opt(a, "cert-key");
	o.peer.server_name = cli_opt(a, "server-name");
	o.peer.hub_key_hex = cli_opt(a, "hub-key");
	o.node_key_file = cli_opt(a, "node-key");
	o.node_id = cli_opt(a, "node-id");
	o.progress = !a->json;
	if (!a->data_dir || !o.peer.hub || !o.peer.cert_file || !o.peer.key_file || !o.peer.hub_key_hex ||
	    !o.node_key_file || !o.node_id)
		return vt_error_set(VT_EINVAL, "restore needs --data-dir NEW-DIR --hub HOST:PORT --hub-ca PEM --cert PEM "
			"--cert-key PEM --hub-key HEX --node-id ID --node-key FILE");
	if ((error = cli_check_unused(a)) < 0 || (error = vt_repl_restore(a->data_dir, &o, &n)) < 0)
		return error;
	if (a->json)
		printf("{\"node_id\":\"%s\",\"entries\":%" PRIu64 "}\n", o.node_id, n);
	else
		printf("restored %s: %" PRIu64 " entries, verified against the hub's co-signed head\n", o.node_id, n);
	return 0;
}
