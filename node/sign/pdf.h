/* A small PDF reader and incremental-update writer, enough for signatures
 * (ISO 32000-1 §7.5 file structure, §12.7 forms, §12.8 digital signatures).
 * Reading is bounded: nothing outside the caller's buffer is ever touched. */
#ifndef VT_PDF_H
#define VT_PDF_H

#include <stddef.h>
#include <stdint.h>

typedef struct vt_pdf vt_pdf;

/* A signature dictionary found through the AcroForm (a field with /FT /Sig
 * and a /V). Strings are UTF-8 (decoded from PDFDocEncoding or UTF-16BE),
 * NULL when absent. Owned by the vt_pdf. */
typedef struct vt_pdf_sig {
	char *field;              /* fully qualified field name */
	char *subfilter;          /* "ETSI.CAdES.detached", "adbe.pkcs7.detached", ... */
	char *reason, *name, *location, *m; /* /M is the raw "D:..." date */
	int64_t br[4];            /* /ByteRange */
	int nbr;                  /* number of /ByteRange entries (valid: 4) */
	size_t contents_off;      /* offset of /Contents' '<' in the file, 0 if unknown */
	size_t contents_end;      /* offset after its '>' */
	const uint8_t *contents;  /* decoded /Contents (DER, zero padded) */
	size_t contents_len;
	uint32_t objnum;          /* object number of the signature dictionary (0: direct) */
	int revision;             /* 1-based revision ending at br[2]+br[3]; 0 if none does */
} vt_pdf_sig;

/* Parses the document in buf (borrowed: it must outlive the vt_pdf).
 * VT_ECORRUPT with a message naming the offset when the file is broken. */
int vt_pdf_open(vt_pdf **out, const uint8_t *buf, size_t len);
void vt_pdf_free(vt_pdf *pdf);

/* Revisions: each ends after a %%EOF marker (and its end-of-line). */
size_t vt_pdf_revision_count(const vt_pdf *pdf);
size_t vt_pdf_revision_end(const vt_pdf *pdf, size_t i);

size_t vt_pdf_sig_count(const vt_pdf *pdf);
const vt_pdf_sig *vt_pdf_sig_get(const vt_pdf *pdf, size_t i);

/* Number of pages (walks the page tree). */
int vt_pdf_page_count(vt_pdf *pdf, size_t *out);

/* The page's /MediaBox [x1 y1 x2 y2] (inherited through /Parent); A4 when absent. */
int vt_pdf_page_box(vt_pdf *pdf, size_t page, double box[4]);

/* ---- writing: a signature field as an incremental update */

/* Visible appearance of a signature widget (all optional). */
typedef struct vt_pdf_appearance {
	const uint8_t *rgba;      /* image, width*height RGBA (alpha becomes /SMask) */
	uint32_t width, height;
	const char *lines[4];     /* text lines, UTF-8 */
	double font_size;         /* 0: 10 pt */
	float text_rgb[3];
	int text_only_font_times; /* Times-Roman instead of Helvetica (no ttf) */
	const char *ttf;          /* TrueType font to embed (subset, Identity-H),
				   * e.g. Liberation Serif for Times New Roman;
				   * NULL or unreadable: a standard Type1 font,
				   * Vietnamese shown without diacritics */
} vt_pdf_appearance;

typedef struct vt_pdf_sigspec {
	const char *field_name;   /* UTF-8; NULL: "Signature<n>" */
	const char *reason, *name, *location; /* UTF-8, written as UTF-16BE with BOM */
	int64_t time;             /* /M, seconds since the epoch; 0: now */
	const char *subfilter;    /* NULL: "ETSI.CAdES.detached" */
	size_t contents_cap;      /* bytes reserved for the CMS; 0: 16 KiB */
	size_t page;              /* 0-based page of the widget */
	double rect[4];           /* widget rectangle in points; all 0: invisible */
	const vt_pdf_appearance *ap;
} vt_pdf_sigspec;

/* Builds buf + an incremental update adding a signature field with an
 * empty /Contents gap. *out (malloc'd, the caller frees) is the new file;
 * br is its /ByteRange already written into it. */
int vt_pdf_prepare_sig(uint8_t **out, size_t *outlen, int64_t br[4], vt_pdf *pdf,
	const vt_pdf_sigspec *spec);

/* Writes der as hex into the /Contents gap of a prepared file.
 * VT_ETOOBIG if it does not fit. */
int vt_pdf_fill_contents(uint8_t *file, size_t len, const int64_t br[4], const uint8_t *der,
	size_t derlen);

#endif
