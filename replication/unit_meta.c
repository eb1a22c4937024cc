/* A unit's records of its hub in the meta column family: VT_META_COSIGNED,
 * VT_META_HUBKEY and VT_META_DIRECTORY of store/keyspace.h. */
#include "replication/unit_meta.h"
#include "store/error.h"
#include "store/record.h"

#include <stdlib.h>
#include <string.h>

static void meta_key(vt_key *k, const char *origin, uint8_t tag)
{
	vt_key_init(k, origin);
	vt_key_u8(k, tag);
}

/* ---- the hub's latest co-signature of this unit's head */

int vt_unit_meta_cosigned_get(vt_store *store, const char *origin, Vanthu__V1__CoSignedHead **out)
{
	vt_key k;
	int error;
	meta_key(&k, origin, VT_META_COSIGNED);
	error = vt_msg_get(store, VT_CF_META, &k, &vanthu__v1__co_signed_head__descriptor, (ProtobufCMessage **)out);
	return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "no co-signed head from the hub yet") : error;
}

int vt_unit_meta_cosigned_put(vt_store *store, const char *origin, const Vanthu__V1__CoSignedHead *ch)
{
	vt_key k;
	meta_key(&k, origin, VT_META_COSIGNED);
	return vt_msg_put(store, VT_CF_META, &k, &ch->base, 0);
}

/* ---- the hub's id and key: "hub id \0 key" */

int vt_unit_meta_hubkey_get(vt_store *store, const char *origin, char hub[VT_NODE_ID_MAX + 1], uint8_t pk[32])
{
	vt_key k;
	char *v = NULL;
	size_t n, idl;
	int error;
	meta_key(&k, origin, VT_META_HUBKEY);
	if ((error = vt_store_get(store, VT_CF_META, k.buf, k.len, &v, &n)) < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "no hub known yet") : error;
	idl = strnlen(v, n);
	if (idl > VT_NODE_ID_MAX || idl + 1 + 32 != n) {
		free(v);
		return vt_error_set(VT_ECORRUPT, "the hub key kept for %s is not a hub id and a 32-byte key", origin);
	}
	memcpy(hub, v, idl + 1);
	memcpy(pk, v + idl + 1, 32);
	free(v);
	return 0;
}

static int hubkey_encode(char buf[VT_NODE_ID_MAX + 1 + 32], size_t *n, const char *hub, const uint8_t pk[32])
{
	size_t idl = strlen(hub);
	if (idl > VT_NODE_ID_MAX)
		return vt_error_set(VT_EINVAL, "hub id too long");
	memcpy(buf, hub, idl + 1);
	memcpy(buf + idl + 1, pk, 32);
	*n = idl + 1 + 32;
	return 0;
}

int vt_unit_meta_hubkey_put(vt_store *store, const char *origin, const char *hub, const uint8_t pk[32])
{
	char buf[VT_NODE_ID_MAX + 1 + 32];
	size_t n = 0;
	vt_batch *b = NULL;
	vt_key k;
	int error;
	if ((error = hubkey_encode(buf, &n, hub, pk)) < 0 || (error = vt_batch_new(&b, store)) < 0)
		return error;
	meta_key(&k, origin, VT_META_HUBKEY);
	vt_batch_put(b, VT_CF_META, k.buf, k.len, buf, n);
	error = vt_store_write(store, b, 1);
	vt_batch_free(b);
	return error;
}

int vt_unit_meta_restored_put(vt_store *store, const char *origin, const Vanthu__V1__CoSignedHead *ch,
	const uint8_t hub_pk[32])
{
	uint8_t buf[1024];
	char kbuf[VT_NODE_ID_MAX + 1 + 32];
	size_t n = vanthu__v1__co_signed_head__get_packed_size(ch), kn = 0;
	vt_batch *b = NULL;
	vt_key k;
	int error;
	if (n > sizeof(buf) || !ch->cosig || strlen(ch->cosig->hub) > VT_NODE_ID_MAX)
		return vt_error_set(VT_EINVAL, "co-signed head too large");
	vanthu__v1__co_signed_head__pack(ch, buf);
	if ((error = hubkey_encode(kbuf, &kn, ch->cosig->hub, hub_pk)) < 0 || (error = vt_batch_new(&b, store)) < 0)
		return error;
	meta_key(&k, origin, VT_META_COSIGNED);
	vt_batch_put(b, VT_CF_META, k.buf, k.len, buf, n);
	meta_key(&k, origin, VT_META_HUBKEY);
	vt_batch_put(b, VT_CF_META, k.buf, k.len, kbuf, kn);
	error = vt_store_write(store, b, 1);
	vt_batch_free(b);
	return error;
}

/* ---- the nodes reachable through the hub */

int vt_unit_meta_directory_get(vt_store *store, const char *origin, Vanthu__V1__NodeDirectory **out)
{
	vt_key k;
	int error;
	meta_key(&k, origin, VT_META_DIRECTORY);
	error = vt_msg_get(store, VT_CF_META, &k, &vanthu__v1__node_directory__descriptor, (ProtobufCMessage **)out);
	return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "no word from the hub yet on which nodes it "
		"reaches") : error;
}

int vt_unit_meta_directory_put(vt_store *store, const char *origin, const Vanthu__V1__NodeDirectory *d)
{
	vt_key k;
	meta_key(&k, origin, VT_META_DIRECTORY);
	return vt_msg_put(store, VT_CF_META, &k, &d->base, 0);
}

int vt_unit_meta_directory_check(vt_store *store, const char *origin, char *const *ids, size_t n)
{
	Vanthu__V1__NodeDirectory *d = NULL;
	int error = n ? vt_unit_meta_directory_get(store, origin, &d) : 0;
	if (error == VT_ENOTFOUND)
		return 0; /* never in touch with a hub yet: the messages wait there */
	if (error < 0)
		return error;
	for (size_t i = 0; i < n && error == 0; i++) {
		int found = 0;
		for (size_t j = 0; j < d->n_peers && !found; j++)
			found = strcmp(d->peers[j]->node_id, ids[i]) == 0;
		if (!found)
			error = vt_error_set(VT_EINVAL, "%s is not a node the hub reaches (vanthu repl status lists them)",
				ids[i]);
		else if (strcmp(ids[i], origin) == 0)
			error = vt_error_set(VT_EINVAL, "a node does not send documents to itself");
	}
	vanthu__v1__node_directory__free_unpacked(d, NULL);
	return error;
}
