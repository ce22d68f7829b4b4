/* The board layer: everything the portable core needs from the hardware.
 * Each board (boards/qemu, boards/stm32f4, boards/host) implements all of it. */
#ifndef KB_HAL_H
#define KB_HAL_H

#include <stddef.h>
#include <stdint.h>

#define HAL_STORAGE_SIZE   (32u * 1024u)   /* two sectors */
#define HAL_SECTOR_SIZE    (16u * 1024u)

/* Clocks, UART, storage. Called once before anything else. */
void hal_init(void);

/* Milliseconds since hal_init, wrapping at 2^32. */
uint32_t hal_millis(void);

/* Waits up to timeout_ms for one byte from the host. Returns 1 and stores it in
 * *byte, or 0 on timeout. */
int hal_uart_read(uint8_t *byte, uint32_t timeout_ms);

/* Sends n bytes (blocking until they are handed to the hardware). */
void hal_uart_write(const uint8_t *data, size_t n);

/* Storage backend: a HAL_STORAGE_SIZE area with flash semantics.
 * read: copies n bytes at off. program: new = old AND data. erase: a whole
 * HAL_SECTOR_SIZE sector (sector_off a multiple of it) becomes FF.
 * All return 0, or -1 on a backend failure (bad range, I/O error, timeout). */
int hal_storage_read(uint32_t off, uint8_t *data, size_t n);
int hal_storage_program(uint32_t off, const uint8_t *data, size_t n);
int hal_storage_erase(uint32_t sector_off);

/* Fills out with n bytes from the board's hardware random number generator.
 * Returns 0, HAL_ENTROPY_NONE when the board has no such generator (the core
 * then runs the seeded stream of docs/protocol.md), or HAL_ENTROPY_FAILED when
 * it has one that failed its checks (the core then refuses to create wallets). */
#define HAL_ENTROPY_NONE (-1)
#define HAL_ENTROPY_FAILED (-2)
int hal_entropy(uint8_t *out, size_t n);

/* A real reset of the machine; never returns. */
void hal_reboot(void) __attribute__((noreturn));

#endif
