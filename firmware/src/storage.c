#include "storage.h"

#include <string.h>

#include "crc32.h"
#include "flash.h"

#define HEADER_LEN 16u
#define RECORD_TAG 0x5Au
#define RECORD_OVERHEAD 7u /* tag, key, len; crc */
#define SECTOR HAL_SECTOR_SIZE

static struct {
    unsigned sector;     /* the live one */
    uint32_t generation;
    uint32_t wipes;
    uint32_t free;       /* offset of free space inside the live sector */
    int dirty;           /* a torn record or unerased free space: compact before the next append */
    uint16_t at[256];    /* offset of each key's last record in the live sector; 0: absent */
    uint8_t len[256];
} st;

static uint8_t rec_buf[RECORD_OVERHEAD + 255];

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void header_bytes(uint8_t h[HEADER_LEN], uint32_t generation, uint32_t wipes)
{
    memcpy(h, "KBS1", 4);
    put_be32(h + 4, generation);
    put_be32(h + 8, wipes);
    put_be32(h + 12, kb_crc32(h, 12));
}

/* 1 and the header's fields if sector s starts with a valid header. */
static int read_header(unsigned s, uint32_t *generation, uint32_t *wipes)
{
    uint8_t h[HEADER_LEN];

    kb_flash_read(s * SECTOR, h, sizeof h);
    if (memcmp(h, "KBS1", 4) != 0 || kb_crc32(h, 12) != be32(h + 12)) {
        return 0;
    }
    *generation = be32(h + 4);
    *wipes = be32(h + 8);
    return 1;
}

static void forget_all(void)
{
    memset(st.at, 0, sizeof st.at);
    memset(st.len, 0, sizeof st.len);
}

/* 1 when the n bytes of flash at off are all FF. */
static int erased(uint32_t off, uint32_t n)
{
    while (n > 0) {
        uint32_t chunk = n < sizeof rec_buf ? n : (uint32_t)sizeof rec_buf, i;

        kb_flash_read(off, rec_buf, chunk);
        for (i = 0; i < chunk; i++) {
            if (rec_buf[i] != 0xFF) {
                return 0;
            }
        }
        off += chunk;
        n -= chunk;
    }
    return 1;
}

/* Walks the live sector's records, the last of each key winning; the sector is
 * dirty when one is torn or when the free space after them is not erased. */
static void scan(void)
{
    uint32_t base = st.sector * SECTOR, at = HEADER_LEN;

    forget_all();
    st.dirty = 0;
    while (at < SECTOR) {
        uint8_t head[3];
        uint32_t end;

        kb_flash_read(base + at, head, 1);
        if (head[0] == 0xFF) {
            break;
        }
        if (head[0] != RECORD_TAG || at + 3 > SECTOR) {
            st.dirty = 1;
            break;
        }
        kb_flash_read(base + at, head, 3);
        end = at + 3 + head[2] + 4;
        if (end > SECTOR) {
            st.dirty = 1;
            break;
        }
        kb_flash_read(base + at, rec_buf, end - at);
        if (kb_crc32(rec_buf + 1, 2u + head[2]) != be32(rec_buf + 3 + head[2])) {
            st.dirty = 1;
            break;
        }
        st.at[head[1]] = head[2] ? (uint16_t)at : 0;
        st.len[head[1]] = head[2];
        at = end;
    }
    st.free = at;
    if (!st.dirty && !erased(base + at, SECTOR - at)) {
        /* Free space that is not erased (a corrupt image): a record programmed
         * over it would only clear bits and fail its CRC, so compact first. */
        st.dirty = 1;
    }
}

void kb_storage_mount(void)
{
    uint32_t gen[KB_SECTORS], wipes[KB_SECTORS];
    int valid[KB_SECTORS], found = 0;
    unsigned s;

    for (s = 0; s < KB_SECTORS; s++) {
        valid[s] = read_header(s, &gen[s], &wipes[s]);
        /* max() over (generation, sector, wipes) tuples: ties go to the later sector */
        if (valid[s] && (!found || gen[s] > st.generation ||
                         (gen[s] == st.generation && (s > st.sector ||
                                                      (s == st.sector && wipes[s] > st.wipes))))) {
            st.generation = gen[s];
            st.sector = s;
            st.wipes = wipes[s];
            found = 1;
        }
    }
    if (!found) {
        uint8_t h[HEADER_LEN];
        kb_flash_erase(0);
        header_bytes(h, 1, 0);
        kb_flash_program(0, h, sizeof h);
        st.sector = 0;
        st.generation = 1;
        st.wipes = 0;
        st.free = HEADER_LEN;
        st.dirty = 0;
        forget_all();
        return;
    }
    scan();
}

int kb_storage_get(uint8_t key, uint8_t *out, size_t cap)
{
    size_t n;

    if (st.at[key] == 0) {
        return -1;
    }
    n = st.len[key] < cap ? st.len[key] : cap;
    kb_flash_read(st.sector * SECTOR + st.at[key] + 3, out, n);
    return st.len[key];
}

int kb_storage_has(uint8_t key)
{
    return st.at[key] != 0;
}

uint32_t kb_storage_wipes(void)
{
    return st.wipes;
}

/* Erase the other sector, copy the kept records (by key order), program its
 * header last, erase the old sector. Generation and wipes are uint32_t and wrap
 * modulo 2^32 (docs/protocol.md section 4). */
static void compact(int keep, uint32_t wipes)
{
    unsigned old = st.sector, new = (st.sector + 1) % KB_SECTORS;
    uint32_t base = new * SECTOR, at = HEADER_LEN;
    uint16_t new_at[256];
    uint8_t h[HEADER_LEN];
    unsigned key;

    memset(new_at, 0, sizeof new_at);
    kb_flash_erase(new);
    for (key = 0; keep && key < 256; key++) {
        uint32_t n;
        if (st.at[key] == 0) {
            continue;
        }
        n = RECORD_OVERHEAD + st.len[key];
        kb_flash_read(old * SECTOR + st.at[key], rec_buf, n);
        kb_flash_program(base + at, rec_buf, n);
        new_at[key] = (uint16_t)at;
        at += n;
    }
    header_bytes(h, (uint32_t)(st.generation + 1u), wipes);
    kb_flash_program(base, h, sizeof h);
    st.generation = (uint32_t)(st.generation + 1u);
    st.sector = new;
    st.wipes = wipes;
    st.free = at;
    st.dirty = 0;
    memcpy(st.at, new_at, sizeof new_at);
    if (!keep) {
        memset(st.len, 0, sizeof st.len);
    }
    kb_flash_erase(old);
}

void kb_storage_put(uint8_t key, const uint8_t *value, size_t len)
{
    uint32_t n = RECORD_OVERHEAD + (uint32_t)len;

    if (len > 255) {
        return;
    }
    if (st.dirty || st.free + n > SECTOR) {
        compact(1, st.wipes);
    }
    rec_buf[0] = RECORD_TAG;
    rec_buf[1] = key;
    rec_buf[2] = (uint8_t)len;
    if (len) {
        memcpy(rec_buf + 3, value, len);
    }
    put_be32(rec_buf + 3 + len, kb_crc32(rec_buf + 1, 2 + len));
    kb_flash_program(st.sector * SECTOR + st.free, rec_buf, n);
    st.at[key] = len ? (uint16_t)st.free : 0;
    st.len[key] = (uint8_t)len;
    st.free += n;
}

void kb_storage_wipe(void)
{
    compact(0, (uint32_t)(st.wipes + 1u));
}
