/* vanthu: the client and the offline tools. `vanthu <noun> [<verb>] [options]`
 * runs the row of the command table below: offline on a data directory, or
 * against a running vanthud over gRPC; `vanthu help` prints the same table. */
#include "cli/cmd.h"
#include "store/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT(s) { NULL, NULL, NULL, NULL, s }

/* Which way a noun runs: a noun with only remote rows always over gRPC, one
 * with only offline rows always on the data directory; a noun with both
 * (doc, register, book) offline when a data directory is given (--data-dir
 * or $VANTHU_DATA_DIR), else over gRPC. */
static const cli_cmd commands[] = {
	TEXT("usage: vanthu <noun> <verb> [options]\n"),
	TEXT("On a running node over gRPC (TLS; the session is kept in ~/.config/vanthu/session\n"
	     "or $VANTHU_SESSION, so --server/--ca are needed only at login):"),
	{ "login", NULL, NULL, cmd_login, "--server HOST:PORT --ca CA.pem --name NAME [--password-file F]" },
	{ "logout", NULL, NULL, cmd_logout, "" },
	{ "whoami", NULL, NULL, cmd_whoami, "" },
	{ "passwd", NULL, NULL, cmd_passwd, "[--old-password-file F --new-password-file F]" },
	{ "account", "create", NULL, cmd_account_create,
	  "--name N --full-name \"...\" --roles clerk,staff,... [--unit U]\n"
	  "[--position P] [--password-file F]\n"
	  "roles: clerk staff unit-leader agency-leader archivist auditor admin" },
	{ "account", "update", NULL, cmd_account_update,
	  "--name N [--full-name F] [--roles R,..] [--unit U]\n"
	  "[--position P]" },
	{ "account", "disable", NULL, cmd_account_disable, "--name N" },
	{ "account", "enable", NULL, cmd_account_enable, "--name N" },
	{ "account", "reset-password", NULL, cmd_account_reset_password, "--name N [--password-file F]" },
	{ "account", "list", NULL, cmd_account_list, "" },
	{ "unit", "define", NULL, cmd_unit_define, "--id ID --name NAME [--parent ID]" },
	{ "unit", "list", NULL, cmd_unit_list, "" },
	{ "doc", "create", NULL, cmd_doc_create, "the doc add flags below, --file uploads the file first" },
	{ "doc", "register", NULL, cmd_doc_register, "--id ID --book BOOK [--accept-duplicate]" },
	{ "doc", "get", NULL, cmd_doc_get,
	  "--id ID; on a hub, a unit's document id (UNIT/N) reads\n"
	  "that unit's replica (archivist, auditor, admin)" },
	{ "doc", "list", NULL, cmd_doc_list,
	  "[--mine] [--overdue] [--due-within DAYS] [--state S] [--unit U]\n"
	  "[--origin UNIT]: on a hub, that unit's replica" },
	{ "doc", "upload", NULL, cmd_doc_upload, "--file F" },
	{ "doc", "download", NULL, cmd_doc_download, "--sha256 H --out F" },
	{ "doc", "act", NULL, cmd_doc_act,
	  "--id ID --action A [--to WHO] [--comment TEXT] [--file F]\n"
	  "[--lead-unit U] [--lead-person P] [--coordinating-units U,..]\n"
	  "[--coordinating-persons P,..] [--deadline YYYY-MM-DD]\n"
	  "[--dossier CODE [--dossier-title T]] [--book B]\n"
	  "[--recipients U,..] [--paper-recipients NAME,..]\n"
	  "[--nodes NODE-ID,..]: distribute to other units via the hub" },
	{ "doc", "actions", NULL, cmd_doc_actions, "the workflow tables: state, action, next state, roles" },
	{ "doc", "verify", NULL, cmd_doc_verify,
	  "--id ID [--sha256 H]: the node checks the file's PAdES\n"
	  "signatures against its trust anchors and records it" },
	{ "dossier", "list", NULL, cmd_dossier_list, "" },
	{ "dossier", "show", NULL, cmd_dossier_show, "--id CODE" },
	{ "report", "status", NULL, cmd_report_status, "[--year YYYY]: per lead unit received/open/overdue/resolved" },
	{ "report", "register", NULL, cmd_register_list_remote, "= register list (--book, --year, --csv, --pdf FILE)" },
	TEXT("  register list, book list|define, doc add|show   as below, without --data-dir"),
	{ "audit", "head", NULL, cmd_audit_head, "[--key HEX]: the signed tree head, checked here" },
	{ "audit", "proof", NULL, cmd_audit_proof, "--seq N [--key HEX]: an inclusion proof, checked here" },
	{ "audit", "consistency", NULL, cmd_audit_consistency,
	  "--old N --old-root HEX: the log extends a head seen before;\n"
	  "at a hub, --origin UNIT --key UNIT-KEY [--hub-key HEX] for\n"
	  "a unit's replica, with the hub's co-signature; the same\n"
	  "for audit head and audit proof" },
	{ "repl", "status", NULL, cmd_repl_status,
	  "replication: a unit's link to its hub (acknowledged, lag,\n"
	  "last co-signed head), or a hub's units and alarms" },
	{ "hub", "enroll", NULL, cmd_hub_enroll, "--node-id ID --public-key HEX [--name N]: admit a unit" },
	{ "hub", "enrol", NULL, cmd_hub_enroll, NULL },
	{ "hub", "reinstate", NULL, cmd_hub_reinstate, "--node-id ID --reason TEXT: after a refusal was investigated" },
	{ "hub", "units", NULL, cmd_repl_status, "= repl status, at a hub" },
	{ "hub", "alarms", NULL, cmd_repl_status, "= repl status, at a hub" },
	TEXT(""),
	TEXT("Offline tools on a data directory (--data-dir DIR, or $VANTHU_DATA_DIR):"),
	{ "init", NULL, cmd_init, NULL,
	  "--node-id ID [--role unit|hub] [--agency-name NAME]\n"
	  "[--agency-code CODE] [--agency-symbol SYM]\n"
	  "[--admin NAME --admin-password-file F]" },
	{ "log", "show", cmd_log_show, NULL, "[--from SEQ] [--count N]" },
	{ "log", "head", cmd_log_head, NULL, "the latest signed tree head" },
	{ "log", "verify", cmd_log_verify, NULL, "[--no-rebuild] [--scratch DIR]" },
	{ "proof", "inclusion", cmd_proof_inclusion, NULL, "--seq SEQ [--size N]" },
	{ "proof", "consistency", cmd_proof_consistency, NULL, "--old N [--new M]" },
	{ "proof", "verify", cmd_proof_verify, NULL,
	  "an auditor's check, no data directory needed:\n"
	  "--index I --size N --leaf HEX --root HEX --path HEX,HEX,...\n"
	  "--old N --new M --old-root HEX --root HEX --path HEX,..." },
	{ "register", "list", cmd_register_list, cmd_register_list_remote,
	  "[--book ID] [--year YYYY] [--csv | --pdf FILE]: --pdf prints\n"
	  "the books (A4 landscape, the regulation's columns)" },
	{ "book", "list", cmd_book_list, cmd_book_list_remote, "" },
	{ "book", "define", cmd_book_define, cmd_book_define_remote,
	  "--id ID --name NAME --direction incoming|outgoing\n"
	  "[--types QĐ,TB,...] [--agency-symbol SYM] [--closed]" },
	{ "doc", "add", cmd_doc_add, cmd_doc_create,
	  "--direction incoming|outgoing --type T --summary TEXT\n"
	  "[--symbol S] [--agency A] [--agency-code C] [--issue-date D]\n"
	  "[--signer NAME] [--position P] [--urgency 0-4]\n"
	  "[--recipients A,B] [--copies N] [--file PDF]\n"
	  "[--register BOOK [--accept-duplicate]] [--actor NAME]\n"
	  "[--paper]: outgoing issued on paper while the system was\n"
	  "down (Điều 9.4c), numbered at once, digitised copy later" },
	{ "doc", "show", cmd_doc_show, cmd_doc_get, "--id ID" },
	{ "node", "key", cmd_node_key, NULL, "the node id, role and tree-head public key (to enrol a unit)" },
	{ "node", "info", cmd_node_key, NULL, NULL },
	{ "tls", "issue", cmd_tls_issue, NULL,
	  "--ca-dir DIR --name N --cn NODE-ID: a development client\n"
	  "certificate for a unit, from a hub's development CA" },
	{ "restore", NULL, cmd_restore, NULL,
	  "--data-dir NEW --hub HOST:PORT --hub-ca PEM --cert PEM\n"
	  "--cert-key PEM --hub-key HEX --node-id ID --node-key FILE:\n"
	  "a unit that lost its disk, from the hub, verified against\n"
	  "the hub's last co-signed head" },
	TEXT(""),
	TEXT("Signatures on PDF files (PAdES, offline):"),
	{ "pdf", "sign", cmd_pdf_sign, NULL,
	  "--in F --out F  key: --key PEM --cert PEM [--chain PEM]\n"
	  "| --p12 F [--pass-file F] | --token LABEL --module SO\n"
	  "[--key-label L] [--pin-file F | --pin-env VAR]\n"
	  "[--reason TEXT] [--name TEXT] [--location TEXT]\n"
	  "[--place initials|signer|stamp|copy [--image PNG] [--text T]]" },
	{ "pdf", "verify", cmd_pdf_verify, NULL,
	  "--in F --ca PEM [--ca-dir D] [--crl F] [--at TIME]\n"
	  "[--agency-oid OID] [--person-oid OID] [--require valid|legal]" },
	TEXT(""),
	TEXT("On a hub, --origin NODE-ID runs the reading commands on that unit's replica.\n"
	     "Every command takes --json for machine-readable output; NOUN --help, or\n"
	     "help NOUN, prints the noun's lines.\n"
	     "Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 invalid, 5 conflict or\n"
	     "duplicate, 6 verification failed, 7 data directory busy, 8 not permitted,\n"
	     "9 not logged in (or the session ended), 10 server unreachable."),
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* One command's lines: "  noun verb" in a column of 18, then its usage,
 * the usage's further lines under it. */
static void print_command(FILE *f, const cli_cmd *c)
{
	char name[64];
	const char *line = c->usage;
	snprintf(name, sizeof(name), "%s%s%s", c->noun, c->verb ? " " : "", c->verb ? c->verb : "");
	if (!*line) {
		fprintf(f, "  %s\n", name);
		return;
	}
	fprintf(f, "  %-18s ", name);
	for (;;) {
		const char *nl = strchr(line, '\n');
		int n = nl ? (int)(nl - line) : (int)strlen(line);
		fprintf(f, "%.*s\n", n, line);
		if (!nl)
			break;
		line = nl + 1;
		fprintf(f, "%21s", "");
	}
}

static void print_usage(FILE *f)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (!commands[i].noun)
			fprintf(f, "%s\n", commands[i].usage);
		else if (commands[i].usage)
			print_command(f, &commands[i]);
	}
}

/* The first row of the noun; NULL if there is none. */
static const cli_cmd *find_noun(const char *noun)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].noun && strcmp(commands[i].noun, noun) == 0)
			return &commands[i];
	return NULL;
}

static const cli_cmd *find_verb(const char *noun, const char *verb)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].noun && strcmp(commands[i].noun, noun) == 0 &&
		    (commands[i].verb ? verb && strcmp(commands[i].verb, verb) == 0 : !verb))
			return &commands[i];
	return NULL;
}

/* The noun's lines (row NULL) or one command's. */
static void print_noun_usage(FILE *f, const cli_cmd *first, const cli_cmd *row)
{
	fprintf(f, "usage: vanthu %s%s%s [options]\n", first->noun, first->verb ? " " : "",
		!first->verb ? "" : row ? row->verb : "<verb>");
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].noun && strcmp(commands[i].noun, first->noun) == 0 && commands[i].usage &&
		    (!row || &commands[i] == row))
			print_command(f, &commands[i]);
}

/* "a, b, c": the noun's verbs that run that way (aliases left out). */
static void list_verbs(char *out, size_t cap, const char *noun, int remote)
{
	size_t used = 0;
	out[0] = 0;
	for (size_t i = 0; i < NCOMMANDS && used < cap; i++) {
		const cli_cmd *c = &commands[i];
		if (!c->noun || strcmp(c->noun, noun) != 0 || !c->usage || !c->verb ||
		    !(remote ? c->remote != NULL : c->offline != NULL))
			continue;
		used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? ", " : "", c->verb);
	}
}

/* The noun runs over gRPC: the rule above the table. */
static int runs_remote(const char *noun, const cli_args *a)
{
	int offline = 0, remote = 0;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].noun && strcmp(commands[i].noun, noun) == 0) {
			offline |= commands[i].offline != NULL;
			remote |= commands[i].remote != NULL;
		}
	return remote && (!offline || !a->data_dir);
}

static int unknown_verb(const char *noun, const char *verb, int remote)
{
	char verbs[512];
	const cli_cmd *c = find_verb(noun, verb);
	list_verbs(verbs, sizeof(verbs), noun, remote);
	if (c && remote && c->offline)
		return vt_error_set(VT_EINVAL, "unknown verb '%s %s' (%s): '%s %s' works on a data directory: "
			"pass --data-dir DIR", noun, verb, verbs, noun, verb);
	if (c && !remote && c->remote)
		return vt_error_set(VT_EINVAL, "unknown verb '%s %s' (%s): '%s %s' runs on a server: leave out "
			"--data-dir and $VANTHU_DATA_DIR", noun, verb, verbs, noun, verb);
	return vt_error_set(VT_EINVAL, "unknown verb '%s %s' (%s)", noun, verb, verbs);
}

static int run(const cli_cmd *c, int remote, cli_args *a)
{
	cli_remote r = { 0 };
	int error;
	if (!remote)
		return c->offline(a);
	if ((error = cli_remote_open(&r, a)) == 0)
		error = c->remote(&r, a);
	cli_remote_close(&r);
	return error;
}

int main(int argc, char **argv)
{
	const cli_cmd *noun, *c;
	const char *verb = NULL;
	cli_args a;
	int error, skip = 2, remote;

	/* gRPC's own log lines are for operators, not for this tool's users:
	 * failures come back as errors with their reason. */
	setenv("GRPC_VERBOSITY", "NONE", 0);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		if (argc > 2 && (noun = find_noun(argv[2]))) {
			print_noun_usage(stdout, noun, NULL);
			return 0;
		}
		print_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? VT_EXIT_USAGE : 0;
	}
	if (!(noun = find_noun(argv[1]))) {
		fprintf(stderr, "vanthu: unknown command '%s'\n", argv[1]);
		print_usage(stderr);
		return VT_EXIT_USAGE;
	}
	if (noun->verb) {
		if (argc < 3 || strncmp(argv[2], "--", 2) == 0) {
			int help = argc >= 3 && strcmp(argv[2], "--help") == 0;
			if (!help)
				fprintf(stderr, "vanthu: '%s' needs a verb\n", noun->noun);
			print_noun_usage(help ? stdout : stderr, noun, NULL);
			return help ? 0 : VT_EXIT_USAGE;
		}
		verb = argv[2];
		skip = 3;
	}
	if ((error = cli_parse(&a, argc - skip, argv + skip)) < 0) {
		cli_fail(error);
		return VT_EXIT_USAGE;
	}
	c = find_verb(noun->noun, verb);
	remote = runs_remote(noun->noun, &a);
	if (c && cli_flag(&a, "help")) {
		/* whichever way it runs: an alias shows the noun's lines */
		print_noun_usage(stdout, noun, c->usage ? c : NULL);
		error = 0;
	} else if (!c || !(remote ? c->remote != NULL : c->offline != NULL)) {
		error = unknown_verb(noun->noun, verb, remote);
	} else {
		error = run(c, remote, &a);
	}
	cli_args_dispose(&a);
	if (error == 1) /* the command already reported a usage error */
		return VT_EXIT_USAGE;
	return error < 0 ? cli_fail(error) : 0;
}
