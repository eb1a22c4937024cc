/* A hub's verified replica of a unit's log: every leaf recomputed, the
 * unit's tree rebuilt in the hub's keyspace for it, each head's signature
 * and root checked before anything is applied; rewrites refused. */
#include "events.h"
#include "replication/replica.h"
#include "store/keyspace.h"
#include "store/error.h"
#include "store/merkle.h"
#include "store/sth.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>


struct vt_replica {
	vt_store *store;
	vt_log *log;
	char *origin;
	uint8_t pk[32];
	int have_pk;
	uint8_t enrolled[32];
	int have_enrolled;
};

static int pk_from_entry0(const Vanthu__V1__LogEntry *e, const char *origin, uint8_t pk[32])
{
	const Vanthu__V1__NodeInitialized *ni;
	if (!e->event || e->event->kind_case != VANTHU__V1__EVENT__KIND_NODE_INITIALIZED)
		return vt_error_set(VT_ECORRUPT, "entry 0 of %s is not its initialisation", origin);
	ni = e->event->node_initialized;
	if (strcmp(ni->node_id, origin) != 0 || ni->public_key.len != 32)
		return vt_error_set(VT_ECORRUPT, "entry 0 of %s names node '%s'", origin, ni->node_id);
	memcpy(pk, ni->public_key.data, 32);
	return 0;
}

int vt_replica_open(vt_replica **out, vt_store *store, const char *origin, const uint8_t *enrolled_pk)
{
	vt_replica *r;
	vt_log_config cfg = { 0 };
	int error;
	*out = NULL;
	if (!(r = calloc(1, sizeof(*r))) || !(r->origin = strdup(origin))) {
		free(r);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	r->store = store;
	if (enrolled_pk) {
		memcpy(r->enrolled, enrolled_pk, 32);
		r->have_enrolled = 1;
	}
	cfg.origin = r->origin; /* no sign key: the unit signs its own heads */
	cfg.apply = vt_events_apply;
	if ((error = vt_log_open(&r->log, store, &cfg)) < 0)
		goto out;
	if (vt_log_size(r->log) > 0) {
		Vanthu__V1__LogEntry *e0 = NULL;
		if ((error = vt_log_entry_get(store, origin, 0, &e0)) < 0)
			goto out;
		error = pk_from_entry0(e0, origin, r->pk);
		vanthu__v1__log_entry__free_unpacked(e0, NULL);
		if (error < 0)
			goto out;
		r->have_pk = 1;
	}
	*out = r;
	r = NULL;
out:
	vt_replica_free(r);
	return error;
}

void vt_replica_free(vt_replica *r)
{
	if (!r)
		return;
	vt_log_free(r->log);
	free(r->origin);
	free(r);
}

uint64_t vt_replica_size(vt_replica *r) { return vt_log_size(r->log); }

int vt_replica_head_get(vt_store *store, const char *origin, Vanthu__V1__CoSignedHead **out)
{
	vt_key k;
	int error;
	vt_key_init(&k, origin);
	vt_key_u8(&k, VT_META_VERIFIED);
	error = vt_msg_get(store, VT_CF_META, &k, &vanthu__v1__co_signed_head__descriptor, (ProtobufCMessage **)out);
	return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "no verified head for %s yet", origin) : error;
}

int vt_replica_head(vt_replica *r, Vanthu__V1__CoSignedHead **out)
{
	return vt_replica_head_get(r->store, r->origin, out);
}

int vt_replica_push(vt_replica *r, uint64_t from, const uint8_t *const *raw, const size_t *len, size_t n,
	const Vanthu__V1__TreeHead *head, const char *hub_id, const uint8_t hub_sk[64],
	Vanthu__V1__CoSignature *cosig, uint8_t cosig_buf[64 + 8])
{
	return vt_replica_push_ex(r, from, raw, len, NULL, n, head, hub_id, hub_sk, cosig, cosig_buf);
}

int vt_replica_push_ex(vt_replica *r, uint64_t from, const uint8_t *const *raw, const size_t *len,
	Vanthu__V1__LogEntry *const *decoded, size_t n, const Vanthu__V1__TreeHead *head, const char *hub_id,
	const uint8_t hub_sk[64], Vanthu__V1__CoSignature *cosig, uint8_t cosig_buf[64 + 8])
{
	Vanthu__V1__LogEntry **entries = NULL; /* decoded here (freed here) */
	const Vanthu__V1__LogEntry **view = NULL; /* each new entry, decoded here or by the caller */
	Vanthu__V1__CoSignedHead *prev = NULL;
	vt_merkle_frontier *f = NULL;
	vt_log_tree_src src;
	uint64_t size = vt_log_size(r->log), end = from + n;
	uint8_t pk[32], root[VT_HASH_LEN];
	int have_pk = r->have_pk, error = 0;
	int64_t last_time = INT64_MIN;
	size_t first_new = 0, applied = 0;

	if (from > size)
		return vt_error_set(VT_EINVAL, "entries from %" PRIu64 " leave a gap: the hub holds %" PRIu64 " of %s",
			from, size, r->origin);
	if (!head || head->size != end || strcmp(head->origin, r->origin) != 0 || head->root.len != VT_HASH_LEN)
		return vt_error_set(VT_EINVAL, "the head must be %s's, covering exactly %" PRIu64 " entries", r->origin, end);
	if (vt_replica_head(r, &prev) == 0) {
		uint64_t had = prev->head->size;
		vanthu__v1__co_signed_head__free_unpacked(prev, NULL);
		if (end < had)
			return vt_error_set(VT_ECORRUPT, "%s presents a log of %" PRIu64 " entries after the hub verified %"
				PRIu64 " (truncated log)", r->origin, end, had);
	}
	if (have_pk)
		memcpy(pk, r->pk, 32);
	if (!(entries = calloc(n ? n : 1, sizeof(*entries))) || !(view = calloc(n ? n : 1, sizeof(*view))) ||
	    !(f = malloc(sizeof(*f)))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	/* 1. resent entries must be the very bytes the hub holds */
	for (size_t i = 0; i < n && from + i < size; i++) {
		char *mine = NULL;
		size_t ml;
		if ((error = vt_log_entry_raw(r->store, r->origin, from + i, &mine, &ml)) < 0)
			goto out;
		if (ml != len[i] || memcmp(mine, raw[i], ml) != 0) {
			free(mine);
			error = vt_error_set(VT_ECORRUPT, "%s rewrote entry %" PRIu64 " of its log after the hub had it "
				"(forked or edited history): refused", r->origin, from + i);
			goto out;
		}
		free(mine);
		first_new = i + 1;
	}
	/* 2. new entries: decode and check; the tree they make */
	vt_log_tree_src_init(&src, r->store, r->origin);
	if ((error = vt_merkle_frontier_load(f, &src.src, size)) < 0)
		goto out;
	if (size > 0) {
		Vanthu__V1__LogEntry *lastold = NULL;
		if ((error = vt_log_entry_get(r->store, r->origin, size - 1, &lastold)) < 0)
			goto out;
		last_time = lastold->time;
		vanthu__v1__log_entry__free_unpacked(lastold, NULL);
	}
	for (size_t i = first_new; i < n; i++) {
		uint64_t seq = from + i;
		uint8_t leaf[VT_HASH_LEN];
		const Vanthu__V1__LogEntry *e = decoded && decoded[i] ? decoded[i] :
			(entries[i] = vanthu__v1__log_entry__unpack(NULL, len[i], raw[i]));
		if (!e) {
			error = vt_error_set(VT_ECORRUPT, "entry %" PRIu64 " of %s does not decode", seq, r->origin);
			goto out;
		}
		view[i] = e;
		if (e->seq != seq || strcmp(e->origin, r->origin) != 0 || e->time < last_time) {
			error = vt_error_set(VT_ECORRUPT, "entry %" PRIu64 " of %s: %s", seq, r->origin,
				e->seq != seq ? "its seq differs from its place" : strcmp(e->origin, r->origin) ?
				"it names another origin" : "it goes back in time");
			goto out;
		}
		last_time = e->time;
		if (seq == 0) {
			if ((error = pk_from_entry0(e, r->origin, pk)) < 0)
				goto out;
			if (r->have_enrolled && memcmp(pk, r->enrolled, 32) != 0) {
				error = vt_error_set(VT_ESIG, "%s's log is initialised with another key than the one enrolled "
					"at the hub", r->origin);
				goto out;
			}
			have_pk = 1;
		}
		vt_merkle_leaf_hash(leaf, raw[i], len[i]);
		if ((error = vt_merkle_frontier_append(f, leaf, NULL, NULL)) < 0)
			goto out;
	}
	/* 3. the head: the unit's signature, and the root of this history */
	if (!have_pk) {
		error = vt_error_set(VT_EINVAL, "the hub has no key for %s yet: send its log from entry 0", r->origin);
		goto out;
	}
	if ((error = vt_sth_verify(head, pk)) < 0)
		goto out;
	if (end >= size)
		vt_merkle_frontier_root(f, root);
	else if ((error = vt_merkle_root(root, &src.src, end)) < 0)
		goto out;
	if (memcmp(root, head->root.data, VT_HASH_LEN) != 0) {
		error = vt_error_set(VT_ESIG, "%s's signed head at size %" PRIu64 " does not match the entries it sent "
			"(another history)", r->origin, end);
		goto out;
	}
	/* 4. apply, then keep the co-signed head */
	if (n > first_new &&
	    (error = vt_log_append_entries(r->log, view + first_new, n - first_new, &applied)) < 0)
		goto out;
	if (!r->have_pk) {
		memcpy(r->pk, pk, 32);
		r->have_pk = 1;
	}
	{
		Vanthu__V1__CoSignedHead ch = VANTHU__V1__CO_SIGNED_HEAD__INIT;
		uint8_t msg[600];
		size_t mlen = vt_cosig_message(msg, sizeof(msg), head);
		vt_key k;
		crypto_sign_detached(cosig_buf, NULL, msg, mlen, hub_sk);
		vt_sth_key_id(cosig_buf + 64, hub_sk + 32);
		vanthu__v1__co_signature__init(cosig);
		cosig->hub = (char *)hub_id;
		cosig->signature.data = cosig_buf;
		cosig->signature.len = 64;
		cosig->key_id.data = cosig_buf + 64;
		cosig->key_id.len = 8;
		cosig->time = vt_clock_now(NULL);
		ch.head = (Vanthu__V1__TreeHead *)head;
		ch.cosig = cosig;
		vt_key_init(&k, r->origin);
		vt_key_u8(&k, VT_META_VERIFIED);
		error = vt_msg_put(r->store, VT_CF_META, &k, &ch.base, 1);
	}
out:
	for (size_t i = 0; entries && i < n; i++)
		if (entries[i])
			vanthu__v1__log_entry__free_unpacked(entries[i], NULL);
	free(entries);
	free(view);
	free(f);
	return error;
}
