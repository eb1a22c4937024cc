/* vanthu dossier list|show: the files (hồ sơ) documents are kept in, over
 * gRPC. */
#include "cli/cmd.h"
#include "cli/print.h"
#include "store/error.h"

#include <stdio.h>

int cmd_dossier_list(cli_remote *r, cli_args *a)
{
	Vanthu__V1__Empty req = VANTHU__V1__EMPTY__INIT;
	Vanthu__V1__DossierList *out = NULL;
	int error;
	if ((error = cli_check_unused(a)) < 0 ||
	    (error = CALL(r, "Registers", "ListDossiers", req, dossier_list, &out)) < 0)
		return error;
	for (size_t i = 0; i < out->n_dossiers; i++) {
		const Vanthu__V1__Dossier *d = out->dossiers[i];
		if (a->json) {
			printf("%s{\"id\":", i ? "," : "[");
			json_str(stdout, d->id);
			printf(",\"title\":");
			json_str(stdout, d->title);
			printf(",\"documents\":%zu}", d->n_documents);
		} else {
			cell(stdout, d->id, 16);
			cell(stdout, d->title, 40);
			printf("%zu documents, %s\n", d->n_documents, d->owner);
		}
	}
	if (a->json)
		printf("%s]\n", out->n_dossiers ? "" : "[");
	vanthu__v1__dossier_list__free_unpacked(out, NULL);
	return 0;
}

int cmd_dossier_show(cli_remote *r, cli_args *a)
{
	Vanthu__V1__DossierRequest req = VANTHU__V1__DOSSIER_REQUEST__INIT;
	Vanthu__V1__Dossier *d = NULL;
	int error;
	req.id = (char *)cli_opt(a, "id");
	if (!req.id)
		return vt_error_set(VT_EINVAL, "dossier show needs --id");
	if ((error = cli_check_unused(a)) < 0 || (error = CALL(r, "Registers", "GetDossier", req, dossier, &d)) < 0)
		return error;
	if (a->json) {
		printf("{\"id\":");
		json_str(stdout, d->id);
		printf(",\"title\":");
		json_str(stdout, d->title);
		printf(",\"documents\":[");
		for (size_t i = 0; i < d->n_documents; i++) {
			printf("%s", i ? "," : "");
			json_str(stdout, d->documents[i]);
		}
		printf("]}\n");
	} else {
		printf("hồ sơ %s: %s (opened by %s)\n", d->id, d->title, d->owner);
		for (size_t i = 0; i < d->n_documents; i++)
			printf("  %3zu  %s\n", i + 1, d->documents[i]);
	}
	vanthu__v1__dossier__free_unpacked(d, NULL);
	return 0;
}
