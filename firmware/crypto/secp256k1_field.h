/* Internal to the secp256k1 code: 256-bit integers as 8 x 32-bit limbs (little-endian limb order), and the
 * field mod p. Field elements are kept fully reduced (< p). Not part of the crypto library's API. */
#ifndef KB_SECP256K1_FIELD_H
#define KB_SECP256K1_FIELD_H

#include <stdint.h>

typedef uint32_t fe[8];

extern const fe kb_secp256k1_p; /* p = 2^256 - 2^32 - 977 */
extern const fe kb_secp256k1_n; /* n, the order of G */

void kb_u256_from_be(fe r, const uint8_t b[32]);
void kb_u256_to_be(uint8_t b[32], const fe a);
void kb_u256_cmov(fe r, const fe a, uint32_t flag); /* r = flag ? a : r, no branch on flag (0 or 1) */
int kb_u256_is_zero(const fe a);
int kb_u256_eq(const fe a, const fe b);
int kb_u256_lt(const fe a, const fe m); /* 1 if a < m */
void kb_u256_add_mod(fe r, const fe a, const fe b, const fe m); /* (a + b) mod m for a, b < m */

void kb_fe_add(fe r, const fe a, const fe b);
void kb_fe_sub(fe r, const fe a, const fe b);
void kb_fe_mul(fe r, const fe a, const fe b);
void kb_fe_sqr(fe r, const fe a);
void kb_fe_inv(fe r, const fe a); /* a^-1 = a^(p-2) */

#endif
