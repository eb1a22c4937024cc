/* Commands of the documents domain (commands.h). */
#include "docs/commands.h"
#include "store/error.h"
#include "store/hash.h"
#include "store/record.h"

#include <string.h>

/* Every command's last step: the event's text is valid UTF-8, then append. */
static int append(vt_log *log, const char *actor, Vanthu__V1__Event *ev, const vt_log_extra *extra,
	size_t nextra, vt_apply_result *res)
{
	int error;
	if ((error = vt_msg_text_check(&ev->base)) < 0)
		return error;
	return vt_log_append_ex(log, actor, ev, extra, nextra, res);
}

static char *text(const char *s)
{
	return (char *)(s ? s : "");
}

int vt_cmd_book_define(vt_log *log, const char *actor, const Vanthu__V1__RegisterBook *book, const char *reason,
	vt_apply_result *res)
{
	Vanthu__V1__BookDefined bd = VANTHU__V1__BOOK_DEFINED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	if (!book)
		return vt_error_set(VT_EINVAL, "define book: no book given");
	bd.book = (Vanthu__V1__RegisterBook *)book;
	ev.kind_case = VANTHU__V1__EVENT__KIND_BOOK_DEFINED;
	ev.book_defined = &bd;
	ev.reason = text(reason);
	return append(log, actor, &ev, NULL, 0, res);
}

int vt_cmd_doc_create(vt_log *log, const char *actor, const Vanthu__V1__DocumentMeta *meta,
	const char *register_book, int accept_duplicate, const char *reason, vt_apply_result *res)
{
	Vanthu__V1__DocumentCreated dc = VANTHU__V1__DOCUMENT_CREATED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	if (!meta)
		return vt_error_set(VT_EINVAL, "create: no document metadata");
	dc.meta = (Vanthu__V1__DocumentMeta *)meta;
	dc.register_book = text(register_book);
	dc.accept_duplicate = accept_duplicate;
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_CREATED;
	ev.document_created = &dc;
	ev.reason = text(reason);
	return append(log, actor, &ev, NULL, 0, res);
}

int vt_cmd_doc_register(vt_log *log, const char *actor, const char *document_id, const char *book,
	int accept_duplicate, const char *reason, vt_apply_result *res)
{
	Vanthu__V1__DocumentRegistered dr = VANTHU__V1__DOCUMENT_REGISTERED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	dr.document_id = text(document_id);
	dr.book = text(book);
	dr.accept_duplicate = accept_duplicate;
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_REGISTERED;
	ev.document_registered = &dr;
	ev.reason = text(reason);
	return append(log, actor, &ev, NULL, 0, res);
}

int vt_cmd_blob_add(vt_log *log, const char *actor, const uint8_t *data, size_t len, const char *media_type,
	const uint8_t *declared, uint8_t sha256[32], vt_apply_result *res)
{
	Vanthu__V1__BlobAdded ba = VANTHU__V1__BLOB_ADDED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	vt_log_extra x;
	char hex[2 * VT_HASH_LEN + 1];
	int already;
	vt_sha256(sha256, data, len);
	if (declared && memcmp(sha256, declared, VT_HASH_LEN) != 0) {
		vt_hex(hex, sha256, VT_HASH_LEN);
		return vt_error_set(VT_EINVAL, "upload: the bytes hash to %s, not the declared hash; nothing stored",
			hex);
	}
	/* The blob and its BlobAdded event go into one synced batch. */
	if ((already = vt_store_blob_has(vt_log_store(log), sha256)) < 0)
		return already;
	x = (vt_log_extra){ VT_CF_BLOB, sha256, VT_HASH_LEN, data, len };
	ba.sha256.data = sha256;
	ba.sha256.len = VT_HASH_LEN;
	ba.size = len;
	ba.media_type = text(media_type);
	ev.kind_case = VANTHU__V1__EVENT__KIND_BLOB_ADDED;
	ev.blob_added = &ba;
	ev.reason = "";
	return append(log, actor, &ev, already ? NULL : &x, already ? 0 : 1, res);
}

int vt_cmd_doc_act(vt_log *log, const char *actor, const Vanthu__V1__DocumentAction *action,
	vt_apply_result *res)
{
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	if (!action || !action->document_id || !*action->document_id)
		return vt_error_set(VT_EINVAL, "act: which document (document_id) and which action?");
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_ACTION;
	ev.document_action = (Vanthu__V1__DocumentAction *)action;
	ev.reason = text(action->comment);
	return append(log, actor, &ev, NULL, 0, res);
}

int vt_cmd_doc_verified(vt_log *log, const char *actor, const Vanthu__V1__DocumentVerified *verified,
	vt_apply_result *res)
{
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	ev.kind_case = VANTHU__V1__EVENT__KIND_DOCUMENT_VERIFIED;
	ev.document_verified = (Vanthu__V1__DocumentVerified *)verified;
	ev.reason = "";
	return append(log, actor, &ev, NULL, 0, res);
}
