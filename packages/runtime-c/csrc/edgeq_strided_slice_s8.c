/*
 * edgeq_strided_slice_s8.c - STRIDED_SLICE with unit strides of an NHWC int8 tensor (Keras
 * cropping): copies the box that starts at (begin_row, begin_col, begin_channel) and has the
 * output's extent (docs/quantization-spec.md). Input and output never share arena bytes.
 */
#include "edgeq.h"

void edgeq_strided_slice_s8(const edgeq_strided_slice_params *p, const int8_t *input,
                            int8_t *output) {
  int32_t y, x, c;
  for (y = 0; y < p->out.h; y++) {
    for (x = 0; x < p->out.w; x++) {
      const int8_t *pixel =
          input + ((size_t)(y + p->begin_row) * p->in.w + (size_t)(x + p->begin_col)) * p->in.c +
          p->begin_channel;
      for (c = 0; c < p->out.c; c++) *output++ = pixel[c];
    }
  }
}
