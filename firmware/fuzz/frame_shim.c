/* The firmware's frame decoder (firmware/src/frame.c) as a shared library for
 * tests/fuzz/test_fuzz_frame_decoders.py, which feeds the same streams to it and
 * to protocol/framing.py and compares what they decode. Bytes go in one at a
 * time with a drain after each, as the serve loop does.
 *
 * Items come out as records: kind (1: frame, 2: error) || channel or code ||
 * seq || len (2, big-endian) || payload or error message. */
#include <string.h>

#include "frame.h"
#include "hal.h"

static kb_decoder dec;
static kb_dec_item item;

/* frame.c's writer needs a UART; the shim only decodes. */
void hal_uart_write(const uint8_t *data, size_t n)
{
    (void)data;
    (void)n;
}

static long put(uint8_t *out, size_t cap, size_t at)
{
    const uint8_t *body = item.kind == KB_DEC_FRAME ? item.payload : (const uint8_t *)item.msg;
    size_t len = item.kind == KB_DEC_FRAME ? item.len : strlen(item.msg);

    if (at + 5 + len > cap) {
        return -1;
    }
    out[at] = (uint8_t)item.kind;
    out[at + 1] = item.kind == KB_DEC_FRAME ? item.channel : item.code;
    out[at + 2] = item.seq;
    out[at + 3] = (uint8_t)(len >> 8);
    out[at + 4] = (uint8_t)len;
    memcpy(out + at + 5, body, len);
    return (long)(at + 5 + len);
}

static long drain(uint8_t *out, size_t cap, long at)
{
    while (at >= 0 && kb_dec_next(&dec, &item) != KB_DEC_NONE) {
        at = put(out, cap, (size_t)at);
    }
    return at;
}

void kbf_reset(void)
{
    kb_dec_reset(&dec);
}

int kbf_mid_frame(void)
{
    return kb_dec_mid_frame(&dec);
}

/* Returns the bytes of records written, or -1 when out is too small. */
long kbf_feed(const uint8_t *data, size_t n, uint8_t *out, size_t cap)
{
    long at = 0;
    size_t i;

    for (i = 0; i < n && at >= 0; i++) {
        kb_dec_push(&dec, data[i]);
        at = drain(out, cap, at);
    }
    return at;
}

/* One inter-byte timeout, then what the serve loop decodes after it. */
long kbf_expire(uint8_t *out, size_t cap)
{
    long at = 0;

    if (kb_dec_expire(&dec, &item) == KB_DEC_ERROR) {
        at = put(out, cap, 0);
    }
    return drain(out, cap, at);
}
