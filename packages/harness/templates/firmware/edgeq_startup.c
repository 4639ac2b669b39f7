/*
 * edgeq_startup.c - reset and exception handling for every edgeq Cortex-M target
 * (v6-M, v7-M, v7E-M, v8-M Mainline). Holds the vector table, initialises .data
 * and .bss, paints the stack for a high-water mark, enables the FPU when the
 * build uses one, calls main() and hands its result to semihosting exit.
 * Faults are reported on the host console and end the run with
 * EDGEQ_EXIT_HARDFAULT, so a crash is never mistaken for a hang or a wrong answer.
 */
#include <stdint.h>

#include "edgeq_firmware.h"
#include "edgeq_semihost.h"

/* Symbols from link.ld.hbs. */
extern uint32_t __data_load;
extern uint32_t __data_start;
extern uint32_t __data_end;
extern uint32_t __bss_start;
extern uint32_t __bss_end;
extern uint32_t __stack_limit;
extern uint32_t __stack_top;

int main(void);
void Reset_Handler(void);
void HardFault_Handler(void);
void Default_Handler(void);
void edgeq_fault_report(const uint32_t *frame, uint32_t exc_return);

#define EDGEQ_NUM_IRQ_VECTORS 32
#define EDGEQ_STACK_PAINT_MARGIN 64u /* bytes below the live SP left unpainted */

typedef void (*edgeq_handler)(void);

/* Cortex-M vector table: initial SP, then exception handlers. */
struct edgeq_vector_table {
    uint32_t *initial_sp;
    edgeq_handler system[15];
    edgeq_handler irq[EDGEQ_NUM_IRQ_VECTORS];
};

__attribute__((section(".vectors"), used)) static const struct edgeq_vector_table edgeq_vectors = {
    &__stack_top,
    {
        Reset_Handler,     /* 1 Reset */
        Default_Handler,   /* 2 NMI */
        HardFault_Handler, /* 3 HardFault */
        HardFault_Handler, /* 4 MemManage (escalates unless enabled) */
        HardFault_Handler, /* 5 BusFault */
        HardFault_Handler, /* 6 UsageFault */
        HardFault_Handler, /* 7 SecureFault (v8-M) */
        0, 0, 0,           /* 8-10 reserved */
        Default_Handler,   /* 11 SVCall */
        Default_Handler,   /* 12 DebugMonitor */
        0,                 /* 13 reserved */
        Default_Handler,   /* 14 PendSV */
        Default_Handler,   /* 15 SysTick (never enabled as an interrupt) */
    },
    {
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
        Default_Handler, Default_Handler,
    },
};

static uint32_t read_sp(void)
{
    uint32_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

void Reset_Handler(void)
{
    volatile uint32_t *dst;
    const uint32_t *src;
    uint32_t paint_end;

    src = &__data_load;
    for (dst = &__data_start; dst < &__data_end; dst++) {
        *dst = *src++;
    }
    for (dst = &__bss_start; dst < &__bss_end; dst++) {
        *dst = 0u;
    }
    /* Paint the stack below the live frame; volatile keeps it a plain loop. */
    paint_end = read_sp() - EDGEQ_STACK_PAINT_MARGIN;
    for (dst = &__stack_limit; (uint32_t)(uintptr_t)dst < paint_end; dst++) {
        *dst = EDGEQ_STACK_PAINT;
    }
#if defined(__ARM_FP)
    /* CPACR: full access to CP10/CP11 (the FPU) before any FP instruction runs. */
    (*(volatile uint32_t *)0xE000ED88u) |= (0xFu << 20);
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    edgeq_sh_exit(main());
}

uint32_t edgeq_stack_peak_bytes(void)
{
    const volatile uint32_t *p = &__stack_limit;
    while (p < &__stack_top && *p == EDGEQ_STACK_PAINT) {
        p++;
    }
    return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)p);
}

uint32_t edgeq_stack_size_bytes(void)
{
    return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_limit);
}

/* Finds the stacked exception frame (MSP or PSP per EXC_RETURN bit 2) and reports
 * it. Thumb-1 only, so it assembles for v6-M as well. */
__attribute__((naked)) void HardFault_Handler(void)
{
    __asm__ volatile(
        "movs r0, #4\n\t"
        "mov r1, lr\n\t"
        "tst r0, r1\n\t"
        "beq 1f\n\t"
        "mrs r0, psp\n\t"
        "b 2f\n"
        "1:\n\t"
        "mrs r0, msp\n"
        "2:\n\t"
        "ldr r2, =edgeq_fault_report\n\t"
        "bx r2\n\t"
        ".align 2\n\t"
        ".ltorg\n");
}

void edgeq_fault_report(const uint32_t *frame, uint32_t exc_return)
{
    edgeq_sh_puts("EDGEQ-FAULT HardFault pc=");
    edgeq_sh_put_hex(frame[6]);
    edgeq_sh_puts(" lr=");
    edgeq_sh_put_hex(frame[5]);
    edgeq_sh_puts(" exc_return=");
    edgeq_sh_put_hex(exc_return);
#if !defined(__ARM_ARCH_6M__)
    edgeq_sh_puts(" cfsr=");
    edgeq_sh_put_hex(*(volatile uint32_t *)0xE000ED28u);
    edgeq_sh_puts(" hfsr=");
    edgeq_sh_put_hex(*(volatile uint32_t *)0xE000ED2Cu);
#endif
    edgeq_sh_puts("\n");
    edgeq_sh_exit(EDGEQ_EXIT_HARDFAULT);
}

void Default_Handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    edgeq_sh_puts("EDGEQ-FAULT unexpected exception ");
    edgeq_sh_put_u32(ipsr & 0x1FFu);
    edgeq_sh_puts("\n");
    edgeq_sh_exit(EDGEQ_EXIT_UNEXPECTED_IRQ);
}
