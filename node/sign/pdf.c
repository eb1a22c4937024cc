/* PDF reader for signatures: objects (ISO 32000-1 §7.3), cross-reference
 * tables and streams, object streams, incremental updates and hybrid files
 * (§7.5), the AcroForm's signature fields (§12.7, §12.8). Bounded throughout. */
#include "sign/pdf_int.h"
#include "store/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- arena */

struct pdf_chunk {
	pdf_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

void *pdf_alloc(vt_pdf *pdf, size_t n)
{
	pdf_chunk *c = pdf->arena;
	n = (n + 15) & ~(size_t)15;
	if (!n)
		n = 16;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		if (!(c = malloc(sizeof(*c) + cap)))
			return NULL;
		c->next = pdf->arena;
		c->used = 0;
		c->cap = cap;
		pdf->arena = c;
	}
	c->used += n;
	return memset(c->data + c->used - n, 0, n);
}

/* ---- lexer (§7.2) */

typedef struct lex {
	vt_pdf *pdf;
	const uint8_t *b;
	size_t len, pos;
	int in_file; /* offsets are file offsets (not an object stream) */
} lex;

static int is_ws(int c) { return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32; }
static int is_delim(int c) { return strchr("()<>[]{}/%", c) != NULL && c != 0; }
static int is_regular(int c) { return !is_ws(c) && !is_delim(c); }

static int corrupt(size_t off, const char *what)
{
	return vt_error_set(VT_ECORRUPT, "PDF: %s at offset %zu", what, off);
}

static void skip_ws(lex *l)
{
	while (l->pos < l->len) {
		int c = l->b[l->pos];
		if (is_ws(c))
			l->pos++;
		else if (c == '%') {
			while (l->pos < l->len && l->b[l->pos] != '\n' && l->b[l->pos] != '\r')
				l->pos++;
		} else
			break;
	}
}

/* The regular-character word at pos (a keyword or number), without moving. */
static size_t word_len(const lex *l)
{
	size_t n = 0;
	while (l->pos + n < l->len && is_regular(l->b[l->pos + n]))
		n++;
	return n;
}

static int at_keyword(lex *l, const char *kw)
{
	size_t n = strlen(kw);
	skip_ws(l);
	return word_len(l) == n && memcmp(l->b + l->pos, kw, n) == 0;
}

static pdf_obj *new_obj(lex *l, pdf_kind k, size_t off)
{
	pdf_obj *o = pdf_alloc(l->pdf, sizeof(*o));
	if (!o) {
		vt_error_set(VT_ENOMEM, "PDF: out of memory");
		return NULL;
	}
	o->kind = k;
	o->off = l->in_file ? off : SIZE_MAX;
	o->end = SIZE_MAX;
	return o;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_literal(lex *l, pdf_obj *o)
{
	size_t start = l->pos, depth = 1, n = 0;
	char *out;
	/* first pass: find the end; decoded length <= raw length */
	size_t i = l->pos + 1;
	while (i < l->len && depth) {
		if (l->b[i] == '\\')
			i++;
		else if (l->b[i] == '(')
			depth++;
		else if (l->b[i] == ')')
			depth--;
		i++;
	}
	if (depth)
		return corrupt(start, "unterminated string");
	if (!(out = pdf_alloc(l->pdf, i - start)))
		return vt_error_set(VT_ENOMEM, "PDF: out of memory");
	depth = 1;
	for (size_t j = start + 1; j < i - 1; j++) {
		int c = l->b[j];
		if (c == '\\') {
			int e = l->b[++j];
			switch (e) {
			case 'n': out[n++] = '\n'; break;
			case 'r': out[n++] = '\r'; break;
			case 't': out[n++] = '\t'; break;
			case 'b': out[n++] = '\b'; break;
			case 'f': out[n++] = '\f'; break;
			case '\r':
				if (j + 1 < i - 1 && l->b[j + 1] == '\n')
					j++;
				break;
			case '\n': break;
			default:
				if (e >= '0' && e <= '7') {
					int v = e - '0';
					for (int k = 0; k < 2 && j + 1 < i - 1 && l->b[j + 1] >= '0' && l->b[j + 1] <= '7'; k++)
						v = v * 8 + (l->b[++j] - '0');
					out[n++] = (char)(v & 0xff);
				} else
					out[n++] = (char)e;
			}
		} else if (c == '\r') {
			out[n++] = '\n';
			if (j + 1 < i - 1 && l->b[j + 1] == '\n')
				j++;
		} else
			out[n++] = (char)c;
	}
	o->u.s.p = out;
	o->u.s.len = n;
	l->pos = i;
	return 0;
}

/* hex digit values, -1 elsewhere, -2 for white space */
static signed char hextab[256];

static void hextab_init(void)
{
	for (int c = 0; c < 256; c++)
		hextab[c] = (signed char)(is_ws(c) ? -2 : hexval(c));
}

static int parse_hex(lex *l, pdf_obj *o)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	size_t start = l->pos, i = l->pos + 1, n = 0;
	int hi = -1;
	uint8_t *out;
	const uint8_t *e = memchr(l->b + i, '>', l->len - i);
	if (!e)
		return corrupt(start, "unterminated hex string");
	if (!(out = pdf_alloc(l->pdf, (size_t)(e - (l->b + i)) / 2 + 2)))
		return vt_error_set(VT_ENOMEM, "PDF: out of memory");
	pthread_once(&once, hextab_init);
	for (; l->b + i < e; i++) {
		int v = hextab[l->b[i]];
		if (v < 0) {
			if (v == -2)
				continue;
			return corrupt(i, "bad hex digit in string");
		}
		if (hi < 0)
			hi = v;
		else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		out[n++] = (uint8_t)(hi << 4);
	o->u.s.p = (char *)out;
	o->u.s.len = n;
	l->pos = i + 1;
	return 0;
}

static int parse_name(lex *l, pdf_obj *o)
{
	size_t i = l->pos + 1, n = 0;
	char *out;
	while (i < l->len && is_regular(l->b[i]))
		i++;
	if (!(out = pdf_alloc(l->pdf, i - l->pos)))
		return vt_error_set(VT_ENOMEM, "PDF: out of memory");
	for (size_t j = l->pos + 1; j < i; j++) {
		if (l->b[j] == '#' && j + 2 < i && hexval(l->b[j + 1]) >= 0 && hexval(l->b[j + 2]) >= 0) {
			out[n++] = (char)(hexval(l->b[j + 1]) << 4 | hexval(l->b[j + 2]));
			j += 2;
		} else
			out[n++] = (char)l->b[j];
	}
	out[n] = 0;
	o->u.s.p = out;
	o->u.s.len = n;
	l->pos = i;
	return 0;
}

/* A number at pos: sets *isint and the value. */
static int parse_number(lex *l, int *isint, int64_t *iv, double *rv)
{
	size_t n = word_len(l), k = 0;
	const uint8_t *p = l->b + l->pos;
	int neg = 0, digits = 0, dot = 0;
	double r = 0, scale = 1;
	uint64_t v = 0;
	if (n && (p[0] == '+' || p[0] == '-'))
		neg = p[k++] == '-';
	for (; k < n; k++) {
		if (p[k] >= '0' && p[k] <= '9') {
			digits++;
			if (dot) {
				scale /= 10;
				r += (p[k] - '0') * scale;
			} else {
				if (v > (UINT64_MAX - 9) / 10)
					return corrupt(l->pos, "number out of range");
				v = v * 10 + (uint64_t)(p[k] - '0');
			}
		} else if (p[k] == '.' && !dot)
			dot = 1;
		else
			return corrupt(l->pos, "bad number");
	}
	if (!digits)
		return corrupt(l->pos, "bad number");
	if (v > INT64_MAX)
		return corrupt(l->pos, "number out of range");
	*isint = !dot;
	*iv = neg ? -(int64_t)v : (int64_t)v;
	*rv = neg ? -((double)v + r) : (double)v + r;
	l->pos += n;
	return 0;
}

static int parse_obj(lex *l, pdf_obj **out, int depth);

static int parse_container(lex *l, pdf_obj *o, int depth, int dict)
{
	size_t cap = 0, n = 0;
	int err;
	l->pos += dict ? 2 : 1;
	for (;;) {
		pdf_obj *v = NULL, *k = NULL;
		skip_ws(l);
		if (l->pos >= l->len)
			return corrupt(o->off == SIZE_MAX ? l->pos : o->off, dict ? "unterminated dictionary" : "unterminated array");
		if (dict && l->pos + 1 < l->len && l->b[l->pos] == '>' && l->b[l->pos + 1] == '>') {
			l->pos += 2;
			return 0;
		}
		if (!dict && l->b[l->pos] == ']') {
			l->pos++;
			return 0;
		}
		if (dict) {
			if (l->b[l->pos] != '/')
				return corrupt(l->pos, "dictionary key is not a name");
			if ((err = parse_obj(l, &k, depth + 1)) < 0)
				return err;
		}
		if ((err = parse_obj(l, &v, depth + 1)) < 0)
			return err;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			pdf_obj **nv = pdf_alloc(l->pdf, ncap * sizeof(*nv));
			char **nk = dict ? pdf_alloc(l->pdf, ncap * sizeof(*nk)) : NULL;
			if (!nv || (dict && !nk))
				return vt_error_set(VT_ENOMEM, "PDF: out of memory");
			if (cap) {
				memcpy(nv, dict ? o->u.d.v : o->u.a.v, cap * sizeof(*nv));
				if (dict)
					memcpy(nk, o->u.d.k, cap * sizeof(*nk));
			}
			if (dict) {
				o->u.d.v = nv;
				o->u.d.k = nk;
			} else
				o->u.a.v = nv;
			cap = ncap;
		}
		if (dict) {
			o->u.d.k[n] = k->u.s.p;
			o->u.d.v[n] = v;
			o->u.d.n = ++n;
		} else {
			o->u.a.v[n] = v;
			o->u.a.n = ++n;
		}
	}
}

static int parse_obj(lex *l, pdf_obj **out, int depth)
{
	pdf_obj *o = NULL;
	size_t start;
	int c, err = 0;
	*out = NULL;
	if (depth > PDF_MAX_DEPTH)
		return corrupt(l->pos, "objects nested too deeply");
	skip_ws(l);
	if (l->pos >= l->len)
		return corrupt(l->pos, "unexpected end of data");
	start = l->pos;
	c = l->b[l->pos];
	if (c == '(' || (c == '<' && (l->pos + 1 >= l->len || l->b[l->pos + 1] != '<'))) {
		if (!(o = new_obj(l, PDF_STRING, start)))
			return VT_ENOMEM;
		err = c == '(' ? parse_literal(l, o) : parse_hex(l, o);
	} else if (c == '<') {
		if (!(o = new_obj(l, PDF_DICT, start)))
			return VT_ENOMEM;
		err = parse_container(l, o, depth, 1);
	} else if (c == '[') {
		if (!(o = new_obj(l, PDF_ARRAY, start)))
			return VT_ENOMEM;
		err = parse_container(l, o, depth, 0);
	} else if (c == '/') {
		if (!(o = new_obj(l, PDF_NAME, start)))
			return VT_ENOMEM;
		err = parse_name(l, o);
	} else if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
		int isint;
		int64_t iv;
		double rv;
		if ((err = parse_number(l, &isint, &iv, &rv)) < 0)
			return err;
		if (isint && iv >= 0 && iv <= UINT32_MAX) {
			/* "n g R"? */
			lex save = *l;
			int i2;
			int64_t g;
			double gr;
			skip_ws(l);
			if (l->pos < l->len && l->b[l->pos] >= '0' && l->b[l->pos] <= '9' &&
			    parse_number(l, &i2, &g, &gr) == 0 && i2 && g >= 0 && g <= 65535 && at_keyword(l, "R")) {
				l->pos++;
				if (!(o = new_obj(l, PDF_REF, start)))
					return VT_ENOMEM;
				o->u.ref.num = (uint32_t)iv;
				o->u.ref.gen = (uint16_t)g;
				goto done;
			}
			*l = save;
			vt_error_clear();
		}
		if (!(o = new_obj(l, isint ? PDF_INT : PDF_REAL, start)))
			return VT_ENOMEM;
		if (isint)
			o->u.i = iv;
		else
			o->u.r = rv;
	} else {
		size_t n = word_len(l);
		if (n == 4 && memcmp(l->b + l->pos, "true", 4) == 0) {
			if (!(o = new_obj(l, PDF_BOOL, start)))
				return VT_ENOMEM;
			o->u.b = 1;
		} else if (n == 5 && memcmp(l->b + l->pos, "false", 5) == 0) {
			if (!(o = new_obj(l, PDF_BOOL, start)))
				return VT_ENOMEM;
		} else if (n == 4 && memcmp(l->b + l->pos, "null", 4) == 0) {
			if (!(o = new_obj(l, PDF_NULL, start)))
				return VT_ENOMEM;
		} else
			return corrupt(start, "unexpected token");
		l->pos += n;
	}
done:
	if (err < 0)
		return err;
	if (l->in_file)
		o->end = l->pos;
	*out = o;
	return 0;
}

/* ---- accessors */

pdf_obj *pdf_dict_raw(pdf_obj *d, const char *key)
{
	if (!d || (d->kind != PDF_DICT && d->kind != PDF_STREAM))
		return NULL;
	for (size_t i = 0; i < d->u.d.n; i++)
		if (strcmp(d->u.d.k[i], key) == 0)
			return d->u.d.v[i];
	return NULL;
}

pdf_obj *pdf_resolve(vt_pdf *pdf, pdf_obj *o)
{
	for (int i = 0; o && o->kind == PDF_REF && i < 8; i++)
		o = pdf_get(pdf, o->u.ref.num);
	if (o && (o->kind == PDF_REF || o->kind == PDF_NULL))
		return NULL;
	return o;
}

pdf_obj *pdf_dict_get(vt_pdf *pdf, pdf_obj *d, const char *key)
{
	return pdf_resolve(pdf, pdf_dict_raw(d, key));
}

int pdf_is_name(pdf_obj *o, const char *name)
{
	return o && o->kind == PDF_NAME && strcmp(o->u.s.p, name) == 0;
}

int pdf_int(pdf_obj *o, int64_t *out)
{
	if (o && o->kind == PDF_INT) {
		*out = o->u.i;
		return 0;
	}
	if (o && o->kind == PDF_REAL && o->u.r > -9e18 && o->u.r < 9e18) {
		*out = (int64_t)o->u.r;
		return 0;
	}
	return vt_error_set(VT_ECORRUPT, "PDF: number expected");
}

/* ---- streams (§7.4.4 FlateDecode, §7.4.4.4 predictors) */

static int unpredict(vt_pdf *pdf, pdf_obj *parms, uint8_t *data, size_t *len)
{
	int64_t pred = 1, colors = 1, bpc = 8, cols = 1;
	size_t bpp, row, nrows, out = 0;
	uint8_t *prev;
	if (!parms || parms->kind != PDF_DICT)
		return 0;
	if (pdf_dict_get(pdf, parms, "Predictor"))
		pdf_int(pdf_dict_get(pdf, parms, "Predictor"), &pred);
	if (pred <= 1)
		return 0;
	if (pdf_dict_get(pdf, parms, "Colors"))
		pdf_int(pdf_dict_get(pdf, parms, "Colors"), &colors);
	if (pdf_dict_get(pdf, parms, "BitsPerComponent"))
		pdf_int(pdf_dict_get(pdf, parms, "BitsPerComponent"), &bpc);
	if (pdf_dict_get(pdf, parms, "Columns"))
		pdf_int(pdf_dict_get(pdf, parms, "Columns"), &cols);
	if (colors < 1 || colors > 32 || (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) ||
	    cols < 1 || cols > (1 << 24))
		return vt_error_set(VT_ECORRUPT, "PDF: bad predictor parameters");
	bpp = (size_t)((colors * bpc + 7) / 8);
	row = (size_t)((colors * bpc * cols + 7) / 8);
	if (pred == 2) {
		if (bpc != 8)
			return vt_error_set(VT_ECORRUPT, "PDF: TIFF predictor with %d bits unsupported", (int)bpc);
		for (size_t r = 0; r + row <= *len; r += row)
			for (size_t i = bpp; i < row; i++)
				data[r + i] = (uint8_t)(data[r + i] + data[r + i - bpp]);
		return 0;
	}
	if (!(prev = pdf_alloc(pdf, row)))
		return vt_error_set(VT_ENOMEM, "PDF: out of memory");
	nrows = *len / (row + 1);
	for (size_t r = 0; r < nrows; r++) {
		const uint8_t *in = data + r * (row + 1);
		int ft = in[0];
		uint8_t *cur = data + out; /* out <= r*(row+1): in place, behind the input */
		in++;
		for (size_t i = 0; i < row; i++) {
			uint8_t a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
			uint8_t x = in[i], v;
			switch (ft) {
			case 0: v = x; break;
			case 1: v = (uint8_t)(x + a); break;
			case 2: v = (uint8_t)(x + b); break;
			case 3: v = (uint8_t)(x + (a + b) / 2); break;
			case 4: {
				int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
				v = (uint8_t)(x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c));
				break;
			}
			default:
				return vt_error_set(VT_ECORRUPT, "PDF: bad PNG predictor row type %d", ft);
			}
			cur[i] = v;
		}
		memcpy(prev, cur, row);
		out += row;
	}
	*len = out;
	return 0;
}

static int inflate_all(vt_pdf *pdf, const uint8_t *in, size_t inlen, uint8_t **out, size_t *outlen)
{
	z_stream z;
	size_t cap = inlen * 4 + 1024, limit = PDF_MAX_STREAM;
	uint8_t *buf = NULL;
	int zr, err = 0;
	if (PDF_MAX_DECODED - pdf->decoded < limit)
		limit = PDF_MAX_DECODED - pdf->decoded;
	if (cap > limit)
		cap = limit;
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return vt_error_set(VT_ENOMEM, "PDF: zlib init failed");
	if (!(buf = malloc(cap ? cap : 1))) {
		err = vt_error_set(VT_ENOMEM, "PDF: out of memory");
		goto out;
	}
	z.next_in = (Bytef *)in;
	for (;;) {
		z.avail_in = inlen - (size_t)(z.next_in - in) > UINT32_MAX ? UINT32_MAX :
			(uInt)(inlen - (size_t)(z.next_in - in));
		z.next_out = buf + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			err = vt_error_set(VT_ECORRUPT, "PDF: bad Flate data (%s)", z.msg ? z.msg : "zlib error");
			goto out;
		}
		if (z.avail_out == 0) {
			uint8_t *nb;
			if (cap >= limit) {
				err = vt_error_set(VT_ETOOBIG, "PDF: decoded stream over %zu bytes", limit);
				goto out;
			}
			cap = cap * 2 > limit ? limit : cap * 2;
			if (!(nb = realloc(buf, cap))) {
				err = vt_error_set(VT_ENOMEM, "PDF: out of memory");
				goto out;
			}
			buf = nb;
		} else if (zr == Z_BUF_ERROR || z.avail_in == 0)
			break; /* truncated stream: keep what decoded */
	}
	if (!(*out = pdf_alloc(pdf, z.total_out))) {
		err = vt_error_set(VT_ENOMEM, "PDF: out of memory");
		goto out;
	}
	memcpy(*out, buf, z.total_out);
	*outlen = z.total_out;
	pdf->decoded += z.total_out;
out:
	inflateEnd(&z);
	free(buf);
	return err;
}

int pdf_stream_decode(vt_pdf *pdf, pdf_obj *s, const uint8_t **out, size_t *outlen)
{
	pdf_obj *filter = pdf_dict_get(pdf, s, "Filter"), *parms = pdf_dict_get(pdf, s, "DecodeParms");
	const uint8_t *data = pdf->buf + s->sdata;
	size_t len = s->slen;
	size_t nf = !filter ? 0 : filter->kind == PDF_ARRAY ? filter->u.a.n : 1;
	int err;
	if (s->dec) {
		*out = s->dec;
		*outlen = s->declen;
		return 0;
	}
	if (nf > 4)
		return vt_error_set(VT_ECORRUPT, "PDF: too many filters on stream at offset %zu", s->off);
	for (size_t i = 0; i < nf; i++) {
		pdf_obj *f = filter->kind == PDF_ARRAY ? pdf_resolve(pdf, filter->u.a.v[i]) : filter;
		pdf_obj *p = parms && parms->kind == PDF_ARRAY ?
			(i < parms->u.a.n ? pdf_resolve(pdf, parms->u.a.v[i]) : NULL) : parms;
		uint8_t *dec;
		size_t dlen = 0;
		if (!pdf_is_name(f, "FlateDecode") && !pdf_is_name(f, "Fl"))
			return vt_error_set(VT_ECORRUPT, "PDF: unsupported filter /%s on stream at offset %zu",
				f && f->kind == PDF_NAME ? f->u.s.p : "?", s->off);
		if ((err = inflate_all(pdf, data, len, &dec, &dlen)) < 0)
			return vt_error_set(err, "%s (stream at offset %zu)", vt_error_last(), s->off);
		if ((err = unpredict(pdf, p, dec, &dlen)) < 0)
			return vt_error_set(err, "%s (stream at offset %zu)", vt_error_last(), s->off);
		data = dec;
		len = dlen;
	}
	s->dec = data;
	s->declen = len;
	*out = data;
	*outlen = len;
	return 0;
}

/* ---- indirect objects */

/* Parses "num gen obj ... endobj" at off (file). want: expected number or 0. */
static int parse_indirect(vt_pdf *pdf, size_t off, uint32_t want, pdf_obj **out)
{
	lex l = { pdf, pdf->buf, pdf->len, off, 1 };
	int isint, err;
	int64_t num, gen;
	double r;
	pdf_obj *o;
	*out = NULL;
	if (off >= pdf->len)
		return corrupt(off, "object offset beyond the end of the file");
	skip_ws(&l);
	if (parse_number(&l, &isint, &num, &r) < 0 || !isint || (skip_ws(&l), parse_number(&l, &isint, &gen, &r)) < 0 ||
	    !isint || !at_keyword(&l, "obj"))
		return corrupt(off, "no 'N G obj' header");
	if (want && num != want)
		return vt_error_set(VT_ECORRUPT, "PDF: object %u expected but %lld found at offset %zu", want,
			(long long)num, off);
	l.pos += 3;
	if ((err = parse_obj(&l, &o, 0)) < 0)
		return err;
	if (o->kind == PDF_DICT && at_keyword(&l, "stream")) {
		pdf_obj *lo = pdf_dict_raw(o, "Length");
		int64_t slen = -1;
		size_t start;
		l.pos += 6;
		if (l.pos < l.len && l.b[l.pos] == '\r')
			l.pos++;
		if (l.pos < l.len && l.b[l.pos] == '\n')
			l.pos++;
		start = l.pos;
		if (lo && lo->kind == PDF_REF) {
			uint32_t ln = lo->u.ref.num;
			lo = (ln < pdf->nx && pdf->x[ln].state == 1) ? NULL : pdf_resolve(pdf, lo);
			vt_error_clear();
		}
		if (lo)
			pdf_int(lo, &slen);
		if (slen < 0 || (uint64_t)slen > pdf->len - start) {
			slen = -1;
		} else {
			lex t = l;
			t.pos = start + (size_t)slen;
			if (!at_keyword(&t, "endstream"))
				slen = -1;
		}
		if (slen < 0) {
			/* wrong /Length: the data ends before "endstream" */
			const uint8_t *e = memmem(pdf->buf + start, pdf->len - start, "endstream", 9);
			if (!e)
				return corrupt(start, "stream without endstream");
			slen = e - (pdf->buf + start);
			if (slen && pdf->buf[start + (size_t)slen - 1] == '\n')
				slen--;
			if (slen && pdf->buf[start + (size_t)slen - 1] == '\r')
				slen--;
		}
		o->kind = PDF_STREAM;
		o->sdata = start;
		o->slen = (size_t)slen;
	}
	*out = o;
	return 0;
}

/* The index-th object of object stream stmnum (§7.5.7). */
static int parse_from_objstm(vt_pdf *pdf, uint32_t stmnum, uint32_t index, uint32_t want, pdf_obj **out)
{
	pdf_obj *s = pdf_get(pdf, stmnum), *o;
	const uint8_t *data;
	size_t len;
	int64_t n = 0, first = 0;
	int err, isint;
	double r;
	lex l = { pdf, NULL, 0, 0, 0 };
	*out = NULL;
	if (!s || s->kind != PDF_STREAM || !pdf_is_name(pdf_dict_get(pdf, s, "Type"), "ObjStm"))
		return vt_error_set(VT_ECORRUPT, "PDF: object %u: object stream %u missing or not /ObjStm",
			want, stmnum);
	if (pdf_int(pdf_dict_get(pdf, s, "N"), &n) < 0 || pdf_int(pdf_dict_get(pdf, s, "First"), &first) < 0 ||
	    n < 0 || first < 0 || (uint64_t)index >= (uint64_t)n)
		return vt_error_set(VT_ECORRUPT, "PDF: object stream %u at offset %zu: bad /N or /First", stmnum, s->off);
	/* decoded data is cached in the stream object (sdata/slen are file offsets,
	 * so keep the decoded pointer on the side) */
	if ((err = pdf_stream_decode(pdf, s, &data, &len)) < 0)
		return err;
	if ((uint64_t)first > len)
		return vt_error_set(VT_ECORRUPT, "PDF: object stream %u: /First beyond its data", stmnum);
	l.b = data;
	l.len = len;
	for (uint32_t i = 0; i <= index; i++) {
		int64_t num, off;
		skip_ws(&l);
		if ((err = parse_number(&l, &isint, &num, &r)) < 0 || (skip_ws(&l), parse_number(&l, &isint, &off, &r)) < 0)
			return vt_error_set(VT_ECORRUPT, "PDF: object stream %u: bad header", stmnum);
		if (i == index) {
			if (num != want)
				return vt_error_set(VT_ECORRUPT, "PDF: object stream %u holds %lld at index %u, not %u",
					stmnum, (long long)num, index, want);
			if (off < 0 || (uint64_t)off > len - (size_t)first)
				return vt_error_set(VT_ECORRUPT, "PDF: object stream %u: offset out of range", stmnum);
			l.pos = (size_t)first + (size_t)off;
		}
	}
	if ((err = parse_obj(&l, &o, 0)) < 0)
		return vt_error_set(err, "%s (in object stream %u)", vt_error_last(), stmnum);
	*out = o;
	return 0;
}

pdf_obj *pdf_get(vt_pdf *pdf, uint32_t num)
{
	pdf_xent *e;
	pdf_obj *o = NULL;
	if (num >= pdf->nx)
		return NULL;
	e = &pdf->x[num];
	if (e->state == 2)
		return e->obj;
	if (e->state == 1) {
		vt_error_set(VT_ECORRUPT, "PDF: object %u refers to itself while being read", num);
		return NULL;
	}
	e->state = 1;
	if (e->type == 1)
		parse_indirect(pdf, (size_t)e->f2, num, &o);
	else if (e->type == 2 && e->f2 <= UINT32_MAX && e->f2 != num)
		parse_from_objstm(pdf, (uint32_t)e->f2, e->f3, num, &o);
	e->obj = o;
	e->state = 2;
	return o;
}

/* ---- cross-reference sections (§7.5.4, §7.5.8) */

static int xref_grow(vt_pdf *pdf, uint64_t size)
{
	pdf_xent *nx;
	if (size <= pdf->nx)
		return 0;
	if (size > PDF_MAX_OBJNUM)
		return vt_error_set(VT_ETOOBIG, "PDF: %llu objects is over the limit of %u",
			(unsigned long long)size, PDF_MAX_OBJNUM);
	if (!(nx = realloc(pdf->x, (size_t)size * sizeof(*nx))))
		return vt_error_set(VT_ENOMEM, "PDF: out of memory");
	memset(nx + pdf->nx, 0, ((size_t)size - pdf->nx) * sizeof(*nx));
	pdf->x = nx;
	pdf->nx = (size_t)size;
	return 0;
}

/* Sets an entry unless a newer section already did (state 3 = "set"). */
static int xref_set(vt_pdf *pdf, uint64_t num, int type, uint64_t f2, uint64_t f3)
{
	int err;
	if ((err = xref_grow(pdf, num + 1)) < 0)
		return err;
	if (pdf->x[num].state == 3)
		return 0;
	pdf->x[num].state = 3;
	pdf->x[num].type = (uint8_t)type;
	pdf->x[num].f2 = f2;
	pdf->x[num].f3 = (uint32_t)(type == 2 ? f3 : 0);
	pdf->x[num].gen = (uint16_t)(type == 1 ? f3 : 0);
	return 0;
}

static int load_xref_stream(vt_pdf *pdf, size_t off, pdf_obj **trailer)
{
	pdf_obj *s, *w, *index;
	const uint8_t *data;
	size_t len, pos = 0;
	int64_t wv[3], size = 0;
	int err;
	if ((err = parse_indirect(pdf, off, 0, &s)) < 0)
		return err;
	if (s->kind != PDF_STREAM || !pdf_is_name(pdf_dict_get(pdf, s, "Type"), "XRef"))
		return corrupt(off, "cross-reference stream expected");
	w = pdf_dict_get(pdf, s, "W");
	if (pdf_int(pdf_dict_get(pdf, s, "Size"), &size) < 0 || size < 0 || !w || w->kind != PDF_ARRAY ||
	    w->u.a.n != 3)
		return corrupt(off, "cross-reference stream without /Size or /W");
	for (int i = 0; i < 3; i++)
		if (pdf_int(w->u.a.v[i], &wv[i]) < 0 || wv[i] < 0 || wv[i] > 8)
			return corrupt(off, "bad /W in cross-reference stream");
	if ((err = xref_grow(pdf, (uint64_t)size)) < 0)
		return err;
	if ((err = pdf_stream_decode(pdf, s, &data, &len)) < 0)
		return err;
	index = pdf_dict_get(pdf, s, "Index");
	if (index && (index->kind != PDF_ARRAY || index->u.a.n % 2))
		return corrupt(off, "bad /Index in cross-reference stream");
	for (size_t sub = 0; sub < (index ? index->u.a.n / 2 : 1); sub++) {
		int64_t first = 0, count = size;
		if (index && (pdf_int(index->u.a.v[2 * sub], &first) < 0 || pdf_int(index->u.a.v[2 * sub + 1], &count) < 0))
			return corrupt(off, "bad /Index in cross-reference stream");
		if (first < 0 || count < 0 || first + count > PDF_MAX_OBJNUM)
			return corrupt(off, "/Index out of range in cross-reference stream");
		for (int64_t k = 0; k < count; k++) {
			uint64_t f[3];
			size_t rowlen = (size_t)(wv[0] + wv[1] + wv[2]);
			if (len - pos < rowlen)
				return corrupt(off, "cross-reference stream shorter than its /Index");
			for (int i = 0; i < 3; i++) {
				f[i] = 0;
				for (int j = 0; j < wv[i]; j++)
					f[i] = f[i] << 8 | data[pos++];
			}
			if (wv[0] == 0)
				f[0] = 1;
			if (f[0] <= 2 && (err = xref_set(pdf, (uint64_t)(first + k), (int)f[0], f[1], f[2])) < 0)
				return err;
		}
	}
	*trailer = s;
	return 0;
}

static int load_xref_table(vt_pdf *pdf, size_t off, pdf_obj **trailer)
{
	lex l = { pdf, pdf->buf, pdf->len, off, 1 };
	pdf_obj *t, *xs;
	int err, isint;
	double r;
	int64_t stm = 0;
	skip_ws(&l);
	l.pos += 4; /* "xref" */
	/* the trailer first: a hybrid file's /XRefStm entries come before the table's */
	{
		const uint8_t *tp = memmem(pdf->buf + l.pos, pdf->len - l.pos, "trailer", 7);
		lex tl = l;
		if (!tp)
			return corrupt(off, "cross-reference table without trailer");
		tl.pos = (size_t)(tp - pdf->buf) + 7;
		if ((err = parse_obj(&tl, &t, 0)) < 0)
			return err;
		if (t->kind != PDF_DICT)
			return corrupt(tl.pos, "trailer is not a dictionary");
	}
	xs = pdf_dict_get(pdf, t, "XRefStm");
	if (xs && pdf_int(xs, &stm) == 0 && stm > 0 && (uint64_t)stm < pdf->len) {
		pdf_obj *ignored;
		if ((err = load_xref_stream(pdf, (size_t)stm, &ignored)) < 0)
			return err;
	}
	for (;;) {
		int64_t first, count;
		if (at_keyword(&l, "trailer"))
			break;
		if (parse_number(&l, &isint, &first, &r) < 0 || !isint || (skip_ws(&l), parse_number(&l, &isint, &count, &r)) < 0 ||
		    !isint || first < 0 || count < 0 || first + count > PDF_MAX_OBJNUM)
			return corrupt(l.pos, "bad cross-reference subsection header");
		if ((err = xref_grow(pdf, (uint64_t)(first + count))) < 0)
			return err;
		for (int64_t k = 0; k < count; k++) {
			int64_t o, g;
			skip_ws(&l);
			if (parse_number(&l, &isint, &o, &r) < 0 || (skip_ws(&l), parse_number(&l, &isint, &g, &r)) < 0 ||
			    (skip_ws(&l), l.pos >= l.len) || (l.b[l.pos] != 'n' && l.b[l.pos] != 'f') || o < 0 || g < 0)
				return corrupt(l.pos, "bad cross-reference entry");
			if ((err = xref_set(pdf, (uint64_t)(first + k), l.b[l.pos] == 'n' && o > 0 ? 1 : 0, (uint64_t)o,
				     (uint64_t)g)) < 0)
				return err;
			l.pos++;
		}
	}
	*trailer = t;
	return 0;
}

static int load_xref_chain(vt_pdf *pdf, size_t off)
{
	size_t seen[64];
	int err;
	for (int n = 0; n < PDF_MAX_PREV; n++) {
		lex l = { pdf, pdf->buf, pdf->len, off, 1 };
		pdf_obj *t = NULL, *prev;
		int64_t p = 0;
		if (off >= pdf->len)
			return corrupt(off, "cross-reference offset beyond the end of the file");
		for (int i = 0; i < n && i < 64; i++)
			if (seen[i] == off)
				return corrupt(off, "/Prev chain loops");
		if (n < 64)
			seen[n] = off;
		if (at_keyword(&l, "xref"))
			err = load_xref_table(pdf, off, &t);
		else
			err = load_xref_stream(pdf, off, &t);
		if (err < 0)
			return err;
		if (n == 0) {
			pdf->trailer = t;
			pdf->newest_is_stream = t->kind == PDF_STREAM;
		}
		prev = pdf_dict_raw(t, "Prev");
		if (!prev)
			return 0;
		if (pdf_int(prev, &p) < 0 || p < 0)
			return corrupt(off, "bad /Prev");
		off = (size_t)p;
	}
	return corrupt(off, "/Prev chain too long");
}

/* ---- revisions and signatures */

static int find_revisions(vt_pdf *pdf)
{
	size_t cap = 0;
	const uint8_t *p = pdf->buf, *end = pdf->buf + pdf->len;
	while ((p = memmem(p, (size_t)(end - p), "%%EOF", 5))) {
		size_t e = (size_t)(p - pdf->buf) + 5;
		if (e < pdf->len && pdf->buf[e] == '\r')
			e++;
		if (e < pdf->len && pdf->buf[e] == '\n')
			e++;
		if (pdf->nrev == cap) {
			size_t *n = realloc(pdf->rev_end, (cap = cap ? cap * 2 : 8) * sizeof(*n));
			if (!n)
				return vt_error_set(VT_ENOMEM, "PDF: out of memory");
			pdf->rev_end = n;
		}
		pdf->rev_end[pdf->nrev++] = e;
		p += 5;
	}
	return 0;
}

/* A text string (§7.9.2.2) as UTF-8 in the arena. */
static char *text_utf8(vt_pdf *pdf, pdf_obj *o)
{
	const uint8_t *s;
	size_t n, k = 0;
	char *out;
	if (!o || (o->kind != PDF_STRING && o->kind != PDF_NAME))
		return NULL;
	s = (const uint8_t *)o->u.s.p;
	n = o->u.s.len;
	if (!(out = pdf_alloc(pdf, n * 2 + 1)))
		return NULL;
	if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
		for (size_t i = 2; i + 1 < n; i += 2) {
			uint32_t c = (uint32_t)s[i] << 8 | s[i + 1];
			if (c >= 0xD800 && c < 0xDC00 && i + 3 < n) {
				uint32_t lo = (uint32_t)s[i + 2] << 8 | s[i + 3];
				if (lo >= 0xDC00 && lo < 0xE000) {
					c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
					i += 2;
				}
			}
			if (c < 0x80)
				out[k++] = (char)c;
			else if (c < 0x800) {
				out[k++] = (char)(0xC0 | c >> 6);
				out[k++] = (char)(0x80 | (c & 0x3F));
			} else if (c < 0x10000) {
				out[k++] = (char)(0xE0 | c >> 12);
				out[k++] = (char)(0x80 | (c >> 6 & 0x3F));
				out[k++] = (char)(0x80 | (c & 0x3F));
			} else {
				out[k++] = (char)(0xF0 | c >> 18);
				out[k++] = (char)(0x80 | (c >> 12 & 0x3F));
				out[k++] = (char)(0x80 | (c >> 6 & 0x3F));
				out[k++] = (char)(0x80 | (c & 0x3F));
			}
		}
	} else if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
		memcpy(out, s + 3, n - 3);
		k = n - 3;
	} else {
		for (size_t i = 0; i < n; i++) { /* PDFDocEncoding, read as Latin-1 */
			if (s[i] < 0x80)
				out[k++] = (char)s[i];
			else {
				out[k++] = (char)(0xC0 | s[i] >> 6);
				out[k++] = (char)(0x80 | (s[i] & 0x3F));
			}
		}
	}
	for (size_t i = 0; i < k; i++)
		if (out[i] == 0)
			out[i] = '?';
	out[k] = 0;
	return out;
}

static int add_sig(vt_pdf *pdf, pdf_obj *field, pdf_obj *vraw, const char *fqname)
{
	pdf_obj *v = pdf_resolve(pdf, vraw), *br, *c;
	vt_pdf_sig *s;
	if (!v || v->kind != PDF_DICT)
		return 0; /* an unsigned signature field */
	(void)field;
	if (pdf->nsigs == pdf->capsigs) {
		size_t cap = pdf->capsigs ? pdf->capsigs * 2 : 4;
		vt_pdf_sig *n = pdf_alloc(pdf, cap * sizeof(*n));
		if (!n)
			return vt_error_set(VT_ENOMEM, "PDF: out of memory");
		if (pdf->nsigs)
			memcpy(n, pdf->sigs, pdf->nsigs * sizeof(*n));
		pdf->sigs = n;
		pdf->capsigs = cap;
	}
	s = &pdf->sigs[pdf->nsigs++];
	memset(s, 0, sizeof(*s));
	if (fqname && (s->field = pdf_alloc(pdf, strlen(fqname) + 1)))
		strcpy(s->field, fqname);
	s->subfilter = text_utf8(pdf, pdf_dict_get(pdf, v, "SubFilter"));
	s->reason = text_utf8(pdf, pdf_dict_get(pdf, v, "Reason"));
	s->name = text_utf8(pdf, pdf_dict_get(pdf, v, "Name"));
	s->location = text_utf8(pdf, pdf_dict_get(pdf, v, "Location"));
	s->m = text_utf8(pdf, pdf_dict_get(pdf, v, "M"));
	s->objnum = vraw->kind == PDF_REF ? vraw->u.ref.num : 0;
	br = pdf_dict_get(pdf, v, "ByteRange");
	if (br && br->kind == PDF_ARRAY) {
		s->nbr = (int)br->u.a.n;
		for (size_t i = 0; i < 4 && i < br->u.a.n; i++)
			if (pdf_int(pdf_resolve(pdf, br->u.a.v[i]), &s->br[i]) < 0)
				s->nbr = -1;
	}
	c = pdf_dict_raw(v, "Contents"); /* must be direct to be excluded from the digest */
	if (c && c->kind == PDF_STRING) {
		s->contents = (const uint8_t *)c->u.s.p;
		s->contents_len = c->u.s.len;
		if (c->off != SIZE_MAX && c->end != SIZE_MAX) {
			s->contents_off = c->off;
			s->contents_end = c->end;
		}
	}
	if (s->nbr == 4 && s->br[2] >= 0 && s->br[3] >= 0)
		for (size_t r = 0; r < pdf->nrev; r++)
			if ((uint64_t)(s->br[2] + s->br[3]) == pdf->rev_end[r] ||
			    (uint64_t)(s->br[2] + s->br[3]) + 1 == pdf->rev_end[r]) {
				s->revision = (int)r + 1;
				break;
			}
	vt_error_clear();
	return 0;
}

/* Walks the field tree (§12.7.3.1); FT is inheritable. */
static int walk_fields(vt_pdf *pdf, pdf_obj *fields, int depth, const char *prefix, int sig_inherited,
	size_t *budget)
{
	int err;
	if (!fields || fields->kind != PDF_ARRAY)
		return 0;
	if (depth > 32)
		return vt_error_set(VT_ECORRUPT, "PDF: form fields nested too deeply");
	for (size_t i = 0; i < fields->u.a.n; i++) {
		pdf_obj *f = pdf_resolve(pdf, fields->u.a.v[i]), *ft, *t;
		char name[512];
		char *tn;
		int is_sig;
		if (!f || f->kind != PDF_DICT)
			continue;
		if (!(*budget)--)
			return vt_error_set(VT_ETOOBIG, "PDF: more than %d form fields", PDF_MAX_FIELDS);
		ft = pdf_dict_get(pdf, f, "FT");
		is_sig = ft ? pdf_is_name(ft, "Sig") : sig_inherited;
		t = pdf_dict_get(pdf, f, "T");
		tn = text_utf8(pdf, t);
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix && tn ? "." : "", tn ? tn : "");
		if (pdf_dict_raw(f, "Kids") && t) {
			if ((err = walk_fields(pdf, pdf_dict_get(pdf, f, "Kids"), depth + 1, name, is_sig, budget)) < 0)
				return err;
		}
		if (is_sig && pdf_dict_raw(f, "V") && (err = add_sig(pdf, f, pdf_dict_raw(f, "V"), name)) < 0)
			return err;
	}
	return 0;
}

/* ---- public */

int vt_pdf_open(vt_pdf **out, const uint8_t *buf, size_t len)
{
	vt_pdf *pdf = NULL;
	size_t tail = len > 2048 ? len - 2048 : 0, sx = SIZE_MAX;
	int err = 0;
	*out = NULL;
	if (!buf || len < 8 || !memmem(buf, len < 1024 ? len : 1024, "%PDF-", 5))
		return vt_error_set(VT_ECORRUPT, "PDF: no %%PDF- header in the first 1024 bytes");
	if (!(pdf = calloc(1, sizeof(*pdf))))
		return vt_error_set(VT_ENOMEM, "PDF: out of memory");
	pdf->buf = buf;
	pdf->len = len;
	for (size_t i = len - 9; i + 1 > tail && i < len; i--)
		if (memcmp(buf + i, "startxref", 9) == 0) {
			lex l = { pdf, buf, len, i + 9, 1 };
			int isint;
			int64_t v;
			double r;
			skip_ws(&l);
			if (parse_number(&l, &isint, &v, &r) < 0 || !isint || v < 0)
				err = corrupt(l.pos, "bad startxref");
			else
				sx = (size_t)v;
			break;
		}
	if (err < 0)
		goto out;
	if (sx == SIZE_MAX) {
		err = vt_error_set(VT_ECORRUPT, "PDF: no startxref in the last 2048 bytes (offset %zu..%zu)", tail, len);
		goto out;
	}
	pdf->startxref = sx;
	if ((err = load_xref_chain(pdf, sx)) < 0)
		goto out;
	if ((err = find_revisions(pdf)) < 0)
		goto out;
	{
		pdf_obj *root = pdf_dict_get(pdf, pdf->trailer, "Root"), *acro;
		size_t budget = PDF_MAX_FIELDS;
		if (!root || root->kind != PDF_DICT) {
			err = vt_error_set(VT_ECORRUPT, "PDF: trailer has no /Root catalog (cross-reference at offset %zu)", sx);
			goto out;
		}
		acro = pdf_dict_get(pdf, root, "AcroForm");
		if (acro && acro->kind == PDF_DICT &&
		    (err = walk_fields(pdf, pdf_dict_get(pdf, acro, "Fields"), 0, "", 0, &budget)) < 0)
			goto out;
	}
	*out = pdf;
	pdf = NULL;
out:
	vt_pdf_free(pdf);
	return err;
}

void vt_pdf_free(vt_pdf *pdf)
{
	if (!pdf)
		return;
	while (pdf->arena) {
		pdf_chunk *n = pdf->arena->next;
		free(pdf->arena);
		pdf->arena = n;
	}
	free(pdf->x);
	free(pdf->rev_end);
	free(pdf);
}

/* Page tree walk (§7.7.3.2): counts leaves; stops at the want-th. */
static int walk_pages(vt_pdf *pdf, pdf_obj *node, int depth, size_t *count, size_t want, uint32_t *num,
	pdf_obj **page)
{
	pdf_obj *kids = pdf_dict_get(pdf, node, "Kids");
	if (depth > 32)
		return vt_error_set(VT_ECORRUPT, "PDF: page tree nested too deeply");
	if (!kids || kids->kind != PDF_ARRAY)
		return vt_error_set(VT_ECORRUPT, "PDF: page tree node without /Kids");
	for (size_t i = 0; i < kids->u.a.n; i++) {
		pdf_obj *raw = kids->u.a.v[i], *k = pdf_resolve(pdf, raw);
		int err;
		if (!k || k->kind != PDF_DICT)
			continue;
		if (pdf_is_name(pdf_dict_get(pdf, k, "Type"), "Pages") || (!pdf_dict_get(pdf, k, "Type") && pdf_dict_raw(k, "Kids"))) {
			if ((err = walk_pages(pdf, k, depth + 1, count, want, num, page)) < 0)
				return err;
			if (*page)
				return 0;
			continue;
		}
		if (*count == want && raw->kind == PDF_REF) {
			*num = raw->u.ref.num;
			*page = k;
			return 0;
		}
		if (++*count > 1000000)
			return vt_error_set(VT_ETOOBIG, "PDF: too many pages");
	}
	return 0;
}

static pdf_obj *page_root(vt_pdf *pdf)
{
	return pdf_dict_get(pdf, pdf_dict_get(pdf, pdf->trailer, "Root"), "Pages");
}

int pdf_page(vt_pdf *pdf, size_t idx, uint32_t *num, pdf_obj **page)
{
	size_t count = 0;
	int err;
	*page = NULL;
	if ((err = walk_pages(pdf, page_root(pdf), 0, &count, idx, num, page)) < 0)
		return err;
	if (!*page)
		return vt_error_set(VT_EINVAL, "PDF: no page %zu (the document has %zu)", idx + 1, count);
	return 0;
}

int vt_pdf_page_count(vt_pdf *pdf, size_t *out)
{
	pdf_obj *page = NULL;
	uint32_t num;
	*out = 0;
	return walk_pages(pdf, page_root(pdf), 0, out, SIZE_MAX, &num, &page);
}

int vt_pdf_page_box(vt_pdf *pdf, size_t idx, double box[4])
{
	static const double a4[4] = { 0, 0, 595.28, 841.89 };
	pdf_obj *page, *mb = NULL;
	uint32_t num;
	int err;
	memcpy(box, a4, sizeof(a4));
	if ((err = pdf_page(pdf, idx, &num, &page)) < 0)
		return err;
	for (int d = 0; page && !mb && d < 32; d++) {
		mb = pdf_dict_get(pdf, page, "MediaBox");
		page = pdf_dict_get(pdf, page, "Parent");
	}
	if (mb && mb->kind == PDF_ARRAY && mb->u.a.n == 4) {
		double v[4];
		for (int i = 0; i < 4; i++) {
			pdf_obj *o = pdf_resolve(pdf, mb->u.a.v[i]);
			if (!o || (o->kind != PDF_INT && o->kind != PDF_REAL))
				return 0;
			v[i] = o->kind == PDF_INT ? (double)o->u.i : o->u.r;
		}
		memcpy(box, v, sizeof(v));
	}
	return 0;
}

size_t vt_pdf_revision_count(const vt_pdf *pdf) { return pdf->nrev; }
size_t vt_pdf_revision_end(const vt_pdf *pdf, size_t i) { return i < pdf->nrev ? pdf->rev_end[i] : 0; }
size_t vt_pdf_sig_count(const vt_pdf *pdf) { return pdf->nsigs; }
const vt_pdf_sig *vt_pdf_sig_get(const vt_pdf *pdf, size_t i) { return i < pdf->nsigs ? &pdf->sigs[i] : NULL; }
