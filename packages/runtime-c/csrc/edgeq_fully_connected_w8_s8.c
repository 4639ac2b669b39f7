/*
 * edgeq_fully_connected_w8_s8.c - FULLY_CONNECTED with the model's int8 weights, row-major
 * [out, in], unchanged in flash (--optimize size; packages/codegen/src/fast-fully-connected.ts);
 * four output rows per block. The Cortex-M DSP path sign-extends weights and inputs on the
 * fly (SXTB16: lanes 0 and 2, then 1 and 3, of both, so the SMLAD pairs match without any
 * re-layout); the ARMv6-M path (Cortex-M0, not at -Os: edgeq_fast.h) is an assembly loop of
 * LDRSB/MULS/ADD; the portable C99 path computes the same int32 accumulators. Parameters in
 * edgeq.h, requantisation constants in edgeq_fast.h. No scratch buffer.
 */
#include "edgeq_fast.h"
#include "edgeq_fc_quad_loop.h"

size_t edgeq_fully_connected_w8_s8_get_buffer_size(const edgeq_fc_fast_params *p) {
  (void)p;
  return 0;
}

#ifdef EDGEQ_FAST_DSP
/* One weight word of one row against the extended input lanes: two SMLADs. `load` reads
 * the word into t (rows 1 and 3 at [w, stride] first, then rows 0 and 2 with the
 * post-increment). */
#define EDGEQ_FC_W8_ROW(load, acc)                       \
  load                                                   \
  "sxtb16 %[tl], %[t]\n\t"                               \
  "sxtb16 %[t], %[t], ror #8\n\t"                        \
  "smlad %[" acc "], %[xl], %[tl], %[" acc "]\n\t"       \
  "smlad %[" acc "], %[xh], %[t], %[" acc "]\n\t"
/* One input quad against four rows: 23 instructions, 16 MACs. */
#define EDGEQ_FC_W8_QUAD                                      \
  "ldr %[xh], [%[x]], #4\n\t"                                 \
  "sxtb16 %[xl], %[xh]\n\t"                                   \
  "sxtb16 %[xh], %[xh], ror #8\n\t"                           \
  EDGEQ_FC_W8_ROW("ldr %[t], [%[w0], %[stride]]\n\t", "a1")   \
  EDGEQ_FC_W8_ROW("ldr %[t], [%[w0]], #4\n\t", "a0")          \
  EDGEQ_FC_W8_ROW("ldr %[t], [%[w2], %[stride]]\n\t", "a3")   \
  EDGEQ_FC_W8_ROW("ldr %[t], [%[w2]], #4\n\t", "a2")
#endif

#ifdef EDGEQ_FAST_V6M
/* ARMv6-M: input k (a negative index from the ends of the input and of the four rows, so
 * LDRSB's register offset reaches all five and the ADDS that steps it sets the loop's flag)
 * against the four rows: 14 instructions, 4 MACs. MULS overwrites the weight, keeps xv. */
#define FC_W8_V6M_ROW(row, acc)                  \
  "ldrsb %[t], [%[" row "], %[k]]\n\t"          \
  "muls %[t], %[xv]\n\t"                        \
  "add %[" acc "], %[t]\n\t"
#define FC_W8_V6M_INPUT                         \
  "ldrsb %[xv], [%[xe], %[k]]\n\t"              \
  FC_W8_V6M_ROW("e0", "a0") FC_W8_V6M_ROW("e1", "a1") \
  FC_W8_V6M_ROW("e2", "a2") FC_W8_V6M_ROW("e3", "a3") \
  "adds %[k], #1\n\t"
#endif

/* Accumulates the first 4 * quads inputs against rows w0..w3 (stride `in`). Unaligned
 * word loads (rows of any length) are single LDRs on v7E-M / v8-M.main. */
EDGEQ_FAST_INLINE void fc_w8_four_rows(const int8_t *x, int32_t quads, const int8_t *w0, int32_t in,
                                      int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
#ifdef EDGEQ_FAST_DSP
  const int8_t *w2 = w0 + 2 * (size_t)in;
  int32_t xl, xh, t, tl;
  if (quads > 0) {
    const int8_t *const end = x + 4 * quads;
    __asm__(EDGEQ_FC_QUAD_LOOP(EDGEQ_FC_W8_QUAD, "t")
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x),
              [w0] "+r"(w0), [w2] "+r"(w2), [xl] "=&r"(xl), [xh] "=&r"(xh), [t] "=&r"(t),
              [tl] "=&r"(tl)
            : [stride] "r"(in), [end] "r"(end)
            : "memory", "cc");
  }
#elif defined(EDGEQ_FAST_V6M)
  if (quads > 0) {
    /* All eight low registers: five ends, the index and two values; the accumulators
     * ("+h") go to r8-r11. Four inputs per iteration; the fourth ADDS reaches 0 at the end. */
    const int32_t n = 4 * quads;
    const int8_t *const xe = x + n, *const e0 = w0 + n, *const e1 = e0 + in, *const e2 = e1 + in,
                 *const e3 = e2 + in;
    int32_t k = -n, xv, t;
    __asm__(EDGEQ_V6M_BEGIN "1:\n\t"
            FC_W8_V6M_INPUT FC_W8_V6M_INPUT FC_W8_V6M_INPUT FC_W8_V6M_INPUT
            "bne 1b\n\t" EDGEQ_V6M_END
            : [a0] "+h"(a0), [a1] "+h"(a1), [a2] "+h"(a2), [a3] "+h"(a3), [k] "+l"(k),
              [xv] "=&l"(xv), [t] "=&l"(t)
            : [xe] "l"(xe), [e0] "l"(e0), [e1] "l"(e1), [e2] "l"(e2), [e3] "l"(e3)
            : "memory", "cc");
  }
#else
  const int8_t *w1 = w0 + in, *w2 = w1 + in, *w3 = w2 + in;
  const int8_t *const end = x + 4 * quads;
  /* One input at a time against the four rows, stepping pointers: each product goes straight
   * into its accumulator (one MLA on ARMv7-M) and only one input is live. */
  while (x != end) {
    const int32_t xv = *x++;
    a0 += xv * *w0++, a1 += xv * *w1++, a2 += xv * *w2++, a3 += xv * *w3++;
  }
#endif
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}

/* In tflm mode the requantisation takes 2 * acc (edgeq_fast.h); int8 weights cannot be
 * stored doubled, so the accumulator is doubled once per output instead. */
EDGEQ_FAST_INLINE int8_t fc_w8_output(int32_t acc, const edgeq_channel_requant *q, const int mode,
                                     const int clamp, int32_t lo, int32_t hi) {
  if (mode == EDGEQ_RQ_TFLM) acc *= 2;
  return edgeq_fast_clamp(edgeq_fast_requantize(acc, q, mode), clamp, lo, hi);
}

EDGEQ_FAST_INLINE void fully_connected_w8_body(const edgeq_fc_fast_params *p, const int8_t *input,
                                              const int8_t *w, int8_t *output, const int mode,
                                              const int clamp) {
  const int32_t in = p->in_features, out = p->out_features;
  const int32_t quads = in >> 2;
  const int32_t lo = p->act_min, hi = p->act_max;
  int32_t b;
  for (b = 0; b < p->batches; b++, input += in, output += out) {
    const edgeq_channel_requant *q = p->requant;
    const int32_t *bias = p->bias;
    const int32_t qs = p->requant_stride;
    int32_t o = 0, r, k;
    for (; o + 4 <= out; o += 4, q += 4 * qs, bias += 4) {
      const int8_t *const rows = w + (size_t)o * in;
      int32_t acc[4];
      for (r = 0; r < 4; r++) acc[r] = bias[r];
      fc_w8_four_rows(input, quads, rows, in, acc);
      for (r = 0; r < 4; r++) {
        const int8_t *const row = rows + (size_t)r * in;
        for (k = 4 * quads; k < in; k++) acc[r] += input[k] * row[k];
        output[o + r] = fc_w8_output(acc[r], &q[r * qs], mode, clamp, lo, hi);
      }
    }
    for (; o < out; o++, q += qs, bias++) {
      const int8_t *const row = w + (size_t)o * in;
      int32_t acc = *bias;
      for (k = 0; k < in; k++) acc += input[k] * row[k];
      output[o] = fc_w8_output(acc, q, mode, clamp, lo, hi);
    }
  }
}

/* One exported kernel per requantisation mode and clamp kind (EDGEQ_FAST_VARIANTS, edgeq.h). */
#define EDGEQ_FC_W8_DEFINE(variant, mode, clamp)                                               \
  void edgeq_fully_connected_w8_s8_##variant(const edgeq_fc_fast_params *p, const int8_t *input, \
                                            const int8_t *w, int8_t *output) {                \
    fully_connected_w8_body(p, input, w, output, mode, clamp);                                \
  }
EDGEQ_FAST_VARIANTS(EDGEQ_FC_W8_DEFINE)
