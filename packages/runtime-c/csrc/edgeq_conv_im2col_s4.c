/*
 * edgeq_conv_im2col_s4.c - general CONV_2D with int4 weights, int8 activations (W4A8), planned
 * by packages/codegen/src/fast-int4.ts: per output pixel, an int8 column of its window's raw
 * inputs (padding taps hold in_zp, cancelled by the folded bias = bias - in_zp * sum(w)) in the
 * weights' tap order (ky, kx, channel), then every output channel pair's inner product with the
 * column (edgeq_s4_rows.h: weights re-packed per channel pair and group of 8 taps; DSP and
 * portable paths). Parameters: edgeq_conv_im2col_params (edgeq.h), taps = kernel_h * kernel_w
 * * in.c, one edgeq_channel_requant row per output channel with its folded bias (not doubled:
 * the tflm accumulator is doubled once per output). Scratch: the column,
 * edgeq_conv_im2col_s4_get_buffer_size() bytes.
 */
#include "edgeq_s4_rows.h"

size_t edgeq_conv_im2col_s4_get_buffer_size(const edgeq_conv_im2col_params *p) {
  return (size_t)((p->taps + 3) & ~3);
}

/* The raw inputs of output pixel (oy, ox)'s window into column[0 .. taps). */
EDGEQ_FAST_INLINE void conv_s4_fill_column(const edgeq_conv_im2col_params *p, const int8_t *input,
                                          int32_t oy, int32_t ox, int8_t *column) {
  const int32_t cin = p->in.c;
  int32_t ky, kx;
  for (ky = 0; ky < p->kernel_h; ky++) {
    const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
    for (kx = 0; kx < p->kernel_w; kx++, column += cin) {
      const int32_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
      if (iy < 0 || iy >= p->in.h || ix < 0 || ix >= p->in.w) {
        memset(column, (int8_t)p->in_zp, (size_t)cin);
      } else {
        memcpy(column, input + ((size_t)iy * p->in.w + ix) * cin, (size_t)cin);
      }
    }
  }
}

EDGEQ_FAST_INLINE void conv_im2col_s4_body(const edgeq_conv_im2col_params *p, const int8_t *input,
                                          const uint8_t *w, int8_t *output, int8_t *column,
                                          const int mode, const int clamp) {
  const int32_t cout = p->out.c, taps = p->taps;
  const size_t pair_bytes = (size_t)((taps + 7) >> 3) * 8;
  const int32_t lo = p->act_min, hi = p->act_max;
  const edgeq_channel_requant *const q = p->requant;
  int32_t oy, ox, o;
  for (oy = 0; oy < p->out.h; oy++) {
    for (ox = 0; ox < p->out.w; ox++, output += cout) {
      conv_s4_fill_column(p, input, oy, ox, column);
      for (o = 0; o < cout; o += 2) {
        int32_t acc[2];
        fc_s4_pair(column, taps, w + (size_t)(o >> 1) * pair_bytes, acc);
        output[o] = fc_s4_output(q[o].bias + acc[0], &q[o], mode, clamp, lo, hi);
        if (o + 1 < cout) {
          output[o + 1] = fc_s4_output(q[o + 1].bias + acc[1], &q[o + 1], mode, clamp, lo, hi);
        }
      }
    }
  }
}

/* One exported kernel per requantisation mode and clamp kind (EDGEQ_FAST_VARIANTS, edgeq.h). */
#define EDGEQ_CONV_S4_DEFINE(variant, mode, clamp)                                               \
  void edgeq_conv_im2col_s4_##variant(const edgeq_conv_im2col_params *p, const int8_t *input,   \
                                      const uint8_t *w, int8_t *output, int16_t *scratch) {     \
    conv_im2col_s4_body(p, input, w, output, (int8_t *)(void *)scratch, mode, clamp);            \
  }
EDGEQ_FAST_VARIANTS(EDGEQ_CONV_S4_DEFINE)
