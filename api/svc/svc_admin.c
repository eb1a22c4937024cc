/* Admin service: accounts, organisation units, register books. */
#include "svc/svc_int.h"
#include "docs/commands.h"
#include "store/error.h"

#include <string.h>

/* Replies the account as stored after a change. */
static int reply_account(vt_api_req *r, const char *name)
{
	Vanthu__V1__Account *acc = NULL;
	int error;
	if ((error = vt_account_get(r->api->node->store, r->api->node->node_id, name, &acc)) < 0)
		return error;
	error = vt_api_reply(r, &acc->base);
	vanthu__v1__account__free_unpacked(acc, NULL);
	return error;
}

int vt_api_admin_create_account(vt_api_req *r)
{
	const Vanthu__V1__CreateAccountRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error;
	if (!in->account)
		return vt_error_set(VT_EINVAL, "create account: no account given");
	if ((error = vt_account_create(r->api->node->log, r->caller->name, in->account, in->password,
		     in->reason, &res)) < 0)
		return error;
	return reply_account(r, in->account->name);
}

int vt_api_admin_update_account(vt_api_req *r)
{
	const Vanthu__V1__UpdateAccountRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error;
	if (!in->update)
		return vt_error_set(VT_EINVAL, "update account: no update given");
	if (strcmp(in->update->name, r->caller->name) == 0 && in->update->set_disabled && in->update->disabled)
		return vt_error_set(VT_EINVAL, "an administrator cannot disable their own account");
	if ((error = vt_account_update(r->api->node->log, r->caller->name, in->update, in->reason, &res)) < 0)
		return error;
	return reply_account(r, in->update->name);
}

int vt_api_admin_reset_password(vt_api_req *r)
{
	const Vanthu__V1__ResetPasswordRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error = vt_account_set_password(r->api->node->log, r->caller->name, in->name, NULL,
		in->new_password, &res);
	return error < 0 ? error : vt_api_reply_change(r, &res);
}

/* Typed callbacks of the domain's list functions that keep what they get. */
static int collect_account(void *payload, const Vanthu__V1__Account *a) { return vt_api_collect(payload, &a->base); }
static int collect_unit(void *payload, const Vanthu__V1__OrgUnit *u) { return vt_api_collect(payload, &u->base); }

int vt_api_admin_list_accounts(vt_api_req *r)
{
	Vanthu__V1__AccountList out = VANTHU__V1__ACCOUNT_LIST__INIT;
	vt_api_collect_list c = { .desc = &vanthu__v1__account__descriptor };
	int error = vt_account_list(r->api->node->store, r->api->node->node_id, collect_account, &c);
	if (!error) {
		out.accounts = (Vanthu__V1__Account **)c.items;
		out.n_accounts = c.n;
		error = vt_api_reply(r, &out.base);
	}
	vt_api_collect_free(&c);
	return error;
}

int vt_api_admin_define_unit(vt_api_req *r)
{
	const Vanthu__V1__DefineUnitRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error;
	if ((error = vt_unit_define(r->api->node->log, r->caller->name, in->unit, in->reason, &res)) < 0)
		return error;
	return vt_api_reply_change(r, &res);
}

int vt_api_admin_list_units(vt_api_req *r)
{
	Vanthu__V1__UnitList out = VANTHU__V1__UNIT_LIST__INIT;
	vt_api_collect_list c = { .desc = &vanthu__v1__org_unit__descriptor };
	int error = vt_unit_list(r->api->node->store, r->api->node->node_id, collect_unit, &c);
	if (!error) {
		out.units = (Vanthu__V1__OrgUnit **)c.items;
		out.n_units = c.n;
		error = vt_api_reply(r, &out.base);
	}
	vt_api_collect_free(&c);
	return error;
}

int vt_api_admin_define_book(vt_api_req *r)
{
	const Vanthu__V1__DefineBookRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error;
	if ((error = vt_cmd_book_define(r->api->node->log, r->caller->name, in->book, in->reason, &res)) < 0)
		return error;
	return vt_api_reply_change(r, &res);
}
