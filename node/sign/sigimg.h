/* Signature and stamp images for visible appearances: PNG files read with
 * libpng into RGBA (alpha becomes the PDF image's /SMask). */
#ifndef VT_SIGIMG_H
#define VT_SIGIMG_H

#include <stdint.h>

/* Reads a PNG file as 8-bit RGBA; *rgba is malloc'd (width*height*4).
 * VT_ETOOBIG over 4096x4096. */
int vt_sigimg_load_png(uint8_t **rgba, uint32_t *width, uint32_t *height, const char *path);

/* Where the regulation puts each visible signature (rectangles in points,
 * [x1 y1 x2 y2], PDF user space with the origin bottom left). */

/* The agency's red stamp: a square of side `side` whose right edge lies a
 * third into the signer's signature (so it covers the signature's left
 * third), centred on it vertically (Điều 9: "trùm lên 1/3 chữ ký ... về phía bên trái"). */
void vt_sigimg_stamp_over(double out[4], const double signer[4], double side);

/* The copy/digitisation stamp: w x h at the top right of the page, inside
 * a 20 pt margin. */
void vt_sigimg_copy_rect(double out[4], const double page[4], double w, double h);

/* Initials (ký nháy) "at the end of the content": without laying out the
 * page's text, the bottom right corner of the last page, inside the margin. */
void vt_sigimg_initials_rect(double out[4], const double page[4]);

#endif
