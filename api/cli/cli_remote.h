/* vanthu over gRPC: the session file, calls, and the remote commands. */
#ifndef VT_CLI_REMOTE_H
#define VT_CLI_REMOTE_H

#include "cli/cli.h"

/* Runs noun/verb against a server if it is a remote command (or a shared
 * one with no --data-dir). *handled says whether it was one. */
int cli_remote(const char *noun, const char *verb, cli_args *a, int *handled);

#endif
