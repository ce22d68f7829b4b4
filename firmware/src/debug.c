/* The debug link (docs/protocol.md section 3): what a test bench does to the
 * device's physical side. Power ops are handled in device.c.
 * A DEBUGLINK=0 build has none of it: the decoder treats channel 02 as unknown. */
#include <string.h>

#include "device.h"
#include "frame.h"

#if KB_DEBUGLINK

#include "flash.h"
#include "fmt.h"
#include "rng.h"
#include "storage.h"
#include "sw.h"
#include "ui.h"

#include "display.h"
#include "memzero.h"

#define OP_PRESS 0x01
#define OP_TYPE 0x02
#define OP_CHOOSE 0x03
#define OP_SCREEN 0x04
#define OP_POWER_CYCLE 0x05
#define OP_ARM_POWER_CUT 0x06
#define OP_POWER_ON 0x07
#define OP_SEED_RNG 0x08
#define OP_FACTORY_ERASE 0x09
#define OP_STORAGE_WRITES 0x0A
#define OP_FRAMEBUFFER 0x0B

#define FREE_FORM (-1)

static const struct {
    const char *name;
    int arg_size;
} ops[] = {
    [OP_PRESS] = {"PRESS", 1},
    [OP_TYPE] = {"TYPE", FREE_FORM},
    [OP_CHOOSE] = {"CHOOSE", FREE_FORM},
    [OP_SCREEN] = {"SCREEN", 0},
    [OP_POWER_CYCLE] = {"POWER_CYCLE", 0},
    [OP_ARM_POWER_CUT] = {"ARM_POWER_CUT", 2},
    [OP_POWER_ON] = {"POWER_ON", 0},
    [OP_SEED_RNG] = {"SEED_RNG", 8},
    [OP_FACTORY_ERASE] = {"FACTORY_ERASE", 0},
    [OP_STORAGE_WRITES] = {"STORAGE_WRITES", 0},
    [OP_FRAMEBUFFER] = {"FRAMEBUFFER", 1},
};

/* protocol/debuglink.py split(): the message must name a known op with the right
 * argument size, else error frame 05 with the same explanation. */
static int validate(const uint8_t *p, size_t len, char *err, size_t errcap)
{
    kb_fmt f;
    kb_fmt_init(&f, err, errcap);
    if (len == 0) {
        kb_fmt_str(&f, "empty debug message");
        return -1;
    }
    if (p[0] == 0 || p[0] >= sizeof ops / sizeof ops[0]) {
        kb_fmt_str(&f, "unknown debug op 0x");
        kb_fmt_hex(&f, p, 1);
        return -1;
    }
    if (ops[p[0]].arg_size != FREE_FORM && (size_t)ops[p[0]].arg_size != len - 1) {
        kb_fmt_str(&f, "debug op ");
        kb_fmt_str(&f, ops[p[0]].name);
        kb_fmt_str(&f, " takes ");
        kb_fmt_u32(&f, (uint32_t)ops[p[0]].arg_size);
        kb_fmt_str(&f, " argument bytes, got ");
        kb_fmt_u32(&f, (uint32_t)(len - 1));
        return -1;
    }
    return 0;
}

static size_t put_sw(uint8_t *out, uint16_t sw)
{
    out[0] = (uint8_t)(sw >> 8);
    out[1] = (uint8_t)sw;
    return 2;
}

int kb_debug_handle(const uint8_t *p, size_t len, uint8_t *out, size_t cap,
                    char *err, size_t errcap)
{
    const uint8_t *arg = p + 1;
    size_t n = len - 1;

    if (validate(p, len, err, errcap) != 0) {
        return -1;
    }
    switch (p[0]) {
    case OP_PRESS:
        return (int)put_sw(out, kb_ui_press(arg[0]));
    case OP_TYPE:
        return (int)put_sw(out, kb_ui_type(arg, n));
    case OP_CHOOSE:
        return (int)put_sw(out, kb_ui_choose(arg, n));
    case OP_SCREEN:
        put_sw(out, SW_OK);
        return 2 + (int)kb_ui_render((char *)out + 2, cap - 2);
    case OP_POWER_CYCLE:
        kb_device_boot();
        return (int)put_sw(out, SW_OK);
    case OP_POWER_ON:
        if (kb_dev.off) {
            kb_device_boot();
        }
        return (int)put_sw(out, SW_OK);
    case OP_ARM_POWER_CUT: {
        uint32_t count = (uint32_t)arg[0] << 8 | arg[1];
        if (count < 1) {
            return (int)put_sw(out, SW_COMMAND_DATA_ERROR);
        }
        kb_flash_arm_cut(count);
        return (int)put_sw(out, SW_OK);
    }
    case OP_SEED_RNG: {
        uint64_t seed = 0;
        int i;
        for (i = 0; i < 8; i++) {
            seed = seed << 8 | arg[i];
        }
        kb_rng_seed(seed, kb_storage_wipes());
        return (int)put_sw(out, SW_OK);
    }
    case OP_FACTORY_ERASE: {
        unsigned s;
        for (s = 0; s < KB_SECTORS; s++) {
            kb_flash_erase(s);
        }
        kb_device_boot();
        return (int)put_sw(out, SW_OK);
    }
    case OP_FRAMEBUFFER: {
        /* One half a request (00: rows 0-31, 01: rows 32-63): the whole and the SW exceed a frame's payload. */
        static uint8_t fb[KB_FB_SIZE];
        if (arg[0] > 1) {
            return (int)put_sw(out, SW_COMMAND_DATA_ERROR);
        }
        if (cap < 2 + KB_FB_SIZE / 2) {
            return (int)put_sw(out, SW_CONDITIONS_NOT_SATISFIED);
        }
        kb_ui_framebuffer(fb);
        put_sw(out, SW_OK);
        memcpy(out + 2, fb + arg[0] * (KB_FB_SIZE / 2), KB_FB_SIZE / 2);
        kb_memzero(fb, sizeof fb); /* a page of words is drawn in it */
        return 2 + KB_FB_SIZE / 2;
    }
    default: { /* OP_STORAGE_WRITES */
        uint32_t w = kb_flash_writes();
        put_sw(out, SW_OK);
        out[2] = (uint8_t)(w >> 24);
        out[3] = (uint8_t)(w >> 16);
        out[4] = (uint8_t)(w >> 8);
        out[5] = (uint8_t)w;
        return 6;
    }
    }
}

#endif /* KB_DEBUGLINK */
