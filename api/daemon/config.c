/* The configuration table of vanthud (Redis config.c style: one table). */
#include "daemon/config.h"
#include "store/error.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef enum { OPT_STRING, OPT_INT } opt_type;

typedef struct option {
	const char *name;
	opt_type type;
	size_t offset;
	const char *def;
	int64_t min, max; /* OPT_INT bounds */
	const char *help;
} option;

#define STR(field, def, help) { #field, OPT_STRING, offsetof(vt_config, field), def, 0, 0, help }
#define INT(field, def, lo, hi, help) { #field, OPT_INT, offsetof(vt_config, field), def, lo, hi, help }

static const option options[] = {
	STR(data_dir, "var/dev-node", "data directory (RocksDB under db/, keys under keys/); relative to the working directory"),
	STR(node_id, "000.00.00.DEV", "node id: the agency code of this unit or hub (13 chars, e.g. 000.00.00.H54)"),
	STR(role, "unit", "unit (a subordinate unit's node) or hub (the department hub)"),
	STR(agency_name, "Đơn vị phát triển", "tên cơ quan, printed on registers and stamps"),
	STR(agency_code, "000.00.00.DEV", "mã định danh cơ quan (edXML OrganId)"),
	STR(agency_symbol, "DEV", "ký hiệu cơ quan used in outgoing numbers (e.g. SNN in 12/QĐ-SNN)"),
	STR(listen, "127.0.0.1:7443", "address the API listens on (gRPC)"),
	STR(tls_cert, "", "server certificate chain (PEM); empty on a loopback address: a development CA and "
		"certificate are made in <data_dir>/tls"),
	STR(tls_key, "", "server private key (PEM)"),
	STR(tls_client_ca, "", "CA (PEM) that client certificates must chain to (mutual TLS); empty: not asked"),
	INT(plaintext, "0", 0, 1, "1: serve without TLS (refused unless listen is a loopback address)"),
	INT(workers, "64", 1, 1024, "handler threads; each call holds one while it runs (an fsync included)"),
	INT(max_blob_mb, "64", 1, 4096, "largest file accepted by an upload, MiB"),
	INT(session_hours, "8", 1, 720, "how long a login session lasts"),
	STR(bootstrap_admin, "admin", "on first start with no accounts: create this administrator, its password "
		"written to <data_dir>/bootstrap-admin-password (0600); empty: none"),
	STR(ready_file, "", "file written (atomically) with the pid once the node serves; empty: none"),
	STR(pid_file, "", "pid file; empty: none"),
	STR(trust_ca, "", "PEM trust anchors for document signatures (the national CA roots); empty: none, so "
		"every signature is reported untrusted"),
	STR(trust_ca_dir, "", "a c_rehash'ed directory of trust anchors (beside or instead of trust_ca)"),
	STR(trust_crl, "", "PEM CRLs the signers' certificates are checked against"),
	STR(hub, "", "unit: the department hub's address (host:port) to replicate to; empty: no replication"),
	STR(hub_ca, "", "unit: CA (PEM) of the hub's server certificate"),
	STR(hub_cert, "", "unit: this unit's client certificate (PEM; its CN is the node id the hub enrolled)"),
	STR(hub_cert_key, "", "unit: the private key of hub_cert"),
	STR(hub_server_name, "", "unit: the name the hub's certificate carries, if not the host in hub"),
	STR(hub_public_key, "", "unit: the hub's Ed25519 key (64 hex), pinned; empty: learnt and kept at first "
		"contact"),
	STR(restore_from_hub, "", "unit: a backup of this unit's node key (keys/node.ed25519); when data_dir holds "
		"no node, restore it from the hub (hub, hub_ca, hub_cert, hub_cert_key, hub_public_key) before serving"),
	INT(repl_window, "8", 1, 256, "unit: batches sent ahead of the hub's acknowledgements"),
	INT(repl_batch, "4096", 1, 65536, "unit: log entries per replication batch at most"),
	INT(max_group, "1024", 1, 65536, "most log entries written in one group commit"),
	INT(log_level, "1", 0, 3, "0 errors, 1 notices, 2 info, 3 debug"),
};

#define NOPTS (sizeof(options) / sizeof(options[0]))

static const option *find(const char *name)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const char *a = options[i].name, *b = name;
		/* accept data-dir as well as data_dir */
		while (*a && (*a == *b || (*a == '_' && *b == '-'))) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return &options[i];
	}
	return NULL;
}

static int set(vt_config *c, const option *o, const char *value)
{
	char *end;
	if (o->type == OPT_STRING) {
		char **slot = (char **)((char *)c + o->offset);
		char *copy = strdup(value);
		if (!copy)
			return vt_error_set(VT_ENOMEM, "out of memory");
		free(*slot);
		*slot = copy;
		return 0;
	}
	int64_t v = strtoll(value, &end, 10);
	if (!*value || *end)
		return vt_error_set(VT_EINVAL, "%s: '%s' is not a number", o->name, value);
	if (v < o->min || v > o->max)
		return vt_error_set(VT_EINVAL, "%s: %lld is outside %lld..%lld", o->name, (long long)v,
			(long long)o->min, (long long)o->max);
	*(int64_t *)((char *)c + o->offset) = v;
	return 0;
}

int vt_config_init(vt_config *c)
{
	int error;
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NOPTS; i++)
		if ((error = set(c, &options[i], options[i].def)) < 0)
			return error;
	return 0;
}

void vt_config_dispose(vt_config *c)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (options[i].type == OPT_STRING)
			free(*(char **)((char *)c + options[i].offset));
	memset(c, 0, sizeof(*c));
}

int vt_config_set(vt_config *c, const char *name, const char *value)
{
	const option *o = find(name);
	if (!o)
		return vt_error_set(VT_EINVAL, "unknown option '%s' (vanthud --help lists them)", name);
	return set(c, o, value);
}

static char *trim(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int vt_config_load_file(vt_config *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int n = 0, error = 0;
	if (!f)
		return vt_error_set(VT_ENOTFOUND, "config %s: cannot open", path);
	while (fgets(line, sizeof(line), f)) {
		char *eq, *name, *value;
		n++;
		if (!strchr(line, '\n') && !feof(f)) {
			error = vt_error_set(VT_EINVAL, "%s:%d: line too long", path, n);
			break;
		}
		name = trim(line);
		if (!*name || *name == '#')
			continue;
		if (!(eq = strchr(name, '='))) {
			error = vt_error_set(VT_EINVAL, "%s:%d: expected name = value", path, n);
			break;
		}
		*eq = 0;
		value = trim(eq + 1);
		name = trim(name);
		if (*value == '"' && strlen(value) >= 2 && value[strlen(value) - 1] == '"') {
			value[strlen(value) - 1] = 0;
			value++;
		}
		if ((error = vt_config_set(c, name, value)) < 0) {
			vt_error_set(error, "%s:%d: %s", path, n, vt_error_last());
			break;
		}
	}
	fclose(f);
	return error;
}

void vt_config_describe(FILE *f, const vt_config *c)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const option *o = &options[i];
		fprintf(f, "# %s", o->help);
		if (o->type == OPT_INT)
			fprintf(f, " [%lld..%lld]", (long long)o->min, (long long)o->max);
		fprintf(f, "\n%s = ", o->name);
		if (o->type == OPT_STRING)
			fprintf(f, "\"%s\"\n", *(char **)((const char *)c + o->offset));
		else
			fprintf(f, "%lld\n", (long long)*(const int64_t *)((const char *)c + o->offset));
	}
}
