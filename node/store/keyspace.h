/* The keyspace: every key tag of every column family in one table. A key is
 * origin | tag | fields; the origin (a node id) is the keyspace of one log,
 * so a hub keeps its units' replicas beside its own state. Tags are unique
 * per column family by construction: keyspace.c switches on them, and a
 * repeated tag does not compile. */
#ifndef VT_KEYSPACE_H
#define VT_KEYSPACE_H

#include <stdint.h>

#include "store/store.h"

/* X(NAME, tag, layout): the key tags of one column family. */
#define VT_KEYS_REGISTER(X) \
	X(VT_REG_BOOK, 'B', "origin | 'B' | book -> RegisterBook") \
	X(VT_REG_COUNTER, 'C', "origin | 'C' | book | year -> be32 last number") \
	X(VT_REG_ENTRY, 'E', "origin | 'E' | book | year | number -> RegisterEntry")

#define VT_KEYS_INDEX(X) \
	X(VT_IDX_DUP, 'D', "origin | 'D' | agency | symbol | seq -> \"\" (duplicate warning)") \
	X(VT_IDX_SYMBOL, 'S', "origin | 'S' | year | symbol -> document id") \
	X(VT_IDX_BLOB, 'b', "origin | 'b' | sha256 -> BlobAdded") \
	X(VT_IDX_DOSSIER, 'O', "origin | 'O' | dossier id -> Dossier (hồ sơ công việc)") \
	X(VT_IDX_OUTBOX, 'X', "origin | 'X' | to | seq -> ExchangeMessage") \
	X(VT_IDX_INBOX, 'R', "origin | 'R' | from -> be64 last from_seq received") \
	X(VT_IDX_XMAP, 'Q', "origin | 'Q' | from | sender's doc id -> local doc id") \
	X(VT_IDX_ENROLLED, 'E', "hub | 'E' | node id -> EnrolledUnit") \
	X(VT_IDX_ALARM, 'a', "hub | 'a' | seq -> ReplAlarm")

#define VT_KEYS_ACCOUNT(X) \
	X(VT_ACCT_NODE, 'N', "origin | 'N' -> NodeInitialized (the node itself)") \
	X(VT_ACCT_ACCOUNT, 'A', "origin | 'A' | name -> Account") \
	X(VT_ACCT_UNIT, 'U', "origin | 'U' | unit id -> OrgUnit")

/* META is local to a node: never replicated, never replayed. */
#define VT_KEYS_META(X) \
	X(VT_META_STH, 'H', "origin | 'H' | be64 size -> TreeHead (the kept history)") \
	X(VT_META_LATEST, 'L', "origin | 'L' -> TreeHead (the latest, every commit)") \
	X(VT_META_CRED, 'P', "origin | 'P' | name -> Argon2id string (never in the log)") \
	X(VT_META_SESSION, 'T', "origin | 'T' | sha256(token) -> Session (never in the log)") \
	X(VT_META_VERIFIED, 'V', "unit | 'V' -> CoSignedHead (hub: the unit's latest verified head)") \
	X(VT_META_COSIGNED, 'C', "own origin | 'C' -> CoSignedHead (unit: the hub's latest co-signature)") \
	X(VT_META_HUBKEY, 'K', "own origin | 'K' -> hub id \\0 key (unit: the pinned hub key)") \
	X(VT_META_DIRECTORY, 'D', "own origin | 'D' -> NodeDirectory (unit: reachable nodes)")

/* LOG (origin | be64 seq), TREE (origin | level | be64 index), DOC (origin |
 * be64 seq of the creating entry) and BLOB (sha256, shared by all origins)
 * take no tag. */

#define VT_KEY_TAG_ENUM(name, tag, layout) name = tag,
enum { VT_KEYS_REGISTER(VT_KEY_TAG_ENUM) };
enum { VT_KEYS_INDEX(VT_KEY_TAG_ENUM) };
enum { VT_KEYS_ACCOUNT(VT_KEY_TAG_ENUM) };
enum { VT_KEYS_META(VT_KEY_TAG_ENUM) };
#undef VT_KEY_TAG_ENUM

/* The name and layout of a tag in a column family; NULL if none has it. */
const char *vt_keyspace_tag_name(vt_cf cf, uint8_t tag, const char **layout);

/* Node ids: what may prefix a key and be a certificate's CN. */
#define VT_NODE_ID_MAX 64
/* 1 if id can name a node: 1-VT_NODE_ID_MAX letters, digits, '.', '-', '_'. */
int vt_node_id_ok(const char *id);

#endif
