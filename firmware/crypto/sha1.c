/* SHA-1, one-shot only: nothing in the firmware needs to stream it. */
#include "sha1.h"

#include <string.h>

#include "memzero.h"

static uint32_t rol(uint32_t x, unsigned s) { return (x << s) | (x >> (32u - s)); }

static void sha1_block(uint32_t h[5], const uint8_t b[64])
{
    /* 16-word rolling schedule instead of 80 words: saves 256 bytes of stack. */
    uint32_t w[16];
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
    unsigned i;

    for (i = 0; i < 16; i++) {
        w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
               (uint32_t)b[4 * i + 2] << 8 | (uint32_t)b[4 * i + 3];
    }
    for (i = 0; i < 80; i++) {
        uint32_t f, k, t;
        if (i >= 16) {
            t = w[(i + 13) & 15] ^ w[(i + 8) & 15] ^ w[(i + 2) & 15] ^ w[i & 15];
            w[i & 15] = rol(t, 1);
        }
        if (i < 20) {
            f = (bb & c) | (~bb & d);
            k = 0x5a827999u;
        } else if (i < 40) {
            f = bb ^ c ^ d;
            k = 0x6ed9eba1u;
        } else if (i < 60) {
            f = (bb & c) | (bb & d) | (c & d);
            k = 0x8f1bbcdcu;
        } else {
            f = bb ^ c ^ d;
            k = 0xca62c1d6u;
        }
        t = rol(a, 5) + f + e + k + w[i & 15];
        e = d;
        d = c;
        c = rol(bb, 30);
        bb = a;
        a = t;
    }
    h[0] += a;
    h[1] += bb;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    kb_memzero(w, sizeof w);
}

void kb_sha1(const uint8_t *d, size_t n, uint8_t out[20])
{
    uint32_t h[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
    uint8_t blk[64];
    uint64_t bits = (uint64_t)n * 8u;
    size_t rem;
    unsigned i;

    while (n >= 64) {
        sha1_block(h, d);
        d += 64;
        n -= 64;
    }
    /* Tail: remaining bytes, 0x80, zeros, 64-bit big-endian bit length;
     * spills into a second block when fewer than 9 bytes are free. */
    rem = n;
    memset(blk, 0, sizeof blk);
    if (rem) {
        memcpy(blk, d, rem);
    }
    blk[rem] = 0x80;
    if (rem >= 56) {
        sha1_block(h, blk);
        memset(blk, 0, sizeof blk);
    }
    for (i = 0; i < 8; i++) {
        blk[63 - i] = (uint8_t)(bits >> (8 * i));
    }
    sha1_block(h, blk);
    for (i = 0; i < 20; i++) {
        out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
    }
    kb_memzero(blk, sizeof blk);
}
