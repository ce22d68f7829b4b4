/* host board storage: the 32 KiB area in a file (created erased, i.e. all FF). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hal.h"

static int fd = -1;

int host_storage_open(const char *path)
{
    struct stat st;
    uint8_t ff[HAL_SECTOR_SIZE];

    fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0 || fstat(fd, &st) != 0) {
        return -1;
    }
    if (st.st_size != HAL_STORAGE_SIZE) {
        memset(ff, 0xFF, sizeof ff);
        if (ftruncate(fd, 0) != 0 || pwrite(fd, ff, sizeof ff, 0) != (ssize_t)sizeof ff ||
            pwrite(fd, ff, sizeof ff, HAL_SECTOR_SIZE) != (ssize_t)sizeof ff) {
            return -1;
        }
    }
    return 0;
}

int hal_storage_read(uint32_t off, uint8_t *data, size_t n)
{
    if (off > HAL_STORAGE_SIZE || n > HAL_STORAGE_SIZE - off) {
        return -1;
    }
    return pread(fd, data, n, off) == (ssize_t)n ? 0 : -1;
}

int hal_storage_program(uint32_t off, const uint8_t *data, size_t n)
{
    uint8_t old[HAL_SECTOR_SIZE];
    size_t i;

    if (off > HAL_STORAGE_SIZE || n > HAL_STORAGE_SIZE - off || n > sizeof old) {
        return -1;
    }
    if (pread(fd, old, n, off) != (ssize_t)n) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        old[i] &= data[i]; /* flash only clears bits */
    }
    return pwrite(fd, old, n, off) == (ssize_t)n ? 0 : -1;
}

int hal_storage_erase(uint32_t sector_off)
{
    uint8_t ff[HAL_SECTOR_SIZE];

    if (sector_off % HAL_SECTOR_SIZE != 0 || sector_off >= HAL_STORAGE_SIZE) {
        return -1;
    }
    memset(ff, 0xFF, sizeof ff);
    return pwrite(fd, ff, sizeof ff, sector_off) == (ssize_t)sizeof ff ? 0 : -1;
}
