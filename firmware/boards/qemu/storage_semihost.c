/* qemu board storage: QEMU's netduinoplus2 flash is not writable by the guest,
 * so the 32 KiB area lives in a host file (keybench-storage.bin in QEMU's working
 * directory) reached through ARM semihosting (-semihosting-config enable=on).
 * A RAM mirror serves reads; programs and erases write through to the file. */
#include <string.h>

#include "hal.h"

#define SYS_OPEN 0x01
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_SEEK 0x0A
#define SYS_FLEN 0x0C

#define MODE_RB_PLUS 3  /* "r+b" */
#define MODE_WB_PLUS 7  /* "w+b" */

static const char file_name[] = "keybench-storage.bin";
static uint8_t mirror[HAL_STORAGE_SIZE];
static int handle = -1;

static int semihost(int op, void *args)
{
    register int r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = args;
    __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static int sh_open(int mode)
{
    uint32_t a[3] = {(uint32_t)file_name, (uint32_t)mode, sizeof file_name - 1};
    return semihost(SYS_OPEN, a);
}

static int sh_seek(uint32_t pos)
{
    uint32_t a[2] = {(uint32_t)handle, pos};
    return semihost(SYS_SEEK, a);
}

static int sh_write(const uint8_t *d, size_t n)
{
    uint32_t a[3] = {(uint32_t)handle, (uint32_t)d, n};
    return semihost(SYS_WRITE, a); /* bytes NOT written */
}

static int sh_read(uint8_t *d, size_t n)
{
    uint32_t a[3] = {(uint32_t)handle, (uint32_t)d, n};
    return semihost(SYS_READ, a); /* bytes NOT read */
}

static int sh_flen(void)
{
    uint32_t a[1] = {(uint32_t)handle};
    return semihost(SYS_FLEN, a);
}

/* Writes mirror[off, off+n) to the file. */
static int flush(uint32_t off, size_t n)
{
    if (handle < 0 || sh_seek(off) != 0 || sh_write(mirror + off, n) != 0) {
        return -1;
    }
    return 0;
}

void board_storage_init(void)
{
    memset(mirror, 0xFF, sizeof mirror);
    handle = sh_open(MODE_RB_PLUS);
    if (handle >= 0 && sh_flen() == (int)sizeof mirror) {
        if (sh_seek(0) != 0 || sh_read(mirror, sizeof mirror) != 0) {
            memset(mirror, 0xFF, sizeof mirror);
        }
        return;
    }
    /* Missing or the wrong size: a fresh, erased part. */
    handle = sh_open(MODE_WB_PLUS);
    flush(0, sizeof mirror);
}

int hal_storage_read(uint32_t off, uint8_t *data, size_t n)
{
    if (off > sizeof mirror || n > sizeof mirror - off) {
        return -1;
    }
    memcpy(data, mirror + off, n);
    return 0;
}

int hal_storage_program(uint32_t off, const uint8_t *data, size_t n)
{
    size_t i;
    if (off > sizeof mirror || n > sizeof mirror - off) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        mirror[off + i] &= data[i]; /* flash only clears bits */
    }
    return flush(off, n);
}

int hal_storage_erase(uint32_t sector_off)
{
    if (sector_off % HAL_SECTOR_SIZE != 0 || sector_off >= sizeof mirror) {
        return -1;
    }
    memset(mirror + sector_off, 0xFF, HAL_SECTOR_SIZE);
    return flush(sector_off, HAL_SECTOR_SIZE);
}
