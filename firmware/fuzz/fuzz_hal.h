/* The board layer for the libFuzzer harnesses: storage is a RAM image (so every
 * input starts from a chosen flash state and nothing touches the disk), the
 * UART's output is captured for the harness to check, and time stands still
 * (the inter-byte timeout is driven explicitly by the harness). */
#ifndef KB_FUZZ_HAL_H
#define KB_FUZZ_HAL_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"

#define FUZZ_OUT_CAP (64u * 1024u)

extern uint8_t fuzz_flash[HAL_STORAGE_SIZE];
extern uint8_t fuzz_out[FUZZ_OUT_CAP];
extern size_t fuzz_out_len;

/* A harness-level check: prints what broke and aborts, so libFuzzer saves the input. */
#define FUZZ_CHECK(cond, what)                                                                  \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            fuzz_fail(__FILE__, __LINE__, what);                                                \
        }                                                                                       \
    } while (0)

void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

#endif
