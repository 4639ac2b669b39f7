/*
 * edgeq_agent_cycles.c - the agent's clock: DWT CYCCNT where the core has one
 * that counts (ARMv7-M, ARMv7E-M, ARMv8-M Mainline), SysTick from the core
 * clock otherwise (edgeq_counter.c). Both count core clock cycles; both are
 * folded into 64 bits on each read. Define EDGEQ_AGENT_NO_SYSTICK when the
 * board's own code owns SysTick (e.g. STM32 HAL's tick): without a DWT the
 * agent then reports no cycles and the ports' timeouts fall back to counting
 * polls. Also the polled-receive loop the UART ports share. Under QEMU, neither counter is a real board's cycles (docs/serial-agent.md).
 */
#include "edgeq_agent.h"
#include "edgeq_agent_port.h"
#include "edgeq_counter.h"

#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__)
#define EDGEQ_AGENT_HAS_DWT 1
#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL_NOCYCCNT (1u << 25)
#define DWT_CTRL_CYCCNTENA 1u
static uint32_t dwt_last;
static uint64_t dwt_total;
#endif

static uint8_t counter_kind;
static uint32_t polls; /* stands in for time when there is no counter */

#ifdef EDGEQ_AGENT_HAS_DWT
/* Enables CYCCNT and checks that it really advances (emulators may not model it). */
static int dwt_start(void)
{
    volatile uint32_t spin;
    DEMCR |= DEMCR_TRCENA;
    if ((DWT_CTRL & DWT_CTRL_NOCYCCNT) != 0u) {
        return 0;
    }
    DWT_CYCCNT = 0u;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
    for (spin = 0u; spin < 16u; spin++) {
    }
    if (DWT_CYCCNT == 0u) {
        return 0;
    }
    dwt_last = DWT_CYCCNT;
    dwt_total = 0u;
    return 1;
}
#endif

uint8_t edgeq_agent_cycles_start(void)
{
    counter_kind = EDGEQ_AGENT_COUNTER_NONE;
#ifdef EDGEQ_AGENT_HAS_DWT
    if (dwt_start()) {
        counter_kind = EDGEQ_AGENT_COUNTER_DWT;
    }
#endif
#ifndef EDGEQ_AGENT_NO_SYSTICK
    if (counter_kind == EDGEQ_AGENT_COUNTER_NONE) {
        edgeq_counter_start();
        counter_kind = EDGEQ_AGENT_COUNTER_SYSTICK;
    }
#endif
    return counter_kind;
}

uint64_t edgeq_agent_cycles_now(void)
{
    switch (counter_kind) {
#ifdef EDGEQ_AGENT_HAS_DWT
    case EDGEQ_AGENT_COUNTER_DWT: {
        uint32_t value = DWT_CYCCNT;
        dwt_total += (uint64_t)(uint32_t)(value - dwt_last);
        dwt_last = value;
        return dwt_total;
    }
#endif
#ifndef EDGEQ_AGENT_NO_SYSTICK
    case EDGEQ_AGENT_COUNTER_SYSTICK:
        return edgeq_counter_now();
#endif
    default:
        return 0u;
    }
}

uint32_t edgeq_agent_millis(void)
{
    if (counter_kind == EDGEQ_AGENT_COUNTER_NONE) {
        /* No clock: treat every 1000 calls (one per poll) as a millisecond. */
        polls++;
        return polls / 1000u;
    }
    return (uint32_t)(edgeq_agent_cycles_now() / (uint64_t)(EDGEQ_AGENT_CORE_HZ / 1000u));
}

size_t edgeq_agent_receive_polled(uint8_t *data, size_t len, uint32_t timeout_ms, int (*poll)(uint8_t *byte))
{
    size_t got = 0u;
    uint32_t start = edgeq_agent_millis();
    while (got < len) {
        if (poll(&data[got])) {
            got++;
            start = edgeq_agent_millis();
        } else if ((uint32_t)(edgeq_agent_millis() - start) >= timeout_ms) {
            break;
        }
    }
    return got;
}
