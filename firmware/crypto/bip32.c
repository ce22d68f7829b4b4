#include "bip32.h"

#include <string.h>

#include "hmac.h"
#include "memzero.h"
#include "secp256k1.h"

int kb_bip32_from_seed(const uint8_t *seed, size_t len, kb_hdnode *out)
{
    static const uint8_t salt[] = "Bitcoin seed";
    uint8_t i64[64];
    int rc = -1;

    if (len < 16 || len > 64) {
        return -1;
    }
    kb_hmac_sha512(salt, sizeof salt - 1, seed, len, i64);
    if (kb_secp256k1_priv_valid(i64)) {
        memcpy(out->key, i64, 32);
        memcpy(out->chain, i64 + 32, 32);
        rc = 0;
    }
    kb_memzero(i64, sizeof i64);
    return rc;
}

int kb_bip32_ckd_priv(kb_hdnode *node, uint32_t index)
{
    /* data = 00 || k || index (hardened) or serP(k*G) || index: 37 bytes either way */
    uint8_t data[37], i64[64], pub[65], child[32];
    int rc = -1;

    if (index & KB_BIP32_HARDENED) {
        data[0] = 0;
        memcpy(data + 1, node->key, 32);
    } else {
        if (kb_secp256k1_pubkey(node->key, pub) != 0 || kb_secp256k1_compress(pub, data) != 0) {
            return -1;
        }
    }
    data[33] = (uint8_t)(index >> 24);
    data[34] = (uint8_t)(index >> 16);
    data[35] = (uint8_t)(index >> 8);
    data[36] = (uint8_t)index;
    kb_hmac_sha512(node->chain, 32, data, sizeof data, i64);
    /* tweak_add rejects IL >= n and a zero child, the two BIP32 failure cases. */
    if (kb_secp256k1_priv_tweak_add(node->key, i64, child) == 0) {
        memcpy(node->key, child, 32);
        memcpy(node->chain, i64 + 32, 32);
        rc = 0;
    }
    kb_memzero(data, sizeof data);
    kb_memzero(i64, sizeof i64);
    kb_memzero(child, sizeof child);
    return rc;
}

/* Reads one "/<digits>['] " component at *p. Returns 1 and advances *p on
 * success, 0 on a syntax error or an index >= 2^31. */
static int next_index(const char **p, uint32_t *index)
{
    const char *s = *p;
    uint32_t v = 0;

    if (*s != '/') {
        return 0;
    }
    s++;
    if (*s < '0' || *s > '9') {
        return 0; /* empty component */
    }
    while (*s >= '0' && *s <= '9') {
        /* v <= 214748364 keeps v * 10 + 9 below 2^32, so the test after it
         * sees the true value instead of a wrapped one. */
        if (v > (KB_BIP32_HARDENED - 1u) / 10u) {
            return 0;
        }
        v = v * 10u + (uint32_t)(*s - '0');
        if (v >= KB_BIP32_HARDENED) {
            return 0;
        }
        s++;
    }
    if (*s == '\'') {
        v |= KB_BIP32_HARDENED;
        s++;
    }
    *index = v;
    *p = s;
    return 1;
}

int kb_bip32_path_valid(const char *path)
{
    uint32_t idx;

    if (path == NULL || path[0] != 'm') {
        return 0;
    }
    path++;
    while (*path) {
        if (!next_index(&path, &idx)) {
            return 0;
        }
    }
    return 1;
}

int kb_bip32_derive_path(const uint8_t *seed, size_t seedlen, const char *path, kb_hdnode *out)
{
    kb_hdnode node;
    uint32_t idx;
    int rc = 0;

    /* Validate the whole path first so a typo costs no derivation work and
     * never leaves a half-derived node behind. */
    if (!kb_bip32_path_valid(path) || kb_bip32_from_seed(seed, seedlen, &node) != 0) {
        return -1;
    }
    path++;
    while (*path && rc == 0) {
        next_index(&path, &idx);
        rc = kb_bip32_ckd_priv(&node, idx);
    }
    if (rc == 0) {
        *out = node;
    }
    kb_memzero(&node, sizeof node);
    return rc;
}
