/* libFuzzer target for the PDF reader and the signature-update writer
 * (node/pdf.c, node/pdf_write.c). Built and run by ops/fuzz.sh. */
#include "sign/pdf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vt_pdf *pdf = NULL;
	size_t pages = 0;
	if (vt_pdf_open(&pdf, data, size) < 0)
		return 0;
	vt_pdf_page_count(pdf, &pages);
	for (size_t i = 0; i < vt_pdf_sig_count(pdf); i++) {
		const vt_pdf_sig *s = vt_pdf_sig_get(pdf, i);
		volatile size_t touch = s->contents_len ? s->contents[s->contents_len - 1] : 0;
		(void)touch;
	}
	if (pages) {
		vt_pdf_sigspec spec = { 0 };
		uint8_t *out = NULL;
		size_t len = 0;
		int64_t br[4];
		spec.contents_cap = 16;
		spec.reason = "Lý do";
		if (vt_pdf_prepare_sig(&out, &len, br, pdf, &spec) == 0) {
			vt_pdf *again = NULL;
			/* our own update must read back, with its field */
			if (vt_pdf_open(&again, out, len) < 0)
				abort();
			vt_pdf_free(again);
			free(out);
		}
	}
	vt_pdf_free(pdf);
	return 0;
}
