/* secp256k1 (SEC 2) public-key operations: key generation, compression, ECDH,
 * and private-key tweaking for BIP32. Big-endian 32-byte scalars and coordinates.
 * All functions return 0 on success and -1 on error unless stated otherwise. */
#ifndef KB_SECP256K1_H
#define KB_SECP256K1_H

#include <stdint.h>

/* 1 if 0 < priv < n (the group order), else 0. */
int kb_secp256k1_priv_valid(const uint8_t priv[32]);

/* pub65 = 04 || X || Y of priv * G. -1 if priv is not valid. */
int kb_secp256k1_pubkey(const uint8_t priv[32], uint8_t pub65[65]);

/* pub33 = (02 | parity of Y) || X. -1 unless pub65 is an uncompressed point on the curve. */
int kb_secp256k1_compress(const uint8_t pub65[65], uint8_t pub33[33]);

/* x32 = X coordinate of priv * peer. -1 if priv is invalid or peer_pub65 is not an
 * uncompressed point on the curve (guards against invalid-curve attacks). */
int kb_secp256k1_ecdh_x(const uint8_t priv[32], const uint8_t peer_pub65[65], uint8_t x32[32]);

/* out = (a + b) mod n. -1 if a >= n, b >= n, or the sum is 0 mod n (BIP32 rules). */
int kb_secp256k1_priv_tweak_add(const uint8_t a[32], const uint8_t b[32], uint8_t out[32]);

#endif
