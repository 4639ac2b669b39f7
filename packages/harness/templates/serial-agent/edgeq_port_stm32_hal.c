/*
 * edgeq_port_stm32_hal.c - example agent port for STM32 boards using ST's HAL
 * (e.g. a Nucleo's ST-LINK virtual COM port on USART2). Compiled only with
 * EDGEQ_PORT_STM32_HAL. Not tested by edgeq (no STM32 board or HAL here): it
 * shows the shape of a port for any vendor HAL.
 *
 * The board's own code (CubeMX-generated main) initialises the clocks and the
 * UART, then calls edgeq_agent_serve(&edgeq_agent_served_model). The HAL owns
 * SysTick for HAL_GetTick(), so build with EDGEQ_AGENT_NO_SYSTICK: cycles come
 * from DWT CYCCNT (Cortex-M3/M4/M7/M33). Set EDGEQ_AGENT_CORE_HZ to the core clock.
 *   EDGEQ_STM32_HAL_HEADER  header declaring the HAL and the handle (default "main.h")
 *   EDGEQ_STM32_UART_HANDLE the UART_HandleTypeDef to use (default huart2)
 */
#include "edgeq_agent_port.h"

#ifdef EDGEQ_PORT_STM32_HAL

#ifndef EDGEQ_STM32_HAL_HEADER
#define EDGEQ_STM32_HAL_HEADER "main.h"
#endif
#ifndef EDGEQ_STM32_UART_HANDLE
#define EDGEQ_STM32_UART_HANDLE huart2
#endif
#include EDGEQ_STM32_HAL_HEADER

extern UART_HandleTypeDef EDGEQ_STM32_UART_HANDLE;

/* Gap after which a burst of bytes counts as finished. */
#define EDGEQ_STM32_INTERBYTE_MS 2u

void edgeq_port_send(const uint8_t *data, size_t len)
{
    while (len > 0u) {
        uint16_t n = len > 0xFFFFu ? (uint16_t)0xFFFFu : (uint16_t)len;
        (void)HAL_UART_Transmit(&EDGEQ_STM32_UART_HANDLE, (uint8_t *)(uintptr_t)data, n, HAL_MAX_DELAY);
        data += n;
        len -= n;
    }
}

size_t edgeq_port_receive(uint8_t *data, size_t len, uint32_t timeout_ms)
{
    size_t got = 0u;
    uint32_t wait = timeout_ms;
    while (got < len) {
        if (HAL_UART_Receive(&EDGEQ_STM32_UART_HANDLE, data + got, 1u, wait) != HAL_OK) {
            break;
        }
        got++;
        wait = EDGEQ_STM32_INTERBYTE_MS;
    }
    return got;
}

#else
typedef int edgeq_port_stm32_hal_not_selected;
#endif /* EDGEQ_PORT_STM32_HAL */
