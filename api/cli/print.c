/* vanthu's output helpers: JSON, times, table cells. */
#include "cli/print.h"
#include "store/hash.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistr.h>
#include <uniwidth.h>

#include "vanthu.pb-c.h"

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void json_hex(FILE *f, const uint8_t *p, size_t n)
{
	char hex[2 * 64 + 1];
	fputc('"', f);
	while (n > 0) {
		size_t k = n > 64 ? 64 : n;
		vt_hex(hex, p, k);
		fputs(hex, f);
		p += k;
		n -= k;
	}
	fputc('"', f);
}

void cell(FILE *f, const char *s, int width)
{
	const uint8_t *p = (const uint8_t *)(s ? s : "");
	int used = 0;
	while (*p) {
		ucs4_t uc;
		int n = u8_strmbtouc(&uc, p), w;
		if (n <= 0)
			break;
		w = uc_width(uc, "UTF-8");
		if (w < 0)
			w = 1;
		if (width > 0 && used + w > width)
			break;
		fwrite(p, 1, (size_t)n, f);
		used += w;
		p += n;
	}
	for (; used < width; used++)
		fputc(' ', f);
	if (width > 0)
		fputc(' ', f);
}

void print_time(FILE *f, int64_t us)
{
	time_t t = (time_t)(us / 1000000) + 7 * 3600;
	struct tm tm;
	char buf[64];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%06d+07:00", buf, (int)(us % 1000000));
}

const char *cli_direction_name(int d)
{
	return d == VANTHU__V1__DIRECTION__INCOMING ? "incoming" : d == VANTHU__V1__DIRECTION__OUTGOING ? "outgoing" : "?";
}

json_t *jv_text(const char *s)
{
	const uint8_t *p = (const uint8_t *)(s ? s : "");
	size_t n = strlen((const char *)p);
	if (u8_check(p, n) == NULL)
		return json_stringn((const char *)p, n);
	/* Replace each invalid byte with U+FFFD so old entries stay readable. */
	char *fixed = malloc(3 * n + 1), *o = fixed;
	if (fixed == NULL)
		return json_null();
	while (*p) {
		ucs4_t uc;
		int k = u8_mbtouc(&uc, p, n);
		if (uc == 0xfffd && !(k == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] == 0xbd)) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p += k;
			n -= (size_t)k;
			continue;
		}
		memcpy(o, p, (size_t)k);
		o += k;
		p += k;
		n -= (size_t)k;
	}
	json_t *v = json_stringn(fixed, (size_t)(o - fixed));
	free(fixed);
	return v;
}

json_t *jv_hex(const uint8_t *p, size_t n)
{
	char *hex = malloc(2 * n + 1);
	if (hex == NULL)
		return json_null();
	vt_hex(hex, p, n);
	json_t *v = json_stringn(hex, 2 * n);
	free(hex);
	return v;
}

json_t *jv_time(int64_t us)
{
	char buf[64];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	if (f == NULL)
		return json_null();
	print_time(f, us);
	fclose(f);
	return json_string(buf);
}

int jv_print(json_t *v)
{
	int rc = -1;
	if (v != NULL && json_dumpf(v, stdout, JSON_COMPACT) == 0) {
		fputc('\n', stdout);
		rc = 0;
	}
	json_decref(v);
	return rc;
}
