/*
 * edgeq_internal.h - inline requantisation primitives shared by the kernels.
 * Reference math of docs/quantization-spec.md section "Requantisation"; the TypeScript
 * twin is packages/ir/src/quant-math.ts. Signed right shifts of negative values are
 * arithmetic (floor) on every compiler edgeq supports (gcc, arm-none-eabi-gcc, clang).
 */
#ifndef EDGEQ_INTERNAL_H
#define EDGEQ_INTERNAL_H

#include <string.h>

#include "edgeq.h"

static inline int32_t edgeq_sat_i32(int64_t v) {
  return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}

static inline int32_t edgeq_clamp(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

/* A requantised value plus the output zero point, saturated: the value may itself be
 * saturated at INT32_MIN/MAX (huge multipliers), where a plain int32 sum would overflow. */
static inline int32_t edgeq_add_zp(int32_t v, int32_t zp) {
  return edgeq_sat_i32((int64_t)v + zp);
}

/* floor((a * b + 2^30) / 2^31): SaturatingRoundingDoublingHighMul (gemmlowp's
 * nudge-and-truncate form equals this floor for either sign) except a = b = INT32_MIN. */
static inline int32_t edgeq_srdhm(int32_t a, int32_t b) {
  int64_t ab = (int64_t)a * (int64_t)b;
  return (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
}

/* x / 2^e rounded half away from zero, 0 <= e <= 31. */
static inline int32_t edgeq_rdbpot(int32_t x, int32_t e) {
  int64_t mask = ((int64_t)1 << e) - 1;
  int64_t rem = (int64_t)x & mask;
  int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (int32_t)(((int64_t)x >> e) + (rem > threshold ? 1 : 0));
}

static inline int32_t edgeq_rq_tflm(int32_t x, int32_t m, int32_t s) {
  int32_t left = s > 0 ? s : 0;
  int32_t right = s > 0 ? 0 : -s;
  int32_t xs = left ? edgeq_sat_i32((int64_t)x * ((int64_t)1 << left)) : x;
  return edgeq_rdbpot(edgeq_srdhm(xs, m), right);
}

static inline int32_t edgeq_rq_single(int32_t x, int32_t m, int32_t s) {
  int32_t total = 31 - s;
  int64_t r = (int64_t)x * (int64_t)m + ((int64_t)1 << (total - 1));
  return edgeq_sat_i32(r >> total);
}

static inline int32_t edgeq_rq_pow2(int32_t x, int32_t s) {
  if (s >= 0) return edgeq_sat_i32((int64_t)x * ((int64_t)1 << s));
  return (x >> -s) + ((x >> (-s - 1)) & 1);
}

/*
 * fp32 requantisation (XNNPACK's rule): f32(x) * f32(m) rounded to float32, clamped to
 * +-2^15 (beyond that int8 saturates anyway), rounded half to even with the 1.5 * 2^23
 * magic number (exact for |v| < 2^22; no libm). The product goes through a volatile so
 * no compiler can fuse it with the rounding add into an FMA (-ffp-contract), which would
 * change the result on FPUs that have one (Cortex-M4F/M7).
 */
static inline int32_t edgeq_rq_fp32(int32_t x, int32_t m_bits) {
  float scale;
  volatile float product;
  float v;
  uint32_t bits;
  memcpy(&scale, &m_bits, sizeof scale);
  product = (float)x * scale;
  v = product;
  v = v < -32768.0f ? -32768.0f : (v > 32767.0f ? 32767.0f : v);
  v += 12582912.0f;
  memcpy(&bits, &v, sizeof bits);
  return (int32_t)bits - 0x4B400000;
}

static inline int32_t edgeq_rq(int32_t x, int32_t m, int32_t s, edgeq_rq_mode mode) {
  switch (mode) {
    case EDGEQ_RQ_FP32: return edgeq_rq_fp32(x, m);
    case EDGEQ_RQ_SINGLE: return edgeq_rq_single(x, m, s);
    case EDGEQ_RQ_POW2: return edgeq_rq_pow2(x, s);
    case EDGEQ_RQ_TFLM:
    default: return edgeq_rq_tflm(x, m, s);
  }
}

/* Integer division rounded half away from zero (average pooling, pow2 MEAN). */
static inline int64_t edgeq_div_away(int64_t num, int64_t den) {
  int64_t half = den / 2;
  return (num >= 0 ? num + half : num - half) / den;
}

/* edgeq_div_away in 32 bits, for callers whose |num| + den / 2 fits int32 (a pooling window's
 * sum: |num| <= 128 * den): the same value without a 64-bit library division on cores that
 * have none. */
static inline int32_t edgeq_div_away_s32(int32_t num, int32_t den) {
  const int32_t half = den / 2;
  return (num >= 0 ? num + half : num - half) / den;
}

#endif /* EDGEQ_INTERNAL_H */
