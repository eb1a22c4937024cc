/* vanthu's documents: the metadata read from the doc flags (offline and
 * remote alike) and a document printed, as JSON or for people. */
#include "cli/cli_doc_int.h"
#include "cli/print.h"
#include "docs/exchange.h"
#include "docs/workflow.h"
#include "store/error.h"
#include "store/hash.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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
	if ((error = cli_direction_parse(cli_opt(a, "direction"), &m->direction)) < 0 ||
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
		printf(",\"direction\":\"%s\",\"doc_type\":", cli_direction_name(m->direction));
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
		cell(stdout, cli_direction_name(m->direction), 8);
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
	printf("document   %s (%s)\n", d->id, cli_direction_name(m->direction));
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
