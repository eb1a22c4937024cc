/* Internals shared by the remote commands of vanthu. */
#ifndef VT_CLI_REMOTE_INT_H
#define VT_CLI_REMOTE_INT_H

#include "accounts/account.h"
#include "cli/cli_remote.h"
#include "rpc/rpc.h"

#define TIMEOUT_MS 30000
#define CHUNK (256 * 1024)

typedef struct remote {
	vt_rpc_client *client;
	char server[256];
	char ca[1024];
	char token[VT_TOKEN_HEX + 1];
	char name[65];
	char auth[VT_TOKEN_HEX + 8];
	int plaintext;
} remote;

/* One unary call: packs req, unpacks the answer as resp_desc. */
int cli_call(remote *r, const char *path, const ProtobufCMessage *req,
	const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp);

#define CALL(r, svc, method, req, type, out) \
	cli_call(r, "/vanthu.v1." svc "/" method, &(req).base, &vanthu__v1__##type##__descriptor, \
		(ProtobufCMessage **)(out))

int cmd_rdoc(remote *r, const char *verb, cli_args *a);
int cmd_rregister(remote *r, const char *noun, const char *verb, cli_args *a);
int cmd_raudit(remote *r, const char *verb, cli_args *a);
int cmd_rrepl(remote *r, const char *noun, const char *verb, cli_args *a);

#endif
