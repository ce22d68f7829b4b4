#include "fuzz_hal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t fuzz_flash[HAL_STORAGE_SIZE];
uint8_t fuzz_out[FUZZ_OUT_CAP];
size_t fuzz_out_len;

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "\nFUZZ CHECK FAILED %s:%d: %s\n", file, line, what);
    abort();
}

void hal_init(void)
{
}

uint32_t hal_millis(void)
{
    return 0;
}

int hal_uart_read(uint8_t *byte, uint32_t timeout_ms)
{
    (void)byte;
    (void)timeout_ms;
    return 0;
}

void hal_uart_write(const uint8_t *data, size_t n)
{
    /* An answer larger than the capture buffer would be a defect of its own. */
    FUZZ_CHECK(n <= FUZZ_OUT_CAP - fuzz_out_len, "the device wrote more than 64 KiB for one input");
    if (n) { /* frame.c passes (NULL, 0) for an absent second piece */
        memcpy(fuzz_out + fuzz_out_len, data, n);
    }
    fuzz_out_len += n;
}

/* Same contract as boards/host/storage_file.c: bad ranges are backend failures. */
int hal_storage_read(uint32_t off, uint8_t *data, size_t n)
{
    if (off > HAL_STORAGE_SIZE || n > HAL_STORAGE_SIZE - off) {
        return -1;
    }
    memcpy(data, fuzz_flash + off, n);
    return 0;
}

int hal_storage_program(uint32_t off, const uint8_t *data, size_t n)
{
    size_t i;

    if (off > HAL_STORAGE_SIZE || n > HAL_STORAGE_SIZE - off) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        fuzz_flash[off + i] &= data[i]; /* flash only clears bits */
    }
    return 0;
}

int hal_storage_erase(uint32_t sector_off)
{
    if (sector_off % HAL_SECTOR_SIZE != 0 || sector_off >= HAL_STORAGE_SIZE) {
        return -1;
    }
    memset(fuzz_flash + sector_off, 0xFF, HAL_SECTOR_SIZE);
    return 0;
}

void hal_reboot(void)
{
    fuzz_fail(__FILE__, __LINE__, "the core asked for a hardware reboot");
}

/* No hardware generator: the device draws from its seeded stream, so every input replays exactly. */
int hal_entropy(uint8_t *out, size_t n)
{
    (void)out;
    (void)n;
    return HAL_ENTROPY_NONE;
}
