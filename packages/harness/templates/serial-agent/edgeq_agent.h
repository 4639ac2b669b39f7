/*
 * edgeq_agent.h - the edgeq serial parity agent: a small framed protocol over a
 * UART that lets a host (`edgeq parity --port`, `edgeq bench --port`) run the
 * generated model on a board and read back its outputs, every layer's output
 * and the cycles each inference took. C99, no malloc, no recursion.
 *
 * Frame (both directions), all integers little-endian:
 *   'E' 'Q' | type u8 | seq u8 | length u16 | payload (length bytes) | crc u16
 * crc is CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF, no
 * reflection, no final XOR; check value 0x29B1 for "123456789") over type, seq,
 * length and payload. length <= EDGEQ_AGENT_MAX_PAYLOAD.
 *
 * The host asks, the agent answers with the request's seq (reply type = request
 * type | 0x80). Requests are idempotent, so the host retries a lost or damaged
 * exchange by sending it again. Full description: docs/serial-agent.md.
 */
#ifndef EDGEQ_AGENT_H
#define EDGEQ_AGENT_H

#include <stddef.h>
#include <stdint.h>

#define EDGEQ_AGENT_PROTOCOL_VERSION 1u
#define EDGEQ_AGENT_SYNC0 0x45u /* 'E' */
#define EDGEQ_AGENT_SYNC1 0x51u /* 'Q' */
#ifndef EDGEQ_AGENT_MAX_PAYLOAD
#define EDGEQ_AGENT_MAX_PAYLOAD 1024u
#endif
/* Core clock in Hz: converts cycles to milliseconds for timeouts, reported by INFO. */
#ifndef EDGEQ_AGENT_CORE_HZ
#define EDGEQ_AGENT_CORE_HZ 25000000u
#endif
/* A frame whose next byte does not come within this time is dropped. */
#ifndef EDGEQ_AGENT_BYTE_TIMEOUT_MS
#define EDGEQ_AGENT_BYTE_TIMEOUT_MS 100u
#endif

/* Requests (host to agent); the reply has the same type | 0x80. */
/* INFO reply: u8 version, u8 counter, u16 max payload, u32 input bytes, u32 output bytes,
 * u16 ops, u8 name length, u8 0, 8-byte graph hash, u32 core Hz, name, u32 output bytes per op. */
#define EDGEQ_AGENT_INFO 0x01u       /* -> model info */
#define EDGEQ_AGENT_SET_INPUT 0x02u  /* u32 offset, bytes -> empty */
#define EDGEQ_AGENT_RUN 0x03u        /* u8 flags -> u8 status, u8 counter, u32 cycles lo, u32 cycles hi */
#define EDGEQ_AGENT_GET_OUTPUT 0x04u /* u32 offset, u16 length -> bytes */
#define EDGEQ_AGENT_REPLY 0x80u
/* Agent-initiated frames. */
#define EDGEQ_AGENT_LAYER 0x90u /* during RUN with EDGEQ_AGENT_RUN_PER_LAYER: u16 op, u32 offset, bytes */
#define EDGEQ_AGENT_BOOT 0xB0u  /* sent once at start-up (seq 0): u8 version, 8-byte graph hash */
#define EDGEQ_AGENT_NAK 0xFEu   /* a frame arrived damaged (bad CRC or length): send it again */
#define EDGEQ_AGENT_ERROR 0xFFu /* u8 code, then an ASCII message */

#define EDGEQ_AGENT_RUN_PER_LAYER 0x01u

/* ERROR codes. */
#define EDGEQ_AGENT_E_UNKNOWN 1u /* unknown request type */
#define EDGEQ_AGENT_E_LENGTH 2u  /* payload length wrong for the request */
#define EDGEQ_AGENT_E_RANGE 3u   /* offset/length outside the tensor */
#define EDGEQ_AGENT_E_INVOKE 4u  /* the model's invoke returned non-zero */
#define EDGEQ_AGENT_E_NO_INPUT 5u /* RUN before any SET_INPUT since start-up (the board has reset) */

/* Cycle counter kinds (INFO and RUN replies). */
#define EDGEQ_AGENT_COUNTER_NONE 0u
#define EDGEQ_AGENT_COUNTER_DWT 1u     /* DWT CYCCNT: core clock cycles */
#define EDGEQ_AGENT_COUNTER_SYSTICK 2u /* SysTick from the core clock: core clock cycles */

/** What the agent knows about the model it serves (rendered per model: edgeq_agent_model.c). */
struct edgeq_agent_model {
    const char *name;
    /** First 8 bytes of the graph's SHA-256 (the host checks it is the model it expects). */
    uint8_t graph_hash[8];
    uint32_t input_bytes;
    uint32_t output_bytes;
    uint16_t num_ops;
    /** Bytes of each op's output, in execution order (num_ops entries). */
    const uint32_t *op_output_bytes;
    /** The agent's copy of the input (input_bytes), copied into the model before each RUN. */
    uint8_t *input_copy;
    /** Input buffer of the model (inside its arena). */
    void *(*input)(void);
    const void *(*output)(void);
    int (*invoke)(void);
};

/** The model this firmware serves (defined in edgeq_agent_model.c). */
extern const struct edgeq_agent_model edgeq_agent_served_model;

/** Serves requests forever: call from main() once the UART is set up. Never returns. */
void edgeq_agent_serve(const struct edgeq_agent_model *model);

/** Streams one op's output while a per-layer RUN is in progress (the EDGEQ_TRACE hook calls it). */
void edgeq_agent_layer_output(int op, const void *data, int32_t bytes);

/** The generated model's per-op trace hook (model.c built with EDGEQ_TRACE); edgeq_agent_model.c forwards it. */
void edgeq_trace_output(int op, const void *data, int32_t bytes);

/** CRC-16/CCITT-FALSE of `len` bytes, continuing from `crc` (start with 0xFFFF). */
uint16_t edgeq_agent_crc16(uint16_t crc, const uint8_t *data, size_t len);

#endif /* EDGEQ_AGENT_H */
