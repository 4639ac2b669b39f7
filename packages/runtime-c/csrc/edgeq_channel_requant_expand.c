/*
 * edgeq_channel_requant_expand.c - --optimize size keeps each specialised kernel's
 * per-channel requantisation data in flash as compact rows ({bias, mult, shift}, or
 * {mult, shift} for FULLY_CONNECTED, whose biases are a separate array) instead of
 * edgeq_channel_requant's four words; the generated code expands them into the op's
 * scratch right before the kernel runs. The rounding constant is the fourth word, and it
 * follows from the shift and the output zero point (edgeq_fast.h):
 *
 *   fast row     round = 2^(shift-1) + zp_out * 2^shift   (tflm, pow2: shift = e;
 *                                                           single: shift = e - 1)
 *   generic row  round = zp_out                   (shift >= EDGEQ_FAST_GENERIC_SHIFT / 2)
 *   constant row compact {2v, 0, 0} -> {0, 0, 2v, 1}  (all-zero weights: output v;
 *                                                    a phantom channel: v = 0)
 *
 * The generator compacts an op's rows only when this expansion gives them back exactly
 * (packages/codegen/src/compact-requant.ts is the TypeScript twin).
 */
#include "edgeq_internal.h"

const edgeq_channel_requant *edgeq_channel_requant_expand(const int32_t *compact, int32_t rows,
                                                          int32_t with_bias, int32_t out_zp,
                                                          edgeq_channel_requant *out) {
  const int32_t stride = with_bias ? 3 : 2;
  int32_t r;
  for (r = 0; r < rows; r++, compact += stride) {
    const int32_t bias = with_bias ? compact[0] : 0;
    const int32_t mult = compact[stride - 2];
    const int32_t shift = compact[stride - 1];
    edgeq_channel_requant *const row = out + r;
    if (shift == 0) {
      row->bias = 0;
      row->mult = 0;
      row->round = bias;
      row->shift = 1;
      continue;
    }
    row->bias = bias;
    row->mult = mult;
    row->shift = shift;
    /* In unsigned arithmetic: zp_out * 2^shift may leave int32 only where the generator
     * never compacts (it checks the rebuilt constant). */
    row->round = shift >= EDGEQ_FAST_GENERIC_SHIFT / 2
                     ? out_zp
                     : (int32_t)(((uint32_t)1 << (shift - 1)) + ((uint32_t)out_zp << shift));
  }
  return out;
}
