/*
 * edgeq_quantize_f32_s8.c - QUANTIZE float32 -> int8: x * (1 / scale), rounded half away
 * from zero, + zero point, saturated; NaN gives the zero point.
 */
#include "edgeq_internal.h"

void edgeq_quantize_f32_s8(const float *input, int8_t *output, int32_t size, float inv_scale,
                           int32_t zero_point) {
  int32_t i;
  for (i = 0; i < size; i++) {
    float v = input[i] * inv_scale;
    double d;
    int32_t r;
    if (v != v) v = 0.0f; /* NaN -> zero point */
    v = v > 1024.0f ? 1024.0f : (v < -1024.0f ? -1024.0f : v);
    d = (double)v;
    r = d >= 0 ? (int32_t)(d + 0.5) : -(int32_t)(-d + 0.5);
    output[i] = (int8_t)edgeq_clamp(r + zero_point, -128, 127);
  }
}
