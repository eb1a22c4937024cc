/* Whole files on disk: atomic writes (temp file, fsync, rename, fsync dir)
 * with a mode, and reads with a size limit. */
#ifndef VT_FILE_H
#define VT_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Writes data to path atomically with the given mode. */
int vt_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Reads a whole file (at most max bytes) into a malloc'd buffer. */
int vt_file_read(const char *path, size_t max, uint8_t **data, size_t *len);

#endif
