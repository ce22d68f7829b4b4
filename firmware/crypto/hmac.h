/* HMAC (RFC 2104) over SHA-256 and SHA-512.
 * The streaming contexts exist so PBKDF2 can hash the padded key once and reuse it
 * for every iteration, which is most of the cost of a BIP39 seed. */
#ifndef KB_HMAC_H
#define KB_HMAC_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"
#include "sha512.h"

typedef struct {
    kb_sha256_ctx inner; /* already fed key ^ ipad */
    kb_sha256_ctx outer; /* already fed key ^ opad */
} kb_hmac_sha256_ctx;

typedef struct {
    kb_sha512_ctx inner;
    kb_sha512_ctx outer;
} kb_hmac_sha512_ctx;

void kb_hmac_sha256_init(kb_hmac_sha256_ctx *c, const uint8_t *key, size_t klen);
void kb_hmac_sha256_update(kb_hmac_sha256_ctx *c, const uint8_t *d, size_t n);
/* Writes the MAC and wipes the context. */
void kb_hmac_sha256_final(kb_hmac_sha256_ctx *c, uint8_t out[32]);
void kb_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                    uint8_t out[32]);

void kb_hmac_sha512_init(kb_hmac_sha512_ctx *c, const uint8_t *key, size_t klen);
void kb_hmac_sha512_update(kb_hmac_sha512_ctx *c, const uint8_t *d, size_t n);
void kb_hmac_sha512_final(kb_hmac_sha512_ctx *c, uint8_t out[64]);
void kb_hmac_sha512(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                    uint8_t out[64]);

#endif
