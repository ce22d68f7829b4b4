/* stm32f4 board entropy: the STM32F405/407 hardware RNG (RM0090 section 24).
 * The RNG runs on PLL48CLK, so the main PLL is started for it alone (the core
 * keeps running from the HSI): HSI 16 MHz / M 16 * N 192 = 192 MHz VCO,
 * Q 4 -> 48 MHz. Every wait is bounded by iterations. */
#include "hal.h"
#include "regs.h"

#define PLL_SPIN 200000u
#define DRDY_SPIN 100000u /* a word takes 40 RNG clocks; this is generous */

#define PLLCFGR_RNG ((16u << 0) | (192u << 6) | (0u << 16) | (0u << 22) | (4u << 24))

static int started, failed;
static uint32_t previous;

static void start(void)
{
    uint32_t spin = PLL_SPIN;

    started = 1;
    if (!(RCC_CR & RCC_CR_PLLON)) {
        RCC_PLLCFGR = PLLCFGR_RNG;
        RCC_CR |= RCC_CR_PLLON;
    }
    while (!(RCC_CR & RCC_CR_PLLRDY) && --spin) {
    }
    /* Not ready is not yet failure: an emulator may model the RNG without the clock tree. The RNG's own
     * checks below decide. */
    RCC_AHB2ENR |= RCC_AHB2ENR_RNGEN;
    (void)RCC_AHB2ENR;
    RNG_CR |= RNG_CR_RNGEN;
}

/* One 32-bit word that passed the RNG's seed and clock checks and differs from the previous one (the
 * continuous test RM0090 asks of software), or -1. */
static int word(uint32_t *out)
{
    uint32_t spin = DRDY_SPIN, sr;

    while (!((sr = RNG_SR) & RNG_SR_DRDY) && --spin) {
        if (sr & (RNG_SR_SECS | RNG_SR_CECS)) {
            return -1;
        }
    }
    if (!(sr & RNG_SR_DRDY) || (sr & (RNG_SR_SECS | RNG_SR_CECS))) {
        return -1;
    }
    *out = RNG_DR;
    if (*out == previous) {
        return -1;
    }
    previous = *out;
    return 0;
}

int hal_entropy(uint8_t *out, size_t n)
{
    uint32_t w;

    if (!started) {
        start();
        /* The first word only primes the continuous test. */
        failed = word(&w) != 0;
    }
    while (!failed && n > 0) {
        size_t i;
        if (word(&w) != 0) {
            failed = 1;
            break;
        }
        for (i = 0; i < 4 && n > 0; i++, n--) {
            *out++ = (uint8_t)(w >> (8 * i));
        }
    }
    return failed ? HAL_ENTROPY_FAILED : 0;
}
