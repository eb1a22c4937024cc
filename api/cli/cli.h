/* The vanthu command-line client: shared argument parsing and output. */
#ifndef VT_CLI_H
#define VT_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "node.h"

/* Exit codes scripts can rely on. */
enum {
	VT_EXIT_OK = 0,
	VT_EXIT_ERROR = 1,     /* anything else */
	VT_EXIT_USAGE = 2,     /* bad command line */
	VT_EXIT_NOTFOUND = 3,
	VT_EXIT_INVALID = 4,   /* the request was refused as malformed */
	VT_EXIT_CONFLICT = 5,  /* exists / wrong state / duplicate */
	VT_EXIT_VERIFY = 6,    /* corruption, bad signature, failed proof */
	VT_EXIT_BUSY = 7,      /* the data directory is in use */
	VT_EXIT_PERM = 8,
	VT_EXIT_AUTH = 9,      /* not logged in, or the session ended */
	VT_EXIT_UNAVAILABLE = 10, /* the server could not be reached */
};

/* Parsed options: --name value pairs and --flags, plus positionals. */
#define CLI_MAX_OPTS 64
typedef struct cli_args {
	int nopts;
	const char *name[CLI_MAX_OPTS];
	const char *value[CLI_MAX_OPTS]; /* NULL for a flag */
	int used[CLI_MAX_OPTS];
	int json;
	const char *data_dir;
	const char *origin;   /* --origin: a unit's replica on a hub (offline tools) */
} cli_args;

/* The known flags (options without a value). */
int cli_parse(cli_args *a, int argc, char **argv);
const char *cli_opt(cli_args *a, const char *name);
int cli_flag(cli_args *a, const char *name);
/* Parses an unsigned option; def when absent. Returns VT_EINVAL if malformed. */
int cli_u64(cli_args *a, const char *name, uint64_t def, uint64_t *out);
/* VT_EINVAL naming the first option nobody asked for. */
int cli_check_unused(cli_args *a);

/* Marks the failure as "server unreachable" (exit 10) and adds a hint. */
void cli_unavailable(const char *server);

/* Prints the error (message + code name) to stderr and maps it to an exit code. */
int cli_fail(int error);
int cli_exit_code(int error);

/* Opening the data directory. */
int cli_open_ro(vt_store **store, char *node_id, size_t cap, cli_args *a);
int cli_open_rw(vt_node **node, cli_args *a);

/* JSON output helpers. */
void json_str(FILE *f, const char *s);
void json_hex(FILE *f, const uint8_t *p, size_t n);
void print_time(FILE *f, int64_t us); /* ISO 8601 in Vietnam time (+07:00) */
/* A table cell: s cut to width display columns (UTF-8 aware), padded, then
 * a space; width 0 prints s whole. */
void cell(FILE *f, const char *s, int width);

/* "a,b,c" into a malloc'd array of malloc'd strings; freed with
 * cli_free_list. An empty or absent value gives none. */
int cli_split_list(const char *v, char ***out, size_t *n);
void cli_free_list(char **l, size_t n);

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
void cli_attachment(Vanthu__V1__Attachment *att, const char *file, uint8_t hash[VT_HASH_LEN],
	const uint8_t *data, size_t len);
void cli_print_created(cli_args *a, const char *id, uint64_t seq, const char *book, uint32_t year,
	uint32_t number, const char *symbol, const char *dup);

void cli_print_document(const Vanthu__V1__Document *d, int json, int detailed);

/* Printing register books (the columns of the printed register). */
typedef struct cli_list {
	cli_args *a;
	vt_store *store;    /* offline only */
	const char *origin; /* offline only */
	uint32_t year;
	int csv;
	int direction;
	size_t rows, before;
	struct vt_regpdf *pdf; /* --pdf: the register printed to a PDF file */
} cli_list;
/* --pdf FILE: makes c->pdf (agency named on the pages); cli_register_pdf_end
 * writes the file (and frees). */
int cli_register_pdf_begin(cli_list *c, const char *agency, const char *node_id);
int cli_register_pdf_end(cli_list *c, int error);
void cli_register_book_begin(cli_list *c, const Vanthu__V1__RegisterBook *b);
int cli_register_print_entry(void *ctx, const Vanthu__V1__RegisterEntry *r);
void cli_register_book_end(cli_list *c);

/* Subcommands. */
int cmd_init(cli_args *a);
int cmd_node(const char *verb, cli_args *a);
int cmd_tls(const char *verb, cli_args *a);
int cmd_restore(cli_args *a);
int cmd_log(const char *verb, cli_args *a);
int cmd_proof(const char *verb, cli_args *a);
int cmd_register(const char *verb, cli_args *a);
int cmd_book(const char *verb, cli_args *a);
int cmd_doc(const char *verb, cli_args *a);
int cmd_pdf(const char *verb, cli_args *a); /* cli_pdf.c */

#endif
