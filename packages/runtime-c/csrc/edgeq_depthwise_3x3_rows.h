/*
 * edgeq_depthwise_3x3_rows.h - the Cortex-M DSP inner loops of a 3x3 depthwise convolution
 * (dilation 1, stride 1 or 2) over three int16 input rows of one channel, shared by
 * edgeq_depthwise_conv_3x3_s8.c (rows of a whole-channel plane) and
 * edgeq_depthwise_conv_rows_s8.c (rows of a ring of converted input rows). Weights: 10 int16
 * per channel, (w00,w01) (w10,w11) (w20,w21) (w02,w12) (w22,0), doubled in tflm mode by the
 * caller. Each call writes one row of int32 accumulators (bias included) to `acc`:
 * ((out_w + 1) & ~1) entries at stride 1 (an odd last one is a harmless extra), out_w at
 * stride 2. The rows must be 4-aligned and hold out_w + 3 (stride 1) or 2 * out_w + 2
 * (stride 2) readable values.
 */
#ifndef EDGEQ_DEPTHWISE_3X3_ROWS_H
#define EDGEQ_DEPTHWISE_3X3_ROWS_H

#include "edgeq_fast.h"

#ifdef EDGEQ_FAST_DSP
EDGEQ_FAST_INLINE void edgeq_depthwise_3x3_row_acc(const int16_t *r0, const int16_t *r1,
                                                   const int16_t *r2, const int16_t *wc,
                                                   int32_t bias, int32_t *acc, int32_t Wo,
                                                   int32_t s) {
  int32_t a0, a1, A, B, K;
  if (s == 1) {
    /* Output pairs (x, x+1); an odd last one computes a harmless extra entry.
     * The weights are reloaded through kp: 11 registers, so gcc can always allocate. */
    /* volatile: the results go to row_accumulators through memory, not through outputs */
    __asm__ __volatile__("1:\n\t"
            "ldrd %[A], %[B], [%[r0]], #4\n\t"
            "ldr %[K], [%[kp]]\n\t"
            "smlad %[a0], %[A], %[K], %[bias]\n\t"
            "ldr %[A], [%[r0], #-2]\n\t"
            "smlad %[a1], %[A], %[K], %[bias]\n\t"
            "ldr %[K], [%[kp], #12]\n\t"
            "smlabb %[a0], %[B], %[K], %[a0]\n\t"
            "smlatb %[a1], %[B], %[K], %[a1]\n\t"
            "ldrd %[A], %[B], [%[r1]], #4\n\t"
            "smlabt %[a0], %[B], %[K], %[a0]\n\t"
            "smlatt %[a1], %[B], %[K], %[a1]\n\t"
            "ldr %[K], [%[kp], #4]\n\t"
            "smlad %[a0], %[A], %[K], %[a0]\n\t"
            "ldr %[A], [%[r1], #-2]\n\t"
            "smlad %[a1], %[A], %[K], %[a1]\n\t"
            "ldrd %[A], %[B], [%[r2]], #4\n\t"
            "ldr %[K], [%[kp], #8]\n\t"
            "smlad %[a0], %[A], %[K], %[a0]\n\t"
            "ldr %[A], [%[r2], #-2]\n\t"
            "smlad %[a1], %[A], %[K], %[a1]\n\t"
            "ldr %[K], [%[kp], #16]\n\t"
            "smlabb %[a0], %[B], %[K], %[a0]\n\t"
            "smlatb %[a1], %[B], %[K], %[a1]\n\t"
            "strd %[a0], %[a1], [%[acc]], #8\n\t"
            "cmp %[r0], %[end]\n\t"
            "bne 1b\n\t"
            : [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [acc] "+r"(acc), [a0] "=&r"(a0),
              [a1] "=&r"(a1), [A] "=&r"(A), [B] "=&r"(B), [K] "=&r"(K)
            : [kp] "r"(wc), [end] "r"(r0 + ((Wo + 1) & ~1)), [bias] "r"(bias)
            : "memory", "cc");
  } else {
    /* volatile: the results go to row_accumulators through memory, not through outputs */
    __asm__ __volatile__("1:\n\t"
            "ldrd %[A], %[B], [%[r0]], #4\n\t"
            "ldr %[K], [%[kp]]\n\t"
            "smlad %[a0], %[A], %[K], %[bias]\n\t"
            "ldr %[K], [%[kp], #12]\n\t"
            "smlabb %[a0], %[B], %[K], %[a0]\n\t"
            "ldrd %[A], %[B], [%[r1]], #4\n\t"
            "smlabt %[a0], %[B], %[K], %[a0]\n\t"
            "ldr %[K], [%[kp], #4]\n\t"
            "smlad %[a0], %[A], %[K], %[a0]\n\t"
            "ldrd %[A], %[B], [%[r2]], #4\n\t"
            "ldr %[K], [%[kp], #8]\n\t"
            "smlad %[a0], %[A], %[K], %[a0]\n\t"
            "ldr %[K], [%[kp], #16]\n\t"
            "smlabb %[a0], %[B], %[K], %[a0]\n\t"
            "str %[a0], [%[acc]], #4\n\t"
            "cmp %[r0], %[end]\n\t"
            "bne 1b\n\t"
            : [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [acc] "+r"(acc), [a0] "=&r"(a0),
              [A] "=&r"(A), [B] "=&r"(B), [K] "=&r"(K)
            : [kp] "r"(wc), [end] "r"(r0 + 2 * Wo), [bias] "r"(bias)
            : "memory", "cc");
    (void)a1;
  }
}
#endif

#endif /* EDGEQ_DEPTHWISE_3X3_ROWS_H */
