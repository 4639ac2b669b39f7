/*
 * edgeq_fully_connected_s8.c - FULLY_CONNECTED, weights [out, in], per-channel
 * requantisation. Portable reference path. Two weight storages: int8
 * (edgeq_fully_connected_s8) and packed int4 (edgeq_fully_connected_s4, TFLite's nibble
 * order over the whole [out, in] tensor: edgeq_int4.h).
 */
#include "edgeq_internal.h"
#include "edgeq_dot_s8.h"
#include "edgeq_int4.h"

/* w4: weights packed int4 (uint8_t), else int8. */
static inline void fully_connected_body(const edgeq_fc_params *p, const int8_t *input,
                                        const void *weights, const int32_t *bias, int8_t *output,
                                        const int w4) {
  int32_t o;
  for (o = 0; o < p->out_features; o++) {
    const size_t first = (size_t)o * p->in_features;
    const int32_t c = p->rq.per_channel ? o : 0;
    int32_t acc = bias ? bias[o] : 0;
    acc += w4 ? edgeq_dot_s4(input, (const uint8_t *)weights, first, p->in_features, p->in_zp)
              : edgeq_dot_s8(input, (const int8_t *)weights + first, p->in_features, p->in_zp);
    acc = edgeq_add_zp(edgeq_rq(acc, p->rq.multiplier[c], p->rq.shift[c], p->mode), p->out_zp);
    output[o] = (int8_t)edgeq_clamp(acc, p->act_min, p->act_max);
  }
}

/* The exported kernels: int8 weights (_s8) and packed int4 weights (_s4). */
EDGEQ_S8_S4_KERNELS(edgeq_fully_connected, edgeq_fc_params, fully_connected_body)
