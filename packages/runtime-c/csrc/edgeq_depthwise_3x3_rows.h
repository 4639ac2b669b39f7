/*
 * edgeq_depthwise_3x3_rows.h - the Cortex-M DSP inner loops of a 3x3 depthwise convolution
 * (dilation 1, stride 1 or 2) over three int16 input rows of one channel, shared by
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

#ifdef EDGEQ_FAST_DSP
/* Output rows of one channel for the assembly loops (edgeq_depthwise_3x3_dsp.c; the field
 * offsets are part of that code). Each output row reads the input rows at top, top + off1 and
 * top + off2 (bytes, 4-aligned rows); top starts at row0 and moves by row_step per output row. */
typedef struct {
  const int16_t *row0;
  int32_t off1, off2; /* bytes from the top input row to the second and third */
  int32_t row_step;   /* bytes between the top input rows of consecutive output rows */
  int32_t count;      /* iterations per row: output pairs at stride 1, outputs at stride 2 */
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
  sweep.row_step = row_step * 2;
  sweep.count = s == 1 ? (Wo + 1) >> 1 : Wo;
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
