/* qemu board entropy: QEMU's netduinoplus2 models no RNG peripheral, so this
 * image keeps the seeded random stream (docs/firmware.md: it is for tests, never
 * for a device handed to people). */
#include "hal.h"

int hal_entropy(uint8_t *out, size_t n)
{
    (void)out;
    (void)n;
    return HAL_ENTROPY_NONE;
}
