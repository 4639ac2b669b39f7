/*
 * edgeq_concat_s8.c - CONCATENATION on the channel axis; each input is requantised from
 * its own scale and zero point to the output's.
 *
 * An input's output value depends on its int8 value alone, so an input with more than
 * EDGEQ_CONCAT_TABLE_MIN elements first maps all 256 values through the reference
 * requantisation into a 256-byte table on the stack, then looks every element up (about 4
 * instructions per element instead of a requantisation each). When the table is the
 * identity (the input already has the output's scale and zero point, and the activation
 * range clips nothing), its rows are copied. Either way the bytes equal the per-element
 * reference below, which small inputs still take.
 */
#include "edgeq_internal.h"

/* Below this many elements building the table costs more than it saves. */
#define EDGEQ_CONCAT_TABLE_MIN 256

static int8_t edgeq_concat_value(const edgeq_concat_params *p, const edgeq_concat_input *in, int32_t x) {
  const int32_t v = edgeq_rq(x - in->zp, in->multiplier, in->shift, p->mode);
  return (int8_t)edgeq_clamp(edgeq_add_zp(v, p->out_zp), p->act_min, p->act_max);
}

/* One input through the per-element reference requantisation. */
static void edgeq_concat_direct(const edgeq_concat_params *p, const edgeq_concat_input *in, int8_t *output) {
  int32_t px, ch;
  for (px = 0; px < p->pixels; px++) {
    const int8_t *src = in->data + (size_t)px * in->channels;
    int8_t *dst = output + (size_t)px * p->out_channels;
    for (ch = 0; ch < in->channels; ch++) dst[ch] = edgeq_concat_value(p, in, src[ch]);
  }
}

/* One input through its 256-entry value table, or copied when the table is the identity. */
static void edgeq_concat_mapped(const edgeq_concat_params *p, const edgeq_concat_input *in, int8_t *output) {
  int8_t map[256];
  int32_t v, px, ch, identity = 1;
  const int32_t c = in->channels;
  for (v = -128; v < 128; v++) {
    map[v & 255] = edgeq_concat_value(p, in, v);
    identity &= map[v & 255] == v;
  }
  if (identity && c == p->out_channels) {
    memcpy(output, in->data, (size_t)p->pixels * (size_t)c);
    return;
  }
  for (px = 0; px < p->pixels; px++) {
    const int8_t *src = in->data + (size_t)px * c;
    int8_t *dst = output + (size_t)px * p->out_channels;
    if (identity) {
      memcpy(dst, src, (size_t)c);
      continue;
    }
    for (ch = 0; ch + 2 <= c; ch += 2) {
      dst[ch] = map[(uint8_t)src[ch]];
      dst[ch + 1] = map[(uint8_t)src[ch + 1]];
    }
    if (ch < c) dst[ch] = map[(uint8_t)src[ch]];
  }
}

void edgeq_concat_channels_s8(const edgeq_concat_params *p, const edgeq_concat_input *inputs,
                              int8_t *output) {
  int32_t k, offset = 0;
  for (k = 0; k < p->num_inputs; k++) {
    const edgeq_concat_input *in = &inputs[k];
    if ((int64_t)p->pixels * in->channels > EDGEQ_CONCAT_TABLE_MIN) edgeq_concat_mapped(p, in, output + offset);
    else edgeq_concat_direct(p, in, output + offset);
    offset += in->channels;
  }
}
