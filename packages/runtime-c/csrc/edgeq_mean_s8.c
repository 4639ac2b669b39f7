/*
 * edgeq_mean_s8.c - MEAN over H and W (global average pool): sum of (x - zp_in), then
 * requantisation with TFLite Micro's multiplier for s_in / s_out with 1/count folded in
 * (fixed; derived on the host), XNNPACK's float rule (fp32) or a rounded division (pow2).
 * H * W <= 8421504 (validated), so no int32 sum overflows.
 */
#include "edgeq_internal.h"

/*
 * fp32 mode (XNNPACK's rule, measured against LiteRT): raw int8 sum * s + bias in float32,
 * s = the float32 multiplier, bias = zp_out - (float)(n * zp_in) * s; round half to even.
 * Products go through volatiles so no compiler fuses them into FMAs.
 */
static void edgeq_mean_hw_fp32_s8(const edgeq_mean_params *p, const int8_t *input, int8_t *output) {
  const int32_t n = p->in.h * p->in.w;
  float s, bias;
  volatile float prod;
  int32_t ch, i;
  memcpy(&s, &p->multiplier, sizeof s);
  prod = (float)(n * p->in_zp) * s;
  bias = (float)p->out_zp - prod;
  for (ch = 0; ch < p->in.c; ch++) {
    int32_t raw = 0;
    float v;
    uint32_t bits;
    for (i = 0; i < n; i++) raw += input[(size_t)i * p->in.c + ch];
    prod = (float)raw * s;
    v = prod + bias;
    v = v < -32768.0f ? -32768.0f : (v > 32767.0f ? 32767.0f : v);
    v += 12582912.0f;
    memcpy(&bits, &v, sizeof bits);
    output[ch] = (int8_t)edgeq_clamp((int32_t)bits - 0x4B400000, -128, 127);
  }
}

void edgeq_mean_hw_s8(const edgeq_mean_params *p, const int8_t *input, int8_t *output) {
  const int32_t n = p->in.h * p->in.w;
  int32_t ch, i;
  if (p->mode == EDGEQ_RQ_FP32) {
    edgeq_mean_hw_fp32_s8(p, input, output);
    return;
  }
  for (ch = 0; ch < p->in.c; ch++) {
    const int8_t *x = input + ch;
    const int32_t c = p->in.c;
    int32_t acc = 0, acc2 = 0;
    int32_t v;
    /* Raw sum (two accumulators, strided pointer), then the zero point once: same int32. */
    for (i = 0; i + 2 <= n; i += 2, x += 2 * c) {
      acc += x[0];
      acc2 += x[c];
    }
    if (i < n) acc += x[0];
    acc += acc2 - n * p->in_zp;
    if (p->mode == EDGEQ_RQ_POW2) {
      const int32_t k = p->pow2_exp;
      int64_t q = k >= 0 ? edgeq_div_away((int64_t)acc * ((int64_t)1 << k), n)
                         : edgeq_div_away(acc, (int64_t)n << -k);
      /* |q| reaches 255 * 2^24 > 2^31 for k = 24: saturate before narrowing (int8 anyway). */
      v = q > 32767 ? 32767 : (q < -32768 ? -32768 : (int32_t)q);
    } else {
      v = edgeq_rq(acc, p->multiplier, p->shift, p->mode);
    }
    output[ch] = (int8_t)edgeq_clamp(edgeq_add_zp(v, p->out_zp), -128, 127);
  }
}
