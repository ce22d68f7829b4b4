/* BIP32 hierarchical deterministic keys: private derivation only (the firmware
 * holds the seed, so it never needs public-parent derivation). */
#ifndef KB_BIP32_H
#define KB_BIP32_H

#include <stddef.h>
#include <stdint.h>

#define KB_BIP32_HARDENED 0x80000000u

typedef struct {
    uint8_t key[32];   /* private key, big-endian, 0 < key < n */
    uint8_t chain[32]; /* chain code */
} kb_hdnode;

/* Master node from a 16..64-byte seed. -1 on a bad length or the (astronomically
 * unlikely) invalid master key. */
int kb_bip32_from_seed(const uint8_t *seed, size_t len, kb_hdnode *out);

/* Replaces *node by its child at index (hardened if index >= 0x80000000).
 * -1 if the child is invalid (BIP32 says: skip to the next index); *node is
 * left unchanged then. */
int kb_bip32_ckd_priv(kb_hdnode *node, uint32_t index);

/* 1 if path matches ^m(/[0-9]+'?)*$ with every index < 2^31, else 0. */
int kb_bip32_path_valid(const char *path);

/* Master node from seed, then each step of path, e.g. "m/44'/60'/0'/0/0" or "m".
 * -1 for a malformed path (see kb_bip32_path_valid) or an invalid key on the way. */
int kb_bip32_derive_path(const uint8_t *seed, size_t seedlen, const char *path, kb_hdnode *out);

#endif
