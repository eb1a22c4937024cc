/* vanthu audit head|proof|consistency, over gRPC: tree heads, inclusion
 * and consistency proofs (RFC 9162) and a hub's co-signatures, all checked
 * here against the node's key, never taken on the server's word. */
#include "cli/cmd.h"
#include "cli/print.h"
#include "store/error.h"
#include "store/hash.h"
#include "store/merkle.h"
#include "store/sth.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- audit: nothing is taken on the server's word */

static int node_key(cli_remote *r, uint8_t pk[32], Vanthu__V1__NodeInfo **info)
{
	Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
	int error = CALL(r, "Audit", "GetNodeInfo", req, node_info, info);
	if (error < 0)
		return error;
	if (!(*info)->node || (*info)->node->public_key.len != 32)
		return vt_error_set(VT_ECORRUPT, "the node's answer has no public key");
	memcpy(pk, (*info)->node->public_key.data, 32);
	/* An auditor pins the key: --key HEX must match what the node says. */
	return 0;
}

static int audit_head(cli_remote *r, cli_args *a, const uint8_t pk[32], const Vanthu__V1__TreeHead *sth)
{
	char root[65];
	int error;
	(void)a;
	if ((error = vt_audit_check_head(sth, NULL, pk)) < 0)
		return error;
	vt_hex(root, sth->root.data, VT_HASH_LEN);
	if (a->json)
		printf("{\"origin\":\"%s\",\"size\":%" PRIu64 ",\"root\":\"%s\",\"signature_valid\":true}\n", sth->origin,
			sth->size, root);
	else {
		printf("origin %s size %" PRIu64 " time ", sth->origin, sth->size);
		print_time(stdout, sth->time);
		printf("\nroot   %s (signature valid)\n", root);
	}
	(void)r;
	return 0;
}

/* The three verbs share the key pinning and a unit's head at its hub. */
static int cmd_raudit(cli_remote *r, const char *verb, cli_args *a)
{
	Vanthu__V1__NodeInfo *info = NULL;
	Vanthu__V1__TreeHead *rhead = NULL;
	uint8_t pk[32], want[32], hub_pk[32];
	const char *key = cli_opt(a, "key"), *origin = cli_opt(a, "origin"), *hub_key = cli_opt(a, "hub-key");
	int error;
	if (hub_key && (strlen(hub_key) != 64 || vt_unhex(hub_pk, 32, hub_key) < 0))
		return vt_error_set(VT_EINVAL, "--hub-key must be 64 hex digits");
	if (origin) {
		/* a unit's replica at its hub: the auditor brings the unit's key */
		Vanthu__V1__TreeHeadRequest hr = VANTHU__V1__TREE_HEAD_REQUEST__INIT;
		if (!key || strlen(key) != 64 || vt_unhex(pk, 32, key) < 0)
			return vt_error_set(VT_EINVAL, "--origin needs --key: the unit's tree-head public key (64 hex digits)");
		hr.origin = (char *)origin;
		if ((strcmp(verb, "head") == 0 || strcmp(verb, "consistency") == 0) &&
		    (error = CALL(r, "Audit", "GetTreeHead", hr, tree_head, &rhead)) < 0)
			goto out;
		key = NULL;
	} else if ((error = node_key(r, pk, &info)) < 0) {
		goto out;
	}
	if (key) {
		if ((error = vt_unhex(want, 32, key)) < 0)
			goto out;
		if (memcmp(want, pk, 32) != 0) {
			error = vt_error_set(VT_ESIG, "the node's tree-head key is not the one given with --key");
			goto out;
		}
	}
	if (strcmp(verb, "head") == 0) {
		if ((error = cli_check_unused(a)) == 0)
			error = audit_head(r, a, pk, rhead ? rhead : info->head);
	} else if (strcmp(verb, "proof") == 0) {
		Vanthu__V1__InclusionProofRequest req = VANTHU__V1__INCLUSION_PROOF_REQUEST__INIT;
		Vanthu__V1__InclusionProofResponse *out = NULL;
		uint8_t leaf[VT_HASH_LEN];
		uint64_t seq;
		if (!cli_opt(a, "seq"))
			error = vt_error_set(VT_EINVAL, "audit proof needs --seq N");
		else if ((error = cli_u64(a, "seq", 0, &seq)) == 0 && (error = cli_check_unused(a)) == 0) {
			req.index = seq;
			req.origin = (char *)(origin ? origin : "");
			if ((error = CALL(r, "Audit", "GetInclusionProof", req, inclusion_proof_response, &out)) < 0)
				goto out;
			/* The leaf is recomputed from the entry; the root comes from a
			 * tree head whose signature we check; the path must join them. */
			if (!out->head || !out->proof) {
				error = vt_error_set(VT_ECORRUPT, "the proof comes without a signed tree head");
			} else {
				vt_merkle_leaf_hash(leaf, out->entry.data, out->entry.len);
				error = out->cosig && hub_key ?
					vt_audit_check_cosigned(out->head, out->cosig, origin, pk, hub_pk) :
					vt_audit_check_head(out->head, origin, pk);
				if (!error)
					error = vt_audit_check_inclusion(out->head, seq, leaf, out->proof);
				if (!error) {
					char lh[65], rh[65];
					vt_hex(lh, leaf, VT_HASH_LEN);
					vt_hex(rh, out->head->root.data, VT_HASH_LEN);
					if (a->json)
						printf("{\"seq\":%" PRIu64 ",\"size\":%" PRIu64 ",\"leaf\":\"%s\",\"root\":\"%s\",\"valid\":true}\n",
							seq, out->head->size, lh, rh);
					else
						printf("entry %" PRIu64 " is in the log of %s at size %" PRIu64 "\nleaf %s\nroot %s "
							"(signed tree head verified, %zu-hash path verified)\n", seq, out->head->origin,
							out->head->size, lh, rh, out->proof->n_path);
					if (out->cosig)
						printf("co-signed by hub %s: %s\n", out->cosig->hub, hub_key ?
							"co-signature verified" : "co-signature not checked (give --hub-key)");
				}
			}
			vanthu__v1__inclusion_proof_response__free_unpacked(out, NULL);
		}
	} else if (strcmp(verb, "consistency") == 0) {
		/* the log now extends the one an auditor saw (a head kept, or a
		 * hub's co-signed head): RFC 9162 consistency, checked here */
		Vanthu__V1__ConsistencyProofRequest req = VANTHU__V1__CONSISTENCY_PROOF_REQUEST__INIT;
		Vanthu__V1__ConsistencyProof *out = NULL;
		const Vanthu__V1__TreeHead *now = rhead ? rhead : info->head;
		const char *old_root_hex = cli_opt(a, "old-root");
		uint8_t old_root[VT_HASH_LEN], path[VT_MERKLE_MAX_PATH][VT_HASH_LEN];
		uint64_t old;
		if (!cli_opt(a, "old") || !old_root_hex)
			error = vt_error_set(VT_EINVAL, "audit consistency needs --old N --old-root HEX (a head seen before)");
		else if ((error = cli_u64(a, "old", 0, &old)) == 0 && (error = vt_unhex(old_root, VT_HASH_LEN, old_root_hex)) == 0 &&
			 (error = cli_check_unused(a)) == 0 && (error = vt_audit_check_head(now, NULL, pk)) == 0) {
			req.old_size = old;
			req.new_size = now->size;
			req.origin = (char *)(origin ? origin : "");
			if ((error = CALL(r, "Audit", "GetConsistencyProof", req, consistency_proof, &out)) < 0)
				goto out;
			if (out->n_path > VT_MERKLE_MAX_PATH)
				error = vt_error_set(VT_ECORRUPT, "the proof is too long");
			for (size_t i = 0; !error && i < out->n_path; i++) {
				if (out->path[i].len != VT_HASH_LEN)
					error = vt_error_set(VT_ECORRUPT, "proof hash %zu is not 32 bytes", i);
				else
					memcpy(path[i], out->path[i].data, VT_HASH_LEN);
			}
			if (!error)
				error = vt_merkle_verify_consistency(old, now->size, old_root, now->root.data,
					(const uint8_t (*)[VT_HASH_LEN])path, out->n_path);
			if (!error) {
				char rh[65];
				vt_hex(rh, now->root.data, VT_HASH_LEN);
				if (a->json)
					printf("{\"old_size\":%" PRIu64 ",\"size\":%" PRIu64 ",\"root\":\"%s\",\"consistent\":true}\n",
						old, now->size, rh);
				else
					printf("the log of %s at size %" PRIu64 " (root %s, signed head verified) extends the one of "
						"size %" PRIu64 " seen before: %zu-hash consistency proof verified\n", now->origin,
						now->size, rh, old, out->n_path);
			}
			vanthu__v1__consistency_proof__free_unpacked(out, NULL);
		}
	} else {
		error = vt_error_set(VT_EINVAL, "unknown verb 'audit %s' (head, proof, consistency)", verb);
	}
out:
	if (info)
		vanthu__v1__node_info__free_unpacked(info, NULL);
	if (rhead)
		vanthu__v1__tree_head__free_unpacked(rhead, NULL);
	return error;
}

int cmd_audit_head(cli_remote *r, cli_args *a)
{
	return cmd_raudit(r, "head", a);
}

int cmd_audit_proof(cli_remote *r, cli_args *a)
{
	return cmd_raudit(r, "proof", a);
}

int cmd_audit_consistency(cli_remote *r, cli_args *a)
{
	return cmd_raudit(r, "consistency", a);
}
