/* vanthud: the records node daemon (role unit or hub). Opens the data
 * directory (initialising it on first start), holds it, and serves until
 * SIGTERM/SIGINT. */
#include "config.h"
#include "error.h"
#include "keys.h"
#include "merkle.h"
#include "node.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
	vt_config cfg;
	vt_node *node = NULL;
	vt_node_open_opts oo = { 0 };
	sigset_t set;
	int sig = 0, error, print = 0, code = 1;
	char root_hex[65];
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

	/* Signals are taken synchronously by this thread; block them first so
	 * that threads started later inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

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
	fprintf(stderr, "vanthud: node %s ready: data %s, log %" PRIu64 " entries, root %s\n",
		node->node_id, cfg.data_dir, vt_log_size(node->log), root_hex);
	if (*cfg.ready_file && (error = write_pidfile(cfg.ready_file)) < 0)
		goto fail;

	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		fprintf(stderr, "vanthud: SIGHUP ignored (restart to reload configuration)\n");
	fprintf(stderr, "vanthud: signal %d, stopping\n", sig);
	code = 0;
	goto out;
fail:
	fprintf(stderr, "vanthud: %s (%s)\n", vt_error_last(), vt_error_name(error));
out:
	vt_node_free(node);
	if (cfg.ready_file && *cfg.ready_file && code == 0)
		unlink(cfg.ready_file);
	if (cfg.pid_file && *cfg.pid_file)
		unlink(cfg.pid_file);
	vt_config_dispose(&cfg);
	return code;
}
