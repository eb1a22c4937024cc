/* Node data directories: layout, initialisation, opening. */
#include "node.h"
#include "docs/commands.h"
#include "store/keyspace.h"
#include "events.h"
#include "store/error.h"
#include "store/file.h"
#include "store/keys.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SELF_KEY "\0S" /* meta: origin-less key -> this node's id */

int vt_node_path(char *out, size_t cap, const char *datadir, const char *rel)
{
	if ((size_t)snprintf(out, cap, "%s/%s", datadir, rel) >= cap)
		return vt_error_set(VT_EINVAL, "path too long: %s/%s", datadir, rel);
	return 0;
}

static int mkdir_p(const char *dir, unsigned mode)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return vt_error_set(VT_EINVAL, "path too long: %s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return vt_error_set(VT_EIO, "mkdir %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return vt_error_set(VT_EIO, "mkdir %s: %s", tmp, strerror(errno));
	return 0;
}

int vt_node_id_get(vt_store *store, char *out, size_t cap)
{
	char *v = NULL;
	size_t n;
	int error = vt_store_get(store, VT_CF_META, SELF_KEY, 2, &v, &n);
	if (error < 0)
		return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "store holds no initialised node") : error;
	if (n == 0 || n >= cap || n > VT_NODE_ID_MAX) {
		free(v);
		return vt_error_set(VT_ECORRUPT, "stored node id has %zu bytes", n);
	}
	memcpy(out, v, n);
	out[n] = 0;
	free(v);
	return 0;
}

int vt_node_info_get(vt_store *store, const char *origin, Vanthu__V1__NodeInitialized **out)
{
	vt_key k;
	int error;
	vt_key_init(&k, origin);
	vt_key_u8(&k, VT_ACCT_NODE);
	error = vt_msg_get(store, VT_CF_ACCOUNT, &k, &vanthu__v1__node_initialized__descriptor, (ProtobufCMessage **)out);
	return error == VT_ENOTFOUND ? vt_error_set(VT_ENOTFOUND, "node '%s' was never initialised", origin) : error;
}

static int append_book(vt_log *log, const char *id, const char *name, Vanthu__V1__Direction dir,
	const char *symbol)
{
	Vanthu__V1__RegisterBook book = VANTHU__V1__REGISTER_BOOK__INIT;
	book.id = (char *)id;
	book.name = (char *)name;
	book.direction = dir;
	book.agency_symbol = (char *)symbol;
	return vt_cmd_book_define(log, "node", &book, "default register book", NULL);
}

int vt_node_init(const char *datadir, const vt_node_init_opts *o)
{
	char path[4096];
	vt_store *store = NULL;
	vt_log *log = NULL;
	uint8_t sk[64], pk[32];
	vt_batch *b = NULL;
	vt_log_config cfg = { 0 };
	Vanthu__V1__NodeInitialized ni = VANTHU__V1__NODE_INITIALIZED__INIT;
	Vanthu__V1__Event ev = VANTHU__V1__EVENT__INIT;
	const char *role = o->role && *o->role ? o->role : "unit";
	int error;
	char existing[VT_NODE_ID_MAX + 1];

	/* the same rule the hub enrols by (and certificates name) */
	if (!o->node_id || !vt_node_id_ok(o->node_id))
		return vt_error_set(VT_EINVAL, "node id '%s' must be 1-%d letters, digits, '.', '-' or '_' (e.g. the "
			"agency code 000.00.00.H54)", o->node_id ? o->node_id : "", VT_NODE_ID_MAX);
	if ((error = mkdir_p(datadir, 0750)) < 0)
		return error;
	if ((error = vt_node_path(path, sizeof(path), datadir, "keys")) < 0 || (error = mkdir_p(path, 0700)) < 0)
		return error;
	if ((error = vt_node_path(path, sizeof(path), datadir, "db")) < 0 ||
	    (error = vt_store_open(&store, path, VT_STORE_CREATE)) < 0)
		return error;
	if (vt_node_id_get(store, existing, sizeof(existing)) == 0) {
		error = vt_error_set(VT_EEXISTS, "%s already holds node '%s'", datadir, existing);
		goto out;
	}
	if ((error = vt_node_path(path, sizeof(path), datadir, "keys/node.ed25519")) < 0 ||
	    (error = vt_keys_load_ed25519(path, 1, sk, pk)) < 0)
		goto out;

	cfg.origin = o->node_id;
	cfg.apply = vt_events_apply;
	cfg.sign_key = sk;
	cfg.sth_every = 1; /* a kept head for each of the first entries */
	if ((error = vt_log_open(&log, store, &cfg)) < 0)
		goto out;
	if (vt_log_size(log) != 0) {
		error = vt_error_set(VT_EEXISTS, "%s already has a log for '%s'", datadir, o->node_id);
		goto out;
	}
	ni.node_id = (char *)o->node_id;
	ni.role = (char *)role;
	ni.public_key.data = pk;
	ni.public_key.len = 32;
	ni.agency_name = (char *)(o->agency_name ? o->agency_name : "");
	ni.agency_code = (char *)(o->agency_code ? o->agency_code : "");
	ev.kind_case = VANTHU__V1__EVENT__KIND_NODE_INITIALIZED;
	ev.node_initialized = &ni;
	if ((error = vt_log_append(log, "node", &ev, NULL)) < 0)
		goto out;
	if ((error = append_book(log, "den", "Sổ văn bản đến", VANTHU__V1__DIRECTION__INCOMING, "")) < 0 ||
	    (error = append_book(log, "di", "Sổ văn bản đi", VANTHU__V1__DIRECTION__OUTGOING,
		     o->agency_symbol && *o->agency_symbol ? o->agency_symbol : o->node_id)) < 0)
		goto out;
	/* Written last: a store with this key is a complete node. */
	if ((error = vt_batch_new(&b, store)) < 0)
		goto out;
	vt_batch_put(b, VT_CF_META, SELF_KEY, 2, o->node_id, strlen(o->node_id));
	error = vt_store_write(store, b, 1);
out:
	sodium_memzero(sk, sizeof(sk));
	vt_batch_free(b);
	vt_log_free(log);
	vt_store_free(store);
	return error;
}

int vt_node_open(vt_node **out, const char *datadir, const vt_node_open_opts *opts)
{
	vt_node *n;
	char path[4096];
	vt_log_config cfg = { 0 };
	Vanthu__V1__NodeInitialized *info = NULL;
	int error;
	*out = NULL;
	if (!(n = calloc(1, sizeof(*n))) || !(n->datadir = strdup(datadir))) {
		free(n);
		return vt_error_set(VT_ENOMEM, "out of memory");
	}
	if ((error = vt_node_path(path, sizeof(path), datadir, "db")) < 0 ||
	    (error = vt_store_open(&n->store, path, 0)) < 0)
		goto out;
	if ((error = vt_node_id_get(n->store, n->node_id, sizeof(n->node_id))) < 0)
		goto out;
	if ((error = vt_node_path(path, sizeof(path), datadir, "keys/node.ed25519")) < 0 ||
	    (error = vt_keys_load_ed25519(path, 0, n->sk, n->pk)) < 0)
		goto out;
	if ((error = vt_node_info_get(n->store, n->node_id, &info)) < 0)
		goto out;
	if (info->public_key.len != 32 || memcmp(info->public_key.data, n->pk, 32) != 0) {
		error = vt_error_set(VT_ECORRUPT, "%s: the node key does not match the key in entry 0", path);
		goto out;
	}
	cfg.origin = n->node_id;
	cfg.apply = vt_events_apply;
	cfg.sign_key = n->sk;
	if (opts) {
		cfg.clock = opts->clock;
		cfg.clock_ctx = opts->clock_ctx;
		cfg.no_sync = opts->no_sync;
		cfg.max_group = opts->max_group;
		cfg.sth_every = opts->sth_every;
	}
	if ((error = vt_log_open(&n->log, n->store, &cfg)) < 0)
		goto out;
	*out = n;
	n = NULL;
out:
	if (info)
		vanthu__v1__node_initialized__free_unpacked(info, NULL);
	vt_node_free(n);
	return error;
}

void vt_node_free(vt_node *n)
{
	if (!n)
		return;
	vt_log_free(n->log);
	vt_store_free(n->store);
	sodium_memzero(n->sk, sizeof(n->sk));
	free(n->datadir);
	free(n);
}

int vt_node_restore_begin(const char *datadir, const uint8_t sk[64], vt_store **store)
{
	char path[4096];
	char existing[VT_NODE_ID_MAX + 1];
	int error;
	*store = NULL;
	if ((error = mkdir_p(datadir, 0750)) < 0)
		return error;
	if ((error = vt_node_path(path, sizeof(path), datadir, "keys")) < 0 || (error = mkdir_p(path, 0700)) < 0)
		return error;
	if ((error = vt_node_path(path, sizeof(path), datadir, "db")) < 0 ||
	    (error = vt_store_open(store, path, VT_STORE_CREATE)) < 0)
		return error;
	if (vt_node_id_get(*store, existing, sizeof(existing)) == 0) {
		vt_store_free(*store);
		*store = NULL;
		return vt_error_set(VT_EEXISTS, "%s already holds node '%s'", datadir, existing);
	}
	if ((error = vt_node_path(path, sizeof(path), datadir, "keys/node.ed25519")) < 0 ||
	    (error = vt_file_write_atomic(path, sk, 64, 0600)) < 0) {
		vt_store_free(*store);
		*store = NULL;
	}
	return error;
}

int vt_node_mark_complete(vt_store *store, const char *node_id)
{
	vt_batch *b = NULL;
	int error;
	if ((error = vt_batch_new(&b, store)) < 0)
		return error;
	vt_batch_put(b, VT_CF_META, SELF_KEY, 2, node_id, strlen(node_id));
	error = vt_store_write(store, b, 1);
	vt_batch_free(b);
	return error;
}
