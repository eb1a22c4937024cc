/* A node's data directory: the store, the node key and the log, opened
 * together; initialisation of a new node. */
#ifndef VT_NODE_H
#define VT_NODE_H

#include "store/log.h"
#include "store/keyspace.h"
#include "store/store.h"


typedef struct vt_node_init_opts {
	const char *node_id;       /* e.g. the agency code "000.00.00.H54" */
	const char *role;          /* "unit" or "hub" */
	const char *agency_name;   /* tên cơ quan */
	const char *agency_code;   /* mã định danh (13 chars) */
	const char *agency_symbol; /* ký hiệu cơ quan for outgoing numbers, e.g. "SNN" */
} vt_node_init_opts;

typedef struct vt_node {
	vt_store *store;
	vt_log *log;
	char node_id[VT_NODE_ID_MAX + 1];
	uint8_t sk[64];
	uint8_t pk[32];
	char *datadir;
} vt_node;

typedef struct vt_node_open_opts {
	vt_clock_fn clock;  /* NULL: system clock */
	void *clock_ctx;
	int no_sync;        /* benchmarks only */
	unsigned max_group;
	unsigned sth_every;  /* see vt_log_config; 0: default */
} vt_node_open_opts;

/* Creates datadir (db/, keys/node.ed25519), appends NodeInitialized and the
 * default register books (den: incoming, di: outgoing). VT_EEXISTS if the
 * directory already holds a node. */
int vt_node_init(const char *datadir, const vt_node_init_opts *opts);

/* Opens an initialised node read-write (opts may be NULL). */
int vt_node_open(vt_node **out, const char *datadir, const vt_node_open_opts *opts);
void vt_node_free(vt_node *node);

/* The node id stored in a store (works read-only too). */
int vt_node_id_get(vt_store *store, char *out, size_t cap);
/* The NodeInitialized record of origin (public key, role, agency). */
int vt_node_info_get(vt_store *store, const char *origin, Vanthu__V1__NodeInitialized **out);

/* Restore: creates datadir with db/ and keys/node.ed25519 = sk and opens
 * its store (VT_EEXISTS if it holds a node); once the log is rebuilt,
 * vt_node_mark_complete makes it a node that vt_node_open accepts. */
int vt_node_restore_begin(const char *datadir, const uint8_t sk[64], vt_store **store);
int vt_node_mark_complete(vt_store *store, const char *node_id);

/* Paths inside a data directory. */
int vt_node_path(char *out, size_t cap, const char *datadir, const char *rel);

#endif
