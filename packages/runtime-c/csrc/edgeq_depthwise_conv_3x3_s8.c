/*
 * edgeq_depthwise_conv_3x3_s8.c - 3x3 DEPTHWISE_CONV_2D (multiplier 1, dilation 1, stride 1
 * or 2) one channel plane at a time; called by generated code when the generator's checks
 * pass (packages/codegen/src/fast-kernels.ts). Parameters in edgeq.h, requantisation
 * constants in edgeq_fast.h. The portable C99 path and the Cortex-M DSP path (SMLAD /
 * SMLAxy on int16 pairs) compute the same int32 accumulators.
 */
#include "edgeq_depthwise_3x3_rows.h"

size_t edgeq_depthwise_conv_3x3_s8_get_buffer_size(const edgeq_depthwise_3x3_params *p) {
  /* plane, then the int32 accumulators of the channel's whole output plane (+1: the harmless
   * extra of a stride-1 row with an odd width) */
  return (size_t)p->plane_h * (size_t)p->plane_w * sizeof(int16_t) +
         ((size_t)p->out.h * (size_t)p->out.w + 1) * sizeof(int32_t);
}

/* The plane holds the channel's raw inputs as int16 with a border of in_zp (the padding
 * taps), which the folded bias = bias - in_zp * sum(w) cancels. On the DSP path one call of
 * the assembly loops fills the int32 buffer after the plane with the accumulators of the
 * channel's whole output plane, which one flat loop then requantises (the channel's outputs
 * are C bytes apart in every row and across rows) with its constants held in registers. */
EDGEQ_FAST_INLINE void depthwise_conv_3x3_body(const edgeq_depthwise_3x3_params *p,
                                              const int8_t *input, const int16_t *w,
                                              int8_t *output, int16_t *plane, const int mode,
                                              const int clamp, const int mixed) {
  const int32_t C = p->in.c, W = p->in.w, H = p->in.h;
  const int32_t Wo = p->out.w, Ho = p->out.h, s = p->stride, plane_w = p->plane_w;
  const int32_t lo = p->act_min, hi = p->act_max;
  /* Input rows/columns that land inside the plane (the rest is never read). */
  const int32_t y_end = H < p->plane_h - p->pad_top ? H : p->plane_h - p->pad_top;
  const int32_t x_end = W < plane_w - p->pad_left ? W : plane_w - p->pad_left;
  const size_t ostride = (size_t)C;
  int32_t c, i;
#ifdef EDGEQ_FAST_DSP
  int32_t *const accumulators = (int32_t *)(void *)(plane + p->plane_h * plane_w);
#endif
  for (i = 0; i < p->plane_h * plane_w; i++) plane[i] = (int16_t)p->in_zp;
  for (c = 0; c < C; c++) {
    const edgeq_channel_requant *q = p->requant + c;
    const int16_t *wc = w + (size_t)c * 10;
    int32_t y;
    for (y = 0; y < y_end; y++) {
      const int8_t *src = input + (size_t)y * W * C + c;
      edgeq_depthwise_widen_row(plane + (size_t)(y + p->pad_top) * plane_w + p->pad_left, src, x_end, C);
    }
    {
#ifdef EDGEQ_FAST_DSP
      const edgeq_channel_requant qc = *q;
      const int32_t *ab = accumulators;
      const int32_t *const end = accumulators + Ho * Wo;
      int8_t *out = output + c;
      edgeq_depthwise_3x3_rows_acc(plane, plane_w, 2 * plane_w, s * plane_w, Ho, wc, qc.bias, accumulators, Wo, s);
      /* Two per iteration: one loop test and one pointer step per pair. */
      for (; ab + 2 <= end; ab += 2, out += 2 * ostride) {
        const int32_t a0 = ab[0], a1 = ab[1];
        out[0] = edgeq_fast_clamp(edgeq_fast_requantize_row(a0, &qc, mode, mixed), clamp, lo, hi);
        out[ostride] = edgeq_fast_clamp(edgeq_fast_requantize_row(a1, &qc, mode, mixed), clamp, lo, hi);
      }
      if (ab < end) *out = edgeq_fast_clamp(edgeq_fast_requantize_row(*ab, &qc, mode, mixed), clamp, lo, hi);
#else
      const int32_t w00 = wc[0], w01 = wc[1], w10 = wc[2], w11 = wc[3], w20 = wc[4];
      const int32_t w21 = wc[5], w02 = wc[6], w12 = wc[7], w22 = wc[8];
      int32_t x;
      for (y = 0; y < Ho; y++) {
        const int16_t *r0 = plane + (size_t)y * s * plane_w;
        const int16_t *r1 = r0 + plane_w, *r2 = r1 + plane_w;
        int8_t *out = output + (size_t)y * Wo * C + c;
        for (x = 0; x < Wo; x++, r0 += s, r1 += s, r2 += s, out += ostride) {
          const int32_t a = q->bias + r0[0] * w00 + r0[1] * w01 + r0[2] * w02 + r1[0] * w10 +
                            r1[1] * w11 + r1[2] * w12 + r2[0] * w20 + r2[1] * w21 + r2[2] * w22;
          *out = edgeq_fast_clamp(edgeq_fast_requantize_row(a, q, mode, mixed), clamp, lo, hi);
        }
      }
#endif
    }
  }
}

/* One exported kernel per requantisation mode, clamp kind and mixed (EDGEQ_FAST_VARIANTS, edgeq.h). */
#define EDGEQ_FAST_DEFINE_ONE(variant, mode, clamp, mixed)                                             \
  void edgeq_depthwise_conv_3x3_s8_##variant(const edgeq_depthwise_3x3_params *p, const int8_t *input, \
      const int16_t *w, int8_t *output, int16_t *scratch) {                                            \
    depthwise_conv_3x3_body(p, input, w, output, scratch, mode, clamp, mixed);                         \
  }
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_DEFINE_PLAIN)
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_DEFINE_MIXED)
