/*
 * edgeq_fc_quad_loop.h - the Cortex-M DSP loop shared by the blocked FULLY_CONNECTED kernels
 * (edgeq_fully_connected_w16_s8.c, edgeq_fully_connected_w8_s8.c): inline-assembly text
 * that runs `quad` (one input quad against four rows, advancing %[x] by 4) until %[x]
 * reaches %[end], two quads per iteration, an odd count entering at the second. `scratch`
 * names an operand free at entry.
 */
#ifndef EDGEQ_FC_QUAD_LOOP_H
#define EDGEQ_FC_QUAD_LOOP_H

#define EDGEQ_FC_QUAD_LOOP(quad, scratch)   \
  "sub %[" scratch "], %[end], %[x]\n\t"    \
  "tst %[" scratch "], #4\n\t"              \
  "bne 2f\n\t"                              \
  "1:\n\t" quad "2:\n\t" quad               \
  "cmp %[x], %[end]\n\t"                    \
  "bne 1b\n\t"

#endif /* EDGEQ_FC_QUAD_LOOP_H */
