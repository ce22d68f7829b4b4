/* host board entropy: none on purpose; the host program is a test tool whose
 * random stream is the seeded one (--seed), so runs repeat. */
#include "hal.h"

int hal_entropy(uint8_t *out, size_t n)
{
    (void)out;
    (void)n;
    return HAL_ENTROPY_NONE;
}
