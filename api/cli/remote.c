/* vanthu over gRPC: the session file, the connection, one call. The
 * session (server, CA, token) is cached in a 0600 file: $VANTHU_SESSION,
 * else ~/.config/vanthu/session. */
#include "cli/remote.h"
#include "store/error.h"
#include "store/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* ---- the session file */

static int session_path(char *out, size_t cap)
{
	const char *p = getenv("VANTHU_SESSION"), *home = getenv("HOME");
	if (p && *p)
		return snprintf(out, cap, "%s", p) < (int)cap ? 0 : vt_error_set(VT_EINVAL, "path too long");
	if (!home || !*home)
		return vt_error_set(VT_EINVAL, "no HOME: set VANTHU_SESSION to a file for the session");
	snprintf(out, cap, "%s/.config", home);
	mkdir(out, 0700);
	snprintf(out, cap, "%s/.config/vanthu", home);
	mkdir(out, 0700);
	return snprintf(out, cap, "%s/.config/vanthu/session", home) < (int)cap ? 0 :
		vt_error_set(VT_EINVAL, "path too long");
}

static void session_read(cli_remote *r)
{
	char path[4096];
	uint8_t *data = NULL;
	size_t len;
	char *save = NULL, *line;
	if (session_path(path, sizeof(path)) < 0 || vt_file_read(path, 16384, &data, &len) < 0)
		return;
	for (line = strtok_r((char *)data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq++ = 0;
		if (strcmp(line, "server") == 0)
			snprintf(r->server, sizeof(r->server), "%s", eq);
		else if (strcmp(line, "ca") == 0)
			snprintf(r->ca, sizeof(r->ca), "%s", eq);
		else if (strcmp(line, "token") == 0)
			snprintf(r->token, sizeof(r->token), "%s", eq);
		else if (strcmp(line, "name") == 0)
			snprintf(r->name, sizeof(r->name), "%s", eq);
		else if (strcmp(line, "plaintext") == 0)
			r->plaintext = atoi(eq);
	}
	free(data);
}

int cli_session_write(const cli_remote *r)
{
	char path[4096], buf[2048];
	int n, error;
	if ((error = session_path(path, sizeof(path))) < 0)
		return error;
	n = snprintf(buf, sizeof(buf), "server=%s\nca=%s\nplaintext=%d\nname=%s\ntoken=%s\n", r->server, r->ca,
		r->plaintext, r->name, r->token);
	return vt_file_write_atomic(path, buf, (size_t)n, 0600);
}

/* ---- connecting and calling */

int cli_remote_open(cli_remote *r, cli_args *a)
{
	vt_rpc_client_opts o = { 0 };
	const char *server = cli_opt(a, "server"), *ca = cli_opt(a, "ca");
	int error;
	session_read(r);
	if (!server)
		server = getenv("VANTHU_SERVER");
	if (server && strcmp(server, r->server) != 0) {
		/* another server: the cached session is not for it */
		snprintf(r->server, sizeof(r->server), "%s", server);
		r->token[0] = 0;
		r->ca[0] = 0;
		r->plaintext = 0;
	}
	if (ca) {
		char *abs = realpath(ca, NULL);
		if (!abs)
			return vt_error_set(VT_ENOTFOUND, "--ca %s: %s", ca, strerror(errno));
		snprintf(r->ca, sizeof(r->ca), "%s", abs);
		free(abs);
	}
	if (cli_flag(a, "plaintext"))
		r->plaintext = 1;
	if (!r->server[0])
		return vt_error_set(VT_EINVAL, "no server: pass --server HOST:PORT (or log in first), or --data-dir "
			"for the offline tools");
	o.plaintext = r->plaintext;
	o.ca_file = r->ca[0] ? r->ca : NULL;
	o.max_recv = 64 << 20;
	if ((error = vt_rpc_client_new(&r->client, r->server, &o)) < 0)
		return error;
	snprintf(r->auth, sizeof(r->auth), "Bearer %s", r->token);
	return 0;
}

void cli_remote_close(cli_remote *r)
{
	vt_rpc_client_free(r->client);
	r->client = NULL;
}

int cli_call(cli_remote *r, const char *path, const ProtobufCMessage *req,
	const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp)
{
	vt_rpc_md md[1] = { { "authorization", r->auth } };
	vt_rpc_buf out = { 0 };
	uint8_t stack[8192], *buf = stack;
	size_t n = protobuf_c_message_get_packed_size(req);
	int error;
	*resp = NULL;
	if (n > sizeof(stack) && !(buf = malloc(n)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	protobuf_c_message_pack(req, buf);
	error = vt_rpc_unary(r->client, path, md, r->token[0] ? 1 : 0, buf, n, TIMEOUT_MS, &out);
	if (buf != stack)
		free(buf);
	if (error < 0) {
		if (error == VT_EAUTH)
			vt_error_set(error, "%s (log in: vanthu login --server %s --name NAME)", vt_error_last(), r->server);
		else if (vt_rpc_last_status() == GRPC_STATUS_UNAVAILABLE)
			cli_unavailable(r->server);
		return error;
	}
	*resp = protobuf_c_message_unpack(resp_desc, NULL, out.len, out.data);
	vt_rpc_buf_dispose(&out);
	if (!*resp)
		return vt_error_set(VT_ECORRUPT, "%s: the server's answer is not a valid %s", path, resp_desc->short_name);
	return 0;
}


/* ---- passwords */

int cli_read_password(cli_args *a, const char *opt, const char *env, const char *prompt, char *out, size_t cap)
{
	const char *file = cli_opt(a, opt);
	const char *e = getenv(env);
	if (file) {
		uint8_t *data = NULL;
		size_t len;
		int error = vt_file_read(file, cap - 1, &data, &len);
		if (error < 0)
			return error;
		while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
			len--;
		memcpy(out, data, len);
		out[len] = 0;
		free(data);
		return 0;
	}
	if (e) {
		snprintf(out, cap, "%s", e);
		return 0;
	}
	{
		FILE *tty = fopen("/dev/tty", "r+");
		struct termios old, quiet;
		size_t n;
		if (!tty)
			return vt_error_set(VT_EINVAL, "no terminal to ask for the password: use --%s FILE or $%s", opt, env);
		fprintf(tty, "%s: ", prompt);
		fflush(tty);
		tcgetattr(fileno(tty), &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
		if (!fgets(out, (int)cap, tty))
			out[0] = 0;
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fprintf(tty, "\n");
		fclose(tty);
		n = strlen(out);
		while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
			out[--n] = 0;
	}
	return 0;
}
