#include "device.h"

#include <setjmp.h>
#include <string.h>

#include "flash.h"
#include "fmt.h"
#include "frame.h"
#include "rng.h"
#include "secrets.h"
#include "storage.h"
#include "ui.h"

kb_device_state kb_dev;

static uint64_t default_seed;
static jmp_buf cut_env;
static int cut_env_set;
static char cut_msg[80];

/* The answer being built; one request at a time. */
static uint8_t answer[KB_MAX_PAYLOAD];

void kb_device_power_up(uint64_t seed)
{
    default_seed = seed;
    kb_device_boot();
}

void kb_device_boot(void)
{
    kb_flash_reset_counter();
    kb_storage_mount();
    if (kb_pin_fails() >= KB_MAX_PIN_FAILS) {
        kb_storage_wipe(); /* a wipe that a power cut interrupted */
    }
    kb_rng_boot(default_seed, kb_storage_wipes());
    memset(&kb_dev, 0, sizeof kb_dev);
    kb_ui_boot();
}

void kb_power_cut(uint32_t write, uint32_t done, uint32_t length)
{
    kb_fmt f;
    kb_fmt_init(&f, cut_msg, sizeof cut_msg);
    kb_fmt_str(&f, "power cut during storage write ");
    kb_fmt_u32(&f, write);
    kb_fmt_str(&f, " after ");
    kb_fmt_u32(&f, done);
    kb_fmt_str(&f, " of ");
    kb_fmt_u32(&f, length);
    kb_fmt_str(&f, " bytes");
    if (cut_env_set) {
        longjmp(cut_env, 1);
    }
    /* A cut outside a request cannot happen (boot disarms); stay off anyway. */
    kb_dev.off = 1;
    kb_serve();
}

static void handle(uint8_t channel, uint8_t seq, const uint8_t *payload, size_t len)
{
    int is_power_on = channel == KB_CH_DEBUG && len == 1 && payload[0] == 0x07;

    if (kb_dev.off && !is_power_on) {
        kb_frame_send_error(KB_ERR_DEVICE_OFF, seq, "the device is off; send debug POWER_ON");
        return;
    }
    if (channel == KB_CH_HOST) {
        size_t n = kb_apdu_handle(payload, len, answer, sizeof answer);
        kb_frame_send(KB_CH_HOST, seq, answer, n);
    }
#if KB_DEBUGLINK
    else {
        char err[64];
        int n = kb_debug_handle(payload, len, answer, sizeof answer, err, sizeof err);
        if (n < 0) {
            kb_frame_send_error(KB_ERR_BAD_DEBUG_MESSAGE, seq, err);
        } else {
            kb_frame_send(KB_CH_DEBUG, seq, answer, (size_t)n);
        }
    }
#endif
}

/* The session sync is the link layer, like error frames: answered in every state (off included), and it
 * changes nothing. A host sends it when it opens a session and drops every frame before the echo. */
static void sync(uint8_t seq, const uint8_t *payload, size_t len)
{
    kb_fmt f;
    char msg[64];

    if (len == KB_SYNC_NONCE_LEN) {
        kb_frame_send(KB_CH_SYNC, seq, payload, len);
        return;
    }
    kb_fmt_init(&f, msg, sizeof msg);
    kb_fmt_str(&f, "a sync nonce is 8 bytes, this one ");
    kb_fmt_u32(&f, (uint32_t)len);
    kb_fmt_str(&f, " bytes");
    kb_frame_send_error(KB_ERR_BAD_SYNC, seq, msg);
}

void kb_device_handle(uint8_t channel, uint8_t seq, const uint8_t *payload, size_t len)
{
    if (channel == KB_CH_ERROR) {
        return; /* never answer an error frame */
    }
    if (channel == KB_CH_SYNC) {
        sync(seq, payload, len);
        return;
    }
    if (setjmp(cut_env) != 0) {
        /* The power went during a storage write: RAM is lost, the device is off. */
        cut_env_set = 0;
        memset(&kb_dev, 0, sizeof kb_dev);
        kb_dev.off = 1;
        kb_frame_send_error(KB_ERR_POWERED_OFF, seq, cut_msg);
        return;
    }
    cut_env_set = 1;
    handle(channel, seq, payload, len);
    cut_env_set = 0;
}
