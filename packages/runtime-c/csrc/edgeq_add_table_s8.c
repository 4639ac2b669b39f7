/*
 * edgeq_add_table_s8.c - ADD of two int8 tensors through two 256-entry tables of rescaled
 * input terms (--optimize speed; planned by packages/codegen/src/fast-elementwise.ts). Each
 * input's term (x - zp) * 2^left_shift requantised to the common scale depends on one int8
 * value only, so the generator computes it with the reference arithmetic for all 256 values;
 * per element the kernel adds two table entries and requantises the sum once with the
 * precomputed constants of edgeq_fast.h (bit-exact with edgeq_add_s8). Output may alias an
 * input (element-wise). Parameters in edgeq.h. No scratch buffer.
 */
#include "edgeq_fast.h"

size_t edgeq_add_table_s8_get_buffer_size(const edgeq_add_table_params *p) {
  (void)p;
  return 0;
}

/* The requantised sum of element i, before the activation clamp. Table pointers and
 * constants are locals so that stores to an output aliasing an input do not reload them. */
EDGEQ_FAST_INLINE int32_t add_table_value(const int32_t *t1, const int32_t *t2, const int8_t x,
                                         const int8_t y, const edgeq_channel_requant *q,
                                         const int mode) {
  return edgeq_fast_requantize(t1[(uint8_t)x] + t2[(uint8_t)y], q, mode);
}

#ifdef EDGEQ_FAST_DSP
/* Four results in one word: each saturated to int8 (SSAT), packed, clamped to the
 * activation range bytewise (SSUB8 sets GE where the first operand is not smaller; SEL
 * picks), stored with one STR. */
EDGEQ_FAST_INLINE void add_table_store4(int8_t *out, int32_t v0, int32_t v1, int32_t v2, int32_t v3,
                                       const int clamp_lo, const int clamp_hi, uint32_t lo4,
                                       uint32_t hi4) {
  uint32_t word = (uint32_t)__ssat(v0, 8);
  __asm__("bfi %[w], %[b1], #8, #8\n\t"
          "bfi %[w], %[b2], #16, #8\n\t"
          "bfi %[w], %[b3], #24, #8"
          : [w] "+r"(word)
          : [b1] "r"(__ssat(v1, 8)), [b2] "r"(__ssat(v2, 8)), [b3] "r"(__ssat(v3, 8)));
  uint32_t t;
  if (clamp_lo) {
    __asm__("ssub8 %[t], %[w], %[lo]\n\t"
            "sel %[w], %[w], %[lo]"
            : [w] "+r"(word), [t] "=&r"(t)
            : [lo] "r"(lo4)
            : "cc");
  }
  if (clamp_hi) {
    __asm__("ssub8 %[t], %[hi], %[w]\n\t"
            "sel %[w], %[w], %[hi]"
            : [w] "+r"(word), [t] "=&r"(t)
            : [hi] "r"(hi4)
            : "cc");
  }
  memcpy(out, &word, 4); /* one unaligned STR on v7E-M / v8-M */
}

/* Elements [0, n - n % 4) in blocks of four, each side of the activation clamp applied
 * only where it is narrower than int8 (the SSAT covers the rest). */
EDGEQ_FAST_INLINE void add_table_blocks(const int32_t *t1, const int32_t *t2, const int8_t *in1,
                                       const int8_t *in2, int8_t *output, int32_t n,
                                       const edgeq_channel_requant *q, const int mode,
                                       const int clamp_lo, const int clamp_hi, int32_t lo,
                                       int32_t hi) {
  const uint32_t lo4 = (uint8_t)lo * 0x01010101u, hi4 = (uint8_t)hi * 0x01010101u;
  const int8_t *const end = in1 + (n & ~3);
  for (; in1 < end; in1 += 4, in2 += 4, output += 4) {
    const int32_t v0 = add_table_value(t1, t2, in1[0], in2[0], q, mode);
    const int32_t v1 = add_table_value(t1, t2, in1[1], in2[1], q, mode);
    const int32_t v2 = add_table_value(t1, t2, in1[2], in2[2], q, mode);
    const int32_t v3 = add_table_value(t1, t2, in1[3], in2[3], q, mode);
    add_table_store4(output, v0, v1, v2, v3, clamp_lo, clamp_hi, lo4, hi4);
  }
}
#endif

EDGEQ_FAST_INLINE void add_table_body(const edgeq_add_table_params *p, const int8_t *in1,
                                     const int8_t *in2, int8_t *output, const int mode,
                                     const int clamp) {
  const edgeq_channel_requant q = p->requant;
  const int32_t *const t1 = p->term1, *const t2 = p->term2;
  const int32_t n = p->size, lo = p->act_min, hi = p->act_max;
  int32_t i = 0;
#ifdef EDGEQ_FAST_DSP
  if (!clamp) {
    add_table_blocks(t1, t2, in1, in2, output, n, &q, mode, 0, 0, lo, hi);
  } else if (hi == 127) { /* ReLU-like: lower bound only */
    add_table_blocks(t1, t2, in1, in2, output, n, &q, mode, 1, 0, lo, hi);
  } else {
    add_table_blocks(t1, t2, in1, in2, output, n, &q, mode, 1, 1, lo, hi);
  }
  i = n & ~3;
#endif
  for (; i < n; i++) {
    output[i] = edgeq_fast_clamp(add_table_value(t1, t2, in1[i], in2[i], &q, mode), clamp, lo, hi);
  }
}

/* One exported kernel per requantisation mode and clamp kind (EDGEQ_FAST_VARIANTS, edgeq.h). */
#define EDGEQ_ADD_TABLE_DEFINE(variant, mode, clamp)                                        \
  void edgeq_add_table_s8_##variant(const edgeq_add_table_params *p, const int8_t *in1,     \
                                   const int8_t *in2, int8_t *output) {                    \
    add_table_body(p, in1, in2, output, mode, clamp);                                       \
  }
EDGEQ_FAST_VARIANTS(EDGEQ_ADD_TABLE_DEFINE)
