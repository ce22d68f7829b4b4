/* libFuzzer target: APDUs and debug-link messages into the whole device
 * (kb_device_handle: the APDU parser and dispatcher, the debug link, the UI,
 * storage and power cuts), starting from a state the input chooses.
 *
 * Input: mode byte, then records kind || len || payload[len].
 *   mode % 3: storage holds nothing / a PIN / a PIN and a restored wallet;
 *   mode & 4: enter the PIN first (unlock); (mode >> 3) & 3: select no applet /
 *   IMK / BTC / ETH first.
 *   kind: 00-7F a host-link APDU, 80-FD a debug-link message, FE a session sync,
 *   FF an error frame from the host (which gets no answer).
 * Checks: every request gets exactly one answer frame with its seq, on its own
 * channel or the error channel, with a documented error code; an APDU answer
 * ends in a status word; an APDU the device refuses (any status but 9000)
 * changes nothing: not the storage, the lifecycle, the selection or the unlock. */
#include <string.h>

#include "device.h"
#include "frame.h"
#include "fuzz_hal.h"
#include "secrets.h"
#include "ui.h"

#define STATES 3
#define CH_SYNC 0x03      /* docs/protocol.md 1.3 */
#define ERR_BAD_SYNC 0x06
static uint8_t snapshot[STATES][HAL_STORAGE_SIZE];
static uint8_t flash_before[HAL_STORAGE_SIZE];
static kb_decoder dec;
static kb_dec_item item;
static uint8_t seq;

static const char PIN[] = "123456";
static const char WORDS[] = "abandon abandon abandon abandon abandon abandon abandon abandon abandon "
                            "abandon abandon about";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    memset(fuzz_flash, 0xFF, sizeof fuzz_flash);
    kb_device_power_up(0);
    memcpy(snapshot[0], fuzz_flash, sizeof fuzz_flash);
    kb_set_pin(PIN, sizeof PIN - 1);
    memcpy(snapshot[1], fuzz_flash, sizeof fuzz_flash);
    kb_commit_wallet(WORDS);
    memcpy(snapshot[2], fuzz_flash, sizeof fuzz_flash);
    return 0;
}

static int known_sw(unsigned sw)
{
    static const unsigned known[] = {0x9000, 0x6700, 0x6940, 0x6942, 0x6943, 0x6944, 0x6985, 0x6A80,
                                     0x6A82, 0x6A86, 0x6D00, 0x6E00, 0xF000, 0xF080, 0xF081};
    size_t i;
    for (i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (sw == known[i]) {
            return 1;
        }
    }
    return (sw & 0xFFF0) == 0x63C0;
}

/* Sends one request and returns the single answer (in `item`); 0 for none. */
static int request(uint8_t channel, const uint8_t *payload, size_t len)
{
    int got = 0;

    fuzz_out_len = 0;
    kb_device_handle(channel, ++seq, payload, len);
    kb_dec_reset(&dec);
    for (size_t i = 0; i < fuzz_out_len; i++) {
        kb_dec_push(&dec, fuzz_out[i]);
        while (kb_dec_next(&dec, &item) != KB_DEC_NONE) {
            FUZZ_CHECK(item.kind == KB_DEC_FRAME, "the device sent bytes that are not a frame");
            FUZZ_CHECK(got == 0, "more than one answer to one request");
            got = 1;
        }
    }
    FUZZ_CHECK(!kb_dec_mid_frame(&dec), "the device sent half a frame");
    if (channel == KB_CH_ERROR) {
        FUZZ_CHECK(!got, "the device answered an error frame");
        return 0;
    }
    FUZZ_CHECK(got, "a request got no answer");
    FUZZ_CHECK(item.seq == seq, "an answer with another request's seq");
    FUZZ_CHECK(item.channel == channel || item.channel == KB_CH_ERROR, "an answer on a third channel");
    return 1;
}

/* The code of an error frame (channel 0F): the first payload byte. */
static int error_code(void)
{
    return item.channel == KB_CH_ERROR && item.len >= 1 ? item.payload[0] : -1;
}

static void check_apdu(const uint8_t *apdu, size_t len)
{
    int was_off = kb_dev.off, selected = kb_dev.selected, unlocked = kb_dev.unlocked;
    uint8_t lifecycle = kb_ui_lifecycle();
    unsigned sw;

    memcpy(flash_before, fuzz_flash, sizeof fuzz_flash);
    request(KB_CH_HOST, apdu, len);
    if (was_off) {
        FUZZ_CHECK(error_code() == KB_ERR_DEVICE_OFF,
                   "a device that is off answered an APDU");
        return;
    }
    if (item.channel == KB_CH_ERROR) {
        FUZZ_CHECK(error_code() == KB_ERR_POWERED_OFF, "an APDU answered by an error frame other than a cut");
        return;
    }
    FUZZ_CHECK(item.len >= 2, "an APDU answer without a status word");
    sw = (unsigned)item.payload[item.len - 2] << 8 | item.payload[item.len - 1];
    FUZZ_CHECK(known_sw(sw), "an undocumented status word");
    if (sw != 0x9000) {
        FUZZ_CHECK(item.len == 2, "a refused APDU carried data");
        FUZZ_CHECK(memcmp(flash_before, fuzz_flash, sizeof fuzz_flash) == 0, "a refused APDU wrote storage");
        FUZZ_CHECK(kb_ui_lifecycle() == lifecycle, "a refused APDU changed the lifecycle");
        FUZZ_CHECK(kb_dev.selected == selected, "a refused APDU changed the selected applet");
        FUZZ_CHECK(kb_dev.unlocked == unlocked, "a refused APDU changed the unlock");
    }
}

static void check_debug(const uint8_t *msg, size_t len)
{
    int was_off = kb_dev.off;
    int power_on = len == 1 && msg[0] == 0x07;

    request(KB_CH_DEBUG, msg, len);
    if (was_off && !power_on) {
        FUZZ_CHECK(error_code() == KB_ERR_DEVICE_OFF,
                   "a device that is off answered a debug message");
        return;
    }
    if (item.channel == KB_CH_ERROR) {
        FUZZ_CHECK(error_code() == KB_ERR_BAD_DEBUG_MESSAGE || error_code() == KB_ERR_POWERED_OFF,
                   "a debug message answered by an undocumented error");
        return;
    }
    FUZZ_CHECK(item.len >= 2, "a debug answer without a status word");
}

/* Session sync (docs/protocol.md 1.3): answered in every state, an echo of an
 * 8-byte nonce or error 06, and it changes nothing. */
static void check_sync(const uint8_t *nonce, size_t len)
{
    int off = kb_dev.off, selected = kb_dev.selected, unlocked = kb_dev.unlocked;
    uint8_t lifecycle = kb_ui_lifecycle();

    memcpy(flash_before, fuzz_flash, sizeof fuzz_flash);
    request(CH_SYNC, nonce, len);
    if (len == 8) {
        FUZZ_CHECK(item.channel == CH_SYNC && item.len == 8 && memcmp(item.payload, nonce, 8) == 0,
                   "a sync was not answered with its nonce");
    } else {
        FUZZ_CHECK(error_code() == ERR_BAD_SYNC, "a malformed sync was not answered with error 06");
    }
    FUZZ_CHECK(memcmp(flash_before, fuzz_flash, sizeof fuzz_flash) == 0 && kb_dev.off == off &&
                   kb_dev.selected == selected && kb_dev.unlocked == unlocked &&
                   kb_ui_lifecycle() == lifecycle,
               "a sync changed the device's state");
}

static void start(uint8_t mode)
{
    static const uint8_t aids[3][5] = {{0x69, 0x5F, 0x69, 0x6D, 0x6B}, {0x69, 0x5F, 0x62, 0x74, 0x63},
                                       {0x69, 0x5F, 0x65, 0x74, 0x68}};
    uint8_t msg[1 + sizeof PIN];
    uint8_t select[10] = {0x00, 0xA4, 0x04, 0x00, 0x05};
    unsigned applet = (mode >> 3) & 3;

    memcpy(fuzz_flash, snapshot[mode % STATES], sizeof fuzz_flash);
    kb_device_power_up(0);
    if ((mode & 4) && mode % STATES != 0) {
        msg[0] = 0x02; /* TYPE the PIN, PRESS confirm */
        memcpy(msg + 1, PIN, sizeof PIN - 1);
        check_debug(msg, sizeof PIN);
        msg[0] = 0x01;
        msg[1] = 0x01;
        check_debug(msg, 2);
    }
    if (applet) {
        memcpy(select + 5, aids[applet - 1], 5);
        check_apdu(select, sizeof select);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at = 1;

    if (size < 1) {
        return 0;
    }
    seq = 0;
    start(data[0]);
    while (at + 2 <= size) {
        uint8_t kind = data[at];
        size_t len = data[at + 1];
        const uint8_t *payload = data + at + 2;
        if (len > size - at - 2) {
            len = size - at - 2;
        }
        at += 2 + len;
        if (kind == 0xFF) {
            request(KB_CH_ERROR, payload, len);
        } else if (kind == 0xFE) {
            check_sync(payload, len);
        } else if (kind & 0x80) {
            check_debug(payload, len);
        } else {
            check_apdu(payload, len);
        }
    }
    return 0;
}
