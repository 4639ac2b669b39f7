/*
 * edgeq_dequantize_s8_f32.c - DEQUANTIZE int8 -> float32: (x - zero point) * scale.
 */
#include "edgeq.h"

void edgeq_dequantize_s8_f32(const int8_t *input, float *output, int32_t size, float scale,
                             int32_t zero_point) {
  int32_t i;
  for (i = 0; i < size; i++) output[i] = (float)((int32_t)input[i] - zero_point) * scale;
}
