/*
 * edgeq_port_nrf51_uart.c - agent port for the nRF51 UART (BBC micro:bit, and
 * QEMU's microbit machine, which connects it to its first -serial backend).
 * Polled through the RXDRDY/TXDRDY events, no interrupts. Compiled only with
 * EDGEQ_PORT_NRF51_UART. Pins default to the micro:bit's USB bridge (TX P0.24,
 * RX P0.25) at 115200 baud.
 */
#include "edgeq_agent_port.h"

#ifdef EDGEQ_PORT_NRF51_UART

#ifndef EDGEQ_NRF51_UART_TX_PIN
#define EDGEQ_NRF51_UART_TX_PIN 24u
#endif
#ifndef EDGEQ_NRF51_UART_RX_PIN
#define EDGEQ_NRF51_UART_RX_PIN 25u
#endif
#ifndef EDGEQ_NRF51_UART_BAUDRATE
#define EDGEQ_NRF51_UART_BAUDRATE 0x01D7E000u /* 115200 baud */
#endif

#define UART_REG(offset) (*(volatile uint32_t *)(0x40002000u + (offset)))
#define UART_TASKS_STARTRX UART_REG(0x000u)
#define UART_TASKS_STARTTX UART_REG(0x008u)
#define UART_EVENTS_RXDRDY UART_REG(0x108u)
#define UART_EVENTS_TXDRDY UART_REG(0x11Cu)
#define UART_ENABLE UART_REG(0x500u)
#define UART_PSELTXD UART_REG(0x50Cu)
#define UART_PSELRXD UART_REG(0x514u)
#define UART_RXD UART_REG(0x518u)
#define UART_TXD UART_REG(0x51Cu)
#define UART_BAUDRATE UART_REG(0x524u)
#define UART_ENABLE_ON 4u

static int ready;

static void uart_init(void)
{
    if (!ready) {
        UART_PSELTXD = EDGEQ_NRF51_UART_TX_PIN;
        UART_PSELRXD = EDGEQ_NRF51_UART_RX_PIN;
        UART_BAUDRATE = EDGEQ_NRF51_UART_BAUDRATE;
        UART_ENABLE = UART_ENABLE_ON;
        UART_TASKS_STARTTX = 1u;
        UART_TASKS_STARTRX = 1u;
        ready = 1;
    }
}

void edgeq_port_send(const uint8_t *data, size_t len)
{
    size_t i;
    uart_init();
    for (i = 0u; i < len; i++) {
        UART_EVENTS_TXDRDY = 0u;
        UART_TXD = data[i];
        while (UART_EVENTS_TXDRDY == 0u) {
        }
    }
}

/* One poll (setting the UART up on first use): 1 when a byte was stored. */
static int poll_byte(uint8_t *byte)
{
    uart_init();
    if (UART_EVENTS_RXDRDY == 0u) {
        return 0;
    }
    /* Clear the event first: reading RXD raises it again while bytes remain. */
    UART_EVENTS_RXDRDY = 0u;
    *byte = (uint8_t)(UART_RXD & 0xFFu);
    return 1;
}

size_t edgeq_port_receive(uint8_t *data, size_t len, uint32_t timeout_ms)
{
    return edgeq_agent_receive_polled(data, len, timeout_ms, poll_byte);
}

#else
typedef int edgeq_port_nrf51_uart_not_selected;
#endif /* EDGEQ_PORT_NRF51_UART */
