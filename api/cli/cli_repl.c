/* vanthu's replication commands: enrolment at the hub, the replication
 * status (either side), and the offline tools a unit needs to join or come
 * back: its node key, a development client certificate, restore. */
#include "cli/cli.h"
#include "store/keyspace.h"
#include "cli/cli_remote_int.h"
#include "store/error.h"
#include "replication/repl.h"
#include "tlsgen.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void json_head(const Vanthu__V1__CoSignedHead *h)
{
	char root[65], sig[129];
	if (!h || !h->head || !h->cosig) {
		printf("null");
		return;
	}
	vt_hex(root, h->head->root.data, h->head->root.len == 32 ? 32 : 0);
	vt_hex(sig, h->cosig->signature.data, h->cosig->signature.len == 64 ? 64 : 0);
	printf("{\"size\":%" PRIu64 ",\"root\":\"%s\",\"time\":%" PRId64 ",\"hub\":", h->head->size, root, h->head->time);
	json_str(stdout, h->cosig->hub);
	printf(",\"cosignature\":\"%s\",\"cosigned_at\":%" PRId64 "}", sig, h->cosig->time);
}

static void print_status(const Vanthu__V1__ReplStatus *st, int json)
{
	if (json) {
		printf("{\"node_id\":");
		json_str(stdout, st->node_id);
		printf(",\"role\":");
		json_str(stdout, st->role);
		printf(",\"hub\":");
		json_str(stdout, st->hub);
		printf(",\"units\":[");
		for (size_t i = 0; i < st->n_units; i++) {
			const Vanthu__V1__ReplUnitState *u = st->units[i];
			printf("%s{\"node_id\":", i ? "," : "");
			json_str(stdout, u->node_id);
			printf(",\"name\":");
			json_str(stdout, u->name);
			printf(",\"state\":");
			json_str(stdout, u->state);
			printf(",\"size\":%" PRIu64 ",\"acked\":%" PRIu64 ",\"lag_entries\":%" PRIu64 ",\"lag_seconds\":%.3f,"
				"\"refused\":%s,\"alarms\":%u,\"delivered\":%" PRIu64 ",\"last_contact\":%" PRId64 ",\"last_error\":",
				u->size, u->acked, u->lag_entries, u->lag_seconds, u->refused ? "true" : "false", u->alarms,
				u->delivered, u->last_contact);
			json_str(stdout, u->last_error);
			printf(",\"head\":");
			json_head(u->head);
			printf("}");
		}
		printf("],\"alarms\":[");
		for (size_t i = 0; i < st->n_alarms; i++) {
			const Vanthu__V1__ReplAlarm *a = st->alarms[i];
			printf("%s{\"seq\":%" PRIu64 ",\"time\":%" PRId64 ",\"node_id\":", i ? "," : "", a->seq, a->time);
			json_str(stdout, a->refused ? a->refused->node_id : "");
			printf(",\"reason\":");
			json_str(stdout, a->refused ? a->refused->reason : "");
			printf("}");
		}
		printf("],\"nodes\":[");
		for (size_t i = 0; st->directory && i < st->directory->n_peers; i++) {
			printf("%s{\"node_id\":", i ? "," : "");
			json_str(stdout, st->directory->peers[i]->node_id);
			printf(",\"name\":");
			json_str(stdout, st->directory->peers[i]->name);
			printf("}");
		}
		printf("]}\n");
		return;
	}
	if (strcmp(st->role, "unit") == 0 && !st->n_units) {
		printf("%s: replication is not configured (set hub, hub_ca, hub_cert, hub_cert_key)\n", st->node_id);
		return;
	}
	if (strcmp(st->role, "unit") == 0)
		printf("unit %s replicating to hub %s\n", st->node_id, st->hub);
	else
		printf("hub %s: %zu enrolled unit(s)\n", st->node_id, st->n_units);
	for (size_t i = 0; i < st->n_units; i++) {
		const Vanthu__V1__ReplUnitState *u = st->units[i];
		printf("  %-20s %-10s", u->node_id, u->state);
		if (strcmp(st->role, "unit") == 0)
			printf(" log %" PRIu64 ", acknowledged %" PRIu64 ", lag %" PRIu64 " entries / %.1f s", u->size, u->acked,
				u->lag_entries, u->lag_seconds);
		else
			printf(" verified %" PRIu64 " entries", u->size);
		if (u->lag_entries && strcmp(st->role, "hub") == 0)
			printf(", %" PRIu64 " behind the unit", u->lag_entries);
		printf(", exchange %" PRIu64 "\n", u->delivered);
		if (u->head && u->head->head && u->head->cosig) {
			char root[65];
			vt_hex(root, u->head->head->root.data, u->head->head->root.len == 32 ? 32 : 0);
			printf("  %-20s last co-signed head: size %" PRIu64 ", root %.16s…, by %s at ", "", u->head->head->size,
				root, u->head->cosig->hub);
			print_time(stdout, u->head->cosig->time);
			printf("\n");
		}
		if (u->last_contact) {
			printf("  %-20s last contact ", "");
			print_time(stdout, u->last_contact);
			printf("\n");
		}
		if (*u->last_error)
			printf("  %-20s %s: %s\n", "", u->refused ? "REFUSED" : "last error", u->last_error);
	}
	if (st->directory && st->directory->n_peers) {
		printf("reachable through the hub (doc act --action distribute --nodes ...):\n");
		for (size_t i = 0; i < st->directory->n_peers; i++)
			printf("  %-20s %s\n", st->directory->peers[i]->node_id, st->directory->peers[i]->name);
	}
	if (st->n_alarms) {
		printf("alarms:\n");
		for (size_t i = 0; i < st->n_alarms; i++) {
			const Vanthu__V1__ReplAlarm *a = st->alarms[i];
			printf("  entry %-8" PRIu64 " ", a->seq);
			print_time(stdout, a->time);
			printf("  %s: %s\n", a->refused ? a->refused->node_id : "?", a->refused ? a->refused->reason : "");
		}
	}
}

int cmd_rrepl(remote *r, const char *noun, const char *verb, cli_args *a)
{
	int error;
	if (strcmp(noun, "repl") == 0) {
		Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
		Vanthu__V1__ReplStatus *st = NULL;
		if (strcmp(verb, "status") != 0)
			return vt_error_set(VT_EINVAL, "unknown verb 'repl %s' (status)", verb);
		if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Replication", "Status", req, repl_status, &st)) < 0)
			return error;
		print_status(st, a->json);
		vanthu__v1__repl_status__free_unpacked(st, NULL);
		return 0;
	}
	if (strcmp(verb, "enroll") == 0 || strcmp(verb, "enrol") == 0) {
		Vanthu__V1__EnrollRequest req = VANTHU__V1__ENROLL_REQUEST__INIT;
		Vanthu__V1__ChangeResult *out = NULL;
		const char *id = cli_opt(a, "node-id"), *key = cli_opt(a, "public-key"), *name = cli_opt(a, "name");
		const char *reason = cli_opt(a, "reason");
		uint8_t pk[32];
		if (!id || !key)
			return vt_error_set(VT_EINVAL, "hub enroll needs --node-id ID --public-key HEX (on the unit: vanthu node "
				"key --data-dir DIR)");
		if (strlen(key) != 64 || vt_unhex(pk, 32, key) < 0)
			return vt_error_set(VT_EINVAL, "--public-key must be 64 hex digits");
		if ((error = cli_check_unused(a)) < 0)
			return error;
		req.node_id = (char *)id;
		req.public_key.data = pk;
		req.public_key.len = 32;
		req.name = (char *)(name ? name : "");
		req.reason = (char *)(reason ? reason : "");
		if ((error = CALL(r, "Replication", "Enroll", req, change_result, &out)) < 0)
			return error;
		if (a->json)
			printf("{\"node_id\":\"%s\",\"seq\":%" PRIu64 "}\n", id, out->seq);
		else
			printf("enrolled %s (hub log entry %" PRIu64 ")\n", id, out->seq);
		vanthu__v1__change_result__free_unpacked(out, NULL);
		return 0;
	}
	if (strcmp(verb, "reinstate") == 0) {
		Vanthu__V1__ReinstateRequest req = VANTHU__V1__REINSTATE_REQUEST__INIT;
		Vanthu__V1__ChangeResult *out = NULL;
		const char *id = cli_opt(a, "node-id"), *reason = cli_opt(a, "reason");
		if (!id || !reason)
			return vt_error_set(VT_EINVAL, "hub reinstate needs --node-id ID --reason TEXT");
		if ((error = cli_check_unused(a)) < 0)
			return error;
		req.node_id = (char *)id;
		req.reason = (char *)reason;
		if ((error = CALL(r, "Replication", "Reinstate", req, change_result, &out)) < 0)
			return error;
		printf(a->json ? "{\"seq\":%" PRIu64 "}\n" : "reinstated (hub log entry %" PRIu64 ")\n", out->seq);
		vanthu__v1__change_result__free_unpacked(out, NULL);
		return 0;
	}
	if (strcmp(verb, "units") == 0 || strcmp(verb, "alarms") == 0)
		return cmd_rrepl(r, "repl", "status", a);
	return vt_error_set(VT_EINVAL, "unknown verb 'hub %s' (enroll, reinstate, units, alarms)", verb);
}

/* ---- offline */

int cmd_node(const char *verb, cli_args *a)
{
	vt_store *store = NULL;
	Vanthu__V1__NodeInitialized *ni = NULL;
	char id[VT_NODE_ID_MAX + 1], pk[65];
	int error;
	if (strcmp(verb, "key") != 0 && strcmp(verb, "info") != 0)
		return vt_error_set(VT_EINVAL, "unknown verb 'node %s' (key)", verb);
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

int cmd_tls(const char *verb, cli_args *a)
{
	const char *dir = cli_opt(a, "ca-dir"), *name = cli_opt(a, "name"), *cn = cli_opt(a, "cn");
	int error;
	if (strcmp(verb, "issue") != 0)
		return vt_error_set(VT_EINVAL, "unknown verb 'tls %s' (issue)", verb);
	if (!dir || !name || !cn)
		return vt_error_set(VT_EINVAL, "tls issue needs --ca-dir DIR --name FILE-NAME --cn NODE-ID (a development "
			"certificate; production uses the agency's PKI)");
	if (strchr(name, '/'))
		return vt_error_set(VT_EINVAL, "--name is a file name in --ca-dir, without '/'");
	if ((error = cli_check_unused(a)) < 0 || (error = vt_tlsgen_ca(dir)) < 0 ||
	    (error = vt_tlsgen_issue(dir, name, cn, NULL)) < 0)
		return error;
	if (a->json)
		printf("{\"cert\":\"%s/%s.pem\",\"key\":\"%s/%s.key\",\"ca\":\"%s/ca.pem\"}\n", dir, name, dir, name, dir);
	else
		printf("%s/%s.pem and %s/%s.key (CN %s), CA %s/ca.pem\n", dir, name, dir, name, cn, dir);
	return 0;
}

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
