/* vanthu's command line: options, lists, and errors as exit codes. */
#include "cli/args.h"
#include "store/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const flags[] = {
	"json", "no-rebuild", "csv", "closed", "accept-duplicate", "help", "keep-scratch", "plaintext", "paper", "mine", "overdue", NULL,
};

static int is_flag(const char *name)
{
	for (int i = 0; flags[i]; i++)
		if (strcmp(flags[i], name) == 0)
			return 1;
	return 0;
}

int cli_parse(cli_args *a, int argc, char **argv)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq;
		char *name;
		if (strncmp(arg, "--", 2) != 0)
			return vt_error_set(VT_EINVAL, "unexpected argument '%s'", arg);
		if (a->nopts == CLI_MAX_OPTS)
			return vt_error_set(VT_EINVAL, "too many options");
		arg += 2;
		if ((eq = strchr(arg, '='))) {
			name = strndup(arg, (size_t)(eq - arg));
			a->value[a->nopts] = eq + 1;
		} else {
			name = strdup(arg);
			if (!is_flag(name)) {
				if (i + 1 >= argc) {
					vt_error_set(VT_EINVAL, "option --%s needs a value", name);
					free(name);
					return VT_EINVAL;
				}
				a->value[a->nopts] = argv[++i];
			}
		}
		a->name[a->nopts++] = name;
	}
	a->json = cli_flag(a, "json");
	a->data_dir = cli_opt(a, "data-dir");
	a->origin = cli_opt(a, "origin");
	if (!a->data_dir)
		a->data_dir = getenv("VANTHU_DATA_DIR");
	return 0;
}

void cli_args_dispose(cli_args *a)
{
	for (int i = 0; i < a->nopts; i++)
		free((char *)a->name[i]);
	a->nopts = 0;
}

static int find(cli_args *a, const char *name)
{
	for (int i = 0; i < a->nopts; i++)
		if (strcmp(a->name[i], name) == 0) {
			a->used[i] = 1;
			return i;
		}
	return -1;
}

const char *cli_opt(cli_args *a, const char *name)
{
	int i = find(a, name);
	return i < 0 ? NULL : a->value[i];
}

int cli_flag(cli_args *a, const char *name)
{
	return find(a, name) >= 0;
}

int cli_u64(cli_args *a, const char *name, uint64_t def, uint64_t *out)
{
	const char *v = cli_opt(a, name);
	char *end;
	*out = def;
	if (!v)
		return 0;
	if (!*v || *v == '-')
		return vt_error_set(VT_EINVAL, "--%s needs a non-negative number, not '%s'", name, v);
	*out = strtoull(v, &end, 10);
	if (*end)
		return vt_error_set(VT_EINVAL, "--%s needs a number, not '%s'", name, v);
	return 0;
}

int cli_check_unused(cli_args *a)
{
	for (int i = 0; i < a->nopts; i++)
		if (!a->used[i])
			return vt_error_set(VT_EINVAL, "unknown option --%s for this command", a->name[i]);
	return 0;
}

/* Splits a comma list into a malloc'd array of malloc'd strings. */
int cli_split_list(const char *v, char ***out, size_t *n)
{
	char *copy, *save = NULL, *tok;
	*out = NULL;
	*n = 0;
	if (!v || !*v)
		return 0;
	if (!(copy = strdup(v)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char **grown = realloc(*out, (*n + 1) * sizeof(char *));
		if (!grown) {
			free(copy);
			return vt_error_set(VT_ENOMEM, "out of memory");
		}
		*out = grown;
		(*out)[(*n)++] = strdup(tok);
	}
	free(copy);
	return 0;
}

void cli_free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

int cli_direction_parse(const char *v, Vanthu__V1__Direction *out)
{
	if (v && (strcmp(v, "incoming") == 0 || strcmp(v, "in") == 0 || strcmp(v, "den") == 0))
		*out = VANTHU__V1__DIRECTION__INCOMING;
	else if (v && (strcmp(v, "outgoing") == 0 || strcmp(v, "out") == 0 || strcmp(v, "di") == 0))
		*out = VANTHU__V1__DIRECTION__OUTGOING;
	else
		return vt_error_set(VT_EINVAL, "--direction must be incoming or outgoing");
	return 0;
}

static int unavailable;

void cli_unavailable(const char *server)
{
	unavailable = 1;
	vt_error_set(vt_error_last_code(), "%s\n(is vanthud running at %s? with TLS, does --ca name the CA that "
		"signed its certificate?)", vt_error_last(), server);
}

int cli_exit_code(int error)
{
	if (error && unavailable)
		return VT_EXIT_UNAVAILABLE;
	switch (error) {
	case 0: return VT_EXIT_OK;
	case VT_ENOTFOUND: return VT_EXIT_NOTFOUND;
	case VT_EINVAL: return VT_EXIT_INVALID;
	case VT_EEXISTS:
	case VT_ECONFLICT: return VT_EXIT_CONFLICT;
	case VT_ECORRUPT:
	case VT_ESIG: return VT_EXIT_VERIFY;
	case VT_EBUSY: return VT_EXIT_BUSY;
	case VT_EPERM: return VT_EXIT_PERM;
	case VT_EAUTH: return VT_EXIT_AUTH;
	case VT_ETOOBIG: return VT_EXIT_INVALID;
	default: return VT_EXIT_ERROR;
	}
}

int cli_fail(int error)
{
	fprintf(stderr, "vanthu: %s (%s)\n", *vt_error_last() ? vt_error_last() : "failed",
		vt_error_name(error));
	return cli_exit_code(error);
}
