/* A unit's own records of its hub, in its meta column family (local to
 * the node: never replicated, never replayed): the hub's latest
 * co-signature of the unit's head, the hub's id and key (pinned, or learnt
 * at first contact), and the nodes the hub reaches. The link (link.c) and
 * restore (restore.c) keep them; the services read them. */
#ifndef VT_UNIT_META_H
#define VT_UNIT_META_H

#include <stddef.h>
#include <stdint.h>

#include "store/keyspace.h"
#include "store/store.h"
#include "vanthu.pb-c.h"

/* The latest co-signed head the unit holds (VT_ENOTFOUND if none). */
int vt_unit_meta_cosigned_get(vt_store *store, const char *origin, Vanthu__V1__CoSignedHead **out);
/* Keeps ch as the latest, not synced (after a crash the hub's welcome gives
 * it again). */
int vt_unit_meta_cosigned_put(vt_store *store, const char *origin, const Vanthu__V1__CoSignedHead *ch);

/* The hub this unit replicated to before and its key (VT_ENOTFOUND before
 * the first contact, VT_ECORRUPT if the record is not one). */
int vt_unit_meta_hubkey_get(vt_store *store, const char *origin, char hub[VT_NODE_ID_MAX + 1], uint8_t pk[32]);
/* Keeps the hub and its key, synced. */
int vt_unit_meta_hubkey_put(vt_store *store, const char *origin, const char *hub, const uint8_t pk[32]);

/* Both records at once, synced: what a restored unit starts from (the
 * hub's co-signed head, and the hub named in its co-signature with hub_pk). */
int vt_unit_meta_restored_put(vt_store *store, const char *origin, const Vanthu__V1__CoSignedHead *ch,
	const uint8_t hub_pk[32]);

/* The nodes reachable through the hub, as it last said (VT_ENOTFOUND before
 * the first contact). */
int vt_unit_meta_directory_get(vt_store *store, const char *origin, Vanthu__V1__NodeDirectory **out);
/* Keeps the hub's latest word on them, not synced (it says it again). */
int vt_unit_meta_directory_put(vt_store *store, const char *origin, const Vanthu__V1__NodeDirectory *d);
/* VT_EINVAL naming it unless every id is in the directory (no directory yet:
 * 0, the messages wait at the hub). */
int vt_unit_meta_directory_check(vt_store *store, const char *origin, char *const *ids, size_t n);

#endif
