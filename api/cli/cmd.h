/* vanthu's commands, one function per noun and verb, and the row type of
 * the one table that names them (main.c). A command runs either offline,
 * on a data directory, or against a server over an open connection; a row
 * gives one or both. Each noun has its own file (cli_<noun>.c); the files
 * use the helpers (args, print, data, remote), never each other. */
#ifndef VT_CLI_CMD_H
#define VT_CLI_CMD_H

#include "cli/args.h"
#include "cli/remote.h"

typedef int (*cli_offline_fn)(cli_args *a);
typedef int (*cli_remote_fn)(cli_remote *r, cli_args *a);

/* A row of the command table. noun NULL: a line of text in `vanthu help`
 * (a heading, a note). verb NULL: the noun takes no verb. usage: the text
 * after "noun verb" in `vanthu help`, lines after the first indented under
 * it; NULL for an alias (run, but neither printed nor listed). */
typedef struct cli_cmd {
	const char *noun;
	const char *verb;
	cli_offline_fn offline; /* on --data-dir DIR / $VANTHU_DATA_DIR; NULL: none */
	cli_remote_fn remote;   /* against vanthud over gRPC; NULL: none */
	const char *usage;
} cli_cmd;

/* cli_node.c */
int cmd_init(cli_args *a);
int cmd_node_key(cli_args *a);
/* cli_tls.c */
int cmd_tls_issue(cli_args *a);
/* cli_restore.c */
int cmd_restore(cli_args *a);
/* cli_log.c */
int cmd_log_show(cli_args *a);
int cmd_log_head(cli_args *a);
int cmd_log_verify(cli_args *a);
int cmd_proof_inclusion(cli_args *a);
int cmd_proof_consistency(cli_args *a);
int cmd_proof_verify(cli_args *a);
/* cli_pdf.c */
int cmd_pdf_sign(cli_args *a);
int cmd_pdf_verify(cli_args *a);

/* cli_account.c */
int cmd_login(cli_remote *r, cli_args *a);
int cmd_logout(cli_remote *r, cli_args *a);
int cmd_whoami(cli_remote *r, cli_args *a);
int cmd_passwd(cli_remote *r, cli_args *a);
int cmd_account_create(cli_remote *r, cli_args *a);
int cmd_account_update(cli_remote *r, cli_args *a);
int cmd_account_disable(cli_remote *r, cli_args *a);
int cmd_account_enable(cli_remote *r, cli_args *a);
int cmd_account_reset_password(cli_remote *r, cli_args *a);
int cmd_account_list(cli_remote *r, cli_args *a);
/* cli_unit.c */
int cmd_unit_define(cli_remote *r, cli_args *a);
int cmd_unit_list(cli_remote *r, cli_args *a);

/* cli_doc.c: offline, then remote */
int cmd_doc_add(cli_args *a);
int cmd_doc_show(cli_args *a);
int cmd_doc_create(cli_remote *r, cli_args *a);
int cmd_doc_register(cli_remote *r, cli_args *a);
int cmd_doc_get(cli_remote *r, cli_args *a);
int cmd_doc_list(cli_remote *r, cli_args *a);
int cmd_doc_upload(cli_remote *r, cli_args *a);
int cmd_doc_download(cli_remote *r, cli_args *a);
int cmd_doc_act(cli_remote *r, cli_args *a);
int cmd_doc_actions(cli_remote *r, cli_args *a);
int cmd_doc_verify(cli_remote *r, cli_args *a);
/* cli_register.c: offline, then remote */
int cmd_register_list(cli_args *a);
int cmd_book_list(cli_args *a);
int cmd_book_define(cli_args *a);
int cmd_register_list_remote(cli_remote *r, cli_args *a);
int cmd_book_list_remote(cli_remote *r, cli_args *a);
int cmd_book_define_remote(cli_remote *r, cli_args *a);
/* cli_dossier.c */
int cmd_dossier_list(cli_remote *r, cli_args *a);
int cmd_dossier_show(cli_remote *r, cli_args *a);
/* cli_report.c */
int cmd_report_status(cli_remote *r, cli_args *a);
/* cli_audit.c */
int cmd_audit_head(cli_remote *r, cli_args *a);
int cmd_audit_proof(cli_remote *r, cli_args *a);
int cmd_audit_consistency(cli_remote *r, cli_args *a);
/* cli_repl.c */
int cmd_repl_status(cli_remote *r, cli_args *a);
int cmd_hub_enroll(cli_remote *r, cli_args *a);
int cmd_hub_reinstate(cli_remote *r, cli_args *a);

#endif
