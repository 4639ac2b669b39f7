/*
 * edgeq_counter.c - SysTick as a 64-bit monotonic tick counter. SysTick is a
 * 24-bit down-counter; each read folds the elapsed ticks since the previous read
 * (modulo 2^24) into a 64-bit total, so no interrupt (and no instructions outside
 * the measured code) is needed as long as reads are less than 2^24 ticks apart.
 */
#include "edgeq_counter.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_MASK 0x00FFFFFFu
#define SYST_CSR_ENABLE_CORECLK 5u /* ENABLE | CLKSOURCE=processor clock, TICKINT=0 */

static uint32_t last_value;
static uint64_t total_ticks;

void edgeq_counter_start(void)
{
    SYST_CSR = 0u;
    SYST_RVR = SYST_MASK;
    SYST_CVR = 0u; /* any write clears the current value; reload happens on the next tick */
    SYST_CSR = SYST_CSR_ENABLE_CORECLK;
    last_value = SYST_CVR & SYST_MASK;
    total_ticks = 0u;
}

uint64_t edgeq_counter_now(void)
{
    uint32_t value = SYST_CVR & SYST_MASK;
    /* Down-counter: elapsed = previous - current (mod 2^24). */
    total_ticks += (uint64_t)((last_value - value) & SYST_MASK);
    last_value = value;
    return total_ticks;
}

uint64_t edgeq_ticks_to_instructions(uint64_t ticks)
{
    return ticks * (uint64_t)EDGEQ_TICK_INSTR_NUM / (uint64_t)EDGEQ_TICK_INSTR_DEN;
}
