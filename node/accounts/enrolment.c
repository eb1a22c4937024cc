/* Enrolment and alarms: a hub admits the units an administrator enrolled,
 * each with the tree-head key of its log; a refusal is kept on the unit's
 * record until it is reinstated. */
#include "accounts/enrolment.h"
#include "store/keyspace.h"
#include "store/error.h"

#include <stdlib.h>
#include <string.h>

static void unit_key(vt_key *k, const char *hub, const char *node_id)
{
	vt_key_init(k, hub);
	vt_key_u8(k, VT_IDX_ENROLLED);
	vt_key_str(k, node_id);
}

static int load(vt_apply_ctx *ctx, const char *node_id, Vanthu__V1__EnrolledUnit **u)
{
	vt_key k;
	int error;
	unit_key(&k, ctx->origin, node_id);
	error = vt_apply_get(ctx, VT_CF_INDEX, &k, &vanthu__v1__enrolled_unit__descriptor, (ProtobufCMessage **)u);
	if (error == VT_ENOTFOUND)
		return vt_error_set(VT_ENOTFOUND, "unit %s is not enrolled at this hub", node_id);
	return error;
}

static int save(vt_apply_ctx *ctx, const Vanthu__V1__EnrolledUnit *u)
{
	vt_key k;
	unit_key(&k, ctx->origin, u->node_id);
	return vt_apply_put(ctx, VT_CF_INDEX, &k, &u->base);
}

/* What an enrolment must say, checked by the command and by the apply. */
static int enrolled_check(const Vanthu__V1__UnitEnrolled *in)
{
	if (!in->node_id || !vt_node_id_ok(in->node_id))
		return vt_error_set(VT_EINVAL, "node id '%s' must be 1-64 letters, digits, '.', '-' or '_'",
			in->node_id ? in->node_id : "");
	if (in->public_key.len != 32 || !in->public_key.data)
		return vt_error_set(VT_EINVAL, "the unit's public key must be 32 bytes (Ed25519)");
	if (!in->name || strlen(in->name) > 300)
		return vt_error_set(VT_EINVAL, "name too long (300 bytes)");
	return 0;
}

int vt_enrolment_apply_enrolled(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__UnitEnrolled *in = e->event->unit_enrolled;
	Vanthu__V1__EnrolledUnit *old = NULL, u = VANTHU__V1__ENROLLED_UNIT__INIT;
	int error;
	(void)res;
	if ((error = enrolled_check(in)) < 0)
		return error;
	if (strcmp(in->node_id, ctx->origin) == 0)
		return vt_error_set(VT_EINVAL, "the hub cannot enrol itself");
	error = load(ctx, in->node_id, &old);
	if (error == 0) {
		int same = old->public_key.len == 32 && memcmp(old->public_key.data, in->public_key.data, 32) == 0;
		vanthu__v1__enrolled_unit__free_unpacked(old, NULL);
		/* a unit's key is the key of its log's entry 0: it never changes */
		return vt_error_set(same ? VT_EEXISTS : VT_ECONFLICT, same ? "unit %s is already enrolled" :
			"unit %s is enrolled with another key (a unit's log key never changes)", in->node_id);
	}
	if (error != VT_ENOTFOUND)
		return error;
	u.node_id = in->node_id;
	u.public_key = in->public_key;
	u.name = in->name;
	u.enrolled_at = e->time;
	u.enrolled_by = e->actor;
	return save(ctx, &u);
}

int vt_enrolment_apply_refused(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__UnitRefused *in = e->event->unit_refused;
	Vanthu__V1__EnrolledUnit *u = NULL;
	int error;
	(void)res;
	if ((error = load(ctx, in->node_id, &u)) < 0)
		return error;
	u->refused = 1;
	u->refused_reason = in->reason;
	u->refused_at = e->time;
	u->alarms++;
	if ((error = save(ctx, u)) == 0) {
		Vanthu__V1__ReplAlarm a = VANTHU__V1__REPL_ALARM__INIT;
		vt_key k;
		a.seq = e->seq;
		a.time = e->time;
		a.refused = (Vanthu__V1__UnitRefused *)in;
		vt_key_init(&k, ctx->origin);
		vt_key_u8(&k, VT_IDX_ALARM);
		vt_key_u64(&k, e->seq);
		error = vt_apply_put(ctx, VT_CF_INDEX, &k, &a.base);
	}
	u->refused_reason = NULL; /* borrowed from the event */
	vanthu__v1__enrolled_unit__free_unpacked(u, NULL);
	return error;
}

int vt_enrolment_apply_reinstated(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res)
{
	const Vanthu__V1__UnitReinstated *in = e->event->unit_reinstated;
	Vanthu__V1__EnrolledUnit *u = NULL;
	char *reason;
	int error;
	(void)res;
	if ((error = load(ctx, in->node_id, &u)) < 0)
		return error;
	if (!u->refused) {
		vanthu__v1__enrolled_unit__free_unpacked(u, NULL);
		return vt_error_set(VT_ECONFLICT, "unit %s is not refused", in->node_id);
	}
	u->refused = 0;
	reason = u->refused_reason;
	u->refused_reason = "";
	error = save(ctx, u);
	u->refused_reason = reason;
	vanthu__v1__enrolled_unit__free_unpacked(u, NULL);
	return error;
}

int vt_enrolment_unit_get(vt_store *store, const char *hub, const char *node_id, Vanthu__V1__EnrolledUnit **out)
{
	vt_key k;
	int error;
	unit_key(&k, hub, node_id);
	error = vt_msg_get(store, VT_CF_INDEX, &k, &vanthu__v1__enrolled_unit__descriptor, (ProtobufCMessage **)out);
	return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "unit %s is not enrolled at this hub", node_id) : error;
}

VT_MSG_EACH_TYPED(each_unit, vt_enrolment_unit_fn, Vanthu__V1__EnrolledUnit, vanthu__v1__enrolled_unit__descriptor)

int vt_enrolment_units(vt_store *store, const char *hub, vt_enrolment_unit_fn fn, void *payload)
{
	vt_key k;
	vt_key_init(&k, hub);
	vt_key_u8(&k, VT_IDX_ENROLLED);
	return each_unit(store, VT_CF_INDEX, &k, NULL, fn, payload);
}

VT_MSG_EACH_TYPED(each_alarm, vt_enrolment_alarm_fn, Vanthu__V1__ReplAlarm, vanthu__v1__repl_alarm__descriptor)

int vt_enrolment_alarms(vt_store *store, const char *hub, vt_enrolment_alarm_fn fn, void *payload)
{
	vt_key k;
	vt_key_init(&k, hub);
	vt_key_u8(&k, VT_IDX_ALARM);
	return each_alarm(store, VT_CF_INDEX, &k, NULL, fn, payload);
}

/* ---- commands */

int vt_enrolment_enroll(vt_log *log, const char *actor, const char *node_id, const uint8_t pk[32],
	const char *name, const char *reason, vt_apply_result *res)
{
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__UnitEnrolled u = VANTHU__V1__UNIT_ENROLLED__INIT;
	int error;
	u.node_id = (char *)node_id;
	u.public_key.data = (uint8_t *)pk;
	u.public_key.len = pk ? 32 : 0;
	u.name = (char *)(name ? name : "");
	if ((error = enrolled_check(&u)) < 0)
		return error;
	ev.kind_case = VANTHU__V1__EVENT__KIND_UNIT_ENROLLED;
	ev.unit_enrolled = &u;
	ev.reason = (char *)(reason ? reason : "");
	return vt_msg_text_check(&ev.base) < 0 ? VT_EINVAL : vt_log_append(log, actor, &ev, res);
}

int vt_enrolment_reinstate(vt_log *log, const char *actor, const char *node_id, const char *reason,
	vt_apply_result *res)
{
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	Vanthu__V1__UnitReinstated u = VANTHU__V1__UNIT_REINSTATED__INIT;
	if (!node_id || !vt_node_id_ok(node_id))
		return vt_error_set(VT_EINVAL, "node id '%s' must be 1-64 letters, digits, '.', '-' or '_'",
			node_id ? node_id : "");
	u.node_id = (char *)node_id;
	ev.kind_case = VANTHU__V1__EVENT__KIND_UNIT_REINSTATED;
	ev.unit_reinstated = &u;
	ev.reason = (char *)(reason ? reason : "");
	return vt_msg_text_check(&ev.base) < 0 ? VT_EINVAL : vt_log_append(log, actor, &ev, res);
}

int vt_enrolment_refuse(vt_log *log, const Vanthu__V1__UnitRefused *in)
{
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	if (!in || !in->node_id || !vt_node_id_ok(in->node_id) || !in->reason)
		return vt_error_set(VT_EINVAL, "a refusal names an enrolled unit and why");
	ev.kind_case = VANTHU__V1__EVENT__KIND_UNIT_REFUSED;
	ev.unit_refused = (Vanthu__V1__UnitRefused *)in;
	return vt_log_append(log, "node", &ev, NULL);
}
