/* gRPC layer: the VT_E* <-> gRPC status table, loopback addresses, PEM
 * files and buffers shared by the server and the client. */
#include "rpc/rpc_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* ---- status codes */

/* The one table from vanthu errors to gRPC statuses. Choices:
 * - ECONFLICT -> FAILED_PRECONDITION: in vanthu it mostly means "the record
 *   is not in a state that allows this" (already registered, book closed);
 *   retrying the same request does not help until the state changes. The
 *   client maps ABORTED back to ECONFLICT as well.
 * - ESIG -> INVALID_ARGUMENT: a signature or proof the caller sent does not
 *   verify; the request is at fault. vanthu clients still get VT_ESIG
 *   through the vt-error trailer.
 * - ENOMEM and ETOOBIG -> RESOURCE_EXHAUSTED (gRPC's own code for a message
 *   over the size limit).
 * - EBUSY -> UNAVAILABLE: try again later; UNAVAILABLE also comes back for
 *   servers that cannot be reached (and TLS handshakes that fail).
 * - EIO and ERROR -> INTERNAL: the server's fault; details are logged. */
static const struct {
	int error;
	grpc_status_code status;
} to_status[] = {
	{ VT_OK, GRPC_STATUS_OK },
	{ VT_ERROR, GRPC_STATUS_INTERNAL },
	{ VT_ENOTFOUND, GRPC_STATUS_NOT_FOUND },
	{ VT_EEXISTS, GRPC_STATUS_ALREADY_EXISTS },
	{ VT_EINVAL, GRPC_STATUS_INVALID_ARGUMENT },
	{ VT_EPERM, GRPC_STATUS_PERMISSION_DENIED },
	{ VT_ECONFLICT, GRPC_STATUS_FAILED_PRECONDITION },
	{ VT_ECORRUPT, GRPC_STATUS_DATA_LOSS },
	{ VT_ESIG, GRPC_STATUS_INVALID_ARGUMENT },
	{ VT_ENOMEM, GRPC_STATUS_RESOURCE_EXHAUSTED },
	{ VT_EIO, GRPC_STATUS_INTERNAL },
	{ VT_EBUSY, GRPC_STATUS_UNAVAILABLE },
	{ VT_EAUTH, GRPC_STATUS_UNAUTHENTICATED },
	{ VT_ETIMEOUT, GRPC_STATUS_DEADLINE_EXCEEDED },
	{ VT_ETOOBIG, GRPC_STATUS_RESOURCE_EXHAUSTED },
};

/* Statuses from servers that say nothing more (or from gRPC itself), by
 * status number: what a vanthu caller can act on. */
static const struct {
	const char *name;
	int error;
} of_status[] = {
	[GRPC_STATUS_OK] = { "OK", VT_OK },
	[GRPC_STATUS_CANCELLED] = { "CANCELLED", VT_ERROR },
	[GRPC_STATUS_UNKNOWN] = { "UNKNOWN", VT_ERROR },
	[GRPC_STATUS_INVALID_ARGUMENT] = { "INVALID_ARGUMENT", VT_EINVAL },
	[GRPC_STATUS_DEADLINE_EXCEEDED] = { "DEADLINE_EXCEEDED", VT_ETIMEOUT },
	[GRPC_STATUS_NOT_FOUND] = { "NOT_FOUND", VT_ENOTFOUND },
	[GRPC_STATUS_ALREADY_EXISTS] = { "ALREADY_EXISTS", VT_EEXISTS },
	[GRPC_STATUS_PERMISSION_DENIED] = { "PERMISSION_DENIED", VT_EPERM },
	[GRPC_STATUS_RESOURCE_EXHAUSTED] = { "RESOURCE_EXHAUSTED", VT_ETOOBIG },
	[GRPC_STATUS_FAILED_PRECONDITION] = { "FAILED_PRECONDITION", VT_ECONFLICT },
	[GRPC_STATUS_ABORTED] = { "ABORTED", VT_ECONFLICT },
	[GRPC_STATUS_OUT_OF_RANGE] = { "OUT_OF_RANGE", VT_EINVAL },
	[GRPC_STATUS_UNIMPLEMENTED] = { "UNIMPLEMENTED", VT_ERROR },
	[GRPC_STATUS_INTERNAL] = { "INTERNAL", VT_ERROR },
	[GRPC_STATUS_UNAVAILABLE] = { "UNAVAILABLE", VT_EBUSY },
	[GRPC_STATUS_DATA_LOSS] = { "DATA_LOSS", VT_ECORRUPT },
	[GRPC_STATUS_UNAUTHENTICATED] = { "UNAUTHENTICATED", VT_EAUTH },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

grpc_status_code vt_rpc_status_of(int vt_error)
{
	for (size_t i = 0; i < COUNT(to_status); i++)
		if (to_status[i].error == vt_error)
			return to_status[i].status;
	return vt_error > 0 ? GRPC_STATUS_OK : GRPC_STATUS_UNKNOWN;
}

int vt_rpc_error_of(grpc_status_code status)
{
	if ((unsigned)status >= COUNT(of_status))
		return VT_ERROR;
	return of_status[status].error;
}

const char *vt_rpc_status_name(grpc_status_code status)
{
	if ((unsigned)status >= COUNT(of_status))
		return "UNKNOWN_STATUS";
	return of_status[status].name;
}

/* ---- addresses */

int vt_rpc_addr_is_loopback(const char *addr)
{
	static const char *const schemes[] = { "dns:///", "dns:", "ipv4:", "ipv6:" };
	char host[256];
	const char *p = addr, *end;
	struct in_addr a4;
	struct in6_addr a6;
	size_t n;

	if (!addr)
		return 0;
	if (strncmp(p, "unix:", 5) == 0 || strncmp(p, "unix-abstract:", 14) == 0)
		return 1;
	for (size_t i = 0; i < COUNT(schemes); i++)
		if (strncmp(p, schemes[i], strlen(schemes[i])) == 0) {
			p += strlen(schemes[i]);
			break;
		}
	if (*p == '[') {
		/* [v6] or [v6]:port */
		if (!(end = strchr(p, ']')) || (end[1] && end[1] != ':'))
			return 0;
		p++;
	} else {
		/* host, host:port, or a bare v6 address (two colons or more) */
		end = strchr(p, ':');
		if (!end || strchr(end + 1, ':'))
			end = p + strlen(p);
	}
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(host))
		return 0;
	memcpy(host, p, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return 0;
}

/* ---- PEM files */

static int openssl_error(int code, const char *fmt, const char *path)
{
	char why[256];
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "no PEM block found");
	ERR_clear_error();
	return vt_error_set(code, fmt, path, why);
}

int vt_rpc_pem_read(char **out, const char *path, const char *what)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t n = 0;
	BIO *bio = NULL;
	int error = 0, key = strcmp(what, "key") == 0;

	*out = NULL;
	if (!path || !*path)
		return vt_error_set(VT_EINVAL, "no %s file given", what);
	if (!(f = fopen(path, "rb"))) {
		error = vt_error_set(VT_EIO, "%s file %s: %s", what, path, strerror(errno));
		goto out;
	}
	if (!(buf = malloc(VT_RPC_MAX_PEM + 1))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	n = fread(buf, 1, VT_RPC_MAX_PEM + 1, f);
	if (ferror(f)) {
		error = vt_error_set(VT_EIO, "%s file %s: read error", what, path);
		goto out;
	}
	if (n > VT_RPC_MAX_PEM) {
		error = vt_error_set(VT_ETOOBIG, "%s file %s: over %zu bytes", what, path, VT_RPC_MAX_PEM);
		goto out;
	}
	buf[n] = '\0';
	/* Parse it now: gRPC only says "cannot add port" for a bad PEM. */
	if (!(bio = BIO_new_mem_buf(buf, (int)n))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	if (key) {
		EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		if (!pk) {
			error = openssl_error(VT_EINVAL, "key file %s: not an unencrypted PEM private key (%s)", path);
			goto out;
		}
		EVP_PKEY_free(pk);
	} else {
		X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (!x) {
			error = openssl_error(VT_EINVAL, "certificate file %s: no PEM certificate (%s)", path);
			goto out;
		}
		X509_free(x);
	}
	*out = buf;
	buf = NULL;
out:
	BIO_free(bio);
	if (buf) {
		explicit_bzero(buf, n);
		free(buf);
	}
	if (f)
		fclose(f);
	return error;
}

int vt_rpc_pem_check_pair(const char *cert_pem, const char *key_pem, const char *cert_path,
	const char *key_path)
{
	BIO *cb = BIO_new_mem_buf(cert_pem, -1), *kb = BIO_new_mem_buf(key_pem, -1);
	X509 *x = NULL;
	EVP_PKEY *pk = NULL;
	int error = 0;

	if (!cb || !kb) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	x = PEM_read_bio_X509(cb, NULL, NULL, NULL);
	pk = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
	if (!x || !pk || X509_check_private_key(x, pk) != 1)
		error = vt_error_set(VT_EINVAL, "key %s does not belong to the certificate %s", key_path, cert_path);
	ERR_clear_error();
out:
	X509_free(x);
	EVP_PKEY_free(pk);
	BIO_free(cb);
	BIO_free(kb);
	return error;
}

void vt_rpc_pem_free(char *pem)
{
	if (!pem)
		return;
	explicit_bzero(pem, strlen(pem));
	free(pem);
}

/* ---- buffers, times, metadata */

void vt_rpc_buf_dispose(vt_rpc_buf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
}

int vt_rpc_buf_from(vt_rpc_buf *buf, grpc_byte_buffer *bb)
{
	grpc_byte_buffer_reader r;
	grpc_slice s;
	size_t len = grpc_byte_buffer_length(bb), off = 0;

	buf->data = NULL;
	buf->len = 0;
	if (!(buf->data = malloc(len ? len : 1)))
		return vt_error_set(VT_ENOMEM, "out of memory for a %zu-byte message", len);
	/* Large messages come in several slices (and maybe compressed, which
	 * the reader undoes). */
	if (!grpc_byte_buffer_reader_init(&r, bb)) {
		vt_rpc_buf_dispose(buf);
		return vt_error_set(VT_EINVAL, "cannot decompress a message");
	}
	while (grpc_byte_buffer_reader_next(&r, &s)) {
		size_t n = GRPC_SLICE_LENGTH(s);
		if (off + n > len) {
			/* grew: the length was of the compressed form */
			uint8_t *p = realloc(buf->data, off + n);
			if (!p) {
				grpc_slice_unref(s);
				grpc_byte_buffer_reader_destroy(&r);
				vt_rpc_buf_dispose(buf);
				return vt_error_set(VT_ENOMEM, "out of memory");
			}
			buf->data = p;
			len = off + n;
		}
		memcpy(buf->data + off, GRPC_SLICE_START_PTR(s), n);
		off += n;
		grpc_slice_unref(s);
	}
	grpc_byte_buffer_reader_destroy(&r);
	buf->len = off;
	return 0;
}

grpc_byte_buffer *vt_rpc_bb_new(const void *data, size_t len)
{
	grpc_slice s = grpc_slice_from_copied_buffer(data, len);
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	return bb;
}

gpr_timespec vt_rpc_deadline_in(int64_t ms)
{
	if (ms <= 0)
		return gpr_inf_future(GPR_CLOCK_MONOTONIC);
	return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(ms, GPR_TIMESPAN));
}

const grpc_slice *vt_rpc_md_find(const grpc_metadata_array *a, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < a->count; i++) {
		const grpc_slice *k = &a->metadata[i].key;
		if (GRPC_SLICE_LENGTH(*k) == kl && strncasecmp((const char *)GRPC_SLICE_START_PTR(*k), key, kl) == 0)
			return &a->metadata[i].value;
	}
	return NULL;
}

int vt_rpc_md_check(const vt_rpc_md *md, size_t nmd)
{
	for (size_t i = 0; i < nmd; i++) {
		grpc_slice k, v;
		int ok;
		if (!md[i].key || !md[i].value)
			return vt_error_set(VT_EINVAL, "metadata %zu: key or value missing", i);
		k = grpc_slice_from_static_string(md[i].key);
		v = grpc_slice_from_static_string(md[i].value);
		ok = grpc_header_key_is_legal(k) && !grpc_is_binary_header(k) &&
			grpc_header_nonbin_value_is_legal(v);
		if (!ok)
			return vt_error_set(VT_EINVAL, "metadata '%s': keys are lower-case letters, digits and -_. "
				"(not -bin), values printable ASCII", md[i].key);
	}
	return 0;
}
