/* SHA-512 (FIPS 180-4), streaming and one-shot. Needed by HMAC-SHA512 for BIP32/BIP39. */
#ifndef KB_SHA512_H
#define KB_SHA512_H

#include <stddef.h>
#include <stdint.h>

#define KB_SHA512_BLOCK 128
#define KB_SHA512_SIZE 64

typedef struct {
    uint64_t h[8];
    uint64_t total;     /* bytes so far; 2^64 bytes is far beyond any firmware input */
    uint8_t buf[KB_SHA512_BLOCK];
    size_t used;        /* bytes waiting in buf, always < 128 between calls */
} kb_sha512_ctx;

void kb_sha512_init(kb_sha512_ctx *c);
void kb_sha512_update(kb_sha512_ctx *c, const uint8_t *d, size_t n);
/* Writes the digest and wipes the context. */
void kb_sha512_final(kb_sha512_ctx *c, uint8_t out[64]);
void kb_sha512(const uint8_t *d, size_t n, uint8_t out[64]);

#endif
