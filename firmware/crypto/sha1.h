/* SHA-1 (FIPS 180-4). Kept only for legacy identifiers; never use for new signatures. */
#ifndef KB_SHA1_H
#define KB_SHA1_H

#include <stddef.h>
#include <stdint.h>

/* One-shot SHA-1 of n bytes at d. d may be NULL when n is 0. */
void kb_sha1(const uint8_t *d, size_t n, uint8_t out[20]);

#endif
