/* vanthu register list, book list|define, doc add|show (offline). */
#include "cli/cli.h"
#include "docs/commands.h"
#include "docs/date.h"
#include "store/keyspace.h"
#include "store/file.h"
#include "store/keys.h"
#include "docs/register_pdf.h"
#include "docs/exchange.h"
#include "docs/doc.h"
#include "store/error.h"
#include "store/keys.h"
#include "docs/register.h"
#include "docs/workflow.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *dir_name(int d)
{
	return d == VANTHU__V1__DIRECTION__INCOMING ? "incoming" : d == VANTHU__V1__DIRECTION__OUTGOING ? "outgoing" : "?";
}

static int parse_direction(const char *v, Vanthu__V1__Direction *out)
{
	if (v && (strcmp(v, "incoming") == 0 || strcmp(v, "in") == 0 || strcmp(v, "den") == 0))
		*out = VANTHU__V1__DIRECTION__INCOMING;
	else if (v && (strcmp(v, "outgoing") == 0 || strcmp(v, "out") == 0 || strcmp(v, "di") == 0))
		*out = VANTHU__V1__DIRECTION__OUTGOING;
	else
		return vt_error_set(VT_EINVAL, "--direction must be incoming or outgoing");
	return 0;
}

/* Splits a comma list into a malloc'd array of malloc'd strings. */
int cli_split_list(const char *v, char ***out, size_t *n)
{
	char *copy, *save = NULL, *tok;
	*out = NULL;
	*n = 0;
	if (!v || !*v)
		return 0;
	if (!(copy = strdup(v)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char **grown = realloc(*out, (*n + 1) * sizeof(char *));
		if (!grown) {
			free(copy);
			return vt_error_set(VT_ENOMEM, "out of memory");
		}
		*out = grown;
		(*out)[(*n)++] = strdup(tok);
	}
	free(copy);
	return 0;
}

void cli_free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* ---- register list */

typedef cli_list list_ctx;

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

int cli_register_pdf_begin(cli_list *c, const char *agency, const char *node_id)
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

int cli_register_pdf_end(cli_list *c, int error)
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

int cli_register_print_entry(void *ctx, const Vanthu__V1__RegisterEntry *r)
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

void cli_register_book_begin(cli_list *c, const Vanthu__V1__RegisterBook *b)
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
			printf("%s — %s (%s)%s\n", b->id, b->name, dir_name(b->direction), b->closed ? " [closed]" : "");
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

void cli_register_book_end(cli_list *c)
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
	cli_register_book_begin(c, b);
	error = vt_register_entries(c->store, c->origin, b->id, c->year, cli_register_print_entry, c);
	cli_register_book_end(c);
	return error;
}

static int register_list(cli_args *a)
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
			error = cli_register_pdf_begin(&c, ni->agency_name, origin);
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
	error = cli_register_pdf_end(&c, error);
	vt_store_free(store);
	return error;
}

int cmd_register(const char *verb, cli_args *a)
{
	if (strcmp(verb, "list") == 0)
		return register_list(a);
	return vt_error_set(VT_EINVAL, "unknown verb 'register %s' (list)", verb);
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
		printf(",\"direction\":\"%s\",\"agency_symbol\":", dir_name(b->direction));
		json_str(stdout, b->agency_symbol);
		printf(",\"closed\":%s,\"doc_types\":[", b->closed ? "true" : "false");
		for (size_t i = 0; i < b->n_doc_types; i++) {
			printf("%s", i ? "," : "");
			json_str(stdout, b->doc_types[i]);
		}
		printf("],\"year\":%u,\"last_number\":%u}", year, last);
	} else {
		printf("%-12s %-9s %-32s last %u/%u", b->id, dir_name(b->direction), b->name, last, year);
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

static int book_list(cli_args *a)
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

static const char *actor_of(cli_args *a)
{
	const char *actor = cli_opt(a, "actor");
	if (!actor)
		actor = getenv("USER");
	return actor && *actor ? actor : "admin";
}

static int book_define(cli_args *a)
{
	Vanthu__V1__RegisterBook book = VANTHU__V1__REGISTER_BOOK__INIT;
	const char *reason = cli_opt(a, "reason") ? cli_opt(a, "reason") : "";
	vt_node *node = NULL;
	vt_apply_result r;
	char **types = NULL;
	size_t ntypes = 0;
	const char *actor = actor_of(a);
	int error;

	book.id = (char *)cli_opt(a, "id");
	book.name = (char *)cli_opt(a, "name");
	book.agency_symbol = (char *)(cli_opt(a, "agency-symbol") ? cli_opt(a, "agency-symbol") : "");
	book.closed = cli_flag(a, "closed");
	if (!book.id || !book.name)
		return vt_error_set(VT_EINVAL, "book define needs --id and --name");
	if ((error = parse_direction(cli_opt(a, "direction"), &book.direction)) < 0 ||
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

int cmd_book(const char *verb, cli_args *a)
{
	if (strcmp(verb, "list") == 0)
		return book_list(a);
	if (strcmp(verb, "define") == 0)
		return book_define(a);
	return vt_error_set(VT_EINVAL, "unknown verb 'book %s' (list, define)", verb);
}

/* ---- documents */

int cli_meta_parse(cli_meta *cm, cli_args *a)
{
	Vanthu__V1__DocumentMeta *m = &cm->meta;
	uint64_t urgency, copies;
	int error;
	vanthu__v1__document_meta__init(m);
	vanthu__v1__signer__init(&cm->signer);
	cm->recipients = NULL;
	cm->nrec = 0;
#define S(field, opt) m->field = (char *)(cli_opt(a, opt) ? cli_opt(a, opt) : "")
	S(doc_type, "type");
	S(number_symbol, "symbol");
	S(issue_date, "issue-date");
	S(issuing_agency, "agency");
	S(issuing_agency_code, "agency-code");
	S(summary, "summary");
	S(due_date, "due-date");
	S(notes, "notes");
	S(retained_by, "retained-by");
	S(place, "place");
#undef S
	cm->signer.name = (char *)(cli_opt(a, "signer") ? cli_opt(a, "signer") : "");
	cm->signer.position = (char *)(cli_opt(a, "position") ? cli_opt(a, "position") : "");
	cm->signer.competence = (char *)(cli_opt(a, "competence") ? cli_opt(a, "competence") : "");
	m->signer = &cm->signer;
	if ((error = parse_direction(cli_opt(a, "direction"), &m->direction)) < 0 ||
	    (error = cli_u64(a, "urgency", 0, &urgency)) < 0 || (error = cli_u64(a, "copies", 0, &copies)) < 0 ||
	    (error = cli_split_list(cli_opt(a, "recipients"), &cm->recipients, &cm->nrec)) < 0)
		return error;
	if (urgency > 4)
		return vt_error_set(VT_EINVAL, "--urgency is 0 (thường), 1 (khẩn), 2 (thượng khẩn), 3 (hỏa tốc) or 4");
	m->urgency = (Vanthu__V1__Urgency)urgency;
	m->copies = (uint32_t)copies;
	m->paper_issue = cli_flag(a, "paper");
	if (m->paper_issue && m->direction != VANTHU__V1__DIRECTION__OUTGOING)
		return vt_error_set(VT_EINVAL, "--paper is for an outgoing document issued on paper (Điều 9.4c)");
	m->recipients = cm->recipients;
	m->n_recipients = cm->nrec;
	return 0;
}

void cli_meta_dispose(cli_meta *cm)
{
	cli_free_list(cm->recipients, cm->nrec);
	cm->recipients = NULL;
	cm->nrec = 0;
}

static int doc_add(cli_args *a)
{
	cli_meta cm;
	Vanthu__V1__DocumentMeta *m = &cm.meta;
	Vanthu__V1__Attachment att = VANTHU__V1__ATTACHMENT__INIT, *atts[1] = { &att };
	vt_node *node = NULL;
	vt_apply_result r;
	int accept = cli_flag(a, "accept-duplicate");
	const char *file = cli_opt(a, "file"), *book = cli_opt(a, "register");
	const char *actor = actor_of(a);
	uint8_t *data = NULL, hash[VT_HASH_LEN];
	size_t len = 0;
	int error;

	const char *reason = cli_opt(a, "reason") ? cli_opt(a, "reason") : "";
	if ((error = cli_meta_parse(&cm, a)) < 0 || (error = cli_check_unused(a)) < 0)
		goto out;
	if (file && (error = vt_file_read(file, (size_t)1 << 30, &data, &len)) < 0)
		goto out;
	if ((error = cli_open_rw(&node, a)) < 0)
		goto out;
	if (file) {
		/* the file first, with its BlobAdded event, as through the API */
		cli_attachment(&att, file, hash, data, len);
		if ((error = vt_cmd_blob_add(node->log, actor, data, len, att.media_type, NULL, hash, &r)) < 0)
			goto out;
		m->attachments = atts;
		m->n_attachments = 1;
	}
	/* with --register: received and registered in one atomic step */
	if ((error = vt_cmd_doc_create(node->log, actor, m, book, accept, reason, &r)) < 0)
		goto out;
	cli_print_created(a, r.document_id, r.seq, book, r.year, r.number,
		r.number_symbol[0] ? r.number_symbol : m->number_symbol, r.duplicate_of);
out:
	cli_meta_dispose(&cm);
	free(data);
	vt_node_free(node);
	return error;
}

void cli_attachment(Vanthu__V1__Attachment *att, const char *file, uint8_t hash[VT_HASH_LEN],
	const uint8_t *data, size_t len)
{
	const char *base = strrchr(file, '/');
	att->sha256.data = hash;
	att->sha256.len = VT_HASH_LEN;
	att->name = (char *)(base ? base + 1 : file);
	att->size = len;
	att->media_type = (char *)(len >= 5 && memcmp(data, "%PDF-", 5) == 0 ? "application/pdf" :
		"application/octet-stream");
}

void cli_print_created(cli_args *a, const char *id, uint64_t seq, const char *book, uint32_t year,
	uint32_t number, const char *symbol, const char *dup)
{
	if (a->json) {
		printf("{\"id\":");
		json_str(stdout, id);
		printf(",\"seq\":%" PRIu64, seq);
		if (book) {
			printf(",\"book\":");
			json_str(stdout, book);
			printf(",\"year\":%u,\"number\":%u,\"number_symbol\":", year, number);
			json_str(stdout, symbol);
			if (dup && *dup) {
				printf(",\"duplicate_of\":");
				json_str(stdout, dup);
			}
		}
		printf("}\n");
	} else {
		printf("document %s created (log entry %" PRIu64 ")\n", id, seq);
		if (book)
			printf("registered in %s as number %u/%u%s%s%s\n", book, number, year,
				symbol && *symbol ? ": " : "", symbol ? symbol : "", dup && *dup ? " (duplicate accepted)" : "");
	}
}

/* A document: JSON (one object), or for people either the detailed form
 * (doc show/get) or one line of a list. */
void cli_print_document(const Vanthu__V1__Document *d, int json, int detailed)
{
	static const Vanthu__V1__DocumentMeta none = VANTHU__V1__DOCUMENT_META__INIT;
	const Vanthu__V1__DocumentMeta *m = d->meta ? d->meta : &none;
	if (json) {
		printf("{\"id\":");
		json_str(stdout, d->id);
		printf(",\"direction\":\"%s\",\"doc_type\":", dir_name(m->direction));
		json_str(stdout, m->doc_type);
		printf(",\"number_symbol\":");
		json_str(stdout, m->number_symbol);
		printf(",\"summary\":");
		json_str(stdout, m->summary);
		printf(",\"issuing_agency\":");
		json_str(stdout, m->issuing_agency);
		printf(",\"issue_date\":");
		json_str(stdout, m->issue_date);
		printf(",\"urgency\":%d,\"book\":", (int)m->urgency);
		json_str(stdout, d->book);
		printf(",\"year\":%u,\"number\":%u,\"created_by\":", d->year, d->number);
		json_str(stdout, d->created_by);
		printf(",\"duplicate_of\":");
		json_str(stdout, d->duplicate_of);
		printf(",\"state\":\"%s\",\"holder\":", vt_state_name(d->state));
		json_str(stdout, d->holder);
		printf(",\"lead_unit\":");
		json_str(stdout, d->lead_unit);
		printf(",\"lead_person\":");
		json_str(stdout, d->lead_person);
		printf(",\"deadline\":");
		json_str(stdout, d->deadline);
		printf(",\"legally_valid\":%s,\"versions\":%zu,\"signatures\":[",
			vt_workflow_legally_valid(d) ? "true" : "false", d->n_versions);
		for (size_t i = 0; i < d->n_signatures; i++)
			printf("%s{\"kind\":\"%s\",\"account\":\"%s\",\"check\":\"%s\"}", i ? "," : "",
				d->signatures[i]->kind, d->signatures[i]->account, d->signatures[i]->check);
		printf("],\"dossiers\":[");
		for (size_t i = 0; i < d->n_dossiers; i++) {
			printf("%s", i ? "," : "");
			json_str(stdout, d->dossiers[i]);
		}
		printf("],\"attachments\":[");
		for (size_t i = 0; i < m->n_attachments; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(stdout, m->attachments[i]->name);
			printf(",\"size\":%" PRIu64 ",\"sha256\":", m->attachments[i]->size);
			json_hex(stdout, m->attachments[i]->sha256.data, m->attachments[i]->sha256.len);
			printf("}");
		}
		printf("],\"exchange_from\":");
		json_str(stdout, d->exchange_from);
		printf(",\"exchange_source\":");
		json_str(stdout, d->exchange_source);
		printf(",\"external_recipients\":[");
		for (size_t i = 0; i < d->n_external_recipients; i++) {
			printf("%s", i ? "," : "");
			json_str(stdout, d->external_recipients[i]);
		}
		printf("],\"exchange_status\":[");
		for (size_t i = 0; i < d->n_exchange_status; i++) {
			const Vanthu__V1__ExchangeStatus *x = d->exchange_status[i];
			printf("%s{\"node\":", i ? "," : "");
			json_str(stdout, x->node);
			printf(",\"code\":");
			json_str(stdout, x->code);
			printf(",\"text\":");
			json_str(stdout, x->text);
			printf(",\"time\":%" PRId64 "}", x->time);
		}
		printf("],\"recalled_at\":%" PRId64 ",\"recall_reason\":", d->recalled_at);
		json_str(stdout, d->recall_reason);
		printf("}");
		return;
	}
	if (!detailed) {
		cell(stdout, d->id, 20);
		cell(stdout, dir_name(m->direction), 8);
		cell(stdout, m->doc_type, 5);
		cell(stdout, m->number_symbol, 16);
		cell(stdout, vt_state_name(d->state), 13);
		if (d->number)
			printf("%s %u/%u ", d->book, d->number, d->year);
		if (*d->deadline)
			printf("hạn %s ", d->deadline);
		cell(stdout, m->summary, 0);
		return;
	}
	printf("document   %s (%s)\n", d->id, dir_name(m->direction));
	printf("type       %s\nsố, ký hiệu %s\ntrích yếu  %s\n", m->doc_type, m->number_symbol, m->summary);
	if (*m->issuing_agency)
		printf("tác giả    %s %s\n", m->issuing_agency, m->issuing_agency_code);
	if (*m->issue_date)
		printf("ngày VB    %s\n", m->issue_date);
	if (m->signer && *m->signer->name)
		printf("người ký   %s %s %s\n", m->signer->competence, m->signer->name, m->signer->position);
	if (d->number)
		printf("register   %s number %u/%u\n", d->book, d->number, d->year);
	else
		printf("register   not registered\n");
	if (*d->duplicate_of)
		printf("duplicate  of %s (accepted by the clerk)\n", d->duplicate_of);
	printf("state      %s%s%s\n", vt_state_name(d->state), *d->holder ? ", with " : "", d->holder);
	if (*d->drafter)
		printf("drafter    %s, %zu version(s)\n", d->drafter, d->n_versions);
	if (*d->lead_unit || *d->lead_person)
		printf("chủ trì    %s %s\n", d->lead_unit, d->lead_person);
	for (size_t i = 0; i < d->n_coordinating_units; i++)
		printf("phối hợp   %s\n", d->coordinating_units[i]);
	for (size_t i = 0; i < d->n_coordinating_persons; i++)
		printf("phối hợp   %s\n", d->coordinating_persons[i]);
	if (*d->deadline)
		printf("hạn xử lý  %s\n", d->deadline);
	if (*d->direction_text)
		printf("chỉ đạo    %s\n", d->direction_text);
	if (*d->reject_reason)
		printf("từ chối    %s\n", d->reject_reason);
	for (size_t i = 0; i < d->n_signatures; i++) {
		printf("chữ ký     %s by %s, ", d->signatures[i]->kind, d->signatures[i]->account);
		print_time(stdout, d->signatures[i]->time);
		printf(" (PDF signature check: %s)\n", d->signatures[i]->check);
	}
	for (size_t i = 0; i < d->n_dossiers; i++)
		printf("hồ sơ      %s\n", d->dossiers[i]);
	if (m->direction == VANTHU__V1__DIRECTION__OUTGOING && d->n_signatures)
		printf("legal      %s\n", vt_workflow_legally_valid(d) ? "legally valid electronic document" :
			"reference only (needs valid agency and signer signatures)");
	for (size_t i = 0; i < m->n_attachments; i++) {
		char hex[65];
		vt_hex(hex, m->attachments[i]->sha256.data, m->attachments[i]->sha256.len == 32 ? 32 : 0);
		printf("file       %s %" PRIu64 " bytes sha256 %s\n", m->attachments[i]->name,
			m->attachments[i]->size, hex);
	}
	if (*d->exchange_from)
		printf("from node  %s (its %s)\n", d->exchange_from, d->exchange_source);
	for (size_t i = 0; i < d->n_external_recipients; i++)
		printf("sent to    %s\n", d->external_recipients[i]);
	for (size_t i = 0; i < d->n_exchange_status; i++) {
		const Vanthu__V1__ExchangeStatus *x = d->exchange_status[i];
		printf("status     %s: %s %s%s%s, ", x->node, x->code, vt_exchange_status_name(x->code), *x->text ? ": " : "",
			x->text);
		print_time(stdout, x->time);
		printf("\n");
	}
	if (d->recalled_at) {
		printf("thu hồi    %s, ", d->recall_reason);
		print_time(stdout, d->recalled_at);
		printf("\n");
	}
	printf("created    by %s, ", d->created_by);
	print_time(stdout, d->created_at);
}

static int doc_show(cli_args *a)
{
	vt_store *store = NULL;
	char origin[VT_NODE_ID_MAX + 1];
	const char *id = cli_opt(a, "id");
	Vanthu__V1__Document *d = NULL;
	int error;
	if (!id)
		return vt_error_set(VT_EINVAL, "doc show needs --id");
	if ((error = cli_check_unused(a)) < 0 || (error = cli_open_ro(&store, origin, sizeof(origin), a)) < 0)
		return error;
	if ((error = vt_doc_get(store, origin, id, &d)) < 0)
		goto out;
	cli_print_document(d, a->json, 1);
	printf("\n");
out:
	if (d)
		vanthu__v1__document__free_unpacked(d, NULL);
	vt_store_free(store);
	return error;
}

int cmd_doc(const char *verb, cli_args *a)
{
	if (strcmp(verb, "add") == 0)
		return doc_add(a);
	if (strcmp(verb, "show") == 0)
		return doc_show(a);
	return vt_error_set(VT_EINVAL, "unknown verb 'doc %s' (add, show)", verb);
}
