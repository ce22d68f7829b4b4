/* libFuzzer target: any byte stream into the frame decoder (firmware/src/frame.c),
 * fed byte by byte as the serve loop does, with the inter-byte timeout firing
 * at points the input chooses.
 *
 * Input: control byte c, then the stream. The stream is pushed in chunks of
 * (c >> 1) + 1 bytes; when c & 1, the timeout fires after every chunk.
 * Checks: the decoder never holds more than one maximal frame; every frame it
 * returns is byte for byte a frame of the input (magic, header, payload, CRC),
 * so nothing is invented or altered; every error has a documented code and a
 * terminated message; once the line stays quiet, repeated timeouts empty it. */
#include <string.h>

#include "crc32.h"
#include "frame.h"
#include "fuzz_hal.h"

static kb_decoder dec;
static kb_dec_item item;
static uint8_t encoded[KB_MAX_FRAME];

/* memmem is a GNU extension; the harness stays plain C99. */
static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    size_t i;
    for (i = 0; m <= n && i <= n - m; i++) {
        if (memcmp(hay + i, needle, m) == 0) {
            return 1;
        }
    }
    return 0;
}

static void check_item(const uint8_t *stream, size_t n)
{
    if (item.kind == KB_DEC_FRAME) {
        uint32_t crc;
        size_t total = KB_HEADER_LEN + item.len + KB_CRC_LEN;
        FUZZ_CHECK(item.len <= KB_MAX_PAYLOAD, "a frame longer than the maximum payload");
        encoded[0] = KB_MAGIC0;
        encoded[1] = KB_MAGIC1;
        encoded[2] = item.channel;
        encoded[3] = item.seq;
        encoded[4] = (uint8_t)(item.len >> 8);
        encoded[5] = (uint8_t)item.len;
        memcpy(encoded + KB_HEADER_LEN, item.payload, item.len);
        crc = kb_crc32(encoded + 2, KB_HEADER_LEN - 2 + item.len);
        encoded[total - 4] = (uint8_t)(crc >> 24);
        encoded[total - 3] = (uint8_t)(crc >> 16);
        encoded[total - 2] = (uint8_t)(crc >> 8);
        encoded[total - 1] = (uint8_t)crc;
        FUZZ_CHECK(contains(stream, n, encoded, total), "the decoder returned a frame that is not in the input");
    } else {
        FUZZ_CHECK(item.kind == KB_DEC_ERROR, "an item that is neither a frame nor an error");
        FUZZ_CHECK(item.code == KB_ERR_BAD_CRC || item.code == KB_ERR_TOO_LONG ||
                       item.code == KB_ERR_TRUNCATED || item.code == KB_ERR_UNKNOWN_CHANNEL,
                   "a decoder error with an undocumented code");
        FUZZ_CHECK(memchr(item.msg, '\0', sizeof item.msg) != NULL, "an unterminated error message");
    }
}

static void drain(const uint8_t *stream, size_t n)
{
    while (kb_dec_next(&dec, &item) != KB_DEC_NONE) {
        check_item(stream, n);
    }
    FUZZ_CHECK(dec.used <= KB_MAX_FRAME, "the decoder holds more than one maximal frame");
}

static void timeout(const uint8_t *stream, size_t n)
{
    if (kb_dec_expire(&dec, &item) == KB_DEC_ERROR) {
        check_item(stream, n);
    }
    drain(stream, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *stream = data + 1;
    size_t n, chunk, i;

    if (size < 1) {
        return 0;
    }
    n = size - 1;
    chunk = (size_t)(data[0] >> 1) + 1;
    kb_dec_reset(&dec);
    for (i = 0; i < n; i++) {
        kb_dec_push(&dec, stream[i]);
        drain(stream, n);
        if ((data[0] & 1) && (i + 1) % chunk == 0) {
            timeout(stream, n);
        }
    }
    /* The line goes quiet for good: each timeout drops at least the first
     * buffered byte (docs/protocol.md 1.1), so the buffer empties in bounded time. */
    for (i = 0; kb_dec_mid_frame(&dec) && i <= KB_MAX_FRAME; i++) {
        timeout(stream, n);
    }
    FUZZ_CHECK(!kb_dec_mid_frame(&dec), "a partial frame survived the timeouts");
    return 0;
}
