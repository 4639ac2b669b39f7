/*
 * edgeq_agent.c - the serial parity agent's protocol engine (framing, CRC,
 * request handling); see edgeq_agent.h for the frame format and requests. It
 * talks through edgeq_agent_port.h and serves the model described by an
 * edgeq_agent_model (rendered per model). The input is kept in the agent's own
 * buffer and copied into the model's arena for each RUN, so a repeated RUN (a
 * retry after a lost reply) computes the same result.
 */
#include <string.h>

#include "edgeq_agent.h"
#include "edgeq_agent_port.h"

#define HEADER_BYTES 6u
#define LAYER_HEADER_BYTES 6u
/* How long the agent waits for the first byte of a frame before polling again. */
#define IDLE_WAIT_MS 1000u

static uint8_t rx_payload[EDGEQ_AGENT_MAX_PAYLOAD];
static uint8_t tx_payload[EDGEQ_AGENT_MAX_PAYLOAD];
static const struct edgeq_agent_model *served;
static uint8_t layer_mode;
static uint8_t layer_seq;
static uint8_t counter_kind;
static uint8_t input_set; /* SET_INPUT seen since start-up */

uint16_t edgeq_agent_crc16(uint16_t crc, const uint8_t *data, size_t len)
{
    size_t i;
    int bit;
    for (i = 0u; i < len; i++) {
        crc = (uint16_t)(crc ^ (uint16_t)((uint16_t)data[i] << 8));
        for (bit = 0; bit < 8; bit++) {
            crc = (crc & 0x8000u) != 0u ? (uint16_t)((uint16_t)(crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

static void put_u16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    put_u16(p, v & 0xFFFFu);
    put_u16(p + 2, v >> 16);
}

static uint32_t get_u16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
    return get_u16(p) | (get_u16(p + 2) << 16);
}

/* Sends one frame whose payload is `head` followed by `body` (either may be empty). */
static void send_frame(uint8_t type, uint8_t seq, const uint8_t *head, size_t head_len, const uint8_t *body, size_t body_len)
{
    uint8_t header[HEADER_BYTES];
    uint8_t trailer[2];
    uint16_t crc;
    header[0] = EDGEQ_AGENT_SYNC0;
    header[1] = EDGEQ_AGENT_SYNC1;
    header[2] = type;
    header[3] = seq;
    put_u16(header + 4, (uint32_t)(head_len + body_len));
    crc = edgeq_agent_crc16(0xFFFFu, header + 2, HEADER_BYTES - 2u);
    crc = edgeq_agent_crc16(crc, head, head_len);
    crc = edgeq_agent_crc16(crc, body, body_len);
    put_u16(trailer, crc);
    edgeq_port_send(header, HEADER_BYTES);
    if (head_len > 0u) {
        edgeq_port_send(head, head_len);
    }
    if (body_len > 0u) {
        edgeq_port_send(body, body_len);
    }
    edgeq_port_send(trailer, 2u);
}

static void send_error(uint8_t seq, uint8_t code, const char *message)
{
    uint8_t c = code;
    send_frame(EDGEQ_AGENT_ERROR, seq, &c, 1u, (const uint8_t *)message, strlen(message));
}

static int receive_byte(uint8_t *b, uint32_t timeout_ms)
{
    return edgeq_port_receive(b, 1u, timeout_ms) == 1u;
}

/* Reads one frame: 1 = complete and intact, 0 = nothing (idle or not a frame
 * start), -1 = damaged or cut short (the host should send it again). */
static int receive_frame(uint8_t *type, uint8_t *seq, uint32_t *len)
{
    uint8_t header[HEADER_BYTES];
    uint8_t trailer[2];
    uint32_t i;
    uint16_t crc;
    if (!receive_byte(&header[0], IDLE_WAIT_MS) || header[0] != EDGEQ_AGENT_SYNC0) {
        return 0;
    }
    if (!receive_byte(&header[1], EDGEQ_AGENT_BYTE_TIMEOUT_MS) || header[1] != EDGEQ_AGENT_SYNC1) {
        return 0;
    }
    for (i = 2u; i < HEADER_BYTES; i++) {
        if (!receive_byte(&header[i], EDGEQ_AGENT_BYTE_TIMEOUT_MS)) {
            return -1;
        }
    }
    *type = header[2];
    *seq = header[3];
    *len = get_u16(header + 4);
    if (*len > EDGEQ_AGENT_MAX_PAYLOAD) {
        return -1;
    }
    for (i = 0u; i < *len; i++) {
        if (!receive_byte(&rx_payload[i], EDGEQ_AGENT_BYTE_TIMEOUT_MS)) {
            return -1;
        }
    }
    for (i = 0u; i < 2u; i++) {
        if (!receive_byte(&trailer[i], EDGEQ_AGENT_BYTE_TIMEOUT_MS)) {
            return -1;
        }
    }
    crc = edgeq_agent_crc16(0xFFFFu, header + 2, HEADER_BYTES - 2u);
    crc = edgeq_agent_crc16(crc, rx_payload, *len);
    return crc == (uint16_t)get_u16(trailer) ? 1 : -1;
}

static void handle_info(uint8_t seq)
{
    const struct edgeq_agent_model *m = served;
    size_t name_len = strlen(m->name);
    size_t at = 28u;
    uint16_t op;
    if (name_len > 255u) {
        name_len = 255u;
    }
    tx_payload[0] = (uint8_t)EDGEQ_AGENT_PROTOCOL_VERSION;
    tx_payload[1] = counter_kind;
    put_u16(tx_payload + 2, EDGEQ_AGENT_MAX_PAYLOAD);
    put_u32(tx_payload + 4, m->input_bytes);
    put_u32(tx_payload + 8, m->output_bytes);
    put_u16(tx_payload + 12, m->num_ops);
    tx_payload[14] = (uint8_t)name_len;
    tx_payload[15] = 0u;
    memcpy(tx_payload + 16, m->graph_hash, 8u);
    put_u32(tx_payload + 24, EDGEQ_AGENT_CORE_HZ);
    if (at + name_len + 4u * (size_t)m->num_ops > EDGEQ_AGENT_MAX_PAYLOAD) {
        send_error(seq, EDGEQ_AGENT_E_RANGE, "model info does not fit one frame");
        return;
    }
    memcpy(tx_payload + at, m->name, name_len);
    at += name_len;
    for (op = 0u; op < m->num_ops; op++) {
        put_u32(tx_payload + at, m->op_output_bytes[op]);
        at += 4u;
    }
    send_frame((uint8_t)(EDGEQ_AGENT_INFO | EDGEQ_AGENT_REPLY), seq, tx_payload, at, NULL, 0u);
}

static void handle_set_input(uint8_t seq, uint32_t len)
{
    uint32_t offset;
    if (len < 4u) {
        send_error(seq, EDGEQ_AGENT_E_LENGTH, "SET_INPUT needs a 4-byte offset");
        return;
    }
    offset = get_u32(rx_payload);
    if (offset > served->input_bytes || len - 4u > served->input_bytes - offset) {
        send_error(seq, EDGEQ_AGENT_E_RANGE, "SET_INPUT past the end of the input");
        return;
    }
    memcpy(served->input_copy + offset, rx_payload + 4, len - 4u);
    input_set = 1u;
    send_frame((uint8_t)(EDGEQ_AGENT_SET_INPUT | EDGEQ_AGENT_REPLY), seq, NULL, 0u, NULL, 0u);
}

static void handle_run(uint8_t seq, uint32_t len)
{
    uint8_t reply[10];
    uint64_t start;
    uint64_t cycles;
    int status;
    if (len != 1u) {
        send_error(seq, EDGEQ_AGENT_E_LENGTH, "RUN takes one flags byte");
        return;
    }
    if (!input_set) {
        send_error(seq, EDGEQ_AGENT_E_NO_INPUT, "RUN before SET_INPUT: the board has restarted");
        return;
    }
    memcpy(served->input(), served->input_copy, served->input_bytes);
    layer_seq = seq;
    layer_mode = (uint8_t)(rx_payload[0] & EDGEQ_AGENT_RUN_PER_LAYER);
    start = edgeq_agent_cycles_now();
    status = served->invoke();
    cycles = edgeq_agent_cycles_now() - start;
    layer_mode = 0u;
    if (status != 0) {
        send_error(seq, EDGEQ_AGENT_E_INVOKE, "model invoke returned non-zero");
        return;
    }
    reply[0] = 0u;
    reply[1] = counter_kind;
    put_u32(reply + 2, (uint32_t)(cycles & 0xFFFFFFFFu));
    put_u32(reply + 6, (uint32_t)(cycles >> 32));
    send_frame((uint8_t)(EDGEQ_AGENT_RUN | EDGEQ_AGENT_REPLY), seq, reply, sizeof reply, NULL, 0u);
}

static void handle_get_output(uint8_t seq, uint32_t len)
{
    uint32_t offset;
    uint32_t count;
    if (len != 6u) {
        send_error(seq, EDGEQ_AGENT_E_LENGTH, "GET_OUTPUT takes a 4-byte offset and a 2-byte length");
        return;
    }
    offset = get_u32(rx_payload);
    count = get_u16(rx_payload + 4);
    if (count > EDGEQ_AGENT_MAX_PAYLOAD || offset > served->output_bytes || count > served->output_bytes - offset) {
        send_error(seq, EDGEQ_AGENT_E_RANGE, "GET_OUTPUT past the end of the output");
        return;
    }
    send_frame((uint8_t)(EDGEQ_AGENT_GET_OUTPUT | EDGEQ_AGENT_REPLY), seq, NULL, 0u,
               (const uint8_t *)served->output() + offset, count);
}

void edgeq_agent_layer_output(int op, const void *data, int32_t bytes)
{
    uint8_t head[LAYER_HEADER_BYTES];
    uint32_t offset = 0u;
    uint32_t total = bytes > 0 ? (uint32_t)bytes : 0u;
    /* Reading the counter per op also keeps SysTick's 24-bit folding exact on long inferences. */
    (void)edgeq_agent_cycles_now();
    if (!layer_mode) {
        return;
    }
    do {
        uint32_t n = total - offset;
        if (n > EDGEQ_AGENT_MAX_PAYLOAD - LAYER_HEADER_BYTES) {
            n = EDGEQ_AGENT_MAX_PAYLOAD - LAYER_HEADER_BYTES;
        }
        put_u16(head, (uint32_t)op);
        put_u32(head + 2, offset);
        send_frame(EDGEQ_AGENT_LAYER, layer_seq, head, sizeof head, (const uint8_t *)data + offset, n);
        offset += n;
    } while (offset < total);
}

void edgeq_agent_serve(const struct edgeq_agent_model *model)
{
    uint8_t boot[9];
    uint8_t type = 0u;
    uint8_t seq = 0u;
    uint32_t len = 0u;
    served = model;
    counter_kind = edgeq_agent_cycles_start();
    boot[0] = (uint8_t)EDGEQ_AGENT_PROTOCOL_VERSION;
    memcpy(boot + 1, model->graph_hash, 8u);
    send_frame(EDGEQ_AGENT_BOOT, 0u, boot, sizeof boot, NULL, 0u);
    for (;;) {
        int got = receive_frame(&type, &seq, &len);
        if (got < 0) {
            send_frame(EDGEQ_AGENT_NAK, seq, NULL, 0u, NULL, 0u);
            continue;
        }
        if (got == 0) {
            continue;
        }
        switch (type) {
        case EDGEQ_AGENT_INFO:
            handle_info(seq);
            break;
        case EDGEQ_AGENT_SET_INPUT:
            handle_set_input(seq, len);
            break;
        case EDGEQ_AGENT_RUN:
            handle_run(seq, len);
            break;
        case EDGEQ_AGENT_GET_OUTPUT:
            handle_get_output(seq, len);
            break;
        default:
            send_error(seq, EDGEQ_AGENT_E_UNKNOWN, "unknown request type");
            break;
        }
    }
}
