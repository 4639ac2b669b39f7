/*
 * edgeq_pointwise_conv_s8.c - 1x1 CONV_2D (stride 1, no padding, cin % 8 == 0, cout even)
 * as a matrix product of 2 pixels x 2 output channels; called by generated code when the
 * generator's checks pass (packages/codegen/src/fast-kernels.ts). Parameters in edgeq.h,
 * requantisation constants in edgeq_fast.h. The portable C99 path and the Cortex-M DSP
 * path (SMLAD on SXTB16-extended pairs) compute the same int32 accumulators.
 * Two weight storages: int16 (edgeq_pointwise_conv_s8_*, widened and, in tflm mode,
 * doubled) and int8 (edgeq_pointwise_conv_w8_s8_*, half the flash, sign-extended on the fly;
 * not doubled: the fast tflm rows' accumulators are doubled before requantisation, |acc| <
 * 2^30 being checked per channel; generic rows take them as they are).
 */
#include "edgeq_fast.h"

/* cin a multiple of 8, cout even. Weights int16, per channel pair (o, o+1) and input quad
 * k..k+3: w[o][k], w[o][k+2], w[o+1][k], w[o+1][k+2], w[o][k+1], w[o][k+3], w[o+1][k+1],
 * w[o+1][k+3] - the lane order SXTB16 gives the inputs. */
#ifdef EDGEQ_FAST_DSP
/* One input quad of two pixels against one channel pair: 16 instructions, 16 MACs. */
#define EDGEQ_POINTWISE_QUAD                             \
  "ldr %[xa], [%[x0]], #4\n\t"                           \
  "ldr %[xb], [%[x1]], #4\n\t"                           \
  "ldrd %[p], %[q], [%[w]], #8\n\t"                      \
  "sxtb16 %[xl], %[xa]\n\t"                              \
  "smlad %[a00], %[xl], %[p], %[a00]\n\t"                \
  "smlad %[a01], %[xl], %[q], %[a01]\n\t"                \
  "sxtb16 %[xl], %[xb]\n\t"                              \
  "smlad %[a10], %[xl], %[p], %[a10]\n\t"                \
  "smlad %[a11], %[xl], %[q], %[a11]\n\t"                \
  "ldrd %[p], %[q], [%[w]], #8\n\t"                      \
  "sxtb16 %[xa], %[xa], ror #8\n\t"                      \
  "smlad %[a00], %[xa], %[p], %[a00]\n\t"                \
  "smlad %[a01], %[xa], %[q], %[a01]\n\t"                \
  "sxtb16 %[xb], %[xb], ror #8\n\t"                      \
  "smlad %[a10], %[xb], %[p], %[a10]\n\t"                \
  "smlad %[a11], %[xb], %[q], %[a11]\n\t"
#endif

/* int8 weights, per channel pair (o, o+1) and input quad k..k+3: w[o][k..k+3], w[o+1][k..k+3]
 * (8 bytes). SXTB16 of a quad gives lanes (k, k+2), with ROR 8 (k+1, k+3), for inputs and
 * weights alike, so SMLAD pairs matching lanes. */
#ifdef EDGEQ_FAST_DSP
/* One input quad of two pixels against one channel pair: 19 instructions, 16 MACs. */
#define EDGEQ_POINTWISE_W8_QUAD                          \
  "ldrd %[wa], %[wb], [%[w]], #8\n\t"                    \
  "ldr %[x], [%[x0]], #4\n\t"                            \
  "sxtb16 %[t], %[wa]\n\t"                               \
  "sxtb16 %[wa], %[wa], ror #8\n\t"                      \
  "sxtb16 %[u], %[wb]\n\t"                               \
  "sxtb16 %[wb], %[wb], ror #8\n\t"                      \
  "sxtb16 %[e], %[x]\n\t"                                \
  "sxtb16 %[x], %[x], ror #8\n\t"                        \
  "smlad %[a00], %[e], %[t], %[a00]\n\t"                 \
  "smlad %[a01], %[e], %[u], %[a01]\n\t"                 \
  "smlad %[a00], %[x], %[wa], %[a00]\n\t"                \
  "smlad %[a01], %[x], %[wb], %[a01]\n\t"                \
  "ldr %[x], [%[x1]], #4\n\t"                            \
  "sxtb16 %[e], %[x]\n\t"                                \
  "sxtb16 %[x], %[x], ror #8\n\t"                        \
  "smlad %[a10], %[e], %[t], %[a10]\n\t"                 \
  "smlad %[a11], %[e], %[u], %[a11]\n\t"                 \
  "smlad %[a10], %[x], %[wa], %[a10]\n\t"                \
  "smlad %[a11], %[x], %[wb], %[a11]\n\t"
#endif

#ifdef EDGEQ_FAST_DSP
/* Input channels up to which the int16-weight DSP path widens a pixel pair's inputs once
 * (into a stack buffer of as many words) instead of once per channel pair: per input quad
 * the words SXTB16 gives, px0 (k, k+2), px1 (k, k+2), px0 (k+1, k+3), px1 (k+1, k+3), which
 * the column loop (EDGEQ_COLUMN_TAP_PAIR) takes against the same int16 weights: 12
 * instructions per quad and channel pair instead of 16. */
#define EDGEQ_POINTWISE_WIDE_CIN 128

/* Widens the quads of x0 and x1 ending at x0 + cin into wide (layout above): 8 instructions per quad. */
EDGEQ_FAST_INLINE void pointwise_widen_pair(int32_t *wide, const int8_t *x0, const int8_t *x1,
                                           int32_t cin) {
  int32_t a, b, e0, e1;
  __asm__ __volatile__("1:\n\t"
                       "ldr %[a], [%[x0]], #4\n\t"
                       "ldr %[b], [%[x1]], #4\n\t"
                       "sxtb16 %[e0], %[a]\n\t"
                       "sxtb16 %[e1], %[b]\n\t"
                       "sxtb16 %[a], %[a], ror #8\n\t"
                       "sxtb16 %[b], %[b], ror #8\n\t"
                       "strd %[e0], %[e1], [%[d]], #8\n\t"
                       "strd %[a], %[b], [%[d]], #8\n\t"
                       "cmp %[x0], %[end]\n\t"
                       "bne 1b\n\t"
                       : [x0] "+r"(x0), [x1] "+r"(x1), [d] "+r"(wide), [a] "=&r"(a), [b] "=&r"(b),
                         [e0] "=&r"(e0), [e1] "=&r"(e1)
                       : [end] "r"(x0 + cin)
                       : "memory", "cc");
}
#endif

#ifndef EDGEQ_FAST_DSP
/* One input quad k..k+3 of both pixels against a channel pair: input k+i takes the weights
 * w[Wi] (channel o) and w[Wi + GAP] (channel o+1). */
#define POINTWISE_C_QUAD(w, w0, w1, w2, w3, gap)                            \
  do {                                                                     \
    EDGEQ_FAST_MAC_2X2(xp0[0], xp1[0], (w)[w0], (w)[(w0) + (gap)]);        \
    EDGEQ_FAST_MAC_2X2(xp0[1], xp1[1], (w)[w1], (w)[(w1) + (gap)]);        \
    EDGEQ_FAST_MAC_2X2(xp0[2], xp1[2], (w)[w2], (w)[(w2) + (gap)]);        \
    EDGEQ_FAST_MAC_2X2(xp0[3], xp1[3], (w)[w3], (w)[(w3) + (gap)]);        \
  } while (0)
#endif

#ifdef EDGEQ_FAST_V6M
/* Input k (byte offset XOFF in both pixels) against the pair's weights for k: the low or high
 * (HALF) int16 of the words at WOFF0 (channel o) and WOFF1 (channel o+1). */
#define POINTWISE_V6M_INPUT(xoff, woff0, woff1, half)                                   \
  EDGEQ_V6M_S8("x0", "p0", xoff)                                                        \
  "mov %[x1], %[p1]\n\t" EDGEQ_V6M_S8("x1", "x1", xoff)                                 \
  EDGEQ_V6M_##half("w0", "w", woff0) EDGEQ_V6M_##half("w1", "w", woff1)                \
  EDGEQ_V6M_MAC_2X2(EDGEQ_V6M_##half("w0", "w", woff0))
#endif

EDGEQ_FAST_INLINE void pointwise_conv_body(const edgeq_pointwise_params *p, const int8_t *input,
                                          const void *w, int8_t *output, const int mode,
                                          const int clamp, const int mixed, const int w8) {
  const int32_t cin = p->cin;
  const int32_t cout = p->cout;
  const int32_t lo = p->act_min, hi = p->act_max;
  const edgeq_channel_requant *const requant_end = p->requant + cout;
#ifdef EDGEQ_FAST_DSP
  int32_t wide[EDGEQ_POINTWISE_WIDE_CIN];
  const int widened = !w8 && cin <= EDGEQ_POINTWISE_WIDE_CIN;
#endif
  int32_t px;
  for (px = 0; px < p->pixels; px += 2) {
    /* An odd last pixel is paired with itself: the same values are stored twice. */
    const int32_t step = px + 1 < p->pixels ? 1 : 0;
    const int8_t *const x0 = input + (size_t)px * cin;
    const int8_t *const x1 = x0 + step * cin;
    int8_t *y0 = output + (size_t)px * cout;
    int8_t *y1 = y0 + step * cout;
    const int16_t *wq = (const int16_t *)w;
    const int8_t *wq8 = (const int8_t *)w;
    const edgeq_channel_requant *q;
#ifdef EDGEQ_FAST_DSP
    if (widened) pointwise_widen_pair(wide, x0, x1, cin);
#endif
    for (q = p->requant; q < requant_end; q += 2, y0 += 2, y1 += 2) {
      int32_t a00 = q[0].bias, a01 = q[1].bias, a10 = q[0].bias, a11 = q[1].bias;
#ifdef EDGEQ_FAST_DSP
      const int8_t *xp0 = x0, *xp1 = x1;
      if (widened) {
        const int32_t *c = wide;
        int32_t xa, xb, pp, qq;
        /* Two input quads per iteration (cin % 8 == 0). */
        __asm__("1:\n\t" EDGEQ_COLUMN_TAP_PAIR EDGEQ_COLUMN_TAP_PAIR EDGEQ_COLUMN_TAP_PAIR
                EDGEQ_COLUMN_TAP_PAIR
                "cmp %[c], %[end]\n\t"
                "bne 1b\n\t"
                : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [c] "+r"(c),
                  [w] "+r"(wq), [xa] "=&r"(xa), [xb] "=&r"(xb), [p] "=&r"(pp), [q] "=&r"(qq)
                : [end] "r"(wide + cin)
                : "memory", "cc");
      } else if (w8) {
        int32_t x, e, t, u, wa, wb;
        __asm__("1:\n\t" EDGEQ_POINTWISE_W8_QUAD EDGEQ_POINTWISE_W8_QUAD
                "cmp %[x0], %[end]\n\t"
                "bne 1b\n\t"
                : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11),
                  [x0] "+r"(xp0), [x1] "+r"(xp1), [w] "+r"(wq8), [x] "=&r"(x), [e] "=&r"(e),
                  [t] "=&r"(t), [u] "=&r"(u), [wa] "=&r"(wa), [wb] "=&r"(wb)
                : [end] "r"(x0 + cin)
                : "memory", "cc");
      } else {
        int32_t xa, xb, xl, pp, qq;
        __asm__("1:\n\t" EDGEQ_POINTWISE_QUAD EDGEQ_POINTWISE_QUAD
                "cmp %[x0], %[end]\n\t"
                "bne 1b\n\t"
                : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11),
                  [x0] "+r"(xp0), [x1] "+r"(xp1), [w] "+r"(wq), [xa] "=&r"(xa), [xb] "=&r"(xb),
                  [xl] "=&r"(xl), [p] "=&r"(pp), [q] "=&r"(qq)
                : [end] "r"(x0 + cin)
                : "memory", "cc");
      }
#else
      /* One input index at a time (two inputs, two weights, four MACs live), stepping
       * pointers: few registers, so gcc -Os and ARMv6-M keep the accumulators in registers. */
      const int8_t *xp0 = x0, *xp1 = x1;
      const int8_t *const end = x0 + cin;
      if (w8) {
        do {
          POINTWISE_C_QUAD(wq8, 0, 1, 2, 3, 4);
          xp0 += 4, xp1 += 4, wq8 += 8;
        } while (xp0 != end);
      } else {
#ifdef EDGEQ_FAST_V6M
        /* Two input quads per iteration (cin % 8 == 0): 19 instructions per input and 4 MACs.
         * Six low registers (pixel 1's pointer is a high one, copied to x1 for its loads), so
         * gcc finds them at every optimisation level. */
        int32_t v0, v1, v2, v3;
        __asm__(EDGEQ_V6M_BEGIN "1:\n\t"
                POINTWISE_V6M_INPUT("0", "0", "4", LO16) POINTWISE_V6M_INPUT("2", "0", "4", HI16)
                POINTWISE_V6M_INPUT("1", "8", "12", LO16) POINTWISE_V6M_INPUT("3", "8", "12", HI16)
                POINTWISE_V6M_INPUT("4", "16", "20", LO16) POINTWISE_V6M_INPUT("6", "16", "20", HI16)
                POINTWISE_V6M_INPUT("5", "24", "28", LO16) POINTWISE_V6M_INPUT("7", "24", "28", HI16)
                "adds %[p0], #8\n\t"
                "movs %[x1], #8\n\t"
                "add %[p1], %[x1]\n\t"
                "adds %[w], #32\n\t"
                "cmp %[p0], %[end]\n\t"
                "beq 2f\n\t"
                "b 1b\n\t" /* the loop is longer than BNE's reach */
                "2:\n\t" EDGEQ_V6M_END
                : [p0] "+l"(xp0), [p1] "+h"(xp1), [w] "+l"(wq), EDGEQ_V6M_BLOCK_OPERANDS
                : [end] "r"(end)
                : "memory", "cc");
#else
        do {
          POINTWISE_C_QUAD(wq, 0, 4, 1, 5, 2);
          xp0 += 4, xp1 += 4, wq += 8;
        } while (xp0 != end);
#endif
      }
#endif
      if (w8) {
        a00 = edgeq_fast_w8_scaled(a00, &q[0], mode, mixed), a10 = edgeq_fast_w8_scaled(a10, &q[0], mode, mixed);
        a01 = edgeq_fast_w8_scaled(a01, &q[1], mode, mixed), a11 = edgeq_fast_w8_scaled(a11, &q[1], mode, mixed);
      }
      edgeq_fast_store_block(q, a00, a01, a10, a11, y0, y1, mode, clamp, mixed, lo, hi);
    }
  }
}

/* One exported kernel per weight storage, requantisation mode, clamp kind and mixed
 * (EDGEQ_FAST_VARIANTS, edgeq.h). */
#define EDGEQ_FAST_DEFINE_ONE(variant, mode, clamp, mixed)                                      \
  void edgeq_pointwise_conv_s8_##variant(const edgeq_pointwise_params *p, const int8_t *input,  \
      const int16_t *w, int8_t *output) {                                                       \
    pointwise_conv_body(p, input, w, output, mode, clamp, mixed, 0);                            \
  }                                                                                             \
  void edgeq_pointwise_conv_w8_s8_##variant(const edgeq_pointwise_params *p,                    \
      const int8_t *input, const int8_t *w, int8_t *output) {                                   \
    pointwise_conv_body(p, input, w, output, mode, clamp, mixed, 1);                            \
  }
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_DEFINE_PLAIN)
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_DEFINE_MIXED)
