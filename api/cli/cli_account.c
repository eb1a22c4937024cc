/* vanthu login, logout, whoami, passwd, and account create|update|
 * disable|enable|reset-password|list (the administrator's): over gRPC. */
#include "cli/cmd.h"
#include "cli/print.h"
#include "accounts/account.h"
#include "store/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- sessions */

int cmd_login(cli_remote *r, cli_args *a)
{
	Vanthu__V1__LoginRequest req = VANTHU__V1__LOGIN_REQUEST__INIT;
	Vanthu__V1__LoginResponse *resp = NULL;
	char pw[VT_PASSWORD_MAX + 2];
	const char *name = cli_opt(a, "name");
	int error;
	if (!name)
		return vt_error_set(VT_EINVAL, "login needs --name NAME");
	if ((error = cli_read_password(a, "password-file", "VANTHU_PASSWORD", "password", pw, sizeof(pw))) < 0 ||
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
	if ((error = cli_session_write(r)) == 0) {
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

int cmd_logout(cli_remote *r, cli_args *a)
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
	cli_session_write(r);
	if (!error && !a->json)
		printf("logged out\n");
	return error;
}

int cmd_whoami(cli_remote *r, cli_args *a)
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

int cmd_passwd(cli_remote *r, cli_args *a)
{
	Vanthu__V1__ChangePasswordRequest req = VANTHU__V1__CHANGE_PASSWORD_REQUEST__INIT;
	Vanthu__V1__Empty *resp = NULL;
	char old[VT_PASSWORD_MAX + 2], pw[VT_PASSWORD_MAX + 2];
	int error;
	if ((error = cli_read_password(a, "old-password-file", "VANTHU_PASSWORD", "current password", old, sizeof(old))) < 0 ||
	    (error = cli_read_password(a, "new-password-file", "VANTHU_NEW_PASSWORD", "new password", pw, sizeof(pw))) < 0 ||
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

/* ---- accounts */

int cmd_account_create(cli_remote *r, cli_args *a)
{
	Vanthu__V1__CreateAccountRequest req = VANTHU__V1__CREATE_ACCOUNT_REQUEST__INIT;
	Vanthu__V1__Account acc = VANTHU__V1__ACCOUNT__INIT, *out = NULL;
	char pw[VT_PASSWORD_MAX + 2];
	int error;
	acc.name = (char *)cli_opt(a, "name");
	acc.full_name = (char *)(cli_opt(a, "full-name") ? cli_opt(a, "full-name") : "");
	acc.unit = (char *)(cli_opt(a, "unit") ? cli_opt(a, "unit") : "");
	acc.position = (char *)(cli_opt(a, "position") ? cli_opt(a, "position") : "");
	req.reason = (char *)(cli_opt(a, "reason") ? cli_opt(a, "reason") : "");
	if (!acc.name)
		return vt_error_set(VT_EINVAL, "account create needs --name, --full-name, --roles");
	if ((error = parse_roles(cli_opt(a, "roles"), &acc.roles, &acc.n_roles)) < 0)
		goto create_out;
	if ((error = cli_read_password(a, "password-file", "VANTHU_NEW_PASSWORD", "first password", pw, sizeof(pw))) < 0 ||
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

/* update, disable, enable: one UpdateAccount request */
static int account_update(cli_remote *r, const char *verb, cli_args *a)
{
	Vanthu__V1__UpdateAccountRequest req = VANTHU__V1__UPDATE_ACCOUNT_REQUEST__INIT;
	Vanthu__V1__AccountUpdated u = VANTHU__V1__ACCOUNT_UPDATED__INIT;
	Vanthu__V1__Account *out = NULL;
	int error;
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

int cmd_account_update(cli_remote *r, cli_args *a)
{
	return account_update(r, "update", a);
}

int cmd_account_disable(cli_remote *r, cli_args *a)
{
	return account_update(r, "disable", a);
}

int cmd_account_enable(cli_remote *r, cli_args *a)
{
	return account_update(r, "enable", a);
}

int cmd_account_reset_password(cli_remote *r, cli_args *a)
{
	Vanthu__V1__ResetPasswordRequest req = VANTHU__V1__RESET_PASSWORD_REQUEST__INIT;
	Vanthu__V1__ChangeResult *out = NULL;
	char pw[VT_PASSWORD_MAX + 2];
	int error;
	req.name = (char *)cli_opt(a, "name");
	req.reason = (char *)(cli_opt(a, "reason") ? cli_opt(a, "reason") : "");
	if (!req.name)
		return vt_error_set(VT_EINVAL, "account reset-password needs --name");
	if ((error = cli_read_password(a, "password-file", "VANTHU_NEW_PASSWORD", "new password", pw, sizeof(pw))) < 0 ||
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

int cmd_account_list(cli_remote *r, cli_args *a)
{
	Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
	Vanthu__V1__AccountList *out = NULL;
	int error;
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
