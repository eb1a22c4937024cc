/* What a handler calls on its call: the request, recv and send (batches
 * whose completion it plucks from the call's own queue, so they block),
 * the response, metadata, the peer and its certificate, deadline and
 * cancellation. */
#include "rpc/rpc_int.h"

#include <stdio.h>
#include <string.h>

static int deadline_passed(const vt_rpc_call *c)
{
	return gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), c->deadline) >= 0;
}

/* Waits for the batch tagged tag. Past the stall limit the call is
 * cancelled, which ends the batch at once. Returns the batch's success. */
int vt_rpc_wait_tag(vt_rpc_call *c, void *tag)
{
	gpr_timespec limit = vt_rpc_deadline_in(c->stall_ms > 0 ? c->stall_ms : 0);
	grpc_event ev = grpc_completion_queue_pluck(c->cq, tag, limit, NULL);
	if (ev.type == GRPC_QUEUE_TIMEOUT) {
		atomic_store(&c->stalled, 1);
		grpc_call_cancel_with_status(c->call, GRPC_STATUS_DEADLINE_EXCEEDED, "peer made no progress", NULL);
		ev = grpc_completion_queue_pluck(c->cq, tag, gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
	}
	return ev.type == GRPC_OP_COMPLETE && ev.success;
}

/* Fails the call with status now (the handler's result no longer counts). */
static int force(vt_rpc_call *c, grpc_status_code st, int error, const char *msg)
{
	int expected = 0;
	if (atomic_compare_exchange_strong(&c->forced, &expected, -1)) {
		c->forced_status = st;
		c->forced_error = error;
		snprintf(c->forced_msg, sizeof(c->forced_msg), "%s", msg);
		atomic_store(&c->forced, 1);
	}
	return vt_error_set(error, "%s", msg);
}

/* The call ended under recv/send: says why, once, for all later steps. */
static int call_over(vt_rpc_call *c)
{
	int error;
	if (atomic_load(&c->stalled))
		error = vt_error_set(VT_ETIMEOUT, "%s: the client made no progress for %d ms", c->path,
			c->stall_ms);
	else if (deadline_passed(c))
		error = vt_error_set(VT_ETIMEOUT, "%s: deadline exceeded", c->path);
	else if (atomic_load(&c->srv->cancelling))
		error = vt_error_set(VT_ERROR, "%s: cancelled, the server is shutting down", c->path);
	else
		error = vt_error_set(VT_ERROR, "%s: cancelled by the client or connection lost", c->path);
	atomic_store(&c->over, error);
	return error;
}

static int over_again(vt_rpc_call *c)
{
	int error = atomic_load(&c->over);
	if (atomic_load(&c->forced) == 1)
		return vt_error_set(c->forced_error, "%s", c->forced_msg);
	if (error == VT_ETIMEOUT)
		return vt_error_set(error, "%s: deadline exceeded or client stalled", c->path);
	return vt_error_set(error, "%s: the call is over (cancelled or connection lost)", c->path);
}

int vt_rpc_start_close(vt_rpc_call *c)
{
	grpc_op op = { 0 };
	op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	op.data.recv_close_on_server.cancelled = &c->close_cancelled;
	if (grpc_call_start_batch(c->call, &op, 1, &c->close_tag, NULL) != GRPC_CALL_OK)
		return vt_error_set(VT_ERROR, "%s: cannot watch for cancellation", c->path);
	c->close_started = 1;
	return 0;
}

int vt_rpc_call_request(vt_rpc_call *c, const uint8_t **data, size_t *len)
{
	if (!c->has_request) {
		*data = NULL;
		*len = 0;
		return vt_error_set(VT_EINVAL, "%s: a streaming request has no single message", c->path);
	}
	*data = GRPC_SLICE_START_PTR(c->request);
	*len = GRPC_SLICE_LENGTH(c->request);
	return 0;
}

int vt_rpc_call_recv(vt_rpc_call *c, vt_rpc_buf *msg)
{
	grpc_byte_buffer *bb = NULL;
	grpc_op op = { 0 };
	size_t len;
	int ok, error;

	msg->data = NULL;
	msg->len = 0;
	if (c->m->kind != VT_RPC_CLIENT_STREAM && c->m->kind != VT_RPC_BIDI)
		return vt_error_set(VT_EINVAL, "%s: recv on a call whose client does not stream", c->path);
	if (atomic_load(&c->over))
		return over_again(c);
	if (c->recv_end)
		return 0;
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &bb;
	if (grpc_call_start_batch(c->call, &op, 1, &c->recv_tag, NULL) != GRPC_CALL_OK)
		return vt_error_set(VT_ERROR, "%s: recv while another recv is in flight", c->path);
	ok = vt_rpc_wait_tag(c, &c->recv_tag);
	if (!ok || !bb) {
		if (bb)
			grpc_byte_buffer_destroy(bb);
		/* A NULL message is the end of the stream only when the call did
		 * not fail first (cancel, deadline, lost connection). */
		if (ok && !grpc_call_failed_before_recv_message(c->call) && !atomic_load(&c->stalled)) {
			c->recv_end = 1;
			return 0;
		}
		return call_over(c);
	}
	len = grpc_byte_buffer_length(bb);
	if (len > c->m->max_request) {
		char why[sizeof(c->forced_msg)];
		grpc_byte_buffer_destroy(bb);
		snprintf(why, sizeof(why), "%s: a message of %zu bytes is over the limit of %zu", c->path, len,
			c->m->max_request);
		/* The call stays up: the handler returns and finish sends this
		 * status with its vt-error trailer. */
		error = force(c, GRPC_STATUS_RESOURCE_EXHAUSTED, VT_ETOOBIG, why);
		atomic_store(&c->over, error);
		return error;
	}
	error = vt_rpc_buf_from(msg, bb);
	grpc_byte_buffer_destroy(bb);
	return error < 0 ? error : 1;
}

int vt_rpc_call_send(vt_rpc_call *c, const void *data, size_t len)
{
	grpc_op ops[2];
	grpc_byte_buffer *bb;
	size_t n = 0;
	int ok;

	if (c->m->kind != VT_RPC_SERVER_STREAM && c->m->kind != VT_RPC_BIDI)
		return vt_error_set(VT_EINVAL, "%s: send on a call that answers once (use set_response)", c->path);
	if (atomic_load(&c->over))
		return over_again(c);
	if (!(bb = vt_rpc_bb_new(data, len)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	memset(ops, 0, sizeof(ops));
	if (!c->md_sent) {
		ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	}
	ops[n].op = GRPC_OP_SEND_MESSAGE;
	ops[n++].data.send_message.send_message = bb;
	if (grpc_call_start_batch(c->call, ops, n, &c->send_tag, NULL) != GRPC_CALL_OK) {
		grpc_byte_buffer_destroy(bb);
		return vt_error_set(VT_ERROR, "%s: send while another send is in flight", c->path);
	}
	c->md_sent = 1;
	ok = vt_rpc_wait_tag(c, &c->send_tag);
	grpc_byte_buffer_destroy(bb);
	return ok ? 0 : call_over(c);
}

int vt_rpc_call_set_response(vt_rpc_call *c, const void *data, size_t len)
{
	grpc_byte_buffer *bb;
	if (c->m->kind != VT_RPC_UNARY && c->m->kind != VT_RPC_CLIENT_STREAM)
		return vt_error_set(VT_EINVAL, "%s: a streaming response is sent with vt_rpc_call_send", c->path);
	if (!(bb = vt_rpc_bb_new(data, len)))
		return vt_error_set(VT_ENOMEM, "out of memory");
	if (c->response)
		grpc_byte_buffer_destroy(c->response);
	c->response = bb;
	return 0;
}

const char *vt_rpc_call_metadata(vt_rpc_call *c, const char *key)
{
	const grpc_slice *v = vt_rpc_md_find(&c->s->md, key);
	char *out;
	size_t n;
	if (!v)
		return NULL;
	/* NUL-terminated copy in the call's arena, freed with the call. */
	n = GRPC_SLICE_LENGTH(*v);
	if (!(out = grpc_call_arena_alloc(c->call, n + 1)))
		return NULL;
	memcpy(out, GRPC_SLICE_START_PTR(*v), n);
	out[n] = '\0';
	return out;
}

const char *vt_rpc_call_peer(vt_rpc_call *c)
{
	if (!c->peer)
		c->peer = grpc_call_get_peer(c->call);
	return c->peer ? c->peer : "unknown";
}

const char *vt_rpc_call_method(vt_rpc_call *c)
{
	return c->path;
}

int vt_rpc_call_peer_identity(vt_rpc_call *c, char *out, size_t cap)
{
	grpc_auth_context *ctx = grpc_call_auth_context(c->call);
	grpc_auth_property_iterator it;
	const grpc_auth_property *p = NULL;
	int error = 0;

	if (cap)
		out[0] = '\0';
	if (!ctx || !grpc_auth_context_peer_is_authenticated(ctx)) {
		error = vt_error_set(VT_EAUTH, "%s: the client presented no verified certificate", c->path);
		goto out;
	}
	it = grpc_auth_context_find_properties_by_name(ctx, GRPC_X509_CN_PROPERTY_NAME);
	if (!(p = grpc_auth_property_iterator_next(&it))) {
		it = grpc_auth_context_find_properties_by_name(ctx, GRPC_X509_SAN_PROPERTY_NAME);
		p = grpc_auth_property_iterator_next(&it);
	}
	if (!p || !p->value || !p->value_length || memchr(p->value, '\0', p->value_length)) {
		error = vt_error_set(VT_EAUTH, "%s: the client certificate names no subject", c->path);
		goto out;
	}
	if (p->value_length >= cap) {
		error = vt_error_set(VT_ETOOBIG, "%s: client certificate name over %zu bytes", c->path, cap);
		goto out;
	}
	memcpy(out, p->value, p->value_length);
	out[p->value_length] = '\0';
out:
	if (ctx)
		grpc_auth_context_release(ctx);
	return error;
}

int vt_rpc_call_deadline_passed(vt_rpc_call *c)
{
	return deadline_passed(c);
}

int64_t vt_rpc_call_time_left_ms(vt_rpc_call *c)
{
	gpr_timespec left;
	if (c->deadline.tv_sec == INT64_MAX)
		return -1;
	left = gpr_time_sub(c->deadline, gpr_now(GPR_CLOCK_MONOTONIC));
	if (left.tv_sec < 0)
		return 0;
	return (int64_t)left.tv_sec * 1000 + left.tv_nsec / 1000000;
}

int vt_rpc_call_cancelled(vt_rpc_call *c)
{
	if (deadline_passed(c) || atomic_load(&c->over))
		return 1;
	if (!c->close_started && vt_rpc_start_close(c) < 0)
		return 0;
	if (!atomic_load(&c->close_done)) {
		grpc_event ev = grpc_completion_queue_pluck(c->cq, &c->close_tag, gpr_inf_past(GPR_CLOCK_MONOTONIC),
			NULL);
		if (ev.type == GRPC_OP_COMPLETE)
			atomic_store(&c->close_done, 1);
	}
	return atomic_load(&c->close_done) && c->close_cancelled;
}

