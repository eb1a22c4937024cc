/* vanthu init, node key: a node's data directory made, and what a hub
 * needs to enrol it (its id, role and tree-head public key). Offline. */
#include "cli/cmd.h"
#include "cli/data.h"
#include "cli/print.h"
#include "accounts/account.h"
#include "store/error.h"
#include "store/file.h"
#include "store/hash.h"
#include "store/keyspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>

int cmd_init(cli_args *a)
{
	vt_node_init_opts o = { 0 };
	const char *admin, *pwfile;
	int error;
	if ((error = cli_need_data_dir(a)) < 0)
		return error;
	o.node_id = cli_opt(a, "node-id");
	o.role = cli_opt(a, "role");
	o.agency_name = cli_opt(a, "agency-name");
	o.agency_code = cli_opt(a, "agency-code");
	o.agency_symbol = cli_opt(a, "agency-symbol");
	admin = cli_opt(a, "admin");
	pwfile = cli_opt(a, "admin-password-file");
	if (admin && !pwfile)
		return vt_error_set(VT_EINVAL, "--admin needs --admin-password-file (the first password, ≥ %d characters)",
			VT_PASSWORD_MIN);
	if (!o.node_id)
		return vt_error_set(VT_EINVAL, "init needs --node-id (e.g. the agency code 000.00.00.H54)");
	if ((error = cli_check_unused(a)) < 0)
		return error;
	if ((error = vt_node_init(a->data_dir, &o)) < 0)
		return error;
	if (admin) {
		/* The first administrator, as vanthud's bootstrap_admin would. */
		Vanthu__V1__Account acc = VANTHU__V1__ACCOUNT__INIT;
		Vanthu__V1__Role roles[1] = { VANTHU__V1__ROLE__ADMIN };
		vt_node *node = NULL;
		uint8_t *pw = NULL;
		size_t len = 0;
		if ((error = vt_file_read(pwfile, VT_PASSWORD_MAX + 2, &pw, &len)) < 0)
			return error;
		while (len && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
			pw[--len] = 0;
		acc.name = (char *)admin;
		acc.full_name = "Quản trị hệ thống";
		acc.roles = roles;
		acc.n_roles = 1;
		if ((error = vt_node_open(&node, a->data_dir, NULL)) == 0)
			error = vt_account_create(node->log, "node", &acc, (const char *)pw, "first administrator", NULL);
		sodium_memzero(pw, len);
		free(pw);
		vt_node_free(node);
		if (error < 0)
			return error;
	}
	if (a->json)
		printf("{\"node_id\":"), json_str(stdout, o.node_id), printf(",\"data_dir\":"),
			json_str(stdout, a->data_dir), printf("}\n");
	else
		printf("initialised node %s in %s\n", o.node_id, a->data_dir);
	return 0;
}

int cmd_node_key(cli_args *a)
{
	vt_store *store = NULL;
	Vanthu__V1__NodeInitialized *ni = NULL;
	char id[VT_NODE_ID_MAX + 1], pk[65];
	int error;
	if ((error = cli_check_unused(a)) < 0 || (error = cli_open_ro(&store, id, sizeof(id), a)) < 0)
		return error;
	if ((error = vt_node_info_get(store, id, &ni)) < 0)
		goto out;
	vt_hex(pk, ni->public_key.data, ni->public_key.len == 32 ? 32 : 0);
	if (a->json) {
		printf("{\"node_id\":");
		json_str(stdout, ni->node_id);
		printf(",\"role\":");
		json_str(stdout, ni->role);
		printf(",\"public_key\":\"%s\"}\n", pk);
	} else {
		printf("%s %s %s\n", ni->node_id, ni->role, pk);
	}
out:
	if (ni)
		vanthu__v1__node_initialized__free_unpacked(ni, NULL);
	vt_store_free(store);
	return error;
}
