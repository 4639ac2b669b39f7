/*
 * edgeq_channel_requant_expand.c - --optimize size keeps each specialised kernel's
 * per-channel requantisation data in flash as the model has it, 9 bytes per channel: an
 * int32 bias (none for FULLY_CONNECTED, whose biases are a separate array), an int32
 * multiplier and an int8 shift code, instead of edgeq_channel_requant's four int32 words.
 * The generated code expands them into the op's scratch right before the kernel runs. The
 * rounding constant, the fourth word, follows from the shift and the output zero point
 * (edgeq_fast.h):
 *
 *   code 1 .. 31    fast row, shift = code,
 *                   round = 2^(shift-1) + zp_out * 2^shift  (tflm, pow2: shift = e;
 *                                                             single: shift = e - 1)
 *   code -128 .. -1 generic row, shift = EDGEQ_FAST_GENERIC_SHIFT + code + 64 (the spec's
 *                   shift code + 64, in [-64, 63]), round = zp_out
 *   code 0          constant row {0, 0, bias, 1}: all-zero weights, output bias / 2 (a
 *                   phantom channel: bias 0)
 *
 * The generator compacts an op's rows only when this expansion gives them back exactly
 * (packages/codegen/src/compact-requant.ts is the TypeScript twin). When an op's biases
 * span at most 65535 (typical of 4-bit weights, whose bias scale is ~16x coarser), they are
 * stored as int16 offsets from one int32 base per op and edgeq_channel_requant_expand_b16
 * reads them: 7 bytes per channel. A FULLY_CONNECTED kernel keeps its biases in an array of
 * their own (one per output feature); when they span at most 65535 the generator stores them the
 * same way, as int16 offsets from one int32 base, and edgeq_bias_expand_b16 rebuilds the int32
 * array in the op's scratch, after the expanded rows.
 */
#include "edgeq_internal.h"

/* One row from its bias, multiplier and shift code. */
static void expand_row(edgeq_channel_requant *row, int32_t bias, int32_t mult, int32_t code,
                       int32_t out_zp) {
  row->bias = bias;
  row->mult = mult;
  if (code == 0) {
    row->round = row->bias;
    row->bias = 0;
    row->mult = 0;
    row->shift = 1;
  } else if (code < 0) {
    row->shift = EDGEQ_FAST_GENERIC_SHIFT + code + 64;
    row->round = out_zp;
  } else {
    row->shift = code;
    /* In uint32: the generator checked that the constant fits int32. */
    row->round = (int32_t)(((uint32_t)1 << (code - 1)) + ((uint32_t)out_zp << code));
  }
}

const edgeq_channel_requant *edgeq_channel_requant_expand(const int32_t *bias,
                                                          const int32_t *mult,
                                                          const int8_t *shift_code, int32_t rows,
                                                          int32_t out_zp,
                                                          edgeq_channel_requant *out) {
  int32_t r;
  for (r = 0; r < rows; r++) {
    expand_row(out + r, bias != NULL ? bias[r] : 0, mult[r], shift_code[r], out_zp);
  }
  return out;
}

const edgeq_channel_requant *edgeq_channel_requant_expand_b16(const int16_t *bias,
                                                              int32_t bias_base,
                                                              const int32_t *mult,
                                                              const int8_t *shift_code,
                                                              int32_t rows, int32_t out_zp,
                                                              edgeq_channel_requant *out) {
  int32_t r;
  for (r = 0; r < rows; r++) {
    /* The sum is the op's int32 bias: the generator derived base and offset from it. */
    expand_row(out + r, bias_base + (int32_t)bias[r], mult[r], shift_code[r], out_zp);
  }
  return out;
}

const int32_t *edgeq_bias_expand_b16(const int16_t *offsets, int32_t base, int32_t count,
                                     int32_t *out) {
  int32_t i;
  for (i = 0; i < count; i++) {
    /* The generator chose base and offsets so that every sum is the op's int32 bias. */
    out[i] = base + (int32_t)offsets[i];
  }
  return out;
}
