/* vanthu unit define|list: the agency's organisational units, over gRPC. */
#include "cli/cmd.h"
#include "cli/print.h"
#include "store/error.h"

#include <inttypes.h>
#include <stdio.h>

int cmd_unit_define(cli_remote *r, cli_args *a)
{
	Vanthu__V1__DefineUnitRequest req = VANTHU__V1__DEFINE_UNIT_REQUEST__INIT;
	Vanthu__V1__OrgUnit u = VANTHU__V1__ORG_UNIT__INIT;
	Vanthu__V1__ChangeResult *out = NULL;
	int error;
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

int cmd_unit_list(cli_remote *r, cli_args *a)
{
	Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
	Vanthu__V1__UnitList *out = NULL;
	int error;
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
