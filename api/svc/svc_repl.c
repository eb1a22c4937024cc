/* Replication service methods with a session (the streams themselves are
 * the hub's, authenticated by the unit's certificate): enrolment and
 * reinstatement at the hub, and the replication status on either side. */
#include "events.h"
#include "svc/svc_int.h"
#include "store/error.h"
#include "replication/repl.h"

#include <stdlib.h>
#include <string.h>

int vt_api_repl_enroll(vt_api_req *r)
{
	const Vanthu__V1__EnrollRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error;
	if (!r->api->hub)
		return vt_error_set(VT_EINVAL, "%s is not a hub: units are enrolled at their hub", r->api->node->node_id);
	if (in->public_key.len != 32)
		return vt_error_set(VT_EINVAL, "the unit's public key must be 32 bytes (vanthu node key on the unit)");
	if ((error = vt_repl_enroll(r->api->node, r->caller->name, in->node_id, in->public_key.data, in->name,
		     in->reason, &res)) < 0)
		return error;
	return vt_api_reply_change(r, &res);
}

int vt_api_repl_reinstate(vt_api_req *r)
{
	const Vanthu__V1__ReinstateRequest *in = (const void *)r->in;
	vt_apply_result res;
	int error;
	if (!r->api->hub)
		return vt_error_set(VT_EINVAL, "%s is not a hub", r->api->node->node_id);
	if (!*in->reason)
		return vt_error_set(VT_EINVAL, "a reinstatement needs the reason (what was investigated)");
	if ((error = vt_repl_reinstate(r->api->node, r->caller->name, in->node_id, in->reason, &res)) < 0)
		return error;
	return vt_api_reply_change(r, &res);
}

int vt_api_repl_status(vt_api_req *r)
{
	Vanthu__V1__ReplStatus *st = NULL;
	int error;
	if (r->api->hub)
		error = vt_repl_hub_status(r->api->hub, &st);
	else if (r->api->link)
		error = vt_repl_link_status(r->api->link, &st);
	else {
		Vanthu__V1__ReplStatus none = VANTHU__V1__REPL_STATUS__INIT;
		none.node_id = r->api->node->node_id;
		none.role = "unit";
		none.hub = "";
		return vt_api_reply(r, &none.base);
	}
	if (error < 0)
		return error;
	error = vt_api_reply(r, &st->base);
	vt_repl_status_free(st);
	return error;
}
