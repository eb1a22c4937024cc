/* Hub side of replication: a verified replica of one unit's log, applied
 * with the same apply code into the unit's keyspace (origin prefix). */
#ifndef VT_REPLICA_H
#define VT_REPLICA_H

#include <stddef.h>
#include <stdint.h>

#include "store/log.h"
#include "store/store.h"
#include "vanthu.pb-c.h"

typedef struct vt_replica vt_replica;

/* Opens the replica of origin in the hub's store. enrolled_pk (32 bytes,
 * may be NULL): the unit's tree-head key as enrolled at the hub; entry 0
 * must carry exactly that key. */
int vt_replica_open(vt_replica **out, vt_store *store, const char *origin, const uint8_t *enrolled_pk);
void vt_replica_free(vt_replica *r);

/* Entries held (and verified) for the unit. */
uint64_t vt_replica_size(vt_replica *r);

/* The latest head verified for the unit, co-signed (VT_ENOTFOUND if none). */
int vt_replica_head(vt_replica *r, Vanthu__V1__CoSignedHead **out);
/* The same without opening the replica. */
int vt_replica_head_get(vt_store *store, const char *origin, Vanthu__V1__CoSignedHead **out);

/* Receives entries [from, from + n) as the unit stored them (raw packed
 * LogEntry bytes) and the unit's signed head covering exactly from + n.
 * Nothing is applied unless all of it holds:
 *  - entries below the replica's size are byte-identical to what the hub
 *    holds (a resend); a difference is a rewritten history: VT_ECORRUPT
 *    naming the entry;
 *  - new entries continue the log (seq, origin, time), entry 0 is the
 *    unit's initialisation with its enrolled key;
 *  - the head is signed by the unit's key and its root is the root of the
 *    hub's tree with the new entries (so it is consistent with every head
 *    the hub verified before): VT_ESIG otherwise;
 *  - the head is not behind one already verified (a truncated log).
 * Then the new entries are applied (group-committed, synced) and the head
 * is co-signed with hub_sk (64-byte Ed25519) as hub_id and kept. */
int vt_replica_push(vt_replica *r, uint64_t from, const uint8_t *const *raw, const size_t *len, size_t n,
	const Vanthu__V1__TreeHead *head, const char *hub_id, const uint8_t hub_sk[64],
	Vanthu__V1__CoSignature *cosig, uint8_t cosig_buf[64 + 8]);

/* The same, with entries the caller has decoded already (decoded[i] may
 * be NULL: decoded here); they stay the caller's. */
int vt_replica_push_ex(vt_replica *r, uint64_t from, const uint8_t *const *raw, const size_t *len,
	Vanthu__V1__LogEntry *const *decoded, size_t n, const Vanthu__V1__TreeHead *head, const char *hub_id,
	const uint8_t hub_sk[64], Vanthu__V1__CoSignature *cosig, uint8_t cosig_buf[64 + 8]);

#endif
