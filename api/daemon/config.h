/* vanthud configuration: one table of options (name, type, default, bounds,
 * help); values from the embedded defaults, then a file of `name = value`
 * lines, then `--name value` on the command line. */
#ifndef VT_CONFIG_H
#define VT_CONFIG_H

#include <stdint.h>
#include <stdio.h>

typedef struct vt_config {
	char *data_dir;
	char *node_id;
	char *role;
	char *agency_name;
	char *agency_code;
	char *agency_symbol;
	char *listen;
	char *tls_cert;
	char *tls_key;
	char *tls_client_ca;
	int64_t plaintext;
	int64_t workers;
	int64_t max_blob_mb;
	int64_t session_hours;
	char *bootstrap_admin;
	char *trust_ca;
	char *trust_ca_dir;
	char *trust_crl;
	char *ready_file;
	char *pid_file;
	char *hub;
	char *hub_ca;
	char *hub_cert;
	char *hub_cert_key;
	char *hub_server_name;
	char *hub_public_key;
	char *restore_from_hub;
	int64_t repl_window;
	int64_t repl_batch;
	int64_t max_group;
	int64_t log_level;
} vt_config;

/* Fills c with the embedded defaults. */
int vt_config_init(vt_config *c);
void vt_config_dispose(vt_config *c);

/* Reads a file; errors name the file and line. */
int vt_config_load_file(vt_config *c, const char *path);
/* Sets one option by name from text, checking type and bounds. */
int vt_config_set(vt_config *c, const char *name, const char *value);
/* Writes every option with its help (for --help and sample files). */
void vt_config_describe(FILE *f, const vt_config *c);

#endif
