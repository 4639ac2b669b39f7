/*
 * edgeq_agent_port.h - the two functions a board provides so the parity agent
 * can talk over its UART (or USB CDC, or anything byte-oriented). Ports for the
 * QEMU boards (CMSDK APB UART on MPS2/MPS3, nRF51 UART on micro:bit) and an
 * example for STM32 HAL are in edgeq_port_*.c; each compiles only when its
 * macro is defined (EDGEQ_PORT_CMSDK_UART, EDGEQ_PORT_NRF51_UART,
 * EDGEQ_PORT_STM32_HAL). A port sets the UART up on first use or relies on the
 * board's own init having done it before edgeq_agent_serve().
 */
#ifndef EDGEQ_AGENT_PORT_H
#define EDGEQ_AGENT_PORT_H

#include <stddef.h>
#include <stdint.h>

/** Sends `len` bytes, blocking until they are handed to the UART. */
void edgeq_port_send(const uint8_t *data, size_t len);

/**
 * Receives up to `len` bytes, waiting at most `timeout_ms` for the first one
 * (and returning what has arrived once the line is idle). Returns the number of
 * bytes stored, 0 on timeout. The agent asks for one byte at a time.
 */
size_t edgeq_port_receive(uint8_t *data, size_t len, uint32_t timeout_ms);

/* Time and cycles, from edgeq_agent_cycles.c (ports without a clock of their own use millis). */
/** Starts the cycle counter; returns its kind (EDGEQ_AGENT_COUNTER_*). */
uint8_t edgeq_agent_cycles_start(void);
/** Cycles since edgeq_agent_cycles_start (read at least every 2^24 cycles with SysTick). */
uint64_t edgeq_agent_cycles_now(void);
/** Milliseconds since start, from the cycle counter and EDGEQ_AGENT_CORE_HZ. */
uint32_t edgeq_agent_millis(void);
/**
 * edgeq_port_receive for a polled UART: calls `poll` (1 = a byte was stored)
 * until `len` bytes came or the line was idle for `timeout_ms`.
 */
size_t edgeq_agent_receive_polled(uint8_t *data, size_t len, uint32_t timeout_ms, int (*poll)(uint8_t *byte));

#endif /* EDGEQ_AGENT_PORT_H */
