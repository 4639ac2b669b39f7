/*
 * edgeq_quantize_f32_s8.c - QUANTIZE float32 -> int8: x / scale in float32 (TFLite Micro's
 * rule; EDGEQ_RQ_FP32: x * (1 / scale), LiteRT's), rounded half away from zero, + zero
 * point, saturated; NaN gives the zero point, +-inf and out-of-range values saturate.
 */
#include "edgeq_internal.h"

/* round_half_away(v) + zero_point, saturated to int8 (v is clamped first so the cast is defined). */
static int8_t edgeq_quantized_value(float v, int32_t zero_point) {
  double d;
  int32_t r;
  if (v != v) v = 0.0f; /* NaN -> zero point */
  v = v > 1024.0f ? 1024.0f : (v < -1024.0f ? -1024.0f : v);
  d = (double)v;
  r = d >= 0 ? (int32_t)(d + 0.5) : -(int32_t)(-d + 0.5);
  return (int8_t)edgeq_clamp(r + zero_point, -128, 127);
}

void edgeq_quantize_f32_s8(const float *input, int8_t *output, int32_t size, float scale,
                           int32_t zero_point, edgeq_rq_mode mode) {
  int32_t i;
  if (mode == EDGEQ_RQ_FP32) {
    const float inv_scale = 1.0f / scale;
    for (i = 0; i < size; i++) output[i] = edgeq_quantized_value(input[i] * inv_scale, zero_point);
  } else {
    for (i = 0; i < size; i++) output[i] = edgeq_quantized_value(input[i] / scale, zero_point);
  }
}
