/* Thread-local error message slot (libgit2-style giterr). */
#include "store/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char msg[1024];
static _Thread_local int last_code;

int vt_error_set(int code, const char *fmt, ...)
{
	/* Format into a scratch buffer first: callers may pass vt_error_last()
	 * as an argument to wrap the previous message ("at entry 5: %s"). */
	char tmp[sizeof(msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(msg, tmp, sizeof(msg));
	last_code = code;
	return code;
}

const char *vt_error_last(void) { return msg; }
int vt_error_last_code(void) { return last_code; }

void vt_error_clear(void)
{
	msg[0] = '\0';
	last_code = VT_OK;
}

const char *vt_error_name(int code)
{
	static const char *names[] = {
		"OK", "ERROR", "ENOTFOUND", "EEXISTS", "EINVAL", "EPERM",
		"ECONFLICT", "ECORRUPT", "ESIG", "ENOMEM", "EIO", "EBUSY",
		"EAUTH", "ETIMEOUT", "ETOOBIG",
	};
	int i = -code;
	if (i < 0 || i >= (int)(sizeof(names) / sizeof(names[0])))
		return "EUNKNOWN";
	return names[i];
}
