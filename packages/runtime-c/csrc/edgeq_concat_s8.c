/*
 * edgeq_concat_s8.c - CONCATENATION on the channel axis; each input is requantised from
 * its own scale and zero point to the output's.
 */
#include "edgeq_internal.h"

void edgeq_concat_channels_s8(const edgeq_concat_params *p, const edgeq_concat_input *inputs,
                              int8_t *output) {
  int32_t k, px, ch, offset = 0;
  for (k = 0; k < p->num_inputs; k++) {
    const edgeq_concat_input *in = &inputs[k];
    for (px = 0; px < p->pixels; px++) {
      const int8_t *src = in->data + (size_t)px * in->channels;
      int8_t *dst = output + (size_t)px * p->out_channels + offset;
      for (ch = 0; ch < in->channels; ch++) {
        const int32_t v = edgeq_rq((int32_t)src[ch] - in->zp, in->multiplier, in->shift, p->mode);
        dst[ch] = (int8_t)edgeq_clamp(edgeq_add_zp(v, p->out_zp), p->act_min, p->act_max);
      }
    }
    offset += in->channels;
  }
}
