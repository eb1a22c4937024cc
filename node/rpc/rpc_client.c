/* gRPC client over the C core: blocking unary calls and streams. Each call
 * takes a PLUCK completion queue from the client's pool and waits on its
 * own tags, so many threads can call through one channel. */
#include "rpc/rpc_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_KEEPALIVE_MS (30 * 1000)

struct vt_rpc_client {
	grpc_channel *ch;
	pthread_mutex_t lock;         /* guards the queue pool */
	grpc_completion_queue **cqs;  /* idle PLUCK queues */
	size_t ncqs, capcqs;
};

/* Status fetch of a stream: NONE -> FETCHING (one thread waits for it)
 * -> DONE (the error and message are kept for every later step). */
enum status_state { ST_NONE, ST_FETCHING, ST_DONE };

struct vt_rpc_stream {
	vt_rpc_client *client;
	grpc_call *call;
	grpc_completion_queue *cq;
	char path[256];
	int closed_send;              /* send side (one thread) */
	pthread_mutex_t lock;         /* receive-side batches and what follows */
	pthread_cond_t cond;
	int got_md;                   /* RECV_INITIAL_METADATA was asked for */
	int recv_end;                 /* no more messages */
	int recv_busy;                /* a vt_rpc_stream_recv is waiting */
	int draining;                 /* the status fetch discards messages */
	grpc_metadata_array md;       /* initial metadata from the server */
	enum status_state st;
	grpc_status_code status;
	int error;
	char msg[1024];
	char send_tag, recv_tag, status_tag;
};

static _Thread_local grpc_status_code last_status = GRPC_STATUS_OK;

grpc_status_code vt_rpc_last_status(void)
{
	return last_status;
}

/* ---- queue pool */

static grpc_completion_queue *cq_get(vt_rpc_client *c)
{
	grpc_completion_queue *cq = NULL;
	pthread_mutex_lock(&c->lock);
	if (c->ncqs)
		cq = c->cqs[--c->ncqs];
	pthread_mutex_unlock(&c->lock);
	return cq ? cq : grpc_completion_queue_create_for_pluck(NULL);
}

/* Only for queues with nothing pending: every batch started was plucked. */
static void cq_put(vt_rpc_client *c, grpc_completion_queue *cq)
{
	pthread_mutex_lock(&c->lock);
	if (c->ncqs == c->capcqs) {
		size_t cap = c->capcqs ? 2 * c->capcqs : 16;
		grpc_completion_queue **p = realloc(c->cqs, cap * sizeof(*p));
		if (p) {
			c->cqs = p;
			c->capcqs = cap;
		}
	}
	if (c->ncqs < c->capcqs) {
		c->cqs[c->ncqs++] = cq;
		cq = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	if (cq) {
		grpc_completion_queue_shutdown(cq);
		grpc_completion_queue_destroy(cq);
	}
}

static int pluck(grpc_completion_queue *cq, void *tag)
{
	grpc_event ev = grpc_completion_queue_pluck(cq, tag, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
	return ev.type == GRPC_OP_COMPLETE && ev.success;
}

/* ---- client */

int vt_rpc_client_new(vt_rpc_client **out, const char *target, const vt_rpc_client_opts *o)
{
	static const vt_rpc_client_opts none = { 0 };
	vt_rpc_client *c = NULL;
	grpc_channel_credentials *creds = NULL;
	grpc_ssl_pem_key_cert_pair pair;
	char *ca = NULL, *cert = NULL, *key = NULL;
	grpc_arg args[8];
	grpc_channel_args cargs;
	size_t n = 0, max_recv;
	int error = 0;

	*out = NULL;
	if (!o)
		o = &none;
	if (!target || !*target)
		return vt_error_set(VT_EINVAL, "no target address");
	if (o->plaintext) {
		if (!vt_rpc_addr_is_loopback(target))
			return vt_error_set(VT_EINVAL, "refusing plaintext gRPC to %s: plaintext is allowed only to "
				"loopback (127.0.0.1, [::1], localhost); give ca_file for TLS", target);
		if (o->ca_file || o->cert_file || o->key_file)
			return vt_error_set(VT_EINVAL, "plaintext client given TLS files; choose one");
	}
	if (!o->cert_file != !o->key_file)
		return vt_error_set(VT_EINVAL, "a client certificate needs both cert_file and key_file");
	if (!(c = calloc(1, sizeof(*c))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	pthread_mutex_init(&c->lock, NULL);
	grpc_init();

	if (o->plaintext) {
		creds = grpc_insecure_credentials_create();
	} else {
		if (o->ca_file && (error = vt_rpc_pem_read(&ca, o->ca_file, "certificate")) < 0)
			goto out;
		if (o->cert_file) {
			if ((error = vt_rpc_pem_read(&cert, o->cert_file, "certificate")) < 0 ||
			    (error = vt_rpc_pem_read(&key, o->key_file, "key")) < 0 ||
			    (error = vt_rpc_pem_check_pair(cert, key, o->cert_file, o->key_file)) < 0)
				goto out;
			pair.private_key = key;
			pair.cert_chain = cert;
		}
		/* gRPC copies the PEM strings; NULL roots: the system's. */
		creds = grpc_ssl_credentials_create(ca, cert ? &pair : NULL, NULL, NULL);
	}
	if (!creds) {
		error = vt_error_set(VT_EINVAL, "gRPC refused the client credentials");
		goto out;
	}
	max_recv = o->max_recv ? o->max_recv : VT_RPC_DEFAULT_MAX_RECV;
	args[n].type = GRPC_ARG_INTEGER;
	args[n].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	args[n++].value.integer = max_recv > (size_t)INT32_MAX ? INT32_MAX : (int)max_recv;
	/* Long calls (replication streams) notice a dead server. */
	args[n].type = GRPC_ARG_INTEGER;
	args[n].key = GRPC_ARG_KEEPALIVE_TIME_MS;
	args[n++].value.integer = o->keepalive_ms > 0 ? o->keepalive_ms : DEFAULT_KEEPALIVE_MS;
	args[n].type = GRPC_ARG_INTEGER;
	args[n].key = GRPC_ARG_KEEPALIVE_TIMEOUT_MS;
	args[n++].value.integer = 10 * 1000;
	/* One connection per client, closed with it (not gRPC's global pool). */
	args[n].type = GRPC_ARG_INTEGER;
	args[n].key = GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
	args[n++].value.integer = 1;
	if (o->server_name) {
		args[n].type = GRPC_ARG_STRING;
		args[n].key = GRPC_SSL_TARGET_NAME_OVERRIDE_ARG;
		args[n++].value.string = (char *)o->server_name;
	}
	cargs.num_args = n;
	cargs.args = args;
	if (!(c->ch = grpc_channel_create(target, creds, &cargs))) {
		error = vt_error_set(VT_EINVAL, "cannot create a channel to %s", target);
		goto out;
	}
	*out = c;
	c = NULL;
out:
	if (creds)
		grpc_channel_credentials_release(creds);
	vt_rpc_pem_free(ca);
	vt_rpc_pem_free(cert);
	vt_rpc_pem_free(key);
	if (c)
		vt_rpc_client_free(c);
	return error;
}

void vt_rpc_client_free(vt_rpc_client *c)
{
	if (!c)
		return;
	if (c->ch)
		grpc_channel_destroy(c->ch);
	for (size_t i = 0; i < c->ncqs; i++) {
		grpc_completion_queue_shutdown(c->cqs[i]);
		grpc_completion_queue_destroy(c->cqs[i]);
	}
	free(c->cqs);
	pthread_mutex_destroy(&c->lock);
	free(c);
	grpc_shutdown();
}

/* ---- calls */

/* The vanthu error for a finished call (0 for OK), with the message
 * "STATUS: details"; a vanthu server's vt-error trailer gives the code. */
static int status_error(grpc_status_code st, grpc_slice details, const char *debug,
	const grpc_metadata_array *trailers)
{
	const grpc_slice *v;
	int error;
	size_t n;

	last_status = st;
	if (st == GRPC_STATUS_OK)
		return 0;
	error = vt_rpc_error_of(st);
	if ((v = vt_rpc_md_find(trailers, VT_RPC_TRAILER_ERROR)) && GRPC_SLICE_LENGTH(*v) < 8) {
		char num[8];
		long code;
		memcpy(num, GRPC_SLICE_START_PTR(*v), GRPC_SLICE_LENGTH(*v));
		num[GRPC_SLICE_LENGTH(*v)] = '\0';
		code = strtol(num, NULL, 10);
		/* Trust it only where it agrees with the status. */
		if (code < 0 && code > -1000 && strcmp(vt_error_name((int)code), "EUNKNOWN") != 0 &&
		    vt_rpc_status_of((int)code) == st)
			error = (int)code;
	}
	n = GRPC_SLICE_LENGTH(details);
	if (n)
		return vt_error_set(error, "%s: %.*s", vt_rpc_status_name(st), (int)(n > 900 ? 900 : n),
			(const char *)GRPC_SLICE_START_PTR(details));
	return vt_error_set(error, "%s: %s", vt_rpc_status_name(st), debug ? debug : "no details");
}

/* Copies metadata into slices of our own (gRPC may hold them past the
 * batch), after checking them. */
static int md_build(grpc_metadata **out, const vt_rpc_md *md, size_t nmd)
{
	grpc_metadata *m;
	int error;
	*out = NULL;
	if (!nmd)
		return 0;
	if ((error = vt_rpc_md_check(md, nmd)) < 0)
		return error;
	if (!(m = calloc(nmd, sizeof(*m))))
		return vt_error_set(VT_ENOMEM, "out of memory");
	for (size_t i = 0; i < nmd; i++) {
		m[i].key = grpc_slice_from_copied_string(md[i].key);
		m[i].value = grpc_slice_from_copied_string(md[i].value);
	}
	*out = m;
	return 0;
}

static void md_free(grpc_metadata *m, size_t nmd)
{
	if (!m)
		return;
	for (size_t i = 0; i < nmd; i++) {
		grpc_slice_unref(m[i].key);
		grpc_slice_unref(m[i].value);
	}
	free(m);
}

static grpc_call *call_new(vt_rpc_client *c, grpc_completion_queue *cq, const char *path, int timeout_ms)
{
	grpc_slice method = grpc_slice_from_copied_string(path);
	grpc_call *call = grpc_channel_create_call(c->ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, method, NULL,
		vt_rpc_deadline_in(timeout_ms), NULL);
	grpc_slice_unref(method);
	return call;
}

int vt_rpc_unary(vt_rpc_client *c, const char *path, const vt_rpc_md *md, size_t nmd, const void *req,
	size_t req_len, int timeout_ms, vt_rpc_buf *resp)
{
	grpc_completion_queue *cq = NULL;
	grpc_call *call = NULL;
	grpc_metadata *m = NULL;
	grpc_byte_buffer *send = NULL, *recv = NULL;
	grpc_metadata_array imd, trailers;
	grpc_status_code st = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	const char *debug = NULL;
	grpc_op ops[6];
	grpc_call_error e;
	int error = 0;

	resp->data = NULL;
	resp->len = 0;
	grpc_metadata_array_init(&imd);
	grpc_metadata_array_init(&trailers);
	last_status = GRPC_STATUS_UNKNOWN;
	if (!path || path[0] != '/')
		return vt_error_set(VT_EINVAL, "method path must start with /");
	if ((error = md_build(&m, md, nmd)) < 0)
		goto out;
	if (!(send = vt_rpc_bb_new(req, req_len)) || !(cq = cq_get(c)) ||
	    !(call = call_new(c, cq, path, timeout_ms))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].data.send_initial_metadata.count = nmd;
	ops[0].data.send_initial_metadata.metadata = m;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = send;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &imd;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &recv;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &trailers;
	ops[5].data.recv_status_on_client.status = &st;
	ops[5].data.recv_status_on_client.status_details = &details;
	ops[5].data.recv_status_on_client.error_string = &debug;
	if ((e = grpc_call_start_batch(call, ops, 6, call, NULL)) != GRPC_CALL_OK) {
		error = vt_error_set(VT_ERROR, "%s: %s", path, grpc_call_error_to_string(e));
		goto out;
	}
	pluck(cq, call); /* RECV_STATUS makes the batch succeed; st says how */
	if ((error = status_error(st, details, debug, &trailers)) < 0)
		goto out;
	if (!recv) {
		error = vt_error_set(VT_ERROR, "%s: the server answered OK without a message", path);
		goto out;
	}
	error = vt_rpc_buf_from(resp, recv);
out:
	if (call)
		grpc_call_unref(call);
	if (cq)
		cq_put(c, cq);
	if (send)
		grpc_byte_buffer_destroy(send);
	if (recv)
		grpc_byte_buffer_destroy(recv);
	if (debug)
		gpr_free((void *)debug);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&imd);
	grpc_metadata_array_destroy(&trailers);
	md_free(m, nmd);
	return error;
}

/* ---- streams */

/* Starts a receive-side batch for the next message (with the initial
 * metadata the first time); s->lock held. */
static grpc_call_error start_recv(vt_rpc_stream *s, grpc_byte_buffer **bb)
{
	grpc_op ops[2];
	grpc_call_error e;
	size_t n = 0;
	memset(ops, 0, sizeof(ops));
	if (!s->got_md) {
		ops[n].op = GRPC_OP_RECV_INITIAL_METADATA;
		ops[n++].data.recv_initial_metadata.recv_initial_metadata = &s->md;
	}
	ops[n].op = GRPC_OP_RECV_MESSAGE;
	ops[n++].data.recv_message.recv_message = bb;
	if ((e = grpc_call_start_batch(s->call, ops, n, &s->recv_tag, NULL)) == GRPC_CALL_OK)
		s->got_md = 1;
	return e;
}

/* The call's status, fetched once; any thread may ask. gRPC gives the
 * status only after every message was read, so when no thread is reading
 * the messages left are read here and dropped. */
static int stream_status(vt_rpc_stream *s)
{
	int error;
	pthread_mutex_lock(&s->lock);
	while (s->st == ST_FETCHING)
		pthread_cond_wait(&s->cond, &s->lock);
	if (s->st == ST_NONE) {
		grpc_metadata_array trailers;
		grpc_slice details = grpc_empty_slice();
		const char *debug = NULL;
		grpc_status_code st = GRPC_STATUS_UNKNOWN;
		grpc_op ops[2];
		grpc_call_error e = GRPC_CALL_OK;
		size_t n = 0;

		s->st = ST_FETCHING;
		while (!s->recv_busy && !s->recv_end) {
			grpc_byte_buffer *bb = NULL;
			int ok;
			s->draining = 1;
			if (start_recv(s, &bb) != GRPC_CALL_OK)
				break;
			pthread_mutex_unlock(&s->lock);
			ok = pluck(s->cq, &s->recv_tag);
			pthread_mutex_lock(&s->lock);
			if (bb)
				grpc_byte_buffer_destroy(bb);
			else
				s->recv_end = 1;
			if (!ok)
				s->recv_end = 1;
		}
		s->draining = 0;
		grpc_metadata_array_init(&trailers);
		memset(ops, 0, sizeof(ops));
		if (!s->got_md) {
			/* as one must, once per call */
			ops[n].op = GRPC_OP_RECV_INITIAL_METADATA;
			ops[n++].data.recv_initial_metadata.recv_initial_metadata = &s->md;
			s->got_md = 1;
		}
		ops[n].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
		ops[n].data.recv_status_on_client.trailing_metadata = &trailers;
		ops[n].data.recv_status_on_client.status = &st;
		ops[n].data.recv_status_on_client.status_details = &details;
		ops[n++].data.recv_status_on_client.error_string = &debug;
		e = grpc_call_start_batch(s->call, ops, n, &s->status_tag, NULL);
		pthread_mutex_unlock(&s->lock);
		if (e == GRPC_CALL_OK) {
			pluck(s->cq, &s->status_tag);
			error = status_error(st, details, debug, &trailers);
		} else {
			last_status = GRPC_STATUS_UNKNOWN;
			error = vt_error_set(VT_ERROR, "%s: cannot read the status: %s", s->path,
				grpc_call_error_to_string(e));
		}
		pthread_mutex_lock(&s->lock);
		s->status = e == GRPC_CALL_OK ? st : GRPC_STATUS_UNKNOWN;
		s->error = error;
		snprintf(s->msg, sizeof(s->msg), "%s", error < 0 ? vt_error_last() : "");
		s->st = ST_DONE;
		pthread_cond_broadcast(&s->cond);
		if (debug)
			gpr_free((void *)debug);
		grpc_slice_unref(details);
		grpc_metadata_array_destroy(&trailers);
	}
	error = s->error;
	last_status = s->status;
	if (error < 0)
		vt_error_set(error, "%s", s->msg);
	pthread_mutex_unlock(&s->lock);
	return error;
}

int vt_rpc_stream_open(vt_rpc_stream **out, vt_rpc_client *c, const char *path, const vt_rpc_md *md,
	size_t nmd, int timeout_ms)
{
	vt_rpc_stream *s = NULL;
	grpc_metadata *m = NULL;
	grpc_op op;
	int error = 0;

	*out = NULL;
	last_status = GRPC_STATUS_UNKNOWN;
	if (!path || path[0] != '/' || strlen(path) >= sizeof(s->path))
		return vt_error_set(VT_EINVAL, "method path must start with / (and be short)");
	if ((error = md_build(&m, md, nmd)) < 0)
		return error;
	if (!(s = calloc(1, sizeof(*s)))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	s->client = c;
	snprintf(s->path, sizeof(s->path), "%s", path);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	grpc_metadata_array_init(&s->md);
	if (!(s->cq = cq_get(c)) || !(s->call = call_new(c, s->cq, path, timeout_ms))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_INITIAL_METADATA;
	op.data.send_initial_metadata.count = nmd;
	op.data.send_initial_metadata.metadata = m;
	if (grpc_call_start_batch(s->call, &op, 1, &s->send_tag, NULL) != GRPC_CALL_OK) {
		error = vt_error_set(VT_ERROR, "%s: cannot start the call", path);
		goto out;
	}
	/* Completes once the call reached the server's connection (or failed:
	 * unreachable, TLS refused). */
	if (!pluck(s->cq, &s->send_tag)) {
		if ((error = stream_status(s)) == 0)
			error = vt_error_set(VT_ERROR, "%s: the call ended at once", path);
		goto out;
	}
	*out = s;
	s = NULL;
out:
	md_free(m, nmd);
	vt_rpc_stream_free(s);
	return error;
}

/* The call ended under a send or recv: its error (or a generic one). */
static int stream_over(vt_rpc_stream *s, const char *what)
{
	int error = stream_status(s);
	if (error == 0)
		error = vt_error_set(VT_ERROR, "%s: %s failed though the call ended OK", s->path, what);
	return error;
}

int vt_rpc_stream_send(vt_rpc_stream *s, const void *data, size_t len)
{
	grpc_byte_buffer *bb;
	grpc_op op;
	int ok;

	if (s->closed_send)
		return vt_error_set(VT_EINVAL, "%s: send after close_send", s->path);
	if (!(bb = vt_rpc_bb_new(data, len)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_MESSAGE;
	op.data.send_message.send_message = bb;
	if (grpc_call_start_batch(s->call, &op, 1, &s->send_tag, NULL) != GRPC_CALL_OK) {
		grpc_byte_buffer_destroy(bb);
		return vt_error_set(VT_ERROR, "%s: send while another send is in flight", s->path);
	}
	ok = pluck(s->cq, &s->send_tag);
	grpc_byte_buffer_destroy(bb);
	return ok ? 0 : stream_over(s, "send");
}

int vt_rpc_stream_close_send(vt_rpc_stream *s)
{
	grpc_op op;
	if (s->closed_send)
		return 0;
	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	if (grpc_call_start_batch(s->call, &op, 1, &s->send_tag, NULL) != GRPC_CALL_OK)
		return vt_error_set(VT_ERROR, "%s: close_send while a send is in flight", s->path);
	s->closed_send = 1;
	return pluck(s->cq, &s->send_tag) ? 0 : stream_over(s, "close_send");
}

int vt_rpc_stream_recv(vt_rpc_stream *s, vt_rpc_buf *msg)
{
	grpc_byte_buffer *bb = NULL;
	grpc_call_error e;
	int ok, error;

	msg->data = NULL;
	msg->len = 0;
	pthread_mutex_lock(&s->lock);
	if (s->recv_end || s->draining) {
		pthread_mutex_unlock(&s->lock);
		return stream_status(s);
	}
	if ((e = start_recv(s, &bb)) == GRPC_CALL_OK)
		s->recv_busy = 1;
	pthread_mutex_unlock(&s->lock);
	if (e != GRPC_CALL_OK)
		return vt_error_set(VT_ERROR, "%s: recv while another recv is in flight", s->path);
	ok = pluck(s->cq, &s->recv_tag);
	pthread_mutex_lock(&s->lock);
	s->recv_busy = 0;
	if (!ok || !bb)
		s->recv_end = 1;
	pthread_mutex_unlock(&s->lock);
	if (ok && bb) {
		error = vt_rpc_buf_from(msg, bb);
		grpc_byte_buffer_destroy(bb);
		return error < 0 ? error : 1;
	}
	if (bb)
		grpc_byte_buffer_destroy(bb);
	/* No message: the server sent its status. */
	return ok ? stream_status(s) : stream_over(s, "recv");
}

int vt_rpc_stream_finish(vt_rpc_stream *s)
{
	return stream_status(s);
}

grpc_status_code vt_rpc_stream_status(vt_rpc_stream *s)
{
	grpc_status_code st;
	pthread_mutex_lock(&s->lock);
	st = s->st == ST_DONE ? s->status : GRPC_STATUS_UNKNOWN;
	pthread_mutex_unlock(&s->lock);
	return st;
}

void vt_rpc_stream_cancel(vt_rpc_stream *s)
{
	if (s && s->call)
		grpc_call_cancel(s->call, NULL);
}

void vt_rpc_stream_free(vt_rpc_stream *s)
{
	if (!s)
		return;
	if (s->call) {
		if (s->st != ST_DONE)
			grpc_call_cancel(s->call, NULL);
		grpc_call_unref(s->call);
	}
	if (s->cq)
		cq_put(s->client, s->cq);
	grpc_metadata_array_destroy(&s->md);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
