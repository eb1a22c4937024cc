/* Auth service: log in and out, who am I, change one's own password. */
#include "svc/svc_int.h"
#include "store/error.h"

int vt_api_auth_login(vt_api_req *r)
{
	const Vanthu__V1__LoginRequest *in = (const void *)r->in;
	Vanthu__V1__LoginResponse out = VANTHU__V1__LOGIN_RESPONSE__INIT;
	Vanthu__V1__Account *acc = NULL;
	char token[VT_TOKEN_HEX + 1];
	int error;
	if ((error = vt_auth_login(r->api->auth, in->name, in->password, vt_api_peer(r), token, &out.expires)) < 0)
		return error;
	if ((error = vt_account_get(r->api->node->store, r->api->node->node_id, in->name, &acc)) < 0)
		return error;
	out.token = token;
	out.account = acc;
	error = vt_api_reply(r, &out.base);
	vanthu__v1__account__free_unpacked(acc, NULL);
	return error;
}

int vt_api_auth_logout(vt_api_req *r)
{
	Vanthu__V1__Empty out = VANTHU__V1__EMPTY__INIT;
	int error;
	if (!r->token)
		return vt_error_set(VT_EAUTH, "log out: no session to end");
	error = vt_auth_logout(r->api->auth, r->token);
	return error < 0 ? error : vt_api_reply(r, &out.base);
}

int vt_api_auth_whoami(vt_api_req *r)
{
	return vt_api_reply(r, &r->caller->base);
}

int vt_api_auth_change_password(vt_api_req *r)
{
	const Vanthu__V1__ChangePasswordRequest *in = (const void *)r->in;
	Vanthu__V1__Empty out = VANTHU__V1__EMPTY__INIT;
	vt_apply_result res;
	int error = vt_account_set_password(r->api->node->log, r->caller->name, r->caller->name,
		in->old_password, in->new_password, &res);
	return error < 0 ? error : vt_api_reply(r, &out.base);
}
