#include "flash.h"

#include <string.h>

#include "device.h"

static uint32_t writes;
static uint32_t cut_at; /* absolute write number to cut; 0: none armed */
static uint32_t faults;

/* The second half of a sector, kept while a cut erase wipes only the first half. */
static uint8_t half_buf[HAL_SECTOR_SIZE / 2];

void kb_flash_reset_counter(void)
{
    writes = 0;
    cut_at = 0;
    faults = 0;
}

void kb_flash_arm_cut(uint32_t n)
{
    cut_at = writes + n;
}

uint32_t kb_flash_writes(void)
{
    return writes;
}

uint32_t kb_flash_faults(void)
{
    return faults;
}

void kb_flash_read(uint32_t off, uint8_t *data, size_t n)
{
    if (hal_storage_read(off, data, n) != 0) {
        memset(data, 0xFF, n);
        faults++;
    }
}

/* Counts one write; returns 1 if this is the armed one. */
static int begin(void)
{
    writes++;
    return cut_at != 0 && writes == cut_at;
}

void kb_flash_erase(unsigned sector)
{
    uint32_t base = sector * HAL_SECTOR_SIZE;

    if (!begin()) {
        if (hal_storage_erase(base) != 0) {
            faults++;
        }
        return;
    }
    /* Cut half-way: only the first half of the sector becomes FF. The backend
     * erases whole sectors, so save the second half and program it back. */
    cut_at = 0;
    kb_flash_read(base + HAL_SECTOR_SIZE / 2, half_buf, sizeof half_buf);
    if (hal_storage_erase(base) != 0 ||
        hal_storage_program(base + HAL_SECTOR_SIZE / 2, half_buf, sizeof half_buf) != 0) {
        faults++;
    }
    kb_power_cut(writes, HAL_SECTOR_SIZE / 2, HAL_SECTOR_SIZE);
}

void kb_flash_program(uint32_t off, const uint8_t *data, size_t n)
{
    size_t done = n;
    int cut = begin();

    if (cut) {
        cut_at = 0;
        done = n / 2;
    }
    if (done && hal_storage_program(off, data, done) != 0) {
        faults++;
    }
    if (cut) {
        kb_power_cut(writes, (uint32_t)done, (uint32_t)n);
    }
}
