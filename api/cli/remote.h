/* vanthu's remote side: the session kept between runs ($VANTHU_SESSION,
 * else ~/.config/vanthu/session, mode 0600), the connection to vanthud, and
 * one unary call. */
#ifndef VT_CLI_REMOTE_H
#define VT_CLI_REMOTE_H

#include "accounts/account.h"
#include "cli/args.h"
#include "rpc/rpc.h"

#define TIMEOUT_MS 30000
#define CHUNK (256 * 1024)

typedef struct cli_remote {
	vt_rpc_client *client;
	char server[256];
	char ca[1024];
	char token[VT_TOKEN_HEX + 1];
	char name[65];
	char auth[VT_TOKEN_HEX + 8];
	int plaintext;
} cli_remote;

/* Reads the session, then --server (or $VANTHU_SERVER), --ca, --plaintext
 * over it, and makes the client. */
int cli_remote_open(cli_remote *r, cli_args *a);
void cli_remote_close(cli_remote *r);
/* Writes the session file (after login or logout). */
int cli_session_write(const cli_remote *r);

/* One unary call: packs req, unpacks the answer as resp_desc. */
int cli_call(cli_remote *r, const char *path, const ProtobufCMessage *req,
	const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp);

#define CALL(r, svc, method, req, type, out) \
	cli_call(r, "/vanthu.v1." svc "/" method, &(req).base, &vanthu__v1__##type##__descriptor, \
		(ProtobufCMessage **)(out))

/* A password from --OPT FILE, else $ENV, else asked on the terminal. */
int cli_read_password(cli_args *a, const char *opt, const char *env, const char *prompt, char *out, size_t cap);

#endif
