/* gRPC layer over the gRPC C core: a server whose handlers are straight-line
 * blocking code run on a pool of worker threads, and a blocking client.
 * Messages are opaque bytes (callers pack them with protobuf-c). */
#ifndef VT_RPC_H
#define VT_RPC_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/status.h>

#include "store/error.h"

/* ---- buffers and status codes */

/* A received message; data is malloc'd and owned by whoever holds the buf. */
typedef struct vt_rpc_buf {
	uint8_t *data;
	size_t len;
} vt_rpc_buf;

/* Frees data and zeroes the buf (accepts an empty buf). */
void vt_rpc_buf_dispose(vt_rpc_buf *buf);

/* One metadata entry. Keys are lower case ("authorization"); keys ending
 * in "-bin" carry binary values, which this layer does not support. */
typedef struct vt_rpc_md {
	const char *key;
	const char *value;
} vt_rpc_md;

/* The one table from vanthu errors to gRPC status codes (rpc.c says why
 * each maps where it does). 0 gives GRPC_STATUS_OK; codes not in the table
 * give GRPC_STATUS_UNKNOWN. */
grpc_status_code vt_rpc_status_of(int vt_error);

/* The reverse, for clients of servers that are not vanthu (vanthu servers
 * also send the exact code in the "vt-error" trailer, which the client
 * prefers). GRPC_STATUS_OK gives 0. */
int vt_rpc_error_of(grpc_status_code status);

/* "NOT_FOUND", ...; "UNKNOWN_STATUS" for codes outside the table. */
const char *vt_rpc_status_name(grpc_status_code status);

/* 1 if addr is on this host only: 127.0.0.0/8, ::1, localhost, a unix
 * socket, optionally with a port and "ipv4:", "ipv6:" or "dns:" scheme. */
int vt_rpc_addr_is_loopback(const char *addr);

/* ---- server */

typedef struct vt_rpc_server vt_rpc_server;
typedef struct vt_rpc_call vt_rpc_call;

/* Which side streams. */
typedef enum vt_rpc_kind {
	VT_RPC_UNARY = 0,     /* one request, one response */
	VT_RPC_CLIENT_STREAM, /* requests via vt_rpc_call_recv, one response */
	VT_RPC_SERVER_STREAM, /* one request, responses via vt_rpc_call_send */
	VT_RPC_BIDI,          /* both stream */
} vt_rpc_kind;

/* Runs on a worker thread and may block (fsync, locks). Returns 0, whose
 * status is OK, or a negative VT_E* code, sent as vt_rpc_status_of(code)
 * with vt_error_last() as the message. The call and everything it hands
 * out are valid until the handler returns. */
typedef int (*vt_rpc_handler)(vt_rpc_call *call, void *ctx);

typedef struct vt_rpc_method {
	const char *path;        /* "/vanthu.v1.Documents/Get" (copied) */
	vt_rpc_kind kind;
	vt_rpc_handler handler;
	void *ctx;               /* passed to handler; must outlive the server */
	size_t max_request;      /* largest request message, bytes; 0: the
	                          * server's max_recv (which also caps this) */
	int stall_ms;            /* longest wait of one recv or send for the
	                          * peer, after which the call is cancelled
	                          * (the client sees DEADLINE_EXCEEDED "peer
	                          * made no progress"); 0: the server's
	                          * stall_ms; < 0: no limit (replication
	                          * streams that idle) */
} vt_rpc_method;

/* How much the server logs to its log function. */
typedef enum vt_rpc_log_level {
	VT_RPC_LOG_DEFAULT = 0, /* VT_RPC_LOG_FAILED */
	VT_RPC_LOG_OFF,
	VT_RPC_LOG_ERRORS,   /* server faults: INTERNAL, DATA_LOSS, UNKNOWN, UNAVAILABLE */
	VT_RPC_LOG_FAILED,   /* every call that did not end OK (the default) */
	VT_RPC_LOG_ALL,      /* every call */
} vt_rpc_log_level;

typedef struct vt_rpc_server_opts {
	const char *listen;          /* "127.0.0.1:7443", "[::1]:0", "0.0.0.0:7443" */
	/* TLS: both PEM files, or plaintext (loopback addresses only). */
	const char *cert_file;       /* certificate chain, leaf first */
	const char *key_file;
	const char *client_ca_file;  /* verify client certificates against it */
	int require_client_cert;     /* mutual TLS: refuse clients without one */
	int plaintext;
	int workers;                 /* handler threads; 0: 64 */
	size_t max_recv;             /* per message, enforced by gRPC; 0: 4 MiB */
	int idle_ms;                 /* drop connections idle this long; 0: 5 min */
	int handshake_ms;            /* TLS/HTTP2 handshake limit; 0: 10 s */
	int stall_ms;                /* see vt_rpc_method.stall_ms; 0: 5 min */
	int max_streams;             /* concurrent calls per connection; 0: 128 */
	vt_rpc_log_level log_level;
	/* Where log lines go (no newline); NULL: stderr. Called from workers. */
	void (*log)(void *log_ctx, const char *line);
	void *log_ctx;
} vt_rpc_server_opts;

/* Failed calls are logged by the server (see vt_rpc_log_level) as
 * "rpc METHOD from PEER: STATUS ECODE: message [ms]". Failed TLS
 * handshakes (a client without the required certificate, or with one from
 * another CA) never become calls: gRPC logs them itself to stderr at its
 * ERROR level ("Handshake failed with fatal error SSL_ERROR_SSL: ... peer
 * did not return a certificate"), without the peer's address, and the
 * client sees UNAVAILABLE. */

/* Creates a server bound to opts->listen (not yet serving). Returns the
 * bound port (> 0; useful with ":0"), or VT_EINVAL for bad options
 * (plaintext off loopback, missing TLS files), VT_EIO for unreadable PEM
 * files, VT_EBUSY when the address cannot be bound. */
int vt_rpc_server_new(vt_rpc_server **out, const vt_rpc_server_opts *opts);

/* The bound port. */
int vt_rpc_server_port(vt_rpc_server *server);

/* Adds a method (before vt_rpc_server_start). VT_EEXISTS for a path
 * added twice, VT_EINVAL after start or for a bad path. */
int vt_rpc_server_add(vt_rpc_server *server, const vt_rpc_method *m);

/* Starts the workers and begins serving. */
int vt_rpc_server_start(vt_rpc_server *server);

/* Stops accepting calls, lets the calls in flight finish for up to
 * grace_ms (0: none, < 0: no limit), then cancels the rest, waits for
 * their handlers to return (handlers must not block for ever on something
 * other than this call) and joins the workers. Returns the number of calls cancelled (0 when all
 * finished in time). Idempotent; the server must then be freed. */
int vt_rpc_server_shutdown(vt_rpc_server *server, int grace_ms);

/* Shuts down (grace 0) if needed and frees. Accepts NULL. */
void vt_rpc_server_free(vt_rpc_server *server);

/* Calls currently running a handler (for tests and status pages). */
int vt_rpc_server_active(vt_rpc_server *server);

/* ---- inside a handler: on the handler's thread; in a BIDI handler one
 * other thread may send while the handler's thread receives (or the
 * reverse). Nothing here may be used after the handler returns. */

/* The request of a UNARY or SERVER_STREAM call (borrowed). */
int vt_rpc_call_request(vt_rpc_call *call, const uint8_t **data, size_t *len);

/* Next request message of a CLIENT_STREAM or BIDI call into msg (owned by
 * the caller): 1 with a message, 0 when the client has finished sending,
 * < 0 when the call is over: VT_ETIMEOUT (deadline passed or the client
 * stalled), VT_ERROR (cancelled or disconnected), VT_ETOOBIG (message over
 * the method's max_request; the call is then failed). */
int vt_rpc_call_recv(vt_rpc_call *call, vt_rpc_buf *msg);

/* Sends one response message of a SERVER_STREAM or BIDI call (copied);
 * blocks until gRPC has taken it (flow control) or the call is over
 * (VT_ETIMEOUT, VT_ERROR as for recv). */
int vt_rpc_call_send(vt_rpc_call *call, const void *data, size_t len);

/* Sets the response of a UNARY or CLIENT_STREAM call (copied); sent with
 * the status when the handler returns 0. */
int vt_rpc_call_set_response(vt_rpc_call *call, const void *data, size_t len);

/* Value of the first request metadata entry named key (case-insensitive),
 * NUL-terminated, or NULL. Borrowed until the handler returns. */
const char *vt_rpc_call_metadata(vt_rpc_call *call, const char *key);

/* The peer's address, "ipv4:127.0.0.1:53122" (not authenticated). */
const char *vt_rpc_call_peer(vt_rpc_call *call);

/* The method path of the call. */
const char *vt_rpc_call_method(vt_rpc_call *call);

/* The verified client certificate's subject CN (else its first subject
 * alternative name) into out. VT_EAUTH without a verified client
 * certificate (plaintext, or TLS without one), VT_ETOOBIG if cap is short. */
int vt_rpc_call_peer_identity(vt_rpc_call *call, char *out, size_t cap);

/* 1 once the call's deadline has passed. */
int vt_rpc_call_deadline_passed(vt_rpc_call *call);

/* Milliseconds left before the deadline; -1 without a deadline. */
int64_t vt_rpc_call_time_left_ms(vt_rpc_call *call);

/* 1 once the client cancelled, disconnected, or the deadline passed, or the
 * server is shutting down past its grace. Does not block. */
int vt_rpc_call_cancelled(vt_rpc_call *call);

/* ---- client */

typedef struct vt_rpc_client vt_rpc_client;
typedef struct vt_rpc_stream vt_rpc_stream;

typedef struct vt_rpc_client_opts {
	int plaintext;            /* loopback targets only */
	const char *ca_file;      /* PEM roots to trust; NULL: the system's */
	const char *cert_file;    /* client certificate chain (mutual TLS) */
	const char *key_file;
	const char *server_name;  /* name the server's certificate must carry
	                           * instead of the target's host (tests) */
	size_t max_recv;          /* per response message; 0: 4 MiB */
	int keepalive_ms;         /* ping an idle busy connection; 0: 30 s */
} vt_rpc_client_opts;

/* A client of target ("127.0.0.1:7443", "localhost:7443"). Connects
 * lazily; VT_EINVAL for bad options, VT_EIO for unreadable PEM files. */
int vt_rpc_client_new(vt_rpc_client **out, const char *target, const vt_rpc_client_opts *opts);

/* Frees the client (after its streams). Accepts NULL. */
void vt_rpc_client_free(vt_rpc_client *client);

/* One unary call. timeout_ms <= 0: no deadline. On success resp holds the
 * response (caller disposes). On failure a negative VT_E* (the server's
 * code when it is vanthu, else vt_rpc_error_of(status)) with the message
 * "STATUS: details"; vt_rpc_last_status() gives the gRPC status.
 * Thread-safe: many threads may call through one client. */
int vt_rpc_unary(vt_rpc_client *client, const char *path, const vt_rpc_md *md, size_t nmd,
	const void *req, size_t req_len, int timeout_ms, vt_rpc_buf *resp);

/* gRPC status of this thread's last call or stream step that ended one. */
grpc_status_code vt_rpc_last_status(void);

/* Opens a streaming call (any kind but unary) with its metadata; waits
 * until the server accepts the stream or fails like vt_rpc_unary.
 * One thread may send while another receives; each direction is used by
 * one thread at a time. */
int vt_rpc_stream_open(vt_rpc_stream **out, vt_rpc_client *client, const char *path,
	const vt_rpc_md *md, size_t nmd, int timeout_ms);

/* Sends one message (copied). When the call has ended (the server
 * answered early, cancelled, deadline) returns the call's error. */
int vt_rpc_stream_send(vt_rpc_stream *s, const void *data, size_t len);

/* Tells the server no more messages follow (half-close). */
int vt_rpc_stream_close_send(vt_rpc_stream *s);

/* Next response message: 1 with msg (caller disposes), 0 at the end of a
 * stream that ended OK, < 0 with the call's error. */
int vt_rpc_stream_recv(vt_rpc_stream *s, vt_rpc_buf *msg);

/* Waits for the call's status: 0 for OK, else the error as for unary.
 * gRPC gives the status only once every message was read: when no thread
 * is in vt_rpc_stream_recv, messages not read yet are read and dropped.
 * Without close_send on a stream whose server waits for more, this waits
 * for the deadline (or vt_rpc_stream_cancel). Any thread, any number of
 * times: later calls return the same result. */
int vt_rpc_stream_finish(vt_rpc_stream *s);

/* The stream's gRPC status once finished (GRPC_STATUS_UNKNOWN before). */
grpc_status_code vt_rpc_stream_status(vt_rpc_stream *s);

/* Cancels the call (any thread); the server sees the cancellation. */
void vt_rpc_stream_cancel(vt_rpc_stream *s);

/* Cancels the call if unfinished and frees. Accepts NULL. */
void vt_rpc_stream_free(vt_rpc_stream *s);

#endif
