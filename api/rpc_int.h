/* Internals shared by rpc.c, rpc_server.c and rpc_client.c. */
#ifndef VT_RPC_INT_H
#define VT_RPC_INT_H

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "rpc.h"

/* Trailer in which a vanthu server sends the exact VT_E* code ("-8"), so
 * that a vanthu client gets VT_ESIG back rather than VT_EINVAL. */
#define VT_RPC_TRAILER_ERROR "vt-error"

#define VT_RPC_DEFAULT_MAX_RECV ((size_t)4 << 20)
#define VT_RPC_MAX_PEM ((size_t)1 << 20)

/* Reads a PEM file (at most VT_RPC_MAX_PEM bytes) into a NUL-terminated
 * malloc'd string after checking with OpenSSL that it holds what is wanted
 * (what: "certificate", "key"). VT_EIO unreadable, VT_EINVAL not PEM. */
int vt_rpc_pem_read(char **out, const char *path, const char *what);

/* Checks that the key belongs to the first certificate of the chain. */
int vt_rpc_pem_check_pair(const char *cert_pem, const char *key_pem, const char *cert_path,
	const char *key_path);

/* Wipes and frees a PEM string (keys). Accepts NULL. */
void vt_rpc_pem_free(char *pem);

/* Copies a received message into buf (malloc'd). */
int vt_rpc_buf_from(vt_rpc_buf *buf, grpc_byte_buffer *bb);

/* A byte buffer holding a copy of data; NULL when out of memory. */
grpc_byte_buffer *vt_rpc_bb_new(const void *data, size_t len);

/* Now plus ms on the monotonic clock; ms <= 0: the infinite future. */
gpr_timespec vt_rpc_deadline_in(int64_t ms);

/* The value of key in a metadata array, or NULL. */
const grpc_slice *vt_rpc_md_find(const grpc_metadata_array *a, const char *key);

/* Checks metadata keys and values before a client sends them. */
int vt_rpc_md_check(const vt_rpc_md *md, size_t nmd);

#endif
