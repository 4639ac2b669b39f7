/*
 * edgeq_requant.c - exported requantisation primitives (for tests and custom kernels);
 * the kernels use the inline versions in edgeq_internal.h.
 */
#include "edgeq_internal.h"

int32_t edgeq_requantize(int32_t x, int32_t multiplier, int32_t shift, edgeq_rq_mode mode) {
  return edgeq_rq(x, multiplier, shift, mode);
}
int32_t edgeq_mbqm_tflm(int32_t x, int32_t multiplier, int32_t shift) {
  return edgeq_rq_tflm(x, multiplier, shift);
}
int32_t edgeq_mbqm_single(int32_t x, int32_t multiplier, int32_t shift) {
  return edgeq_rq_single(x, multiplier, shift);
}
int32_t edgeq_pow2_shift(int32_t x, int32_t shift) { return edgeq_rq_pow2(x, shift); }
int64_t edgeq_round_div_away(int64_t num, int64_t den) { return edgeq_div_away(num, den); }
