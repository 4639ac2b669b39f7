/*
 * edgeq_misc_s8.c - data-movement and boundary kernels: PAD, RESHAPE (copy), SOFTMAX
 * (exponent table + exact integer normalisation), QUANTIZE and DEQUANTIZE.
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

void edgeq_copy_s8(const int8_t *input, int8_t *output, int32_t size) {
  int32_t i;
  if (input == output) return;
  for (i = 0; i < size; i++) output[i] = input[i];
}

/* fp32 mode: TFLite's float lookup-table softmax; sums in order, as the TS twin does. */
static void edgeq_softmax_float_s8(const edgeq_softmax_params *p, const int8_t *input,
                                   int8_t *output) {
  int32_t r, i;
  for (r = 0; r < p->rows; r++) {
    const int8_t *x = input + (size_t)r * p->classes;
    int8_t *y = output + (size_t)r * p->classes;
    int32_t max = -128;
    volatile float sum = 0.0f;
    float inv;
    for (i = 0; i < p->classes; i++) max = x[i] > max ? x[i] : max;
    for (i = 0; i < p->classes; i++) {
      float e;
      memcpy(&e, &p->exp_table[max - x[i]], sizeof e);
      sum = sum + e;
    }
    inv = 1.0f / (sum * (1.0f / 256.0f));
    for (i = 0; i < p->classes; i++) {
      float e;
      volatile float prob;
      int32_t q;
      memcpy(&e, &p->exp_table[max - x[i]], sizeof e);
      prob = e * inv;
      /* prob is in [0, 256]: round half away from zero; prob - q is exact (no prob + 0.5f,
       * which can round up a value just below one half). */
      q = (int32_t)prob;
      if (prob - (float)q >= 0.5f) q++;
      q -= 128;
      y[i] = (int8_t)(q > 127 ? 127 : q);
    }
  }
}

void edgeq_softmax_s8(const edgeq_softmax_params *p, const int8_t *input, int8_t *output) {
  int32_t r, i;
  if (p->mode == EDGEQ_RQ_FP32) {
    edgeq_softmax_float_s8(p, input, output);
    return;
  }
  for (r = 0; r < p->rows; r++) {
    const int8_t *x = input + (size_t)r * p->classes;
    int8_t *y = output + (size_t)r * p->classes;
    int32_t max = -128;
    uint32_t sum = 0, half;
    for (i = 0; i < p->classes; i++) max = x[i] > max ? x[i] : max;
    for (i = 0; i < p->classes; i++) sum += p->exp_table[max - x[i]];
    half = sum / 2;
    for (i = 0; i < p->classes; i++) {
      const int32_t q = (int32_t)((p->exp_table[max - x[i]] * 256u + half) / sum) - 128;
      y[i] = (int8_t)(q > 127 ? 127 : q);
    }
  }
}

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

void edgeq_dequantize_s8_f32(const int8_t *input, float *output, int32_t size, float scale,
                             int32_t zero_point) {
  int32_t i;
  for (i = 0; i < size; i++) output[i] = (float)((int32_t)input[i] - zero_point) * scale;
}
