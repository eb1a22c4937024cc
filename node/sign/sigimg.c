/* PNG images for signature appearances (libpng simplified API, PNG 1.2). */
#include "sign/sigimg.h"
#include "store/error.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

int vt_sigimg_load_png(uint8_t **rgba, uint32_t *width, uint32_t *height, const char *path)
{
	png_image img;
	uint8_t *buf = NULL;
	int err = 0;
	*rgba = NULL;
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path)) {
		err = vt_error_set(VT_EINVAL, "cannot read PNG %s: %s", path, img.message);
		goto out;
	}
	if (img.width > 4096 || img.height > 4096) {
		err = vt_error_set(VT_ETOOBIG, "PNG %s is %ux%u, over 4096x4096", path, img.width, img.height);
		goto out;
	}
	img.format = PNG_FORMAT_RGBA;
	if (!(buf = malloc(PNG_IMAGE_SIZE(img)))) {
		err = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	if (!png_image_finish_read(&img, NULL, buf, 0, NULL)) {
		err = vt_error_set(VT_EINVAL, "cannot decode PNG %s: %s", path, img.message);
		goto out;
	}
	*rgba = buf;
	*width = img.width;
	*height = img.height;
	buf = NULL;
out:
	png_image_free(&img);
	free(buf);
	return err;
}

void vt_sigimg_stamp_over(double out[4], const double signer[4], double side)
{
	double third = (signer[2] - signer[0]) / 3, cy = (signer[1] + signer[3]) / 2;
	out[2] = signer[0] + third; /* right edge a third into the signature */
	out[0] = out[2] - side;
	out[1] = cy - side / 2;
	out[3] = cy + side / 2;
}

void vt_sigimg_copy_rect(double out[4], const double page[4], double w, double h)
{
	out[2] = page[2] - 20;
	out[3] = page[3] - 20;
	out[0] = out[2] - w;
	out[1] = out[3] - h;
}

void vt_sigimg_initials_rect(double out[4], const double page[4])
{
	out[0] = page[2] - 20 - 60;
	out[1] = page[1] + 20;
	out[2] = page[2] - 20;
	out[3] = page[1] + 20 + 30;
}
