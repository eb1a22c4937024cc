/* Dossiers (hồ sơ công việc): lookup, listing, and adding a document inside
 * the apply of the action that files it. */
#include "docs/dossier.h"
#include "store/error.h"
#include "store/keyspace.h"

#include <stdlib.h>
#include <string.h>

static void key_dossier(vt_key *k, const char *origin, const char *id)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_IDX_DOSSIER);
	vt_key_str(k, id);
}

int vt_dossier_get(vt_store *store, const char *origin, const char *id, Vanthu__V1__Dossier **out)
{
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	*out = NULL;
	key_dossier(&k, origin, id);
	if ((error = vt_key_check(&k)) < 0)
		return error;
	if ((error = vt_store_get(store, VT_CF_INDEX, k.buf, k.len, &v, &n)) < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "no dossier '%s'", id) : error;
	*out = vanthu__v1__dossier__unpack(NULL, n, (const uint8_t *)v);
	free(v);
	return *out ? 0 : vt_error_set(VT_ECORRUPT, "dossier '%s' does not decode", id);
}

VT_MSG_EACH_TYPED(each_dossier, vt_dossier_fn, Vanthu__V1__Dossier, vanthu__v1__dossier__descriptor)

int vt_dossier_list(vt_store *store, const char *origin, vt_dossier_fn fn, void *payload)
{
	vt_key k;
	vt_key_init(&k, origin);
	vt_key_u8(&k, VT_IDX_DOSSIER);
	return each_dossier(store, VT_CF_INDEX, &k, NULL, fn, payload);
}

/* Adds doc to the dossier (opening it when a title is given). */
int vt_dossier_add(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, const char *doc_id,
	const char *id, const char *title, const char *unit)
{
	Vanthu__V1__Dossier *old = NULL, d = VANTHU__V1__DOSSIER__INIT;
	char **docs = NULL;
	vt_key k;
	int error;
	if (!*id || strlen(id) > 64)
		return vt_error_set(VT_EINVAL, "a dossier code (mã hồ sơ, up to 64 characters) is needed");
	key_dossier(&k, ctx->origin, id);
	error = vt_apply_get(ctx, VT_CF_INDEX, &k, &vanthu__v1__dossier__descriptor, (ProtobufCMessage **)&old);
	if (error == VT_ENOTFOUND) {
		if (!*title)
			return vt_error_set(VT_ENOTFOUND, "no dossier '%s' (give a title to open it)", id);
		d.id = (char *)id;
		d.title = (char *)title;
		d.owner = e->actor;
		d.unit = (char *)unit;
		d.opened_at = e->time;
	} else if (error < 0) {
		return error;
	} else {
		d = *old;
		if (d.closed) {
			error = vt_error_set(VT_ECONFLICT, "dossier '%s' is closed", id);
			goto out;
		}
		for (size_t i = 0; i < d.n_documents; i++)
			if (strcmp(d.documents[i], doc_id) == 0) {
				error = vt_error_set(VT_EEXISTS, "document %s is already number %zu of dossier '%s'", doc_id,
					i + 1, id);
				goto out;
			}
	}
	if (!(docs = malloc((d.n_documents + 1) * sizeof(char *)))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	if (d.n_documents)
		memcpy(docs, d.documents, d.n_documents * sizeof(char *));
	docs[d.n_documents] = (char *)doc_id;
	d.documents = docs;
	d.n_documents++;
	error = vt_apply_put(ctx, VT_CF_INDEX, &k, &d.base);
out:
	free(docs);
	if (old)
		vanthu__v1__dossier__free_unpacked(old, NULL);
	return error;
}
