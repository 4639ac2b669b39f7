/*
 * edgeq_s4_unpack.c - int4 weights in TFLite's packing (element 2k in the low nibble) unpacked
 * to int8 in RAM: generated code calls it before a kernel that reads int8 weights (W4A8
 * DEPTHWISE_CONV_2D on edgeq_depthwise_conv_rows_s8_*, packages/codegen/src/fast-int4.ts), so
 * flash holds the packed weights and the op's scratch their int8 copy for the kernel's run.
 */
#include "edgeq_int4.h"
#include "edgeq.h"

const int8_t *edgeq_s4_unpack(const uint8_t *packed, int32_t count, int8_t *out) {
  int32_t i;
  for (i = 0; i + 1 < count; i += 2) {
    const int32_t byte = packed[i >> 1];
    out[i] = (int8_t)edgeq_s4_low(byte);
    out[i + 1] = (int8_t)edgeq_s4_high(byte);
  }
  if (i < count) out[i] = (int8_t)edgeq_s4_low(packed[i >> 1]);
  return out;
}
