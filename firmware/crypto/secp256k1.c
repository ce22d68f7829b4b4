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
#include "secp256k1_field.h"

typedef struct {
    fe x, y, z; /* affine (x / z^2, y / z^3); z == 0 is the point at infinity */
} jac;

static const fe GX = {0x16f81798u, 0x59f2815bu, 0x2dce28d9u, 0x029bfcdbu,
                      0xce870b07u, 0x55a06295u, 0xf9dcbbacu, 0x79be667eu};
static const fe GY = {0xfb10d4b8u, 0x9c47d08fu, 0xa6855419u, 0xfd17b448u,
                      0x0e1108a8u, 0x5da4fbfcu, 0x26a3c465u, 0x483ada77u};

/* ---- points -------------------------------------------------------------- */

/* y^2 == x^3 + 7 with x, y already < p */
static int on_curve(const fe x, const fe y)
{
    fe l, r;
    static const fe SEVEN = {7, 0, 0, 0, 0, 0, 0, 0};
    kb_fe_sqr(l, y);
    kb_fe_sqr(r, x);
    kb_fe_mul(r, r, x);
    kb_fe_add(r, r, SEVEN);
    return kb_u256_eq(l, r);
}

/* Parses 04 || X || Y and checks it is a curve point. */
static int parse_pub(const uint8_t pub65[65], fe x, fe y)
{
    if (pub65[0] != 0x04) {
        return -1;
    }
    kb_u256_from_be(x, pub65 + 1);
    kb_u256_from_be(y, pub65 + 33);
    if (!kb_u256_lt(x, kb_secp256k1_p) || !kb_u256_lt(y, kb_secp256k1_p) || !on_curve(x, y)) {
        return -1;
    }
    return 0;
}

/* r = 2a, "dbl-2009-l" for a = 0 curves. With a.z == 0 it yields z == 0, so
 * infinity needs no special case. r may alias a. */
static void jac_double(jac *r, const jac *a)
{
    fe A, B, C, D, E, F, t;

    kb_fe_sqr(A, a->x);
    kb_fe_sqr(B, a->y);
    kb_fe_sqr(C, B);
    kb_fe_add(D, a->x, B);
    kb_fe_sqr(D, D);
    kb_fe_sub(D, D, A);
    kb_fe_sub(D, D, C);
    kb_fe_add(D, D, D);          /* D = 2((X+B)^2 - A - C) = 4XY^2 */
    kb_fe_add(E, A, A);
    kb_fe_add(E, E, A);          /* E = 3X^2 */
    kb_fe_sqr(F, E);
    kb_fe_mul(r->z, a->y, a->z); /* z first: a->y is still intact even if r == a */
    kb_fe_add(r->z, r->z, r->z);
    kb_fe_sub(r->x, F, D);
    kb_fe_sub(r->x, r->x, D);
    kb_fe_sub(t, D, r->x);
    kb_fe_mul(t, E, t);
    kb_fe_add(C, C, C);
    kb_fe_add(C, C, C);
    kb_fe_add(C, C, C);          /* 8Y^4 */
    kb_fe_sub(r->y, t, C);
}

/* r = a + (qx, qy) with the second point affine (z = 1). r may alias a. */
static void jac_add_affine(jac *r, const jac *a, const fe qx, const fe qy)
{
    fe z2, u2, s2, h, rr, h2, h3, v, t;

    if (kb_u256_is_zero(a->z)) {
        memcpy(r->x, qx, sizeof(fe));
        memcpy(r->y, qy, sizeof(fe));
        memset(r->z, 0, sizeof(fe));
        r->z[0] = 1;
        return;
    }
    kb_fe_sqr(z2, a->z);
    kb_fe_mul(u2, qx, z2);
    kb_fe_mul(s2, qy, z2);
    kb_fe_mul(s2, s2, a->z);
    kb_fe_sub(h, u2, a->x);
    kb_fe_sub(rr, s2, a->y);
    if (kb_u256_is_zero(h)) {
        if (kb_u256_is_zero(rr)) {
            jac_double(r, a); /* same point */
        } else {
            memset(r, 0, sizeof *r); /* a == -q: infinity */
            r->x[0] = 1;
            r->y[0] = 1;
        }
        return;
    }
    kb_fe_sqr(h2, h);
    kb_fe_mul(h3, h2, h);
    kb_fe_mul(v, a->x, h2);      /* U1 H^2 */
    kb_fe_mul(r->z, a->z, h);
    kb_fe_mul(t, a->y, h3);      /* S1 H^3, before r->y may overwrite a->y */
    kb_fe_sqr(r->x, rr);
    kb_fe_sub(r->x, r->x, h3);
    kb_fe_sub(r->x, r->x, v);
    kb_fe_sub(r->x, r->x, v);
    kb_fe_sub(v, v, r->x);
    kb_fe_mul(v, rr, v);
    kb_fe_sub(r->y, v, t);
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
        kb_u256_cmov(acc.x, sum.x, b);
        kb_u256_cmov(acc.y, sum.y, b);
        kb_u256_cmov(acc.z, sum.z, b);
    }
    if (kb_u256_is_zero(acc.z)) {
        rc = -1;
    } else {
        kb_fe_inv(zi, acc.z);
        kb_fe_sqr(zi2, zi);
        kb_fe_mul(ox, acc.x, zi2);
        kb_fe_mul(zi2, zi2, zi);
        kb_fe_mul(oy, acc.y, zi2);
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
    kb_u256_from_be(k, priv);
    ok = !kb_u256_is_zero(k) && kb_u256_lt(k, kb_secp256k1_n);
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
    kb_u256_to_be(pub65 + 1, x);
    kb_u256_to_be(pub65 + 33, y);
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
        kb_u256_to_be(x32, x);
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
    kb_u256_from_be(x, a);
    kb_u256_from_be(y, b);
    if (kb_u256_lt(x, kb_secp256k1_n) && kb_u256_lt(y, kb_secp256k1_n)) {
        kb_u256_add_mod(x, x, y, kb_secp256k1_n);
        if (!kb_u256_is_zero(x)) {
            kb_u256_to_be(out, x);
            rc = 0;
        }
    }
    kb_memzero(x, sizeof x);
    kb_memzero(y, sizeof y);
    return rc;
}
