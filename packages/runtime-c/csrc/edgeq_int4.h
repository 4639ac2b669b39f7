/*
 * edgeq_int4.h - reading packed int4 weights (W4A8: int4 weights, int8 activations), shared by
 * the _s4 kernels. Storage is TFLite's (and the QGraph blob's): two values per byte, element 2k
 * in the low nibble, element 2k+1 in the high nibble, an odd count's last high nibble 0. A
 * nibble n in [0, 15] is the two's-complement value (n ^ 8) - 8 in [-8, 7].
 */
#ifndef EDGEQ_INT4_H
#define EDGEQ_INT4_H

#include <stddef.h>
#include <stdint.h>

/* The int4 value in the low / high nibble of a byte. */
static inline int32_t edgeq_s4_low(int32_t byte) { return ((byte & 15) ^ 8) - 8; }
static inline int32_t edgeq_s4_high(int32_t byte) { return (((byte >> 4) & 15) ^ 8) - 8; }

/* Element i of packed int4 data. */
static inline int32_t edgeq_s4_at(const uint8_t *packed, size_t i) {
  const int32_t byte = packed[i >> 1];
  return (i & 1) ? edgeq_s4_high(byte) : edgeq_s4_low(byte);
}

/* sum over i < n of (x[i] - x_zp) * w(first + i), w the packed int4 elements. Elements
 * are read two per byte once `first + i` is even. */
static inline int32_t edgeq_dot_s4(const int8_t *x, const uint8_t *w, size_t first, int32_t n,
                                   int32_t x_zp) {
  int32_t acc = 0;
  int32_t i = 0;
  if (n > 0 && (first & 1)) {
    acc += ((int32_t)x[0] - x_zp) * edgeq_s4_at(w, first);
    i = 1;
  }
  for (; i + 2 <= n; i += 2) {
    const int32_t byte = w[(first + (size_t)i) >> 1];
    acc += ((int32_t)x[i] - x_zp) * edgeq_s4_low(byte);
    acc += ((int32_t)x[i + 1] - x_zp) * edgeq_s4_high(byte);
  }
  if (i < n) acc += ((int32_t)x[i] - x_zp) * edgeq_s4_at(w, first + (size_t)i);
  return acc;
}

/* Defines the two exported variants of a reference kernel NAME whose signature is
 * (const PARAMS *p, const int8_t *input, weights, const int32_t *bias, int8_t *output):
 * NAME_s8 (int8 weights) and NAME_s4 (packed int4 weights), each calling
 * BODY(p, input, weights, bias, output, w4) with w4 = 0 or 1. */
#define EDGEQ_S8_S4_KERNELS(name, params, body)                                                \
  void name##_s8(const params *p, const int8_t *input, const int8_t *weights,                 \
                 const int32_t *bias, int8_t *output) {                                       \
    body(p, input, weights, bias, output, 0);                                                 \
  }                                                                                           \
  void name##_s4(const params *p, const int8_t *input, const uint8_t *weights,                \
                 const int32_t *bias, int8_t *output) {                                       \
    body(p, input, weights, bias, output, 1);                                                 \
  }

#endif /* EDGEQ_INT4_H */
