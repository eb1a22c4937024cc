/* Whole files: safe writes (temp, fsync, rename, fsync dir) and bounded reads. */
#include "store/file.h"
#include "store/error.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vt_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	char tmp[4096], dir[4096];
	int fd = -1, dfd = -1, error = 0;
	const uint8_t *p = data;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return vt_error_set(VT_EINVAL, "path too long: %s", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) < 0)
		return vt_error_set(VT_EIO, "%s: %s", tmp, strerror(errno));
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = vt_error_set(VT_EIO, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		error = vt_error_set(VT_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) < 0) {
		error = vt_error_set(VT_EIO, "rename %s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	return error;
}

int vt_file_read(const char *path, size_t max, uint8_t **data, size_t *len)
{
	FILE *f;
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	int error = 0;
	*data = NULL;
	*len = 0;
	if (!(f = fopen(path, "rb")))
		return vt_error_set(errno == ENOENT ? VT_ENOTFOUND : VT_EIO, "%s: %s", path, strerror(errno));
	for (;;) {
		size_t got;
		if (n == cap) {
			uint8_t *nb;
			if (cap >= max) {
				error = vt_error_set(VT_EINVAL, "%s: larger than %zu bytes", path, max);
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			if (cap > max)
				cap = max;
			if (!(nb = realloc(buf, cap + 1))) {
				error = vt_error_set(VT_ENOMEM, "out of memory");
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		error = vt_error_set(VT_EIO, "%s: read error", path);
		goto out;
	}
	if (!buf && !(buf = malloc(1))) {
		error = vt_error_set(VT_ENOMEM, "out of memory");
		goto out;
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	fclose(f);
	return error;
}
