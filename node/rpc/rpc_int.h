/* Internals shared by rpc.c, rpc_server.c and rpc_client.c. */
#ifndef VT_RPC_INT_H
#define VT_RPC_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "rpc/rpc.h"

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

/* ---- server internals (rpc_server.c runs calls, rpc_call.c is what a
 * handler calls) */

#define VT_RPC_MAX_PATH 256

typedef struct method {
	char *path;
	vt_rpc_kind kind;
	vt_rpc_handler handler;
	void *ctx;
	size_t max_request;
	int stall_ms;   /* resolved: < 0 none */
	void *reg;      /* gRPC's handle for the registered method */
} method;

/* One requested call, from the request to the end of its handler. */
typedef struct slot {
	method *m;                  /* NULL: the generic entry */
	grpc_completion_queue *cq;  /* PLUCK queue bound to the call */
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array md;
	grpc_call_details details;  /* generic entry only */
	grpc_byte_buffer *payload;  /* UNARY and SERVER_STREAM */
	struct slot *next_free;
	struct slot *next_all;
} slot;

/* Server life: NEW (methods may be added) -> RUNNING -> STOPPING -> STOPPED. */
enum vt_rpc_state { S_NEW, S_RUNNING, S_STOPPING, S_STOPPED };

struct vt_rpc_server {
	grpc_server *server;
	grpc_completion_queue *cq;   /* notifications, shared by the workers */
	int port;
	char listen[VT_RPC_MAX_PATH];
	int nworkers;
	pthread_t *threads;
	int nthreads;
	method *methods;
	size_t nmethods, capmethods;
	size_t max_recv;
	int stall_ms;
	vt_rpc_log_level log_level;
	void (*log)(void *ctx, const char *line);
	void *log_ctx;

	pthread_mutex_t lock;        /* guards what follows */
	pthread_cond_t cond;
	slot *free_slots;
	slot *all_slots;
	enum vt_rpc_state state;
	int shutdown_done;           /* the shutdown tag came back */

	atomic_int stopping;         /* no more requests for new calls */
	atomic_int cancelling;       /* grace over: refuse what still comes */
	atomic_int active;           /* handlers running */
	char shutdown_tag;           /* its address tags the shutdown notice */
};

/* A call as its handler sees it. send and recv may run on two threads
 * (BIDI), hence the atomics. */
struct vt_rpc_call {
	vt_rpc_server *srv;
	slot *s;
	method *m;
	grpc_call *call;
	grpc_completion_queue *cq;
	gpr_timespec deadline;       /* monotonic */
	int stall_ms;
	grpc_slice request;          /* flattened request (UNARY, SERVER_STREAM) */
	int has_request;
	grpc_byte_buffer *response;  /* UNARY, CLIENT_STREAM */
	int md_sent;                 /* initial metadata went out (send side) */
	int recv_end;                /* the client half-closed (recv side) */
	char *peer;                  /* gpr_malloc'd */
	char path[VT_RPC_MAX_PATH];

	int close_started;           /* RECV_CLOSE_ON_SERVER is in flight */
	atomic_int close_done;
	int close_cancelled;         /* written by gRPC with close_done */
	atomic_int over;             /* VT_E* once recv/send saw the call end */
	atomic_int stalled;
	/* forced: a status the layer sets whatever the handler returns */
	atomic_int forced;
	grpc_status_code forced_status;
	int forced_error;
	char forced_msg[512];
	char recv_tag, send_tag, close_tag, finish_tag;
};

/* Waits for the call's batch tagged tag; past the stall limit cancels the
 * call (which ends the batch at once). Returns the batch's success. */
int vt_rpc_wait_tag(vt_rpc_call *c, void *tag);

/* Starts RECV_CLOSE_ON_SERVER, which ends when the call does. */
int vt_rpc_start_close(vt_rpc_call *c);

#endif
