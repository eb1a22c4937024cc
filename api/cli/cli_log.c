/* vanthu log show|head|verify, proof inclusion|consistency|verify. */
#include "cli/cmd.h"
#include "cli/data.h"
#include "cli/print.h"
#include "events.h"
#include "store/keyspace.h"
#include "store/error.h"
#include "store/log.h"
#include "store/merkle.h"
#include "store/sth.h"
#include "verify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int cmd_log_show(cli_args *a)
{
	vt_store *store = NULL;
	char origin[VT_NODE_ID_MAX + 1];
	uint64_t from, count, size, n = 0;
	int error;
	if ((error = cli_u64(a, "from", 0, &from)) < 0 || (error = cli_u64(a, "count", 100, &count)) < 0 ||
	    (error = cli_check_unused(a)) < 0)
		return error;
	if ((error = cli_open_ro(&store, origin, sizeof(origin), a)) < 0)
		return error;
	if ((error = vt_log_stored_size(store, origin, &size)) < 0)
		goto out;
	if (a->json)
		printf("[");
	for (uint64_t seq = from; seq < size && n < count; seq++, n++) {
		char *raw = NULL;
		size_t len;
		uint8_t leaf[VT_HASH_LEN];
		Vanthu__V1__LogEntry *e;
		if ((error = vt_log_entry_raw(store, origin, seq, &raw, &len)) < 0)
			goto out;
		vt_merkle_leaf_hash(leaf, raw, len);
		e = vanthu__v1__log_entry__unpack(NULL, len, (const uint8_t *)raw);
		free(raw);
		if (!e) {
			error = vt_error_set(VT_ECORRUPT, "log entry %" PRIu64 " does not decode", seq);
			goto out;
		}
		if (a->json) {
			printf("%s{\"seq\":%" PRIu64 ",\"time\":\"", n ? "," : "", e->seq);
			print_time(stdout, e->time);
			printf("\",\"actor\":");
			json_str(stdout, e->actor);
			printf(",\"origin\":");
			json_str(stdout, e->origin);
			printf(",\"event\":\"%s\",\"summary\":", vt_event_name(e->event));
			{
				char *buf = NULL;
				size_t blen = 0;
				FILE *m = open_memstream(&buf, &blen);
				vt_event_describe(m, e->event);
				fclose(m);
				json_str(stdout, buf);
				free(buf);
			}
			printf(",\"reason\":");
			json_str(stdout, e->event ? e->event->reason : "");
			printf(",\"leaf_hash\":");
			json_hex(stdout, leaf, VT_HASH_LEN);
			printf("}");
		} else {
			printf("%6" PRIu64 "  ", e->seq);
			print_time(stdout, e->time);
			printf("  %-12s %-20s ", e->actor, vt_event_name(e->event));
			vt_event_describe(stdout, e->event);
			if (e->event && *e->event->reason)
				printf("  — %s", e->event->reason);
			printf("\n");
		}
		vanthu__v1__log_entry__free_unpacked(e, NULL);
	}
	if (a->json)
		printf("]\n");
	else if (!n)
		printf("(no entries from %" PRIu64 "; the log has %" PRIu64 ")\n", from, size);
out:
	vt_store_free(store);
	return error;
}

static void print_sth(const Vanthu__V1__TreeHead *sth, int json)
{
	char root[65], sig[129], kid[17];
	vt_hex(root, sth->root.data, sth->root.len == 32 ? 32 : 0);
	vt_hex(sig, sth->signature.data, sth->signature.len == 64 ? 64 : 0);
	vt_hex(kid, sth->key_id.data, sth->key_id.len == 8 ? 8 : 0);
	if (json) {
		printf("{\"origin\":");
		json_str(stdout, sth->origin);
		printf(",\"size\":%" PRIu64 ",\"time\":\"", sth->size);
		print_time(stdout, sth->time);
		printf("\",\"root\":\"%s\",\"signature\":\"%s\",\"key_id\":\"%s\"}\n", root, sig, kid);
	} else {
		printf("origin     %s\nsize       %" PRIu64 "\ntime       ", sth->origin, sth->size);
		print_time(stdout, sth->time);
		printf("\nroot       %s\nsignature  %s\nkey id     %s\n", root, sig, kid);
	}
}

int cmd_log_head(cli_args *a)
{
	vt_store *store = NULL;
	char origin[VT_NODE_ID_MAX + 1];
	Vanthu__V1__TreeHead *sth = NULL;
	Vanthu__V1__NodeInitialized *info = NULL;
	int error;
	if ((error = cli_check_unused(a)) < 0 || (error = cli_open_ro(&store, origin, sizeof(origin), a)) < 0)
		return error;
	if ((error = vt_log_latest_sth(store, origin, &sth)) < 0 ||
	    (error = vt_node_info_get(store, origin, &info)) < 0)
		goto out;
	if ((error = vt_audit_check_head(sth, origin, info->public_key.data)) < 0)
		goto out;
	print_sth(sth, a->json);
out:
	if (sth)
		vanthu__v1__tree_head__free_unpacked(sth, NULL);
	if (info)
		vanthu__v1__node_initialized__free_unpacked(info, NULL);
	vt_store_free(store);
	return error;
}

int cmd_log_verify(cli_args *a)
{
	vt_store *store = NULL;
	char origin[VT_NODE_ID_MAX + 1], root[65];
	vt_verify_opts o = { 0 };
	vt_verify_report r;
	int error;
	o.rebuild = !cli_flag(a, "no-rebuild");
	o.scratch_dir = cli_opt(a, "scratch");
	o.keep_scratch = cli_flag(a, "keep-scratch");
	if ((error = cli_check_unused(a)) < 0 || (error = cli_open_ro(&store, origin, sizeof(origin), a)) < 0)
		return error;
	error = vt_log_verify(store, origin, NULL, &o, &r);
	vt_hex(root, r.root, VT_HASH_LEN);
	if (a->json) {
		printf("{\"origin\":");
		json_str(stdout, origin);
		printf(",\"ok\":%s", error ? "false" : "true");
		if (error) {
			printf(",\"error\":");
			json_str(stdout, vt_error_last());
		} else {
			printf(",\"entries\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"tree_nodes\":%" PRIu64
				",\"tree_heads\":%" PRIu64 ",\"root\":\"%s\",\"hash_seconds\":%.3f,"
				"\"rebuilt\":%s,\"state_keys\":%" PRIu64 ",\"rebuild_seconds\":%.3f",
				r.entries, r.bytes, r.tree_nodes, r.tree_heads, root, r.hash_seconds,
				o.rebuild ? "true" : "false", r.state_keys, r.rebuild_seconds);
		}
		printf("}\n");
	} else if (!error) {
		printf("log of %s verified\n", origin);
		printf("  entries      %" PRIu64 " (%" PRIu64 " bytes), every leaf rehashed\n", r.entries, r.bytes);
		printf("  tree nodes   %" PRIu64 " stored nodes match the entries\n", r.tree_nodes);
		printf("  tree heads   %" PRIu64 " signatures valid, roots match\n", r.tree_heads);
		printf("  root         %s (%.3f s)\n", root, r.hash_seconds);
		if (o.rebuild)
			printf("  state        rebuilt from the log: %" PRIu64 " keys identical (%.3f s)\n",
				r.state_keys, r.rebuild_seconds);
	}
	vt_store_free(store);
	return error;
}

/* ---- proofs */

static void print_path(const uint8_t (*path)[VT_HASH_LEN], size_t n, int json)
{
	char hex[65];
	for (size_t i = 0; i < n; i++) {
		vt_hex(hex, path[i], VT_HASH_LEN);
		if (json)
			printf("%s\"%s\"", i ? "," : "", hex);
		else
			printf("%s%s", i ? "," : "", hex);
	}
}

static int load_root(vt_store *store, const char *origin, uint64_t size, uint8_t root[VT_HASH_LEN],
	int *signed_head)
{
	Vanthu__V1__TreeHead *sth = NULL;
	vt_log_tree_src src;
	*signed_head = 0;
	if (vt_log_sth_at(store, origin, size, &sth) == 0) {
		memcpy(root, sth->root.data, VT_HASH_LEN);
		vanthu__v1__tree_head__free_unpacked(sth, NULL);
		*signed_head = 1;
		return 0;
	}
	vt_log_tree_src_init(&src, store, origin);
	return vt_merkle_root(root, &src.src, size);
}

int cmd_proof_inclusion(cli_args *a)
{
	vt_store *store = NULL;
	char origin[VT_NODE_ID_MAX + 1], lh[65], rh[65];
	uint64_t seq, size, stored;
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], leaf[VT_HASH_LEN], root[VT_HASH_LEN];
	size_t count = 0, len;
	char *raw = NULL;
	vt_log_tree_src src;
	int error, signed_head;

	if (!cli_opt(a, "seq"))
		return vt_error_set(VT_EINVAL, "proof inclusion needs --seq SEQ");
	if ((error = cli_u64(a, "seq", 0, &seq)) < 0 || (error = cli_u64(a, "size", 0, &size)) < 0 ||
	    (error = cli_check_unused(a)) < 0 || (error = cli_open_ro(&store, origin, sizeof(origin), a)) < 0)
		return error;
	if ((error = vt_log_stored_size(store, origin, &stored)) < 0)
		goto out;
	if (!size)
		size = stored;
	if (size > stored) {
		error = vt_error_set(VT_EINVAL, "--size %" PRIu64 " is larger than the log (%" PRIu64 " entries)", size, stored);
		goto out;
	}
	if (seq >= size) {
		error = vt_error_set(VT_EINVAL, "entry %" PRIu64 " is not in a tree of %" PRIu64 " entries", seq, size);
		goto out;
	}
	if ((error = vt_log_entry_raw(store, origin, seq, &raw, &len)) < 0)
		goto out;
	vt_merkle_leaf_hash(leaf, raw, len);
	vt_log_tree_src_init(&src, store, origin);
	if ((error = vt_merkle_inclusion_proof(path, &count, &src.src, seq, size)) < 0 ||
	    (error = load_root(store, origin, size, root, &signed_head)) < 0)
		goto out;
	/* Never hand out a proof we could not check ourselves. */
	if ((error = vt_merkle_verify_inclusion(leaf, seq, size, (const uint8_t (*)[VT_HASH_LEN])path, count, root)) < 0)
		goto out;
	vt_hex(lh, leaf, VT_HASH_LEN);
	vt_hex(rh, root, VT_HASH_LEN);
	if (a->json) {
		printf("{\"origin\":");
		json_str(stdout, origin);
		printf(",\"index\":%" PRIu64 ",\"size\":%" PRIu64 ",\"leaf\":\"%s\",\"root\":\"%s\",\"signed_head\":%s,\"path\":[",
			seq, size, lh, rh, signed_head ? "true" : "false");
		print_path((const uint8_t (*)[VT_HASH_LEN])path, count, 1);
		printf("]}\n");
	} else {
		printf("inclusion of entry %" PRIu64 " in the log of %s at size %" PRIu64 "\n", seq, origin, size);
		printf("leaf  %s\nroot  %s%s\npath  %zu hashes\n", lh, rh,
			signed_head ? " (signed tree head)" : " (no signed head at this size)", count);
		printf("check: vanthu proof verify --index %" PRIu64 " --size %" PRIu64 " --leaf %s --root %s --path ",
			seq, size, lh, rh);
		print_path((const uint8_t (*)[VT_HASH_LEN])path, count, 0);
		printf("\n");
	}
out:
	free(raw);
	vt_store_free(store);
	return error;
}

int cmd_proof_consistency(cli_args *a)
{
	vt_store *store = NULL;
	char origin[VT_NODE_ID_MAX + 1], oh[65], nh[65];
	uint64_t old_size, new_size, stored;
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], old_root[VT_HASH_LEN], new_root[VT_HASH_LEN];
	size_t count = 0;
	vt_log_tree_src src;
	int error, s1, s2;

	if (!cli_opt(a, "old"))
		return vt_error_set(VT_EINVAL, "proof consistency needs --old N");
	if ((error = cli_u64(a, "old", 0, &old_size)) < 0 || (error = cli_u64(a, "new", 0, &new_size)) < 0 ||
	    (error = cli_check_unused(a)) < 0 || (error = cli_open_ro(&store, origin, sizeof(origin), a)) < 0)
		return error;
	if ((error = vt_log_stored_size(store, origin, &stored)) < 0)
		goto out;
	if (!new_size)
		new_size = stored;
	if (new_size > stored) {
		error = vt_error_set(VT_EINVAL, "--new %" PRIu64 " is larger than the log (%" PRIu64 " entries)", new_size, stored);
		goto out;
	}
	vt_log_tree_src_init(&src, store, origin);
	if ((error = vt_merkle_consistency_proof(path, &count, &src.src, old_size, new_size)) < 0 ||
	    (error = load_root(store, origin, old_size, old_root, &s1)) < 0 ||
	    (error = load_root(store, origin, new_size, new_root, &s2)) < 0)
		goto out;
	if ((error = vt_merkle_verify_consistency(old_size, new_size, old_root, new_root,
		     (const uint8_t (*)[VT_HASH_LEN])path, count)) < 0)
		goto out;
	vt_hex(oh, old_root, VT_HASH_LEN);
	vt_hex(nh, new_root, VT_HASH_LEN);
	if (a->json) {
		printf("{\"origin\":");
		json_str(stdout, origin);
		printf(",\"old_size\":%" PRIu64 ",\"new_size\":%" PRIu64 ",\"old_root\":\"%s\",\"root\":\"%s\",\"path\":[",
			old_size, new_size, oh, nh);
		print_path((const uint8_t (*)[VT_HASH_LEN])path, count, 1);
		printf("]}\n");
	} else {
		printf("consistency of the log of %s from size %" PRIu64 " to %" PRIu64 "\n", origin, old_size, new_size);
		printf("old root  %s%s\nnew root  %s%s\npath      %zu hashes\n", oh, s1 ? " (signed)" : "", nh,
			s2 ? " (signed)" : "", count);
		printf("check: vanthu proof verify --old %" PRIu64 " --new %" PRIu64 " --old-root %s --root %s --path ",
			old_size, new_size, oh, nh);
		print_path((const uint8_t (*)[VT_HASH_LEN])path, count, 0);
		printf("\n");
	}
out:
	vt_store_free(store);
	return error;
}

static int parse_hash(cli_args *a, const char *name, uint8_t out[VT_HASH_LEN])
{
	const char *v = cli_opt(a, name);
	if (!v)
		return vt_error_set(VT_EINVAL, "proof verify needs --%s HEX", name);
	if (vt_unhex(out, VT_HASH_LEN, v) < 0)
		return vt_error_set(VT_EINVAL, "--%s: %s", name, vt_error_last());
	return 0;
}

static int parse_path(cli_args *a, uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], size_t *count)
{
	const char *v = cli_opt(a, "path");
	char one[65];
	*count = 0;
	if (!v || !*v)
		return 0;
	for (;;) {
		const char *comma = strchr(v, ',');
		size_t n = comma ? (size_t)(comma - v) : strlen(v);
		if (*count == VT_MERKLE_MAX_PATH)
			return vt_error_set(VT_EINVAL, "--path has more than %d hashes", VT_MERKLE_MAX_PATH);
		if (n != 64)
			return vt_error_set(VT_EINVAL, "--path element %zu is not 64 hex digits", *count + 1);
		memcpy(one, v, 64);
		one[64] = 0;
		if (vt_unhex(path[*count], VT_HASH_LEN, one) < 0)
			return vt_error_set(VT_EINVAL, "--path element %zu: %s", *count + 1, vt_error_last());
		(*count)++;
		if (!comma)
			return 0;
		v = comma + 1;
	}
}

int cmd_proof_verify(cli_args *a)
{
	uint8_t path[VT_MERKLE_MAX_PATH][VT_HASH_LEN], root[VT_HASH_LEN], other[VT_HASH_LEN];
	size_t count;
	uint64_t x, y;
	int error, inclusion = cli_opt(a, "index") != NULL;

	if (!inclusion && !cli_opt(a, "old"))
		return vt_error_set(VT_EINVAL, "proof verify needs --index/--size/--leaf (inclusion) or --old/--new/--old-root (consistency)");
	if ((error = parse_hash(a, "root", root)) < 0 || (error = parse_path(a, path, &count)) < 0)
		return error;
	if (inclusion) {
		if ((error = cli_u64(a, "index", 0, &x)) < 0 || (error = cli_u64(a, "size", 0, &y)) < 0 ||
		    (error = parse_hash(a, "leaf", other)) < 0 || (error = cli_check_unused(a)) < 0)
			return error;
		error = vt_merkle_verify_inclusion(other, x, y, (const uint8_t (*)[VT_HASH_LEN])path, count, root);
	} else {
		if ((error = cli_u64(a, "old", 0, &x)) < 0 || (error = cli_u64(a, "new", 0, &y)) < 0 ||
		    (error = parse_hash(a, "old-root", other)) < 0 || (error = cli_check_unused(a)) < 0)
			return error;
		error = vt_merkle_verify_consistency(x, y, other, root, (const uint8_t (*)[VT_HASH_LEN])path, count);
	}
	if (a->json) {
		printf("{\"valid\":%s", error ? "false" : "true");
		if (error) {
			printf(",\"error\":");
			json_str(stdout, vt_error_last());
		}
		printf("}\n");
	} else if (!error) {
		if (inclusion)
			printf("valid: leaf %" PRIu64 " is in the tree of size %" PRIu64 " with that root\n", x, y);
		else
			printf("valid: the tree of size %" PRIu64 " is a prefix of the tree of size %" PRIu64 "\n", x, y);
	}
	return error;
}
