/* CRC-32/ISO-HDLC, the zlib/Ethernet CRC (reflected, poly 0x04C11DB7, init and
 * xor-out FFFFFFFF). Used by framing and by the storage log. */
#ifndef KB_CRC32_H
#define KB_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: start with crc = 0 (as zlib.crc32(data, 0)). */
uint32_t kb_crc32_update(uint32_t crc, const uint8_t *data, size_t n);
uint32_t kb_crc32(const uint8_t *data, size_t n);

#endif
