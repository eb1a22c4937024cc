/* vanthud: the records node daemon (role unit or hub). Opens the data
 * directory (initialising it on first start), serves the gRPC API, and
 * stops cleanly on SIGTERM/SIGINT: in-flight calls get a grace period. */
#include "account.h"
#include "config.h"
#include "error.h"
#include "keys.h"
#include "merkle.h"
#include "node.h"
#include "pades.h"
#include "rpc.h"
#include "service.h"
#include "tlsgen.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GRACE_MS 5000

static void usage(FILE *f, const vt_config *c)
{
	fprintf(f,
		"usage: vanthud [--config FILE] [--OPTION VALUE ...] [--print-config]\n"
		"\n"
		"Starts a vanthu records node. Options come from the embedded defaults,\n"
		"then FILE (name = value lines), then the command line. The options and\n"
		"their defaults:\n\n");
	vt_config_describe(f, c);
}

static int write_pidfile(const char *path)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	return vt_file_write_atomic(path, buf, (size_t)n, 0644);
}

static int has_admin(void *ctx, const Vanthu__V1__Account *a)
{
	if (!a->disabled && vt_account_has_role(a, VANTHU__V1__ROLE__ADMIN))
		*(int *)ctx = 1;
	return 0;
}

/* First start: an administrator with a random password in a 0600 file. */
static int bootstrap(vt_node *node, const vt_config *cfg)
{
	Vanthu__V1__Account a = VANTHU__V1__ACCOUNT__INIT;
	Vanthu__V1__Role roles[1] = { VANTHU__V1__ROLE__ADMIN };
	char path[4096], pw[33], line[64];
	uint8_t r[16];
	int found = 0, error;
	if (!*cfg->bootstrap_admin)
		return 0;
	if ((error = vt_account_list(node->store, node->node_id, has_admin, &found)) < 0 || found)
		return error;
	randombytes_buf(r, sizeof(r));
	vt_hex(pw, r, sizeof(r));
	a.name = cfg->bootstrap_admin;
	a.full_name = "Quản trị hệ thống";
	a.roles = roles;
	a.n_roles = 1;
	if ((error = vt_node_path(path, sizeof(path), cfg->data_dir, "bootstrap-admin-password")) < 0)
		return error;
	snprintf(line, sizeof(line), "%s\n", pw);
	if ((error = vt_file_write_atomic(path, line, strlen(line), 0600)) < 0)
		return error;
	if ((error = vt_account_create(node->log, "node", &a, pw, "first administrator", NULL)) < 0)
		return error;
	sodium_memzero(pw, sizeof(pw));
	fprintf(stderr, "vanthud: created administrator '%s'; its password is in %s (change it: vanthu passwd)\n",
		cfg->bootstrap_admin, path);
	return 0;
}

/* TLS files: configured, or development ones made on a loopback address. */
static int tls_files(const vt_config *cfg, vt_rpc_server_opts *so, char *cert, char *key, size_t cap)
{
	char dir[4096];
	int error;
	if (cfg->plaintext) {
		so->plaintext = 1;
		return 0;
	}
	if (*cfg->tls_cert) {
		so->cert_file = cfg->tls_cert;
		so->key_file = cfg->tls_key;
		so->client_ca_file = *cfg->tls_client_ca ? cfg->tls_client_ca : NULL;
		return 0;
	}
	if (!vt_rpc_addr_is_loopback(cfg->listen))
		return vt_error_set(VT_EINVAL, "listen %s is not a loopback address: set tls_cert and tls_key "
			"(development certificates are made for loopback only)", cfg->listen);
	if ((error = vt_node_path(dir, sizeof(dir), cfg->data_dir, "tls")) < 0 ||
	    (error = vt_tlsgen_ca(dir)) < 0 || (error = vt_tlsgen_issue(dir, "server", "vanthud", NULL)) < 0)
		return error;
	if ((size_t)snprintf(cert, cap, "%.4000s/server.pem", dir) >= cap ||
	    (size_t)snprintf(key, cap, "%.4000s/server.key", dir) >= cap)
		return vt_error_set(VT_EINVAL, "data_dir path too long");
	so->cert_file = cert;
	so->key_file = key;
	so->client_ca_file = *cfg->tls_client_ca ? cfg->tls_client_ca : NULL;
	return 0;
}

int main(int argc, char **argv)
{
	vt_config cfg;
	vt_node *node = NULL;
	vt_node_open_opts oo = { 0 };
	vt_rpc_server_opts so = { 0 };
	vt_rpc_server *server = NULL;
	vt_auth_opts ao = { 0 };
	vt_api api = { 0 };
	sigset_t set;
	int sig = 0, error = 0, print = 0, code = 1, port;
	char root_hex[65], cert[4096], key[4096];
	uint8_t root[VT_HASH_LEN];

	if ((error = vt_config_init(&cfg)) < 0)
		goto fail;
	/* --config first, so the command line overrides the file. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			if ((error = vt_config_load_file(&cfg, argv[i + 1])) < 0)
				goto fail;
		}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout, &cfg);
			code = 0;
			goto out;
		}
		if (strcmp(arg, "--print-config") == 0) {
			print = 1;
			continue;
		}
		if (strcmp(arg, "--config") == 0) {
			i++;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0 || i + 1 >= argc) {
			fprintf(stderr, "vanthud: unexpected argument '%s' (--help lists the options)\n", arg);
			code = 2;
			goto out;
		}
		if ((error = vt_config_set(&cfg, arg + 2, argv[i + 1])) < 0)
			goto fail;
		i++;
	}
	if (print) {
		vt_config_describe(stdout, &cfg);
		code = 0;
		goto out;
	}
	if (cfg.plaintext && !vt_rpc_addr_is_loopback(cfg.listen)) {
		error = vt_error_set(VT_EINVAL, "plaintext is allowed on loopback addresses only, not %s", cfg.listen);
		goto fail;
	}

	/* Signals are taken synchronously by this thread; block them first so
	 * that every thread started later inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	oo.max_group = (unsigned)cfg.max_group;
	error = vt_node_open(&node, cfg.data_dir, &oo);
	if (error == VT_ENOTFOUND) {
		vt_node_init_opts io = { cfg.node_id, cfg.role, cfg.agency_name, cfg.agency_code, cfg.agency_symbol };
		fprintf(stderr, "vanthud: initialising a new %s node %s in %s\n", cfg.role, cfg.node_id, cfg.data_dir);
		if ((error = vt_node_init(cfg.data_dir, &io)) < 0)
			goto fail;
		error = vt_node_open(&node, cfg.data_dir, &oo);
	}
	if (error == VT_EBUSY) {
		vt_error_set(error, "%s is in use by another vanthud", cfg.data_dir);
		goto fail;
	}
	if (error < 0)
		goto fail;
	if (strcmp(node->node_id, cfg.node_id) != 0)
		fprintf(stderr, "vanthud: note: data dir holds node %s; configured node_id %s is ignored\n",
			node->node_id, cfg.node_id);
	if ((error = bootstrap(node, &cfg)) < 0)
		goto fail;

	ao.session_ttl_s = cfg.session_hours * 3600;
	if ((error = vt_auth_new(&api.auth, node->log, &ao)) < 0)
		goto fail;
	api.node = node;
	api.max_blob = (size_t)cfg.max_blob_mb << 20;
	{
		vt_pades_trust_opts to = { 0 };
		to.ca_file = *cfg.trust_ca ? cfg.trust_ca : NULL;
		to.ca_dir = *cfg.trust_ca_dir ? cfg.trust_ca_dir : NULL;
		to.crl_file = *cfg.trust_crl ? cfg.trust_crl : NULL;
		if ((error = vt_pades_trust_new(&api.trust, &to)) < 0)
			goto fail;
	}

	so.listen = cfg.listen;
	so.workers = (int)cfg.workers;
	so.max_recv = 4 << 20;
	so.log_level = cfg.log_level >= 2 ? VT_RPC_LOG_ALL : cfg.log_level == 0 ? VT_RPC_LOG_ERRORS : VT_RPC_LOG_FAILED;
	if ((error = tls_files(&cfg, &so, cert, key, sizeof(cert))) < 0)
		goto fail;
	if ((port = vt_rpc_server_new(&server, &so)) < 0) {
		error = port;
		goto fail;
	}
	if ((error = vt_api_register(server, &api)) < 0 || (error = vt_rpc_server_start(server)) < 0)
		goto fail;

	if (*cfg.pid_file && (error = write_pidfile(cfg.pid_file)) < 0)
		goto fail;
	{
		vt_merkle_frontier f;
		vt_log_tree_src src;
		vt_log_tree_src_init(&src, node->store, node->node_id);
		if ((error = vt_merkle_frontier_load(&f, &src.src, vt_log_size(node->log))) < 0)
			goto fail;
		vt_merkle_frontier_root(&f, root);
		vt_hex(root_hex, root, VT_HASH_LEN);
	}
	fprintf(stderr, "vanthud: node %s serving on %s (port %d, %s): data %s, log %" PRIu64 " entries, root %.16s…\n",
		node->node_id, cfg.listen, port, so.plaintext ? "plaintext" : so.client_ca_file ? "mutual TLS" : "TLS",
		cfg.data_dir, vt_log_size(node->log), root_hex);
	if (so.cert_file && !*cfg.tls_cert)
		fprintf(stderr, "vanthud: development TLS: clients use --ca %s/tls/ca.pem\n", cfg.data_dir);
	if (*cfg.ready_file) {
		char buf[64];
		int n = snprintf(buf, sizeof(buf), "%ld %d\n", (long)getpid(), port);
		if ((error = vt_file_write_atomic(cfg.ready_file, buf, (size_t)n, 0644)) < 0)
			goto fail;
	}

	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		fprintf(stderr, "vanthud: SIGHUP ignored (restart to reload configuration)\n");
	fprintf(stderr, "vanthud: signal %d, stopping (grace %d ms)\n", sig, GRACE_MS);
	vt_rpc_server_shutdown(server, GRACE_MS);
	code = 0;
	goto out;
fail:
	fprintf(stderr, "vanthud: %s (%s)\n", vt_error_last(), vt_error_name(error));
out:
	if (server) {
		vt_rpc_server_shutdown(server, 0);
		vt_rpc_server_free(server);
	}
	vt_api_dispose(&api);
	vt_pades_trust_free(api.trust);
	vt_auth_free(api.auth);
	vt_node_free(node);
	if (cfg.ready_file && *cfg.ready_file && code == 0)
		unlink(cfg.ready_file);
	if (cfg.pid_file && *cfg.pid_file)
		unlink(cfg.pid_file);
	vt_config_dispose(&cfg);
	return code;
}
