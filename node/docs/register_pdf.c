/* Printable register books as PDF (see register_pdf.h). */
#include "docs/register_pdf.h"
#include "store/error.h"
#include "sign/pdf_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistr.h>
#include <zlib.h>

#define PAGE_W 842.0 /* A4 landscape, points */
#define PAGE_H 595.0
#define MARGIN 28.0
#define BOTTOM 36.0  /* rows stay above this; the footer is below */
#define BODY_PT 8.5
#define HEAD_PT 8.0
#define LEAD 1.22    /* line height / font size */
#define PAD 2.5
#define MAX_LINES 160 /* per cell: a summary of 4,096 bytes takes ~75 */
#define MAX_COLS 9

typedef struct column {
	const char *head;
	double width;
} column;

/* The columns of Thông tư 01/2019/TT-BNV (widths sum to PAGE_W - 2 MARGIN). */
static const column incoming_cols[] = {
	{ "Ngày đến", 52 }, { "Số đến", 36 }, { "Tác giả", 110 }, { "Số, ký hiệu", 80 },
	{ "Ngày tháng văn bản", 56 }, { "Tên loại và trích yếu nội dung", 230 },
	{ "Đơn vị hoặc người nhận", 100 }, { "Ký nhận", 50 }, { "Ghi chú", 72 },
};
static const column outgoing_cols[] = {
	{ "Số, ký hiệu văn bản", 80 }, { "Ngày tháng văn bản", 56 }, { "Tên loại và trích yếu nội dung", 220 },
	{ "Người ký", 90 }, { "Nơi nhận văn bản", 120 }, { "Đơn vị, người nhận bản lưu", 90 },
	{ "Số lượng bản", 40 }, { "Ký nhận", 40 }, { "Ghi chú", 50 },
};

struct vt_regpdf {
	vt_pdf_font *font[2]; /* regular, bold */
	char *agency, *node;
	int64_t printed_at;
	/* pages: finished bodies, and the one being written */
	char **page;
	size_t *page_len, npages, cap;
	FILE *cur;
	char *cur_buf;
	size_t cur_len;
	double y;
	/* the book being printed */
	const column *cols;
	size_t ncols;
	char title[600];
	int error;
};

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

int vt_regpdf_new(vt_regpdf **out, const vt_regpdf_opts *o)
{
	vt_regpdf *r = calloc(1, sizeof(*r));
	int error;
	*out = NULL;
	if (!r)
		return vt_error_set(VT_ENOMEM, "out of memory");
	if ((error = vt_pdf_font_open(&r->font[0], o->ttf ? o->ttf : VT_PDF_DEFAULT_TTF)) < 0 ||
	    (error = vt_pdf_font_open(&r->font[1], o->ttf_bold ? o->ttf_bold : VT_PDF_DEFAULT_TTF_BOLD)) < 0) {
		vt_regpdf_free(r);
		return error;
	}
	r->agency = xstrdup(o->agency_name);
	r->node = xstrdup(o->node_id);
	if (o->printed_at)
		r->printed_at = o->printed_at;
	else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		r->printed_at = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	}
	if (!r->agency || !r->node) {
		vt_regpdf_free(r);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	*out = r;
	return 0;
}

static void page_close(vt_regpdf *r)
{
	if (!r->cur)
		return;
	fclose(r->cur);
	r->cur = NULL;
	if (r->npages == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		char **p = realloc(r->page, cap * sizeof(*p));
		size_t *l = p ? realloc(r->page_len, cap * sizeof(*l)) : NULL;
		if (p)
			r->page = p;
		if (!p || !l) {
			free(r->cur_buf);
			r->cur_buf = NULL;
			r->error = vt_error_set(VT_ENOMEM, "out of memory");
			return;
		}
		r->page_len = l;
		r->cap = cap;
	}
	r->page[r->npages] = r->cur_buf;
	r->page_len[r->npages++] = r->cur_len;
	r->cur_buf = NULL;
}

void vt_regpdf_free(vt_regpdf *r)
{
	if (!r)
		return;
	if (r->cur)
		fclose(r->cur);
	free(r->cur_buf);
	for (size_t i = 0; i < r->npages; i++)
		free(r->page[i]);
	free(r->page);
	free(r->page_len);
	vt_pdf_font_free(r->font[0]);
	vt_pdf_font_free(r->font[1]);
	free(r->agency);
	free(r->node);
	free(r);
}

/* ---- drawing */

static void text_at(vt_regpdf *r, int bold, double pt, double x, double y, const char *utf8)
{
	fprintf(r->cur, "BT /F%d %.2f Tf %.2f %.2f Td ", bold + 1, pt, x, y);
	vt_pdf_font_show(r->font[bold], r->cur, utf8);
	fputs(" Tj ET\n", r->cur);
}

static double width_of(vt_regpdf *r, int bold, double pt, const char *utf8)
{
	return vt_pdf_font_width(r->font[bold], utf8) * pt / 1000.0;
}

static void text_centred(vt_regpdf *r, int bold, double pt, double y, const char *utf8)
{
	text_at(r, bold, pt, (PAGE_W - width_of(r, bold, pt, utf8)) / 2, y, utf8);
}

/* Breaks utf8 into lines no wider than width: words, a word wider than the
 * cell by characters, '\n' ends a line. Returns the lines made (malloc'd). */
static size_t wrap(vt_regpdf *r, int bold, double pt, const char *utf8, double width, char **lines, size_t max)
{
	size_t n = 0, len = strlen(utf8), ll = 0;
	char *line = malloc(len + 2), *next = malloc(len + 2); /* the line, and the line with one more word */
	const char *p = utf8, *end = utf8 + len;
	while (line && next && n < max) {
		const char *we;
		size_t wl, take = 0;
		while (p < end && *p == ' ')
			p++;
		if (p == end || *p == '\n') {
			if (ll)
				lines[n++] = strndup(line, ll);
			ll = 0;
			if (p == end)
				break;
			p++;
			continue;
		}
		for (we = p; we < end && *we != ' ' && *we != '\n'; we++)
			;
		wl = (size_t)(we - p);
		memcpy(next, line, ll);
		next[ll] = ' ';
		memcpy(next + ll + (ll ? 1 : 0), p, wl);
		next[ll + (ll ? 1 : 0) + wl] = 0;
		if (width_of(r, bold, pt, next) <= width) {
			char *t = line;
			line = next, next = t;
			ll += (ll ? 1 : 0) + wl;
			p = we;
			continue;
		}
		if (ll) { /* the word starts the next line */
			lines[n++] = strndup(line, ll);
			ll = 0;
			continue;
		}
		/* one word wider than the cell: as many characters as fit (one at least) */
		while (p + take < we) {
			ucs4_t uc;
			int k = u8_mbtouc(&uc, (const uint8_t *)p + take, (size_t)(we - p - take));
			size_t nt = take + (size_t)(k > 0 ? k : 1);
			memcpy(next, p, nt);
			next[nt] = 0;
			if (take && width_of(r, bold, pt, next) > width)
				break;
			take = nt;
		}
		lines[n++] = strndup(p, take);
		p += take;
	}
	free(line);
	free(next);
	/* an allocation failure ends the cell early: never a NULL line */
	for (size_t i = 0; i < n; i++)
		if (!lines[i]) {
			for (size_t j = i + 1; j < n; j++)
				free(lines[j]);
			n = i;
		}
	return n;
}

static int page_new(vt_regpdf *r);

/* One row of cells, texts wrapped. Returns 1 (nothing drawn) if it does
 * not fit and force is not set; with force, a row taller than the rest of
 * the page goes on over the next pages (the heads repeated). */
static int row(vt_regpdf *r, int bold, double pt, const char *const *cells, int force)
{
	char *lines[MAX_COLS][MAX_LINES];
	size_t nl[MAX_COLS], most = 1, start = 0;
	double h;
	for (size_t i = 0; i < r->ncols; i++) {
		nl[i] = wrap(r, bold, pt, cells[i] ? cells[i] : "", r->cols[i].width - 2 * PAD, lines[i], MAX_LINES);
		if (nl[i] > most)
			most = nl[i];
	}
	h = (double)most * pt * LEAD + 2 * PAD;
	if (!force && r->y - h < BOTTOM) {
		for (size_t i = 0; i < r->ncols; i++)
			for (size_t j = 0; j < nl[i]; j++)
				free(lines[i][j]);
		return 1;
	}
	while (start < most && !r->error) {
		size_t fit = r->y - BOTTOM - 2 * PAD > pt * LEAD ? (size_t)((r->y - BOTTOM - 2 * PAD) / (pt * LEAD)) : 1;
		size_t take = most - start < fit ? most - start : fit;
		double x = MARGIN;
		h = (double)take * pt * LEAD + 2 * PAD;
		fprintf(r->cur, "0.5 w 0 G\n");
		for (size_t i = 0; i < r->ncols; i++) {
			fprintf(r->cur, "%.2f %.2f %.2f %.2f re S\n", x, r->y - h, r->cols[i].width, h);
			for (size_t j = start; j < nl[i] && j < start + take; j++) {
				double tx = x + PAD;
				if (bold) /* heads are centred */
					tx = x + (r->cols[i].width - width_of(r, bold, pt, lines[i][j])) / 2;
				text_at(r, bold, pt, tx, r->y - PAD - (double)(j - start + 1) * pt * LEAD + pt * (LEAD - 1),
					lines[i][j]);
			}
			x += r->cols[i].width;
		}
		r->y -= h;
		start += take;
		if (start < most)
			page_new(r);
	}
	for (size_t i = 0; i < r->ncols; i++)
		for (size_t j = 0; j < nl[i]; j++)
			free(lines[i][j]);
	return 0;
}

/* The row of column heads, bold. */
static void column_heads(vt_regpdf *r)
{
	const char *heads[MAX_COLS];
	for (size_t i = 0; i < r->ncols; i++)
		heads[i] = r->cols[i].head;
	row(r, 1, HEAD_PT, heads, 1);
}

/* A fresh page, the previous one kept. */
static int page_open(vt_regpdf *r)
{
	page_close(r);
	if (r->error)
		return r->error;
	if (!(r->cur = open_memstream(&r->cur_buf, &r->cur_len)))
		return r->error = vt_error_set(VT_ENOMEM, "out of memory");
	r->y = PAGE_H - MARGIN;
	return 0;
}

/* The next page of the same book: its title continued, the heads. */
static int page_new(vt_regpdf *r)
{
	char cont[700];
	if (page_open(r) < 0)
		return r->error;
	snprintf(cont, sizeof(cont), "%s (tiếp theo)", r->title);
	text_at(r, 0, 9, MARGIN, r->y - 9, cont);
	r->y -= 18;
	column_heads(r);
	return 0;
}

int vt_regpdf_book(vt_regpdf *r, const Vanthu__V1__RegisterBook *b, uint32_t year)
{
	char line[700];
	int incoming = b->direction == VANTHU__V1__DIRECTION__INCOMING;
	if (r->error)
		return r->error;
	r->cols = incoming ? incoming_cols : outgoing_cols;
	r->ncols = incoming ? sizeof(incoming_cols) / sizeof(incoming_cols[0]) :
		sizeof(outgoing_cols) / sizeof(outgoing_cols[0]);
	if (year)
		snprintf(r->title, sizeof(r->title), "%s — năm %u", b->name, year);
	else
		snprintf(r->title, sizeof(r->title), "%s — mọi năm", b->name);
	if (page_open(r) < 0)
		return r->error;
	text_at(r, 1, 10, MARGIN, r->y - 10, r->agency);
	text_centred(r, 1, 14, r->y - 34, incoming ? "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" : "SỔ ĐĂNG KÝ VĂN BẢN ĐI");
	snprintf(line, sizeof(line), "%s (%s)", r->title, b->id);
	text_centred(r, 0, 10, r->y - 50, line);
	r->y -= 62;
	column_heads(r);
	return r->error;
}

/* dd/mm/yyyy from a µs time (Vietnam) or a YYYY-MM-DD date. */
static void vn_date_us(char out[16], int64_t us)
{
	time_t t = (time_t)(us / 1000000) + 7 * 3600;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 16, "%d/%m/%Y", &tm);
}

static void vn_date(char out[16], const char *iso)
{
	int y, m, d;
	if (sscanf(iso, "%d-%d-%d", &y, &m, &d) == 3)
		snprintf(out, 16, "%02d/%02d/%04d", d, m, y);
	else
		snprintf(out, 16, "%s", iso);
}

static char *join(char *const *v, size_t n)
{
	size_t len = 1;
	char *s;
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 2;
	if (!(s = malloc(len)))
		return NULL;
	s[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, "; ");
		strcat(s, v[i]);
	}
	return s;
}

int vt_regpdf_entry(vt_regpdf *r, const Vanthu__V1__RegisterEntry *e)
{
	char arrived[16], issued[16], num[16], copies[16], *what, *to;
	const char *cells[MAX_COLS];
	size_t wl;
	if (r->error)
		return r->error;
	if (!r->cur)
		return r->error = vt_error_set(VT_EINVAL, "register PDF: an entry before its book");
	vn_date_us(arrived, e->registered_at);
	vn_date(issued, e->issue_date);
	snprintf(num, sizeof(num), "%u", e->number);
	snprintf(copies, sizeof(copies), "%u", e->copies);
	wl = strlen(e->doc_type) + strlen(e->summary) + 4;
	what = malloc(wl);
	to = join(e->recipients, e->n_recipients);
	if (!what || !to) {
		free(what);
		free(to);
		return r->error = vt_error_set(VT_ENOMEM, "out of memory");
	}
	snprintf(what, wl, "%s%s%s", e->doc_type, *e->doc_type ? ": " : "", e->summary);
	if (r->cols == incoming_cols) {
		const char *c[] = { arrived, num, e->issuing_agency, e->number_symbol, issued, what, to, "", e->notes };
		memcpy(cells, c, sizeof(c));
	} else {
		const char *c[] = { e->number_symbol, *e->issue_date ? issued : arrived, what, e->signer, to,
			e->retained_by, e->copies ? copies : "", "", e->notes };
		memcpy(cells, c, sizeof(c));
	}
	if (row(r, 0, BODY_PT, cells, 0) == 1 && page_new(r) == 0)
		row(r, 0, BODY_PT, cells, 1);
	free(what);
	free(to);
	return r->error;
}

/* ---- the file */

typedef struct writer {
	FILE *f;
	size_t *off;
	uint32_t cap;
} writer;

static int begin(void *payload, uint32_t num)
{
	writer *w = payload;
	if (num >= w->cap)
		return vt_error_set(VT_ERROR, "register PDF: object %u out of range", num);
	fflush(w->f);
	w->off[num] = (size_t)ftell(w->f);
	fprintf(w->f, "%u 0 obj\n", num);
	return 0;
}

static void pdf_str(FILE *f, const char *utf8)
{
	/* a text string (§7.9.2.2): UTF-16BE with its BOM, as hex */
	size_t n = 0;
	uint16_t *u = u8_to_u16((const uint8_t *)utf8, strlen(utf8), NULL, &n);
	fputs("<FEFF", f);
	for (size_t i = 0; u && i < n; i++)
		fprintf(f, "%04X", u[i]);
	fputc('>', f);
	free(u);
}

int vt_regpdf_finish(vt_regpdf *r, uint8_t **pdf, size_t *len)
{
	writer w = { NULL, NULL, 0 };
	char *buf = NULL, when[40], foot[400];
	size_t blen = 0, xref;
	uint32_t next, info, size;
	int error = 0;
	*pdf = NULL;
	*len = 0;
	page_close(r);
	if (r->error)
		return r->error;
	if (!r->npages)
		return vt_error_set(VT_EINVAL, "register PDF: no book to print");
	{
		time_t t = (time_t)(r->printed_at / 1000000) + 7 * 3600;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%d/%m/%Y %H:%M (giờ Việt Nam)", &tm);
	}
	/* objects: 1 catalog, 2 pages, 3-4 fonts, then page + contents each,
	 * the info dictionary, the fonts' parts */
	next = 5 + 2 * (uint32_t)r->npages;
	info = next++;
	w.cap = next + 16;
	if (!(w.off = calloc(w.cap, sizeof(*w.off))) || !(w.f = open_memstream(&buf, &blen))) {
		free(w.off);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	fputs("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", w.f);
	begin(&w, 1);
	fputs("<</Type/Catalog/Pages 2 0 R/Lang(vi-VN)>>\nendobj\n", w.f);
	begin(&w, 2);
	fputs("<</Type/Pages/Kids[", w.f);
	for (size_t i = 0; i < r->npages; i++)
		fprintf(w.f, "%s%zu 0 R", i ? " " : "", 5 + 2 * i);
	fprintf(w.f, "]/Count %zu>>\nendobj\n", r->npages);
	for (size_t i = 0; i < r->npages && !error; i++) {
		char *c = NULL;
		size_t cn = 0;
		FILE *cf = open_memstream(&c, &cn);
		uLongf zl;
		uint8_t *z;
		if (!cf) {
			error = vt_error_set(VT_ENOMEM, "out of memory");
			break;
		}
		fwrite(r->page[i], 1, r->page_len[i], cf);
		/* a printout says it comes from the system, which node, when */
		snprintf(foot, sizeof(foot), "In từ hệ thống quản lý văn bản vanthu · nút %s · %s · trang %zu/%zu",
			r->node, when, i + 1, r->npages);
		{
			FILE *save = r->cur;
			r->cur = cf;
			text_at(r, 0, 7.5, MARGIN, 16, foot);
			r->cur = save;
		}
		fclose(cf);
		zl = compressBound((uLong)cn);
		if (!(z = malloc(zl)) || compress2(z, &zl, (const uint8_t *)c, (uLong)cn, 6) != Z_OK) {
			free(z);
			free(c);
			error = vt_error_set(VT_ERROR, "register PDF: deflate failed");
			break;
		}
		begin(&w, 5 + 2 * (uint32_t)i);
		fprintf(w.f, "<</Type/Page/Parent 2 0 R/MediaBox[0 0 %.0f %.0f]/Resources<</Font<</F1 3 0 R/F2 4 0 R>>>>"
			"/Contents %zu 0 R>>\nendobj\n", PAGE_W, PAGE_H, 6 + 2 * i);
		begin(&w, 6 + 2 * (uint32_t)i);
		fprintf(w.f, "<</Filter/FlateDecode/Length %lu>>\nstream\n", (unsigned long)zl);
		fwrite(z, 1, zl, w.f);
		fputs("\nendstream\nendobj\n", w.f);
		free(z);
		free(c);
	}
	if (!error) {
		begin(&w, info);
		fputs("<</Producer(vanthu)/Title", w.f);
		pdf_str(w.f, "Sổ đăng ký văn bản");
		fputs("/Author", w.f);
		pdf_str(w.f, r->agency);
		fputs(">>\nendobj\n", w.f);
	}
	if (!error)
		error = vt_pdf_font_put(r->font[0], w.f, begin, &w, 3, &next);
	if (!error)
		error = vt_pdf_font_put(r->font[1], w.f, begin, &w, 4, &next);
	size = next;
	if (!error && size > w.cap)
		error = vt_error_set(VT_ERROR, "register PDF: too many objects");
	if (!error) {
		fflush(w.f);
		xref = (size_t)ftell(w.f);
		fprintf(w.f, "xref\n0 %u\n0000000000 65535 f\r\n", size);
		for (uint32_t i = 1; i < size; i++)
			fprintf(w.f, "%010zu 00000 n\r\n", w.off[i]);
		fprintf(w.f, "trailer\n<</Size %u/Root 1 0 R/Info %u 0 R>>\nstartxref\n%zu\n%%%%EOF\n", size, info, xref);
	}
	fclose(w.f);
	free(w.off);
	if (error) {
		free(buf);
		return error;
	}
	*pdf = (uint8_t *)buf;
	*len = blen;
	return 0;
}
