/* The serve loop: bytes from the UART into the frame decoder, frames to the
 * device, decoder errors and inter-byte timeouts to error frames. */
#include "device.h"
#include "frame.h"
#include "hal.h"

static kb_decoder decoder;
static kb_dec_item item;

static void answer(void)
{
    if (item.kind == KB_DEC_ERROR) {
        kb_frame_send_error(item.code, item.seq, item.msg);
    } else {
        kb_device_handle(item.channel, item.seq, item.payload, item.len);
    }
}

void kb_serve_link_reset(void)
{
    kb_dec_reset(&decoder);
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
                if (kb_dec_expire(&decoder, &item) == KB_DEC_ERROR) {
                    answer();
                }
                continue;
            }
            wait = KB_INTER_BYTE_TIMEOUT_MS - quiet;
        }
        if (!hal_uart_read(&byte, wait)) {
            continue;
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
