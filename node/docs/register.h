/* Register books (sổ văn bản đến / đi): books, per-book per-year numbering,
 * register entries and the duplicate warning. Numbers are assigned inside
 * the apply of a log entry, so they are atomic with it: no gaps, no reuse.
 * Registering a document (the transition) is the workflow's, which numbers
 * it here.
 * uses: doc (the apply result), date (docs/); store */
#ifndef VT_REGISTER_H
#define VT_REGISTER_H

#include "store/record.h"
#include "store/store.h"
#include "vanthu.pb-c.h"


/* Applies a BookDefined entry. */
int vt_register_apply_book(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

/* Strings a numbered document borrows until it is saved. */
typedef struct vt_register_scratch {
	char book[64];
	char symbol[160];
} vt_register_scratch;

/* Numbers doc (a shallow copy the caller saves) in book: the next number of
 * the book's year, the register entry, for outgoing the số, ký hiệu; the
 * duplicate check for incoming. Inside an apply. */
int vt_register_number(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, Vanthu__V1__Document *doc,
	const char *book_id, int accept_duplicate, vt_register_scratch *sc, vt_apply_result *res);

/* Reads a book (caller frees with vanthu__v1__register_book__free_unpacked). */
int vt_register_book_get(vt_store *store, const char *origin, const char *book,
	Vanthu__V1__RegisterBook **out);

typedef int (*vt_register_book_fn)(void *payload, const Vanthu__V1__RegisterBook *book);
int vt_register_books(vt_store *store, const char *origin, vt_register_book_fn fn, void *payload);

/* Calls fn for each entry of book in year (year 0: all years), in number order. */
typedef int (*vt_register_entry_fn)(void *payload, const Vanthu__V1__RegisterEntry *entry);
int vt_register_entries(vt_store *store, const char *origin, const char *book, uint32_t year,
	vt_register_entry_fn fn, void *payload);

/* The last number given in book for year (0 if none). */
int vt_register_last_number(vt_store *store, const char *origin, const char *book, uint32_t year,
	uint32_t *out);

/* Normalises a số/ký hiệu or agency for duplicate detection (Unicode NFC,
 * upper case, white space removed) into out (cap bytes, cut at a character
 * boundary). */
void vt_register_normalize(char *out, size_t cap, const char *in);

#endif
