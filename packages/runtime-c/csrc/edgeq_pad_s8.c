/*
 * edgeq_pad_s8.c - PAD of an NHWC int8 tensor on H, W and C: the output is filled with
 * the pad value (the zero point), then the input is copied into its interior.
 */
#include "edgeq_internal.h"

void edgeq_pad_s8(const edgeq_pad_params *p, const int8_t *input, int8_t *output) {
  const size_t total = (size_t)p->out.h * p->out.w * p->out.c;
  size_t i;
  int32_t y, x, c;
  for (i = 0; i < total; i++) output[i] = (int8_t)p->pad_value;
  for (y = 0; y < p->in.h; y++) {
    for (x = 0; x < p->in.w; x++) {
      const int8_t *src = input + ((size_t)y * p->in.w + x) * p->in.c;
      int8_t *dst = output + ((size_t)(y + p->pad_top) * p->out.w + x + p->pad_left) * p->out.c +
                    p->pad_channels_before;
      for (c = 0; c < p->in.c; c++) dst[c] = src[c];
    }
  }
}
