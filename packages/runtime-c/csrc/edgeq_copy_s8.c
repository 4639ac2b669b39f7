/*
 * edgeq_copy_s8.c - RESHAPE as a byte copy (NHWC data does not move); nothing to do when
 * the planner placed input and output at the same arena offset.
 */
#include "edgeq.h"

void edgeq_copy_s8(const int8_t *input, int8_t *output, int32_t size) {
  int32_t i;
  if (input == output) return;
  for (i = 0; i < size; i++) output[i] = input[i];
}
