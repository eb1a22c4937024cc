/* A hub's own records about its units: enrolment (which node ids and keys it
 * admits) and alarms (units refused), as events of the hub's log. */
#ifndef VT_HUB_H
#define VT_HUB_H

#include "store/record.h"
#include "store/store.h"
#include "vanthu.pb-c.h"


int vt_hub_apply_enrolled(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);
int vt_hub_apply_refused(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);
int vt_hub_apply_reinstated(vt_apply_ctx *ctx, const Vanthu__V1__LogEntry *e, vt_apply_result *res);

/* The unit node_id as enrolled at hub (VT_ENOTFOUND if it is not). */
int vt_hub_unit_get(vt_store *store, const char *hub, const char *node_id, Vanthu__V1__EnrolledUnit **out);

typedef int (*vt_hub_unit_fn)(void *ctx, const Vanthu__V1__EnrolledUnit *u);
/* Alarms (refusals) in log order. */
typedef int (*vt_hub_alarm_fn)(void *ctx, const Vanthu__V1__ReplAlarm *a);
int vt_hub_alarms(vt_store *store, const char *hub, vt_hub_alarm_fn fn, void *ctx);

int vt_hub_units(vt_store *store, const char *hub, vt_hub_unit_fn fn, void *ctx);

#endif
