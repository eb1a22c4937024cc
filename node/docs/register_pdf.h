/* Printable register books (sổ đăng ký văn bản đến / đi) as PDF: A4
 * landscape, the columns of Thông tư 01/2019 (REFERENCE.md "Registers"),
 * Vietnamese text in an embedded font subset, every page marked as printed
 * from the system (node, time, page i/N). The "Ký nhận" column is left
 * blank for signatures on paper.
 * uses: sign (PDF text); store (errors); no other docs/ module */
#ifndef VT_REGISTER_PDF_H
#define VT_REGISTER_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "vanthu.pb-c.h"

typedef struct vt_regpdf vt_regpdf;

typedef struct vt_regpdf_opts {
	const char *agency_name;  /* tên cơ quan, top left */
	const char *node_id;      /* printed in the footer */
	int64_t printed_at;       /* µs since epoch; 0: now */
	const char *ttf;          /* NULL: VT_PDF_DEFAULT_TTF */
	const char *ttf_bold;     /* NULL: VT_PDF_DEFAULT_TTF_BOLD */
} vt_regpdf_opts;

int vt_regpdf_new(vt_regpdf **out, const vt_regpdf_opts *o);
void vt_regpdf_free(vt_regpdf *r);

/* Starts a book on a new page (its title, the year, the column heads). */
int vt_regpdf_book(vt_regpdf *r, const Vanthu__V1__RegisterBook *book, uint32_t year);
/* One row; a row that does not fit goes to the next page (heads repeated). */
int vt_regpdf_entry(vt_regpdf *r, const Vanthu__V1__RegisterEntry *e);
/* The whole file (malloc'd). */
int vt_regpdf_finish(vt_regpdf *r, uint8_t **pdf, size_t *len);

#endif
