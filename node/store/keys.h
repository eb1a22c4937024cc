/* The node's Ed25519 key pair on disk (tree-head signing): created 0600,
 * refused when readable by group or others. */
#ifndef VT_KEYS_H
#define VT_KEYS_H

#include <stdint.h>


/* Ed25519 key pair of the node (tree-head signing). Creates it if missing
 * and create is set; refuses a key file readable by group or others. */
int vt_keys_load_ed25519(const char *path, int create, uint8_t sk[64], uint8_t pk[32]);

#endif
