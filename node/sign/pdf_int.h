/* Internals shared by the PDF reader (pdf.c) and the incremental-update
 * writer (pdf_write.c): the object model of ISO 32000-1 §7.3 and the parser. */
#ifndef VT_PDF_INT_H
#define VT_PDF_INT_H

#include "sign/pdf.h"

#include <stdint.h>
#include <stdio.h>

/* Hard limits: every buffer and loop has one. */
#define PDF_MAX_DEPTH 64              /* nesting of arrays/dicts */
#define PDF_MAX_OBJNUM 8000000        /* /Size */
#define PDF_MAX_STREAM (64u << 20)    /* one decoded stream */
#define PDF_MAX_DECODED (256u << 20)  /* all decoded streams of one file */
#define PDF_MAX_PREV 4096             /* xref sections in a /Prev chain */
#define PDF_MAX_FIELDS 100000         /* form fields visited */

typedef enum pdf_kind {
	PDF_NULL, PDF_BOOL, PDF_INT, PDF_REAL, PDF_NAME, PDF_STRING, PDF_ARRAY, PDF_DICT,
	PDF_REF, PDF_STREAM,
} pdf_kind;

typedef struct pdf_obj pdf_obj;
struct pdf_obj {
	pdf_kind kind;
	size_t off, end;    /* file offsets of the token, or SIZE_MAX inside an object stream */
	union {
		int b;
		int64_t i;
		double r;
		struct { char *p; size_t len; } s;             /* NAME (no '/'), STRING (decoded) */
		struct { pdf_obj **v; size_t n; } a;           /* ARRAY */
		struct { char **k; pdf_obj **v; size_t n; } d; /* DICT, and a STREAM's dictionary */
		struct { uint32_t num; uint16_t gen; } ref;
	} u;
	size_t sdata, slen; /* STREAM: raw data offset and length in the file */
	const uint8_t *dec; /* STREAM: decoded data once decoded (arena) */
	size_t declen;
};

/* Cross-reference entry (§7.5.4, §7.5.8.3). */
typedef struct pdf_xent {
	uint8_t type;     /* 0 free/unknown, 1 at offset f2, 2 in object stream f2 at index f3 */
	uint8_t state;    /* 0 not parsed, 1 being parsed (cycle guard), 2 parsed */
	uint16_t gen;
	uint64_t f2;
	uint32_t f3;
	pdf_obj *obj;
} pdf_xent;

typedef struct pdf_chunk pdf_chunk;

struct vt_pdf {
	const uint8_t *buf;
	size_t len;
	pdf_chunk *arena;
	size_t decoded;           /* bytes of decoded streams so far */
	pdf_xent *x;
	size_t nx;
	pdf_obj *trailer;         /* newest trailer (or xref stream dictionary) */
	size_t startxref;         /* offset of the newest xref section */
	int newest_is_stream;     /* newest section is an xref stream */
	size_t *rev_end;          /* end offset of each revision (after %%EOF and EOL) */
	size_t nrev;
	vt_pdf_sig *sigs;
	size_t nsigs, capsigs;
};

/* Arena allocation, freed with the document. NULL on failure. */
void *pdf_alloc(vt_pdf *pdf, size_t n);

/* Resolves references (one level chain, bounded); NULL for null/missing. */
pdf_obj *pdf_resolve(vt_pdf *pdf, pdf_obj *o);
/* The object numbered num, parsed on first use; NULL if free or broken
 * (error message set). */
pdf_obj *pdf_get(vt_pdf *pdf, uint32_t num);
/* Dictionary lookup (a STREAM's dictionary too), resolving the value. */
pdf_obj *pdf_dict_get(vt_pdf *pdf, pdf_obj *d, const char *key);
/* The raw (unresolved) value, for copying references. */
pdf_obj *pdf_dict_raw(pdf_obj *d, const char *key);
int pdf_is_name(pdf_obj *o, const char *name);
/* Integer value (REAL truncated) into out; VT_ECORRUPT if not a number. */
int pdf_int(pdf_obj *o, int64_t *out);
/* Decodes a stream's data (FlateDecode with PNG/TIFF predictors, or none)
 * into arena memory. */
int pdf_stream_decode(vt_pdf *pdf, pdf_obj *s, const uint8_t **out, size_t *outlen);

/* The idx-th page (0-based): its object number and dictionary. */
int pdf_page(vt_pdf *pdf, size_t idx, uint32_t *num, pdf_obj **page);

/* Serialises a direct object (references written as "n g R"). */
int pdf_obj_write(FILE *f, const pdf_obj *o);

#endif
