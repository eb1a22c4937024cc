/* Text in PDFs we write: an embedded TrueType font (CIDFontType2,
 * Identity-H), subset by HarfBuzz to the glyphs used, with a ToUnicode map
 * so the text can be searched and copied. One glyph per character (no
 * shaping is needed for Vietnamese in precomposed NFC form). Used by the
 * signature appearances and the printable registers. */
#ifndef VT_PDF_TEXT_H
#define VT_PDF_TEXT_H

#include <stdint.h>
#include <stdio.h>

/* Liberation Serif (fonts-liberation2), metrically compatible with Times
 * New Roman, the font the regulation names. */
#define VT_PDF_DEFAULT_TTF "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"
#define VT_PDF_DEFAULT_TTF_BOLD "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf"

typedef struct vt_pdf_font vt_pdf_font;

/* VT_EIO if the file is not a usable TrueType font. */
int vt_pdf_font_open(vt_pdf_font **out, const char *path);
void vt_pdf_font_free(vt_pdf_font *f);

/* Writes utf8 as a hex string of glyph ids (for Tj), recording the glyphs. */
void vt_pdf_font_show(vt_pdf_font *f, FILE *out, const char *utf8);

/* Width of utf8 in thousandths of the font size (for layout). */
double vt_pdf_font_width(vt_pdf_font *f, const char *utf8);

/* Starts object num ("num 0 obj"), recording where it begins. */
typedef int (*vt_pdf_begin_fn)(void *ctx, uint32_t num);

/* Writes the Type0 font as object `font` and its parts as the next free
 * object numbers (*next grows), for the glyphs shown so far. */
int vt_pdf_font_put(vt_pdf_font *f, FILE *out, vt_pdf_begin_fn begin, void *ctx, uint32_t font, uint32_t *next);

#endif
