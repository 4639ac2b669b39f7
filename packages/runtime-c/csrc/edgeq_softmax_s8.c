/*
 * edgeq_softmax_s8.c - SOFTMAX over the last axis of int8 rows: a 256-entry exponent table
 * indexed by (row max - x), then an exact integer normalisation to the output scale 1/256
 * and zero point -128 (a float kernel in fp32 mode, as TFLite's).
 */
#include "edgeq_internal.h"

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
