/*
 * edgeq_fully_connected_w16_s8.c - FULLY_CONNECTED with int16 weights re-laid out by the
 * code generator (--optimize speed; packages/codegen/src/fast-fully-connected.ts), four
 * output rows per block so each input word is loaded and sign-extended once for four rows.
 * Parameters in edgeq.h, requantisation constants in edgeq_fast.h. The portable C99 path
 * and the Cortex-M DSP path (SMLAD on SXTB16-extended inputs) compute the same int32
 * accumulators. Biases (input zero point folded in) and requantisation rows are separate
 * arrays (edgeq_fc_fast_params). No scratch buffer.
 */
#include "edgeq_fast.h"
#include "edgeq_fc_quad_loop.h"

size_t edgeq_fully_connected_w16_s8_get_buffer_size(const edgeq_fc_fast_params *p) {
  (void)p;
  return 0;
}

/* Weight layout, per block of R rows (R = 4 while four rows remain, then R = 1): for each
 * input quad q < in/4 and each row r of the block, w[r][4q], w[r][4q+2], w[r][4q+1],
 * w[r][4q+3] (the lane order SXTB16 gives the inputs); then for each row r, its in % 4 tail
 * weights in input order. In tflm mode weights and biases are stored doubled. */
#ifdef EDGEQ_FAST_DSP
/* One input quad against one row: two SMLADs on the row's two int16 pairs. */
#define EDGEQ_FC_W16_ROW(acc)                 \
  "ldrd %[p], %[q], [%[w]], #8\n\t"           \
  "smlad %[" acc "], %[xl], %[p], %[" acc "]\n\t" \
  "smlad %[" acc "], %[xh], %[q], %[" acc "]\n\t"
#define EDGEQ_FC_W16_QUAD                     \
  "ldr %[xh], [%[x]], #4\n\t"                 \
  "sxtb16 %[xl], %[xh]\n\t"                   \
  "sxtb16 %[xh], %[xh], ror #8\n\t"           \
  EDGEQ_FC_W16_ROW("a0") EDGEQ_FC_W16_ROW("a1") EDGEQ_FC_W16_ROW("a2") EDGEQ_FC_W16_ROW("a3")
#endif

#ifdef EDGEQ_FAST_V6M
/* ARMv6-M: one row's word at OFF (its weights of the inputs in xe and xo, low and high
 * int16) into accumulator ACC: 7 instructions, 2 MACs. */
#define FC_V6M_ROW(acc, off)                  \
  "ldr %[t], [%[w], #" off "]\n\t"            \
  "sxth %[u], %[t]\n\t"                       \
  "muls %[u], %[xe]\n\t"                      \
  "add %[" acc "], %[u]\n\t"                  \
  "asrs %[t], %[t], #16\n\t"                  \
  "muls %[t], %[xo]\n\t"                      \
  "add %[" acc "], %[t]\n\t"
#endif

#if !defined(EDGEQ_FAST_DSP) && !defined(EDGEQ_FAST_V6M)
/* Input value XV against its weights in the four rows (W0..W3). */
#define FC_W16_INPUT(xv, w0, w1, w2, w3)                       \
  do {                                                         \
    const int32_t x_ = (xv);                                   \
    a0 += x_ * (w0), a1 += x_ * (w1), a2 += x_ * (w2), a3 += x_ * (w3); \
  } while (0)
#endif

/* Four rows: accumulates the quads of x against the block's weights; returns past them. */
EDGEQ_FAST_INLINE const int16_t *fc_w16_four_rows(const int8_t *x, int32_t quads, const int16_t *w,
                                                 int32_t acc[4]) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
#ifdef EDGEQ_FAST_DSP
  int32_t xl, xh, pp, qq;
  if (quads > 0) {
    const int8_t *const end = x + 4 * quads;
    __asm__(EDGEQ_FC_QUAD_LOOP(EDGEQ_FC_W16_QUAD, "p")
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x),
              [w] "+r"(w), [xl] "=&r"(xl), [xh] "=&r"(xh), [p] "=&r"(pp), [q] "=&r"(qq)
            : [end] "r"(end)
            : "memory", "cc");
  }
#elif defined(EDGEQ_FAST_V6M)
  int32_t xe, xo, t, u;
  if (quads > 0) {
    const int8_t *const end = x + 4 * quads;
    __asm__(EDGEQ_V6M_BEGIN "1:\n\t"
            EDGEQ_V6M_S8("xe", "x", "0") EDGEQ_V6M_S8("xo", "x", "2")
            FC_V6M_ROW("a0", "0") FC_V6M_ROW("a1", "8") FC_V6M_ROW("a2", "16") FC_V6M_ROW("a3", "24")
            EDGEQ_V6M_S8("xe", "x", "1") EDGEQ_V6M_S8("xo", "x", "3")
            FC_V6M_ROW("a0", "4") FC_V6M_ROW("a1", "12") FC_V6M_ROW("a2", "20") FC_V6M_ROW("a3", "28")
            "adds %[x], #4\n\t"
            "adds %[w], #32\n\t"
            "cmp %[x], %[end]\n\t"
            "bne 1b\n\t" EDGEQ_V6M_END
            : [a0] "+h"(a0), [a1] "+h"(a1), [a2] "+h"(a2), [a3] "+h"(a3), [x] "+l"(x), [w] "+l"(w),
              [xe] "=&l"(xe), [xo] "=&l"(xo), [t] "=&l"(t), [u] "=&l"(u)
            : [end] "r"(end)
            : "memory", "cc");
  }
#else
  int32_t k;
  /* One input at a time against the four rows: each product goes straight into its
   * accumulator (one MLA), and only one input is live. */
  for (k = 0; k < quads; k++, x += 4, w += 16) {
    FC_W16_INPUT(x[0], w[0], w[4], w[8], w[12]);
    FC_W16_INPUT(x[2], w[1], w[5], w[9], w[13]);
    FC_W16_INPUT(x[1], w[2], w[6], w[10], w[14]);
    FC_W16_INPUT(x[3], w[3], w[7], w[11], w[15]);
  }
#endif
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
  return w;
}

EDGEQ_FAST_INLINE void fully_connected_w16_body(const edgeq_fc_fast_params *p, const int8_t *input,
                                               const int16_t *w, int8_t *output, const int mode,
                                               const int clamp) {
  const int32_t in = p->in_features, out = p->out_features;
  const int32_t quads = in >> 2, tail = in & 3;
  const int32_t lo = p->act_min, hi = p->act_max;
  int32_t b;
  for (b = 0; b < p->batches; b++, input += in, output += out) {
    const int16_t *wb = w;
    const edgeq_channel_requant *q = p->requant;
    const int32_t *bias = p->bias;
    const int32_t qs = p->requant_stride;
    int32_t o = 0, r, t;
    for (; o + 4 <= out; o += 4, q += 4 * qs, bias += 4) {
      int32_t acc[4];
      for (r = 0; r < 4; r++) acc[r] = bias[r];
      wb = fc_w16_four_rows(input, quads, wb, acc);
      for (r = 0; r < 4; r++) {
        for (t = 0; t < tail; t++) acc[r] += input[4 * quads + t] * wb[t];
        wb += tail;
        output[o + r] = edgeq_fast_clamp(edgeq_fast_requantize(acc[r], &q[r * qs], mode), clamp, lo, hi);
      }
    }
    for (; o < out; o++, q += qs, bias++) {
      int32_t acc = *bias;
      int32_t k;
      for (k = 0; k < 4 * quads; k += 4, wb += 4) {
        acc += input[k] * wb[0] + input[k + 2] * wb[1] + input[k + 1] * wb[2] + input[k + 3] * wb[3];
      }
      for (t = 0; t < tail; t++) acc += input[4 * quads + t] * wb[t];
      wb += tail;
      output[o] = edgeq_fast_clamp(edgeq_fast_requantize(acc, q, mode), clamp, lo, hi);
    }
  }
}

/* One exported kernel per requantisation mode and clamp kind (EDGEQ_FAST_VARIANTS, edgeq.h). */
#define EDGEQ_FC_W16_DEFINE(variant, mode, clamp)                                              \
  void edgeq_fully_connected_w16_s8_##variant(const edgeq_fc_fast_params *p, const int8_t *input, \
                                             const int16_t *w, int8_t *output) {              \
    fully_connected_w16_body(p, input, w, output, mode, clamp);                               \
  }
EDGEQ_FAST_VARIANTS(EDGEQ_FC_W16_DEFINE)
