/* vanthu register list, book list|define: the register books (sổ đăng ký)
 * and their entries, on a data directory or, without one, over gRPC;
 * printed in the regulation's columns, as CSV, JSON or a PDF. */
#include "cli/cmd.h"
#include "cli/data.h"
#include "cli/print.h"
#include "docs/commands.h"
#include "docs/date.h"
#include "docs/register.h"
#include "docs/register_pdf.h"
#include "store/error.h"
#include "store/file.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- register list */

/* Printing register books (the columns of the printed register). */
typedef struct list_ctx {
	cli_args *a;
	vt_store *store;    /* offline only */
	const char *origin; /* offline only */
	uint32_t year;
	int csv;
	int direction;
	size_t rows, before;
	vt_regpdf *pdf;     /* --pdf: the register printed to a PDF file */
} list_ctx;

static void csv_field(const char *s, int last)
{
	fputc('"', stdout);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', stdout);
		fputc(*s, stdout);
	}
	fputc('"', stdout);
	fputc(last ? '\n' : ',', stdout);
}

static void date_of(char *out, size_t cap, int64_t us)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	print_time(m, us);
	fclose(m);
	snprintf(out, cap, "%.10s", buf ? buf : "");
	free(buf);
}

static void join(char *out, size_t cap, char **l, size_t n)
{
	size_t used = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && used + 1 < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "; " : "", l[i]);
}

/* --pdf FILE: makes c->pdf (agency named on the pages); pdf_end writes the
 * file (and frees). */
static int pdf_begin(list_ctx *c, const char *agency, const char *node_id)
{
	vt_regpdf_opts o = { 0 };
	if (!cli_opt(c->a, "pdf"))
		return 0;
	if (c->csv || c->a->json)
		return vt_error_set(VT_EINVAL, "--pdf is a file of its own: not with --csv or --json");
	o.agency_name = agency;
	o.node_id = node_id;
	return vt_regpdf_new(&c->pdf, &o);
}

static int pdf_end(list_ctx *c, int error)
{
	const char *path = cli_opt(c->a, "pdf");
	uint8_t *pdf = NULL;
	size_t len = 0;
	if (!c->pdf)
		return error;
	if (error == 0 && (error = vt_regpdf_finish(c->pdf, &pdf, &len)) == 0 &&
	    (error = vt_file_write_atomic(path, pdf, len, 0644)) == 0)
		printf("%zu entries printed to %s (%zu bytes)\n", c->rows, path, len);
	free(pdf);
	vt_regpdf_free(c->pdf);
	c->pdf = NULL;
	return error;
}

static int print_entry(void *ctx, const Vanthu__V1__RegisterEntry *r)
{
	list_ctx *c = ctx;
	if (c->pdf) {
		c->rows++;
		return vt_regpdf_entry(c->pdf, r);
	}
	char when[16], recipients[1024], num[16], copies[16];
	date_of(when, sizeof(when), r->registered_at);
	join(recipients, sizeof(recipients), r->recipients, r->n_recipients);
	snprintf(num, sizeof(num), "%u", r->number);
	snprintf(copies, sizeof(copies), "%u", r->copies);
	if (c->a->json) {
		printf("%s{\"book\":", c->rows ? "," : "");
		json_str(stdout, r->book);
		printf(",\"year\":%u,\"number\":%u,\"document_id\":", r->year, r->number);
		json_str(stdout, r->document_id);
		printf(",\"registered_at\":\"");
		print_time(stdout, r->registered_at);
		printf("\",\"number_symbol\":");
		json_str(stdout, r->number_symbol);
		printf(",\"issue_date\":");
		json_str(stdout, r->issue_date);
		printf(",\"doc_type\":");
		json_str(stdout, r->doc_type);
		printf(",\"summary\":");
		json_str(stdout, r->summary);
		printf(",\"issuing_agency\":");
		json_str(stdout, r->issuing_agency);
		printf(",\"signer\":");
		json_str(stdout, r->signer);
		printf(",\"recipients\":[");
		for (size_t i = 0; i < r->n_recipients; i++) {
			printf("%s", i ? "," : "");
			json_str(stdout, r->recipients[i]);
		}
		printf("],\"copies\":%u,\"retained_by\":", r->copies);
		json_str(stdout, r->retained_by);
		printf(",\"notes\":");
		json_str(stdout, r->notes);
		printf("}");
	} else if (c->csv) {
		if (c->direction == VANTHU__V1__DIRECTION__INCOMING) {
			csv_field(when, 0); csv_field(num, 0); csv_field(r->issuing_agency, 0);
			csv_field(r->number_symbol, 0); csv_field(r->issue_date, 0);
			{
				char ts[4200];
				snprintf(ts, sizeof(ts), "%s - %s", r->doc_type, r->summary);
				csv_field(ts, 0);
			}
			csv_field(recipients, 0); csv_field(r->notes, 1);
		} else {
			csv_field(r->number_symbol, 0); csv_field(r->issue_date[0] ? r->issue_date : when, 0);
			{
				char ts[4200];
				snprintf(ts, sizeof(ts), "%s - %s", r->doc_type, r->summary);
				csv_field(ts, 0);
			}
			csv_field(r->signer, 0); csv_field(recipients, 0); csv_field(r->retained_by, 0);
			csv_field(copies, 0); csv_field(r->notes, 1);
		}
	} else if (c->direction == VANTHU__V1__DIRECTION__INCOMING) {
		cell(stdout, when, 10); cell(stdout, num, 6); cell(stdout, r->issuing_agency, 24);
		cell(stdout, r->number_symbol, 16); cell(stdout, r->issue_date, 10); cell(stdout, r->doc_type, 5);
		cell(stdout, r->summary, 0);
		printf("\n");
	} else {
		cell(stdout, r->number_symbol, 16); cell(stdout, r->issue_date[0] ? r->issue_date : when, 10);
		cell(stdout, r->doc_type, 5); cell(stdout, r->summary, 40); cell(stdout, r->signer, 24);
		cell(stdout, recipients, 0);
		printf("\n");
	}
	c->rows++;
	return 0;
}

static void book_begin(list_ctx *c, const Vanthu__V1__RegisterBook *b)
{
	c->before = c->rows;
	c->direction = b->direction;
	if (c->pdf) {
		vt_regpdf_book(c->pdf, b, c->year);
		return;
	}
	if (!c->a->json) {
		if (c->csv) {
			printf("\"%s: %s\"\n", b->id, b->name);
			if (b->direction == VANTHU__V1__DIRECTION__INCOMING)
				printf("\"Ngày đến\",\"Số đến\",\"Tác giả\",\"Số, ký hiệu\",\"Ngày tháng văn bản\","
					"\"Tên loại và trích yếu\",\"Đơn vị hoặc người nhận\",\"Ghi chú\"\n");
			else
				printf("\"Số, ký hiệu\",\"Ngày tháng văn bản\",\"Tên loại và trích yếu\",\"Người ký\","
					"\"Nơi nhận\",\"Đơn vị, người nhận bản lưu\",\"Số lượng bản\",\"Ghi chú\"\n");
		} else {
			printf("%s — %s (%s)%s\n", b->id, b->name, cli_direction_name(b->direction), b->closed ? " [closed]" : "");
			if (b->direction == VANTHU__V1__DIRECTION__INCOMING) {
				cell(stdout, "Ngày đến", 10); cell(stdout, "Số đến", 6); cell(stdout, "Tác giả", 24);
				cell(stdout, "Số, ký hiệu", 16); cell(stdout, "Ngày VB", 10); cell(stdout, "Loại", 5);
				cell(stdout, "Trích yếu", 0);
			} else {
				cell(stdout, "Số, ký hiệu", 16); cell(stdout, "Ngày VB", 10); cell(stdout, "Loại", 5);
				cell(stdout, "Trích yếu", 40); cell(stdout, "Người ký", 24); cell(stdout, "Nơi nhận", 0);
			}
			printf("\n");
		}
	}
}

static void book_end(list_ctx *c)
{
	if (c->pdf)
		return;
	if (!c->a->json && !c->csv && c->rows == c->before)
		printf("(no entries)\n");
	if (!c->a->json && !c->csv)
		printf("\n");
}

static int list_book(void *ctx, const Vanthu__V1__RegisterBook *b)
{
	list_ctx *c = ctx;
	int error;
	book_begin(c, b);
	error = vt_register_entries(c->store, c->origin, b->id, c->year, print_entry, c);
	book_end(c);
	return error;
}

int cmd_register_list(cli_args *a)
{
	vt_store *store = NULL;
	char origin[VT_NODE_ID_MAX + 1];
	const char *book = cli_opt(a, "book");
	uint64_t year;
	list_ctx c = { 0 };
	int error;
	c.csv = cli_flag(a, "csv");
	(void)cli_opt(a, "pdf"); /* read later */
	if ((error = cli_u64(a, "year", 0, &year)) < 0 || (error = cli_check_unused(a)) < 0)
		return error;
	if (year > 9999)
		return vt_error_set(VT_EINVAL, "--year %" PRIu64 " is not a year", year);
	if ((error = cli_open_ro(&store, origin, sizeof(origin), a)) < 0)
		return error;
	c.a = a;
	c.store = store;
	c.origin = origin;
	c.year = (uint32_t)year;
	{
		Vanthu__V1__NodeInitialized *ni = NULL;
		if ((error = vt_node_info_get(store, origin, &ni)) == 0)
			error = pdf_begin(&c, ni->agency_name, origin);
		if (ni)
			vanthu__v1__node_initialized__free_unpacked(ni, NULL);
		if (error < 0) {
			vt_store_free(store);
			return error;
		}
	}
	if (a->json)
		printf("[");
	if (book) {
		Vanthu__V1__RegisterBook *b = NULL;
		if ((error = vt_register_book_get(store, origin, book, &b)) == 0) {
			error = list_book(&c, b);
			vanthu__v1__register_book__free_unpacked(b, NULL);
		}
	} else {
		error = vt_register_books(store, origin, list_book, &c);
	}
	if (a->json)
		printf("]\n");
	error = pdf_end(&c, error);
	vt_store_free(store);
	return error;
}

/* ---- books */

typedef struct book_ctx {
	cli_args *a;
	vt_store *store;
	const char *origin;
	int n;
} book_ctx;

static int print_book(void *ctx, const Vanthu__V1__RegisterBook *b)
{
	book_ctx *c = ctx;
	uint32_t last = 0;
	uint32_t year = vt_year_vn(vt_clock_now(NULL));
	int error = vt_register_last_number(c->store, c->origin, b->id, year, &last);
	if (error < 0)
		return error;
	if (c->a->json) {
		printf("%s{\"id\":", c->n ? "," : "");
		json_str(stdout, b->id);
		printf(",\"name\":");
		json_str(stdout, b->name);
		printf(",\"direction\":\"%s\",\"agency_symbol\":", cli_direction_name(b->direction));
		json_str(stdout, b->agency_symbol);
		printf(",\"closed\":%s,\"doc_types\":[", b->closed ? "true" : "false");
		for (size_t i = 0; i < b->n_doc_types; i++) {
			printf("%s", i ? "," : "");
			json_str(stdout, b->doc_types[i]);
		}
		printf("],\"year\":%u,\"last_number\":%u}", year, last);
	} else {
		printf("%-12s %-9s %-32s last %u/%u", b->id, cli_direction_name(b->direction), b->name, last, year);
		if (b->n_doc_types) {
			printf("  types:");
			for (size_t i = 0; i < b->n_doc_types; i++)
				printf("%s%s", i ? "," : " ", b->doc_types[i]);
		}
		printf("%s\n", b->closed ? "  [closed]" : "");
	}
	c->n++;
	return 0;
}

int cmd_book_list(cli_args *a)
{
	vt_store *store = NULL;
	char origin[VT_NODE_ID_MAX + 1];
	book_ctx c = { 0 };
	int error;
	if ((error = cli_check_unused(a)) < 0 || (error = cli_open_ro(&store, origin, sizeof(origin), a)) < 0)
		return error;
	c.a = a;
	c.store = store;
	c.origin = origin;
	if (a->json)
		printf("[");
	error = vt_register_books(store, origin, print_book, &c);
	if (a->json)
		printf("]\n");
	vt_store_free(store);
	return error;
}

int cmd_book_define(cli_args *a)
{
	Vanthu__V1__RegisterBook book = VANTHU__V1__REGISTER_BOOK__INIT;
	const char *reason = cli_opt(a, "reason") ? cli_opt(a, "reason") : "";
	vt_node *node = NULL;
	vt_apply_result r;
	char **types = NULL;
	size_t ntypes = 0;
	const char *actor = cli_actor(a);
	int error;

	book.id = (char *)cli_opt(a, "id");
	book.name = (char *)cli_opt(a, "name");
	book.agency_symbol = (char *)(cli_opt(a, "agency-symbol") ? cli_opt(a, "agency-symbol") : "");
	book.closed = cli_flag(a, "closed");
	if (!book.id || !book.name)
		return vt_error_set(VT_EINVAL, "book define needs --id and --name");
	if ((error = cli_direction_parse(cli_opt(a, "direction"), &book.direction)) < 0 ||
	    (error = cli_split_list(cli_opt(a, "types"), &types, &ntypes)) < 0)
		goto out;
	if ((error = cli_check_unused(a)) < 0 || (error = cli_open_rw(&node, a)) < 0)
		goto out;
	book.doc_types = types;
	book.n_doc_types = ntypes;
	if ((error = vt_cmd_book_define(node->log, actor, &book, reason, &r)) < 0)
		goto out;
	if (a->json)
		printf("{\"id\":\"%s\",\"seq\":%" PRIu64 "}\n", book.id, r.seq);
	else
		printf("book %s defined (log entry %" PRIu64 ")\n", book.id, r.seq);
out:
	cli_free_list(types, ntypes);
	vt_node_free(node);
	return error;
}

/* ---- over gRPC */

int cmd_book_define_remote(cli_remote *r, cli_args *a)
{
	Vanthu__V1__DefineBookRequest req = VANTHU__V1__DEFINE_BOOK_REQUEST__INIT;
	Vanthu__V1__RegisterBook b = VANTHU__V1__REGISTER_BOOK__INIT;
	Vanthu__V1__ChangeResult *out = NULL;
	const char *dir = cli_opt(a, "direction");
	char **types = NULL;
	size_t ntypes = 0;
	int error;
	b.id = (char *)cli_opt(a, "id");
	b.name = (char *)cli_opt(a, "name");
	b.agency_symbol = (char *)(cli_opt(a, "agency-symbol") ? cli_opt(a, "agency-symbol") : "");
	b.closed = cli_flag(a, "closed");
	req.reason = (char *)(cli_opt(a, "reason") ? cli_opt(a, "reason") : "");
	if (!b.id || !b.name || !dir)
		return vt_error_set(VT_EINVAL, "book define needs --id, --name and --direction");
	b.direction = strcmp(dir, "incoming") == 0 ? VANTHU__V1__DIRECTION__INCOMING :
		strcmp(dir, "outgoing") == 0 ? VANTHU__V1__DIRECTION__OUTGOING : 0;
	if ((error = cli_split_list(cli_opt(a, "types"), &types, &ntypes)) < 0)
		return error;
	b.doc_types = types;
	b.n_doc_types = ntypes;
	req.book = &b;
	if ((error = cli_check_unused(a)) == 0 &&
	    (error = CALL(r, "Admin", "DefineBook", req, change_result, &out)) == 0) {
		printf("book %s defined (log entry %" PRIu64 ")\n", b.id, out->seq);
		vanthu__v1__change_result__free_unpacked(out, NULL);
	}
	cli_free_list(types, ntypes);
	return error;
}

int cmd_book_list_remote(cli_remote *r, cli_args *a)
{
	Vanthu__V1__Empty empty = VANTHU__V1__EMPTY__INIT;
	Vanthu__V1__BookList *books = NULL;
	uint64_t year;
	int error;
	if ((error = cli_u64(a, "year", 0, &year)) < 0) /* taken, as by register list */
		return error;
	if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Registers", "ListBooks", empty, book_list, &books)) < 0)
		return error;
	for (size_t i = 0; i < books->n_books; i++) {
		const Vanthu__V1__RegisterBook *b = books->books[i];
		if (a->json) {
			printf("%s{\"id\":", i ? "," : "[");
			json_str(stdout, b->id);
			printf(",\"name\":");
			json_str(stdout, b->name);
			printf(",\"direction\":\"%s\"}", cli_direction_name(b->direction));
		} else {
			cell(stdout, b->id, 12);
			cell(stdout, cli_direction_name(b->direction), 9);
			cell(stdout, b->name, 0);
			printf("%s\n", b->closed ? "  [closed]" : "");
		}
	}
	if (a->json)
		printf("%s]\n", books->n_books ? "" : "[");
	vanthu__v1__book_list__free_unpacked(books, NULL);
	return 0;
}

int cmd_register_list_remote(cli_remote *r, cli_args *a)
{
	Vanthu__V1__Empty empty = VANTHU__V1__EMPTY__INIT;
	Vanthu__V1__BookList *books = NULL;
	const char *only;
	list_ctx c = { 0 };
	uint64_t year;
	int error;
	if ((error = cli_u64(a, "year", 0, &year)) < 0)
		return error;
	only = cli_opt(a, "book");
	c.a = a;
	c.year = (uint32_t)year;
	c.csv = cli_flag(a, "csv");
	if (cli_opt(a, "pdf")) {
		/* the agency's name heads the pages */
		Vanthu__V1__NodeInfo *info = NULL;
		if ((error = CALL(r, "Audit", "GetNodeInfo", empty, node_info, &info)) < 0)
			return error;
		error = pdf_begin(&c, info->node ? info->node->agency_name : "",
			info->node ? info->node->node_id : "");
		vanthu__v1__node_info__free_unpacked(info, NULL);
		if (error < 0)
			return error;
	}
	if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Registers", "ListBooks", empty, book_list, &books)) < 0)
		return pdf_end(&c, error);
	if (a->json)
		printf("[");
	for (size_t i = 0; i < books->n_books && !error; i++) {
		Vanthu__V1__ListEntriesRequest req = VANTHU__V1__LIST_ENTRIES_REQUEST__INIT;
		Vanthu__V1__EntryList *entries = NULL;
		if (only && strcmp(only, books->books[i]->id) != 0)
			continue;
		req.book = books->books[i]->id;
		req.year = (uint32_t)year;
		req.limit = 100000;
		if ((error = CALL(r, "Registers", "ListEntries", req, entry_list, &entries)) < 0)
			break;
		book_begin(&c, books->books[i]);
		for (size_t j = 0; j < entries->n_entries; j++)
			print_entry(&c, entries->entries[j]);
		book_end(&c);
		vanthu__v1__entry_list__free_unpacked(entries, NULL);
	}
	if (a->json)
		printf("]\n");
	vanthu__v1__book_list__free_unpacked(books, NULL);
	return pdf_end(&c, error);
}
