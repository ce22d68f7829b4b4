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
 * and the new ones whenever the power stayed on.
 *
 * Known gap (docs/fuzzing.md, "Findings"): mount trusts the bytes after the
 * first FF of the live sector to be erased. On an image where they are not,
 * the next record is programmed over old bytes and lost at the next mount.
 * This build checks writes only on images whose free space is erased; the
 * fuzz_storage_strict build (-DKB_FUZZ_STRICT_FREE_SPACE) checks them all. */
#include <setjmp.h>
#include <string.h>

#include "crc32.h"
#include "device.h"
#include "flash.h"
#include "fuzz_hal.h"
#include "storage.h"

#define KEYS 256
#ifdef KB_FUZZ_STRICT_FREE_SPACE
#define STRICT_FREE_SPACE 1
#else
#define STRICT_FREE_SPACE 0
#endif

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

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* 1 when the live sector's free space (after its last readable record) is all
 * FF, as docs/protocol.md section 4 describes a sector; no live sector: 1. */
static int free_space_erased(void)
{
    const uint8_t *live = NULL;
    uint32_t best = 0, at = 16;
    unsigned s;

    for (s = 0; s < KB_SECTORS; s++) {
        const uint8_t *h = fuzz_flash + s * HAL_SECTOR_SIZE;
        if (memcmp(h, "KBS1", 4) == 0 && kb_crc32(h, 12) == be32(h + 12) && (!live || be32(h + 4) >= best)) {
            live = h;
            best = be32(h + 4);
        }
    }
    if (!live) {
        return 1;
    }
    while (at < HAL_SECTOR_SIZE && live[at] == 0x5A && at + 3 <= HAL_SECTOR_SIZE) {
        uint32_t end = at + 3 + live[at + 2] + 4;
        if (end > HAL_SECTOR_SIZE || kb_crc32(live + at + 1, 2u + live[at + 2]) != be32(live + end - 4)) {
            return 1; /* a torn record: the sector is dirty and the next write compacts */
        }
        at = end;
    }
    for (; at < HAL_SECTOR_SIZE; at++) {
        if (live[at] != 0xFF) {
            return 0;
        }
    }
    return 1;
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

    if (!STRICT_FREE_SPACE && !free_space_erased()) {
        return 0;
    }
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
