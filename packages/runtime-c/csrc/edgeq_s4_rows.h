/*
 * edgeq_s4_rows.h - the inner product of the W4A8 specialised kernels
 * (edgeq_fully_connected_s4.c, edgeq_conv_im2col_s4.c): int8 inputs x[0..in) against a pair
 * of int4 weight rows in the generator's row-pair packing (packages/codegen/src/fast-int4.ts
 * int4RowPairs): per group of 8 inputs k..k+7 (the last group zero-padded) one 32-bit word
 * of row o then one of row o+1, byte j holding w[k+j] in its low nibble and w[k+4+j] in its
 * high nibble; 8 * ceil(in / 8) bytes per pair.
 *
 * The Cortex-M DSP path takes a word's low nibbles to the high half of each byte (AND with
 * 0xF0F0F0F0 of the word shifted left by 4) and its high nibbles in place (AND 0xF0F0F0F0):
 * each byte is then 16 * w as an int8, and SXTB16 / SXTB16 ROR 8 give the int16 lanes (k, k+2),
 * (k+1, k+3) - the lanes SXTB16 gives the inputs k..k+3 - so SMLAD pairs them: 3 instructions
 * unpack 4 weights. The sums are 16 * sum(w * x), shifted right by 4 exactly at the end (the
 * generator checks |16 * sum| < 2^31). The portable C99 path (every other core, and
 * EDGEQ_NO_DSP) computes the same int32 sums nibble by nibble.
 */
#ifndef EDGEQ_S4_ROWS_H
#define EDGEQ_S4_ROWS_H

#include "edgeq_fast.h"
#include "edgeq_int4.h"

#ifdef EDGEQ_FAST_DSP
/* Four weights of one row against four inputs: `unpack` puts the weights in t as bytes 16 * w;
 * xe / xo hold the inputs' lanes (k, k+2) / (k+1, k+3). 5 instructions, 4 MACs into acc. */
#define EDGEQ_FC_S4_ROW(unpack, acc)                 \
  unpack                                             \
  "sxtb16 %[u], %[t]\n\t"                            \
  "smlad %[" acc "], %[xe], %[u], %[" acc "]\n\t"    \
  "sxtb16 %[t], %[t], ror #8\n\t"                    \
  "smlad %[" acc "], %[xo], %[t], %[" acc "]\n\t"
/* One group of 8 inputs against a row pair: 28 instructions, 16 MACs. */
#define EDGEQ_FC_S4_GROUP                                                    \
  "ldr %[xo], [%[x]], #4\n\t"                                                \
  "ldrd %[wa], %[wb], [%[w]], #8\n\t"                                        \
  "sxtb16 %[xe], %[xo]\n\t"                                                  \
  "sxtb16 %[xo], %[xo], ror #8\n\t"                                          \
  EDGEQ_FC_S4_ROW("and %[t], %[mask], %[wa], lsl #4\n\t", "a0")              \
  EDGEQ_FC_S4_ROW("and %[t], %[mask], %[wb], lsl #4\n\t", "a1")              \
  "ldr %[xo], [%[x]], #4\n\t"                                                \
  "sxtb16 %[xe], %[xo]\n\t"                                                  \
  "sxtb16 %[xo], %[xo], ror #8\n\t"                                          \
  EDGEQ_FC_S4_ROW("and %[t], %[mask], %[wa]\n\t", "a0")                      \
  EDGEQ_FC_S4_ROW("and %[t], %[mask], %[wb]\n\t", "a1")
#endif

/* The sums of inputs x[0..in) against a row pair's weights w (layout above): acc[0] for row o,
 * acc[1] for row o+1. */
EDGEQ_FAST_INLINE void fc_s4_pair(const int8_t *x, int32_t in, const uint8_t *w, int32_t acc[2]) {
  const int32_t groups = in >> 3;
  int32_t a0 = 0, a1 = 0, k;
#ifdef EDGEQ_FAST_DSP
  if (groups > 0) {
    const int8_t *const end = x + 8 * groups;
    int32_t xe, xo, wa, wb, t, u;
    __asm__("1:\n\t" EDGEQ_FC_S4_GROUP
            "cmp %[x], %[end]\n\t"
            "bne 1b\n\t"
            : [a0] "+r"(a0), [a1] "+r"(a1), [x] "+r"(x), [w] "+r"(w), [xe] "=&r"(xe),
              [xo] "=&r"(xo), [wa] "=&r"(wa), [wb] "=&r"(wb), [t] "=&r"(t), [u] "=&r"(u)
            : [end] "r"(end), [mask] "r"(0xF0F0F0F0u)
            : "memory", "cc");
    a0 >>= 4; /* exact: every product was 16 * w * x */
    a1 >>= 4;
  }
#else
  for (k = 0; k < groups; k++, x += 8, w += 8) {
    int32_t i;
    for (i = 0; i < 4; i++) {
      const int32_t lo = x[i], hi = x[4 + i];
      a0 += lo * edgeq_s4_low(w[i]) + hi * edgeq_s4_high(w[i]);
      a1 += lo * edgeq_s4_low(w[4 + i]) + hi * edgeq_s4_high(w[4 + i]);
    }
  }
#endif
  /* The last, partial group: inputs past `in` are never read (their weights are 0). */
  for (k = 0; k < (in & 7); k++) {
    const int32_t j = k & 3;
    const int32_t xv = x[k];
    a0 += xv * (k < 4 ? edgeq_s4_low(w[j]) : edgeq_s4_high(w[j]));
    a1 += xv * (k < 4 ? edgeq_s4_low(w[4 + j]) : edgeq_s4_high(w[4 + j]));
  }
  acc[0] = a0, acc[1] = a1;
}

EDGEQ_FAST_INLINE int8_t fc_s4_output(int32_t acc, const edgeq_channel_requant *q, const int mode,
                                     const int clamp, int32_t lo, int32_t hi) {
  return edgeq_fast_clamp(edgeq_fast_requantize(edgeq_fast_w8_scaled(acc, q, mode, 0), q, mode),
                          clamp, lo, hi);
}

#endif /* EDGEQ_S4_ROWS_H */
