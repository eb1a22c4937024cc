/* vanthu's command line: the parsed options, the exit codes scripts rely
 * on, and the errors mapped to them. Every command file uses it. */
#ifndef VT_CLI_ARGS_H
#define VT_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "vanthu.pb-c.h"

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

/* The options after `vanthu NOUN [VERB]`; the known flags (options without
 * a value) take none. Also reads the global ones: --json, --data-dir (else
 * $VANTHU_DATA_DIR), --origin. */
int cli_parse(cli_args *a, int argc, char **argv);
/* Frees what cli_parse kept. */
void cli_args_dispose(cli_args *a);
const char *cli_opt(cli_args *a, const char *name);
int cli_flag(cli_args *a, const char *name);
/* Parses an unsigned option; def when absent. Returns VT_EINVAL if malformed. */
int cli_u64(cli_args *a, const char *name, uint64_t def, uint64_t *out);
/* VT_EINVAL naming the first option nobody asked for. */
int cli_check_unused(cli_args *a);

/* "a,b,c" into a malloc'd array of malloc'd strings; freed with
 * cli_free_list. An empty or absent value gives none. */
int cli_split_list(const char *v, char ***out, size_t *n);
void cli_free_list(char **l, size_t n);

/* --direction incoming|outgoing (also in/out, den/di). */
int cli_direction_parse(const char *v, Vanthu__V1__Direction *out);

/* Marks the failure as "server unreachable" (exit 10) and adds a hint. */
void cli_unavailable(const char *server);

/* Prints the error (message + code name) to stderr and maps it to an exit code. */
int cli_fail(int error);
int cli_exit_code(int error);

#endif
