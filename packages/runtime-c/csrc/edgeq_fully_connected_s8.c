/*
 * edgeq_fully_connected_s8.c - FULLY_CONNECTED, weights [out, in], per-channel
 * requantisation. Portable reference path.
 */
#include "edgeq_internal.h"
#include "edgeq_dot_s8.h"

void edgeq_fully_connected_s8(const edgeq_fc_params *p, const int8_t *input,
                              const int8_t *weights, const int32_t *bias, int8_t *output) {
  int32_t o;
  for (o = 0; o < p->out_features; o++) {
    const int8_t *w = weights + (size_t)o * p->in_features;
    const int32_t c = p->rq.per_channel ? o : 0;
    int32_t acc = bias ? bias[o] : 0;
    acc += edgeq_dot_s8(input, w, p->in_features, p->in_zp);
    acc = edgeq_add_zp(edgeq_rq(acc, p->rq.multiplier[c], p->rq.shift[c], p->mode), p->out_zp);
    output[o] = (int8_t)edgeq_clamp(acc, p->act_min, p->act_max);
  }
}
