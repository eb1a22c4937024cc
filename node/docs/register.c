/* Register books: BookDefined, numbering, listing. Numbers run
 * per book per calendar year (Vietnam time) from 1 (NĐ 30/2020, TT 01/2019). */
#include "docs/register.h"
#include "docs/date.h"
#include "store/keyspace.h"
#include "docs/doc.h"
#include "store/error.h"

#include <ctype.h>
#include <unicase.h>
#include <uninorm.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void key_book(vt_key *k, const char *origin, const char *book)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_REG_BOOK);
	vt_key_str(k, book);
}

static void key_counter(vt_key *k, const char *origin, const char *book, uint32_t year)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_REG_COUNTER);
	vt_key_str(k, book);
	vt_key_u32(k, year);
}

static void key_entry(vt_key *k, const char *origin, const char *book, uint32_t year, uint32_t number)
{
	vt_key_init(k, origin);
	vt_key_u8(k, VT_REG_ENTRY);
	vt_key_str(k, book);
	vt_key_u32(k, year);
	vt_key_u32(k, number);
}

void vt_register_normalize(char *out, size_t cap, const char *in)
{
	/* NFC then Unicode upper case (so "qđ" and "QĐ", precomposed or not,
	 * compare equal), then drop white space. */
	size_t len = 0, n = 0;
	uint8_t *up = u8_toupper((const uint8_t *)in, strlen(in), "vi", UNINORM_NFC, NULL, &len);
	const uint8_t *src = up ? up : (const uint8_t *)in;
	if (!up)
		len = strlen(in);
	size_t i;
	for (i = 0; i < len && n + 1 < cap; i++) {
		if (src[i] < 0x80 && isspace(src[i]))
			continue;
		out[n++] = (char)src[i];
	}
	if (i < len) {
		/* Cut short: drop a partial UTF-8 sequence at the end. */
		while (n > 0 && ((uint8_t)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && (uint8_t)out[n - 1] >= 0xc0)
			n--;
	}
	out[n] = '\0';
	free(up);
}

static int book_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 32)
		return 0;
	for (; *id; id++)
		if (!isalnum((unsigned char)*id) && *id != '-' && *id != '_')
			return 0;
	return 1;
}

static int type_allowed(const Vanthu__V1__RegisterBook *b, const char *type)
{
	if (b->n_doc_types == 0)
		return 1;
	for (size_t i = 0; i < b->n_doc_types; i++)
		if (strcmp(b->doc_types[i], type) == 0)
			return 1;
	return 0;
}

/* Two open outgoing books with the same agency symbol that both take every
 * type would give the same số, ký hiệu twice in a year. A book for some
 * types beside a general one is a usual setup (e.g. a book of decisions);
 * there a collision is caught when a number is assigned (the symbol index). */
static int check_outgoing_overlap(vt_apply_ctx *ctx, const Vanthu__V1__RegisterBook *b)
{
	vt_key p;
	vt_iter *it = NULL;
	int error = 0;
	if (b->direction != VANTHU__V1__DIRECTION__OUTGOING || b->closed)
		return 0;
	vt_key_init(&p, ctx->origin);
	vt_key_u8(&p, VT_REG_BOOK);
	if ((error = vt_batch_iter_new(&it, ctx->batch, VT_CF_REGISTER, p.buf, p.len)) < 0)
		return error;
	for (; vt_iter_valid(it) && !error; vt_iter_next(it)) {
		size_t n;
		const char *v = vt_iter_value(it, &n);
		Vanthu__V1__RegisterBook *o = vanthu__v1__register_book__unpack(NULL, n, (const uint8_t *)v);
		if (!o) {
			error = vt_error_set(VT_ECORRUPT, "a register book record does not decode");
			break;
		}
		if (strcmp(o->id, b->id) != 0 && o->direction == VANTHU__V1__DIRECTION__OUTGOING && !o->closed &&
		    strcmp(o->agency_symbol, b->agency_symbol) == 0 && !o->n_doc_types && !b->n_doc_types)
			error = vt_error_set(VT_ECONFLICT, "book '%s' would number every type with symbol %s, as book "
				"'%s' already does: the same số, ký hiệu would be given twice (give it a list of types, "
				"another symbol, or close '%s')", b->id, b->agency_symbol, o->id, o->id);
		vanthu__v1__register_book__free_unpacked(o, NULL);
	}
	if (!error)
		error = vt_iter_status(it);
	vt_iter_free(it);
	return error;
}

int vt_register_apply_book(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__RegisterBook *b = e->event->book_defined->book;
	vt_key k;
	(void)res;
	if (!b)
		return vt_error_set(VT_EINVAL, "book_defined without a book");
	if (!book_id_ok(b->id))
		return vt_error_set(VT_EINVAL, "book id '%s': use 1-32 letters, digits, '-' or '_'", b->id);
	if (!*b->name)
		return vt_error_set(VT_EINVAL, "book '%s' needs a name", b->id);
	if (b->direction != VANTHU__V1__DIRECTION__INCOMING && b->direction != VANTHU__V1__DIRECTION__OUTGOING)
		return vt_error_set(VT_EINVAL, "book '%s': direction must be incoming or outgoing", b->id);
	if (b->direction == VANTHU__V1__DIRECTION__OUTGOING && !*b->agency_symbol)
		return vt_error_set(VT_EINVAL, "outgoing book '%s' needs the agency symbol (ký hiệu cơ quan)", b->id);
	key_book(&k, ctx->origin, b->id);
	/* Redefinition may rename, retype or close a book but not turn it
	 * around: its numbers belong to one direction. */
	{
		Vanthu__V1__RegisterBook *old = NULL;
		int error = vt_apply_get(ctx, VT_CF_REGISTER, &k, &vanthu__v1__register_book__descriptor,
			(ProtobufCMessage **)&old);
		if (error == 0) {
			int flip = old->direction != b->direction;
			vanthu__v1__register_book__free_unpacked(old, NULL);
			if (flip)
				return vt_error_set(VT_ECONFLICT, "book '%s' exists with the other direction", b->id);
		} else if (error != VT_ENOTFOUND) {
			return error;
		}
	}
	{
		int error = check_outgoing_overlap(ctx, b);
		if (error < 0)
			return error;
	}
	return vt_apply_put(ctx, VT_CF_REGISTER, &k, &b->base);
}


/* Duplicate warning (incoming): same số, ký hiệu + issuing agency. Finds an
 * earlier registration; fills dup_id with its document id. */
static int find_duplicate(vt_apply_ctx *ctx, const Vanthu__V1__DocumentMeta *m, vt_key *prefix,
	char *dup_id, size_t cap)
{
	char agency[512], symbol[512];
	vt_iter *it = NULL;
	int error;
	const char *agency_src = *m->issuing_agency_code ? m->issuing_agency_code : m->issuing_agency;
	vt_register_normalize(agency, sizeof(agency), agency_src);
	vt_register_normalize(symbol, sizeof(symbol), m->number_symbol);
	vt_key_init(prefix, ctx->origin);
	vt_key_u8(prefix, VT_IDX_DUP);
	vt_key_str(prefix, agency);
	vt_key_str(prefix, symbol);
	if ((error = vt_key_check(prefix)) < 0)
		return error;
	dup_id[0] = '\0';
	if ((error = vt_batch_iter_new(&it, ctx->batch, VT_CF_INDEX, prefix->buf, prefix->len)) < 0)
		return error;
	if (vt_iter_valid(it)) {
		size_t kl;
		const char *k = vt_iter_key(it, &kl);
		if (kl == prefix->len + 8)
			snprintf(dup_id, cap, "%s/%" PRIu64, ctx->origin, vt_be64_get(k + prefix->len));
	}
	error = vt_iter_status(it);
	vt_iter_free(it);
	return error;
}

static int next_number(vt_apply_ctx *ctx, const char *book, uint32_t year, uint32_t *number)
{
	vt_key k;
	char *v = NULL;
	size_t n = 0;
	uint8_t buf[4];
	int error;
	key_counter(&k, ctx->origin, book, year);
	if ((error = vt_key_check(&k)) < 0)
		return error;
	error = vt_batch_get(ctx->batch, VT_CF_REGISTER, k.buf, k.len, &v, &n);
	if (error == VT_ENOTFOUND) {
		*number = 1;
	} else if (error < 0) {
		return error;
	} else {
		uint32_t last = n == 4 ? vt_be32_get(v) : 0;
		free(v);
		if (n != 4)
			return vt_error_set(VT_ECORRUPT, "counter of book '%s' year %u is %zu bytes", book, year, n);
		if (last == UINT32_MAX)
			return vt_error_set(VT_ERROR, "book '%s' year %u is full", book, year);
		*number = last + 1;
	}
	vt_be32_put(buf, *number);
	vt_batch_put(ctx->batch, VT_CF_REGISTER, k.buf, k.len, buf, 4);
	return 0;
}

int vt_register_number(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, Vanthu__V1__Document *doc,
	const char *book_id, int accept_duplicate, vt_register_scratch *sc, vt_apply_result *res)
{
	Vanthu__V1__RegisterBook *book = NULL;
	Vanthu__V1__RegisterEntry entry = VANTHU__V1__REGISTER_ENTRY__INIT;
	Vanthu__V1__DocumentMeta *m = doc->meta;
	char signer[512];
	vt_key k, dup;
	uint32_t year, number = 0;
	int error;

	if (doc->number) {
		error = vt_error_set(VT_ECONFLICT, "document %s is already registered as number %u/%u in book '%s'",
			doc->id, doc->number, doc->year, doc->book);
		goto out;
	}
	key_book(&k, ctx->origin, book_id);
	if ((error = vt_apply_get(ctx, VT_CF_REGISTER, &k, &vanthu__v1__register_book__descriptor,
		     (ProtobufCMessage **)&book)) < 0) {
		if (error == VT_ENOTFOUND)
			error = vt_error_set(VT_ENOTFOUND, "no register book '%s'", book_id);
		goto out;
	}
	if (book->closed) {
		error = vt_error_set(VT_ECONFLICT, "register book '%s' is closed", book_id);
		goto out;
	}
	if (book->direction != m->direction) {
		error = vt_error_set(VT_EINVAL, "book '%s' is for %s documents; %s is %s", book_id,
			book->direction == VANTHU__V1__DIRECTION__INCOMING ? "incoming" : "outgoing", doc->id,
			m->direction == VANTHU__V1__DIRECTION__INCOMING ? "incoming" : "outgoing");
		goto out;
	}
	if (!type_allowed(book, m->doc_type)) {
		error = vt_error_set(VT_EINVAL, "book '%s' does not take documents of type '%s'", book_id,
			m->doc_type);
		goto out;
	}
	snprintf(sc->book, sizeof(sc->book), "%s", book->id);

	year = vt_year_vn(e->time);
	if (m->direction == VANTHU__V1__DIRECTION__INCOMING) {
		if ((error = find_duplicate(ctx, m, &dup, res->duplicate_of, sizeof(res->duplicate_of))) < 0)
			goto out;
		if (res->duplicate_of[0] && !accept_duplicate) {
			error = vt_error_set(VT_EEXISTS,
				"duplicate: '%s' from '%s' is already registered as document %s; "
				"confirm with accept_duplicate to register it again",
				m->number_symbol, m->issuing_agency, res->duplicate_of);
			goto out;
		}
		vt_key_u64(&dup, doc->created_seq);
		vt_batch_put(ctx->batch, VT_CF_INDEX, dup.buf, dup.len, "", 0);
	}
	if ((error = next_number(ctx, book->id, year, &number)) < 0)
		goto out;

	if (m->direction == VANTHU__V1__DIRECTION__OUTGOING) {
		/* Số, ký hiệu: number (two digits at least), '/', then the ký hiệu
		 * the drafter gave (e.g. "UBND-VX" for a công văn) or type-agency. */
		char *existing = NULL;
		size_t n;
		if (*m->number_symbol)
			snprintf(sc->symbol, sizeof(sc->symbol), "%02u/%s", number, m->number_symbol);
		else
			snprintf(sc->symbol, sizeof(sc->symbol), "%02u/%s-%s", number, m->doc_type, book->agency_symbol);
		vt_key_init(&k, ctx->origin);
		vt_key_u8(&k, VT_IDX_SYMBOL);
		vt_key_u32(&k, year);
		vt_key_str(&k, sc->symbol);
		if ((error = vt_key_check(&k)) < 0)
			goto out;
		error = vt_batch_get(ctx->batch, VT_CF_INDEX, k.buf, k.len, &existing, &n);
		if (error == 0) {
			error = vt_error_set(VT_ECONFLICT, "số, ký hiệu %s is already used in %u by %.*s", sc->symbol,
				year, (int)n, existing);
			free(existing);
			goto out;
		} else if (error != VT_ENOTFOUND) {
			goto out;
		}
		vt_batch_put(ctx->batch, VT_CF_INDEX, k.buf, k.len, doc->id, strlen(doc->id));
		snprintf(res->number_symbol, sizeof(res->number_symbol), "%s", sc->symbol);
		entry.number_symbol = sc->symbol;
	} else {
		entry.number_symbol = m->number_symbol;
	}

	snprintf(signer, sizeof(signer), "%s%s%s", m->signer ? m->signer->name : "",
		m->signer && *m->signer->position ? ", " : "", m->signer ? m->signer->position : "");
	entry.book = book->id;
	entry.year = year;
	entry.number = number;
	entry.document_id = doc->id;
	entry.registered_at = e->time;
	entry.issue_date = m->issue_date;
	entry.doc_type = m->doc_type;
	entry.summary = m->summary;
	entry.issuing_agency = m->issuing_agency;
	entry.signer = signer;
	entry.n_recipients = m->n_recipients;
	entry.recipients = m->recipients;
	entry.copies = m->copies;
	entry.notes = m->notes;
	entry.retained_by = m->retained_by;
	key_entry(&k, ctx->origin, book->id, year, number);
	if ((error = vt_apply_put(ctx, VT_CF_REGISTER, &k, &entry.base)) < 0)
		goto out;

	doc->book = sc->book;
	doc->year = year;
	doc->number = number;
	doc->registered_at = e->time;
	doc->registered_by = e->actor;
	if (res->duplicate_of[0]) {
		doc->duplicate_accepted = 1;
		doc->duplicate_of = res->duplicate_of;
	}
	if (m->direction == VANTHU__V1__DIRECTION__OUTGOING)
		m->number_symbol = sc->symbol;
	snprintf(res->document_id, sizeof(res->document_id), "%s", doc->id);
	res->year = year;
	res->number = number;
out:
	if (book)
		vanthu__v1__register_book__free_unpacked(book, NULL);
	return error;
}

int vt_register_book_get(vt_store *store, const char *origin, const char *book,
	Vanthu__V1__RegisterBook **out)
{
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	*out = NULL;
	key_book(&k, origin, book);
	if ((error = vt_store_get(store, VT_CF_REGISTER, k.buf, k.len, &v, &n)) < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "no register book '%s'", book) : error;
	*out = vanthu__v1__register_book__unpack(NULL, n, (const uint8_t *)v);
	free(v);
	return *out ? 0 : vt_error_set(VT_ECORRUPT, "register book '%s' does not decode", book);
}

VT_MSG_EACH_TYPED(each_book, vt_register_book_fn, Vanthu__V1__RegisterBook, vanthu__v1__register_book__descriptor)

int vt_register_books(vt_store *store, const char *origin, vt_register_book_fn fn, void *payload)
{
	vt_key k;
	vt_key_init(&k, origin);
	vt_key_u8(&k, VT_REG_BOOK);
	return each_book(store, VT_CF_REGISTER, &k, NULL, fn, payload);
}

VT_MSG_EACH_TYPED(each_entry, vt_register_entry_fn, Vanthu__V1__RegisterEntry, vanthu__v1__register_entry__descriptor)

int vt_register_entries(vt_store *store, const char *origin, const char *book, uint32_t year,
	vt_register_entry_fn fn, void *payload)
{
	vt_key k;
	vt_key_init(&k, origin);
	vt_key_u8(&k, VT_REG_ENTRY);
	vt_key_str(&k, book);
	if (year)
		vt_key_u32(&k, year);
	return each_entry(store, VT_CF_REGISTER, &k, NULL, fn, payload);
}

int vt_register_last_number(vt_store *store, const char *origin, const char *book, uint32_t year,
	uint32_t *out)
{
	vt_key k;
	char *v = NULL;
	size_t n;
	int error;
	*out = 0;
	key_counter(&k, origin, book, year);
	if ((error = vt_store_get(store, VT_CF_REGISTER, k.buf, k.len, &v, &n)) < 0)
		return error == VT_ENOTFOUND ? 0 : error;
	if (n == 4)
		*out = vt_be32_get(v);
	free(v);
	return n == 4 ? 0 : vt_error_set(VT_ECORRUPT, "counter of book '%s' year %u is corrupt", book, year);
}
