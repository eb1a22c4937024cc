/* Dispatch of log entries to the apply function of their event kind. */
#include "apply.h"
#include "account.h"
#include "doc.h"
#include "error.h"
#include "exchange.h"
#include "hub.h"
#include "register.h"
#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


typedef int (*apply_fn)(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

static int apply_node_initialized(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e,
	vt_apply_result *res)
{
	const Vanthu__V1__NodeInitialized *n = e->event->node_initialized;
	vt_key k;
	(void)res;
	if (e->seq != 0)
		return vt_error_set(VT_ECONFLICT, "node_initialized at entry %llu: only entry 0 may initialise",
			(unsigned long long)e->seq);
	if (strcmp(n->node_id, ctx->origin) != 0)
		return vt_error_set(VT_EINVAL, "node_initialized names node '%s' in the log of '%s'",
			n->node_id, ctx->origin);
	if (n->public_key.len != 32)
		return vt_error_set(VT_EINVAL, "node_initialized: public key must be 32 bytes");
	if (strcmp(n->role, "unit") != 0 && strcmp(n->role, "hub") != 0)
		return vt_error_set(VT_EINVAL, "node_initialized: role must be unit or hub, not '%s'", n->role);
	vt_key_init(&k, ctx->origin);
	vt_key_u8(&k, VT_ACCT_NODE);
	return vt_apply_put(ctx, VT_CF_ACCOUNT, &k, &n->base);
}

/* One entry per event kind, indexed by the oneof case number. */
static const apply_fn apply_table[] = {
	[VANTHU__V1__EVENT__KIND_NODE_INITIALIZED] = apply_node_initialized,
	[VANTHU__V1__EVENT__KIND_BOOK_DEFINED] = vt_register_apply_book,
	[VANTHU__V1__EVENT__KIND_DOCUMENT_CREATED] = vt_doc_apply_created,
	[VANTHU__V1__EVENT__KIND_DOCUMENT_REGISTERED] = vt_register_apply_registration,
	[VANTHU__V1__EVENT__KIND_BLOB_ADDED] = vt_doc_apply_blob,
	[VANTHU__V1__EVENT__KIND_ACCOUNT_CREATED] = vt_account_apply_created,
	[VANTHU__V1__EVENT__KIND_ACCOUNT_UPDATED] = vt_account_apply_updated,
	[VANTHU__V1__EVENT__KIND_PASSWORD_CHANGED] = vt_account_apply_password,
	[VANTHU__V1__EVENT__KIND_UNIT_DEFINED] = vt_account_apply_unit,
	[VANTHU__V1__EVENT__KIND_DOCUMENT_ACTION] = vt_workflow_apply,
	[VANTHU__V1__EVENT__KIND_DOCUMENT_VERIFIED] = vt_workflow_apply_verified,
	[VANTHU__V1__EVENT__KIND_UNIT_ENROLLED] = vt_hub_apply_enrolled,
	[VANTHU__V1__EVENT__KIND_UNIT_REFUSED] = vt_hub_apply_refused,
	[VANTHU__V1__EVENT__KIND_UNIT_REINSTATED] = vt_hub_apply_reinstated,
	[VANTHU__V1__EVENT__KIND_EXCHANGE_RECEIVED] = vt_exchange_apply_received,
};

int vt_apply(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	unsigned kind;
	if (!e->event)
		return vt_error_set(VT_EINVAL, "entry %llu has no event", (unsigned long long)e->seq);
	kind = (unsigned)e->event->kind_case;
	if (kind >= sizeof(apply_table) / sizeof(apply_table[0]) || !apply_table[kind])
		return vt_error_set(VT_EINVAL, "entry %llu: unknown event kind %u",
			(unsigned long long)e->seq, kind);
	return apply_table[kind](ctx, e, res);
}

uint32_t vt_year_vn(int64_t time_us)
{
	time_t t = (time_t)(time_us / 1000000) + 7 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	return (uint32_t)tm.tm_year + 1900;
}

void vt_date_vn(char out[11], int64_t time_us)
{
	time_t t = (time_t)(time_us / 1000000) + 7 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

int vt_date_ok(const char *s)
{
	int y, m, d;
	char tail;
	return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && y >= 1945 && y <= 9999 &&
		m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

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

int vt_apply_node(vt_apply_ctx *ctx, Vanthu__V1__NodeInitialized **out)
{
	vt_key k;
	vt_key_init(&k, ctx->origin);
	vt_key_u8(&k, VT_ACCT_NODE);
	return vt_apply_get(ctx, VT_CF_ACCOUNT, &k, &vanthu__v1__node_initialized__descriptor, (ProtobufCMessage **)out);
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
	vt_msg_fn fn, void *ctx)
{
	vt_iter *it = NULL;
	int error;
	if ((error = vt_key_check(prefix)) < 0 ||
	    (error = vt_iter_new(&it, store, cf, prefix->buf, prefix->len)) < 0)
		return error;
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
		error = fn(ctx, m);
		protobuf_c_message_free_unpacked(m, NULL);
		if (error)
			break;
	}
	if (!error)
		error = vt_iter_status(it);
	vt_iter_free(it);
	return error;
}
