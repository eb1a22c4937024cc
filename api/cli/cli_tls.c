/* vanthu tls issue: a development client certificate for a unit, from a
 * hub's development CA (node/tlsgen.h). Offline. */
#include "cli/cmd.h"
#include "store/error.h"
#include "tlsgen.h"

#include <stdio.h>
#include <string.h>

int cmd_tls_issue(cli_args *a)
{
	const char *dir = cli_opt(a, "ca-dir"), *name = cli_opt(a, "name"), *cn = cli_opt(a, "cn");
	int error;
	if (!dir || !name || !cn)
		return vt_error_set(VT_EINVAL, "tls issue needs --ca-dir DIR --name FILE-NAME --cn NODE-ID (a development "
			"certificate; production uses the agency's PKI)");
	if (strchr(name, '/'))
		return vt_error_set(VT_EINVAL, "--name is a file name in --ca-dir, without '/'");
	if ((error = cli_check_unused(a)) < 0 || (error = vt_tlsgen_ca(dir)) < 0 ||
	    (error = vt_tlsgen_issue(dir, name, cn, NULL)) < 0)
		return error;
	if (a->json)
		printf("{\"cert\":\"%s/%s.pem\",\"key\":\"%s/%s.key\",\"ca\":\"%s/ca.pem\"}\n", dir, name, dir, name, dir);
	else
		printf("%s/%s.pem and %s/%s.key (CN %s), CA %s/ca.pem\n", dir, name, dir, name, cn, dir);
	return 0;
}
