/* vanthu: the client. `vanthu <noun> <verb> [options]`. The commands here
 * work on a data directory (--data-dir): the administrator's and auditor's
 * offline tools. */
#include "cli/cli.h"
#include "accounts/account.h"
#include "cli/cli_remote.h"
#include "store/file.h"
#include "store/keys.h"
#include "store/error.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <unistr.h>
#include <uniwidth.h>

static const char usage[] =
	"usage: vanthu <noun> <verb> [options]\n"
	"\n"
	"On a running node over gRPC (TLS; the session is kept in ~/.config/vanthu/session\n"
	"or $VANTHU_SESSION, so --server/--ca are needed only at login):\n"
	"  login              --server HOST:PORT --ca CA.pem --name NAME [--password-file F]\n"
	"  logout | whoami | passwd [--old-password-file F --new-password-file F]\n"
	"  account create     --name N --full-name \"...\" --roles clerk,staff,... [--unit U]\n"
	"                     [--position P] [--password-file F]\n"
	"  account update|disable|enable|reset-password|list   --name N ...\n"
	"                     roles: clerk staff unit-leader agency-leader archivist auditor admin\n"
	"  unit define|list   --id ID --name NAME [--parent ID]\n"
	"  doc create         the doc add flags below, --file uploads the file first\n"
	"  doc register       --id ID --book BOOK [--accept-duplicate]\n"
	"  doc get|list|upload|download   --id ID | --file F | --sha256 H --out F\n"
	"  doc list           [--mine] [--overdue] [--due-within DAYS] [--state S] [--unit U]\n"
	"  doc act            --id ID --action A [--to WHO] [--comment TEXT] [--file F]\n"
	"                     [--lead-unit U] [--lead-person P] [--coordinating-units U,..]\n"
	"                     [--coordinating-persons P,..] [--deadline YYYY-MM-DD]\n"
	"                     [--dossier CODE [--dossier-title T]] [--book B]\n"
	"                     [--recipients U,..] [--paper-recipients NAME,..]\n"
	"                     [--nodes NODE-ID,..]: distribute to other units via the hub\n"
	"  doc actions        the workflow tables: state, action, next state, roles\n"
	"  doc verify         --id ID [--sha256 H]: the node checks the file's PAdES\n"
	"                     signatures against its trust anchors and records it\n"
	"  dossier list|show  [--id CODE]\n"
	"  report status      [--year YYYY]: per lead unit received/open/overdue/resolved\n"
	"  report register    = register list (--book, --year, --csv, --pdf FILE)\n"
	"  register list, book list|define   as below, without --data-dir\n"
	"  audit head|proof   [--seq N] [--key HEX]: tree heads and proofs checked here;\n"
	"  audit consistency  --old N --old-root HEX: the log extends a head seen before;\n"
	"                     at a hub, --origin UNIT --key UNIT-KEY [--hub-key HEX] for\n"
	"                     a unit's replica, with the hub's co-signature\n"
	"  doc list|get       on a hub, --origin UNIT (or the unit's document id) reads\n"
	"                     that unit's replica (archivist, auditor, admin)\n"
	"  repl status        replication: a unit's link to its hub (acknowledged, lag,\n"
	"                     last co-signed head), or a hub's units and alarms\n"
	"  hub enroll         --node-id ID --public-key HEX [--name N]: admit a unit\n"
	"  hub reinstate      --node-id ID --reason TEXT: after a refusal was investigated\n"
	"\n"
	"Offline tools on a data directory (--data-dir DIR, or $VANTHU_DATA_DIR):\n"
	"  init               --node-id ID [--role unit|hub] [--agency-name NAME]\n"
	"                     [--agency-code CODE] [--agency-symbol SYM]\n"
	"                     [--admin NAME --admin-password-file F]\n"
	"  log show           [--from SEQ] [--count N]\n"
	"  log head           the latest signed tree head\n"
	"  log verify         [--no-rebuild] [--scratch DIR]\n"
	"  proof inclusion    --seq SEQ [--size N]\n"
	"  proof consistency  --old N [--new M]\n"
	"  proof verify       an auditor's check, no data directory needed:\n"
	"                     --index I --size N --leaf HEX --root HEX --path HEX,HEX,...\n"
	"                     --old N --new M --old-root HEX --root HEX --path HEX,...\n"
	"  register list      [--book ID] [--year YYYY] [--csv | --pdf FILE]: --pdf prints\n"
	"                     the books (A4 landscape, the regulation's columns)\n"
	"  book list\n"
	"  book define        --id ID --name NAME --direction incoming|outgoing\n"
	"                     [--types QĐ,TB,...] [--agency-symbol SYM] [--closed]\n"
	"  doc add            --direction incoming|outgoing --type T --summary TEXT\n"
	"                     [--symbol S] [--agency A] [--agency-code C] [--issue-date D]\n"
	"                     [--signer NAME] [--position P] [--urgency 0-4]\n"
	"                     [--recipients A,B] [--copies N] [--file PDF]\n"
	"                     [--register BOOK [--accept-duplicate]] [--actor NAME]\n"
	"                     [--paper]: outgoing issued on paper while the system was\n"
	"                     down (Điều 9.4c), numbered at once, digitised copy later\n"
	"  doc show           --id ID\n"
	"  node key           the node id, role and tree-head public key (to enrol a unit)\n"
	"  tls issue          --ca-dir DIR --name N --cn NODE-ID: a development client\n"
	"                     certificate for a unit, from a hub's development CA\n"
	"  restore            --data-dir NEW --hub HOST:PORT --hub-ca PEM --cert PEM\n"
	"                     --cert-key PEM --hub-key HEX --node-id ID --node-key FILE:\n"
	"                     a unit that lost its disk, from the hub, verified against\n"
	"                     the hub's last co-signed head\n"
	"\n"
	"\n"
	"Signatures on PDF files (PAdES, offline):\n"
	"  pdf sign           --in F --out F  key: --key PEM --cert PEM [--chain PEM]\n"
	"                     | --p12 F [--pass-file F] | --token LABEL --module SO\n"
	"                     [--key-label L] [--pin-file F | --pin-env VAR]\n"
	"                     [--reason TEXT] [--name TEXT] [--location TEXT]\n"
	"                     [--place initials|signer|stamp|copy [--image PNG] [--text T]]\n"
	"  pdf verify         --in F --ca PEM [--ca-dir D] [--crl F] [--at TIME]\n"
	"                     [--agency-oid OID] [--person-oid OID] [--require valid|legal]\n"
	"\n"
	"On a hub, --origin NODE-ID runs the reading commands on that unit's replica.\n"
	"Every command takes --json for machine-readable output.\n"
	"Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 invalid, 5 conflict or\n"
	"duplicate, 6 verification failed, 7 data directory busy, 8 not permitted,\n"
	"9 not logged in (or the session ended), 10 server unreachable.\n";

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

static int need_data_dir(cli_args *a)
{
	if (!a->data_dir)
		return vt_error_set(VT_EINVAL, "no data directory: pass --data-dir DIR or set VANTHU_DATA_DIR");
	return 0;
}

int cli_open_ro(vt_store **store, char *node_id, size_t cap, cli_args *a)
{
	char path[4096];
	int error;
	*store = NULL;
	if ((error = need_data_dir(a)) < 0 || (error = vt_node_path(path, sizeof(path), a->data_dir, "db")) < 0)
		return error;
	if ((error = vt_store_open(store, path, VT_STORE_READONLY)) < 0) {
		if (error == VT_ENOTFOUND)
			vt_error_set(error, "%s holds no node (run vanthu init first)", a->data_dir);
		return error;
	}
	if ((error = vt_node_id_get(*store, node_id, cap)) < 0) {
		vt_store_free(*store);
		*store = NULL;
	} else if (a->origin) {
		/* a unit's replica held on this hub: the same tools, its keyspace */
		snprintf(node_id, cap, "%s", a->origin);
	}
	return error;
}

int cli_open_rw(vt_node **node, cli_args *a)
{
	int error;
	if ((error = need_data_dir(a)) < 0)
		return error;
	error = vt_node_open(node, a->data_dir, NULL);
	if (error == VT_EBUSY)
		vt_error_set(error, "%s is in use by a running vanthud; stop it first (this command writes the "
			"data directory directly)", a->data_dir);
	else if (error == VT_ENOTFOUND)
		vt_error_set(error, "%s holds no node (run vanthu init first): %s", a->data_dir, vt_error_last());
	return error;
}

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void json_hex(FILE *f, const uint8_t *p, size_t n)
{
	char hex[2 * 64 + 1];
	fputc('"', f);
	while (n > 0) {
		size_t k = n > 64 ? 64 : n;
		vt_hex(hex, p, k);
		fputs(hex, f);
		p += k;
		n -= k;
	}
	fputc('"', f);
}

void cell(FILE *f, const char *s, int width)
{
	const uint8_t *p = (const uint8_t *)(s ? s : "");
	int used = 0;
	while (*p) {
		ucs4_t uc;
		int n = u8_strmbtouc(&uc, p), w;
		if (n <= 0)
			break;
		w = uc_width(uc, "UTF-8");
		if (w < 0)
			w = 1;
		if (width > 0 && used + w > width)
			break;
		fwrite(p, 1, (size_t)n, f);
		used += w;
		p += n;
	}
	for (; used < width; used++)
		fputc(' ', f);
	if (width > 0)
		fputc(' ', f);
}

void print_time(FILE *f, int64_t us)
{
	time_t t = (time_t)(us / 1000000) + 7 * 3600;
	struct tm tm;
	char buf[64];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%06d+07:00", buf, (int)(us % 1000000));
}

static int cmd_init_impl(cli_args *a)
{
	vt_node_init_opts o = { 0 };
	const char *admin, *pwfile;
	int error;
	if ((error = need_data_dir(a)) < 0)
		return error;
	o.node_id = cli_opt(a, "node-id");
	o.role = cli_opt(a, "role");
	o.agency_name = cli_opt(a, "agency-name");
	o.agency_code = cli_opt(a, "agency-code");
	o.agency_symbol = cli_opt(a, "agency-symbol");
	admin = cli_opt(a, "admin");
	pwfile = cli_opt(a, "admin-password-file");
	if (admin && !pwfile)
		return vt_error_set(VT_EINVAL, "--admin needs --admin-password-file (the first password, ≥ %d characters)",
			VT_PASSWORD_MIN);
	if (!o.node_id)
		return vt_error_set(VT_EINVAL, "init needs --node-id (e.g. the agency code 000.00.00.H54)");
	if ((error = cli_check_unused(a)) < 0)
		return error;
	if ((error = vt_node_init(a->data_dir, &o)) < 0)
		return error;
	if (admin) {
		/* The first administrator, as vanthud's bootstrap_admin would. */
		Vanthu__V1__Account acc = VANTHU__V1__ACCOUNT__INIT;
		Vanthu__V1__Role roles[1] = { VANTHU__V1__ROLE__ADMIN };
		vt_node *node = NULL;
		uint8_t *pw = NULL;
		size_t len = 0;
		if ((error = vt_file_read(pwfile, VT_PASSWORD_MAX + 2, &pw, &len)) < 0)
			return error;
		while (len && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
			pw[--len] = 0;
		acc.name = (char *)admin;
		acc.full_name = "Quản trị hệ thống";
		acc.roles = roles;
		acc.n_roles = 1;
		if ((error = vt_node_open(&node, a->data_dir, NULL)) == 0)
			error = vt_account_create(node->log, "node", &acc, (const char *)pw, "first administrator", NULL);
		sodium_memzero(pw, len);
		free(pw);
		vt_node_free(node);
		if (error < 0)
			return error;
	}
	if (a->json)
		printf("{\"node_id\":"), json_str(stdout, o.node_id), printf(",\"data_dir\":"),
			json_str(stdout, a->data_dir), printf("}\n");
	else
		printf("initialised node %s in %s\n", o.node_id, a->data_dir);
	return 0;
}

int cmd_init(cli_args *a) { return cmd_init_impl(a); }

int main(int argc, char **argv)
{
	cli_args a;
	const char *noun, *verb = NULL;
	int error, skip;

	/* gRPC's own log lines are for operators, not for this tool's users:
	 * failures come back as errors with their reason. */
	setenv("GRPC_VERBOSITY", "NONE", 0);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? VT_EXIT_USAGE : 0;
	}
	noun = argv[1];
	skip = 2;
	if (strcmp(noun, "init") != 0 && strcmp(noun, "restore") != 0 && strcmp(noun, "login") != 0 &&
	    strcmp(noun, "logout") != 0 &&
	    strcmp(noun, "whoami") != 0 && strcmp(noun, "passwd") != 0) {
		if (argc < 3 || strncmp(argv[2], "--", 2) == 0) {
			fprintf(stderr, "vanthu: '%s' needs a verb\n%s", noun, usage);
			return VT_EXIT_USAGE;
		}
		verb = argv[2];
		skip = 3;
	}
	if ((error = cli_parse(&a, argc - skip, argv + skip)) < 0) {
		cli_fail(error);
		return VT_EXIT_USAGE;
	}
	{
		int handled = 0;
		error = cli_remote(noun, verb, &a, &handled);
		if (handled)
			goto done;
	}
	if (strcmp(noun, "init") == 0)
		error = cmd_init(&a);
	else if (strcmp(noun, "log") == 0)
		error = cmd_log(verb, &a);
	else if (strcmp(noun, "proof") == 0)
		error = cmd_proof(verb, &a);
	else if (strcmp(noun, "register") == 0)
		error = cmd_register(verb, &a);
	else if (strcmp(noun, "book") == 0)
		error = cmd_book(verb, &a);
	else if (strcmp(noun, "doc") == 0)
		error = cmd_doc(verb, &a);
	else if (strcmp(noun, "pdf") == 0)
		error = cmd_pdf(verb, &a);
	else if (strcmp(noun, "node") == 0)
		error = cmd_node(verb, &a);
	else if (strcmp(noun, "tls") == 0)
		error = cmd_tls(verb, &a);
	else if (strcmp(noun, "restore") == 0)
		error = cmd_restore(&a);
	else {
		fprintf(stderr, "vanthu: unknown command '%s'\n%s", noun, usage);
		return VT_EXIT_USAGE;
	}
done:
	for (int i = 0; i < a.nopts; i++)
		free((char *)a.name[i]);
	if (error == 1) /* the command already reported a usage error */
		return VT_EXIT_USAGE;
	return error < 0 ? cli_fail(error) : 0;
}
