/*
 * edgeq_dot_s8.h - the int8 inner product shared by CONV_2D and FULLY_CONNECTED:
 * sum over i < n of (x[i] - x_zp) * w[i]. With the Cortex-M DSP extension
 * (__ARM_FEATURE_DSP, ACLE) four MACs take two SMLADs on sign-extended byte
 * pairs (SXTB16, offset removed with SSUB16); the portable loop is used
 * otherwise, or everywhere when EDGEQ_NO_DSP is defined. Both give the same
 * int32 result for every input (the sum is exact in 32 bits for edgeq's shapes).
 */
#ifndef EDGEQ_DOT_S8_H
#define EDGEQ_DOT_S8_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && !defined(EDGEQ_NO_DSP)
#include <arm_acle.h>
#define EDGEQ_DOT_S8_DSP 1
/* Rotate right by 8 (gcc 12's arm_acle.h has no __ror); folds into SXTB16's ROR. */
#define EDGEQ_ROR8(v) ((int8x4_t)(((uint32_t)(v) >> 8) | ((uint32_t)(v) << 24)))
#endif

static inline int32_t edgeq_dot_s8(const int8_t *x, const int8_t *w, int32_t n, int32_t x_zp) {
  int32_t acc = 0;
  int32_t i = 0;
#ifdef EDGEQ_DOT_S8_DSP
  /* Both int16 lanes hold x_zp; (x - x_zp) fits int16 since x_zp is in [-128, 127]. */
  const int16x2_t zz = (int16x2_t)(((uint32_t)(uint16_t)x_zp << 16) | (uint16_t)x_zp);
  for (; i + 4 <= n; i += 4) {
    int8x4_t xv;
    int8x4_t wv;
    memcpy(&xv, x + i, 4); /* one unaligned LDR on v7E-M / v8-M */
    memcpy(&wv, w + i, 4);
    acc = __smlad(__ssub16(__sxtb16(xv), zz), __sxtb16(wv), acc);
    acc = __smlad(__ssub16(__sxtb16(EDGEQ_ROR8(xv)), zz), __sxtb16(EDGEQ_ROR8(wv)), acc);
  }
#endif
  for (; i < n; i++) acc += ((int32_t)x[i] - x_zp) * w[i];
  return acc;
}

#endif /* EDGEQ_DOT_S8_H */
