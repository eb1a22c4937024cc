/* vanthu's offline side: the data directory opened for the tools. */
#include "cli/data.h"
#include "store/error.h"

#include <stdio.h>
#include <stdlib.h>

int cli_need_data_dir(cli_args *a)
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
	if ((error = cli_need_data_dir(a)) < 0 || (error = vt_node_path(path, sizeof(path), a->data_dir, "db")) < 0)
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
	if ((error = cli_need_data_dir(a)) < 0)
		return error;
	error = vt_node_open(node, a->data_dir, NULL);
	if (error == VT_EBUSY)
		vt_error_set(error, "%s is in use by a running vanthud; stop it first (this command writes the "
			"data directory directly)", a->data_dir);
	else if (error == VT_ENOTFOUND)
		vt_error_set(error, "%s holds no node (run vanthu init first): %s", a->data_dir, vt_error_last());
	return error;
}

const char *cli_actor(cli_args *a)
{
	const char *actor = cli_opt(a, "actor");
	if (!actor)
		actor = getenv("USER");
	return actor && *actor ? actor : "admin";
}
