/* gRPC layer: a real server on 127.0.0.1:0 in this process and our client
 * (plus Python grpcio as a client that is not ours): unary, streams, status
 * mapping, limits, deadlines, cancellation, concurrency, TLS and mutual
 * TLS, shutdown. */
#include "testutil.h"

#include <pthread.h>
#include <unistd.h>

#include "rpc/rpc.h"

/* ---- what the handlers saw (tests run one at a time) */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int upload_done, upload_rc, upload_stored;
	int slow_done, slow_rc, slow_saw_deadline, slow_saw_cancel;
	int stall_done, stall_rc;
	char identity[256];
} T = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0, 0, 0, "" };

static void t_reset(void)
{
	pthread_mutex_lock(&T.mu);
	T.upload_done = T.upload_rc = T.upload_stored = 0;
	T.slow_done = T.slow_rc = T.slow_saw_deadline = T.slow_saw_cancel = 0;
	T.stall_done = T.stall_rc = 0;
	T.identity[0] = 0;
	pthread_mutex_unlock(&T.mu);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Waits (bounded) until *flag is non-zero. */
static int t_wait(int *flag, int ms)
{
	struct timespec until;
	int v;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000 + 1;
	pthread_mutex_lock(&T.mu);
	while (!*flag)
		if (pthread_cond_timedwait(&T.cv, &T.mu, &until) != 0)
			break;
	v = *flag;
	pthread_mutex_unlock(&T.mu);
	return v;
}

/* ---- handlers */

static int h_echo(vt_rpc_call *call, void *ctx)
{
	const uint8_t *d;
	size_t n;
	(void)ctx;
	vt_rpc_call_request(call, &d, &n);
	return vt_rpc_call_set_response(call, d, n);
}

/* Request "CODE:message": fails with that code and message. */
static int h_fail(vt_rpc_call *call, void *ctx)
{
	const uint8_t *d;
	size_t n;
	char buf[256];
	int code;
	(void)ctx;
	vt_rpc_call_request(call, &d, &n);
	snprintf(buf, sizeof(buf), "%.*s", (int)n, (const char *)d);
	code = atoi(buf);
	if (code >= 0)
		return vt_rpc_call_set_response(call, "ok", 2);
	return vt_error_set(code, "%s", strchr(buf, ':') ? strchr(buf, ':') + 1 : "");
}

/* Request: milliseconds to take; gives up when the call is cancelled. */
static int h_slow(vt_rpc_call *call, void *ctx)
{
	const uint8_t *d;
	size_t n;
	char buf[32];
	double t0 = now_ms();
	int rc = 0;
	(void)ctx;
	vt_rpc_call_request(call, &d, &n);
	snprintf(buf, sizeof(buf), "%.*s", (int)n, (const char *)d);
	while (now_ms() - t0 < atoi(buf)) {
		if (vt_rpc_call_cancelled(call)) {
			int passed;
			/* the client cancels at its deadline, which can reach us a
			 * little before the server's copy of it passes */
			for (int i = 0; i < 50 && !(passed = vt_rpc_call_deadline_passed(call)); i++)
				usleep(5000);
			pthread_mutex_lock(&T.mu);
			T.slow_saw_cancel = 1;
			T.slow_saw_deadline = passed;
			pthread_mutex_unlock(&T.mu);
			rc = vt_error_set(VT_ETIMEOUT, "gave up");
			break;
		}
		usleep(5000);
	}
	if (rc == 0)
		rc = vt_rpc_call_set_response(call, "done", 4);
	pthread_mutex_lock(&T.mu);
	T.slow_rc = rc;
	T.slow_done = 1;
	pthread_cond_broadcast(&T.cv);
	pthread_mutex_unlock(&T.mu);
	return rc;
}

/* "auth=<authorization metadata>|peer=<peer>|id=<certificate name>" */
static int h_meta(vt_rpc_call *call, void *ctx)
{
	char out[1024], id[256];
	const char *auth = vt_rpc_call_metadata(call, "authorization");
	int rc = vt_rpc_call_peer_identity(call, id, sizeof(id));
	(void)ctx;
	snprintf(out, sizeof(out), "auth=%s|peer=%s|id=%s|left=%s", auth ? auth : "(none)", vt_rpc_call_peer(call),
		rc == 0 ? id : vt_error_name(rc), vt_rpc_call_time_left_ms(call) > 0 ? "yes" : "no");
	return vt_rpc_call_set_response(call, out, strlen(out));
}

/* Sums the bytes of every message; answers "n=<msgs> bytes=<total> sum=<sum>". */
static int h_upload(vt_rpc_call *call, void *ctx)
{
	size_t msgs = 0, total = 0;
	uint32_t sum = 0;
	char out[128];
	int rc;
	(void)ctx;
	for (;;) {
		vt_rpc_buf m = { 0 };
		rc = vt_rpc_call_recv(call, &m);
		if (rc <= 0)
			break;
		msgs++;
		total += m.len;
		for (size_t i = 0; i < m.len; i++)
			sum += m.data[i];
		vt_rpc_buf_dispose(&m);
	}
	if (rc == 0) {
		snprintf(out, sizeof(out), "n=%zu bytes=%zu sum=%u", msgs, total, sum);
		rc = vt_rpc_call_set_response(call, out, strlen(out));
	}
	pthread_mutex_lock(&T.mu);
	T.upload_rc = rc;
	T.upload_stored = rc == 0; /* an upload stores only when the stream ended well */
	T.upload_done = 1;
	pthread_cond_broadcast(&T.cv);
	pthread_mutex_unlock(&T.mu);
	return rc;
}

/* Reads the first message, then refuses. */
static int h_reject(vt_rpc_call *call, void *ctx)
{
	vt_rpc_buf m = { 0 };
	(void)ctx;
	if (vt_rpc_call_recv(call, &m) == 1)
		vt_rpc_buf_dispose(&m);
	return vt_error_set(VT_EPERM, "uploads are closed");
}

/* Request "COUNT,SIZE": sends COUNT messages of SIZE bytes, byte i of
 * message k being (i + k) & 0xff. */
static int h_download(vt_rpc_call *call, void *ctx)
{
	const uint8_t *d;
	size_t n, count = 0, size = 0;
	char buf[64];
	uint8_t *msg;
	int rc = 0;
	(void)ctx;
	vt_rpc_call_request(call, &d, &n);
	snprintf(buf, sizeof(buf), "%.*s", (int)n, (const char *)d);
	if (sscanf(buf, "%zu,%zu", &count, &size) != 2)
		return vt_error_set(VT_EINVAL, "want COUNT,SIZE");
	if (!(msg = malloc(size ? size : 1)))
		return vt_error_set(VT_ENOMEM, "oom");
	for (size_t k = 0; k < count && rc == 0; k++) {
		for (size_t i = 0; i < size; i++)
			msg[i] = (uint8_t)(i + k);
		rc = vt_rpc_call_send(call, msg, size);
	}
	free(msg);
	return rc;
}

/* Echoes each message until the client closes. */
static int h_chat(vt_rpc_call *call, void *ctx)
{
	int rc;
	(void)ctx;
	for (;;) {
		vt_rpc_buf m = { 0 };
		if ((rc = vt_rpc_call_recv(call, &m)) <= 0)
			break;
		rc = vt_rpc_call_send(call, m.data, m.len);
		vt_rpc_buf_dispose(&m);
		if (rc < 0)
			break;
	}
	return rc;
}

/* Waits for a message that does not come (stall_ms is short). */
static int h_stall(vt_rpc_call *call, void *ctx)
{
	int rc;
	(void)ctx;
	for (;;) {
		vt_rpc_buf m = { 0 };
		if ((rc = vt_rpc_call_recv(call, &m)) <= 0)
			break;
		vt_rpc_buf_dispose(&m);
	}
	pthread_mutex_lock(&T.mu);
	T.stall_rc = rc;
	T.stall_done = 1;
	pthread_cond_broadcast(&T.cv);
	pthread_mutex_unlock(&T.mu);
	return rc;
}

static const vt_rpc_method methods[] = {
	{ "/test.Echo/Echo", VT_RPC_UNARY, h_echo, NULL, 0, 0 },
	{ "/test.Echo/Fail", VT_RPC_UNARY, h_fail, NULL, 0, 0 },
	{ "/test.Echo/Slow", VT_RPC_UNARY, h_slow, NULL, 0, 0 },
	{ "/test.Echo/Small", VT_RPC_UNARY, h_echo, NULL, 1024, 0 },
	{ "/test.Echo/Meta", VT_RPC_UNARY, h_meta, NULL, 0, 0 },
	{ "/test.Files/Upload", VT_RPC_CLIENT_STREAM, h_upload, NULL, 128 << 10, 0 },
	{ "/test.Files/Reject", VT_RPC_CLIENT_STREAM, h_reject, NULL, 0, 0 },
	{ "/test.Files/Download", VT_RPC_SERVER_STREAM, h_download, NULL, 0, 0 },
	{ "/test.Files/Chat", VT_RPC_BIDI, h_chat, NULL, 0, 0 },
	{ "/test.Files/Stall", VT_RPC_CLIENT_STREAM, h_stall, NULL, 0, 300 },
};

/* ---- log capture */

static struct {
	pthread_mutex_t mu;
	char text[16384];
} L = { PTHREAD_MUTEX_INITIALIZER, "" };

static void log_capture(void *ctx, const char *line)
{
	(void)ctx;
	pthread_mutex_lock(&L.mu);
	if (strlen(L.text) + strlen(line) + 2 < sizeof(L.text)) {
		strcat(L.text, line);
		strcat(L.text, "\n");
	}
	pthread_mutex_unlock(&L.mu);
}

static int log_has(const char *sub)
{
	int has;
	pthread_mutex_lock(&L.mu);
	has = strstr(L.text, sub) != NULL;
	pthread_mutex_unlock(&L.mu);
	return has;
}

/* ---- fixture: a plaintext server on loopback and a client */

typedef struct fixture {
	vt_rpc_server *srv;
	vt_rpc_client *cli;
	int port;
	char target[64];
} fixture;

static vt_rpc_server *server_start(const vt_rpc_server_opts *o, int *port)
{
	vt_rpc_server *srv = NULL;
	int p = vt_rpc_server_new(&srv, o);
	if (p <= 0)
		fail_msg("server_new: %d %s", p, vt_error_last());
	assert_int_equal(vt_rpc_server_port(srv), p);
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		assert_vt_ok(vt_rpc_server_add(srv, &methods[i]));
	assert_vt_ok(vt_rpc_server_start(srv));
	*port = p;
	return srv;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	vt_rpc_server_opts so = { 0 };
	vt_rpc_client_opts co = { 0 };
	so.listen = "127.0.0.1:0";
	so.plaintext = 1;
	so.workers = 16;
	so.log = log_capture;
	t_reset();
	pthread_mutex_lock(&L.mu);
	L.text[0] = 0;
	pthread_mutex_unlock(&L.mu);
	f->srv = server_start(&so, &f->port);
	snprintf(f->target, sizeof(f->target), "127.0.0.1:%d", f->port);
	co.plaintext = 1;
	co.max_recv = 16 << 20;
	assert_vt_ok(vt_rpc_client_new(&f->cli, f->target, &co));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	vt_rpc_client_free(f->cli);
	assert_int_equal(vt_rpc_server_shutdown(f->srv, 5000), 0);
	vt_rpc_server_free(f->srv);
	free(f);
	return 0;
}

static int unary_str(vt_rpc_client *c, const char *path, const char *req, int timeout_ms, char *out, size_t cap)
{
	vt_rpc_buf r = { 0 };
	int rc = vt_rpc_unary(c, path, NULL, 0, req, strlen(req), timeout_ms, &r);
	if (out && cap)
		snprintf(out, cap, "%.*s", (int)r.len, r.data ? (const char *)r.data : "");
	vt_rpc_buf_dispose(&r);
	return rc;
}

/* ---- tables */

static void test_status_table(void **state)
{
	static const struct {
		int error;
		grpc_status_code status;
		int back; /* what a client maps the bare status to */
	} cases[] = {
		{ 0, GRPC_STATUS_OK, 0 },
		{ VT_ERROR, GRPC_STATUS_INTERNAL, VT_ERROR },
		{ VT_ENOTFOUND, GRPC_STATUS_NOT_FOUND, VT_ENOTFOUND },
		{ VT_EEXISTS, GRPC_STATUS_ALREADY_EXISTS, VT_EEXISTS },
		{ VT_EINVAL, GRPC_STATUS_INVALID_ARGUMENT, VT_EINVAL },
		{ VT_EPERM, GRPC_STATUS_PERMISSION_DENIED, VT_EPERM },
		{ VT_ECONFLICT, GRPC_STATUS_FAILED_PRECONDITION, VT_ECONFLICT },
		{ VT_ECORRUPT, GRPC_STATUS_DATA_LOSS, VT_ECORRUPT },
		{ VT_ESIG, GRPC_STATUS_INVALID_ARGUMENT, VT_EINVAL },
		{ VT_ENOMEM, GRPC_STATUS_RESOURCE_EXHAUSTED, VT_ETOOBIG },
		{ VT_EIO, GRPC_STATUS_INTERNAL, VT_ERROR },
		{ VT_EBUSY, GRPC_STATUS_UNAVAILABLE, VT_EBUSY },
		{ VT_EAUTH, GRPC_STATUS_UNAUTHENTICATED, VT_EAUTH },
		{ VT_ETIMEOUT, GRPC_STATUS_DEADLINE_EXCEEDED, VT_ETIMEOUT },
		{ VT_ETOOBIG, GRPC_STATUS_RESOURCE_EXHAUSTED, VT_ETOOBIG },
		{ -99, GRPC_STATUS_UNKNOWN, VT_ERROR },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(vt_rpc_status_of(cases[i].error), cases[i].status);
		assert_int_equal(vt_rpc_error_of(cases[i].status), cases[i].back);
	}
	assert_int_equal(vt_rpc_error_of(GRPC_STATUS_ABORTED), VT_ECONFLICT);
	assert_int_equal(vt_rpc_error_of(GRPC_STATUS_UNIMPLEMENTED), VT_ERROR);
	assert_int_equal(vt_rpc_error_of((grpc_status_code)77), VT_ERROR);
	assert_string_equal(vt_rpc_status_name(GRPC_STATUS_NOT_FOUND), "NOT_FOUND");
	assert_string_equal(vt_rpc_status_name(GRPC_STATUS_UNAUTHENTICATED), "UNAUTHENTICATED");
	assert_string_equal(vt_error_name(VT_ETOOBIG), "ETOOBIG");
}

static void test_loopback(void **state)
{
	static const struct {
		const char *addr;
		int loop;
	} cases[] = {
		{ "127.0.0.1:7443", 1 }, { "127.9.8.7:1", 1 }, { "127.0.0.1", 1 }, { "[::1]:0", 1 },
		{ "::1", 1 }, { "[::1]", 1 }, { "localhost:80", 1 }, { "LOCALHOST", 1 },
		{ "ipv4:127.0.0.1:5", 1 }, { "ipv6:[::1]:5", 1 }, { "dns:///localhost:1", 1 },
		{ "unix:/tmp/vanthu.sock", 1 }, { "[::ffff:127.0.0.1]:1", 1 },
		{ "0.0.0.0:7443", 0 }, { "[::]:7443", 0 }, { "10.0.0.1:1", 0 }, { "192.168.1.5:80", 0 },
		{ "example.com:443", 0 }, { "128.0.0.1:1", 0 }, { "", 0 }, { "localhost.evil.com:1", 0 },
		{ "127.0.0.1.evil.com:1", 0 }, { "[::1]x:1", 0 }, { "[::2]:1", 0 },
		{ "ipv4:127.0.0.1:1,10.0.0.1:2", 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (vt_rpc_addr_is_loopback(cases[i].addr) != cases[i].loop)
			fail_msg("%s: want %d", cases[i].addr, cases[i].loop);
	assert_int_equal(vt_rpc_addr_is_loopback(NULL), 0);
}

static void test_plaintext_refused(void **state)
{
	vt_rpc_server_opts so = { 0 };
	vt_rpc_client_opts co = { 0 };
	vt_rpc_server *srv = (vt_rpc_server *)1;
	vt_rpc_client *cli = (vt_rpc_client *)1;
	(void)state;
	so.plaintext = 1;
	so.listen = "0.0.0.0:0";
	assert_vt_error(vt_rpc_server_new(&srv, &so), VT_EINVAL, "loopback");
	assert_null(srv);
	so.listen = "[::]:0";
	assert_vt_error(vt_rpc_server_new(&srv, &so), VT_EINVAL, "loopback");
	so.plaintext = 0;
	so.listen = "127.0.0.1:0";
	assert_vt_error(vt_rpc_server_new(&srv, &so), VT_EINVAL, "cert_file");
	co.plaintext = 1;
	assert_vt_error(vt_rpc_client_new(&cli, "192.0.2.1:7443", &co), VT_EINVAL, "loopback");
	assert_null(cli);
}

/* A server never started is freed cleanly; a second server on a port in
 * use fails (no SO_REUSEPORT sharing). */
static void test_lifecycle(void **state)
{
	fixture *f = *state;
	vt_rpc_server_opts so = { 0 };
	vt_rpc_server *srv = NULL;
	char addr[64];
	so.plaintext = 1;
	so.listen = "127.0.0.1:0";
	assert_true(vt_rpc_server_new(&srv, &so) > 0);
	vt_rpc_server_free(srv);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", f->port);
	so.listen = addr;
	srv = NULL;
	assert_vt_error(vt_rpc_server_new(&srv, &so), VT_EBUSY, "cannot listen");
	assert_null(srv);
	assert_vt_error(vt_rpc_server_add(f->srv, &methods[0]), VT_EINVAL, "before the server starts");
}

/* ---- unary */

static void test_unary_echo(void **state)
{
	fixture *f = *state;
	vt_rpc_md md[2] = { { "authorization", "Bearer abc123" }, { "x-trace", "t1" } };
	vt_rpc_buf r = { 0 };
	size_t sizes[] = { 0, 1, 100, 70000, 3 << 20 };
	char out[1024];
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *req = malloc(sizes[i] + 1);
		for (size_t j = 0; j < sizes[i]; j++)
			req[j] = (uint8_t)(j * 7 + i);
		assert_vt_ok(vt_rpc_unary(f->cli, "/test.Echo/Echo", NULL, 0, req, sizes[i], 5000, &r));
		assert_int_equal(vt_rpc_last_status(), GRPC_STATUS_OK);
		assert_int_equal(r.len, sizes[i]);
		if (sizes[i])
			assert_memory_equal(r.data, req, sizes[i]);
		vt_rpc_buf_dispose(&r);
		free(req);
	}
	/* metadata, peer, deadline; no certificate on plaintext */
	assert_vt_ok(vt_rpc_unary(f->cli, "/test.Echo/Meta", md, 2, "", 0, 5000, &r));
	snprintf(out, sizeof(out), "%.*s", (int)r.len, (const char *)r.data);
	vt_rpc_buf_dispose(&r);
	assert_non_null(strstr(out, "auth=Bearer abc123|"));
	assert_non_null(strstr(out, "peer=ipv4:127.0.0.1:"));
	assert_non_null(strstr(out, "id=EAUTH"));
	assert_non_null(strstr(out, "left=yes"));
	assert_int_equal(unary_str(f->cli, "/test.Echo/Meta", "", 0, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "auth=(none)|"));
	assert_non_null(strstr(out, "left=no"));
	/* bad metadata is refused before sending */
	md[0].key = "Bad Key";
	assert_vt_error(vt_rpc_unary(f->cli, "/test.Echo/Echo", md, 1, "x", 1, 5000, &r), VT_EINVAL, "metadata");
}

static void test_unknown_method(void **state)
{
	fixture *f = *state;
	double t0 = now_ms();
	/* several, so that more than the requested-call slots are used */
	for (int i = 0; i < 20; i++) {
		assert_vt_error(unary_str(f->cli, "/test.Nope/Missing", "x", 10000, NULL, 0), VT_ERROR,
			"UNIMPLEMENTED: unknown method /test.Nope/Missing");
		assert_int_equal(vt_rpc_last_status(), GRPC_STATUS_UNIMPLEMENTED);
	}
	assert_true(now_ms() - t0 < 2000);
	assert_true(log_has("rpc /test.Nope/Missing from ipv4:127.0.0.1:"));
	/* a stream to an unknown method fails as well */
	{
		vt_rpc_stream *s = NULL;
		vt_rpc_buf m = { 0 };
		int rc = vt_rpc_stream_open(&s, f->cli, "/test.Nope/Stream", NULL, 0, 10000);
		if (rc == 0) {
			rc = vt_rpc_stream_recv(s, &m);
			vt_rpc_stream_free(s);
		}
		assert_int_equal(rc, VT_ERROR);
		assert_int_equal(vt_rpc_last_status(), GRPC_STATUS_UNIMPLEMENTED);
	}
}

static void test_handler_errors(void **state)
{
	fixture *f = *state;
	static const struct {
		int error;
		grpc_status_code status;
	} cases[] = {
		{ VT_ERROR, GRPC_STATUS_INTERNAL }, { VT_ENOTFOUND, GRPC_STATUS_NOT_FOUND },
		{ VT_EEXISTS, GRPC_STATUS_ALREADY_EXISTS }, { VT_EINVAL, GRPC_STATUS_INVALID_ARGUMENT },
		{ VT_EPERM, GRPC_STATUS_PERMISSION_DENIED }, { VT_ECONFLICT, GRPC_STATUS_FAILED_PRECONDITION },
		{ VT_ECORRUPT, GRPC_STATUS_DATA_LOSS }, { VT_ESIG, GRPC_STATUS_INVALID_ARGUMENT },
		{ VT_ENOMEM, GRPC_STATUS_RESOURCE_EXHAUSTED }, { VT_EIO, GRPC_STATUS_INTERNAL },
		{ VT_EBUSY, GRPC_STATUS_UNAVAILABLE }, { VT_EAUTH, GRPC_STATUS_UNAUTHENTICATED },
		{ VT_ETIMEOUT, GRPC_STATUS_DEADLINE_EXCEEDED }, { VT_ETOOBIG, GRPC_STATUS_RESOURCE_EXHAUSTED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char req[128], want[160];
		snprintf(req, sizeof(req), "%d:văn bản số %zu không có", cases[i].error, i);
		snprintf(want, sizeof(want), "%s: văn bản số %zu không có", vt_rpc_status_name(cases[i].status), i);
		/* the exact code comes back through the vt-error trailer */
		assert_vt_error(unary_str(f->cli, "/test.Echo/Fail", req, 5000, NULL, 0), cases[i].error, want);
		assert_int_equal(vt_rpc_last_status(), cases[i].status);
	}
	/* a handler that sets no message: the code's name */
	assert_vt_error(unary_str(f->cli, "/test.Echo/Fail", "-2", 5000, NULL, 0), VT_ENOTFOUND, "NOT_FOUND: ENOTFOUND");
	assert_true(log_has("rpc /test.Echo/Fail from ipv4:127.0.0.1:"));
	assert_true(log_has("NOT_FOUND ENOTFOUND: văn bản số 1 không có"));
	assert_int_equal(unary_str(f->cli, "/test.Echo/Fail", "0", 5000, NULL, 0), 0);
}

static void test_too_big(void **state)
{
	fixture *f = *state;
	size_t big = (4 << 20) + 1000;
	uint8_t *req = calloc(1, big);
	vt_rpc_buf r = { 0 };
	/* over the server's 4 MiB: gRPC itself refuses */
	assert_vt_error(vt_rpc_unary(f->cli, "/test.Echo/Echo", NULL, 0, req, big, 10000, &r), VT_ETOOBIG,
		"RESOURCE_EXHAUSTED");
	assert_int_equal(vt_rpc_last_status(), GRPC_STATUS_RESOURCE_EXHAUSTED);
	/* over the method's 1 KiB */
	assert_vt_ok(vt_rpc_unary(f->cli, "/test.Echo/Small", NULL, 0, req, 1024, 5000, &r));
	vt_rpc_buf_dispose(&r);
	assert_vt_error(vt_rpc_unary(f->cli, "/test.Echo/Small", NULL, 0, req, 1025, 5000, &r), VT_ETOOBIG,
		"RESOURCE_EXHAUSTED: /test.Echo/Small: a request of 1025 bytes is over the limit of 1024");
	free(req);
	/* the server still works */
	assert_int_equal(unary_str(f->cli, "/test.Echo/Echo", "still", 5000, NULL, 0), 0);
}

static void test_deadline(void **state)
{
	fixture *f = *state;
	double t0 = now_ms();
	assert_vt_error(unary_str(f->cli, "/test.Echo/Slow", "3000", 200, NULL, 0), VT_ETIMEOUT, "DEADLINE_EXCEEDED");
	assert_int_equal(vt_rpc_last_status(), GRPC_STATUS_DEADLINE_EXCEEDED);
	assert_true(now_ms() - t0 < 1500);
	/* the handler noticed and gave up well before its 3 s */
	assert_true(t_wait(&T.slow_done, 3000));
	assert_true(now_ms() - t0 < 2000);
	assert_true(T.slow_saw_cancel);
	assert_true(T.slow_saw_deadline);
	assert_int_equal(T.slow_rc, VT_ETIMEOUT);
	/* a fast enough call succeeds */
	assert_int_equal(unary_str(f->cli, "/test.Echo/Slow", "20", 5000, NULL, 0), 0);
}

/* ---- streams */

static void test_upload(void **state)
{
	fixture *f = *state;
	vt_rpc_stream *s = NULL;
	vt_rpc_buf r = { 0 };
	uint8_t *chunk = malloc(64 << 10);
	uint32_t sum = 0;
	size_t total = 10 << 20, n = total / (64 << 10);
	char want[128];
	for (size_t i = 0; i < (64 << 10); i++)
		chunk[i] = (uint8_t)(i * 31 + 7);
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < (64 << 10); i++)
			sum += chunk[i];
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Upload", NULL, 0, 30000));
	for (size_t k = 0; k < n; k++)
		assert_vt_ok(vt_rpc_stream_send(s, chunk, 64 << 10));
	assert_vt_ok(vt_rpc_stream_close_send(s));
	assert_int_equal(vt_rpc_stream_recv(s, &r), 1);
	snprintf(want, sizeof(want), "n=%zu bytes=%zu sum=%u", n, total, sum);
	assert_int_equal(r.len, strlen(want));
	assert_memory_equal(r.data, want, r.len);
	vt_rpc_buf_dispose(&r);
	assert_int_equal(vt_rpc_stream_recv(s, &r), 0);
	assert_vt_ok(vt_rpc_stream_finish(s));
	assert_int_equal(vt_rpc_stream_status(s), GRPC_STATUS_OK);
	vt_rpc_stream_free(s);
	assert_true(t_wait(&T.upload_done, 1000));
	assert_int_equal(T.upload_rc, 0);

	/* finish without reading the response also gives the status */
	t_reset();
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Upload", NULL, 0, 30000));
	assert_vt_ok(vt_rpc_stream_send(s, chunk, 100));
	assert_vt_ok(vt_rpc_stream_close_send(s));
	assert_vt_ok(vt_rpc_stream_finish(s));
	vt_rpc_stream_free(s);

	/* a message over the method's 128 KiB fails the call */
	t_reset();
	{
		uint8_t *big = calloc(1, 200 << 10);
		int rc;
		assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Upload", NULL, 0, 30000));
		rc = vt_rpc_stream_send(s, big, 200 << 10);
		if (rc == 0) {
			vt_rpc_stream_close_send(s);
			rc = vt_rpc_stream_recv(s, &r);
		}
		assert_int_equal(rc, VT_ETOOBIG);
		assert_int_equal(vt_rpc_last_status(), GRPC_STATUS_RESOURCE_EXHAUSTED);
		assert_non_null(strstr(vt_error_last(), "over the limit of 131072"));
		vt_rpc_stream_free(s);
		free(big);
		assert_true(t_wait(&T.upload_done, 2000));
		assert_int_equal(T.upload_rc, VT_ETOOBIG);
		assert_false(T.upload_stored);
	}
	free(chunk);
}

/* The server refuses after one message while the client keeps sending:
 * the client gets the server's error (from send, or at the end). */
static void test_upload_rejected(void **state)
{
	fixture *f = *state;
	vt_rpc_stream *s = NULL;
	uint8_t chunk[16384] = { 0 };
	int rc = 0;
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Reject", NULL, 0, 30000));
	for (int i = 0; i < 2000 && rc == 0; i++)
		rc = vt_rpc_stream_send(s, chunk, sizeof(chunk));
	if (rc == 0)
		rc = vt_rpc_stream_finish(s);
	assert_int_equal(rc, VT_EPERM);
	assert_non_null(strstr(vt_error_last(), "PERMISSION_DENIED: uploads are closed"));
	assert_int_equal(vt_rpc_stream_finish(s), VT_EPERM);
	vt_rpc_stream_free(s);
}

static void test_upload_cancel(void **state)
{
	fixture *f = *state;
	vt_rpc_stream *s = NULL;
	uint8_t chunk[65536] = { 1 };
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Upload", NULL, 0, 30000));
	for (int i = 0; i < 10; i++)
		assert_vt_ok(vt_rpc_stream_send(s, chunk, sizeof(chunk)));
	vt_rpc_stream_cancel(s);
	assert_int_equal(vt_rpc_stream_finish(s), VT_ERROR);
	assert_int_equal(vt_rpc_last_status(), GRPC_STATUS_CANCELLED);
	vt_rpc_stream_free(s);
	assert_true(t_wait(&T.upload_done, 5000));
	assert_true(T.upload_rc < 0);
	assert_false(T.upload_stored);

	/* freeing an unfinished stream cancels it too */
	t_reset();
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Upload", NULL, 0, 30000));
	assert_vt_ok(vt_rpc_stream_send(s, chunk, sizeof(chunk)));
	vt_rpc_stream_free(s);
	assert_true(t_wait(&T.upload_done, 5000));
	assert_int_equal(T.upload_rc, VT_ERROR);
	assert_false(T.upload_stored);

	/* a deadline passing mid-upload */
	t_reset();
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Upload", NULL, 0, 300));
	assert_vt_ok(vt_rpc_stream_send(s, chunk, sizeof(chunk)));
	usleep(600 * 1000);
	assert_int_equal(vt_rpc_stream_finish(s), VT_ETIMEOUT);
	vt_rpc_stream_free(s);
	assert_true(t_wait(&T.upload_done, 5000));
	/* The client's deadline timer usually resets the stream a moment
	 * before the server's own timer fires: either way the upload ends. */
	assert_true(T.upload_rc == VT_ETIMEOUT || T.upload_rc == VT_ERROR);
	assert_false(T.upload_stored);
}

/* A client that opens a stream and sends nothing is cut off after the
 * method's stall limit (300 ms here), not held for ever. */
static void test_stall(void **state)
{
	fixture *f = *state;
	vt_rpc_stream *s = NULL;
	double t0 = now_ms();
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Stall", NULL, 0, 0));
	assert_vt_ok(vt_rpc_stream_send(s, "a", 1));
	assert_true(t_wait(&T.stall_done, 3000));
	assert_int_equal(T.stall_rc, VT_ETIMEOUT);
	assert_true(now_ms() - t0 < 2000);
	assert_vt_error(vt_rpc_stream_finish(s), VT_ETIMEOUT, "DEADLINE_EXCEEDED: peer made no progress");
	vt_rpc_stream_free(s);
}

static void test_download(void **state)
{
	fixture *f = *state;
	vt_rpc_stream *s = NULL;
	vt_rpc_buf m = { 0 };
	size_t count = 160, size = 64 << 10, k = 0;
	char req[64];
	int rc;
	snprintf(req, sizeof(req), "%zu,%zu", count, size);
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Download", NULL, 0, 30000));
	assert_vt_ok(vt_rpc_stream_send(s, req, strlen(req)));
	assert_vt_ok(vt_rpc_stream_close_send(s));
	while ((rc = vt_rpc_stream_recv(s, &m)) == 1) {
		assert_int_equal(m.len, size);
		for (size_t i = 0; i < size; i += 4093)
			assert_int_equal(m.data[i], (uint8_t)(i + k));
		vt_rpc_buf_dispose(&m);
		k++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(k, count);
	assert_vt_ok(vt_rpc_stream_finish(s));
	vt_rpc_stream_free(s);

	/* an error from a streaming handler reaches recv */
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Download", NULL, 0, 30000));
	assert_vt_ok(vt_rpc_stream_send(s, "junk", 4));
	assert_vt_ok(vt_rpc_stream_close_send(s));
	assert_vt_error(vt_rpc_stream_recv(s, &m), VT_EINVAL, "INVALID_ARGUMENT: want COUNT,SIZE");
	vt_rpc_stream_free(s);

	/* the client leaves mid-download: the server's send fails, it goes on */
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Download", NULL, 0, 30000));
	assert_vt_ok(vt_rpc_stream_send(s, "100000,65536", 12));
	assert_vt_ok(vt_rpc_stream_close_send(s));
	assert_int_equal(vt_rpc_stream_recv(s, &m), 1);
	vt_rpc_buf_dispose(&m);
	vt_rpc_stream_free(s);
	assert_int_equal(unary_str(f->cli, "/test.Echo/Echo", "after", 5000, NULL, 0), 0);
}

typedef struct chat_reader {
	vt_rpc_stream *s;
	int n, rc;
} chat_reader;

static void *chat_read(void *arg)
{
	chat_reader *r = arg;
	vt_rpc_buf m = { 0 };
	while ((r->rc = vt_rpc_stream_recv(r->s, &m)) == 1) {
		char want[32];
		snprintf(want, sizeof(want), "msg %d", r->n);
		if (m.len != strlen(want) || memcmp(m.data, want, m.len) != 0)
			r->rc = -100;
		vt_rpc_buf_dispose(&m);
		if (r->rc < 0)
			break;
		r->n++;
	}
	return NULL;
}

static void test_bidi(void **state)
{
	fixture *f = *state;
	vt_rpc_stream *s = NULL;
	vt_rpc_buf m = { 0 };
	chat_reader r = { 0 };
	pthread_t th;
	/* ping-pong on one thread */
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Chat", NULL, 0, 30000));
	for (int i = 0; i < 200; i++) {
		char msg[32];
		snprintf(msg, sizeof(msg), "ping %d", i);
		assert_vt_ok(vt_rpc_stream_send(s, msg, strlen(msg)));
		assert_int_equal(vt_rpc_stream_recv(s, &m), 1);
		assert_int_equal(m.len, strlen(msg));
		assert_memory_equal(m.data, msg, m.len);
		vt_rpc_buf_dispose(&m);
	}
	assert_vt_ok(vt_rpc_stream_close_send(s));
	assert_int_equal(vt_rpc_stream_recv(s, &m), 0);
	assert_vt_ok(vt_rpc_stream_finish(s));
	vt_rpc_stream_free(s);
	/* one thread sends while another receives */
	assert_vt_ok(vt_rpc_stream_open(&s, f->cli, "/test.Files/Chat", NULL, 0, 30000));
	r.s = s;
	assert_int_equal(pthread_create(&th, NULL, chat_read, &r), 0);
	for (int i = 0; i < 2000; i++) {
		char msg[32];
		snprintf(msg, sizeof(msg), "msg %d", i);
		assert_vt_ok(vt_rpc_stream_send(s, msg, strlen(msg)));
	}
	assert_vt_ok(vt_rpc_stream_close_send(s));
	pthread_join(th, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.n, 2000);
	assert_vt_ok(vt_rpc_stream_finish(s));
	vt_rpc_stream_free(s);
}

/* ---- concurrency */

typedef struct hammer {
	vt_rpc_client *cli;
	int id, calls, ok;
} hammer;

static void *hammer_run(void *arg)
{
	hammer *h = arg;
	for (int i = 0; i < h->calls; i++) {
		char req[64];
		vt_rpc_buf r = { 0 };
		int n = snprintf(req, sizeof(req), "thread %d call %d", h->id, i);
		if (vt_rpc_unary(h->cli, "/test.Echo/Echo", NULL, 0, req, (size_t)n, 30000, &r) == 0 &&
		    r.len == (size_t)n && memcmp(r.data, req, r.len) == 0)
			h->ok++;
		vt_rpc_buf_dispose(&r);
	}
	return NULL;
}

static void test_concurrent(void **state)
{
	fixture *f = *state;
	enum { THREADS = 32, CALLS = 500 };
	pthread_t th[THREADS];
	hammer h[THREADS];
	double t0 = now_ms();
	for (int i = 0; i < THREADS; i++) {
		h[i] = (hammer){ f->cli, i, CALLS, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(h[i].ok, CALLS);
	}
	print_message("%d calls in %.0f ms\n", THREADS * CALLS, now_ms() - t0);
}

/* Handlers block (fsync); a slow call must not hold up others while
 * workers are free. */
static void *slow_call(void *arg)
{
	fixture *f = arg;
	unary_str(f->cli, "/test.Echo/Slow", "3000", 10000, NULL, 0);
	return NULL;
}

static void test_slow_does_not_block(void **state)
{
	fixture *f = *state;
	pthread_t th[4];
	double t0;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, slow_call, f), 0);
	usleep(100 * 1000);
	t0 = now_ms();
	for (int i = 0; i < 200; i++)
		assert_int_equal(unary_str(f->cli, "/test.Echo/Echo", "quick", 5000, NULL, 0), 0);
	/* all 200 done while the four slow calls (3 s) are still running: a
	 * quick call that has just answered may not be counted out yet, so at
	 * least four (a loaded machine makes the margin wide on purpose) */
	assert_true(now_ms() - t0 < 2500);
	assert_true(vt_rpc_server_active(f->srv) >= 4);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
}

/* ---- TLS */

typedef struct pki {
	char dir[4096];
	char ca[4200], ca_key[4200], ca2[4200];
	char server[4200], server_key[4200];
	char client[4200], client_key[4200];
	char client2[4200], client2_key[4200];
} pki;

static void sh(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

/* A CA, a second unrelated CA, a server certificate for localhost and
 * 127.0.0.1, a client certificate (CN 000.00.31.H54) from the CA and one
 * from the other CA. */
static void pki_make(pki *p)
{
	char cmd[16384];
	vt_test_tmpdir(p->dir, sizeof(p->dir), "rpc-pki");
	snprintf(cmd, sizeof(cmd),
		"cd '%s' && exec >/dev/null 2>&1 && "
		"EC='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes' && "
		"openssl req -x509 $EC -keyout ca.key -out ca.pem -days 2 -subj '/CN=vanthu test CA' "
		"  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign && "
		"openssl req -x509 $EC -keyout ca2.key -out ca2.pem -days 2 -subj '/CN=other CA' "
		"  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign && "
		"printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext && "
		"printf 'extendedKeyUsage=clientAuth\\n' > client.ext && "
		"openssl req $EC -keyout server.key -out server.csr -subj '/CN=localhost' && "
		"openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 "
		"  -extfile server.ext && "
		"openssl req $EC -keyout client.key -out client.csr -subj '/O=UBND/CN=000.00.31.H54' && "
		"openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 "
		"  -extfile client.ext && "
		"openssl req $EC -keyout client2.key -out client2.csr -subj '/CN=intruder' && "
		"openssl x509 -req -in client2.csr -CA ca2.pem -CAkey ca2.key -CAcreateserial -out client2.pem "
		"  -days 2 -extfile client.ext",
		p->dir);
	sh(cmd);
	snprintf(p->ca, sizeof(p->ca), "%s/ca.pem", p->dir);
	snprintf(p->ca_key, sizeof(p->ca_key), "%s/ca.key", p->dir);
	snprintf(p->ca2, sizeof(p->ca2), "%s/ca2.pem", p->dir);
	snprintf(p->server, sizeof(p->server), "%s/server.pem", p->dir);
	snprintf(p->server_key, sizeof(p->server_key), "%s/server.key", p->dir);
	snprintf(p->client, sizeof(p->client), "%s/client.pem", p->dir);
	snprintf(p->client_key, sizeof(p->client_key), "%s/client.key", p->dir);
	snprintf(p->client2, sizeof(p->client2), "%s/client2.pem", p->dir);
	snprintf(p->client2_key, sizeof(p->client2_key), "%s/client2.key", p->dir);
}

/* Calls Meta through a new client; returns the result, out gets the body. */
static int tls_call(int port, const vt_rpc_client_opts *co, const char *host, char *out, size_t cap)
{
	vt_rpc_client *c = NULL;
	char target[64];
	int rc;
	snprintf(target, sizeof(target), "%s:%d", host, port);
	if ((rc = vt_rpc_client_new(&c, target, co)) < 0)
		return rc;
	rc = unary_str(c, "/test.Echo/Meta", "", 5000, out, cap);
	vt_rpc_client_free(c);
	return rc;
}

static void test_tls(void **state)
{
	pki p;
	vt_rpc_server_opts so = { 0 };
	vt_rpc_client_opts co = { 0 };
	vt_rpc_server *srv = NULL;
	char out[1024];
	int port;
	(void)state;
	pki_make(&p);
	so.listen = "127.0.0.1:0";
	so.cert_file = p.server;
	so.key_file = p.server_key;
	so.workers = 4;
	so.log_level = VT_RPC_LOG_OFF;
	/* bad files are reported as such */
	so.key_file = p.ca_key;
	assert_vt_error(vt_rpc_server_new(&srv, &so), VT_EINVAL, "does not belong");
	so.key_file = "/nonexistent/key.pem";
	assert_vt_error(vt_rpc_server_new(&srv, &so), VT_EIO, "/nonexistent/key.pem");
	so.key_file = p.server;
	assert_vt_error(vt_rpc_server_new(&srv, &so), VT_EINVAL, "private key");
	so.key_file = p.server_key;
	so.listen = "0.0.0.0:0"; /* TLS may listen on any address */
	srv = server_start(&so, &port);

	/* the right CA, by name and by IP address */
	co.ca_file = p.ca;
	co.server_name = "localhost";
	assert_vt_ok(tls_call(port, &co, "127.0.0.1", out, sizeof(out)));
	assert_non_null(strstr(out, "id=EAUTH")); /* no client certificate */
	co.server_name = NULL;
	assert_vt_ok(tls_call(port, &co, "127.0.0.1", out, sizeof(out)));
	assert_vt_ok(tls_call(port, &co, "localhost", out, sizeof(out)));
	/* a client certificate the server did not ask for is not an identity */
	co.cert_file = p.client;
	co.key_file = p.client_key;
	assert_vt_ok(tls_call(port, &co, "127.0.0.1", out, sizeof(out)));
	co.cert_file = co.key_file = NULL;
	/* the wrong CA, a name the certificate does not carry, plaintext */
	co.ca_file = p.ca2;
	assert_vt_error(tls_call(port, &co, "127.0.0.1", out, sizeof(out)), VT_EBUSY, "UNAVAILABLE");
	assert_int_equal(vt_rpc_last_status(), GRPC_STATUS_UNAVAILABLE);
	co.ca_file = p.ca;
	co.server_name = "vanthu.example";
	assert_vt_error(tls_call(port, &co, "127.0.0.1", out, sizeof(out)), VT_EBUSY, "UNAVAILABLE");
	memset(&co, 0, sizeof(co));
	co.plaintext = 1;
	assert_vt_error(tls_call(port, &co, "127.0.0.1", out, sizeof(out)), VT_EBUSY, "UNAVAILABLE");
	assert_int_equal(vt_rpc_server_shutdown(srv, 2000), 0);
	vt_rpc_server_free(srv);
	vt_test_rmrf(p.dir);
}

static void test_mtls(void **state)
{
	pki p;
	vt_rpc_server_opts so = { 0 };
	vt_rpc_client_opts co = { 0 };
	vt_rpc_server *srv = NULL;
	vt_rpc_client *c = NULL;
	vt_rpc_stream *s = NULL;
	char out[1024], target[64];
	int port;
	(void)state;
	pki_make(&p);
	so.listen = "127.0.0.1:0";
	so.cert_file = p.server;
	so.key_file = p.server_key;
	so.require_client_cert = 1;
	so.workers = 4;
	so.log_level = VT_RPC_LOG_OFF;
	assert_vt_error(vt_rpc_server_new(&srv, &so), VT_EINVAL, "client_ca_file");
	so.client_ca_file = p.ca;
	srv = server_start(&so, &port);

	co.ca_file = p.ca;
	co.server_name = "localhost";
	/* no certificate: refused in the handshake */
	assert_vt_error(tls_call(port, &co, "127.0.0.1", out, sizeof(out)), VT_EBUSY, "UNAVAILABLE");
	/* a certificate from another CA: refused */
	co.cert_file = p.client2;
	co.key_file = p.client2_key;
	assert_vt_error(tls_call(port, &co, "127.0.0.1", out, sizeof(out)), VT_EBUSY, "UNAVAILABLE");
	/* a key that is not the certificate's: refused at client_new */
	co.cert_file = p.client;
	co.key_file = p.client2_key;
	assert_vt_error(tls_call(port, &co, "127.0.0.1", out, sizeof(out)), VT_EINVAL, "does not belong");
	/* the right one: the handler sees its CN */
	co.key_file = p.client_key;
	assert_vt_ok(tls_call(port, &co, "127.0.0.1", out, sizeof(out)));
	assert_non_null(strstr(out, "id=000.00.31.H54|"));
	/* streams over mutual TLS, and a refused stream */
	snprintf(target, sizeof(target), "127.0.0.1:%d", port);
	assert_vt_ok(vt_rpc_client_new(&c, target, &co));
	assert_vt_ok(vt_rpc_stream_open(&s, c, "/test.Files/Chat", NULL, 0, 10000));
	assert_vt_ok(vt_rpc_stream_send(s, "hi", 2));
	assert_vt_ok(vt_rpc_stream_close_send(s));
	{
		vt_rpc_buf m = { 0 };
		assert_int_equal(vt_rpc_stream_recv(s, &m), 1);
		vt_rpc_buf_dispose(&m);
	}
	assert_vt_ok(vt_rpc_stream_finish(s));
	vt_rpc_stream_free(s);
	vt_rpc_client_free(c);
	co.cert_file = co.key_file = NULL;
	assert_vt_ok(vt_rpc_client_new(&c, target, &co));
	assert_vt_error(vt_rpc_stream_open(&s, c, "/test.Files/Chat", NULL, 0, 10000), VT_EBUSY, "UNAVAILABLE");
	assert_null(s);
	vt_rpc_client_free(c);

	assert_int_equal(vt_rpc_server_shutdown(srv, 2000), 0);
	vt_rpc_server_free(srv);
	vt_test_rmrf(p.dir);
}

/* ---- shutdown */

typedef struct shut_call {
	fixture *f;
	const char *ms;
	int rc;
	grpc_status_code st;
} shut_call;

static void *shut_run(void *arg)
{
	shut_call *c = arg;
	c->rc = unary_str(c->f->cli, "/test.Echo/Slow", c->ms, 20000, NULL, 0);
	c->st = vt_rpc_last_status();
	return NULL;
}

static void wait_active(vt_rpc_server *srv, int n)
{
	for (int i = 0; i < 500 && vt_rpc_server_active(srv) < n; i++)
		usleep(10 * 1000);
	assert_int_equal(vt_rpc_server_active(srv), n);
}

static void test_shutdown(void **state)
{
	fixture *f = *state;
	shut_call c = { f, "10000", 1, GRPC_STATUS_OK };
	pthread_t th;
	double t0;
	int cancelled;
	/* in grace: the call finishes and succeeds */
	{
		shut_call q = { f, "300", 1, GRPC_STATUS_OK };
		vt_rpc_server_opts so = { 0 };
		fixture g = *f;
		vt_rpc_client_opts co = { 0 };
		char target[64];
		int port;
		so.listen = "127.0.0.1:0";
		so.plaintext = 1;
		so.workers = 2;
		so.log = log_capture;
		g.srv = server_start(&so, &port);
		snprintf(target, sizeof(target), "127.0.0.1:%d", port);
		co.plaintext = 1;
		assert_vt_ok(vt_rpc_client_new(&g.cli, target, &co));
		q.f = &g;
		assert_int_equal(pthread_create(&th, NULL, shut_run, &q), 0);
		wait_active(g.srv, 1);
		t0 = now_ms();
		assert_int_equal(vt_rpc_server_shutdown(g.srv, 5000), 0);
		assert_true(now_ms() - t0 < 2000);
		pthread_join(th, NULL);
		assert_int_equal(q.rc, 0);
		/* new calls are refused now */
		assert_vt_error(unary_str(g.cli, "/test.Echo/Echo", "x", 2000, NULL, 0), VT_EBUSY, "UNAVAILABLE");
		vt_rpc_server_free(g.srv);
		vt_rpc_client_free(g.cli);
	}
	/* past grace: the call is cancelled, its handler sees it */
	t_reset();
	assert_int_equal(pthread_create(&th, NULL, shut_run, &c), 0);
	wait_active(f->srv, 1);
	t0 = now_ms();
	cancelled = vt_rpc_server_shutdown(f->srv, 300);
	assert_int_equal(cancelled, 1);
	assert_true(now_ms() - t0 >= 250);
	assert_true(now_ms() - t0 < 3000);
	pthread_join(th, NULL);
	assert_true(c.rc < 0);
	assert_true(T.slow_saw_cancel);
	assert_true(log_has("cancelled 1 call"));
	assert_int_equal(vt_rpc_server_shutdown(f->srv, 300), 0); /* again: nothing */
}

/* ---- a client that is not ours */

static const char *python_with_grpc(void)
{
	static const char *const cands[] = { "python3", "/usr/bin/python3" };
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "%s -c 'import grpc' >/dev/null 2>&1", cands[i]);
		if (system(cmd) == 0)
			return cands[i];
	}
	return NULL;
}

static void test_python_interop(void **state)
{
	fixture *f = *state;
	const char *py = python_with_grpc();
	char script[4096], cmd[8192], *slash;
	if (!py) {
		print_message("python3 with grpc not found: skipped\n");
		skip();
	}
	snprintf(script, sizeof(script), "%s", __FILE__);
	if ((slash = strrchr(script, '/')))
		slash[1] = 0;
	else
		script[0] = 0;
	strcat(script, "interop_client.py");
	snprintf(cmd, sizeof(cmd), "%s '%s' 127.0.0.1:%d", py, script, f->port);
	sh(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_table),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_plaintext_refused),
		cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unary_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_method, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_download, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bidi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_does_not_block, setup, teardown),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_mtls),
		cmocka_unit_test_setup_teardown(test_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_python_interop, setup, teardown),
	};
	if (getenv("VT_TEST_FILTER"))
		cmocka_set_test_filter(getenv("VT_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
