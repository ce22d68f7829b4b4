#include "hmac.h"

#include <string.h>

#include "memzero.h"

void kb_hmac_sha256_init(kb_hmac_sha256_ctx *c, const uint8_t *key, size_t klen)
{
    uint8_t pad[KB_SHA256_BLOCK];
    unsigned i;

    /* Keys longer than a block are replaced by their hash (RFC 2104 section 2). */
    memset(pad, 0, sizeof pad);
    if (klen > KB_SHA256_BLOCK) {
        kb_sha256(key, klen, pad);
    } else if (klen) {
        memcpy(pad, key, klen);
    }
    for (i = 0; i < sizeof pad; i++) {
        pad[i] ^= 0x36;
    }
    kb_sha256_init(&c->inner);
    kb_sha256_update(&c->inner, pad, sizeof pad);
    for (i = 0; i < sizeof pad; i++) {
        pad[i] ^= 0x36 ^ 0x5c; /* ipad -> opad without keeping the raw key */
    }
    kb_sha256_init(&c->outer);
    kb_sha256_update(&c->outer, pad, sizeof pad);
    kb_memzero(pad, sizeof pad);
}

void kb_hmac_sha256_update(kb_hmac_sha256_ctx *c, const uint8_t *d, size_t n)
{
    kb_sha256_update(&c->inner, d, n);
}

void kb_hmac_sha256_final(kb_hmac_sha256_ctx *c, uint8_t out[32])
{
    uint8_t ih[KB_SHA256_SIZE];

    kb_sha256_final(&c->inner, ih);
    kb_sha256_update(&c->outer, ih, sizeof ih);
    kb_sha256_final(&c->outer, out);
    kb_memzero(ih, sizeof ih);
}

void kb_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                    uint8_t out[32])
{
    kb_hmac_sha256_ctx c;
    kb_hmac_sha256_init(&c, key, klen);
    kb_hmac_sha256_update(&c, msg, mlen);
    kb_hmac_sha256_final(&c, out);
}

/* The SHA-512 half mirrors the SHA-256 half; duplicated rather than macro-generated
 * so each stays easy to read and step through in a debugger. */
void kb_hmac_sha512_init(kb_hmac_sha512_ctx *c, const uint8_t *key, size_t klen)
{
    uint8_t pad[KB_SHA512_BLOCK];
    unsigned i;

    memset(pad, 0, sizeof pad);
    if (klen > KB_SHA512_BLOCK) {
        kb_sha512(key, klen, pad);
    } else if (klen) {
        memcpy(pad, key, klen);
    }
    for (i = 0; i < sizeof pad; i++) {
        pad[i] ^= 0x36;
    }
    kb_sha512_init(&c->inner);
    kb_sha512_update(&c->inner, pad, sizeof pad);
    for (i = 0; i < sizeof pad; i++) {
        pad[i] ^= 0x36 ^ 0x5c;
    }
    kb_sha512_init(&c->outer);
    kb_sha512_update(&c->outer, pad, sizeof pad);
    kb_memzero(pad, sizeof pad);
}

void kb_hmac_sha512_update(kb_hmac_sha512_ctx *c, const uint8_t *d, size_t n)
{
    kb_sha512_update(&c->inner, d, n);
}

void kb_hmac_sha512_final(kb_hmac_sha512_ctx *c, uint8_t out[64])
{
    uint8_t ih[KB_SHA512_SIZE];

    kb_sha512_final(&c->inner, ih);
    kb_sha512_update(&c->outer, ih, sizeof ih);
    kb_sha512_final(&c->outer, out);
    kb_memzero(ih, sizeof ih);
}

void kb_hmac_sha512(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                    uint8_t out[64])
{
    kb_hmac_sha512_ctx c;
    kb_hmac_sha512_init(&c, key, klen);
    kb_hmac_sha512_update(&c, msg, mlen);
    kb_hmac_sha512_final(&c, out);
}
