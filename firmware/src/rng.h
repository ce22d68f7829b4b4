/* The device's random stream (docs/protocol.md section 3):
 * block_i = SHA256(SHA256("keybench-rng" || seed(8) || wipes(4)) || i(4)), byte by byte. */
#ifndef KB_RNG_H
#define KB_RNG_H

#include <stddef.h>
#include <stdint.h>

void kb_rng_seed(uint64_t seed, uint32_t wipes);
/* At boot: the key is SHA256("keybench-rng-hw" || 32 bytes of the board's hardware RNG) where the board has
 * one (stm32f4), else the seeded stream above. Returns 0 or the hal_entropy error. */
int kb_rng_boot(uint64_t seed, uint32_t wipes);
/* 0 when the board's hardware RNG failed: wallets must not be created from the stream. */
int kb_rng_usable(void);
uint8_t kb_rng_byte(void);
void kb_rng_bytes(uint8_t *out, size_t n);

#endif
