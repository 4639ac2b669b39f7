/*
 * edgeq_add_terms_s8.c - the term tables of the ADD table kernel (edgeq_add_table_s8.c),
 * computed at run time into scratch for --optimize size, where the 2 KiB of tables stay out
 * of flash. Each entry is edgeq_add_s8's rescaled term of one int8 value: 512 reference
 * requantisations per call instead of two per element.
 */
#include "edgeq_internal.h"

size_t edgeq_add_terms_s8_get_buffer_size(const edgeq_add_params *p) {
  (void)p;
  return 512 * sizeof(int32_t);
}

void edgeq_add_terms_s8(const edgeq_add_params *p, int32_t *terms) {
  const int32_t scale_up = (int32_t)1 << p->left_shift;
  /* The table kernel requantises 2 * sum in tflm mode (edgeq_fast.h). */
  const int32_t factor = p->mode == EDGEQ_RQ_TFLM ? 2 : 1;
  int32_t v;
  for (v = -128; v < 128; v++) {
    terms[v & 255] = factor * edgeq_rq((v - p->in1_zp) * scale_up, p->in1_multiplier, p->in1_shift, p->mode);
    terms[256 + (v & 255)] = factor * edgeq_rq((v - p->in2_zp) * scale_up, p->in2_multiplier, p->in2_shift, p->mode);
  }
}
