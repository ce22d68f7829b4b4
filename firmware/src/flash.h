/* Storage writes as the device counts them (docs/protocol.md section 4): every
 * program and every erase is one write, and an armed power cut interrupts the
 * n-th one half-way (simulator/flash.py is the reference). */
#ifndef KB_FLASH_H
#define KB_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "hal.h"

#define KB_SECTORS 2u

/* Boot: the write counter restarts and any armed cut is forgotten. */
void kb_flash_reset_counter(void);
/* The n-th write from now (n >= 1; 1 = the next one) will be cut. */
void kb_flash_arm_cut(uint32_t n);
uint32_t kb_flash_writes(void);

void kb_flash_read(uint32_t off, uint8_t *data, size_t n);
/* Both may end in kb_power_cut() (device.h), which does not return. */
void kb_flash_erase(unsigned sector);
void kb_flash_program(uint32_t off, const uint8_t *data, size_t n);

/* Backend failures seen since boot (I/O errors, timeouts); for diagnostics. */
uint32_t kb_flash_faults(void);

#endif
