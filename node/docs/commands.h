/* Commands of the documents domain: one function per event kind, which
 * checks its input, builds the event and appends it. The services, the
 * offline CLI and the hub call these, so every front door writes the same
 * events (the apply functions check state inside the append).
 * uses: store (log, record), docs (the apply functions read what these write) */
#ifndef VT_COMMANDS_H
#define VT_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "docs/doc.h"
#include "store/log.h"
#include "vanthu.pb-c.h"

/* BookDefined: a register book (sổ) defined or changed. */
int vt_cmd_book_define(vt_log *log, const char *actor, const Vanthu__V1__RegisterBook *book, const char *reason,
	vt_apply_result *res);

/* DocumentCreated: a document received or drafted; with register_book
 * ("" for none) received and registered in one step. */
int vt_cmd_doc_create(vt_log *log, const char *actor, const Vanthu__V1__DocumentMeta *meta,
	const char *register_book, int accept_duplicate, const char *reason, vt_apply_result *res);

/* DocumentRegistered: a received document entered in a register book. */
int vt_cmd_doc_register(vt_log *log, const char *actor, const char *document_id, const char *book,
	int accept_duplicate, const char *reason, vt_apply_result *res);

/* BlobAdded: a file stored, content-addressed, in the batch of its event
 * (unless the node has it already). declared (NULL: none) is the hash the
 * sender named: other bytes are refused and nothing is stored. The file's
 * hash goes to sha256. */
int vt_cmd_blob_add(vt_log *log, const char *actor, const uint8_t *data, size_t len, const char *media_type,
	const uint8_t *declared, uint8_t sha256[32], vt_apply_result *res);

/* DocumentAction: one step of a workflow (the comment is the reason). */
int vt_cmd_doc_act(vt_log *log, const char *actor, const Vanthu__V1__DocumentAction *action,
	vt_apply_result *res);

/* DocumentVerified: the result of checking a document's signatures. */
int vt_cmd_doc_verified(vt_log *log, const char *actor, const Vanthu__V1__DocumentVerified *verified,
	vt_apply_result *res);

#endif
