/* vanthu error codes and the thread-local error message slot.
 * Numbers are never reused; add new codes at the end. */
#ifndef VT_ERROR_H
#define VT_ERROR_H

enum {
	VT_OK = 0,
	VT_ERROR = -1,     /* anything a caller does not act on specifically */
	VT_ENOTFOUND = -2, /* no such record, key, book, entry */
	VT_EEXISTS = -3,   /* already exists (also: duplicate registration) */
	VT_EINVAL = -4,    /* malformed request or argument */
	VT_EPERM = -5,     /* caller's role does not allow this */
	VT_ECONFLICT = -6, /* concurrent change or wrong state */
	VT_ECORRUPT = -7,  /* stored data fails its checks */
	VT_ESIG = -8,      /* a signature or proof does not verify */
	VT_ENOMEM = -9,    /* allocation failed */
	VT_EIO = -10,      /* storage or file system failure */
	VT_EBUSY = -11,    /* resource locked by another process */
	VT_EAUTH = -12,    /* not authenticated (no, unknown or expired session) */
	VT_ETIMEOUT = -13, /* deadline passed or call cancelled */
	VT_ETOOBIG = -14,  /* message or file over its limit */
};

/* Sets the calling thread's error message (printf-style) and returns code,
 * so that `return vt_error_set(VT_EINVAL, "...")` reads naturally. */
int vt_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The calling thread's last message; "" when none. Borrowed. */
const char *vt_error_last(void);

/* The code recorded with the last message (VT_OK when none). */
int vt_error_last_code(void);

void vt_error_clear(void);

/* A short name for a code: "ENOTFOUND", ... */
const char *vt_error_name(int code);

#endif
