/* A hub's own records about its units: enrolment (which node ids and keys it
 * admits) and alarms (units refused), as events of the hub's log. */
#ifndef VT_ENROLMENT_H
#define VT_ENROLMENT_H

#include "store/log.h"
#include "store/record.h"
#include "store/store.h"
#include "vanthu.pb-c.h"


int vt_enrolment_apply_enrolled(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);
int vt_enrolment_apply_refused(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);
int vt_enrolment_apply_reinstated(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

/* The unit node_id as enrolled at hub (VT_ENOTFOUND if it is not). */
int vt_enrolment_unit_get(vt_store *store, const char *hub, const char *node_id, Vanthu__V1__EnrolledUnit **out);

typedef int (*vt_enrolment_unit_fn)(void *payload, const Vanthu__V1__EnrolledUnit *u);
/* Alarms (refusals) in log order. */
typedef int (*vt_enrolment_alarm_fn)(void *payload, const Vanthu__V1__ReplAlarm *a);
int vt_enrolment_alarms(vt_store *store, const char *hub, vt_enrolment_alarm_fn fn, void *payload);

/* Every enrolled unit (refused ones too), in node id order. */
int vt_enrolment_units(vt_store *store, const char *hub, vt_enrolment_unit_fn fn, void *payload);

/* ---- commands at the hub: each checks its input, builds its event and
 * appends it to the hub's log (whose apply checks the rest). */

/* Enrols node_id with its log's tree-head key pk (UnitEnrolled);
 * VT_EEXISTS if it is enrolled with that key, VT_ECONFLICT with another. */
int vt_enrolment_enroll(vt_log *log, const char *actor, const char *node_id, const uint8_t pk[32],
	const char *name, const char *reason, vt_apply_result *res);
/* Lifts a refusal (UnitReinstated); VT_ECONFLICT if node_id is not refused. */
int vt_enrolment_reinstate(vt_log *log, const char *actor, const char *node_id, const char *reason,
	vt_apply_result *res);
/* Records an alarm (UnitRefused, by the node itself): the unit stays
 * refused until reinstated. */
int vt_enrolment_refuse(vt_log *log, const Vanthu__V1__UnitRefused *in);

#endif
