/*
 * edgeq_fully_connected_w8_s8.c - FULLY_CONNECTED with the model's int8 weights, row-major
 * [out, in], unchanged in flash (--optimize size; packages/codegen/src/fast-fully-connected.ts);
 * four output rows per block. The Cortex-M DSP path sign-extends weights and inputs on the
 * fly (SXTB16: lanes 0 and 2, then 1 and 3, of both, so the SMLAD pairs match without any
 * re-layout); the portable C99 path computes the same int32 accumulators. Parameters in
 * edgeq.h, requantisation constants in edgeq_fast.h. No scratch buffer.
 */
#include "edgeq_fast.h"

size_t edgeq_fully_connected_w8_s8_get_buffer_size(const edgeq_fc_fast_params *p) {
  (void)p;
  return 0;
}

#ifdef EDGEQ_FAST_DSP
/* One unaligned word (one LDR on v7E-M / v8-M.main). */
EDGEQ_FAST_INLINE int32_t fc_w8_word(const int8_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}
/* Rotate right by 8 (gcc's arm_acle.h has no __ror); folds into SXTB16's ROR. */
EDGEQ_FAST_INLINE int32_t fc_w8_ror8(int32_t v) {
  return (int32_t)(((uint32_t)v >> 8) | ((uint32_t)v << 24));
}
/* acc += the four products of input lanes (xl, xh) with the weight word at w. */
EDGEQ_FAST_INLINE int32_t fc_w8_quad(int32_t acc, int32_t xl, int32_t xh, const int8_t *w) {
  const int32_t wv = fc_w8_word(w);
  acc = __smlad(xl, __sxtb16(wv), acc);
  return __smlad(xh, __sxtb16(fc_w8_ror8(wv)), acc);
}
#endif

/* Accumulates the first 4 * quads inputs against rows w0..w3 (stride `in`). */
EDGEQ_FAST_INLINE void fc_w8_four_rows(const int8_t *x, int32_t quads, const int8_t *w0, int32_t in,
                                      int32_t acc[4]) {
  const int8_t *w1 = w0 + in, *w2 = w1 + in, *w3 = w2 + in;
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  int32_t k;
  for (k = 0; k < 4 * quads; k += 4) {
#ifdef EDGEQ_FAST_DSP
    const int32_t xv = fc_w8_word(x + k);
    const int32_t xl = __sxtb16(xv), xh = __sxtb16(fc_w8_ror8(xv));
    a0 = fc_w8_quad(a0, xl, xh, w0 + k);
    a1 = fc_w8_quad(a1, xl, xh, w1 + k);
    a2 = fc_w8_quad(a2, xl, xh, w2 + k);
    a3 = fc_w8_quad(a3, xl, xh, w3 + k);
#else
    const int32_t x0 = x[k], x1 = x[k + 1], x2 = x[k + 2], x3 = x[k + 3];
    a0 += x0 * w0[k] + x1 * w0[k + 1] + x2 * w0[k + 2] + x3 * w0[k + 3];
    a1 += x0 * w1[k] + x1 * w1[k + 1] + x2 * w1[k + 2] + x3 * w1[k + 3];
    a2 += x0 * w2[k] + x1 * w2[k + 1] + x2 * w2[k + 2] + x3 * w2[k + 3];
    a3 += x0 * w3[k] + x1 * w3[k + 1] + x2 * w3[k + 2] + x3 * w3[k + 3];
#endif
  }
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}

/* In tflm mode the requantisation takes 2 * acc (edgeq_fast.h); int8 weights cannot be
 * stored doubled, so the accumulator is doubled once per output instead. */
EDGEQ_FAST_INLINE int8_t fc_w8_output(int32_t acc, const edgeq_channel_requant *q, const int mode,
                                     const int clamp, int32_t lo, int32_t hi) {
  if (mode == EDGEQ_RQ_TFLM) acc *= 2;
  return edgeq_fast_clamp(edgeq_fast_requantize(acc, q, mode), clamp, lo, hi);
}

EDGEQ_FAST_INLINE void fully_connected_w8_body(const edgeq_fc_fast_params *p, const int8_t *input,
                                              const int8_t *w, int8_t *output, const int mode,
                                              const int clamp) {
  const int32_t in = p->in_features, out = p->out_features;
  const int32_t quads = in >> 2;
  const int32_t lo = p->act_min, hi = p->act_max;
  int32_t b;
  for (b = 0; b < p->batches; b++, input += in, output += out) {
    const edgeq_channel_requant *q = p->requant;
    int32_t o = 0, r, k;
    for (; o + 4 <= out; o += 4, q += 4) {
      const int8_t *const rows = w + (size_t)o * in;
      int32_t acc[4];
      for (r = 0; r < 4; r++) acc[r] = q[r].bias;
      fc_w8_four_rows(input, quads, rows, in, acc);
      for (r = 0; r < 4; r++) {
        const int8_t *const row = rows + (size_t)r * in;
        for (k = 4 * quads; k < in; k++) acc[r] += input[k] * row[k];
        output[o + r] = fc_w8_output(acc[r], &q[r], mode, clamp, lo, hi);
      }
    }
    for (; o < out; o++, q++) {
      const int8_t *const row = w + (size_t)o * in;
      int32_t acc = q->bias;
      for (k = 0; k < in; k++) acc += input[k] * row[k];
      output[o] = fc_w8_output(acc, q, mode, clamp, lo, hi);
    }
  }
}

/* One exported kernel per requantisation mode and clamp kind (EDGEQ_FAST_VARIANTS, edgeq.h). */
#define EDGEQ_FC_W8_DEFINE(variant, mode, clamp)                                               \
  void edgeq_fully_connected_w8_s8_##variant(const edgeq_fc_fast_params *p, const int8_t *input, \
                                            const int8_t *w, int8_t *output) {                \
    fully_connected_w8_body(p, input, w, output, mode, clamp);                                \
  }
EDGEQ_FAST_VARIANTS(EDGEQ_FC_W8_DEFINE)
