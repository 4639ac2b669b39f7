/*
 * edgeq_fast.h - requantisation, output clamp and block store shared by the specialised
 * kernels (edgeq_pointwise_conv_s8.c, edgeq_conv_im2col_s8.c, edgeq_depthwise_conv_3x3_s8.c). The code generator precomputes, per output channel, an
 * edgeq_channel_requant {bias, mult, round, shift} so that one multiply-high, one add and one
 * arithmetic shift reproduce docs/quantization-spec.md bit for bit:
 *
 *   tflm   out = (SRDHM(a, mult) + round + (a < 0 ? -1 : 0)) >> shift,
 *          round = 2^(e-1) + zp_out * 2^e, shift = e >= 1   (|a| < 2^30)
 *          SRDHM(a, m) = floor((2a*m + 2^31) / 2^32) = SMMULR(2a, m). In tflm mode the
 *          generator doubles the int16 weights and the bias, so the kernels accumulate
 *          2a directly and edgeq_fast_requantize receives 2a; the sign of a can
 *          stand for the sign of SRDHM(a, m): they differ only when SRDHM is 0, where
 *          (2^(e-1) - 1) >> e == 2^(e-1) >> e == 0.
 *   single out = (floor(a*m / 2^32) + round) >> shift,
 *          round = 2^(e-2) + zp_out * 2^(e-1), shift = e - 1 >= 1 (e = 31 - total)
 *   pow2   out = (a + round) >> shift, round = 2^(e-1) + zp_out * 2^e, shift = e >= 1
 *
 * where e is the right shift of the spec (-shift). The generator checks e, the rounding
 * constant and the accumulator bound for every channel; a channel that fails a check is
 * stored as a generic row (shift >= EDGEQ_FAST_GENERIC_SHIFT / 2, edgeq.h): bias not doubled,
 * mult the spec's multiplier, round the output zero point, shift - EDGEQ_FAST_GENERIC_SHIFT
 * the spec's shift, requantised by the reference formula (edgeq_internal.h, 64-bit).
 * Only the _mixed kernel variants test for generic rows, so ops whose channels all pass
 * pay nothing. The mode, the clamp kind and "mixed" are compile-time constants of each
 * exported kernel variant: no mode switch at run time.
 */
#ifndef EDGEQ_FAST_H
#define EDGEQ_FAST_H

#include <string.h>
#include "edgeq_internal.h"

#if defined(__ARM_FEATURE_DSP) && !defined(EDGEQ_NO_DSP)
#include <arm_acle.h>
#define EDGEQ_FAST_DSP 1
#endif

/* ARMv6-M (Cortex-M0/M0+) inner loops in inline assembly: gcc spills the 2x2 block's values
 * there (8 low registers, two-operand MULS, signed loads only with a register offset). Not at
 * -Os: gcc 12 cannot allocate those loops' operands there (the portable C runs instead). */
#if defined(__ARM_ARCH_6M__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__OPTIMIZE_SIZE__) && !defined(EDGEQ_NO_V6M_ASM)
#define EDGEQ_FAST_V6M 1
#endif

#if defined(__GNUC__)
#define EDGEQ_FAST_INLINE static inline __attribute__((always_inline))
#else
#define EDGEQ_FAST_INLINE static inline
#endif

EDGEQ_FAST_INLINE int32_t edgeq_fast_requantize(int32_t a, const edgeq_channel_requant *q,
                                               const int mode) {
  if (mode == EDGEQ_RQ_TFLM) {
#ifdef EDGEQ_FAST_DSP
    int32_t t;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(t) : "r"(a), "r"(q->mult), "r"(q->round));
    return (t + (a >> 31)) >> q->shift;
#else
    const int32_t t = (int32_t)(((int64_t)a * q->mult + ((int64_t)1 << 31)) >> 32);
    return (t + q->round + (a >> 31)) >> q->shift;
#endif
  }
  if (mode == EDGEQ_RQ_SINGLE) {
#ifdef EDGEQ_FAST_DSP
    int32_t t;
    __asm__("smmla %0, %1, %2, %3" : "=r"(t) : "r"(a), "r"(q->mult), "r"(q->round));
    return t >> q->shift;
#else
    return ((int32_t)(((int64_t)a * q->mult) >> 32) + q->round) >> q->shift;
#endif
  }
  return (a + q->round) >> q->shift;
}

/* A row's requantised value with the output zero point: the fast formula, or (mixed
 * variants only) the reference formula on a generic row. */
EDGEQ_FAST_INLINE int32_t edgeq_fast_requantize_row(int32_t a, const edgeq_channel_requant *q,
                                                   const int mode, const int mixed) {
  if (mixed && q->shift >= EDGEQ_FAST_GENERIC_SHIFT / 2) {
    return edgeq_add_zp(edgeq_rq(a, q->mult, q->shift - EDGEQ_FAST_GENERIC_SHIFT, (edgeq_rq_mode)mode),
                        q->round);
  }
  return edgeq_fast_requantize(a, q, mode);
}

/* clamp = 0: the activation range is the whole int8 range (one SSAT). */
EDGEQ_FAST_INLINE int8_t edgeq_fast_clamp(int32_t v, const int clamp, int32_t lo, int32_t hi) {
  if (clamp) {
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
  } else {
#if defined(__ARM_FEATURE_SAT)
    v = __builtin_arm_ssat(v, 8);
#else
    v = v < -128 ? -128 : (v > 127 ? 127 : v);
#endif
  }
  return (int8_t)v;
}

/* Requantises, clamps and stores a block of 2 pixels x 2 output channels (accumulator aPC:
 * pixel P, channel C of the pair q[0], q[1]); each channel's constants are loaded once for
 * both pixels. */
EDGEQ_FAST_INLINE void edgeq_fast_store_block(const edgeq_channel_requant *q, int32_t a00,
                                              int32_t a01, int32_t a10, int32_t a11, int8_t *y0,
                                              int8_t *y1, const int mode, const int clamp,
                                              const int mixed, int32_t lo, int32_t hi) {
  const edgeq_channel_requant c0 = q[0], c1 = q[1];
  y0[0] = edgeq_fast_clamp(edgeq_fast_requantize_row(a00, &c0, mode, mixed), clamp, lo, hi);
  y1[0] = edgeq_fast_clamp(edgeq_fast_requantize_row(a10, &c0, mode, mixed), clamp, lo, hi);
  y0[1] = edgeq_fast_clamp(edgeq_fast_requantize_row(a01, &c1, mode, mixed), clamp, lo, hi);
  y1[1] = edgeq_fast_clamp(edgeq_fast_requantize_row(a11, &c1, mode, mixed), clamp, lo, hi);
}

/* The last channel of an odd channel count: its pair's second channel is a phantom (zero
 * weights, a zero row after the table), computed and dropped. */
EDGEQ_FAST_INLINE void edgeq_fast_store_last(const edgeq_channel_requant *q, int32_t a0,
                                             int32_t a1, int8_t *y0, int8_t *y1, const int mode,
                                             const int clamp, const int mixed, int32_t lo,
                                             int32_t hi) {
  y0[0] = edgeq_fast_clamp(edgeq_fast_requantize_row(a0, q, mode, mixed), clamp, lo, hi);
  y1[0] = edgeq_fast_clamp(edgeq_fast_requantize_row(a1, q, mode, mixed), clamp, lo, hi);
}

/* The accumulator a row requantises when the weights are int8 (not doubled, nor the bias): 2 *
 * acc for a fast tflm row (the generator checks |acc| < 2^30), acc otherwise. */
EDGEQ_FAST_INLINE int32_t edgeq_fast_w8_scaled(int32_t a, const edgeq_channel_requant *q,
                                              const int mode, const int mixed) {
  if (mode != EDGEQ_RQ_TFLM || (mixed && q->shift >= EDGEQ_FAST_GENERIC_SHIFT / 2)) return a;
  return a * 2;
}

/* The portable 2 pixels x 2 channels step of the matrix-product kernels: input k of both
 * pixels (in0, in1) against channels o and o+1 (weights w0, w1), added to the caller's
 * accumulators a00, a01, a10, a11. Called once per input in source order, so only two
 * inputs and two weights are live at a time: gcc -Os and ARMv6-M (8 low registers) keep the
 * four accumulators and the pointers in registers. */
#define EDGEQ_FAST_MAC_2X2(in0, in1, w0, w1)   \
  do {                                         \
    const int32_t i0_ = (in0), i1_ = (in1);    \
    const int32_t w0_ = (w0), w1_ = (w1);      \
    a00 += i0_ * w0_, a01 += i0_ * w1_;        \
    a10 += i1_ * w0_, a11 += i1_ * w1_;        \
  } while (0)

#ifdef EDGEQ_FAST_V6M
/* ARMv6-M assembly text for the same 2x2 step. Operands: accumulators a00, a01, a10, a11
 * ("+h": r8-r12, ADD takes them) and four low scratch registers x0, x1, w0, w1 (the loops'
 * pointers take the other three low registers gcc can give). A load puts a sign-extended value
 * in a register: an int8 at BASE + OFF, or the low / high int16 of the aligned word at
 * BASE + OFF (2 instructions each). EDGEQ_V6M_MAC_2X2(load_w0) multiplies in place (two-operand
 * MULS) and loads w0 a second time with load_w0: 10 instructions for the four MACs. */
#define EDGEQ_V6M_S8(reg, base, off) \
  "ldrb %[" reg "], [%[" base "], #" off "]\n\tsxtb %[" reg "], %[" reg "]\n\t"
#define EDGEQ_V6M_LO16(reg, base, off) \
  "ldr %[" reg "], [%[" base "], #" off "]\n\tsxth %[" reg "], %[" reg "]\n\t"
#define EDGEQ_V6M_HI16(reg, base, off) \
  "ldr %[" reg "], [%[" base "], #" off "]\n\tasrs %[" reg "], %[" reg "], #16\n\t"
#define EDGEQ_V6M_MAC_2X2(load_w0)                \
  "muls %[w0], %[x0]\n\t"                  \
  "add %[a00], %[w0]\n\t"                         \
  "muls %[x0], %[w1]\n\t"                  \
  "add %[a01], %[x0]\n\t"                         \
  load_w0                                         \
  "muls %[w0], %[x1]\n\t"                  \
  "add %[a10], %[w0]\n\t"                         \
  "muls %[x1], %[w1]\n\t"                  \
  "add %[a11], %[x1]\n\t"
/* gcc hands Thumb-1 inline assembly to gas in divided syntax: the loops switch to unified
 * syntax (MULS, ASRS) and back. */
#define EDGEQ_V6M_BEGIN ".syntax unified\n\t"
#define EDGEQ_V6M_END ".syntax divided\n\t"
/* The operand list shared by the ARMv6-M loops (after the kernel's own pointer operands). */
#define EDGEQ_V6M_BLOCK_OPERANDS                                                          \
  [a00] "+h"(a00), [a01] "+h"(a01), [a10] "+h"(a10), [a11] "+h"(a11), [x0] "=&l"(v0),     \
  [x1] "=&l"(v1), [w0] "=&l"(v2), [w1] "=&l"(v3)
#endif

#ifdef EDGEQ_FAST_DSP
/* One int16 pair of both pixels (words px0, px1 at c) against one channel pair (words o,
 * o+1 at w), used by the column kernels (edgeq_conv_im2col_s8.c, edgeq_pointwise_conv_s8.c):
 * 6 instructions, 8 MACs. Operands a00, a01, a10, a11, c, w and scratch xa, xb, p, q. */
#define EDGEQ_COLUMN_TAP_PAIR                   \
  "ldrd %[xa], %[xb], [%[c]], #8\n\t"          \
  "ldrd %[p], %[q], [%[w]], #8\n\t"           \
  "smlad %[a00], %[xa], %[p], %[a00]\n\t"      \
  "smlad %[a01], %[xa], %[q], %[a01]\n\t"      \
  "smlad %[a10], %[xb], %[p], %[a10]\n\t"      \
  "smlad %[a11], %[xb], %[q], %[a11]\n\t"
#endif

/* Defines kernel KERNEL's exported variants: one per entry of EDGEQ_FAST_VARIANTS (edgeq.h),
 * and the same again with the suffix _mixed (generic rows tested). DEFINE(name, mode, clamp,
 * mixed) defines one function. */
#define EDGEQ_FAST_DEFINE_PLAIN(variant, mode, clamp) EDGEQ_FAST_DEFINE_ONE(variant, mode, clamp, 0)
#define EDGEQ_FAST_DEFINE_MIXED(variant, mode, clamp) EDGEQ_FAST_DEFINE_ONE(variant##_mixed, mode, clamp, 1)

#endif /* EDGEQ_FAST_H */
