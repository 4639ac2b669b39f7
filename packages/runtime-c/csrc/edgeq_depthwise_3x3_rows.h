/*
 * edgeq_depthwise_3x3_rows.h - what the two depthwise kernels share: the widening of a
 * channel's input row into int16, and the Cortex-M DSP inner loops of a 3x3 depthwise
 * convolution (dilation 1, stride 1 or 2) over three int16 input rows of one channel, used by
 * edgeq_depthwise_conv_3x3_s8.c (rows of a whole-channel plane) and
 * edgeq_depthwise_conv_rows_s8.c (rows of a ring of converted input rows); the loops themselves
 * are assembly functions in edgeq_depthwise_3x3_dsp.c. Weights: 10 int16
 * per channel, (w00,w01) (w10,w11) (w20,w21) (w02,w12) (w22,0), doubled in tflm mode by the
 * caller. Each call writes the int32 accumulators (bias included) of one or more output
 * rows of a channel to `acc`, out_w apart. The input rows must be 4-aligned and hold
 * out_w + 3 (stride 1) or 2 * out_w + 2 (stride 2) readable values.
 */
#ifndef EDGEQ_DEPTHWISE_3X3_ROWS_H
#define EDGEQ_DEPTHWISE_3X3_ROWS_H

#include "edgeq_fast.h"

/* Sign-extends `count` int8 values, `step` bytes apart, into consecutive int16 (a channel's
 * input row into the plane or cache of both depthwise kernels), four per iteration (halfword
 * stores at fixed offsets: fewer instructions than pairing them into words). */
EDGEQ_FAST_INLINE void edgeq_depthwise_widen_row(int16_t *dst, const int8_t *src,
                                                 int32_t count, int32_t step) {
  const size_t s = (size_t)step;
  int16_t *const end = dst + count;
  for (; dst + 4 <= end; dst += 4, src += 4 * s) {
    dst[0] = src[0];
    dst[1] = src[s];
    dst[2] = src[2 * s];
    dst[3] = src[3 * s];
  }
  for (; dst < end; dst++, src += s) dst[0] = src[0];
}

#ifdef EDGEQ_FAST_DSP
/* Output rows of one channel for the assembly loops (edgeq_depthwise_3x3_dsp.c; the field
 * offsets are part of that code). Each output row reads the input rows at top, top + off1 and
 * top + off2 (bytes, 4-aligned rows); top starts at row0 and moves on by row_skip + row_bytes
 * per output row. */
typedef struct {
  const int16_t *row0;
  int32_t off1, off2; /* bytes from the top input row to the second and third */
  int32_t row_skip;   /* bytes from where a row's loop leaves the rows to the next output row's */
  int32_t row_bytes;  /* bytes the loop moves along a row: 4 per iteration (an output pair at
                       * stride 1, an output at stride 2) */
  int32_t rows;       /* output rows, at least 1 */
  int32_t acc_back;   /* bytes the accumulator pointer steps back after a row: 4 when a
                       * stride-1 row has an odd output count (its harmless extra), else 0 */
} edgeq_depthwise_3x3_sweep;

void edgeq_depthwise_3x3_s1_dsp(const edgeq_depthwise_3x3_sweep *sweep, int32_t *acc,
                                const int16_t *wc, int32_t bias);
void edgeq_depthwise_3x3_s2_dsp(const edgeq_depthwise_3x3_sweep *sweep, int32_t *acc,
                                const int16_t *wc, int32_t bias);

/* `rows` output rows of `Wo` accumulators (bias included), back to back in `acc` (which
 * holds rows * Wo + 1 entries: stride 1 with an odd Wo writes one harmless extra). Output row
 * y reads the input rows at top + y * row_step, + off1 and + off2 (int16 elements). */
EDGEQ_FAST_INLINE void edgeq_depthwise_3x3_rows_acc(const int16_t *top, int32_t off1,
                                                    int32_t off2, int32_t row_step,
                                                    int32_t rows, const int16_t *wc,
                                                    int32_t bias, int32_t *acc, int32_t Wo,
                                                    int32_t s) {
  edgeq_depthwise_3x3_sweep sweep;
  sweep.row0 = top;
  sweep.off1 = off1 * 2;
  sweep.off2 = off2 * 2;
  sweep.row_bytes = (s == 1 ? (Wo + 1) >> 1 : Wo) * 4;
  sweep.row_skip = row_step * 2 - sweep.row_bytes;
  sweep.rows = rows;
  sweep.acc_back = s == 1 ? (Wo & 1) * 4 : 0;
  if (s == 1) {
    edgeq_depthwise_3x3_s1_dsp(&sweep, acc, wc, bias);
  } else {
    edgeq_depthwise_3x3_s2_dsp(&sweep, acc, wc, bias);
  }
}
#endif

#endif /* EDGEQ_DEPTHWISE_3X3_ROWS_H */
