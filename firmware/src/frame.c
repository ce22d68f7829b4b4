#include "frame.h"

#include <string.h>

#include "crc32.h"
#include "fmt.h"
#include "hal.h"

void kb_dec_reset(kb_decoder *d)
{
    d->used = 0;
}

void kb_dec_push(kb_decoder *d, uint8_t byte)
{
    if (d->used < sizeof d->buf) {
        d->buf[d->used++] = byte;
    }
}

int kb_dec_mid_frame(const kb_decoder *d)
{
    return d->used > 0;
}

static void drop(kb_decoder *d, size_t n)
{
    if (n >= d->used) {
        d->used = 0;
        return;
    }
    memmove(d->buf, d->buf + n, d->used - n);
    d->used -= n;
}

static int error(kb_dec_item *out, uint8_t code, uint8_t seq, const char *name, const char *what,
                 uint32_t num, const char *tail)
{
    kb_fmt f;
    out->kind = KB_DEC_ERROR;
    out->code = code;
    out->seq = seq;
    kb_fmt_init(&f, out->msg, sizeof out->msg);
    kb_fmt_str(&f, name);
    kb_fmt_str(&f, ": ");
    kb_fmt_str(&f, what);
    kb_fmt_u32(&f, num);
    kb_fmt_str(&f, tail);
    return KB_DEC_ERROR;
}

int kb_dec_next(kb_decoder *d, kb_dec_item *out)
{
    size_t start, length, total;
    uint8_t channel, seq;
    uint32_t crc;

    /* Find the magic; keep a trailing first magic byte, the second may follow. */
    for (start = 0; start + 1 < d->used; start++) {
        if (d->buf[start] == KB_MAGIC0 && d->buf[start + 1] == KB_MAGIC1) {
            break;
        }
    }
    if (start + 1 >= d->used) {
        int keep = d->used > 0 && d->buf[d->used - 1] == KB_MAGIC0;
        drop(d, keep ? d->used - 1 : d->used);
        return KB_DEC_NONE;
    }
    drop(d, start);
    if (d->used < KB_HEADER_LEN) {
        return KB_DEC_NONE;
    }
    channel = d->buf[2];
    seq = d->buf[3];
    length = (size_t)d->buf[4] << 8 | d->buf[5];
    if (length > KB_MAX_PAYLOAD) {
        drop(d, 1);
        return error(out, KB_ERR_TOO_LONG, seq, "too_long", "length ", (uint32_t)length,
                     " exceeds 1024");
    }
    total = KB_HEADER_LEN + length + KB_CRC_LEN;
    if (d->used < total) {
        return KB_DEC_NONE;
    }
    crc = (uint32_t)d->buf[total - 4] << 24 | (uint32_t)d->buf[total - 3] << 16 |
          (uint32_t)d->buf[total - 2] << 8 | d->buf[total - 1];
    if (kb_crc32(d->buf + 2, KB_HEADER_LEN - 2 + length) != crc) {
        drop(d, 1);
        return error(out, KB_ERR_BAD_CRC, seq, "bad_crc", "crc mismatch in a ", (uint32_t)length,
                     "-byte frame");
    }
    if (channel != KB_CH_HOST && channel != KB_CH_SYNC && channel != KB_CH_ERROR &&
        (channel != KB_CH_DEBUG || !KB_DEBUGLINK)) {
        kb_fmt f;
        drop(d, total);
        out->kind = KB_DEC_ERROR;
        out->code = KB_ERR_UNKNOWN_CHANNEL;
        out->seq = seq;
        kb_fmt_init(&f, out->msg, sizeof out->msg);
        kb_fmt_str(&f, "unknown_channel: channel 0x");
        kb_fmt_hex(&f, &channel, 1);
        return KB_DEC_ERROR;
    }
    out->kind = KB_DEC_FRAME;
    out->channel = channel;
    out->seq = seq;
    out->len = (uint16_t)length;
    memcpy(out->payload, d->buf + KB_HEADER_LEN, length);
    drop(d, total);
    return KB_DEC_FRAME;
}

int kb_dec_expire(kb_decoder *d, kb_dec_item *out)
{
    size_t have = d->used;
    uint8_t seq = have > 3 ? d->buf[3] : 0;

    if (have == 0) {
        return KB_DEC_NONE;
    }
    drop(d, 1);
    return error(out, KB_ERR_TRUNCATED, seq, "truncated", "frame stopped after ", (uint32_t)have,
                 " bytes");
}

void kb_frame_send2(uint8_t channel, uint8_t seq, const uint8_t *a, size_t alen,
                    const uint8_t *b, size_t blen)
{
    uint8_t head[KB_HEADER_LEN], tail[KB_CRC_LEN];
    size_t len = alen + blen;
    uint32_t crc;

    head[0] = KB_MAGIC0;
    head[1] = KB_MAGIC1;
    head[2] = channel;
    head[3] = seq;
    head[4] = (uint8_t)(len >> 8);
    head[5] = (uint8_t)len;
    crc = kb_crc32(head + 2, 4);
    crc = kb_crc32_update(crc, a, alen);
    crc = kb_crc32_update(crc, b, blen);
    tail[0] = (uint8_t)(crc >> 24);
    tail[1] = (uint8_t)(crc >> 16);
    tail[2] = (uint8_t)(crc >> 8);
    tail[3] = (uint8_t)crc;
    hal_uart_write(head, sizeof head);
    hal_uart_write(a, alen);
    hal_uart_write(b, blen);
    hal_uart_write(tail, sizeof tail);
}

void kb_frame_send(uint8_t channel, uint8_t seq, const uint8_t *payload, size_t len)
{
    kb_frame_send2(channel, seq, payload, len, NULL, 0);
}

void kb_frame_send_error(uint8_t code, uint8_t seq, const char *msg)
{
    kb_frame_send2(KB_CH_ERROR, seq, &code, 1, (const uint8_t *)msg, strlen(msg));
}
