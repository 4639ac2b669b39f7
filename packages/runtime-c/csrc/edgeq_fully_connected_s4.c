/*
 * edgeq_fully_connected_s4.c - FULLY_CONNECTED (and 1x1 CONV_2D, a FULLY_CONNECTED per pixel)
 * with int4 weights, int8 activations: the specialised kernel of W4A8 models, planned by
 * packages/codegen/src/fast-int4.ts. Parameters: edgeq_fc_fast_params (edgeq.h); bias =
 * bias - in_zp * sum(w) per output feature (raw int8 inputs enter the products), requantised by
 * the fast formula (edgeq_fast.h; not doubled: the tflm accumulator is doubled once per output).
 *
 * Weights: the model's int4 weights re-packed by the generator in row pairs (an odd count
 * completed by a phantom zero row) and groups of 8 inputs, and the inner product of both
 * paths (Cortex-M DSP: 3 instructions unpack 4 weights; portable C99): edgeq_s4_rows.h.
 * No scratch buffer.
 */
#include "edgeq_s4_rows.h"

EDGEQ_FAST_INLINE void fully_connected_s4_body(const edgeq_fc_fast_params *p, const int8_t *input,
                                              const uint8_t *w, int8_t *output, const int mode,
                                              const int clamp) {
  const int32_t in = p->in_features, out = p->out_features;
  const size_t pair_bytes = (size_t)((in + 7) >> 3) * 8;
  const int32_t lo = p->act_min, hi = p->act_max;
  const int32_t qs = p->requant_stride;
  int32_t b, o;
  for (b = 0; b < p->batches; b++, input += in, output += out) {
    for (o = 0; o < out; o += 2) {
      int32_t acc[2];
      fc_s4_pair(input, in, w + (size_t)(o >> 1) * pair_bytes, acc);
      output[o] = fc_s4_output(p->bias[o] + acc[0], &p->requant[o * qs], mode, clamp, lo, hi);
      if (o + 1 < out) {
        output[o + 1] = fc_s4_output(p->bias[o + 1] + acc[1], &p->requant[(o + 1) * qs], mode, clamp, lo, hi);
      }
    }
  }
}

size_t edgeq_fully_connected_s4_get_buffer_size(const edgeq_fc_fast_params *p) {
  (void)p;
  return 0;
}

/* One exported kernel per requantisation mode and clamp kind (EDGEQ_FAST_VARIANTS, edgeq.h). */
#define EDGEQ_FC_S4_DEFINE(variant, mode, clamp)                                               \
  void edgeq_fully_connected_s4_##variant(const edgeq_fc_fast_params *p, const int8_t *input,  \
                                          const uint8_t *w, int8_t *output) {                  \
    fully_connected_s4_body(p, input, w, output, mode, clamp);                                 \
  }
EDGEQ_FAST_VARIANTS(EDGEQ_FC_S4_DEFINE)
