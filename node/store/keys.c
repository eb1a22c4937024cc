/* Key files: the node's Ed25519 key pair, created 0600, mode checked on load. */
#include "store/keys.h"
#include "store/error.h"
#include "store/file.h"
#include "store/hash.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vt_keys_load_ed25519(const char *path, int create, uint8_t sk[64], uint8_t pk[32])
{
	uint8_t *data = NULL;
	size_t len = 0;
	struct stat st;
	int error;
	if (sodium_init() < 0)
		return vt_error_set(VT_ERROR, "libsodium failed to initialise");
	error = vt_file_read(path, 4096, &data, &len);
	if (error == VT_ENOTFOUND && create) {
		crypto_sign_keypair(pk, sk);
		error = vt_file_write_atomic(path, sk, 64, 0600);
		return error;
	}
	if (error < 0)
		return error;
	if (stat(path, &st) == 0 && (st.st_mode & 077)) {
		error = vt_error_set(VT_EPERM, "%s: key file is readable by others (mode %o); chmod 600 it",
			path, st.st_mode & 0777);
		goto out;
	}
	if (len != 64) {
		error = vt_error_set(VT_ECORRUPT, "%s: Ed25519 key file must be 64 bytes, has %zu", path, len);
		goto out;
	}
	memcpy(sk, data, 64);
	crypto_sign_ed25519_sk_to_pk(pk, sk);
out:
	sodium_memzero(data, len);
	free(data);
	return error;
}
