/* Documents: creation with the metadata of both register books, lookup. */
#ifndef VT_DOC_H
#define VT_DOC_H

#include "store/record.h"
#include "store/store.h"
#include "vanthu.pb-c.h"

#define VT_ID_MAX 300

/* What an apply derived, returned to the appender (record.h declares it;
 * the log passes it through without reading it). */
struct vt_apply_result {
	uint64_t seq;                /* the entry's position and time */
	int64_t time;
	char document_id[VT_ID_MAX]; /* document created or registered */
	uint32_t year;               /* register year */
	uint32_t number;             /* số đến / số đi assigned */
	char number_symbol[160];     /* outgoing: assigned số, ký hiệu */
	char duplicate_of[VT_ID_MAX]; /* registered although it duplicates this one */
};

int vt_doc_apply_created(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);
/* A new document from meta in entry e (from/source: the sending node and
 * its document id, for one that came through the exchange; else NULL). */
int vt_doc_create(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, Vanthu__V1__DocumentMeta *m,
	const char *from, const char *source, vt_apply_result *res);
int vt_doc_apply_blob(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

/* Document ids are "<origin>/<seq of the creating entry>". */
int vt_doc_id_parse(const char *id, const char *origin, uint64_t *seq);
void vt_doc_key(vt_key *k, const char *origin, uint64_t seq);

int vt_doc_get(vt_store *store, const char *origin, const char *id, Vanthu__V1__Document **out);

/* Calls fn with each document of origin in creation order; stops at the
 * first non-zero return of fn (and returns it). The document is freed
 * after fn returns. */
typedef int (*vt_doc_fn)(void *payload, const Vanthu__V1__Document *d);
int vt_doc_each(vt_store *store, const char *origin, vt_doc_fn fn, void *payload);
/* The same from the first document created after after_seq (0: all). */
int vt_doc_each_after(vt_store *store, const char *origin, uint64_t after_seq, vt_doc_fn fn, void *payload);

/* Loads/saves a document inside an apply (read-your-writes). */
int vt_doc_load(vt_apply_ctx *ctx, const char *id, Vanthu__V1__Document **out);
int vt_doc_save(vt_apply_ctx *ctx, const Vanthu__V1__Document *doc);

#endif
