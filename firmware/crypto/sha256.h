/* SHA-256 (FIPS 180-4), streaming and one-shot. */
#ifndef KB_SHA256_H
#define KB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define KB_SHA256_BLOCK 64
#define KB_SHA256_SIZE 32

typedef struct {
    uint32_t h[8];
    uint64_t total;     /* bytes hashed so far; the padding needs the bit length */
    uint8_t buf[KB_SHA256_BLOCK];
    size_t used;        /* bytes waiting in buf, always < 64 between calls */
} kb_sha256_ctx;

void kb_sha256_init(kb_sha256_ctx *c);
void kb_sha256_update(kb_sha256_ctx *c, const uint8_t *d, size_t n);
/* Writes the digest and wipes the context. */
void kb_sha256_final(kb_sha256_ctx *c, uint8_t out[32]);
void kb_sha256(const uint8_t *d, size_t n, uint8_t out[32]);

#endif
