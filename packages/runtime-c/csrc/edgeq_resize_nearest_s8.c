/*
 * edgeq_resize_nearest_s8.c - RESIZE_NEAREST_NEIGHBOR of an NHWC int8 tensor: every output
 * pixel is a copy of the input pixel its row and column tables name (docs/quantization-spec.md).
 * Input and output never share arena bytes.
 */
#include "edgeq.h"

void edgeq_resize_nearest_s8(const edgeq_resize_nearest_params *p, const int8_t *input,
                             int8_t *output) {
  const int32_t channels = p->in.c;
  int32_t y, x, c;
  for (y = 0; y < p->out.h; y++) {
    const int8_t *row = input + (size_t)p->source_rows[y] * p->in.w * channels;
    for (x = 0; x < p->out.w; x++) {
      const int8_t *pixel = row + (size_t)p->source_cols[x] * channels;
      for (c = 0; c < channels; c++) *output++ = pixel[c];
    }
  }
}
