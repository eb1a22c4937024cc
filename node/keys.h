/* Node keys on disk: written 0600 via temp file, fsync, rename, fsync dir. */
#ifndef VT_KEYS_H
#define VT_KEYS_H

#include <stddef.h>
#include <stdint.h>

/* Writes data to path atomically with the given mode. */
int vt_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Reads a whole file (at most max bytes) into a malloc'd buffer. */
int vt_file_read(const char *path, size_t max, uint8_t **data, size_t *len);

/* Ed25519 key pair of the node (tree-head signing). Creates it if missing
 * and create is set; refuses a key file readable by group or others. */
int vt_keys_load_ed25519(const char *path, int create, uint8_t sk[64], uint8_t pk[32]);

#endif
