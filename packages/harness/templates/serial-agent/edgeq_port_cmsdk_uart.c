/*
 * edgeq_port_cmsdk_uart.c - agent port for the Arm CMSDK APB UART (MPS2 and
 * MPS3 FPGA boards, and QEMU's mps2-an385/an386/an500/an505 machines, whose
 * UART0 QEMU connects to its first -serial backend). Polled, no interrupts.
 * Compiled only with EDGEQ_PORT_CMSDK_UART; EDGEQ_CMSDK_UART_BASE selects the
 * UART (default UART0 of AN385/AN386/AN500 at 0x40004000).
 */
#include "edgeq_agent_port.h"

#ifdef EDGEQ_PORT_CMSDK_UART

#ifndef EDGEQ_CMSDK_UART_BASE
#define EDGEQ_CMSDK_UART_BASE 0x40004000u
#endif
#ifndef EDGEQ_CMSDK_UART_BAUDDIV
#define EDGEQ_CMSDK_UART_BAUDDIV 16u /* the smallest divisor the UART accepts */
#endif

#ifndef EDGEQ_UART_IDLE_PAUSE
#define EDGEQ_UART_IDLE_PAUSE 200u
#endif

#define UART_REG(offset) (*(volatile uint32_t *)(EDGEQ_CMSDK_UART_BASE + (offset)))
#define UART_DATA UART_REG(0x00u)
#define UART_STATE UART_REG(0x04u)
#define UART_CTRL UART_REG(0x08u)
#define UART_BAUDDIV UART_REG(0x10u)
#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u
#define CTRL_TX_RX_ENABLE 0x3u

static int ready;

/* A pause between polls of an empty UART. Under QEMU, every register access
 * takes the emulator's global lock, and back-to-back polling starves the thread
 * that delivers received bytes; a short pause keeps the link fast. */
static void idle_pause(void)
{
    volatile uint32_t spin;
    for (spin = 0u; spin < EDGEQ_UART_IDLE_PAUSE; spin++) {
    }
}

static void uart_init(void)
{
    if (!ready) {
        UART_BAUDDIV = EDGEQ_CMSDK_UART_BAUDDIV;
        UART_CTRL = CTRL_TX_RX_ENABLE;
        ready = 1;
    }
}

void edgeq_port_send(const uint8_t *data, size_t len)
{
    size_t i;
    uart_init();
    for (i = 0u; i < len; i++) {
        while ((UART_STATE & STATE_TX_FULL) != 0u) {
        }
        UART_DATA = data[i];
    }
}

/* One poll: the received byte, or a short pause when there is none. */
static int poll_byte(uint8_t *byte)
{
    if ((UART_STATE & STATE_RX_FULL) != 0u) {
        *byte = (uint8_t)(UART_DATA & 0xFFu);
        return 1;
    }
    idle_pause();
    return 0;
}

size_t edgeq_port_receive(uint8_t *data, size_t len, uint32_t timeout_ms)
{
    uart_init();
    return edgeq_agent_receive_polled(data, len, timeout_ms, poll_byte);
}

#else
typedef int edgeq_port_cmsdk_uart_not_selected;
#endif /* EDGEQ_PORT_CMSDK_UART */
