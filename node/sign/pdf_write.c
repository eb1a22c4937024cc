/* Incremental updates (ISO 32000-1 §7.5.6) adding a signature field, its
 * widget and /Sig dictionary (§12.7.4.5, §12.8.1) with a /Contents gap. */
#include "sign/pdf_int.h"
#include "store/error.h"
#include "sign/pdf_text.h"

#include <uninorm.h>
#include <unistr.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define BR_WIDTH 48 /* "[0 a b c]" padded with spaces to this width */

/* ---- serialising objects */

static void write_name(FILE *f, const char *n)
{
	fputc('/', f);
	for (const unsigned char *p = (const unsigned char *)n; *p; p++) {
		if (*p < 0x21 || *p > 0x7e || *p == '#' || strchr("()<>[]{}/%", *p))
			fprintf(f, "#%02X", *p);
		else
			fputc(*p, f);
	}
}

static void write_hexstr(FILE *f, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	fputc('<', f);
	for (size_t i = 0; i < n; i++) {
		fputc(hx[p[i] >> 4], f);
		fputc(hx[p[i] & 15], f);
	}
	fputc('>', f);
}

static void write_real(FILE *f, double r)
{
	char b[64];
	size_t n;
	snprintf(b, sizeof(b), "%.4f", r);
	n = strlen(b);
	while (n > 1 && b[n - 1] == '0')
		b[--n] = 0;
	if (n > 1 && b[n - 1] == '.')
		b[--n] = 0;
	fputs(strcmp(b, "-0") == 0 ? "0" : b, f);
}

int pdf_obj_write(FILE *f, const pdf_obj *o)
{
	int err;
	switch (o->kind) {
	case PDF_NULL: fputs("null", f); break;
	case PDF_BOOL: fputs(o->u.b ? "true" : "false", f); break;
	case PDF_INT: fprintf(f, "%lld", (long long)o->u.i); break;
	case PDF_REAL: write_real(f, o->u.r); break;
	case PDF_NAME: write_name(f, o->u.s.p); break;
	case PDF_STRING: write_hexstr(f, (const uint8_t *)o->u.s.p, o->u.s.len); break;
	case PDF_REF: fprintf(f, "%u %u R", o->u.ref.num, o->u.ref.gen); break;
	case PDF_ARRAY:
		fputc('[', f);
		for (size_t i = 0; i < o->u.a.n; i++) {
			if (i)
				fputc(' ', f);
			if ((err = pdf_obj_write(f, o->u.a.v[i])) < 0)
				return err;
		}
		fputc(']', f);
		break;
	case PDF_DICT:
		fputs("<<", f);
		for (size_t i = 0; i < o->u.d.n; i++) {
			write_name(f, o->u.d.k[i]);
			fputc(' ', f);
			if ((err = pdf_obj_write(f, o->u.d.v[i])) < 0)
				return err;
		}
		fputs(">>", f);
		break;
	case PDF_STREAM:
		return vt_error_set(VT_EINVAL, "PDF: cannot rewrite a stream object");
	}
	return 0;
}

/* ---- building objects in the arena */

static pdf_obj *mk(vt_pdf *pdf, pdf_kind k)
{
	pdf_obj *o = pdf_alloc(pdf, sizeof(*o));
	if (o) {
		o->kind = k;
		o->off = o->end = SIZE_MAX;
	}
	return o;
}

static pdf_obj *mk_ref(vt_pdf *pdf, uint32_t num)
{
	pdf_obj *o = mk(pdf, PDF_REF);
	if (o)
		o->u.ref.num = num;
	return o;
}

static pdf_obj *mk_int(vt_pdf *pdf, int64_t v)
{
	pdf_obj *o = mk(pdf, PDF_INT);
	if (o)
		o->u.i = v;
	return o;
}

/* A copy of dict d (or an empty dict) with key set to v. */
static pdf_obj *dict_with(vt_pdf *pdf, const pdf_obj *d, const char *key, pdf_obj *v)
{
	size_t n = d ? d->u.d.n : 0, j = 0;
	pdf_obj *o = mk(pdf, PDF_DICT);
	if (!o || !v || !(o->u.d.k = pdf_alloc(pdf, (n + 1) * sizeof(char *))) ||
	    !(o->u.d.v = pdf_alloc(pdf, (n + 1) * sizeof(pdf_obj *))))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(d->u.d.k[i], key) == 0)
			continue;
		o->u.d.k[j] = d->u.d.k[i];
		o->u.d.v[j++] = d->u.d.v[i];
	}
	o->u.d.k[j] = (char *)key;
	o->u.d.v[j++] = v;
	o->u.d.n = j;
	return o;
}

/* A copy of array a (or an empty array) with v appended. */
static pdf_obj *array_with(vt_pdf *pdf, const pdf_obj *a, pdf_obj *v)
{
	size_t n = a ? a->u.a.n : 0;
	pdf_obj *o = mk(pdf, PDF_ARRAY);
	if (!o || !v || !(o->u.a.v = pdf_alloc(pdf, (n + 1) * sizeof(pdf_obj *))))
		return NULL;
	if (n)
		memcpy(o->u.a.v, a->u.a.v, n * sizeof(pdf_obj *));
	o->u.a.v[n] = v;
	o->u.a.n = n + 1;
	return o;
}

/* ---- text */

/* UTF-8 as a UTF-16BE text string with BOM (§7.9.2.2). */
static void write_text(FILE *f, const char *utf8)
{
	size_t n = 0;
	uint16_t *u = u8_to_u16((const uint8_t *)utf8, strlen(utf8), NULL, &n);
	uint8_t *b;
	if (!u || !(b = malloc(2 * n + 2))) {
		free(u);
		fputs("()", f);
		return;
	}
	b[0] = 0xFE;
	b[1] = 0xFF;
	for (size_t i = 0; i < n; i++) {
		b[2 + 2 * i] = (uint8_t)(u[i] >> 8);
		b[3 + 2 * i] = (uint8_t)u[i];
	}
	write_hexstr(f, b, 2 * n + 2);
	free(b);
	free(u);
}

/* Text for the standard 14 fonts (WinAnsi): Vietnamese letters lose their
 * diacritics (NFD, combining marks dropped, đ -> d); the rest becomes '?'. */
static void write_ansi_text(FILE *f, const char *utf8)
{
	size_t n = 0;
	uint8_t *d = u8_normalize(UNINORM_NFD, (const uint8_t *)utf8, strlen(utf8), NULL, &n);
	const uint8_t *p = d, *end = d + (d ? n : 0);
	fputc('(', f);
	while (p && p < end) {
		ucs4_t c;
		int k = u8_mbtouc(&c, p, (size_t)(end - p));
		p += k > 0 ? k : 1;
		if (c >= 0x300 && c <= 0x36f)
			continue;
		if (c == 0x111 || c == 0x110)
			c = c == 0x111 ? 'd' : 'D';
		if (c == '(' || c == ')' || c == '\\')
			fprintf(f, "\\%c", (int)c);
		else if (c >= 0x20 && c < 0x7f)
			fputc((int)c, f);
		else if (c >= 0xa0 && c <= 0xff)
			fprintf(f, "\\%03o", (unsigned)c);
		else
			fputc('?', f);
	}
	fputc(')', f);
	free(d);
}

static void pdf_date(char *out, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, cap, "D:%Y%m%d%H%M%SZ", &tm);
}

/* ---- the update */

typedef struct upd {
	vt_pdf *pdf;
	FILE *f;
	uint32_t num[16];
	uint16_t gen[16];
	size_t off[16];
	size_t n;
	size_t base;
} upd;

static int begin_obj(upd *u, uint32_t num, uint16_t gen)
{
	if (u->n == 16)
		return vt_error_set(VT_ERROR, "PDF: too many objects in one update");
	for (size_t i = 0; i < u->n; i++)
		if (u->num[i] == num)
			return vt_error_set(VT_ECORRUPT, "PDF: object %u plays two parts (page, catalog, form or "
				"annotation list); the file is malformed", num);
	fflush(u->f);
	u->num[u->n] = num;
	u->gen[u->n] = gen;
	u->off[u->n++] = (size_t)ftell(u->f);
	fprintf(u->f, "%u %u obj\n", num, gen);
	return 0;
}

static int put_obj(upd *u, uint32_t num, const pdf_obj *o)
{
	int err;
	uint16_t gen = num < u->pdf->nx && u->pdf->x[num].type == 1 ? u->pdf->x[num].gen : 0;
	if ((err = begin_obj(u, num, gen)) < 0 || (err = pdf_obj_write(u->f, o)) < 0)
		return err;
	fputs("\nendobj\n", u->f);
	return 0;
}

static int put_stream(upd *u, uint32_t num, const char *dict, const uint8_t *data, size_t len)
{
	int err;
	if ((err = begin_obj(u, num, 0)) < 0)
		return err;
	fprintf(u->f, "<<%s/Length %zu>>\nstream\n", dict, len);
	fwrite(data, 1, len, u->f);
	fputs("\nendstream\nendobj\n", u->f);
	return 0;
}

static int put_deflated(upd *u, uint32_t num, const char *dict, const uint8_t *data, size_t len)
{
	uLongf zl = compressBound((uLong)len);
	uint8_t *z = malloc(zl);
	char d[512];
	int err;
	if (!z)
		return vt_error_set(VT_ENOMEM, "PDF: out of memory");
	if (compress2(z, &zl, data, (uLong)len, 6) != Z_OK) {
		free(z);
		return vt_error_set(VT_ERROR, "PDF: deflate failed");
	}
	snprintf(d, sizeof(d), "%s/Filter/FlateDecode", dict);
	err = put_stream(u, num, d, z, zl);
	free(z);
	return err;
}

/* The font writer of pdf_text.c starts its objects through the update. */
static int begin_cb(void *ctx, uint32_t num)
{
	return begin_obj(ctx, num, 0);
}

/* Appearance: image (with /SMask) scaled to the box, text lines over it. */
static int put_appearance(upd *u, uint32_t *next, uint32_t apnum, const vt_pdf_sigspec *s)
{
	const vt_pdf_appearance *ap = s->ap;
	double w = s->rect[2] - s->rect[0], h = s->rect[3] - s->rect[1];
	double fs = ap->font_size > 0 ? ap->font_size : 10;
	uint32_t img = 0, mask = 0, font = (*next)++;
	char *cs = NULL, res[256], dict[640];
	size_t csn = 0;
	FILE *c;
	int err = 0, tt = 0;
	vt_pdf_font *ttx = NULL;
	if (ap->ttf && vt_pdf_font_open(&ttx, ap->ttf) == 0)
		tt = 1;
	if (ap->rgba && ap->width && ap->height) {
		size_t np = (size_t)ap->width * ap->height;
		uint8_t *rgb = malloc(np * 3), *a = malloc(np);
		if (!rgb || !a) {
			free(rgb);
			free(a);
			return vt_error_set(VT_ENOMEM, "PDF: out of memory");
		}
		for (size_t i = 0; i < np; i++) {
			memcpy(rgb + 3 * i, ap->rgba + 4 * i, 3);
			a[i] = ap->rgba[4 * i + 3];
		}
		img = (*next)++;
		mask = (*next)++;
		snprintf(dict, sizeof(dict), "/Type/XObject/Subtype/Image/Width %u/Height %u/ColorSpace/DeviceGray"
			"/BitsPerComponent 8", ap->width, ap->height);
		err = put_deflated(u, mask, dict, a, np);
		snprintf(dict, sizeof(dict), "/Type/XObject/Subtype/Image/Width %u/Height %u/ColorSpace/DeviceRGB"
			"/BitsPerComponent 8/SMask %u 0 R", ap->width, ap->height, mask);
		if (err == 0)
			err = put_deflated(u, img, dict, rgb, np * 3);
		free(rgb);
		free(a);
		if (err < 0)
			return err;
	}
	if (!(c = open_memstream(&cs, &csn)))
		return vt_error_set(VT_ENOMEM, "PDF: out of memory");
	if (img) {
		fputs("q ", c);
		write_real(c, w);
		fputs(" 0 0 ", c);
		write_real(c, h);
		fputs(" 0 0 cm /Im1 Do Q\n", c);
	}
	for (int i = 0; i < 4; i++) {
		if (!ap->lines[i])
			continue;
		fprintf(c, "BT /F1 ");
		write_real(c, fs);
		fprintf(c, " Tf %.3f %.3f %.3f rg 2 ", ap->text_rgb[0], ap->text_rgb[1], ap->text_rgb[2]);
		write_real(c, h - (i + 1) * fs * 1.2);
		fputs(" Td ", c);
		if (tt)
			vt_pdf_font_show(ttx, c, ap->lines[i]);
		else
			write_ansi_text(c, ap->lines[i]);
		fputs(" Tj ET\n", c);
	}
	fclose(c);
	if (tt)
		err = vt_pdf_font_put(ttx, u->f, begin_cb, u, font, next);
	else if ((err = begin_obj(u, font, 0)) == 0)
		fprintf(u->f, "<</Type/Font/Subtype/Type1/BaseFont/%s/Encoding/WinAnsiEncoding>>\nendobj\n",
			ap->text_only_font_times ? "Times-Roman" : "Helvetica");
	if (err < 0)
		goto out;
	snprintf(res, sizeof(res), "/Resources<</Font<</F1 %u 0 R>>", font);
	if (img)
		snprintf(res + strlen(res), sizeof(res) - strlen(res), "/XObject<</Im1 %u 0 R>>", img);
	snprintf(dict, sizeof(dict), "/Type/XObject/Subtype/Form/BBox[0 0 %.2f %.2f]%s>>", w, h, res);
	err = put_stream(u, apnum, dict, (const uint8_t *)cs, csn);
out:
	vt_pdf_font_free(ttx);
	free(cs);
	return err;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Cross-reference section and trailer for the objects written (§7.5.4-5, §7.5.8). */
static void put_xref(upd *u, uint32_t size, size_t prev)
{
	vt_pdf *pdf = u->pdf;
	pdf_obj *root = pdf_dict_raw(pdf->trailer, "Root"), *info = pdf_dict_raw(pdf->trailer, "Info");
	pdf_obj *id = pdf_dict_raw(pdf->trailer, "ID");
	uint32_t order[17];
	size_t n = u->n, xoff;
	int stream = pdf->newest_is_stream;
	uint32_t xnum = stream ? size++ : 0;
	fflush(u->f);
	xoff = (size_t)ftell(u->f);
	if (stream) {
		u->num[n] = xnum;
		u->gen[n] = 0;
		u->off[n++] = xoff;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = u->num[i];
	qsort(order, n, sizeof(order[0]), cmp_u32);
	if (stream)
		fprintf(u->f, "%u 0 obj\n<</Type/XRef/Size %u/W[1 4 2]/Index[", xnum, size);
	else
		fputs("xref\n", u->f);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && order[j + 1] == order[j] + 1)
			j++;
		if (stream)
			fprintf(u->f, "%s%u %zu", i ? " " : "", order[i], j - i + 1);
		else {
			fprintf(u->f, "%u %zu\n", order[i], j - i + 1);
			for (size_t k = i; k <= j; k++)
				for (size_t m = 0; m < n; m++)
					if (u->num[m] == order[k])
						fprintf(u->f, "%010zu %05u n\r\n", u->off[m], u->gen[m]);
		}
		i = j + 1;
	}
	if (stream)
		fprintf(u->f, "]/Length %zu", n * 7);
	else
		fprintf(u->f, "trailer\n<</Size %u", size);
	fputs("/Root ", u->f);
	pdf_obj_write(u->f, root);
	if (info) {
		fputs("/Info ", u->f);
		pdf_obj_write(u->f, info);
	}
	if (id && id->kind == PDF_ARRAY) {
		fputs("/ID", u->f);
		pdf_obj_write(u->f, id);
	}
	fprintf(u->f, "/Prev %zu>>\n", prev);
	if (stream) {
		fputs("stream\n", u->f);
		for (size_t k = 0; k < n; k++)
			for (size_t m = 0; m < n; m++)
				if (u->num[m] == order[k]) {
					uint8_t e[7] = { 1, (uint8_t)(u->off[m] >> 24), (uint8_t)(u->off[m] >> 16),
						(uint8_t)(u->off[m] >> 8), (uint8_t)u->off[m], (uint8_t)(u->gen[m] >> 8),
						(uint8_t)u->gen[m] };
					fwrite(e, 1, 7, u->f);
				}
		fputs("\nendstream\nendobj\n", u->f);
	}
	fprintf(u->f, "startxref\n%zu\n%%%%EOF\n", xoff);
}

int vt_pdf_prepare_sig(uint8_t **out, size_t *outlen, int64_t br[4], vt_pdf *pdf, const vt_pdf_sigspec *spec)
{
	upd u = { pdf, NULL, { 0 }, { 0 }, { 0 }, 0, 0 };
	char *buf = NULL, date[32], fname[64];
	size_t len = 0, br_off = 0, lt = 0, gt = 0, cap = spec->contents_cap ? spec->contents_cap : 16384;
	pdf_obj *rootraw = pdf_dict_raw(pdf->trailer, "Root"), *root = pdf_resolve(pdf, rootraw);
	pdf_obj *page = NULL, *acroraw, *acro, *fieldsraw, *fields, *annotsraw, *annots, *o;
	uint32_t pagenum = 0, next, signum, widnum, apnum = 0;
	int64_t size = 0;
	int visible = spec->rect[2] > spec->rect[0] && spec->rect[3] > spec->rect[1];
	int err = 0;
	*out = NULL;
	*outlen = 0;
	if (!rootraw || rootraw->kind != PDF_REF || !root || root->kind != PDF_DICT)
		return vt_error_set(VT_ECORRUPT, "PDF: the trailer's /Root is not a reference to a catalog");
	if (pdf_dict_raw(pdf->trailer, "Encrypt"))
		return vt_error_set(VT_EINVAL, "PDF: encrypted documents cannot be signed here (decrypt them first)");
	if (pdf_int(pdf_dict_get(pdf, pdf->trailer, "Size"), &size) < 0 || size < 1)
		return vt_error_set(VT_ECORRUPT, "PDF: the trailer has no /Size");
	if (cap > (1u << 20))
		return vt_error_set(VT_EINVAL, "PDF: signature gap over 1 MiB");
	if ((err = pdf_page(pdf, spec->page, &pagenum, &page)) < 0)
		return err;
	next = (uint32_t)((size_t)size > pdf->nx ? (size_t)size : pdf->nx);
	signum = next++;
	widnum = next++;
	if (visible)
		apnum = next++;
	if (!(u.f = open_memstream(&buf, &len)))
		return vt_error_set(VT_ENOMEM, "PDF: out of memory");
	fwrite(pdf->buf, 1, pdf->len, u.f);
	if (pdf->len && pdf->buf[pdf->len - 1] != '\n' && pdf->buf[pdf->len - 1] != '\r')
		fputc('\n', u.f);

	/* the signature dictionary, with placeholders */
	pdf_date(date, sizeof(date), spec->time ? spec->time : (int64_t)time(NULL));
	if ((err = begin_obj(&u, signum, 0)) < 0)
		goto out;
	fprintf(u.f, "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/%s/M(%s)",
		spec->subfilter ? spec->subfilter : "ETSI.CAdES.detached", date);
	if (spec->reason) {
		fputs("/Reason", u.f);
		write_text(u.f, spec->reason);
	}
	if (spec->name) {
		fputs("/Name", u.f);
		write_text(u.f, spec->name);
	}
	if (spec->location) {
		fputs("/Location", u.f);
		write_text(u.f, spec->location);
	}
	fputs("/ByteRange", u.f);
	fflush(u.f);
	br_off = (size_t)ftell(u.f);
	fprintf(u.f, "%*s/Contents", BR_WIDTH, "");
	fflush(u.f);
	lt = (size_t)ftell(u.f);
	fputc('<', u.f);
	for (size_t i = 0; i < 2 * cap; i++)
		fputc('0', u.f);
	fputc('>', u.f);
	fflush(u.f);
	gt = (size_t)ftell(u.f);
	fputs(">>\nendobj\n", u.f);

	/* the field, merged with its widget */
	if ((err = begin_obj(&u, widnum, 0)) < 0)
		goto out;
	snprintf(fname, sizeof(fname), "Signature%u", signum);
	fprintf(u.f, "<</Type/Annot/Subtype/Widget/FT/Sig/F 132/T");
	write_text(u.f, spec->field_name ? spec->field_name : fname);
	fprintf(u.f, "/V %u 0 R/P %u 0 R/Rect[", signum, pagenum);
	for (int i = 0; i < 4; i++) {
		if (i)
			fputc(' ', u.f);
		write_real(u.f, visible ? spec->rect[i] : 0);
	}
	fputc(']', u.f);
	if (visible)
		fprintf(u.f, "/AP<</N %u 0 R>>", apnum);
	fputs(">>\nendobj\n", u.f);
	if (visible) {
		static const vt_pdf_appearance none;
		vt_pdf_sigspec s2 = *spec;
		if (!s2.ap)
			s2.ap = &none;
		if ((err = put_appearance(&u, &next, apnum, &s2)) < 0)
			goto out;
	}

	/* the page's /Annots */
	annotsraw = pdf_dict_raw(page, "Annots");
	annots = pdf_resolve(pdf, annotsraw);
	if (annots && annots->kind != PDF_ARRAY)
		annots = NULL;
	if (!(o = array_with(pdf, annots, mk_ref(pdf, widnum))))
		goto nomem;
	if (annotsraw && annotsraw->kind == PDF_REF && annots)
		err = put_obj(&u, annotsraw->u.ref.num, o);
	else if (!(o = dict_with(pdf, page, "Annots", o)))
		goto nomem;
	else
		err = put_obj(&u, pagenum, o);
	if (err < 0)
		goto out;

	/* the AcroForm's /Fields and /SigFlags (signatures exist, append only) */
	acroraw = pdf_dict_raw(root, "AcroForm");
	acro = pdf_resolve(pdf, acroraw);
	if (acro && acro->kind != PDF_DICT)
		acro = NULL;
	fieldsraw = pdf_dict_raw(acro, "Fields");
	fields = pdf_resolve(pdf, fieldsraw);
	if (fields && fields->kind != PDF_ARRAY)
		fields = NULL;
	if (!(o = array_with(pdf, fields, mk_ref(pdf, widnum))))
		goto nomem;
	if (fieldsraw && fieldsraw->kind == PDF_REF && fields) {
		if ((err = put_obj(&u, fieldsraw->u.ref.num, o)) < 0)
			goto out;
		o = fieldsraw;
	}
	if (!(acro = dict_with(pdf, acro, "Fields", o)) || !(acro = dict_with(pdf, acro, "SigFlags", mk_int(pdf, 3))))
		goto nomem;
	if (acroraw && acroraw->kind == PDF_REF && pdf_resolve(pdf, acroraw))
		err = put_obj(&u, acroraw->u.ref.num, acro);
	else if (!(o = dict_with(pdf, root, "AcroForm", acro)))
		goto nomem;
	else
		err = put_obj(&u, rootraw->u.ref.num, o);
	if (err < 0)
		goto out;

	put_xref(&u, next, pdf->startxref);
	if (fclose(u.f) != 0) {
		u.f = NULL;
		err = vt_error_set(VT_ENOMEM, "PDF: out of memory");
		goto out;
	}
	u.f = NULL;
	br[0] = 0;
	br[1] = (int64_t)lt;
	br[2] = (int64_t)gt;
	br[3] = (int64_t)(len - gt);
	{
		char tmp[BR_WIDTH + 1];
		int n = snprintf(tmp, sizeof(tmp), "[0 %lld %lld %lld]", (long long)br[1], (long long)br[2],
			(long long)br[3]);
		if (n < 0 || n > BR_WIDTH) {
			err = vt_error_set(VT_ETOOBIG, "PDF: file too large for the /ByteRange field");
			goto out;
		}
		memcpy(buf + br_off, tmp, (size_t)n);
	}
	*out = (uint8_t *)buf;
	*outlen = len;
	buf = NULL;
	goto out;
nomem:
	err = vt_error_set(VT_ENOMEM, "PDF: out of memory");
out:
	if (u.f)
		fclose(u.f);
	free(buf);
	return err;
}

int vt_pdf_fill_contents(uint8_t *file, size_t len, const int64_t br[4], const uint8_t *der, size_t derlen)
{
	static const char hx[] = "0123456789abcdef";
	size_t lt = (size_t)br[1], gt = (size_t)br[2];
	if (br[1] < 1 || br[2] <= br[1] || (size_t)br[2] > len || file[lt] != '<' || file[gt - 1] != '>')
		return vt_error_set(VT_EINVAL, "PDF: /ByteRange does not frame a /Contents gap");
	if (2 * derlen > gt - lt - 2)
		return vt_error_set(VT_ETOOBIG, "PDF: the signature (%zu bytes) does not fit the %zu-byte gap", derlen,
			(gt - lt - 2) / 2);
	for (size_t i = 0; i < derlen; i++) {
		file[lt + 1 + 2 * i] = (uint8_t)hx[der[i] >> 4];
		file[lt + 2 + 2 * i] = (uint8_t)hx[der[i] & 15];
	}
	return 0;
}
