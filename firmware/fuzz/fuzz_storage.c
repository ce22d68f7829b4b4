/* libFuzzer target: any flash image into storage (firmware/src/storage.c) at
 * mount, then one write, possibly cut by a power loss half-way.
 *
 * Input: op || cut || key || vlen || lenA (2 bytes) || A[lenA] || B
 *   A and B are the first bytes of sectors A and B (the rest stays erased, FF).
 *   op & 1: wipe, else put(key, vlen bytes); cut: 0 none, n: the n-th storage
 *   write from now loses power half-way.
 * Checks: a torn or corrupt image mounts (or formats) without a crash; mounting
 * twice shows the same records; after the write and a remount, the records are
 * exactly the old ones or exactly the new ones (nothing else lost or invented),
 * and the new ones whenever the power stayed on. Images whose free space is not
 * erased are checked too (docs/fuzzing.md, "Findings": fixed; reproducer in
 * known/). */
#include <setjmp.h>
#include <string.h>

#include "device.h"
#include "flash.h"
#include "fuzz_hal.h"
#include "storage.h"

#define KEYS 256

typedef struct {
    int len[KEYS];
    uint8_t value[KEYS][255];
} view;

static view before, expected, after;
static jmp_buf cut_env;

/* flash.c calls this from the write the armed cut interrupts. */
void kb_power_cut(uint32_t write, uint32_t done, uint32_t length)
{
    (void)write;
    (void)done;
    (void)length;
    longjmp(cut_env, 1);
}

static void read_view(view *v)
{
    unsigned k;
    memset(v, 0, sizeof *v);
    for (k = 0; k < KEYS; k++) {
        v->len[k] = kb_storage_get((uint8_t)k, v->value[k], sizeof v->value[k]);
        FUZZ_CHECK(v->len[k] >= -1 && v->len[k] <= 255, "a record length out of range");
        FUZZ_CHECK((v->len[k] > 0) == (kb_storage_has((uint8_t)k) != 0), "has() and get() disagree");
    }
}

static void mount(view *v)
{
    kb_flash_reset_counter();
    kb_storage_mount();
    read_view(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t op, cut, key, vlen, value[255];
    size_t len_a, len_b;
    volatile int was_cut = 0;
    unsigned i;

    if (size < 6) {
        return 0;
    }
    op = data[0];
    cut = data[1];
    key = data[2];
    vlen = data[3];
    len_a = (size_t)data[4] << 8 | data[5];
    data += 6;
    size -= 6;
    if (len_a > size) {
        len_a = size;
    }
    if (len_a > HAL_SECTOR_SIZE) {
        len_a = HAL_SECTOR_SIZE;
    }
    len_b = size - len_a < HAL_SECTOR_SIZE ? size - len_a : HAL_SECTOR_SIZE;
    memset(fuzz_flash, 0xFF, sizeof fuzz_flash);
    memcpy(fuzz_flash, data, len_a);
    memcpy(fuzz_flash + HAL_SECTOR_SIZE, data + len_a, len_b);
    for (i = 0; i < vlen; i++) {
        value[i] = (uint8_t)(key ^ (i * 31u));
    }

    mount(&before);
    mount(&after);
    FUZZ_CHECK(memcmp(&before, &after, sizeof before) == 0, "two mounts of one image disagree");

    expected = before;
    if (op & 1) {
        memset(&expected, 0, sizeof expected);
        for (i = 0; i < KEYS; i++) {
            expected.len[i] = -1;
        }
    } else {
        expected.len[key] = vlen ? vlen : -1;
        memset(expected.value[key], 0, sizeof expected.value[key]);
        memcpy(expected.value[key], value, vlen);
    }

    if (setjmp(cut_env) == 0) {
        if (cut) {
            kb_flash_arm_cut(cut);
        }
        if (op & 1) {
            kb_storage_wipe();
        } else {
            kb_storage_put(key, value, vlen);
        }
    } else {
        was_cut = 1;
    }
    mount(&after);
    if (was_cut) {
        FUZZ_CHECK(memcmp(&after, &before, sizeof after) == 0 || memcmp(&after, &expected, sizeof after) == 0,
                   "a power cut left records that are neither the old nor the new ones");
    } else {
        FUZZ_CHECK(memcmp(&after, &expected, sizeof after) == 0, "a completed write was lost or altered");
    }
    return 0;
}
