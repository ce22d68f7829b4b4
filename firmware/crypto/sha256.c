#include "sha256.h"

#include <string.h>

#include "memzero.h"

/* First 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u,
    0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu,
    0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u,
    0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u,
    0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

static uint32_t ror(uint32_t x, unsigned s) { return (x >> s) | (x << (32u - s)); }

static void sha256_block(uint32_t h[8], const uint8_t b[64])
{
    /* Rolling 16-word schedule keeps the stack small on the M4. */
    uint32_t w[16], v[8];
    unsigned i;

    for (i = 0; i < 16; i++) {
        w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
               (uint32_t)b[4 * i + 2] << 8 | (uint32_t)b[4 * i + 3];
    }
    memcpy(v, h, sizeof v);
    for (i = 0; i < 64; i++) {
        uint32_t t1, t2;
        if (i >= 16) {
            uint32_t w15 = w[(i + 1) & 15], w2 = w[(i + 14) & 15];
            uint32_t s0 = ror(w15, 7) ^ ror(w15, 18) ^ (w15 >> 3);
            uint32_t s1 = ror(w2, 17) ^ ror(w2, 19) ^ (w2 >> 10);
            w[i & 15] += s0 + w[(i + 9) & 15] + s1;
        }
        t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
             ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + w[i & 15];
        t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
             ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        v[7] = v[6];
        v[6] = v[5];
        v[5] = v[4];
        v[4] = v[3] + t1;
        v[3] = v[2];
        v[2] = v[1];
        v[1] = v[0];
        v[0] = t1 + t2;
    }
    for (i = 0; i < 8; i++) {
        h[i] += v[i];
    }
    kb_memzero(w, sizeof w);
    kb_memzero(v, sizeof v);
}

void kb_sha256_init(kb_sha256_ctx *c)
{
    /* First 32 bits of the fractional parts of the square roots of the first 8 primes. */
    static const uint32_t H0[8] = {
        0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
        0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
    };
    memcpy(c->h, H0, sizeof H0);
    c->total = 0;
    c->used = 0;
}

void kb_sha256_update(kb_sha256_ctx *c, const uint8_t *d, size_t n)
{
    if (n == 0) {
        return; /* d may be NULL then; memcpy(NULL, 0) is still undefined */
    }
    c->total += n;
    if (c->used) {
        size_t take = KB_SHA256_BLOCK - c->used;
        if (take > n) {
            take = n;
        }
        memcpy(c->buf + c->used, d, take);
        c->used += take;
        d += take;
        n -= take;
        if (c->used < KB_SHA256_BLOCK) {
            return;
        }
        sha256_block(c->h, c->buf);
        c->used = 0;
    }
    /* Whole blocks straight from the caller's buffer: no copy. */
    while (n >= KB_SHA256_BLOCK) {
        sha256_block(c->h, d);
        d += KB_SHA256_BLOCK;
        n -= KB_SHA256_BLOCK;
    }
    if (n) {
        memcpy(c->buf, d, n);
        c->used = n;
    }
}

void kb_sha256_final(kb_sha256_ctx *c, uint8_t out[32])
{
    uint64_t bits = c->total * 8u;
    unsigned i;

    c->buf[c->used++] = 0x80;
    if (c->used > 56) {
        memset(c->buf + c->used, 0, KB_SHA256_BLOCK - c->used);
        sha256_block(c->h, c->buf);
        c->used = 0;
    }
    memset(c->buf + c->used, 0, 56 - c->used);
    for (i = 0; i < 8; i++) {
        c->buf[63 - i] = (uint8_t)(bits >> (8 * i));
    }
    sha256_block(c->h, c->buf);
    for (i = 0; i < 32; i++) {
        out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
    }
    kb_memzero(c, sizeof *c);
}

void kb_sha256(const uint8_t *d, size_t n, uint8_t out[32])
{
    kb_sha256_ctx c;
    kb_sha256_init(&c);
    kb_sha256_update(&c, d, n);
    kb_sha256_final(&c, out);
}
