/* vanthud: the records node daemon (role unit or hub). Opens the data
 * directory (initialising it on first start), serves the gRPC API, and
 * stops cleanly on SIGTERM/SIGINT: in-flight calls get a grace period. */
#include "accounts/account.h"
#include "daemon/config.h"
#include "store/error.h"
#include "store/file.h"
#include "store/keys.h"
#include "store/merkle.h"
#include "node.h"
#include "sign/pades.h"
#include "replication/repl.h"
#include "rpc/rpc.h"
#include "svc/service.h"
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

typedef struct admins {
	vt_store *store;
	const char *origin, *bootstrap;
	int usable;     /* an enabled administrator who can log in */
	int restored;   /* the bootstrap administrator exists without a password */
} admins;

static int see_admin(void *ctx, const Vanthu__V1__Account *a)
{
	admins *s = ctx;
	if (a->disabled || !vt_account_has_role(a, VANTHU__V1__ROLE__ADMIN))
		return 0;
	if (vt_account_has_password(s->store, s->origin, a->name) == 1)
		s->usable = 1;
	else if (strcmp(a->name, s->bootstrap) == 0)
		s->restored = 1;
	return 0;
}

/* First start: an administrator with a random password in a 0600 file.
 * A node restored from the hub has its accounts but no password hashes
 * (they never enter the log): the bootstrap administrator gets a new one. */
static int bootstrap(vt_node *node, const vt_config *cfg)
{
	Vanthu__V1__Account a = VANTHU__V1__ACCOUNT__INIT;
	Vanthu__V1__Role roles[1] = { VANTHU__V1__ROLE__ADMIN };
	admins seen = { node->store, node->node_id, cfg->bootstrap_admin, 0, 0 };
	char path[4096], pw[33], line[64];
	uint8_t r[16];
	int error;
	if (!*cfg->bootstrap_admin)
		return 0;
	if ((error = vt_account_list(node->store, node->node_id, see_admin, &seen)) < 0 || seen.usable)
		return error;
	randombytes_buf(r, sizeof(r));
	vt_hex(pw, r, sizeof(r));
	if ((error = vt_node_path(path, sizeof(path), cfg->data_dir, "bootstrap-admin-password")) < 0)
		return error;
	snprintf(line, sizeof(line), "%s\n", pw);
	if ((error = vt_file_write_atomic(path, line, strlen(line), 0600)) < 0)
		return error;
	if (seen.restored) {
		error = vt_account_set_password(node->log, "node", cfg->bootstrap_admin, NULL, pw, NULL);
	} else {
		a.name = cfg->bootstrap_admin;
		a.full_name = "Quản trị hệ thống";
		a.roles = roles;
		a.n_roles = 1;
		error = vt_account_create(node->log, "node", &a, pw, "first administrator", NULL);
	}
	sodium_memzero(pw, sizeof(pw));
	if (error < 0)
		return error;
	fprintf(stderr, "vanthud: %s administrator '%s'; its password is in %s (change it: vanthu passwd)%s\n",
		seen.restored ? "new password for the" : "created", cfg->bootstrap_admin, path,
		seen.restored ? "; other users' passwords are reset by an administrator (restored node)" : "");
	return 0;
}

/* How this unit reaches its hub (replication, restore). */
static vt_repl_peer hub_peer(const vt_config *cfg)
{
	vt_repl_peer p = { cfg->hub, cfg->hub_ca, cfg->hub_cert, cfg->hub_cert_key, cfg->hub_server_name,
		cfg->hub_public_key };
	return p;
}

/* TLS files: configured, or development ones made on a loopback address. */
static int tls_files(const vt_config *cfg, int hub, vt_rpc_server_opts *so, char *cert, char *key, char *ca,
	size_t cap)
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
	if (hub && !so->client_ca_file) {
		/* a development hub admits units whose certificates its CA issued
		 * (vanthu tls issue --ca-dir <data_dir>/tls) */
		if ((size_t)snprintf(ca, cap, "%.4000s/ca.pem", dir) >= cap)
			return vt_error_set(VT_EINVAL, "data_dir path too long");
		so->client_ca_file = ca;
	}
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
	char root_hex[65], cert[4096], key[4096], ca[4096];
	vt_repl_hub *hub = NULL;
	vt_repl_link *link = NULL;
	int is_hub = 0;
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
	if (error == VT_ENOTFOUND && *cfg.restore_from_hub) {
		/* a unit that lost its disk: its log and blobs from the hub */
		vt_repl_restore_opts ro = { 0 };
		uint64_t n = 0;
		ro.peer = hub_peer(&cfg);
		ro.node_key_file = cfg.restore_from_hub;
		ro.node_id = cfg.node_id;
		ro.progress = 1;
		fprintf(stderr, "vanthud: restoring %s into %s from hub %s\n", cfg.node_id, cfg.data_dir, cfg.hub);
		if (!*cfg.hub) {
			error = vt_error_set(VT_EINVAL, "--restore-from-hub needs the hub's address (hub)");
			goto fail;
		}
		if ((error = vt_repl_restore(cfg.data_dir, &ro, &n)) < 0)
			goto fail;
		error = vt_node_open(&node, cfg.data_dir, &oo);
	} else if (error == 0 && *cfg.restore_from_hub) {
		fprintf(stderr, "vanthud: %s holds a node: restore_from_hub ignored\n", cfg.data_dir);
	}
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

	{
		Vanthu__V1__NodeInitialized *self = NULL;
		if ((error = vt_node_info_get(node->store, node->node_id, &self)) < 0)
			goto fail;
		is_hub = strcmp(self->role, "hub") == 0;
		vanthu__v1__node_initialized__free_unpacked(self, NULL);
	}
	so.listen = cfg.listen;
	so.workers = (int)cfg.workers;
	so.max_recv = is_hub ? VT_REPL_MAX_MSG : 4 << 20;
	so.log_level = cfg.log_level >= 2 ? VT_RPC_LOG_ALL : cfg.log_level == 0 ? VT_RPC_LOG_ERRORS : VT_RPC_LOG_FAILED;
	if ((error = tls_files(&cfg, is_hub, &so, cert, key, ca, sizeof(cert))) < 0)
		goto fail;
	if ((port = vt_rpc_server_new(&server, &so)) < 0) {
		error = port;
		goto fail;
	}
	if (is_hub) {
		if (!so.client_ca_file)
			fprintf(stderr, "vanthud: note: no tls_client_ca: units cannot replicate to this hub (they are "
				"admitted by certificate)\n");
		if ((error = vt_repl_hub_new(&hub, node)) < 0 || (error = vt_repl_hub_register(hub, server)) < 0)
			goto fail;
		api.hub = hub;
	}
	if ((error = vt_api_register(server, &api)) < 0 || (error = vt_rpc_server_start(server)) < 0)
		goto fail;
	if (!is_hub && *cfg.hub) {
		vt_repl_link_opts lo = { 0 };
		lo.peer = hub_peer(&cfg);
		lo.window = (unsigned)cfg.repl_window;
		lo.batch_max = (unsigned)cfg.repl_batch;
		lo.progress = 1;
		if ((error = vt_repl_link_start(&link, node, &lo)) < 0)
			goto fail;
		api.link = link;
	}

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
	fprintf(stderr, "vanthud: %s node %s serving on %s (port %d, %s): data %s, log %" PRIu64 " entries, root %.16s…\n",
		is_hub ? "hub" : "unit", node->node_id, cfg.listen, port, so.plaintext ? "plaintext" : so.client_ca_file ? "mutual TLS" : "TLS",
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
	vt_repl_link_stop(link);
	link = NULL;
	api.link = NULL;
	vt_rpc_server_shutdown(server, GRACE_MS);
	code = 0;
	goto out;
fail:
	fprintf(stderr, "vanthud: %s (%s)\n", vt_error_last(), vt_error_name(error));
out:
	vt_repl_link_stop(link);
	if (server) {
		vt_rpc_server_shutdown(server, 0);
		vt_rpc_server_free(server);
	}
	vt_repl_hub_free(hub);
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
