/*
 * edgeq_depthwise_3x3_dsp.c - the Cortex-M DSP inner loops of a 3x3 depthwise convolution
 * (dilation 1, stride 1 or 2) as two assembly functions, called by the plane kernel
 * (edgeq_depthwise_conv_3x3_s8.c) and the general kernel (edgeq_depthwise_conv_rows_s8.c)
 * through edgeq_depthwise_3x3_sweep (edgeq_depthwise_3x3_rows.h). Written as whole functions
 * rather than inline asm so that all nine int16 weights of the channel stay in registers
 * (r0-r12 and lr; eight weights in four registers, the ninth on the stack): a compiler cannot
 * hand 14 registers to one asm statement, and reloading the weights on every output pair cost
 * 5 of 26 instructions. One call sweeps several output rows of one channel (the outer loop
 * keeps its state on the stack), so the per-call cost is paid once per channel, not per row.
 *
 * Both take (sweep, acc, weights, bias): the rows (edgeq_depthwise_3x3_sweep), the int32
 * accumulator rows (written back to back, out_w apart), the channel's 10 int16 weights
 * (w00,w01) (w10,w11) (w20,w21) (w02,w12) (w22,0), and the bias. Per stride-1 iteration,
 * for outputs x and x+1: one LDRD of (x0,x1),(x2,x3) and one unaligned LDR of (x1,x2) per
 * row, SMLAD for the tap pairs (kx 0 and 1) and SMLAxy for kx 2: 22 instructions for 18
 * MACs. Per stride-2 output: one LDRD per row, 12 instructions for 9 MACs.
 */
#include "edgeq_depthwise_3x3_rows.h"

#ifdef EDGEQ_FAST_DSP
/* Registers: r0-r2 the three input rows, r3 accumulators, r4 end of row 0, r5 bias, r6/r7
 * accumulators of the outputs (r7: w22 at stride 2), r8/r9 input words, r10-r12 and lr weight
 * words 0-3; on the stack: w22, a free word (sp stays 8-aligned), the sweep, the output rows
 * left. The two functions share everything but the inner loop: ENTRY and FIRST_ROW before
 * it, ROW_END after it. */
#define EDGEQ_DW3X3_ENTRY(name)                                \
  "  .pushsection .text." name ",\"ax\",%progbits\n"           \
  "  .syntax unified\n"                                        \
  "  .thumb\n"                                                 \
  "  .p2align 2\n"                                             \
  "  .global " name "\n"                                       \
  "  .type " name ", %function\n"                              \
  "  .thumb_func\n" name ":\n"                                 \
  "  push {r4-r11, lr}\n"                                      \
  "  sub sp, sp, #20\n"                                        \
  "  ldr r10, [r2]\n"                                          \
  "  ldr r11, [r2, #4]\n"                                      \
  "  ldr r12, [r2, #8]\n"                                      \
  "  ldr lr, [r2, #12]\n"                                      \
  "  ldr r7, [r2, #16]\n"                                      \
  "  str r7, [sp]\n"                                           \
  "  mov r5, r3\n"                                             \
  "  mov r3, r1\n"                                             \
  "  str r0, [sp, #8]\n"                                       \
  "  ldr r4, [r0, #20]\n" /* rows */                           \
  "  str r4, [sp, #12]\n"                                      \
  "  ldr r0, [r0]\n"      /* row0 */
/* r1, r2 and the end of row 0 from the sweep's offsets and row length (r0 = row0). */
#define EDGEQ_DW3X3_FIRST_ROW                                  \
  "  ldr r8, [sp, #8]\n"                                       \
  "  ldr r9, [r8, #4]\n"                                       \
  "  add r1, r0, r9\n"                                         \
  "  ldr r9, [r8, #8]\n"                                       \
  "  add r2, r0, r9\n"                                         \
  "  ldr r9, [r8, #16]\n"                                      \
  "  add r4, r0, r9\n"                                         \
  "1:\n"
/* Accumulator pointer back by acc_back, the three rows on by row_skip, next row or return. */
#define EDGEQ_DW3X3_ROW_END(name)                              \
  "  ldr r8, [sp, #8]\n"                                       \
  "  ldr r9, [r8, #24]\n"                                      \
  "  sub r3, r3, r9\n"                                         \
  "  ldr r9, [r8, #12]\n"                                      \
  "  add r0, r0, r9\n"                                         \
  "  add r1, r1, r9\n"                                         \
  "  add r2, r2, r9\n"                                         \
  "  ldr r9, [r8, #16]\n"                                      \
  "  add r4, r0, r9\n"                                         \
  "  ldr r9, [sp, #12]\n"                                      \
  "  subs r9, r9, #1\n"                                        \
  "  str r9, [sp, #12]\n"                                      \
  "  bne 1b\n"                                                 \
  "  add sp, sp, #20\n"                                        \
  "  pop {r4-r11, pc}\n"                                       \
  "  .size " name ", . - " name "\n"                           \
  "  .popsection\n"

/* Outputs x and x+1 per iteration. */
__asm__(EDGEQ_DW3X3_ENTRY("edgeq_depthwise_3x3_s1_dsp") EDGEQ_DW3X3_FIRST_ROW
        "  ldrd r8, r9, [r0], #4\n"
        "  smlad r6, r8, r10, r5\n"
        "  ldr r8, [r0, #-2]\n"
        "  smlad r7, r8, r10, r5\n"
        "  smlabb r6, r9, lr, r6\n"
        "  smlatb r7, r9, lr, r7\n"
        "  ldrd r8, r9, [r1], #4\n"
        "  smlad r6, r8, r11, r6\n"
        "  ldr r8, [r1, #-2]\n"
        "  smlad r7, r8, r11, r7\n"
        "  smlabt r6, r9, lr, r6\n"
        "  smlatt r7, r9, lr, r7\n"
        "  ldrd r8, r9, [r2], #4\n"
        "  smlad r6, r8, r12, r6\n"
        "  ldr r8, [r2, #-2]\n"
        "  smlad r7, r8, r12, r7\n"
        "  ldr r8, [sp]\n"
        "  smlabb r6, r9, r8, r6\n"
        "  smlatb r7, r9, r8, r7\n"
        "  strd r6, r7, [r3], #8\n"
        "  cmp r0, r4\n"
        "  bne 1b\n"
        EDGEQ_DW3X3_ROW_END("edgeq_depthwise_3x3_s1_dsp"));

/* One output per iteration; w22 stays in r7. */
__asm__(EDGEQ_DW3X3_ENTRY("edgeq_depthwise_3x3_s2_dsp") EDGEQ_DW3X3_FIRST_ROW
        "  ldrd r8, r9, [r0], #4\n"
        "  smlad r6, r8, r10, r5\n"
        "  smlabb r6, r9, lr, r6\n"
        "  ldrd r8, r9, [r1], #4\n"
        "  smlad r6, r8, r11, r6\n"
        "  smlabt r6, r9, lr, r6\n"
        "  ldrd r8, r9, [r2], #4\n"
        "  smlad r6, r8, r12, r6\n"
        "  smlabb r6, r9, r7, r6\n"
        "  str r6, [r3], #4\n"
        "  cmp r0, r4\n"
        "  bne 1b\n"
        EDGEQ_DW3X3_ROW_END("edgeq_depthwise_3x3_s2_dsp"));
#endif
