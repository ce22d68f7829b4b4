/* secp256k1 over 8 x 32-bit limbs (little-endian limb order), because the
 * Cortex-M4 has a single-cycle 32x32->64 multiply (UMULL/UMAAL) but no 64-bit
 * multiplier. Field elements are always kept fully reduced (< p), which makes
 * equality and zero tests plain word comparisons.
 *
 * Scalar multiplication: Jacobian coordinates, left-to-right double-and-add
 * that always performs the addition and selects the result with a mask, so the
 * sequence of field operations does not depend on the key bits. The one
 * exception is the point-at-infinity handling inside the addition, reached
 * only while the leading zero bits of the scalar are being consumed. */
#include "secp256k1.h"

#include <string.h>

#include "memzero.h"

typedef uint32_t fe[8];

typedef struct {
    fe x, y, z; /* affine (x / z^2, y / z^3); z == 0 is the point at infinity */
} jac;

/* p = 2^256 - 2^32 - 977 */
static const fe P = {0xfffffc2fu, 0xfffffffeu, 0xffffffffu, 0xffffffffu,
                     0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
/* n, the order of G */
static const fe N = {0xd0364141u, 0xbfd25e8cu, 0xaf48a03bu, 0xbaaedce6u,
                     0xfffffffeu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
static const fe GX = {0x16f81798u, 0x59f2815bu, 0x2dce28d9u, 0x029bfcdbu,
                      0xce870b07u, 0x55a06295u, 0xf9dcbbacu, 0x79be667eu};
static const fe GY = {0xfb10d4b8u, 0x9c47d08fu, 0xa6855419u, 0xfd17b448u,
                      0x0e1108a8u, 0x5da4fbfcu, 0x26a3c465u, 0x483ada77u};

/* ---- 256-bit helpers ---------------------------------------------------- */

static void from_be(fe r, const uint8_t b[32])
{
    unsigned i;
    for (i = 0; i < 8; i++) {
        const uint8_t *q = b + 28 - 4 * i;
        r[i] = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    }
}

static void to_be(uint8_t b[32], const fe a)
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
static void cmov(fe r, const fe a, uint32_t flag)
{
    uint32_t mask = 0u - flag;
    unsigned i;
    for (i = 0; i < 8; i++) {
        r[i] = (r[i] & ~mask) | (a[i] & mask);
    }
}

static int is_zero(const fe a)
{
    uint32_t acc = 0;
    unsigned i;
    for (i = 0; i < 8; i++) {
        acc |= a[i];
    }
    return acc == 0;
}

static int fe_eq(const fe a, const fe b)
{
    uint32_t acc = 0;
    unsigned i;
    for (i = 0; i < 8; i++) {
        acc |= a[i] ^ b[i];
    }
    return acc == 0;
}

/* 1 if a < m */
static int lt(const fe a, const fe m)
{
    fe t;
    return (int)sub256(t, a, m);
}

/* r = (a + b) mod m for a, b < m. A 257-bit sum minus m is the answer when
 * the addition carried or the subtraction did not borrow. */
static void add_mod(fe r, const fe a, const fe b, const fe m)
{
    fe s, t;
    uint32_t carry = add256(s, a, b);
    uint32_t borrow = sub256(t, s, m);
    memcpy(r, s, sizeof s);
    cmov(r, t, carry | (borrow ^ 1u));
}

/* ---- field arithmetic mod p ------------------------------------------- */

static void fe_add(fe r, const fe a, const fe b) { add_mod(r, a, b, P); }

static void fe_sub(fe r, const fe a, const fe b)
{
    fe t;
    uint32_t borrow = sub256(r, a, b);
    add256(t, r, P); /* wraps back into [0, p) when a < b */
    cmov(r, t, borrow);
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

static void fe_mul(fe r, const fe a, const fe b)
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
    cmov(s, u, sub256(u, s, P) ^ 1u);
    memcpy(r, s, sizeof s);
}

static void fe_sqr(fe r, const fe a) { fe_mul(r, a, a); }

/* r = a^(p-2) = a^-1 (Fermat). The exponent is public, so branching on its
 * bits leaks nothing. About 256 squarings and 250 multiplications: fine for
 * one inversion per scalar multiplication. */
static void fe_inv(fe r, const fe a)
{
    fe e, acc;
    int bit;

    sub256(e, P, (const fe){2, 0, 0, 0, 0, 0, 0, 0});
    memset(acc, 0, sizeof acc);
    acc[0] = 1;
    for (bit = 255; bit >= 0; bit--) {
        fe_sqr(acc, acc);
        if ((e[bit / 32] >> (bit % 32)) & 1u) {
            fe_mul(acc, acc, a);
        }
    }
    memcpy(r, acc, sizeof acc);
}

/* ---- points -------------------------------------------------------------- */

/* y^2 == x^3 + 7 with x, y already < p */
static int on_curve(const fe x, const fe y)
{
    fe l, r;
    static const fe SEVEN = {7, 0, 0, 0, 0, 0, 0, 0};
    fe_sqr(l, y);
    fe_sqr(r, x);
    fe_mul(r, r, x);
    fe_add(r, r, SEVEN);
    return fe_eq(l, r);
}

/* Parses 04 || X || Y and checks it is a curve point. */
static int parse_pub(const uint8_t pub65[65], fe x, fe y)
{
    if (pub65[0] != 0x04) {
        return -1;
    }
    from_be(x, pub65 + 1);
    from_be(y, pub65 + 33);
    if (!lt(x, P) || !lt(y, P) || !on_curve(x, y)) {
        return -1;
    }
    return 0;
}

/* r = 2a, "dbl-2009-l" for a = 0 curves. With a.z == 0 it yields z == 0, so
 * infinity needs no special case. r may alias a. */
static void jac_double(jac *r, const jac *a)
{
    fe A, B, C, D, E, F, t;

    fe_sqr(A, a->x);
    fe_sqr(B, a->y);
    fe_sqr(C, B);
    fe_add(D, a->x, B);
    fe_sqr(D, D);
    fe_sub(D, D, A);
    fe_sub(D, D, C);
    fe_add(D, D, D);          /* D = 2((X+B)^2 - A - C) = 4XY^2 */
    fe_add(E, A, A);
    fe_add(E, E, A);          /* E = 3X^2 */
    fe_sqr(F, E);
    fe_mul(r->z, a->y, a->z); /* z first: a->y is still intact even if r == a */
    fe_add(r->z, r->z, r->z);
    fe_sub(r->x, F, D);
    fe_sub(r->x, r->x, D);
    fe_sub(t, D, r->x);
    fe_mul(t, E, t);
    fe_add(C, C, C);
    fe_add(C, C, C);
    fe_add(C, C, C);          /* 8Y^4 */
    fe_sub(r->y, t, C);
}

/* r = a + (qx, qy) with the second point affine (z = 1). r may alias a. */
static void jac_add_affine(jac *r, const jac *a, const fe qx, const fe qy)
{
    fe z2, u2, s2, h, rr, h2, h3, v, t;

    if (is_zero(a->z)) {
        memcpy(r->x, qx, sizeof(fe));
        memcpy(r->y, qy, sizeof(fe));
        memset(r->z, 0, sizeof(fe));
        r->z[0] = 1;
        return;
    }
    fe_sqr(z2, a->z);
    fe_mul(u2, qx, z2);
    fe_mul(s2, qy, z2);
    fe_mul(s2, s2, a->z);
    fe_sub(h, u2, a->x);
    fe_sub(rr, s2, a->y);
    if (is_zero(h)) {
        if (is_zero(rr)) {
            jac_double(r, a); /* same point */
        } else {
            memset(r, 0, sizeof *r); /* a == -q: infinity */
            r->x[0] = 1;
            r->y[0] = 1;
        }
        return;
    }
    fe_sqr(h2, h);
    fe_mul(h3, h2, h);
    fe_mul(v, a->x, h2);      /* U1 H^2 */
    fe_mul(r->z, a->z, h);
    fe_mul(t, a->y, h3);      /* S1 H^3, before r->y may overwrite a->y */
    fe_sqr(r->x, rr);
    fe_sub(r->x, r->x, h3);
    fe_sub(r->x, r->x, v);
    fe_sub(r->x, r->x, v);
    fe_sub(v, v, r->x);
    fe_mul(v, rr, v);
    fe_sub(r->y, v, t);
}

/* (ox, oy) = k * (qx, qy), k big-endian. -1 if the result is infinity. */
static int point_mul(fe ox, fe oy, const uint8_t k[32], const fe qx, const fe qy)
{
    jac acc, sum;
    fe zi, zi2;
    int bit, rc = 0;

    memset(&acc, 0, sizeof acc); /* infinity */
    acc.x[0] = 1;
    acc.y[0] = 1;
    for (bit = 255; bit >= 0; bit--) {
        uint32_t b = (uint32_t)(k[31 - bit / 8] >> (bit % 8)) & 1u;
        jac_double(&acc, &acc);
        jac_add_affine(&sum, &acc, qx, qy);
        cmov(acc.x, sum.x, b);
        cmov(acc.y, sum.y, b);
        cmov(acc.z, sum.z, b);
    }
    if (is_zero(acc.z)) {
        rc = -1;
    } else {
        fe_inv(zi, acc.z);
        fe_sqr(zi2, zi);
        fe_mul(ox, acc.x, zi2);
        fe_mul(zi2, zi2, zi);
        fe_mul(oy, acc.y, zi2);
    }
    kb_memzero(&acc, sizeof acc);
    kb_memzero(&sum, sizeof sum);
    kb_memzero(zi, sizeof zi);
    kb_memzero(zi2, sizeof zi2);
    return rc;
}

/* ---- public API ----------------------------------------------------------- */

int kb_secp256k1_priv_valid(const uint8_t priv[32])
{
    fe k;
    int ok;
    from_be(k, priv);
    ok = !is_zero(k) && lt(k, N);
    kb_memzero(k, sizeof k);
    return ok;
}

int kb_secp256k1_pubkey(const uint8_t priv[32], uint8_t pub65[65])
{
    fe x, y;
    if (!kb_secp256k1_priv_valid(priv) || point_mul(x, y, priv, GX, GY) != 0) {
        return -1;
    }
    pub65[0] = 0x04;
    to_be(pub65 + 1, x);
    to_be(pub65 + 33, y);
    return 0;
}

int kb_secp256k1_compress(const uint8_t pub65[65], uint8_t pub33[33])
{
    fe x, y;
    unsigned i;
    if (parse_pub(pub65, x, y) != 0) {
        return -1;
    }
    /* Forward byte copy, X before the prefix byte: stays correct when the
     * caller compresses in place (pub33 == pub65), unlike memcpy. */
    for (i = 1; i <= 32; i++) {
        pub33[i] = pub65[i];
    }
    pub33[0] = (uint8_t)(0x02 | (y[0] & 1u));
    return 0;
}

int kb_secp256k1_ecdh_x(const uint8_t priv[32], const uint8_t peer_pub65[65], uint8_t x32[32])
{
    fe qx, qy, x, y;
    int rc = -1;
    if (kb_secp256k1_priv_valid(priv) && parse_pub(peer_pub65, qx, qy) == 0 &&
        point_mul(x, y, priv, qx, qy) == 0) {
        to_be(x32, x);
        rc = 0;
    }
    kb_memzero(x, sizeof x);
    kb_memzero(y, sizeof y);
    return rc;
}

int kb_secp256k1_priv_tweak_add(const uint8_t a[32], const uint8_t b[32], uint8_t out[32])
{
    fe x, y;
    int rc = -1;
    from_be(x, a);
    from_be(y, b);
    if (lt(x, N) && lt(y, N)) {
        add_mod(x, x, y, N);
        if (!is_zero(x)) {
            to_be(out, x);
            rc = 0;
        }
    }
    kb_memzero(x, sizeof x);
    kb_memzero(y, sizeof y);
    return rc;
}
