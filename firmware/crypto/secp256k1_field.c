/* 256-bit integer helpers and arithmetic mod p for secp256k1 (secp256k1_field.h). 8 x 32-bit limbs because the
 * Cortex-M4 has a single-cycle 32x32->64 multiply (UMULL/UMAAL) but no 64-bit multiplier. */
#include "secp256k1_field.h"

#include <string.h>

/* p = 2^256 - 2^32 - 977 */
const fe kb_secp256k1_p = {0xfffffc2fu, 0xfffffffeu, 0xffffffffu, 0xffffffffu,
                           0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
/* n, the order of G */
const fe kb_secp256k1_n = {0xd0364141u, 0xbfd25e8cu, 0xaf48a03bu, 0xbaaedce6u,
                           0xfffffffeu, 0xffffffffu, 0xffffffffu, 0xffffffffu};

/* ---- 256-bit helpers ---------------------------------------------------- */

void kb_u256_from_be(fe r, const uint8_t b[32])
{
    unsigned i;
    for (i = 0; i < 8; i++) {
        const uint8_t *q = b + 28 - 4 * i;
        r[i] = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    }
}

void kb_u256_to_be(uint8_t b[32], const fe a)
{
    unsigned i;
    for (i = 0; i < 8; i++) {
        uint8_t *q = b + 28 - 4 * i;
        q[0] = (uint8_t)(a[i] >> 24);
        q[1] = (uint8_t)(a[i] >> 16);
        q[2] = (uint8_t)(a[i] >> 8);
        q[3] = (uint8_t)a[i];
    }
}

/* r = a - b, returns the borrow (0 or 1). r may alias a or b. */
static uint32_t sub256(fe r, const fe a, const fe b)
{
    uint64_t t;
    uint32_t borrow = 0;
    unsigned i;
    for (i = 0; i < 8; i++) {
        t = (uint64_t)a[i] - b[i] - borrow;
        r[i] = (uint32_t)t;
        borrow = (uint32_t)(t >> 63);
    }
    return borrow;
}

/* r = a + b, returns the carry (0 or 1). */
static uint32_t add256(fe r, const fe a, const fe b)
{
    uint64_t t = 0;
    unsigned i;
    for (i = 0; i < 8; i++) {
        t += (uint64_t)a[i] + b[i];
        r[i] = (uint32_t)t;
        t >>= 32;
    }
    return (uint32_t)t;
}

/* r = flag ? a : r, without a branch on flag (0 or 1). */
void kb_u256_cmov(fe r, const fe a, uint32_t flag)
{
    uint32_t mask = 0u - flag;
    unsigned i;
    for (i = 0; i < 8; i++) {
        r[i] = (r[i] & ~mask) | (a[i] & mask);
    }
}

int kb_u256_is_zero(const fe a)
{
    uint32_t acc = 0;
    unsigned i;
    for (i = 0; i < 8; i++) {
        acc |= a[i];
    }
    return acc == 0;
}

int kb_u256_eq(const fe a, const fe b)
{
    uint32_t acc = 0;
    unsigned i;
    for (i = 0; i < 8; i++) {
        acc |= a[i] ^ b[i];
    }
    return acc == 0;
}

/* 1 if a < m */
int kb_u256_lt(const fe a, const fe m)
{
    fe t;
    return (int)sub256(t, a, m);
}

/* r = (a + b) mod m for a, b < m. A 257-bit sum minus m is the answer when
 * the addition carried or the subtraction did not borrow. */
void kb_u256_add_mod(fe r, const fe a, const fe b, const fe m)
{
    fe s, t;
    uint32_t carry = add256(s, a, b);
    uint32_t borrow = sub256(t, s, m);
    memcpy(r, s, sizeof s);
    kb_u256_cmov(r, t, carry | (borrow ^ 1u));
}

/* ---- field arithmetic mod p ------------------------------------------- */

void kb_fe_add(fe r, const fe a, const fe b) { kb_u256_add_mod(r, a, b, kb_secp256k1_p); }

void kb_fe_sub(fe r, const fe a, const fe b)
{
    fe t;
    uint32_t borrow = sub256(r, a, b);
    add256(t, r, kb_secp256k1_p); /* wraps back into [0, p) when a < b */
    kb_u256_cmov(r, t, borrow);
}

/* Adds c * 2^256 == c * (2^32 + 977) (mod p) into the 8 low limbs, c < 2^34;
 * returns the carry out of 2^256 (0 or 1). */
static uint32_t fold(uint32_t s[8], uint64_t c)
{
    uint64_t t = (uint64_t)s[0] + (uint64_t)c * 977u;
    unsigned i;
    s[0] = (uint32_t)t;
    t = (t >> 32) + s[1] + c;
    s[1] = (uint32_t)t;
    t >>= 32;
    for (i = 2; i < 8; i++) {
        t += s[i];
        s[i] = (uint32_t)t;
        t >>= 32;
    }
    return (uint32_t)t;
}

void kb_fe_mul(fe r, const fe a, const fe b)
{
    uint32_t w[16], s[8];
    uint64_t t;
    fe u;
    unsigned i, j;

    /* Schoolbook 8x8 product. Each step fits in 64 bits:
     * (2^32-1)^2 + 2(2^32-1) = 2^64 - 1. */
    memset(w, 0, sizeof w);
    for (i = 0; i < 8; i++) {
        uint32_t carry = 0;
        for (j = 0; j < 8; j++) {
            t = (uint64_t)a[i] * b[j] + w[i + j] + carry;
            w[i + j] = (uint32_t)t;
            carry = (uint32_t)(t >> 32);
        }
        w[i + 8] = carry;
    }
    /* Reduce: hi * 2^256 == hi * 977 + hi << 32 (mod p). Column i collects
     * lo[i] + hi[i] * 977 + hi[i - 1]; the sum stays below 2^45. */
    t = 0;
    for (i = 0; i < 8; i++) {
        t += (uint64_t)w[i] + (uint64_t)w[8 + i] * 977u;
        if (i) {
            t += w[7 + i];
        }
        s[i] = (uint32_t)t;
        t >>= 32;
    }
    t += w[15];
    /* t < 2^33 now. Fold it in; if that carries out of 2^256, the low part is
     * below 2^66, so one more fold of the carry cannot carry again. */
    fold(s, fold(s, t));
    /* Now s < 2^256 < 2p: one conditional subtraction finishes the job. */
    kb_u256_cmov(s, u, sub256(u, s, kb_secp256k1_p) ^ 1u);
    memcpy(r, s, sizeof s);
}

void kb_fe_sqr(fe r, const fe a) { kb_fe_mul(r, a, a); }

/* r = a^(p-2) = a^-1 (Fermat). The exponent is public, so branching on its
 * bits leaks nothing. About 256 squarings and 250 multiplications: fine for
 * one inversion per scalar multiplication. */
void kb_fe_inv(fe r, const fe a)
{
    fe e, acc;
    int bit;

    sub256(e, kb_secp256k1_p, (const fe){2, 0, 0, 0, 0, 0, 0, 0});
    memset(acc, 0, sizeof acc);
    acc[0] = 1;
    for (bit = 255; bit >= 0; bit--) {
        kb_fe_sqr(acc, acc);
        if ((e[bit / 32] >> (bit % 32)) & 1u) {
            kb_fe_mul(acc, acc, a);
        }
    }
    memcpy(r, acc, sizeof acc);
}
