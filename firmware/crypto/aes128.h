/* AES-128 (FIPS 197) in CBC mode, and PKCS#7 padding: what imKey binding uses. */
#ifndef KB_AES128_H
#define KB_AES128_H

#include <stddef.h>
#include <stdint.h>

/* len must be a multiple of 16 (0 allowed); returns 0, or -1 otherwise.
 * in and out may be the same buffer. */
int kb_aes128_cbc_encrypt(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in,
                          size_t len, uint8_t *out);
int kb_aes128_cbc_decrypt(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in,
                          size_t len, uint8_t *out);

/* Single-block ECB primitive, for known-answer tests and as a building block. */
void kb_aes128_encrypt_block(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);
void kb_aes128_decrypt_block(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);

/* Appends 1..16 bytes of PKCS#7 padding to the len bytes in buf (capacity cap).
 * Returns the padded length, or 0 if it would not fit. */
size_t kb_pkcs7_pad(uint8_t *buf, size_t len, size_t cap);
/* Checks the padding of len bytes (len a non-zero multiple of 16) and stores the
 * unpadded length in *outlen. Returns 0, or -1 for bad padding. */
int kb_pkcs7_unpad(const uint8_t *buf, size_t len, size_t *outlen);

#endif
