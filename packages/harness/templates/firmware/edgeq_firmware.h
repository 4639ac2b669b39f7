/*
 * edgeq_firmware.h - what edgeq's own Cortex-M startup (edgeq_startup.c) offers
 * to the rest of the firmware: the stack high-water mark from the painted stack.
 * The linker script (link.ld.hbs) defines the symbols this relies on.
 */
#ifndef EDGEQ_FIRMWARE_H
#define EDGEQ_FIRMWARE_H

#include <stdint.h>

/** Word written over the whole stack at reset; untouched words mark unused stack. */
#define EDGEQ_STACK_PAINT 0xA5A5A5A5u

/** Bytes of stack ever used since reset (deepest point reached), from the paint. */
uint32_t edgeq_stack_peak_bytes(void);
/** Bytes reserved for the stack by the linker script. */
uint32_t edgeq_stack_size_bytes(void);

#endif /* EDGEQ_FIRMWARE_H */
