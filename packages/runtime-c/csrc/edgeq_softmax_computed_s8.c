/*
 * edgeq_softmax_computed_s8.c - SOFTMAX for --optimize size: no exponent table in flash.
 * The exponentials edgeq_softmax_s8 looks up (index: row max - x) are computed at run time
 * into scratch, only the entries this input's rows use, from the input scaling TFLite
 * Micro's Prepare derives (multiplier, left shift, diff_min; @edgeq/ir softmaxInputScaling),
 * by gemmlowp's exp_on_negative_values on the Q5.26 rescaled difference. The host twin that
 * builds the whole table is softmaxExpTable / expOnNegativeValues in packages/ir.
 */
#include "edgeq_internal.h"

/* gemmlowp's fixed-point product (SaturatingRoundingDoublingHighMul). */
static int32_t edgeq_fixed_mul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  return edgeq_srdhm(a, b);
}

/* exp(a) for a Q0.31 value a in [-1/4, 0): the Taylor expansion around -1/8. */
static int32_t edgeq_exp_on_negative_quarter(int32_t a) {
  const int32_t exp_minus_one_eighth = 1895147668; /* Q0.31 */
  const int32_t one_third = 715827883;             /* Q0.31 */
  const int32_t x = a + ((int32_t)1 << 28);        /* a + 1/8 */
  const int32_t x2 = edgeq_fixed_mul(x, x);
  const int32_t x3 = edgeq_fixed_mul(x2, x);
  const int32_t x4 = edgeq_fixed_mul(x2, x2);
  const int32_t x4_over_4 = edgeq_rdbpot(x4, 2);
  const int32_t polynomial = edgeq_rdbpot(edgeq_fixed_mul(x4_over_4 + x3, one_third) + x2, 1);
  return exp_minus_one_eighth + edgeq_fixed_mul(exp_minus_one_eighth, x + polynomial);
}

/* exp(a) in Q0.31 of a Q5.26 value a <= 0: exp of (a mod 1/4) - 1/4, then one factor
 * exp(-2^k) for every set bit k (k = -2 .. 4) of the remainder. */
static int32_t edgeq_exp_on_negative_values(int32_t a) {
  static const int32_t factors[7] = {1672461947, 1302514674, 790015084, 290630308,
                                     39332535,   720401,     242};
  const int32_t fractional_bits = 26;
  const int32_t one_quarter = (int32_t)1 << (fractional_bits - 2);
  const int32_t mod_quarter_minus_quarter =
      (int32_t)((uint32_t)a & (uint32_t)(one_quarter - 1)) - one_quarter;
  const int32_t remainder = mod_quarter_minus_quarter - a;
  int32_t result = edgeq_exp_on_negative_quarter(
      edgeq_sat_i32((int64_t)mod_quarter_minus_quarter * ((int64_t)1 << 5)));
  int32_t k;
  for (k = 0; k < 7; k++) {
    if ((uint32_t)remainder & ((uint32_t)1 << (fractional_bits - 2 + k))) {
      result = edgeq_fixed_mul(result, factors[k]);
    }
  }
  return a == 0 ? INT32_MAX : result;
}

/* The table entry of difference d = max - x (0 <= d <= 255). */
static uint32_t edgeq_softmax_exp_entry(const edgeq_softmax_scaling_params *p, int32_t d) {
  int32_t rescaled;
  if (-d < p->diff_min) return 0;
  if (p->mode == EDGEQ_RQ_SINGLE) {
    rescaled = edgeq_rq_single(-d, p->multiplier, p->left_shift);
  } else {
    /* d * 2^left_shift <= 31 * 2^26 for every d the test above lets through. */
    rescaled = edgeq_srdhm((int32_t)(-(int64_t)d * ((int64_t)1 << p->left_shift)), p->multiplier);
  }
  return (uint32_t)edgeq_exp_on_negative_values(rescaled);
}

size_t edgeq_softmax_computed_s8_get_buffer_size(const edgeq_softmax_scaling_params *p) {
  (void)p;
  return 256 * sizeof(uint32_t);
}

void edgeq_softmax_computed_s8(const edgeq_softmax_scaling_params *p, const int8_t *input,
                               int8_t *output, uint32_t *scratch) {
  edgeq_softmax_params table;
  int32_t r, i;
  for (r = 0; r < p->rows; r++) {
    const int8_t *x = input + (size_t)r * p->classes;
    int32_t max = -128;
    for (i = 0; i < p->classes; i++) max = x[i] > max ? x[i] : max;
    for (i = 0; i < p->classes; i++) scratch[max - x[i]] = edgeq_softmax_exp_entry(p, max - x[i]);
  }
  table.rows = p->rows;
  table.classes = p->classes;
  table.exp_table = scratch;
  table.mode = p->mode;
  edgeq_softmax_s8(&table, input, output);
}
