#include "rng.h"

#include <string.h>

#include "hal.h"
#include "memzero.h"
#include "sha256.h"

static int unusable; /* the board's hardware RNG failed: no new secrets may be drawn */

static struct {
    uint8_t key[32];
    uint32_t counter;
    uint8_t block[32];
    unsigned used; /* bytes of block consumed; 32: draw the next block */
} rng;

void kb_rng_seed(uint64_t seed, uint32_t wipes)
{
    uint8_t m[12 + 8 + 4];
    int i;

    memcpy(m, "keybench-rng", 12);
    for (i = 0; i < 8; i++) {
        m[12 + i] = (uint8_t)(seed >> (56 - 8 * i));
    }
    for (i = 0; i < 4; i++) {
        m[20 + i] = (uint8_t)(wipes >> (24 - 8 * i));
    }
    kb_sha256(m, sizeof m, rng.key);
    rng.counter = 0;
    rng.used = sizeof rng.block;
    unusable = 0; /* a seed the bench chose (SEED_RNG) is its choice */
}

int kb_rng_boot(uint64_t seed, uint32_t wipes)
{
    uint8_t m[15 + 32];
    int rc;

    memcpy(m, "keybench-rng-hw", 15);
    rc = hal_entropy(m + 15, 32);
    if (rc != 0) {
        kb_rng_seed(seed, wipes); /* no generator on this board: the seeded stream */
        unusable = rc == HAL_ENTROPY_FAILED;
        return rc;
    }
    unusable = 0;
    kb_sha256(m, sizeof m, rng.key);
    kb_memzero(m, sizeof m);
    rng.counter = 0;
    rng.used = sizeof rng.block;
    return 0;
}

int kb_rng_usable(void)
{
    return !unusable;
}

uint8_t kb_rng_byte(void)
{
    if (rng.used >= sizeof rng.block) {
        uint8_t m[36];
        memcpy(m, rng.key, 32);
        m[32] = (uint8_t)(rng.counter >> 24);
        m[33] = (uint8_t)(rng.counter >> 16);
        m[34] = (uint8_t)(rng.counter >> 8);
        m[35] = (uint8_t)rng.counter;
        kb_sha256(m, sizeof m, rng.block);
        rng.counter++;
        rng.used = 0;
    }
    return rng.block[rng.used++];
}

void kb_rng_bytes(uint8_t *out, size_t n)
{
    while (n--) {
        *out++ = kb_rng_byte();
    }
}
