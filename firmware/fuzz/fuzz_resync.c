/* libFuzzer target: a good frame sent after any garbage is always decoded
 * (docs/protocol.md, "Resynchronisation": one corrupt frame never costs the next
 * good one). The garbage is pushed, then the good frame, byte by byte; while the
 * decoder waits mid-frame the inter-byte timeout fires (the host went quiet),
 * at most once per buffered byte. The good frame must come out.
 *
 * Input: the garbage. The good frame is a host-link lifecycle APDU. */
#include <string.h>

#include "frame.h"
#include "fuzz_hal.h"

static kb_decoder dec;
static kb_dec_item item;
static const uint8_t good_payload[] = {0xFF, 0xDC, 0xFE, 0xED, 0x00};
static uint8_t good[KB_HEADER_LEN + sizeof good_payload + KB_CRC_LEN];
static size_t good_len;
static int found;

/* Builds the good frame once through the firmware's own writer (captured). */
static void make_good(void)
{
    fuzz_out_len = 0;
    kb_frame_send(KB_CH_HOST, 0x77, good_payload, sizeof good_payload);
    memcpy(good, fuzz_out, fuzz_out_len);
    good_len = fuzz_out_len;
    fuzz_out_len = 0;
}

static void drain(void)
{
    while (kb_dec_next(&dec, &item) != KB_DEC_NONE) {
        if (item.kind == KB_DEC_FRAME && item.channel == KB_CH_HOST && item.seq == 0x77 &&
            item.len == sizeof good_payload && memcmp(item.payload, good_payload, item.len) == 0) {
            found = 1;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i, patience;

    if (good_len == 0) {
        make_good();
    }
    kb_dec_reset(&dec);
    found = 0;
    for (i = 0; i < size; i++) {
        kb_dec_push(&dec, data[i]);
        drain();
    }
    found = 0; /* a copy of the good frame inside the garbage does not count */
    for (i = 0; i < good_len; i++) {
        kb_dec_push(&dec, good[i]);
        drain();
    }
    for (patience = KB_MAX_FRAME; !found && kb_dec_mid_frame(&dec) && patience > 0; patience--) {
        kb_dec_expire(&dec, &item);
        drain();
    }
    FUZZ_CHECK(found, "a good frame after garbage was never decoded");
    return 0;
}
