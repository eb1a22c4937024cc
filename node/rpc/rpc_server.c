/* gRPC server over the C core: registered methods run as blocking handlers
 * on a pool of worker threads; unknown methods get UNIMPLEMENTED.
 *
 * Design. The workers share one notification queue (a NEXT completion
 * queue registered with the server). Every method, and one generic entry
 * for unknown methods, keeps REQUESTS_PER_METHOD calls requested from gRPC;
 * each requested call lives in a slot that carries its own PLUCK
 * completion queue, bound to the call (such queues need not be registered
 * with the server; gRPC's C++ sync server does the same). An idle worker
 * takes the next notification, requests a replacement call for that
 * method and runs the handler; the handler's recv/send are batches whose
 * completion it plucks from the slot's queue, so it reads as blocking
 * code. A worker busy in a handler holds no requested calls, so a new call
 * never waits behind a slow one while another worker is idle (the
 * "queue per worker" design would let gRPC hand a call to a busy worker).
 * Concurrency is the number of workers; calls beyond it wait in gRPC. */
#include "rpc/rpc_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_WORKERS 64
#define DEFAULT_IDLE_MS (5 * 60 * 1000)
#define DEFAULT_HANDSHAKE_MS (10 * 1000)
#define DEFAULT_STALL_MS (5 * 60 * 1000)
#define DEFAULT_MAX_STREAMS 128
#define REQUESTS_PER_METHOD 8

/* ---- logging */

static void logf_(vt_rpc_server *srv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(vt_rpc_server *srv, const char *fmt, ...)
{
	char line[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Paths and messages may carry what a client sent: one line each. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (srv->log)
		srv->log(srv->log_ctx, line);
	else
		fprintf(stderr, "%s\n", line);
}

static int wants_log(vt_rpc_server *srv, grpc_status_code st)
{
	switch (srv->log_level) {
	case VT_RPC_LOG_OFF:
		return 0;
	case VT_RPC_LOG_ALL:
		return 1;
	case VT_RPC_LOG_ERRORS:
		return st == GRPC_STATUS_INTERNAL || st == GRPC_STATUS_DATA_LOSS || st == GRPC_STATUS_UNKNOWN ||
			st == GRPC_STATUS_UNAVAILABLE;
	default:
		return st != GRPC_STATUS_OK;
	}
}

/* ---- slots */

static slot *slot_get(vt_rpc_server *srv)
{
	slot *s;
	pthread_mutex_lock(&srv->lock);
	if ((s = srv->free_slots))
		srv->free_slots = s->next_free;
	pthread_mutex_unlock(&srv->lock);
	if (s)
		return s;
	if (!(s = calloc(1, sizeof(*s))))
		return NULL;
	if (!(s->cq = grpc_completion_queue_create_for_pluck(NULL))) {
		free(s);
		return NULL;
	}
	grpc_metadata_array_init(&s->md);
	grpc_call_details_init(&s->details);
	pthread_mutex_lock(&srv->lock);
	s->next_all = srv->all_slots;
	srv->all_slots = s;
	pthread_mutex_unlock(&srv->lock);
	return s;
}

/* Drops what the last call left and puts the slot back. */
static void slot_put(vt_rpc_server *srv, slot *s)
{
	if (s->call)
		grpc_call_unref(s->call);
	s->call = NULL;
	grpc_metadata_array_destroy(&s->md);
	grpc_metadata_array_init(&s->md);
	grpc_call_details_destroy(&s->details);
	grpc_call_details_init(&s->details);
	if (s->payload)
		grpc_byte_buffer_destroy(s->payload);
	s->payload = NULL;
	pthread_mutex_lock(&srv->lock);
	s->next_free = srv->free_slots;
	srv->free_slots = s;
	pthread_mutex_unlock(&srv->lock);
}

static void slots_free(vt_rpc_server *srv)
{
	slot *s = srv->all_slots, *next;
	for (; s; s = next) {
		next = s->next_all;
		grpc_metadata_array_destroy(&s->md);
		grpc_call_details_destroy(&s->details);
		grpc_completion_queue_shutdown(s->cq);
		grpc_completion_queue_destroy(s->cq);
		free(s);
	}
	srv->all_slots = srv->free_slots = NULL;
}

static int has_payload(const method *m)
{
	return m->kind == VT_RPC_UNARY || m->kind == VT_RPC_SERVER_STREAM;
}

/* Asks gRPC for the next call of m (NULL: of any unknown method). */
static int request(vt_rpc_server *srv, method *m)
{
	grpc_call_error e;
	slot *s = slot_get(srv);
	if (!s)
		return vt_error_set(VT_ENOMEM, "out of memory for a call slot");
	s->m = m;
	if (m)
		e = grpc_server_request_registered_call(srv->server, m->reg, &s->call, &s->deadline, &s->md,
			has_payload(m) ? &s->payload : NULL, s->cq, srv->cq, s);
	else
		e = grpc_server_request_call(srv->server, &s->call, &s->details, &s->md, s->cq, srv->cq, s);
	if (e != GRPC_CALL_OK) {
		slot_put(srv, s);
		return vt_error_set(VT_ERROR, "cannot request calls of %s: %s", m ? m->path : "unknown methods",
			grpc_call_error_to_string(e));
	}
	return 0;
}

/* ---- running a call */

/* Sends the status (with the response and the vt-error trailer) and waits
 * for the call to close. */
static void finish(vt_rpc_call *c, grpc_status_code st, int error, const char *msg)
{
	grpc_op ops[4];
	grpc_metadata trailer;
	grpc_slice details = grpc_slice_from_copied_string(msg ? msg : "");
	char num[16];
	size_t n = 0;

	memset(ops, 0, sizeof(ops));
	if (!c->md_sent)
		ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (st == GRPC_STATUS_OK && c->response) {
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = c->response;
	}
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = st;
	ops[n].data.send_status_from_server.status_details = st == GRPC_STATUS_OK ? NULL : &details;
	if (error < 0) {
		memset(&trailer, 0, sizeof(trailer));
		snprintf(num, sizeof(num), "%d", error);
		trailer.key = grpc_slice_from_static_string(VT_RPC_TRAILER_ERROR);
		trailer.value = grpc_slice_from_static_string(num);
		ops[n].data.send_status_from_server.trailing_metadata_count = 1;
		ops[n].data.send_status_from_server.trailing_metadata = &trailer;
	}
	n++;
	if (!c->close_started) {
		ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
		ops[n++].data.recv_close_on_server.cancelled = &c->close_cancelled;
	}
	if (grpc_call_start_batch(c->call, ops, n, &c->finish_tag, NULL) == GRPC_CALL_OK) {
		vt_rpc_wait_tag(c, &c->finish_tag);
		if (!c->close_started)
			atomic_store(&c->close_done, 1);
	}
	if (c->close_started && !atomic_load(&c->close_done)) {
		/* The status is out (or the call is dead): close comes at once. */
		grpc_completion_queue_pluck(c->cq, &c->close_tag, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
		atomic_store(&c->close_done, 1);
	}
	grpc_slice_unref(details);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void serve(vt_rpc_server *srv, slot *s)
{
	vt_rpc_call c;
	grpc_status_code st = GRPC_STATUS_OK;
	int error = 0, over;
	char msg[1024] = "";
	double t0 = now_ms();

	memset(&c, 0, sizeof(c));
	c.srv = srv;
	c.s = s;
	c.m = s->m;
	c.call = s->call;
	c.cq = s->cq;
	c.deadline = gpr_convert_clock_type(s->m ? s->deadline : s->details.deadline, GPR_CLOCK_MONOTONIC);
	c.stall_ms = s->m ? s->m->stall_ms : srv->stall_ms;
	atomic_init(&c.close_done, 0);
	atomic_init(&c.over, 0);
	atomic_init(&c.stalled, 0);
	atomic_init(&c.forced, 0);
	atomic_fetch_add(&srv->active, 1);

	if (!s->m) {
		size_t n = GRPC_SLICE_LENGTH(s->details.method);
		snprintf(c.path, sizeof(c.path), "%.*s", (int)(n < 200 ? n : 200),
			(const char *)GRPC_SLICE_START_PTR(s->details.method));
		st = GRPC_STATUS_UNIMPLEMENTED;
		snprintf(msg, sizeof(msg), "unknown method %s", c.path);
		goto finish;
	}
	snprintf(c.path, sizeof(c.path), "%s", s->m->path);
	if (atomic_load(&srv->cancelling)) {
		st = GRPC_STATUS_UNAVAILABLE;
		snprintf(msg, sizeof(msg), "the server is shutting down");
		goto finish;
	}
	if (vt_rpc_call_deadline_passed(&c)) {
		st = GRPC_STATUS_DEADLINE_EXCEEDED;
		error = VT_ETIMEOUT;
		snprintf(msg, sizeof(msg), "%s: deadline passed before a worker was free", c.path);
		goto finish;
	}
	if (has_payload(s->m)) {
		grpc_byte_buffer_reader r;
		size_t len;
		if (!s->payload) {
			/* the client sent no message, or the call died while reading it */
			st = GRPC_STATUS_INVALID_ARGUMENT;
			error = VT_EINVAL;
			snprintf(msg, sizeof(msg), "%s: no request message", c.path);
			goto finish;
		}
		if ((len = grpc_byte_buffer_length(s->payload)) > s->m->max_request) {
			st = GRPC_STATUS_RESOURCE_EXHAUSTED;
			error = VT_ETOOBIG;
			snprintf(msg, sizeof(msg), "%s: a request of %zu bytes is over the limit of %zu", c.path, len,
				s->m->max_request);
			goto finish;
		}
		if (!grpc_byte_buffer_reader_init(&r, s->payload)) {
			st = GRPC_STATUS_INVALID_ARGUMENT;
			error = VT_EINVAL;
			snprintf(msg, sizeof(msg), "%s: cannot decompress the request", c.path);
			goto finish;
		}
		c.request = grpc_byte_buffer_reader_readall(&r);
		grpc_byte_buffer_reader_destroy(&r);
		c.has_request = 1;
	}
	if (s->m->kind != VT_RPC_UNARY && vt_rpc_start_close(&c) < 0) {
		st = GRPC_STATUS_INTERNAL;
		error = VT_ERROR;
		snprintf(msg, sizeof(msg), "%s", vt_error_last());
		goto finish;
	}

	vt_error_clear();
	error = s->m->handler(&c, s->m->ctx);
	if (error > 0)
		error = 0;
	if (atomic_load(&c.forced) == 1) {
		st = c.forced_status;
		error = c.forced_error;
		snprintf(msg, sizeof(msg), "%s", c.forced_msg);
	} else if ((over = atomic_load(&c.over)) != 0) {
		/* The call ended under the handler (cancelled, deadline, peer
		 * gone): no status reaches the client; log what happened. */
		st = over == VT_ETIMEOUT ? GRPC_STATUS_DEADLINE_EXCEEDED : GRPC_STATUS_CANCELLED;
		if (error >= 0)
			error = over;
		snprintf(msg, sizeof(msg), "%s", *vt_error_last() ? vt_error_last() : "the call ended first");
	} else if (error < 0) {
		st = vt_rpc_status_of(error);
		snprintf(msg, sizeof(msg), "%s", *vt_error_last() ? vt_error_last() : vt_error_name(error));
	}

finish:
	finish(&c, st, error, msg);
	if (wants_log(srv, st)) {
		const char *shown = st == GRPC_STATUS_OK ? "" : msg;
		logf_(srv, "rpc %s from %s: %s%s%s%s%s [%.1f ms]", c.path, vt_rpc_call_peer(&c),
			vt_rpc_status_name(st), error < 0 ? " " : "", error < 0 ? vt_error_name(error) : "",
			*shown ? ": " : "", shown, now_ms() - t0);
	}
	if (c.has_request)
		grpc_slice_unref(c.request);
	if (c.response)
		grpc_byte_buffer_destroy(c.response);
	if (c.peer)
		gpr_free(c.peer);
	atomic_fetch_sub(&srv->active, 1);
}

static void *worker(void *arg)
{
	vt_rpc_server *srv = arg;
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(srv->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
		slot *s;
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		if (ev.tag == &srv->shutdown_tag) {
			pthread_mutex_lock(&srv->lock);
			srv->shutdown_done = 1;
			pthread_cond_broadcast(&srv->cond);
			pthread_mutex_unlock(&srv->lock);
			continue;
		}
		s = ev.tag;
		if (!ev.success) {
			/* a requested call that will not come (shutdown) */
			slot_put(srv, s);
			continue;
		}
		/* Replace the request first: while this handler runs, the
		 * method's next call goes to another worker. */
		if (!atomic_load(&srv->stopping) && request(srv, s->m) < 0)
			logf_(srv, "rpc: %s", vt_error_last());
		serve(srv, s);
		slot_put(srv, s);
	}
	return NULL;
}

/* ---- server life */

static void add_arg_int(grpc_arg *args, size_t *n, const char *key, int value)
{
	args[*n].type = GRPC_ARG_INTEGER;
	args[*n].key = (char *)key;
	args[*n].value.integer = value;
	(*n)++;
}

static int clamp_int(size_t v)
{
	return v > (size_t)INT32_MAX ? INT32_MAX : (int)v;
}

static int server_creds(grpc_server_credentials **out, const vt_rpc_server_opts *o)
{
	char *cert = NULL, *key = NULL, *ca = NULL;
	grpc_ssl_pem_key_cert_pair pair;
	grpc_ssl_client_certificate_request_type req = GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
	int error;

	*out = NULL;
	if (o->plaintext) {
		if (o->cert_file || o->key_file || o->client_ca_file)
			return vt_error_set(VT_EINVAL, "plaintext server given TLS files; choose one");
		if (!vt_rpc_addr_is_loopback(o->listen))
			return vt_error_set(VT_EINVAL, "refusing plaintext gRPC on %s: plaintext is allowed only on "
				"loopback (127.0.0.1, [::1], localhost); give cert_file and key_file for TLS", o->listen);
		*out = grpc_insecure_server_credentials_create();
		return 0;
	}
	if (!o->cert_file || !o->key_file)
		return vt_error_set(VT_EINVAL, "TLS needs cert_file and key_file (or plaintext on loopback)");
	if (o->require_client_cert && !o->client_ca_file)
		return vt_error_set(VT_EINVAL, "require_client_cert needs client_ca_file to verify clients against");
	if ((error = vt_rpc_pem_read(&cert, o->cert_file, "certificate")) < 0 ||
	    (error = vt_rpc_pem_read(&key, o->key_file, "key")) < 0 ||
	    (error = vt_rpc_pem_check_pair(cert, key, o->cert_file, o->key_file)) < 0)
		goto out;
	if (o->client_ca_file) {
		if ((error = vt_rpc_pem_read(&ca, o->client_ca_file, "certificate")) < 0)
			goto out;
		req = o->require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY :
			GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
	}
	pair.private_key = key;
	pair.cert_chain = cert;
	/* gRPC copies the PEM strings. */
	if (!(*out = grpc_ssl_server_credentials_create_ex(ca, &pair, 1, req, NULL)))
		error = vt_error_set(VT_EINVAL, "gRPC refused the TLS certificate %s", o->cert_file);
out:
	vt_rpc_pem_free(cert);
	vt_rpc_pem_free(key);
	vt_rpc_pem_free(ca);
	return error;
}

int vt_rpc_server_new(vt_rpc_server **out, const vt_rpc_server_opts *o)
{
	vt_rpc_server *srv = NULL;
	grpc_server_credentials *creds = NULL;
	grpc_arg args[16];
	grpc_channel_args cargs;
	pthread_condattr_t ca;
	size_t n = 0;
	int error = 0, idle, handshake, streams;

	*out = NULL;
	if (!o || !o->listen || !*o->listen)
		return vt_error_set(VT_EINVAL, "no listen address");
	if (strlen(o->listen) >= VT_RPC_MAX_PATH)
		return vt_error_set(VT_EINVAL, "listen address too long");
	if (o->workers < 0 || o->workers > 4096)
		return vt_error_set(VT_EINVAL, "workers must be 1..4096");
	if (!(srv = calloc(1, sizeof(*srv))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	grpc_init();
	pthread_mutex_init(&srv->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->cond, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&srv->stopping, 0);
	atomic_init(&srv->cancelling, 0);
	atomic_init(&srv->active, 0);
	srv->state = S_NEW;
	snprintf(srv->listen, sizeof(srv->listen), "%s", o->listen);
	srv->nworkers = o->workers ? o->workers : DEFAULT_WORKERS;
	srv->max_recv = o->max_recv ? o->max_recv : VT_RPC_DEFAULT_MAX_RECV;
	srv->stall_ms = o->stall_ms ? o->stall_ms : DEFAULT_STALL_MS;
	srv->log_level = o->log_level ? o->log_level : VT_RPC_LOG_FAILED;
	srv->log = o->log;
	srv->log_ctx = o->log_ctx;
	idle = o->idle_ms > 0 ? o->idle_ms : DEFAULT_IDLE_MS;
	handshake = o->handshake_ms > 0 ? o->handshake_ms : DEFAULT_HANDSHAKE_MS;
	streams = o->max_streams > 0 ? o->max_streams : DEFAULT_MAX_STREAMS;

	if ((error = server_creds(&creds, o)) < 0)
		goto out;
	/* A second server on the same port must fail, not share it. */
	add_arg_int(args, &n, GRPC_ARG_ALLOW_REUSEPORT, 0);
	add_arg_int(args, &n, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, clamp_int(srv->max_recv));
	/* Idle connections (no calls) are closed; handshakes are bounded: a
	 * slow client cannot hold a connection open for free. */
	add_arg_int(args, &n, GRPC_ARG_MAX_CONNECTION_IDLE_MS, idle);
	add_arg_int(args, &n, GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, handshake);
	add_arg_int(args, &n, GRPC_ARG_MAX_CONCURRENT_STREAMS, streams);
	/* Dead peers of long calls are found by pings; clients may ping
	 * every 10 s while they have calls (ours ping every 30 s). */
	add_arg_int(args, &n, GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000);
	add_arg_int(args, &n, GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
	add_arg_int(args, &n, GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10 * 1000);
	cargs.num_args = n;
	cargs.args = args;
	if (!(srv->server = grpc_server_create(&cargs, NULL)) ||
	    !(srv->cq = grpc_completion_queue_create_for_next(NULL))) {
		error = vt_error_set(VT_ENOMEM, "cannot create the gRPC server");
		goto out;
	}
	grpc_server_register_completion_queue(srv->server, srv->cq, NULL);
	if (!(srv->port = grpc_server_add_http2_port(srv->server, o->listen, creds))) {
		error = vt_error_set(VT_EBUSY, "cannot listen on %s: in use, or not an address of this host",
			o->listen);
		goto out;
	}
	*out = srv;
	srv = NULL;
	error = (*out)->port;
out:
	if (creds)
		grpc_server_credentials_release(creds);
	if (srv) {
		char keep[1024];
		snprintf(keep, sizeof(keep), "%s", vt_error_last());
		vt_rpc_server_free(srv);
		vt_error_set(error, "%s", keep);
	}
	return error;
}

int vt_rpc_server_port(vt_rpc_server *srv)
{
	return srv->port;
}

int vt_rpc_server_active(vt_rpc_server *srv)
{
	return atomic_load(&srv->active);
}

int vt_rpc_server_add(vt_rpc_server *srv, const vt_rpc_method *m)
{
	method *nm;
	if (!m || !m->path || m->path[0] != '/' || strlen(m->path) >= VT_RPC_MAX_PATH || !strchr(m->path + 1, '/'))
		return vt_error_set(VT_EINVAL, "method path must look like /package.Service/Method");
	if (!m->handler || (unsigned)m->kind > VT_RPC_BIDI)
		return vt_error_set(VT_EINVAL, "%s: no handler or bad kind", m->path);
	if (srv->state != S_NEW)
		return vt_error_set(VT_EINVAL, "%s: methods are added before the server starts", m->path);
	for (size_t i = 0; i < srv->nmethods; i++)
		if (strcmp(srv->methods[i].path, m->path) == 0)
			return vt_error_set(VT_EEXISTS, "%s: added twice", m->path);
	if (srv->nmethods == srv->capmethods) {
		size_t cap = srv->capmethods ? 2 * srv->capmethods : 16;
		method *p = realloc(srv->methods, cap * sizeof(*p));
		if (!p)
			return vt_error_set(VT_ENOMEM, "out of memory");
		srv->methods = p;
		srv->capmethods = cap;
	}
	nm = &srv->methods[srv->nmethods];
	memset(nm, 0, sizeof(*nm));
	if (!(nm->path = strdup(m->path)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	nm->kind = m->kind;
	nm->handler = m->handler;
	nm->ctx = m->ctx;
	nm->max_request = m->max_request && m->max_request < srv->max_recv ? m->max_request : srv->max_recv;
	nm->stall_ms = m->stall_ms ? m->stall_ms : srv->stall_ms;
	nm->reg = grpc_server_register_method(srv->server, nm->path, NULL,
		has_payload(nm) ? GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER : GRPC_SRM_PAYLOAD_NONE, 0);
	if (!nm->reg) {
		free(nm->path);
		return vt_error_set(VT_EINVAL, "%s: gRPC refused to register it", m->path);
	}
	srv->nmethods++;
	return 0;
}

int vt_rpc_server_start(vt_rpc_server *srv)
{
	int error = 0;
	if (srv->state != S_NEW)
		return vt_error_set(VT_EINVAL, "the server was already started");
	if (!(srv->threads = calloc((size_t)srv->nworkers, sizeof(*srv->threads))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	grpc_server_start(srv->server);
	srv->state = S_RUNNING;
	for (int r = 0; r < REQUESTS_PER_METHOD; r++) {
		for (size_t i = 0; i < srv->nmethods; i++)
			if ((error = request(srv, &srv->methods[i])) < 0)
				return error;
		if ((error = request(srv, NULL)) < 0)
			return error;
	}
	for (int i = 0; i < srv->nworkers; i++) {
		if (pthread_create(&srv->threads[i], NULL, worker, srv) != 0)
			return vt_error_set(VT_ERROR, "cannot start worker thread %d of %d", i + 1, srv->nworkers);
		srv->nthreads++;
	}
	return 0;
}

/* Without workers: take queue events ourselves until the shutdown notice
 * (until_tag) or the end of the queue. */
static void drain(vt_rpc_server *srv, int until_tag)
{
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(srv->cq, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		if (ev.tag == &srv->shutdown_tag) {
			if (until_tag)
				break;
			continue;
		}
		slot_put(srv, ev.tag);
	}
}

int vt_rpc_server_shutdown(vt_rpc_server *srv, int grace_ms)
{
	int cancelled = 0, started;
	struct timespec until;

	pthread_mutex_lock(&srv->lock);
	if (srv->state == S_STOPPING || srv->state == S_STOPPED || !srv->server) {
		pthread_mutex_unlock(&srv->lock);
		return 0;
	}
	started = srv->state == S_RUNNING;
	srv->state = S_STOPPING;
	pthread_mutex_unlock(&srv->lock);
	atomic_store(&srv->stopping, 1);

	grpc_server_shutdown_and_notify(srv->server, srv->cq, &srv->shutdown_tag);
	if (!started || srv->nthreads == 0) {
		/* No workers to take the notice (or to run calls). */
		grpc_server_cancel_all_calls(srv->server);
		drain(srv, 1);
		goto stopped;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	if (grace_ms > 0) {
		until.tv_sec += grace_ms / 1000;
		until.tv_nsec += (long)(grace_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&srv->lock);
	while (!srv->shutdown_done && grace_ms != 0)
		if ((grace_ms > 0 ? pthread_cond_timedwait(&srv->cond, &srv->lock, &until) :
				    pthread_cond_wait(&srv->cond, &srv->lock)) != 0 &&
		    !srv->shutdown_done)
			break;
	if (!srv->shutdown_done) {
		/* Grace is over: cancel what runs; handlers see it in recv, send
		 * and vt_rpc_call_cancelled, and must return. */
		cancelled = atomic_load(&srv->active);
		atomic_store(&srv->cancelling, 1);
		pthread_mutex_unlock(&srv->lock);
		grpc_server_cancel_all_calls(srv->server);
		if (cancelled)
			logf_(srv, "rpc: shutdown of %s: grace of %d ms over, cancelled %d call(s)", srv->listen,
				grace_ms, cancelled);
		pthread_mutex_lock(&srv->lock);
		while (!srv->shutdown_done)
			pthread_cond_wait(&srv->cond, &srv->lock);
	}
	pthread_mutex_unlock(&srv->lock);
stopped:
	/* Nothing posts to the queue now: let the workers drain it and end,
	 * then destroy the server with no thread left inside gRPC calls. */
	grpc_completion_queue_shutdown(srv->cq);
	if (srv->nthreads == 0)
		drain(srv, 0);
	for (int i = 0; i < srv->nthreads; i++)
		pthread_join(srv->threads[i], NULL);
	srv->nthreads = 0;
	grpc_server_destroy(srv->server);
	srv->server = NULL;
	grpc_completion_queue_destroy(srv->cq);
	srv->cq = NULL;
	pthread_mutex_lock(&srv->lock);
	srv->state = S_STOPPED;
	pthread_mutex_unlock(&srv->lock);
	return cancelled;
}

void vt_rpc_server_free(vt_rpc_server *srv)
{
	if (!srv)
		return;
	if (srv->server)
		vt_rpc_server_shutdown(srv, 0);
	if (srv->cq) {
		/* vt_rpc_server_new failed before the server existed */
		grpc_completion_queue_shutdown(srv->cq);
		drain(srv, 0);
		grpc_completion_queue_destroy(srv->cq);
	}
	slots_free(srv);
	for (size_t i = 0; i < srv->nmethods; i++)
		free(srv->methods[i].path);
	free(srv->methods);
	free(srv->threads);
	pthread_cond_destroy(&srv->cond);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
	grpc_shutdown();
}
