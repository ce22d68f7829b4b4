/* What both STM32F405 boards share: SysTick time, USART2 with an interrupt-fed
 * receive ring, reset, faults, and main(). The storage backend is per board. */
#include <stdint.h>

#include "device.h"
#include "hal.h"
#include "regs.h"

#ifndef KB_CPU_HZ
#error "KB_CPU_HZ: the core clock the board runs at"
#endif
#ifndef KB_BAUD
#define KB_BAUD 115200u
#endif

void board_storage_init(void); /* per board */

static volatile uint32_t ticks;

#define RING 2048u /* a power of two */
static volatile uint8_t ring[RING];
static volatile uint32_t ring_head, ring_tail; /* head: ISR writes, tail: main reads */

void SysTick_Handler(void)
{
    ticks++;
}

/* Flow control that holds on real silicon and on QEMU alike. While the ring has room the handler takes every
 * byte. When it is full the handler masks USART2 at the NVIC and returns: clearing RXNEIE would not do, since
 * QEMU's stm32f2xx_usart lowers its IRQ line only when DR is read, so the handler would be re-entered forever.
 * hal_uart_read unmasks it once the main loop has made room. Meanwhile QEMU keeps the bytes in its socket; a
 * real USART overruns (ORE) and drops them, which the frame decoder then reports as bad frames. */
static volatile int rx_masked;

static void rx_mask(void)
{
    rx_masked = 1;
    NVIC_ICER(USART2_IRQN / 32u) = 1u << (USART2_IRQN % 32u);
    __asm volatile("dsb\n isb");
}

static void rx_unmask(void)
{
    rx_masked = 0;
    NVIC_ISER(USART2_IRQN / 32u) = 1u << (USART2_IRQN % 32u);
}

void USART2_IRQHandler(void)
{
    while (USART2_SR & (USART_SR_RXNE | USART_SR_ORE)) {
        if (ring_head - ring_tail >= RING) {
            rx_mask();
            return;
        }
        ring[ring_head % RING] = (uint8_t)USART2_DR; /* the SR-then-DR read also clears ORE */
        ring_head++;
    }
}

/* HardFault and DebugMonitor: a semihosting call (BKPT 0xAB) that no debugger
 * or emulator serviced fails with r0 = -1, so the qemu board still runs (on a
 * RAM-only storage) when QEMU was started without -semihosting-config. Any other
 * fault resets the device, which then serves again. */
void fault_dispatch(uint32_t *frame);

__attribute__((naked)) void HardFault_Handler(void)
{
    __asm volatile("tst lr, #4\n"
                   "ite eq\n"
                   "mrseq r0, msp\n"
                   "mrsne r0, psp\n"
                   "b fault_dispatch\n");
}

void DebugMon_Handler(void) __attribute__((alias("HardFault_Handler")));

void fault_dispatch(uint32_t *frame)
{
    uint32_t pc = frame[6];

    if (pc >= 0x08000000u && pc < 0x08100000u && (pc & 1u) == 0 &&
        *(const volatile uint16_t *)pc == 0xBEABu) {
        frame[0] = 0xFFFFFFFFu;  /* r0: the call failed */
        frame[6] = pc + 2u;      /* resume after the BKPT */
        SCB_HFSR = SCB_HFSR;     /* write 1 to clear DEBUGEVT / FORCED */
        SCB_DFSR = SCB_DFSR;
        return;
    }
    hal_reboot();
}

void hal_reboot(void)
{
    __asm volatile("dsb");
    SCB_AIRCR = 0x05FA0004u; /* VECTKEY | SYSRESETREQ */
    __asm volatile("dsb");
    for (;;) {
    }
}

uint32_t hal_millis(void)
{
    return ticks;
}

static void uart_init(void)
{
    /* Clock enables take effect at once; there is no ready bit to wait for. */
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN;
    RCC_APB1ENR |= RCC_APB1ENR_USART2EN;
    (void)RCC_APB1ENR;
    /* PA2 = TX, PA3 = RX: alternate function 7, pull-up on RX */
    GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 4)) | (0xAu << 4);
    GPIOA_OSPEEDR |= 0xFu << 4;
    GPIOA_PUPDR = (GPIOA_PUPDR & ~(0xFu << 4)) | (0x1u << 6);
    GPIOA_AFRL = (GPIOA_AFRL & ~(0xFFu << 8)) | (0x77u << 8);
    /* APB1 runs at the core clock here (no prescaler programmed). */
    USART2_CR1 = 0;
    USART2_BRR = (KB_CPU_HZ + KB_BAUD / 2u) / KB_BAUD;
    USART2_CR2 = 0;
    USART2_CR3 = 0;
    USART2_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    rx_unmask();
}

void hal_init(void)
{
    SCB_VTOR = 0x08000000u;
    SYST_RVR = KB_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 0x7u; /* processor clock, interrupt, enable */
    uart_init();
    board_storage_init();
    __asm volatile("cpsie i");
}

int hal_uart_read(uint8_t *byte, uint32_t timeout_ms)
{
    uint32_t start = ticks;

    while (ring_head == ring_tail) {
        if (ticks - start >= timeout_ms) {
            return 0;
        }
        /* SysTick (1 ms) or USART2 wakes us; a byte that lands between the
         * check and the wfi waits at most one tick. */
        __asm volatile("wfi");
    }
    *byte = ring[ring_tail % RING];
    ring_tail++;
    if (rx_masked) {
        rx_unmask(); /* room again: the pending byte is taken at once */
    }
    return 1;
}

void hal_uart_write(const uint8_t *data, size_t n)
{
    while (n--) {
        uint32_t spin = 0;
        /* bounded: a stuck transmitter must not hang the device */
        while (!(USART2_SR & USART_SR_TXE) && ++spin < 1000000u) {
        }
        USART2_DR = *data++;
    }
}

int main(void)
{
    hal_init();
    kb_device_power_up(0);
    kb_serve();
}
