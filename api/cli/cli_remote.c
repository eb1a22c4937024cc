/* vanthu over gRPC. The session (server, CA, token) is cached in a 0600
 * file: $VANTHU_SESSION, else ~/.config/vanthu/session. */
#include "cli/cli_remote_int.h"
#include "accounts/account.h"
#include "store/error.h"
#include "store/file.h"
#include "store/keys.h"
#include "store/merkle.h"
#include "rpc/rpc.h"
#include "store/sth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* ---- the session file */

static int session_path(char *out, size_t cap)
{
	const char *p = getenv("VANTHU_SESSION"), *home = getenv("HOME");
	if (p && *p)
		return snprintf(out, cap, "%s", p) < (int)cap ? 0 : vt_error_set(VT_EINVAL, "path too long");
	if (!home || !*home)
		return vt_error_set(VT_EINVAL, "no HOME: set VANTHU_SESSION to a file for the session");
	snprintf(out, cap, "%s/.config", home);
	mkdir(out, 0700);
	snprintf(out, cap, "%s/.config/vanthu", home);
	mkdir(out, 0700);
	return snprintf(out, cap, "%s/.config/vanthu/session", home) < (int)cap ? 0 :
		vt_error_set(VT_EINVAL, "path too long");
}

static void session_read(remote *r)
{
	char path[4096];
	uint8_t *data = NULL;
	size_t len;
	char *save = NULL, *line;
	if (session_path(path, sizeof(path)) < 0 || vt_file_read(path, 16384, &data, &len) < 0)
		return;
	for (line = strtok_r((char *)data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq++ = 0;
		if (strcmp(line, "server") == 0)
			snprintf(r->server, sizeof(r->server), "%s", eq);
		else if (strcmp(line, "ca") == 0)
			snprintf(r->ca, sizeof(r->ca), "%s", eq);
		else if (strcmp(line, "token") == 0)
			snprintf(r->token, sizeof(r->token), "%s", eq);
		else if (strcmp(line, "name") == 0)
			snprintf(r->name, sizeof(r->name), "%s", eq);
		else if (strcmp(line, "plaintext") == 0)
			r->plaintext = atoi(eq);
	}
	free(data);
}

static int session_write(const remote *r)
{
	char path[4096], buf[2048];
	int n, error;
	if ((error = session_path(path, sizeof(path))) < 0)
		return error;
	n = snprintf(buf, sizeof(buf), "server=%s\nca=%s\nplaintext=%d\nname=%s\ntoken=%s\n", r->server, r->ca,
		r->plaintext, r->name, r->token);
	return vt_file_write_atomic(path, buf, (size_t)n, 0600);
}

/* ---- connecting and calling */

static int connect_remote(remote *r, cli_args *a)
{
	vt_rpc_client_opts o = { 0 };
	const char *server = cli_opt(a, "server"), *ca = cli_opt(a, "ca");
	int error;
	session_read(r);
	if (!server)
		server = getenv("VANTHU_SERVER");
	if (server && strcmp(server, r->server) != 0) {
		/* another server: the cached session is not for it */
		snprintf(r->server, sizeof(r->server), "%s", server);
		r->token[0] = 0;
		r->ca[0] = 0;
		r->plaintext = 0;
	}
	if (ca) {
		char *abs = realpath(ca, NULL);
		if (!abs)
			return vt_error_set(VT_ENOTFOUND, "--ca %s: %s", ca, strerror(errno));
		snprintf(r->ca, sizeof(r->ca), "%s", abs);
		free(abs);
	}
	if (cli_flag(a, "plaintext"))
		r->plaintext = 1;
	if (!r->server[0])
		return vt_error_set(VT_EINVAL, "no server: pass --server HOST:PORT (or log in first), or --data-dir "
			"for the offline tools");
	o.plaintext = r->plaintext;
	o.ca_file = r->ca[0] ? r->ca : NULL;
	o.max_recv = 64 << 20;
	if ((error = vt_rpc_client_new(&r->client, r->server, &o)) < 0)
		return error;
	snprintf(r->auth, sizeof(r->auth), "Bearer %s", r->token);
	return 0;
}

static void remote_close(remote *r)
{
	vt_rpc_client_free(r->client);
	r->client = NULL;
}

int cli_call(remote *r, const char *path, const ProtobufCMessage *req,
	const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp)
{
	vt_rpc_md md[1] = { { "authorization", r->auth } };
	vt_rpc_buf out = { 0 };
	uint8_t stack[8192], *buf = stack;
	size_t n = protobuf_c_message_get_packed_size(req);
	int error;
	*resp = NULL;
	if (n > sizeof(stack) && !(buf = malloc(n)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	protobuf_c_message_pack(req, buf);
	error = vt_rpc_unary(r->client, path, md, r->token[0] ? 1 : 0, buf, n, TIMEOUT_MS, &out);
	if (buf != stack)
		free(buf);
	if (error < 0) {
		if (error == VT_EAUTH)
			vt_error_set(error, "%s (log in: vanthu login --server %s --name NAME)", vt_error_last(), r->server);
		else if (vt_rpc_last_status() == GRPC_STATUS_UNAVAILABLE)
			cli_unavailable(r->server);
		return error;
	}
	*resp = protobuf_c_message_unpack(resp_desc, NULL, out.len, out.data);
	vt_rpc_buf_dispose(&out);
	if (!*resp)
		return vt_error_set(VT_ECORRUPT, "%s: the server's answer is not a valid %s", path, resp_desc->short_name);
	return 0;
}


/* ---- passwords */

static int read_password(cli_args *a, const char *opt, const char *env, const char *prompt, char *out, size_t cap)
{
	const char *file = cli_opt(a, opt);
	const char *e = getenv(env);
	if (file) {
		uint8_t *data = NULL;
		size_t len;
		int error = vt_file_read(file, cap - 1, &data, &len);
		if (error < 0)
			return error;
		while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
			len--;
		memcpy(out, data, len);
		out[len] = 0;
		free(data);
		return 0;
	}
	if (e) {
		snprintf(out, cap, "%s", e);
		return 0;
	}
	{
		FILE *tty = fopen("/dev/tty", "r+");
		struct termios old, quiet;
		size_t n;
		if (!tty)
			return vt_error_set(VT_EINVAL, "no terminal to ask for the password: use --%s FILE or $%s", opt, env);
		fprintf(tty, "%s: ", prompt);
		fflush(tty);
		tcgetattr(fileno(tty), &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
		if (!fgets(out, (int)cap, tty))
			out[0] = 0;
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fprintf(tty, "\n");
		fclose(tty);
		n = strlen(out);
		while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
			out[--n] = 0;
	}
	return 0;
}

/* ---- output */

static void print_account(const Vanthu__V1__Account *acc, int json)
{
	if (json) {
		printf("{\"name\":");
		json_str(stdout, acc->name);
		printf(",\"full_name\":");
		json_str(stdout, acc->full_name);
		printf(",\"roles\":[");
		for (size_t i = 0; i < acc->n_roles; i++)
			printf("%s\"%s\"", i ? "," : "", vt_role_name(acc->roles[i]));
		printf("],\"unit\":");
		json_str(stdout, acc->unit);
		printf(",\"position\":");
		json_str(stdout, acc->position);
		printf(",\"disabled\":%s}", acc->disabled ? "true" : "false");
	} else {
		cell(stdout, acc->name, 16);
		cell(stdout, acc->full_name, 24);
		for (size_t i = 0; i < acc->n_roles; i++)
			printf("%s%s", i ? "," : "", vt_role_name(acc->roles[i]));
		printf("%s%s%s", *acc->unit ? "  unit " : "", acc->unit, acc->disabled ? "  [disabled]" : "");
	}
}

static int parse_roles(const char *v, Vanthu__V1__Role **out, size_t *n)
{
	char *copy, *save = NULL, *tok;
	*out = NULL;
	*n = 0;
	if (!v || !*v)
		return vt_error_set(VT_EINVAL, "--roles needs one or more of clerk, staff, unit-leader, agency-leader, "
			"archivist, auditor, admin");
	if (!(copy = strdup(v)) || !(*out = calloc(8, sizeof(**out)))) {
		free(copy);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	for (tok = strtok_r(copy, ",", &save); tok && *n < 8; tok = strtok_r(NULL, ",", &save)) {
		int error = vt_role_parse(tok, &(*out)[*n]);
		if (error < 0) {
			free(copy);
			return error;
		}
		(*n)++;
	}
	free(copy);
	return 0;
}

/* ---- auth commands */

static int cmd_login(remote *r, cli_args *a)
{
	Vanthu__V1__LoginRequest req = VANTHU__V1__LOGIN_REQUEST__INIT;
	Vanthu__V1__LoginResponse *resp = NULL;
	char pw[VT_PASSWORD_MAX + 2];
	const char *name = cli_opt(a, "name");
	int error;
	if (!name)
		return vt_error_set(VT_EINVAL, "login needs --name NAME");
	if ((error = read_password(a, "password-file", "VANTHU_PASSWORD", "password", pw, sizeof(pw))) < 0 ||
	    (error = cli_check_unused(a)) < 0)
		return error;
	req.name = (char *)name;
	req.password = pw;
	r->token[0] = 0;
	error = CALL(r, "Auth", "Login", req, login_response, &resp);
	memset(pw, 0, sizeof(pw));
	if (error < 0)
		return error;
	snprintf(r->token, sizeof(r->token), "%s", resp->token);
	snprintf(r->name, sizeof(r->name), "%s", name);
	if ((error = session_write(r)) == 0) {
		if (a->json) {
			print_account(resp->account, 1);
			printf("\n");
		} else {
			printf("logged in to %s as %s (%s); session until ", r->server, resp->account->name,
				resp->account->full_name);
			print_time(stdout, resp->expires);
			printf("\n");
		}
	}
	vanthu__v1__login_response__free_unpacked(resp, NULL);
	return error;
}

static int cmd_logout(remote *r, cli_args *a)
{
	Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
	Vanthu__V1__Empty *resp = NULL;
	int error;
	if ((error = cli_check_unused(a)) < 0)
		return error;
	error = CALL(r, "Auth", "Logout", req, empty, &resp);
	if (resp)
		vanthu__v1__empty__free_unpacked(resp, NULL);
	r->token[0] = 0;
	session_write(r);
	if (!error && !a->json)
		printf("logged out\n");
	return error;
}

static int cmd_whoami(remote *r, cli_args *a)
{
	Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
	Vanthu__V1__Account *acc = NULL;
	int error;
	if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Auth", "WhoAmI", req, account, &acc)) < 0)
		return error;
	print_account(acc, a->json);
	printf("\n");
	vanthu__v1__account__free_unpacked(acc, NULL);
	return 0;
}

static int cmd_passwd(remote *r, cli_args *a)
{
	Vanthu__V1__ChangePasswordRequest req = VANTHU__V1__CHANGE_PASSWORD_REQUEST__INIT;
	Vanthu__V1__Empty *resp = NULL;
	char old[VT_PASSWORD_MAX + 2], pw[VT_PASSWORD_MAX + 2];
	int error;
	if ((error = read_password(a, "old-password-file", "VANTHU_PASSWORD", "current password", old, sizeof(old))) < 0 ||
	    (error = read_password(a, "new-password-file", "VANTHU_NEW_PASSWORD", "new password", pw, sizeof(pw))) < 0 ||
	    (error = cli_check_unused(a)) < 0)
		return error;
	req.old_password = old;
	req.new_password = pw;
	error = CALL(r, "Auth", "ChangePassword", req, empty, &resp);
	memset(old, 0, sizeof(old));
	memset(pw, 0, sizeof(pw));
	if (resp)
		vanthu__v1__empty__free_unpacked(resp, NULL);
	if (!error)
		printf("password changed; every session of %s has ended: log in again\n", r->name);
	return error;
}

/* ---- admin commands */

static int cmd_account(remote *r, const char *verb, cli_args *a)
{
	int error;
	if (strcmp(verb, "create") == 0) {
		Vanthu__V1__CreateAccountRequest req = VANTHU__V1__CREATE_ACCOUNT_REQUEST__INIT;
		Vanthu__V1__Account acc = VANTHU__V1__ACCOUNT__INIT, *out = NULL;
		char pw[VT_PASSWORD_MAX + 2];
		acc.name = (char *)cli_opt(a, "name");
		acc.full_name = (char *)(cli_opt(a, "full-name") ? cli_opt(a, "full-name") : "");
		acc.unit = (char *)(cli_opt(a, "unit") ? cli_opt(a, "unit") : "");
		acc.position = (char *)(cli_opt(a, "position") ? cli_opt(a, "position") : "");
		req.reason = (char *)(cli_opt(a, "reason") ? cli_opt(a, "reason") : "");
		if (!acc.name)
			return vt_error_set(VT_EINVAL, "account create needs --name, --full-name, --roles");
		if ((error = parse_roles(cli_opt(a, "roles"), &acc.roles, &acc.n_roles)) < 0)
			goto create_out;
		if ((error = read_password(a, "password-file", "VANTHU_NEW_PASSWORD", "first password", pw, sizeof(pw))) < 0 ||
		    (error = cli_check_unused(a)) < 0)
			goto create_out;
		req.account = &acc;
		req.password = pw;
		if ((error = CALL(r, "Admin", "CreateAccount", req, account, &out)) == 0) {
			if (!a->json)
				printf("created ");
			print_account(out, a->json);
			printf("\n");
			vanthu__v1__account__free_unpacked(out, NULL);
		}
create_out:
		memset(pw, 0, sizeof(pw));
		free(acc.roles);
		return error;
	}
	if (strcmp(verb, "update") == 0 || strcmp(verb, "disable") == 0 || strcmp(verb, "enable") == 0) {
		Vanthu__V1__UpdateAccountRequest req = VANTHU__V1__UPDATE_ACCOUNT_REQUEST__INIT;
		Vanthu__V1__AccountUpdated u = VANTHU__V1__ACCOUNT_UPDATED__INIT;
		Vanthu__V1__Account *out = NULL;
		u.name = (char *)cli_opt(a, "name");
		if (!u.name)
			return vt_error_set(VT_EINVAL, "account %s needs --name", verb);
		if (strcmp(verb, "update") != 0) {
			u.set_disabled = 1;
			u.disabled = strcmp(verb, "disable") == 0;
		}
		if (cli_opt(a, "full-name")) {
			u.set_full_name = 1;
			u.full_name = (char *)cli_opt(a, "full-name");
		}
		if (cli_opt(a, "unit")) {
			u.set_unit = 1;
			u.unit = (char *)cli_opt(a, "unit");
		}
		if (cli_opt(a, "position")) {
			u.set_position = 1;
			u.position = (char *)cli_opt(a, "position");
		}
		if (cli_opt(a, "roles")) {
			u.set_roles = 1;
			if ((error = parse_roles(cli_opt(a, "roles"), &u.roles, &u.n_roles)) < 0)
				goto update_out;
		}
		req.reason = (char *)(cli_opt(a, "reason") ? cli_opt(a, "reason") : "");
		if ((error = cli_check_unused(a)) < 0)
			goto update_out;
		req.update = &u;
		if ((error = CALL(r, "Admin", "UpdateAccount", req, account, &out)) == 0) {
			print_account(out, a->json);
			printf("\n");
			vanthu__v1__account__free_unpacked(out, NULL);
		}
update_out:
		free(u.roles);
		return error;
	}
	if (strcmp(verb, "reset-password") == 0) {
		Vanthu__V1__ResetPasswordRequest req = VANTHU__V1__RESET_PASSWORD_REQUEST__INIT;
		Vanthu__V1__ChangeResult *out = NULL;
		char pw[VT_PASSWORD_MAX + 2];
		req.name = (char *)cli_opt(a, "name");
		req.reason = (char *)(cli_opt(a, "reason") ? cli_opt(a, "reason") : "");
		if (!req.name)
			return vt_error_set(VT_EINVAL, "account reset-password needs --name");
		if ((error = read_password(a, "password-file", "VANTHU_NEW_PASSWORD", "new password", pw, sizeof(pw))) < 0 ||
		    (error = cli_check_unused(a)) < 0)
			return error;
		req.new_password = pw;
		error = CALL(r, "Admin", "ResetPassword", req, change_result, &out);
		memset(pw, 0, sizeof(pw));
		if (!error) {
			printf("password of %s reset (log entry %" PRIu64 ")\n", req.name, out->seq);
			vanthu__v1__change_result__free_unpacked(out, NULL);
		}
		return error;
	}
	if (strcmp(verb, "list") == 0) {
		Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
		Vanthu__V1__AccountList *out = NULL;
		if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Admin", "ListAccounts", req, account_list, &out)) < 0)
			return error;
		if (a->json)
			printf("[");
		for (size_t i = 0; i < out->n_accounts; i++) {
			if (a->json && i)
				printf(",");
			print_account(out->accounts[i], a->json);
			if (!a->json)
				printf("\n");
		}
		if (a->json)
			printf("]\n");
		vanthu__v1__account_list__free_unpacked(out, NULL);
		return 0;
	}
	return vt_error_set(VT_EINVAL, "unknown verb 'account %s' (create, update, disable, enable, reset-password, list)", verb);
}

static int cmd_unit(remote *r, const char *verb, cli_args *a)
{
	int error;
	if (strcmp(verb, "define") == 0) {
		Vanthu__V1__DefineUnitRequest req = VANTHU__V1__DEFINE_UNIT_REQUEST__INIT;
		Vanthu__V1__OrgUnit u = VANTHU__V1__ORG_UNIT__INIT;
		Vanthu__V1__ChangeResult *out = NULL;
		u.id = (char *)cli_opt(a, "id");
		u.name = (char *)cli_opt(a, "name");
		u.parent = (char *)(cli_opt(a, "parent") ? cli_opt(a, "parent") : "");
		u.closed = cli_flag(a, "closed");
		req.reason = (char *)(cli_opt(a, "reason") ? cli_opt(a, "reason") : "");
		if (!u.id || !u.name)
			return vt_error_set(VT_EINVAL, "unit define needs --id and --name");
		if ((error = cli_check_unused(a)) < 0)
			return error;
		req.unit = &u;
		if ((error = CALL(r, "Admin", "DefineUnit", req, change_result, &out)) < 0)
			return error;
		printf("unit %s defined (log entry %" PRIu64 ")\n", u.id, out->seq);
		vanthu__v1__change_result__free_unpacked(out, NULL);
		return 0;
	}
	if (strcmp(verb, "list") == 0) {
		Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
		Vanthu__V1__UnitList *out = NULL;
		if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Admin", "ListUnits", req, unit_list, &out)) < 0)
			return error;
		for (size_t i = 0; i < out->n_units; i++) {
			if (a->json) {
				printf("%s{\"id\":", i ? "," : "[");
				json_str(stdout, out->units[i]->id);
				printf(",\"name\":");
				json_str(stdout, out->units[i]->name);
				printf(",\"parent\":");
				json_str(stdout, out->units[i]->parent);
				printf("}");
			} else {
				cell(stdout, out->units[i]->id, 12);
				cell(stdout, out->units[i]->name, 32);
				printf("%s%s\n", *out->units[i]->parent ? "in " : "", out->units[i]->parent);
			}
		}
		if (a->json)
			printf("%s]\n", out->n_units ? "" : "[");
		vanthu__v1__unit_list__free_unpacked(out, NULL);
		return 0;
	}
	return vt_error_set(VT_EINVAL, "unknown verb 'unit %s' (define, list)", verb);
}


int cli_remote(const char *noun, const char *verb, cli_args *a, int *handled)
{
	remote r = { 0 };
	int error = 0, offline = a->data_dir != NULL;
	static const char *const remote_only[] = { "login", "logout", "whoami", "passwd", "account", "unit", "audit",
		"dossier", "report", "hub", "repl", NULL };
	*handled = 0;
	for (int i = 0; remote_only[i]; i++)
		if (strcmp(noun, remote_only[i]) == 0)
			*handled = 1;
	if (!*handled && !offline) {
		/* commands that exist both ways go remote without a data dir */
		if ((strcmp(noun, "doc") == 0) || strcmp(noun, "register") == 0 || strcmp(noun, "book") == 0)
			*handled = 1;
	}
	if (!*handled)
		return 0;
	if ((error = connect_remote(&r, a)) < 0)
		goto out;
	if (strcmp(noun, "login") == 0)
		error = cmd_login(&r, a);
	else if (strcmp(noun, "logout") == 0)
		error = cmd_logout(&r, a);
	else if (strcmp(noun, "whoami") == 0)
		error = cmd_whoami(&r, a);
	else if (strcmp(noun, "passwd") == 0)
		error = cmd_passwd(&r, a);
	else if (!verb)
		error = vt_error_set(VT_EINVAL, "'%s' needs a verb", noun);
	else if (strcmp(noun, "account") == 0)
		error = cmd_account(&r, verb, a);
	else if (strcmp(noun, "unit") == 0)
		error = cmd_unit(&r, verb, a);
	else if (strcmp(noun, "doc") == 0)
		error = cmd_rdoc(&r, verb, a);
	else if (strcmp(noun, "register") == 0 || strcmp(noun, "book") == 0 || strcmp(noun, "dossier") == 0 ||
		 strcmp(noun, "report") == 0)
		error = cmd_rregister(&r, noun, verb, a);
	else if (strcmp(noun, "audit") == 0)
		error = cmd_raudit(&r, verb, a);
	else if (strcmp(noun, "hub") == 0 || strcmp(noun, "repl") == 0)
		error = cmd_rrepl(&r, noun, verb, a);
out:
	remote_close(&r);
	return error;
}
