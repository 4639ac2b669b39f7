/*
 * edgeq_logistic_s8.c - int8 LOGISTIC (sigmoid, output scale 1/256, zero point -128) by
 * table lookup: the host evaluates TFLite Micro's fixed-point rule for every input value
 * (docs/quantization-spec.md), so the kernel does no arithmetic.
 */
#include "edgeq.h"

void edgeq_logistic_s8(const edgeq_logistic_params *p, const int8_t *input, int8_t *output,
                       int32_t size) {
  int32_t i;
  for (i = 0; i < size; i++) output[i] = p->table[(int32_t)input[i] + 128];
}
