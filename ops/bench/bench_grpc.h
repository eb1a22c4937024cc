/* Helpers for the benchmarks that drive the node over gRPC. */
#ifndef VT_BENCH_GRPC_H
#define VT_BENCH_GRPC_H

#include <pthread.h>

#include "accounts/account.h"
#include "bench.h"
#include "rpc/rpc.h"
#include "svc/service.h"

static inline void bench_thread_name(const char *name)
{
	pthread_setname_np(pthread_self(), name);
}

/* A unary call whose response is decoded as desc; dies on failure. */
static inline void *bench_call(vt_rpc_client *c, const char *path, const vt_rpc_md *md, size_t nmd,
	const ProtobufCMessage *req, const ProtobufCMessageDescriptor *desc, uint8_t *buf, size_t cap, int timeout_ms)
{
	vt_rpc_buf resp = { 0 };
	size_t n = protobuf_c_message_get_packed_size(req);
	void *out;
	if (n > cap)
		bench_die("%s: request of %zu bytes over %zu", path, n, cap);
	protobuf_c_message_pack(req, buf);
	bench_check(vt_rpc_unary(c, path, md, nmd, buf, n, timeout_ms, &resp), path);
	out = protobuf_c_message_unpack(desc, NULL, resp.len, resp.data);
	vt_rpc_buf_dispose(&resp);
	if (!out)
		bench_die("%s: the response does not decode", path);
	return out;
}

/* The node's API served on 127.0.0.1:0 (TLS with cert/key, else
 * plaintext), with `extra` methods beside it (may be NULL); its address
 * into target. */
static inline void bench_api_up(vt_rpc_server **srv, vt_api *api, int workers, const char *cert, const char *key,
	const vt_rpc_method *extra, char *target, size_t cap)
{
	vt_rpc_server_opts so = { 0 };
	int port;
	so.listen = "127.0.0.1:0";
	so.workers = workers;
	so.max_recv = 4 << 20;
	so.log_level = VT_RPC_LOG_FAILED;
	so.cert_file = cert;
	so.key_file = key;
	so.plaintext = !cert;
	port = vt_rpc_server_new(srv, &so);
	bench_check(port, "vt_rpc_server_new");
	bench_check(vt_api_register(*srv, api), "vt_api_register");
	if (extra)
		bench_check(vt_rpc_server_add(*srv, extra), "add a method");
	/* The handler threads inherit the name of the thread that starts them. */
	bench_thread_name("vt-srv");
	bench_check(vt_rpc_server_start(*srv), "vt_rpc_server_start");
	bench_thread_name("bench-main");
	snprintf(target, cap, "127.0.0.1:%d", port);
}

static inline void bench_api_down(vt_rpc_server **srv, vt_api *api)
{
	int cancelled = vt_rpc_server_shutdown(*srv, 5000);
	if (cancelled)
		printf("note: %d call(s) cancelled at shutdown\n", cancelled);
	vt_rpc_server_free(*srv);
	*srv = NULL;
	vt_api_dispose(api);
}

/* A client of target: TLS trusting ca, or plaintext when ca is NULL. */
static inline void bench_client_new(vt_rpc_client **out, const char *target, const char *ca)
{
	vt_rpc_client_opts co = { 0 };
	co.ca_file = ca;
	co.plaintext = !ca;
	bench_check(vt_rpc_client_new(out, target, &co), "vt_rpc_client_new");
}

/* Auth.Login as name, who must hold role: "Bearer <token>" into bearer. */
static inline void bench_login(vt_rpc_client *c, const char *name, const char *password, Vanthu__V1__Role role,
	char *bearer, size_t cap)
{
	Vanthu__V1__LoginRequest req = VANTHU__V1__LOGIN_REQUEST__INIT;
	Vanthu__V1__LoginResponse *resp;
	uint8_t buf[1024];
	req.name = (char *)name;
	req.password = (char *)password;
	resp = bench_call(c, "/vanthu.v1.Auth/Login", NULL, 0, &req.base, &vanthu__v1__login_response__descriptor, buf,
		sizeof(buf), 60000);
	if (strlen(resp->token) != VT_TOKEN_HEX || !resp->account || !vt_account_has_role(resp->account, role))
		bench_die("Login %s: no token, or the account lacks its role", name);
	snprintf(bearer, cap, "Bearer %s", resp->token);
	vanthu__v1__login_response__free_unpacked(resp, NULL);
}

#endif
