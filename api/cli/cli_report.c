/* vanthu report status: per lead unit, incoming documents received, open,
 * overdue and resolved, over gRPC (report register is register list). */
#include "cli/cmd.h"
#include "cli/print.h"
#include "store/error.h"

#include <stdio.h>

int cmd_report_status(cli_remote *r, cli_args *a)
{
	Vanthu__V1__StatusRequest req = VANTHU__V1__STATUS_REQUEST__INIT;
	Vanthu__V1__StatusReport *out = NULL;
	uint64_t year;
	int error;
	if ((error = cli_u64(a, "year", 0, &year)) < 0 || (error = cli_check_unused(a)) < 0)
		return error;
	req.year = (uint32_t)year;
	if ((error = CALL(r, "Registers", "Status", req, status_report, &out)) < 0)
		return error;
	if (!a->json)
		printf("processing status of incoming documents as of %s\n%-16s %8s %8s %8s %8s %8s\n", out->as_of,
			"lead unit", "received", "open", "overdue", "resolved", "late");
	for (size_t i = 0; i < out->n_units; i++) {
		const Vanthu__V1__UnitStatus *u = out->units[i];
		if (a->json) {
			printf("%s{\"unit\":", i ? "," : "[");
			json_str(stdout, u->unit);
			printf(",\"received\":%u,\"open\":%u,\"overdue\":%u,\"resolved\":%u,\"resolved_late\":%u}",
				u->received, u->directed, u->overdue, u->resolved, u->resolved_late);
		} else {
			cell(stdout, *u->unit ? u->unit : "(not directed)", 16);
			printf("%8u %8u %8u %8u %8u\n", u->received, u->directed, u->overdue, u->resolved, u->resolved_late);
		}
	}
	if (a->json)
		printf("%s]\n", out->n_units ? "" : "[");
	vanthu__v1__status_report__free_unpacked(out, NULL);
	return 0;
}
