/*
 * edgeq_conv_s8.c - CONV_2D, int8 NHWC input, OHWI filter, int32 bias, per-channel
 * requantisation. Portable reference path (spec: docs/quantization-spec.md, CONV_2D).
 * Two weight storages: int8 (edgeq_conv2d_s8) and packed int4 (edgeq_conv2d_s4, TFLite's
 * nibble order: edgeq_int4.h); the same arithmetic on the same int32 accumulators.
 */
#include "edgeq_internal.h"
#include "edgeq_dot_s8.h"
#include "edgeq_int4.h"

size_t edgeq_conv2d_s8_get_buffer_size(const edgeq_conv_params *p) {
  (void)p;
  return 0;
}

size_t edgeq_conv2d_s4_get_buffer_size(const edgeq_conv_params *p) {
  (void)p;
  return 0;
}

/* w4: filter is packed int4 (uint8_t), else int8. */
static inline void conv2d_body(const edgeq_conv_params *p, const int8_t *input, const void *filter,
                               const int32_t *bias, int8_t *output, const int w4) {
  const int32_t cin = p->in.c;
  const int32_t cout = p->out.c;
  const int32_t taps = p->kernel_h * p->kernel_w * cin;
  int32_t oy, ox, co, ky, kx;
  for (oy = 0; oy < p->out.h; oy++) {
    for (ox = 0; ox < p->out.w; ox++) {
      int8_t *out = output + ((size_t)oy * p->out.w + ox) * cout;
      for (co = 0; co < cout; co++) {
        int32_t acc = bias ? bias[co] : 0;
        const int32_t c = p->rq.per_channel ? co : 0;
        for (ky = 0; ky < p->kernel_h; ky++) {
          const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
          if (iy < 0 || iy >= p->in.h) continue;
          for (kx = 0; kx < p->kernel_w; kx++) {
            const int32_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
            const int8_t *x;
            size_t first;
            if (ix < 0 || ix >= p->in.w) continue;
            x = input + ((size_t)iy * p->in.w + ix) * cin;
            first = (size_t)co * taps + (size_t)(ky * p->kernel_w + kx) * cin;
            acc += w4 ? edgeq_dot_s4(x, (const uint8_t *)filter, first, cin, p->in_zp)
                      : edgeq_dot_s8(x, (const int8_t *)filter + first, cin, p->in_zp);
          }
        }
        acc = edgeq_add_zp(edgeq_rq(acc, p->rq.multiplier[c], p->rq.shift[c], p->mode), p->out_zp);
        out[co] = (int8_t)edgeq_clamp(acc, p->act_min, p->act_max);
      }
    }
  }
}

/* The exported kernels: int8 weights (_s8) and packed int4 weights (_s4). */
EDGEQ_S8_S4_KERNELS(edgeq_conv2d, edgeq_conv_params, conv2d_body)
