/* Records: protobuf messages stored under keys, read and written inside an
 * apply (through the commit's batch) or on their own. */
#include "store/record.h"
#include "store/error.h"

#include <stdlib.h>
#include <string.h>
#include <unistr.h>

int vt_apply_get(vt_apply_ctx *ctx, vt_cf cf, const vt_key *key,
	const ProtobufCMessageDescriptor *desc, ProtobufCMessage **out)
{
	char *v = NULL;
	size_t n = 0;
	int error;
	*out = NULL;
	if ((error = vt_key_check(key)) < 0)
		return error;
	if ((error = vt_batch_get(ctx->batch, cf, key->buf, key->len, &v, &n)) < 0)
		return error;
	*out = protobuf_c_message_unpack(desc, NULL, n, (const uint8_t *)v);
	free(v);
	if (!*out)
		return vt_error_set(VT_ECORRUPT, "%s record in %s does not decode", desc->short_name,
			vt_cf_name(cf));
	return 0;
}

/* Packs msg under key into batch b. */
static int put_packed(vt_batch *b, vt_cf cf, const vt_key *key, const ProtobufCMessage *msg)
{
	uint8_t stack[2048], *buf = stack;
	size_t n;
	int error;
	if ((error = vt_key_check(key)) < 0)
		return error;
	n = protobuf_c_message_get_packed_size(msg);
	if (n > sizeof(stack) && !(buf = malloc(n)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	protobuf_c_message_pack(msg, buf);
	vt_batch_put(b, cf, key->buf, key->len, buf, n);
	if (buf != stack)
		free(buf);
	return 0;
}

int vt_apply_put(vt_apply_ctx *ctx, vt_cf cf, const vt_key *key, const ProtobufCMessage *msg)
{
	return put_packed(ctx->batch, cf, key, msg);
}

int vt_msg_get(vt_store *store, vt_cf cf, const vt_key *key, const ProtobufCMessageDescriptor *desc,
	ProtobufCMessage **out)
{
	char *v = NULL;
	size_t n = 0;
	int error;
	*out = NULL;
	if ((error = vt_key_check(key)) < 0 || (error = vt_store_get(store, cf, key->buf, key->len, &v, &n)) < 0)
		return error;
	*out = protobuf_c_message_unpack(desc, NULL, n, (const uint8_t *)v);
	free(v);
	return *out ? 0 : vt_error_set(VT_ECORRUPT, "%s record in %s does not decode", desc->short_name, vt_cf_name(cf));
}

int vt_msg_put(vt_store *store, vt_cf cf, const vt_key *key, const ProtobufCMessage *msg, int sync)
{
	vt_batch *b = NULL;
	int error;
	if ((error = vt_batch_new(&b, store)) < 0)
		return error;
	if ((error = put_packed(b, cf, key, msg)) == 0)
		error = vt_store_write(store, b, sync);
	vt_batch_free(b);
	return error;
}

int vt_msg_each(vt_store *store, vt_cf cf, const vt_key *prefix, const ProtobufCMessageDescriptor *desc,
	vt_msg_fn fn, void *payload)
{
	return vt_msg_each_from(store, cf, prefix, NULL, desc, fn, payload);
}

int vt_msg_each_from(vt_store *store, vt_cf cf, const vt_key *prefix, const vt_key *from,
	const ProtobufCMessageDescriptor *desc, vt_msg_fn fn, void *payload)
{
	vt_iter *it = NULL;
	int error;
	if ((error = vt_key_check(prefix)) < 0 || (from && (error = vt_key_check(from)) < 0) ||
	    (error = vt_iter_new(&it, store, cf, prefix->buf, prefix->len)) < 0)
		return error;
	if (from)
		vt_iter_seek(it, from->buf, from->len);
	for (; vt_iter_valid(it); vt_iter_next(it)) {
		size_t n;
		const char *v = vt_iter_value(it, &n);
		ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, n, (const uint8_t *)v);
		if (!m) {
			size_t kl;
			(void)vt_iter_key(it, &kl);
			error = vt_error_set(VT_ECORRUPT, "a %s record in %s (key of %zu bytes) does not decode",
				desc->short_name, vt_cf_name(cf), kl);
			break;
		}
		error = fn(payload, m);
		protobuf_c_message_free_unpacked(m, NULL);
		if (error)
			break;
	}
	if (!error)
		error = vt_iter_status(it);
	vt_iter_free(it);
	return error;
}

/* ---- text: every string of a message is valid UTF-8 */

static int text_check(const ProtobufCMessage *m, int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	if (depth > 32)
		return vt_error_set(VT_EINVAL, "%s nests too deep", d->short_name);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *member = (const char *)m + f->offset;
		size_t count = 1;
		const void *const *items = (const void *const *)member;
		if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			if (*(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
				continue; /* not the member that is set */
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			count = *(const size_t *)((const char *)m + f->quantifier_offset);
			items = *(const void *const *const *)member;
		}
		for (size_t j = 0; j < count; j++) {
			const void *v = items[j];
			int error;
			if (!v)
				continue;
			if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
				if ((error = text_check(v, depth + 1)) < 0)
					return error;
			} else if (u8_check(v, strlen(v))) {
				return vt_error_set(VT_EINVAL, "%s.%s is not valid UTF-8", d->short_name, f->name);
			}
		}
	}
	return 0;
}

int vt_msg_text_check(const ProtobufCMessage *msg)
{
	return text_check(msg, 0);
}
