/* PBKDF2 (RFC 8018 section 5.2) with HMAC-SHA512, as BIP39 uses it. */
#ifndef KB_PBKDF2_H
#define KB_PBKDF2_H

#include <stddef.h>
#include <stdint.h>

void kb_pbkdf2_hmac_sha512(const uint8_t *pass, size_t plen, const uint8_t *salt, size_t slen,
                           uint32_t iterations, uint8_t *out, size_t outlen);

/* Same, with the salt given as two pieces (salt_a || salt_b), so BIP39 can use
 * "mnemonic" + passphrase without a bounded concatenation buffer. */
void kb_pbkdf2_hmac_sha512_2(const uint8_t *pass, size_t plen, const uint8_t *salt_a,
                             size_t alen, const uint8_t *salt_b, size_t blen,
                             uint32_t iterations, uint8_t *out, size_t outlen);

#endif
