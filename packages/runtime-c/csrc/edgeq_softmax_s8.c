/*
 * edgeq_softmax_s8.c - SOFTMAX over the last axis of int8 rows, output scale 1/256 and zero
 * point -128. Fixed modes: TFLite Micro's gemmlowp fixed-point softmax; the exponentials of
 * every possible (x - row max), in Q0.31, come from the host in exp_table, so the kernel
 * sums them in Q12.19, takes gemmlowp's reciprocal and scales (docs/quantization-spec.md).
 * fp32 mode: TFLite's float lookup-table kernel. TypeScript twin: packages/ir/src/kernels.ts.
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

/* gemmlowp SaturatingRoundingMultiplyByPOT, positive exponent: x * 2^e saturated to int32. */
static int32_t edgeq_sat_shift_left(int32_t x, int32_t e) {
  return edgeq_sat_i32((int64_t)x * ((int64_t)1 << e));
}

/*
 * gemmlowp one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a), a and result in Q0.31, by three
 * Newton-Raphson steps in Q2.29 starting from 48/17 - 32/17 * d, d = (1 + a) / 2.
 */
static int32_t edgeq_one_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = (int32_t)(((int64_t)a + INT32_MAX + 1) / 2);
  const int32_t one_q2 = (int32_t)1 << 29;
  int32_t x = 1515870810 + edgeq_srdhm(half_denominator, -1010580540);
  int i;
  for (i = 0; i < 3; i++) {
    const int32_t one_minus_dx = one_q2 - edgeq_srdhm(half_denominator, x);
    x += edgeq_sat_shift_left(edgeq_srdhm(x, one_minus_dx), 2);
  }
  return edgeq_sat_shift_left(x, 1);
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
    int32_t max = -128, sum = 0, headroom_plus_one = 0, exponent, scale;
    uint32_t normalised;
    for (i = 0; i < p->classes; i++) max = x[i] > max ? x[i] : max;
    /* Q0.31 -> Q12.19; at most 4095 classes, so the sum stays below 2^31. */
    for (i = 0; i < p->classes; i++) sum += edgeq_rdbpot((int32_t)p->exp_table[max - x[i]], 12);
    /* GetReciprocal: sum = 2^(12 - headroom_plus_one) * (1 + x), x in [0, 1). sum >= 2^19. */
    normalised = (uint32_t)sum;
    while (!(normalised & 0x80000000u)) {
      normalised <<= 1;
      headroom_plus_one++;
    }
    scale = edgeq_one_over_one_plus_x((int32_t)(normalised - 0x80000000u));
    exponent = 12 - headroom_plus_one + 31 - 8;
    for (i = 0; i < p->classes; i++) {
      const int32_t product = edgeq_srdhm(scale, (int32_t)p->exp_table[max - x[i]]);
      /* TFLite Micro refuses exponents above 31; the quotient (< 2^31 / 2^32) is then 0. */
      const int32_t q = (exponent > 31 ? 0 : edgeq_rdbpot(product, exponent)) - 128;
      y[i] = (int8_t)(q > 127 ? 127 : q);
    }
  }
}
