/* The keyspace table (keyspace.h): tag names, and the check that no column
 * family uses a tag twice (a repeated case label does not compile). */
#include "store/keyspace.h"

#include <stddef.h>
#include <string.h>

#define TAG_CASE(name, tag, lay) \
	case tag: \
		*layout = lay; \
		return #name;

const char *vt_keyspace_tag_name(vt_cf cf, uint8_t tag, const char **layout)
{
	const char *unused;
	if (!layout)
		layout = &unused;
	*layout = NULL;
	switch (cf) {
	case VT_CF_REGISTER:
		switch (tag) { VT_KEYS_REGISTER(TAG_CASE) default: break; }
		break;
	case VT_CF_INDEX:
		switch (tag) { VT_KEYS_INDEX(TAG_CASE) default: break; }
		break;
	case VT_CF_ACCOUNT:
		switch (tag) { VT_KEYS_ACCOUNT(TAG_CASE) default: break; }
		break;
	case VT_CF_META:
		switch (tag) { VT_KEYS_META(TAG_CASE) default: break; }
		break;
	default:
		break;
	}
	return NULL;
}

int vt_node_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > VT_NODE_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
		    c == '-' || c == '_'))
			return 0;
	}
	return 1;
}
