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
} cli_args;

/* The known flags (options without a value). */
int cli_parse(cli_args *a, int argc, char **argv);
const char *cli_opt(cli_args *a, const char *name);
int cli_flag(cli_args *a, const char *name);
/* Parses an unsigned option; def when absent. Returns VT_EINVAL if malformed. */
int cli_u64(cli_args *a, const char *name, uint64_t def, uint64_t *out);
/* VT_EINVAL naming the first option nobody asked for. */
int cli_check_unused(cli_args *a);

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

/* Subcommands. */
int cmd_init(cli_args *a);
int cmd_log(const char *verb, cli_args *a);
int cmd_proof(const char *verb, cli_args *a);
int cmd_register(const char *verb, cli_args *a);
int cmd_book(const char *verb, cli_args *a);
int cmd_doc(const char *verb, cli_args *a);

#endif
