/* Helpers for the benchmarks that drive the node over gRPC. */
#ifndef VT_BENCH_GRPC_H
#define VT_BENCH_GRPC_H

#include <pthread.h>

#include "bench.h"
#include "rpc.h"

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

#endif
