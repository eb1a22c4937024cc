/* Audit service: node identity, signed tree heads, inclusion and
 * consistency proofs (RFC 9162), raw log entries. */
#include "svc/svc_int.h"
#include "store/error.h"
#include "store/merkle.h"
#include "replication/replica.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Whose log: this node's, or on a hub a unit's replica, whose tree the hub
 * holds and whose latest head is the one it verified and co-signed. */
typedef struct whose {
	const char *origin;
	int replica;
	uint64_t size;                   /* entries held */
	Vanthu__V1__CoSignedHead *verified; /* replica: the last verified head */
} whose;

static int whose_open(vt_api_req *r, const char *asked, whose *w)
{
	int error;
	memset(w, 0, sizeof(*w));
	if ((error = vt_api_origin(r, asked, &w->origin)) < 0)
		return error;
	if (strcmp(w->origin, r->api->node->node_id) == 0) {
		w->size = vt_log_size(r->api->node->log);
		return 0;
	}
	w->replica = 1;
	if ((error = vt_log_stored_size(r->api->node->store, w->origin, &w->size)) < 0)
		return error;
	return vt_replica_head_get(r->api->node->store, w->origin, &w->verified);
}

static void whose_close(whose *w)
{
	if (w->verified)
		vanthu__v1__co_signed_head__free_unpacked(w->verified, NULL);
}

/* The tree size a proof is for: the one asked, or 0 for the latest signed
 * (a replica's: its last verified) head's; never beyond the log. */
static int proof_size(vt_api *api, const whose *w, uint64_t asked, uint64_t *size)
{
	Vanthu__V1__TreeHead *sth = NULL;
	int error;
	*size = asked;
	if (!asked && w->replica)
		*size = w->verified->head->size;
	else if (!asked) {
		if ((error = vt_log_latest_sth(api->node->store, api->node->node_id, &sth)) < 0)
			return error;
		*size = sth->size;
		vanthu__v1__tree_head__free_unpacked(sth, NULL);
	}
	if (*size > w->size)
		return vt_error_set(VT_EINVAL, "size %" PRIu64 " is beyond the log (%" PRIu64 " entries)", *size, w->size);
	return 0;
}

/* A proof's hashes as the reply's bytes. */
static void path_of(ProtobufCBinaryData *path, uint8_t (*hashes)[VT_HASH_LEN], size_t count)
{
	for (size_t i = 0; i < count; i++) {
		path[i].data = hashes[i];
		path[i].len = VT_HASH_LEN;
	}
}

int vt_api_audit_info(vt_api_req *r)
{
	Vanthu__V1__NodeInfo out = VANTHU__V1__NODE_INFO__INIT;
	Vanthu__V1__NodeInitialized *ni = NULL;
	Vanthu__V1__TreeHead *sth = NULL;
	int error;
	if ((error = vt_node_info_get(r->api->node->store, r->api->node->node_id, &ni)) < 0 ||
	    (error = vt_log_latest_sth(r->api->node->store, r->api->node->node_id, &sth)) < 0)
		goto out;
	out.node = ni;
	out.head = sth;
	error = vt_api_reply(r, &out.base);
out:
	if (ni)
		vanthu__v1__node_initialized__free_unpacked(ni, NULL);
	if (sth)
		vanthu__v1__tree_head__free_unpacked(sth, NULL);
	return error;
}

int vt_api_audit_head(vt_api_req *r)
{
	const Vanthu__V1__TreeHeadRequest *in = (const void *)r->in;
	Vanthu__V1__TreeHead *sth = NULL;
	whose w;
	int error;
	if ((error = whose_open(r, in->origin, &w)) < 0) {
		whose_close(&w);
		return error;
	}
	if (w.replica) {
		if (in->size && in->size != w.verified->head->size)
			error = vt_error_set(VT_ENOTFOUND, "the hub keeps %s's last verified head (size %" PRIu64 ") only",
				w.origin, w.verified->head->size);
		else
			error = vt_api_reply(r, &w.verified->head->base);
		whose_close(&w);
		return error;
	}
	whose_close(&w);
	error = in->size ? vt_log_sth_at(r->api->node->store, r->api->node->node_id, in->size, &sth)
			 : vt_log_latest_sth(r->api->node->store, r->api->node->node_id, &sth);
	if (error < 0)
		return error;
	error = vt_api_reply(r, &sth->base);
	vanthu__v1__tree_head__free_unpacked(sth, NULL);
	return error;
}

int vt_api_audit_inclusion(vt_api_req *r)
{
	const Vanthu__V1__InclusionProofRequest *in = (const void *)r->in;
	Vanthu__V1__InclusionProofResponse out = VANTHU__V1__INCLUSION_PROOF_RESPONSE__INIT;
	Vanthu__V1__InclusionProof proof = VANTHU__V1__INCLUSION_PROOF__INIT;
	Vanthu__V1__TreeHead *sth = NULL;
	ProtobufCBinaryData path[VT_MERKLE_MAX_PATH];
	uint8_t hashes[VT_MERKLE_MAX_PATH][VT_HASH_LEN], leaf[VT_HASH_LEN];
	uint64_t size;
	size_t count = 0, len = 0;
	char *raw = NULL;
	vt_log_tree_src src;
	whose w;
	int error;
	if ((error = whose_open(r, in->origin, &w)) < 0 || (error = proof_size(r->api, &w, in->size, &size)) < 0)
		goto out;
	if (in->index >= size) {
		error = vt_error_set(VT_EINVAL, "entry %" PRIu64 " is not in a tree of %" PRIu64 " entries", in->index, size);
		goto out;
	}
	vt_log_tree_src_init(&src, r->api->node->store, w.origin);
	if ((error = vt_merkle_inclusion_proof(hashes, &count, &src.src, in->index, size)) < 0 ||
	    (error = vt_log_entry_raw(r->api->node->store, w.origin, in->index, &raw, &len)) < 0)
		goto out;
	vt_merkle_leaf_hash(leaf, raw, len);
	path_of(path, hashes, count);
	proof.index = in->index;
	proof.size = size;
	proof.path = path;
	proof.n_path = count;
	out.proof = &proof;
	out.leaf_hash.data = leaf;
	out.leaf_hash.len = VT_HASH_LEN;
	out.entry.data = (uint8_t *)raw;
	out.entry.len = len;
	if (w.replica) {
		if (size == w.verified->head->size) {
			out.head = w.verified->head;
			out.cosig = w.verified->cosig;
		}
	} else if (vt_log_sth_at(r->api->node->store, r->api->node->node_id, size, &sth) == 0) {
		out.head = sth;
	}
	error = vt_api_reply(r, &out.base);
out:
	whose_close(&w);
	free(raw);
	if (sth)
		vanthu__v1__tree_head__free_unpacked(sth, NULL);
	return error;
}

int vt_api_audit_consistency(vt_api_req *r)
{
	const Vanthu__V1__ConsistencyProofRequest *in = (const void *)r->in;
	Vanthu__V1__ConsistencyProof out = VANTHU__V1__CONSISTENCY_PROOF__INIT;
	ProtobufCBinaryData path[VT_MERKLE_MAX_PATH];
	uint8_t hashes[VT_MERKLE_MAX_PATH][VT_HASH_LEN];
	uint64_t size;
	size_t count = 0;
	vt_log_tree_src src;
	whose w;
	int error;
	if ((error = whose_open(r, in->origin, &w)) < 0 || (error = proof_size(r->api, &w, in->new_size, &size)) < 0)
		goto out;
	vt_log_tree_src_init(&src, r->api->node->store, w.origin);
	if ((error = vt_merkle_consistency_proof(hashes, &count, &src.src, in->old_size, size)) < 0)
		goto out;
	path_of(path, hashes, count);
	out.old_size = in->old_size;
	out.new_size = size;
	out.path = path;
	out.n_path = count;
	error = vt_api_reply(r, &out.base);
out:
	whose_close(&w);
	return error;
}

int vt_api_audit_entries(vt_api_req *r)
{
	const Vanthu__V1__EntriesRequest *req = (const void *)r->in;
	vt_api *api = r->api;
	uint64_t count = req->count ? req->count : 1000, end, size = vt_log_size(api->node->log);
	int error = 0;
	if (count > 100000)
		count = 100000;
	end = req->from + count < size ? req->from + count : size;
	for (uint64_t seq = req->from; seq < end; seq++) {
		Vanthu__V1__RawEntry e = VANTHU__V1__RAW_ENTRY__INIT;
		char *raw = NULL;
		size_t len;
		if ((error = vt_log_entry_raw(api->node->store, api->node->node_id, seq, &raw, &len)) < 0)
			break;
		e.seq = seq;
		e.entry.data = (uint8_t *)raw;
		e.entry.len = len;
		error = vt_api_send(r, &e.base);
		free(raw);
		if (error < 0)
			break;
	}
	return error;
}
