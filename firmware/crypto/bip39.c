#include "bip39.h"

#include <string.h>

#include "memzero.h"
#include "pbkdf2.h"
#include "sha256.h"

int kb_bip39_word_index(const char *word, size_t len)
{
    int lo = 0, hi = 2047;

    if (len == 0 || len > 8) {
        return -1;
    }
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const char *w = kb_bip39_words[mid];
        int cmp = 0;
        size_t i;
        /* Compare word[0..len) with the NUL-terminated w, byte by byte. */
        for (i = 0; i < len && cmp == 0; i++) {
            if (w[i] == '\0') {
                cmp = 1; /* w is a proper prefix: word sorts after it */
            } else if ((unsigned char)word[i] != (unsigned char)w[i]) {
                cmp = (unsigned char)word[i] < (unsigned char)w[i] ? -1 : 1;
            }
        }
        if (cmp == 0 && w[len] != '\0') {
            cmp = -1; /* word is a proper prefix of w */
        }
        if (cmp == 0) {
            return mid;
        }
        if (cmp < 0) {
            hi = mid - 1;
        } else {
            lo = mid + 1;
        }
    }
    return -1;
}

/* The 11-bit group number i of a big-endian bit string. */
static unsigned get11(const uint8_t *bits, size_t i)
{
    size_t bit = i * 11;
    uint32_t v = (uint32_t)bits[bit / 8] << 16 | (uint32_t)bits[bit / 8 + 1] << 8 |
                 bits[bit / 8 + 2];
    return (unsigned)(v >> (24 - 11 - bit % 8)) & 0x7ffu;
}

static void put11(uint8_t *bits, size_t i, unsigned v)
{
    size_t bit = i * 11;
    uint32_t w = (uint32_t)(v & 0x7ffu) << (24 - 11 - bit % 8);
    bits[bit / 8] |= (uint8_t)(w >> 16);
    bits[bit / 8 + 1] |= (uint8_t)(w >> 8);
    bits[bit / 8 + 2] |= (uint8_t)w;
}

int kb_bip39_from_entropy(const uint8_t *ent, size_t len, char *out, size_t cap)
{
    /* entropy || first len/4 bits of SHA256(entropy), plus 2 spare bytes so
     * get11 may always read 3 bytes */
    uint8_t bits[32 + 1 + 2], h[32];
    size_t words, i, pos = 0;

    if (len < 16 || len > 32 || len % 4) {
        return -1;
    }
    words = len * 3 / 4; /* (8 len + len / 4) / 11 */
    memset(bits, 0, sizeof bits);
    memcpy(bits, ent, len);
    kb_sha256(ent, len, h);
    bits[len] = h[0]; /* at most 8 checksum bits are used */
    for (i = 0; i < words; i++) {
        const char *w = kb_bip39_words[get11(bits, i)];
        size_t wl = strlen(w);
        if (pos + wl + 1 > cap) { /* room for the word and a space or the NUL */
            kb_memzero(bits, sizeof bits);
            if (cap) {
                kb_memzero(out, cap);
            }
            return -1;
        }
        memcpy(out + pos, w, wl);
        pos += wl;
        out[pos++] = (i + 1 < words) ? ' ' : '\0';
    }
    kb_memzero(bits, sizeof bits);
    kb_memzero(h, sizeof h);
    return 0;
}

int kb_bip39_check(const char *mnemonic)
{
    uint8_t bits[33 + 2], h[32];
    size_t count = 1, i, ent_len, cs_bits;
    const char *p;
    int rc = KB_BIP39_OK;

    if (mnemonic == NULL || *mnemonic == '\0') {
        return KB_BIP39_BAD_COUNT;
    }
    for (p = mnemonic; *p; p++) {
        count += (*p == ' ');
    }
    if (count < 12 || count > 24 || count % 3) {
        return KB_BIP39_BAD_COUNT;
    }
    memset(bits, 0, sizeof bits);
    p = mnemonic;
    for (i = 0; i < count; i++) {
        const char *end = p;
        int idx;
        while (*end && *end != ' ') {
            end++;
        }
        idx = kb_bip39_word_index(p, (size_t)(end - p)); /* empty word -> -1 */
        if (idx < 0) {
            rc = KB_BIP39_UNKNOWN_WORD;
            goto out;
        }
        put11(bits, i, (unsigned)idx);
        p = *end ? end + 1 : end;
    }
    ent_len = count * 4 / 3;
    cs_bits = count / 3;
    kb_sha256(bits, ent_len, h);
    if ((uint8_t)((h[0] ^ bits[ent_len]) >> (8 - cs_bits)) != 0) {
        rc = KB_BIP39_BAD_CHECKSUM;
    }
out:
    kb_memzero(bits, sizeof bits);
    kb_memzero(h, sizeof h);
    return rc;
}

void kb_bip39_seed(const char *mnemonic, const char *passphrase, uint8_t seed[64])
{
    static const uint8_t salt[] = "mnemonic";
    if (passphrase == NULL) {
        passphrase = "";
    }
    kb_pbkdf2_hmac_sha512_2((const uint8_t *)mnemonic, strlen(mnemonic), salt, sizeof salt - 1,
                            (const uint8_t *)passphrase, strlen(passphrase), 2048, seed, 64);
}
