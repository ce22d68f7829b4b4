#include "pbkdf2.h"

#include <string.h>

#include "hmac.h"
#include "memzero.h"

void kb_pbkdf2_hmac_sha512_2(const uint8_t *pass, size_t plen, const uint8_t *salt_a,
                             size_t alen, const uint8_t *salt_b, size_t blen,
                             uint32_t iterations, uint8_t *out, size_t outlen)
{
    /* The keyed state is computed once and copied for every HMAC: each iteration
     * then costs two SHA-512 blocks instead of four. */
    kb_hmac_sha512_ctx keyed, c;
    uint8_t u[KB_SHA512_SIZE], t[KB_SHA512_SIZE], ctr[4];
    uint32_t block = 1, it;
    size_t i, take;

    kb_hmac_sha512_init(&keyed, pass, plen);
    while (outlen) {
        ctr[0] = (uint8_t)(block >> 24);
        ctr[1] = (uint8_t)(block >> 16);
        ctr[2] = (uint8_t)(block >> 8);
        ctr[3] = (uint8_t)block;
        c = keyed;
        kb_hmac_sha512_update(&c, salt_a, alen);
        kb_hmac_sha512_update(&c, salt_b, blen);
        kb_hmac_sha512_update(&c, ctr, sizeof ctr);
        kb_hmac_sha512_final(&c, u);
        memcpy(t, u, sizeof t);
        for (it = 1; it < iterations; it++) {
            c = keyed;
            kb_hmac_sha512_update(&c, u, sizeof u);
            kb_hmac_sha512_final(&c, u);
            for (i = 0; i < sizeof t; i++) {
                t[i] ^= u[i];
            }
        }
        take = outlen < sizeof t ? outlen : sizeof t;
        memcpy(out, t, take);
        out += take;
        outlen -= take;
        block++;
    }
    kb_memzero(&keyed, sizeof keyed);
    kb_memzero(&c, sizeof c);
    kb_memzero(u, sizeof u);
    kb_memzero(t, sizeof t);
}

void kb_pbkdf2_hmac_sha512(const uint8_t *pass, size_t plen, const uint8_t *salt, size_t slen,
                           uint32_t iterations, uint8_t *out, size_t outlen)
{
    kb_pbkdf2_hmac_sha512_2(pass, plen, salt, slen, NULL, 0, iterations, out, outlen);
}
