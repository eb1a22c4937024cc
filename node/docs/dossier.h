/* Dossiers (hồ sơ công việc): the files of work a document is added to,
 * opened by the first document given with a title, in the index column
 * family (VT_IDX_DOSSIER).
 * uses: store (records, keyspace); no other docs/ module */
#ifndef VT_DOSSIER_H
#define VT_DOSSIER_H

#include "store/record.h"
#include "store/store.h"
#include "vanthu.pb-c.h"

/* Reads a dossier (caller frees with vanthu__v1__dossier__free_unpacked). */
int vt_dossier_get(vt_store *store, const char *origin, const char *id, Vanthu__V1__Dossier **out);

/* Calls fn with each dossier of origin, in code order, until fn returns
 * non-zero (which is returned). */
typedef int (*vt_dossier_fn)(void *payload, const Vanthu__V1__Dossier *d);
int vt_dossier_list(vt_store *store, const char *origin, vt_dossier_fn fn, void *payload);

/* Inside the apply of entry e: adds document doc_id to dossier id, opening
 * it (owner: e's actor, unit: unit) when it does not exist and a title is
 * given. VT_EEXISTS if the document is in it already, VT_ECONFLICT if it
 * is closed. */
int vt_dossier_add(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, const char *doc_id, const char *id,
	const char *title, const char *unit);

#endif
