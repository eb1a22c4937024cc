/* Blobs in replication: sending and receiving them in chunks (which ones an
 * entry names is the event registry's: vt_event_blobs). */
#include "replication/repl.h"
#include "store/error.h"
#include "store/hash.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- blobs on the wire: ReplBlob chunks of VT_REPL_BLOB_CHUNK bytes */

int vt_repl_blob_send(vt_store *store, const uint8_t sha[32], vt_repl_chunk_fn fn, void *ctx)
{
	Vanthu__V1__ReplBlob b = VANTHU__V1__REPL_BLOB__INIT;
	char *data = NULL, hex[65];
	size_t len, off = 0;
	int error;
	if ((error = vt_store_blob_get(store, sha, &data, &len)) < 0) {
		vt_hex(hex, sha, 32);
		return error == VT_ENOTFOUND ? vt_error_set(VT_ECORRUPT, "blob %s is asked for but not stored here (run "
			"vanthu log verify)", hex) : error;
	}
	b.sha256.data = (uint8_t *)sha;
	b.sha256.len = 32;
	b.size = len;
	do {
		size_t n = len - off < VT_REPL_BLOB_CHUNK ? len - off : VT_REPL_BLOB_CHUNK;
		b.offset = off;
		b.data.data = (uint8_t *)data + off;
		b.data.len = n;
		if ((error = fn(ctx, &b)) < 0)
			break;
		off += n;
	} while (off < len);
	free(data);
	return error;
}

void vt_repl_blob_in_dispose(vt_repl_blob_in *in)
{
	free(in->data);
	memset(in, 0, sizeof(*in));
}

int vt_repl_blob_in_add(vt_repl_blob_in *in, vt_store *store, const Vanthu__V1__ReplBlob *b, int *done)
{
	uint8_t got[32];
	int error;
	*done = 0;
	if (b->sha256.len != 32)
		return vt_error_set(VT_EINVAL, "a blob without its 32-byte hash");
	if (b->offset == 0) {
		vt_repl_blob_in_dispose(in);
		if (b->size > VT_REPL_MAX_BLOB)
			return vt_error_set(VT_ETOOBIG, "a blob of %" PRIu64 " bytes (limit %llu)", b->size,
				(unsigned long long)VT_REPL_MAX_BLOB);
		if (!(in->data = malloc(b->size ? b->size : 1)))
			return vt_error_set(VT_ENOMEM, "out of memory for a blob of %" PRIu64 " bytes", b->size);
		memcpy(in->sha, b->sha256.data, 32);
		in->size = b->size;
	}
	if (!in->data || memcmp(in->sha, b->sha256.data, 32) != 0 || b->offset != in->have ||
	    b->data.len > in->size - in->have)
		return vt_error_set(VT_EINVAL, "blob chunks out of order (offset %" PRIu64 ")", b->offset);
	memcpy(in->data + in->have, b->data.data, b->data.len);
	in->have += b->data.len;
	if (in->have < in->size)
		return 0;
	error = vt_store_blob_put(store, in->data, in->size, got);
	free(in->data);
	in->data = NULL;
	in->have = 0;
	if (error < 0)
		return error;
	if (memcmp(got, in->sha, 32) != 0)
		return vt_error_set(VT_EINVAL, "a blob's bytes do not match its hash");
	*done = 1;
	return 0;
}
