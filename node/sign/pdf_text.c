/* Embedded TrueType text for the PDFs we write (see pdf_text.h). */
#include "sign/pdf_text.h"
#include "store/error.h"

#include <hb-subset.h>
#include <hb.h>
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>
#include <unistr.h>
#include <zlib.h>

#define MAX_GLYPHS 1024

struct vt_pdf_font {
	hb_blob_t *blob;
	hb_face_t *face;
	hb_font_t *font;
	unsigned upem;
	uint16_t gid[MAX_GLYPHS];   /* used glyphs (set) */
	uint32_t uni[MAX_GLYPHS];   /* a character of each */
	unsigned width[MAX_GLYPHS]; /* advance in 1/1000 em */
	size_t n;
};

void vt_pdf_font_free(vt_pdf_font *t)
{
	if (!t)
		return;
	hb_font_destroy(t->font);
	hb_face_destroy(t->face);
	hb_blob_destroy(t->blob);
	free(t);
}

int vt_pdf_font_open(vt_pdf_font **out, const char *path)
{
	vt_pdf_font *t = calloc(1, sizeof(*t));
	*out = NULL;
	if (!t)
		return vt_error_set(VT_ENOMEM, "PDF: out of memory");
	if (!(t->blob = hb_blob_create_from_file_or_fail(path))) {
		free(t);
		return vt_error_set(VT_EIO, "PDF: cannot read the font %s", path);
	}
	t->face = hb_face_create(t->blob, 0);
	t->upem = hb_face_get_upem(t->face);
	t->font = hb_font_create(t->face);
	if (!t->upem || hb_face_get_glyph_count(t->face) == 0) {
		vt_pdf_font_free(t);
		return vt_error_set(VT_EIO, "PDF: %s is not a TrueType font", path);
	}
	*out = t;
	return 0;
}

/* Calls fn with each character of utf8 (NFC) and its glyph. */
static void each_glyph(vt_pdf_font *t, const char *utf8, void (*fn)(void *ctx, ucs4_t c, hb_codepoint_t g), void *ctx)
{
	size_t n = 0;
	uint8_t *d = u8_normalize(UNINORM_NFC, (const uint8_t *)utf8, strlen(utf8), NULL, &n);
	const uint8_t *p = d, *end = d + (d ? n : 0);
	while (p && p < end) {
		ucs4_t c;
		hb_codepoint_t g = 0;
		int k = u8_mbtouc(&c, p, (size_t)(end - p));
		p += k > 0 ? k : 1;
		if (!hb_font_get_nominal_glyph(t->font, c, &g) || g > 0xffff)
			g = 0;
		fn(ctx, c, g);
	}
	free(d);
}

typedef struct show_ctx {
	vt_pdf_font *t;
	FILE *f;
	double width;
} show_ctx;

static void show_one(void *ctx, ucs4_t c, hb_codepoint_t g)
{
	show_ctx *s = ctx;
	vt_pdf_font *t = s->t;
	size_t i;
	for (i = 0; i < t->n && t->gid[i] != g; i++)
		;
	if (i == t->n && t->n < MAX_GLYPHS) {
		t->gid[i] = (uint16_t)g;
		t->uni[i] = g ? c : 0xfffd;
		t->width[i] = (unsigned)((uint64_t)hb_font_get_glyph_h_advance(t->font, g) * 1000 / t->upem);
		t->n++;
	}
	fprintf(s->f, "%04X", (unsigned)g);
}

void vt_pdf_font_show(vt_pdf_font *t, FILE *f, const char *utf8)
{
	show_ctx s = { t, f, 0 };
	fputc('<', f);
	each_glyph(t, utf8, show_one, &s);
	fputc('>', f);
}

static void width_one(void *ctx, ucs4_t c, hb_codepoint_t g)
{
	show_ctx *s = ctx;
	(void)c;
	s->width += (double)hb_font_get_glyph_h_advance(s->t->font, g) * 1000.0 / s->t->upem;
}

double vt_pdf_font_width(vt_pdf_font *t, const char *utf8)
{
	show_ctx s = { t, NULL, 0 };
	each_glyph(t, utf8, width_one, &s);
	return s.width;
}

static int put_stream(FILE *out, vt_pdf_begin_fn begin, void *ctx, uint32_t num, const char *dict,
	const uint8_t *data, size_t len, int deflate)
{
	uLongf zl = deflate ? compressBound((uLong)len) : 0;
	uint8_t *z = deflate ? malloc(zl) : NULL;
	int err;
	if (deflate && (!z || compress2(z, &zl, data, (uLong)len, 6) != Z_OK)) {
		free(z);
		return vt_error_set(VT_ERROR, "PDF: deflate failed");
	}
	if ((err = begin(ctx, num)) == 0) {
		fprintf(out, "<<%s%s/Length %zu>>\nstream\n", dict, deflate ? "/Filter/FlateDecode" : "",
			deflate ? (size_t)zl : len);
		fwrite(deflate ? z : data, 1, deflate ? (size_t)zl : len, out);
		fputs("\nendstream\nendobj\n", out);
	}
	free(z);
	return err;
}

int vt_pdf_font_put(vt_pdf_font *t, FILE *out, vt_pdf_begin_fn begin, void *ctx, uint32_t font, uint32_t *next)
{
	uint32_t cid = (*next)++, desc = (*next)++, file = (*next)++, tou = (*next)++;
	hb_subset_input_t *in = hb_subset_input_create_or_fail();
	hb_face_t *sub = NULL;
	hb_blob_t *blob = NULL;
	hb_font_extents_t ext = { 0 };
	const char *data;
	unsigned len = 0;
	char d[256], *cm = NULL;
	size_t cmn = 0;
	FILE *c;
	int err = 0;
	if (!in)
		return vt_error_set(VT_ENOMEM, "PDF: out of memory");
	hb_set_add(hb_subset_input_glyph_set(in), 0);
	for (size_t i = 0; i < t->n; i++)
		hb_set_add(hb_subset_input_glyph_set(in), t->gid[i]);
	hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_RETAIN_GIDS);
	if (!(sub = hb_subset_or_fail(t->face, in)) || !(blob = hb_face_reference_blob(sub)) ||
	    !(data = hb_blob_get_data(blob, &len)) || !len) {
		err = vt_error_set(VT_ERROR, "PDF: font subsetting failed");
		goto out;
	}
	hb_font_get_h_extents(t->font, &ext);
	if ((err = begin(ctx, font)) < 0)
		goto out;
	fprintf(out, "<</Type/Font/Subtype/Type0/BaseFont/VTSUBS+Embedded/Encoding/Identity-H"
		"/DescendantFonts[%u 0 R]/ToUnicode %u 0 R>>\nendobj\n", cid, tou);
	if ((err = begin(ctx, cid)) < 0)
		goto out;
	fprintf(out, "<</Type/Font/Subtype/CIDFontType2/BaseFont/VTSUBS+Embedded/CIDSystemInfo<</Registry(Adobe)"
		"/Ordering(Identity)/Supplement 0>>/FontDescriptor %u 0 R/CIDToGIDMap/Identity/DW 1000/W[", desc);
	for (size_t i = 0; i < t->n; i++)
		fprintf(out, "%s%u[%u]", i ? " " : "", t->gid[i], t->width[i]);
	fputs("]>>\nendobj\n", out);
	if ((err = begin(ctx, desc)) < 0)
		goto out;
	fprintf(out, "<</Type/FontDescriptor/FontName/VTSUBS+Embedded/Flags 34/FontBBox[-600 -300 2000 1100]"
		"/ItalicAngle 0/Ascent %d/Descent %d/CapHeight 700/StemV 80/FontFile2 %u 0 R>>\nendobj\n",
		(int)((int64_t)ext.ascender * 1000 / t->upem), (int)((int64_t)ext.descender * 1000 / t->upem), file);
	snprintf(d, sizeof(d), "/Length1 %u", len);
	if ((err = put_stream(out, begin, ctx, file, d, (const uint8_t *)data, len, 1)) < 0)
		goto out;
	/* ToUnicode (§9.10.3), so that the text can be searched and copied */
	if (!(c = open_memstream(&cm, &cmn))) {
		err = vt_error_set(VT_ENOMEM, "PDF: out of memory");
		goto out;
	}
	fputs("/CIDInit/ProcSet findresource begin 12 dict begin begincmap/CIDSystemInfo<</Registry(Adobe)"
		"/Ordering(UCS)/Supplement 0>>def/CMapName/Adobe-Identity-UCS def/CMapType 2 def\n"
		"1 begincodespacerange<0000><FFFF>endcodespacerange\n", c);
	for (size_t i = 0; i < t->n; i += 100) {
		size_t k = t->n - i < 100 ? t->n - i : 100;
		fprintf(c, "%zu beginbfchar\n", k);
		for (size_t j = i; j < i + k; j++) {
			uint32_t cp = t->uni[j];
			if (cp >= 0x10000)
				fprintf(c, "<%04X><%04X%04X>\n", t->gid[j], 0xD800 + ((cp - 0x10000) >> 10),
					0xDC00 + ((cp - 0x10000) & 0x3ff));
			else
				fprintf(c, "<%04X><%04X>\n", t->gid[j], cp);
		}
		fputs("endbfchar\n", c);
	}
	fputs("endcmap CMapName currentdict/CMap defineresource pop end end\n", c);
	fclose(c);
	err = put_stream(out, begin, ctx, tou, "", (const uint8_t *)cm, cmn, 0);
out:
	free(cm);
	hb_blob_destroy(blob);
	hb_face_destroy(sub);
	hb_subset_input_destroy(in);
	return err;
}
