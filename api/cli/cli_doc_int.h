/* Internals the two files of vanthu's doc noun share (cli_doc.c, the
 * commands; cli_doc_print.c, metadata and printing). */
#ifndef VT_CLI_DOC_INT_H
#define VT_CLI_DOC_INT_H

#include "cli/cmd.h"
#include "store/hash.h"

/* Document metadata from the doc flags (--direction, --type, --symbol,
 * --agency, --summary, ...); shared by the offline and remote commands. */
typedef struct cli_meta {
	Vanthu__V1__DocumentMeta meta;
	Vanthu__V1__Signer signer;
	char **recipients;
	size_t nrec;
} cli_meta;
int cli_meta_parse(cli_meta *m, cli_args *a);
void cli_meta_dispose(cli_meta *m);
/* An attachment naming file (its base name), its hash and media type. */
void cli_attachment(Vanthu__V1__Attachment *att, const char *file, uint8_t hash[VT_HASH_LEN],
	const uint8_t *data, size_t len);
void cli_print_created(cli_args *a, const char *id, uint64_t seq, const char *book, uint32_t year,
	uint32_t number, const char *symbol, const char *dup);
/* JSON (one object), or for people the detailed form (doc show/get) or one
 * line of a list. */
void cli_print_document(const Vanthu__V1__Document *d, int json, int detailed);

#endif
