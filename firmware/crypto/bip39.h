/* BIP39 mnemonics, English word list only; text is ASCII, lowercase, words
 * separated by single spaces (NFKD normalisation is the host's job). */
#ifndef KB_BIP39_H
#define KB_BIP39_H

#include <stddef.h>
#include <stdint.h>

#define KB_BIP39_OK 0
#define KB_BIP39_BAD_COUNT (-1)     /* not 12/15/18/21/24 words */
#define KB_BIP39_UNKNOWN_WORD (-2)  /* a word (or an empty one) not in the list */
#define KB_BIP39_BAD_CHECKSUM (-3)

/* 24 words of at most 8 letters, 23 spaces and the terminating NUL. */
#define KB_BIP39_MAX_MNEMONIC 216

extern const char *const kb_bip39_words[2048];

/* Index of the len-byte word at word in the sorted list, or -1. */
int kb_bip39_word_index(const char *word, size_t len);

/* Writes the NUL-terminated mnemonic for len bytes of entropy (16, 20, 24, 28
 * or 32) into out. Returns 0, or -1 for a bad length or cap too small. */
int kb_bip39_from_entropy(const uint8_t *ent, size_t len, char *out, size_t cap);

/* One of the KB_BIP39_* codes above. */
int kb_bip39_check(const char *mnemonic);

/* seed = PBKDF2-HMAC-SHA512(mnemonic, "mnemonic" || passphrase, 2048, 64).
 * passphrase may be NULL for "". Does not check the mnemonic (BIP39 allows that). */
void kb_bip39_seed(const char *mnemonic, const char *passphrase, uint8_t seed[64]);

#endif
