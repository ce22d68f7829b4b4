/* The serve loop: bytes from the UART into the frame decoder, frames to the
 * device, decoder errors and inter-byte timeouts to error frames. */
#include "device.h"
#include "frame.h"
#include "hal.h"

static kb_decoder decoder;
static kb_dec_item item;

/* docs/protocol.md 1.2: at most one error frame about corrupt input (01 bad_crc, 02 too_long, 03 truncated)
 * per burst, so a flood of garbage never becomes a larger flood of error frames. A burst ends with an intact
 * frame (or any other answer) or with bytes that arrive after 500 ms of silence. */
static int corrupt_reported;
static volatile uint32_t suppressed; /* corrupt-input errors left unanswered; for a debugger's eyes */

static int is_corrupt_input(uint8_t code)
{
    return code == KB_ERR_BAD_CRC || code == KB_ERR_TOO_LONG || code == KB_ERR_TRUNCATED;
}

static void answer(void)
{
    if (item.kind == KB_DEC_ERROR && is_corrupt_input(item.code)) {
        if (corrupt_reported) {
            suppressed++;
            return;
        }
        corrupt_reported = 1;
    } else {
        corrupt_reported = 0;
    }
    if (item.kind == KB_DEC_ERROR) {
        kb_frame_send_error(item.code, item.seq, item.msg);
    } else {
        kb_device_handle(item.channel, item.seq, item.payload, item.len);
    }
}

void kb_serve_link_reset(void)
{
    kb_dec_reset(&decoder);
    corrupt_reported = 0;
}

void kb_serve(void)
{
    uint32_t last = hal_millis();

    for (;;) {
        uint8_t byte;
        uint32_t wait = 1000;

        if (kb_dec_mid_frame(&decoder)) {
            uint32_t quiet = hal_millis() - last;
            if (quiet >= KB_INTER_BYTE_TIMEOUT_MS) {
                /* Report the stalled frame, then rescan what is buffered behind its magic: a complete
                 * frame there is answered now; a partial one is as old, so it expires on the next turn. */
                if (kb_dec_expire(&decoder, &item) == KB_DEC_ERROR) {
                    answer();
                }
                while (kb_dec_next(&decoder, &item) != KB_DEC_NONE) {
                    answer();
                }
                continue;
            }
            wait = KB_INTER_BYTE_TIMEOUT_MS - quiet;
        }
        if (!hal_uart_read(&byte, wait)) {
            continue;
        }
        if (hal_millis() - last >= KB_INTER_BYTE_TIMEOUT_MS) {
            corrupt_reported = 0; /* bytes after a silence start a new burst */
        }
        last = hal_millis();
        kb_dec_push(&decoder, byte);
        while (kb_dec_next(&decoder, &item) != KB_DEC_NONE) {
            answer();
        }
        /* Time spent answering is not the host's silence. */
        last = hal_millis();
    }
}
