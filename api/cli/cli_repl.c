/* vanthu repl status (a unit's link to its hub, or a hub's units and
 * alarms) and hub enroll|reinstate: replication, over gRPC. */
#include "cli/cmd.h"
#include "cli/print.h"
#include "store/error.h"
#include "store/hash.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

int cmd_repl_status(cli_remote *r, cli_args *a)
{
	Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
	Vanthu__V1__ReplStatus *st = NULL;
	int error;
	if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Replication", "Status", req, repl_status, &st)) < 0)
		return error;
	print_status(st, a->json);
	vanthu__v1__repl_status__free_unpacked(st, NULL);
	return 0;
}

int cmd_hub_enroll(cli_remote *r, cli_args *a)
{
	Vanthu__V1__EnrollRequest req = VANTHU__V1__ENROLL_REQUEST__INIT;
	Vanthu__V1__ChangeResult *out = NULL;
	const char *id = cli_opt(a, "node-id"), *key = cli_opt(a, "public-key"), *name = cli_opt(a, "name");
	const char *reason = cli_opt(a, "reason");
	uint8_t pk[32];
	int error;
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

int cmd_hub_reinstate(cli_remote *r, cli_args *a)
{
	Vanthu__V1__ReinstateRequest req = VANTHU__V1__REINSTATE_REQUEST__INIT;
	Vanthu__V1__ChangeResult *out = NULL;
	const char *id = cli_opt(a, "node-id"), *reason = cli_opt(a, "reason");
	int error;
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
