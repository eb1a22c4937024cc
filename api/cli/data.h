/* vanthu's offline side: opening a node's data directory (--data-dir DIR
 * or $VANTHU_DATA_DIR) to read it, or to write it when no vanthud holds it. */
#ifndef VT_CLI_DATA_H
#define VT_CLI_DATA_H

#include "cli/args.h"
#include "node.h"

/* VT_EINVAL when no data directory was given. */
int cli_need_data_dir(cli_args *a);
/* The store read-only and the node id whose keyspace the tools read (the
 * node's own, or --origin's replica on a hub). */
int cli_open_ro(vt_store **store, char *node_id, size_t cap, cli_args *a);
/* The node, to append to its log; VT_EBUSY while vanthud runs on it. */
int cli_open_rw(vt_node **node, cli_args *a);
/* Who an offline write is recorded as: --actor, else $USER, else "admin". */
const char *cli_actor(cli_args *a);

#endif
