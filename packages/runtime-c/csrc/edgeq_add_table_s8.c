/*
 * edgeq_add_table_s8.c - ADD of two int8 tensors through two 256-entry tables of rescaled
 * input terms (--optimize speed; planned by packages/codegen/src/fast-elementwise.ts). Each
 * input's term (x - zp) * 2^left_shift requantised to the common scale depends on one int8
 * value only, so the generator computes it with the reference arithmetic for all 256 values;
 * per element the kernel adds two table entries and requantises the sum once with the
 * precomputed constants of edgeq_fast.h (bit-exact with edgeq_add_s8). Output may alias an
 * input (element-wise). Parameters in edgeq.h. No scratch buffer.
 */
#include "edgeq_fast.h"

size_t edgeq_add_table_s8_get_buffer_size(const edgeq_add_table_params *p) {
  (void)p;
  return 0;
}

EDGEQ_FAST_INLINE int8_t add_table_element(const edgeq_add_table_params *p, const int8_t x,
                                          const int8_t y, const edgeq_channel_requant *q,
                                          const int mode, const int clamp) {
  const int32_t sum = p->term1[(uint8_t)x] + p->term2[(uint8_t)y];
  return edgeq_fast_clamp(edgeq_fast_requantize(sum, q, mode), clamp, p->act_min, p->act_max);
}

EDGEQ_FAST_INLINE void add_table_body(const edgeq_add_table_params *p, const int8_t *in1,
                                     const int8_t *in2, int8_t *output, const int mode,
                                     const int clamp) {
  const edgeq_channel_requant q = p->requant;
  const int32_t n = p->size;
  int32_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const int8_t x0 = in1[i], x1 = in1[i + 1], y0 = in2[i], y1 = in2[i + 1];
    output[i] = add_table_element(p, x0, y0, &q, mode, clamp);
    output[i + 1] = add_table_element(p, x1, y1, &q, mode, clamp);
  }
  if (i < n) output[i] = add_table_element(p, in1[i], in2[i], &q, mode, clamp);
}

/* One exported kernel per requantisation mode and clamp kind (EDGEQ_FAST_VARIANTS, edgeq.h). */
#define EDGEQ_ADD_TABLE_DEFINE(variant, mode, clamp)                                        \
  void edgeq_add_table_s8_##variant(const edgeq_add_table_params *p, const int8_t *in1,     \
                                   const int8_t *in2, int8_t *output) {                    \
    add_table_body(p, in1, in2, output, mode, clamp);                                       \
  }
EDGEQ_FAST_VARIANTS(EDGEQ_ADD_TABLE_DEFINE)
