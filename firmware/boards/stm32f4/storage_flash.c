/* stm32f4 board storage: internal flash sectors 1 and 2 (0x08004000 and
 * 0x08008000, 16 KiB each) through the flash interface's unlock / erase /
 * program sequence (RM0090 section 3.6). Every wait is bounded. */
#include <string.h>

#include "hal.h"
#include "regs.h"

#define STORAGE_BASE 0x08004000u
#define FIRST_SECTOR 1u
/* A 16 KiB sector erase takes up to ~0.5 s; byte programs ~16 us. The CPU may
 * stall on instruction fetches meanwhile, so bound by iterations, not by time. */
#define ERASE_SPIN 80000000u
#define PROGRAM_SPIN 200000u

void board_storage_init(void)
{
}

static int wait_idle(uint32_t spin)
{
    while ((FLASH_SR & FLASH_SR_BSY) && --spin) {
    }
    if (FLASH_SR & FLASH_SR_BSY) {
        return -1;
    }
    return (FLASH_SR & FLASH_SR_ERRORS) ? -1 : 0;
}

static int unlock(void)
{
    if (wait_idle(ERASE_SPIN) != 0 && (FLASH_SR & FLASH_SR_BSY)) {
        return -1;
    }
    FLASH_SR = FLASH_SR_ERRORS | FLASH_SR_EOP; /* write 1 to clear */
    if (FLASH_CR & FLASH_CR_LOCK) {
        FLASH_KEYR = FLASH_KEY1;
        FLASH_KEYR = FLASH_KEY2;
    }
    return (FLASH_CR & FLASH_CR_LOCK) ? -1 : 0;
}

static void lock(void)
{
    FLASH_CR = FLASH_CR_LOCK;
}

int hal_storage_read(uint32_t off, uint8_t *data, size_t n)
{
    if (off > HAL_STORAGE_SIZE || n > HAL_STORAGE_SIZE - off) {
        return -1;
    }
    memcpy(data, (const void *)(STORAGE_BASE + off), n);
    return 0;
}

int hal_storage_program(uint32_t off, const uint8_t *data, size_t n)
{
    volatile uint8_t *dst = (volatile uint8_t *)(STORAGE_BASE + off);
    int rc = 0;
    size_t i;

    if (off > HAL_STORAGE_SIZE || n > HAL_STORAGE_SIZE - off) {
        return -1;
    }
    if (unlock() != 0) {
        return -1;
    }
    FLASH_CR = FLASH_CR_PSIZE_X8 | FLASH_CR_PG;
    for (i = 0; i < n && rc == 0; i++) {
        uint8_t want = (uint8_t)(dst[i] & data[i]);
        if (want == dst[i]) {
            continue; /* nothing to clear */
        }
        dst[i] = want;
        rc = wait_idle(PROGRAM_SPIN);
    }
    FLASH_CR = 0;
    lock();
    return rc;
}

int hal_storage_erase(uint32_t sector_off)
{
    uint32_t snb;
    int rc;

    if (sector_off % HAL_SECTOR_SIZE != 0 || sector_off >= HAL_STORAGE_SIZE) {
        return -1;
    }
    snb = FIRST_SECTOR + sector_off / HAL_SECTOR_SIZE;
    if (unlock() != 0) {
        return -1;
    }
    FLASH_CR = FLASH_CR_PSIZE_X8 | FLASH_CR_SER | (snb << FLASH_CR_SNB_SHIFT);
    FLASH_CR |= FLASH_CR_STRT;
    rc = wait_idle(ERASE_SPIN);
    FLASH_CR = 0;
    lock();
    return rc;
}
