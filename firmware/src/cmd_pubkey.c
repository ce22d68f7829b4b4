/* Public keys by path (BTC INS 43, ETH INS 53): pub 65 || chain code 32. */
#include <string.h>

#include "apdu.h"
#include "bip32.h"
#include "memzero.h"
#include "secp256k1.h"
#include "secrets.h"
#include "sw.h"

#define MAX_PATH 100

/* ^m/[0-9'/]+$, at most 100 characters, 2..10 levels, each [0-9]+'? below 2^31. */
int kb_path_valid(const uint8_t *p, size_t len)
{
    size_t i = 2;
    int levels = 0;

    if (len > MAX_PATH || len < 3 || p[0] != 'm' || p[1] != '/') {
        return 0;
    }
    for (;;) {
        uint32_t v = 0;
        size_t digits = 0;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            v = v * 10u + (uint32_t)(p[i] - '0');
            if (v >= 0x80000000u) {
                return 0;
            }
            digits++;
            i++;
        }
        if (digits == 0) {
            return 0; /* empty level, or a character outside [0-9'/] */
        }
        if (i < len && p[i] == '\'') {
            i++;
        }
        levels++;
        if (i == len) {
            break;
        }
        if (p[i] != '/') {
            return 0;
        }
        i++;
    }
    return levels >= 2 && levels <= 10;
}

uint16_t kb_cmd_public_key(const kb_apdu *a, uint8_t *out, size_t cap, size_t *n)
{
    char path[MAX_PATH + 1];
    uint8_t seed[64];
    kb_hdnode node;
    int rc;

    if (!kb_path_valid(a->data, a->lc)) {
        return SW_COMMAND_DATA_ERROR;
    }
    if (cap < 97 || !kb_wallet_seed(seed)) {
        return SW_CONDITIONS_NOT_SATISFIED;
    }
    memcpy(path, a->data, a->lc);
    path[a->lc] = '\0';
    rc = kb_bip32_derive_path(seed, sizeof seed, path, &node);
    kb_memzero(seed, sizeof seed);
    if (rc != 0 || kb_secp256k1_pubkey(node.key, out) != 0) {
        kb_memzero(&node, sizeof node);
        return SW_COMMAND_DATA_ERROR;
    }
    memcpy(out + 65, node.chain, 32);
    kb_memzero(&node, sizeof node);
    *n = 97;
    return SW_OK;
}
