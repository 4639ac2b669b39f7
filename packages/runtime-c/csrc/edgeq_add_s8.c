/*
 * edgeq_add_s8.c - ADD of two int8 tensors with independent scales: each input is
 * shifted left, rescaled to a common scale, summed and rescaled to the output
 * (TFLite Micro's method in fixed mode; aligned shifts in pow2 mode; XNNPACK's single
 * weighted-sum shift in fp32 mode). The output may
 * alias either input (element-wise).
 */
#include "edgeq_internal.h"

void edgeq_add_s8(const edgeq_add_params *p, const int8_t *in1, const int8_t *in2,
                  int8_t *output) {
  const int32_t scale_up = (int32_t)1 << p->left_shift;
  int32_t i;
  /* fp32 mode with left_shift 20: scale ratios outside XNNPACK's range, TFLite's builtin
   * ADD (double rounding) applies. */
  const edgeq_rq_mode mode = (p->mode == EDGEQ_RQ_FP32 && p->left_shift != 0) ? EDGEQ_RQ_TFLM : p->mode;
  if (mode == EDGEQ_RQ_FP32) {
    /* XNNPACK's int8 ADD: one rounding shift of m1*(a - zp1) + m2*(b - zp2), |.| < 2^30. */
    const int32_t rounding = (int32_t)1 << (p->out_shift - 1);
    for (i = 0; i < p->size; i++) {
      const int32_t acc = p->in1_multiplier * ((int32_t)in1[i] - p->in1_zp) +
                          p->in2_multiplier * ((int32_t)in2[i] - p->in2_zp) + rounding;
      output[i] = (int8_t)edgeq_clamp((acc >> p->out_shift) + p->out_zp, p->act_min, p->act_max);
    }
    return;
  }
  for (i = 0; i < p->size; i++) {
    const int32_t a = edgeq_rq(((int32_t)in1[i] - p->in1_zp) * scale_up, p->in1_multiplier,
                               p->in1_shift, mode);
    const int32_t b = edgeq_rq(((int32_t)in2[i] - p->in2_zp) * scale_up, p->in2_multiplier,
                               p->in2_shift, mode);
    const int32_t sum = edgeq_sat_i32((int64_t)a + b);
    const int32_t v = edgeq_add_zp(edgeq_rq(sum, p->out_multiplier, p->out_shift, mode), p->out_zp);
    output[i] = (int8_t)edgeq_clamp(v, p->act_min, p->act_max);
  }
}
