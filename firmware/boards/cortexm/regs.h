/* The few STM32F405 and Cortex-M4 registers the boards touch (RM0090, PM0214). */
#ifndef KB_REGS_H
#define KB_REGS_H

#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(addr))

/* RCC */
#define RCC_BASE 0x40023800u
#define RCC_CR REG(RCC_BASE + 0x00u)
#define RCC_PLLCFGR REG(RCC_BASE + 0x04u)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_AHB1ENR REG(RCC_BASE + 0x30u)
#define RCC_APB1ENR REG(RCC_BASE + 0x40u)
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_APB1ENR_USART2EN (1u << 17)
#define RCC_AHB2ENR REG(RCC_BASE + 0x34u)
#define RCC_AHB2ENR_RNGEN (1u << 6)

/* RNG (STM32F405/407, RM0090 section 24) */
#define RNG_BASE 0x50060800u
#define RNG_CR REG(RNG_BASE + 0x00u)
#define RNG_SR REG(RNG_BASE + 0x04u)
#define RNG_DR REG(RNG_BASE + 0x08u)
#define RNG_CR_RNGEN (1u << 2)
#define RNG_SR_DRDY (1u << 0)
#define RNG_SR_CECS (1u << 1)
#define RNG_SR_SECS (1u << 2)

/* GPIOA */
#define GPIOA_BASE 0x40020000u
#define GPIOA_MODER REG(GPIOA_BASE + 0x00u)
#define GPIOA_OSPEEDR REG(GPIOA_BASE + 0x08u)
#define GPIOA_PUPDR REG(GPIOA_BASE + 0x0Cu)
#define GPIOA_AFRL REG(GPIOA_BASE + 0x20u)

/* USART2 */
#define USART2_BASE 0x40004400u
#define USART2_SR REG(USART2_BASE + 0x00u)
#define USART2_DR REG(USART2_BASE + 0x04u)
#define USART2_BRR REG(USART2_BASE + 0x08u)
#define USART2_CR1 REG(USART2_BASE + 0x0Cu)
#define USART2_CR2 REG(USART2_BASE + 0x10u)
#define USART2_CR3 REG(USART2_BASE + 0x14u)
#define USART_SR_ORE (1u << 3)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_UE (1u << 13)
#define USART2_IRQN 38u

/* Flash interface */
#define FLASH_IF_BASE 0x40023C00u
#define FLASH_ACR REG(FLASH_IF_BASE + 0x00u)
#define FLASH_KEYR REG(FLASH_IF_BASE + 0x04u)
#define FLASH_SR REG(FLASH_IF_BASE + 0x0Cu)
#define FLASH_CR REG(FLASH_IF_BASE + 0x10u)
#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu
#define FLASH_SR_EOP (1u << 0)
#define FLASH_SR_OPERR (1u << 1)
#define FLASH_SR_ERRORS (0xF0u | FLASH_SR_OPERR) /* WRPERR PGAERR PGPERR PGSERR OPERR */
#define FLASH_SR_BSY (1u << 16)
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_SER (1u << 1)
#define FLASH_CR_SNB_SHIFT 3u
#define FLASH_CR_PSIZE_X8 (0u << 8)
#define FLASH_CR_STRT (1u << 16)
#define FLASH_CR_LOCK (1u << 31)

/* Cortex-M4 core */
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define NVIC_ISER(n) REG(0xE000E100u + 4u * (n))
#define NVIC_ICER(n) REG(0xE000E180u + 4u * (n))
#define SCB_VTOR REG(0xE000ED08u)
#define SCB_AIRCR REG(0xE000ED0Cu)
#define SCB_HFSR REG(0xE000ED2Cu)
#define SCB_DFSR REG(0xE000ED30u)

#endif
