/* Reset handler and vector table for the STM32F405 (both ARM boards). */
#include <stdint.h>
#include <string.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void DebugMon_Handler(void);
void SysTick_Handler(void);
void USART2_IRQHandler(void);

void Reset_Handler(void)
{
    memcpy(&_sdata, &_sidata, (size_t)((char *)&_edata - (char *)&_sdata));
    memset(&_sbss, 0, (size_t)((char *)&_ebss - (char *)&_sbss));
    main();
    for (;;) {
    }
}

/* Faults and stray interrupts: the device must keep serving, so reset. */
void Default_Handler(void)
{
    extern void hal_reboot(void);
    hal_reboot();
}

#define IRQS 82

typedef void (*vector)(void);

__attribute__((section(".isr_vector"), used)) const vector vector_table[16 + IRQS] = {
    [0] = (vector)(uintptr_t)&_estack,
    [1] = Reset_Handler,
    [2] = Default_Handler,   /* NMI */
    [3] = HardFault_Handler,
    [4] = Default_Handler,   /* MemManage */
    [5] = Default_Handler,   /* BusFault */
    [6] = Default_Handler,   /* UsageFault */
    [11] = Default_Handler,  /* SVCall */
    [12] = DebugMon_Handler,
    [14] = Default_Handler,  /* PendSV */
    [15] = SysTick_Handler,
    [16 + 38] = USART2_IRQHandler,
};
