/* Frames on the byte stream (docs/protocol.md section 1): an incremental decoder
 * that resynchronises on the magic exactly like protocol/framing.py, and a writer. */
#ifndef KB_FRAME_H
#define KB_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define KB_MAGIC0 0x4B
#define KB_MAGIC1 0x42
#define KB_HEADER_LEN 6
#define KB_CRC_LEN 4
#define KB_MAX_PAYLOAD 1024
#define KB_MAX_FRAME (KB_HEADER_LEN + KB_MAX_PAYLOAD + KB_CRC_LEN)
#define KB_INTER_BYTE_TIMEOUT_MS 500u

#define KB_CH_HOST 0x01
#define KB_CH_DEBUG 0x02
#define KB_CH_SYNC 0x03 /* session sync: the host's 8-byte nonce, echoed */
#define KB_CH_ERROR 0x0F
#define KB_SYNC_NONCE_LEN 8

#define KB_ERR_BAD_CRC 0x01
#define KB_ERR_TOO_LONG 0x02
#define KB_ERR_TRUNCATED 0x03
#define KB_ERR_UNKNOWN_CHANNEL 0x04
#define KB_ERR_BAD_DEBUG_MESSAGE 0x05
#define KB_ERR_BAD_SYNC 0x06
#define KB_ERR_POWERED_OFF 0x10
#define KB_ERR_DEVICE_OFF 0x11
#define KB_ERR_BUSY 0x12

/* The debug link is compiled in unless the build says DEBUGLINK=0 (a board handed to people). */
#ifndef KB_DEBUGLINK
#define KB_DEBUGLINK 1
#endif

typedef struct {
    uint8_t buf[KB_MAX_FRAME];
    size_t used;
} kb_decoder;

enum { KB_DEC_NONE = 0, KB_DEC_FRAME = 1, KB_DEC_ERROR = 2 };

/* One decoded item: a frame (channel, seq, payload) or an error (code, seq, msg). */
typedef struct {
    int kind;
    uint8_t channel;
    uint8_t seq;
    uint8_t code;
    uint16_t len;
    uint8_t payload[KB_MAX_PAYLOAD];
    char msg[64];
} kb_dec_item;

void kb_dec_reset(kb_decoder *d);
/* Appends one byte; the decoder never holds more than one maximal frame. */
void kb_dec_push(kb_decoder *d, uint8_t byte);
/* The next complete item from the buffered bytes, or KB_DEC_NONE. Call until NONE. */
int kb_dec_next(kb_decoder *d, kb_dec_item *out);
/* 1 while part of a frame is buffered (the inter-byte timeout applies). */
int kb_dec_mid_frame(const kb_decoder *d);
/* The stream went quiet mid-frame: report the partial frame as truncated and drop its first magic byte only,
 * so kb_dec_next rescans the rest (a good frame may be buffered behind a truncated header). */
int kb_dec_expire(kb_decoder *d, kb_dec_item *out);

/* Sends one frame: magic, channel, seq, length, payload (in two pieces), CRC. */
void kb_frame_send2(uint8_t channel, uint8_t seq, const uint8_t *a, size_t alen,
                    const uint8_t *b, size_t blen);
void kb_frame_send(uint8_t channel, uint8_t seq, const uint8_t *payload, size_t len);
/* Error frame: code || ASCII message. */
void kb_frame_send_error(uint8_t code, uint8_t seq, const char *msg);

#endif
