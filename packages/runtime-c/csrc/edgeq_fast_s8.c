/*
 * edgeq_fast_s8.c - specialised CONV_2D (1x1 and general) and 3x3 DEPTHWISE_CONV_2D
 * kernels called by generated code when its build-time checks pass (otherwise it calls
 * the reference kernels). Parameters, weight layouts and requantisation constants are
 * described in edgeq.h and edgeq_fast.h. Each kernel has a portable C99 path and a
 * Cortex-M DSP path (SMLAD on SXTB16-extended pairs); both compute the same int32
 * accumulators in the same order-independent way, so their outputs are identical.
 */
#include "edgeq_fast.h"

size_t edgeq_convcol_s8_get_buffer_size(const edgeq_convcol_params *p) {
  return (size_t)p->taps * sizeof(int16_t);
}

size_t edgeq_dw3x3_s8_get_buffer_size(const edgeq_dw3x3_params *p) {
  return (size_t)p->plane_h * (size_t)p->plane_w * sizeof(int16_t);
}

/* ---- 1x1 convolution: 2 pixels x 2 output channels per block ---- */
EDGEQ_FAST_INLINE void pw_body(const edgeq_pw_params *p, const int8_t *input, const int8_t *w,
                               int8_t *output, const int mode, const int clamp) {
  const int32_t cin = p->cin;
  const int32_t cout = p->cout;
  const int32_t lo = p->act_min, hi = p->act_max;
  int32_t px;
  for (px = 0; px < p->pixels; px += 2) {
    /* An odd last pixel (or channel) is paired with itself: same value stored twice. */
    const int32_t step = px + 1 < p->pixels ? 1 : 0;
    const int8_t *x0 = input + (size_t)px * cin;
    const int8_t *x1 = x0 + step * cin;
    int8_t *y0 = output + (size_t)px * cout;
    int8_t *y1 = y0 + step * cout;
    int32_t o;
    for (o = 0; o < cout; o += 2) {
      const int32_t o1 = o + 1 < cout ? o + 1 : o;
      const edgeq_chq *q0 = p->ch + o;
      const edgeq_chq *q1 = p->ch + o1;
      const int8_t *w0 = w + (size_t)o * cin;
      const int8_t *w1 = w + (size_t)o1 * cin;
      int32_t a00 = q0->bias, a01 = q1->bias, a10 = q0->bias, a11 = q1->bias;
      int32_t k = 0;
#ifdef EDGEQ_FAST_DSP
      for (; k + 4 <= cin; k += 4) {
        const int32_t xv0 = edgeq_ld32(x0 + k), xv1 = edgeq_ld32(x1 + k);
        const int32_t wv0 = edgeq_ld32(w0 + k), wv1 = edgeq_ld32(w1 + k);
        const int16x2_t xa0 = __sxtb16(xv0), xb0 = __sxtb16(EDGEQ_FAST_ROR8(xv0));
        const int16x2_t xa1 = __sxtb16(xv1), xb1 = __sxtb16(EDGEQ_FAST_ROR8(xv1));
        const int16x2_t wa0 = __sxtb16(wv0), wb0 = __sxtb16(EDGEQ_FAST_ROR8(wv0));
        const int16x2_t wa1 = __sxtb16(wv1), wb1 = __sxtb16(EDGEQ_FAST_ROR8(wv1));
        a00 = __smlad(xa0, wa0, a00);
        a00 = __smlad(xb0, wb0, a00);
        a01 = __smlad(xa0, wa1, a01);
        a01 = __smlad(xb0, wb1, a01);
        a10 = __smlad(xa1, wa0, a10);
        a10 = __smlad(xb1, wb0, a10);
        a11 = __smlad(xa1, wa1, a11);
        a11 = __smlad(xb1, wb1, a11);
      }
#else
      for (; k + 2 <= cin; k += 2) {
        const int32_t xa0 = x0[k], xa1 = x1[k], wa0 = w0[k], wa1 = w1[k];
        const int32_t xb0 = x0[k + 1], xb1 = x1[k + 1], wb0 = w0[k + 1], wb1 = w1[k + 1];
        a00 += xa0 * wa0 + xb0 * wb0;
        a01 += xa0 * wa1 + xb0 * wb1;
        a10 += xa1 * wa0 + xb1 * wb0;
        a11 += xa1 * wa1 + xb1 * wb1;
      }
#endif
      for (; k < cin; k++) {
        a00 += x0[k] * w0[k];
        a01 += x0[k] * w1[k];
        a10 += x1[k] * w0[k];
        a11 += x1[k] * w1[k];
      }
      y0[o] = edgeq_fast_clamp(edgeq_fast_rq(a00, q0, mode), clamp, lo, hi);
      y0[o1] = edgeq_fast_clamp(edgeq_fast_rq(a01, q1, mode), clamp, lo, hi);
      y1[o] = edgeq_fast_clamp(edgeq_fast_rq(a10, q0, mode), clamp, lo, hi);
      y1[o1] = edgeq_fast_clamp(edgeq_fast_rq(a11, q1, mode), clamp, lo, hi);
    }
  }
}

/* ---- general convolution: int16 column of one pixel, 4 output channels per block ---- */
EDGEQ_FAST_INLINE void convcol_body(const edgeq_convcol_params *p, const int8_t *input,
                                    const int16_t *w, int8_t *output, int16_t *col,
                                    const int mode, const int clamp) {
  const int32_t cin = p->in.c, cout = p->out.c, taps = p->taps;
  const int32_t lo = p->act_min, hi = p->act_max, zp = p->in_zp;
  int32_t oy, ox;
  for (ox = p->kernel_h * p->kernel_w * cin; ox < taps; ox++) col[ox] = 0;
  for (oy = 0; oy < p->out.h; oy++) {
    for (ox = 0; ox < p->out.w; ox++) {
      int8_t *y = output + ((size_t)oy * p->out.w + ox) * cout;
      int16_t *c = col;
      int32_t ky, kx, i, o;
      for (ky = 0; ky < p->kernel_h; ky++) {
        const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
        for (kx = 0; kx < p->kernel_w; kx++) {
          const int32_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
          if (iy < 0 || iy >= p->in.h || ix < 0 || ix >= p->in.w) {
            for (i = 0; i < cin; i++) *c++ = 0;
          } else {
            const int8_t *x = input + ((size_t)iy * p->in.w + ix) * cin;
            for (i = 0; i < cin; i++) *c++ = (int16_t)(x[i] - zp);
          }
        }
      }
      for (o = 0; o < cout; o += 4) {
        const int32_t o1 = o + 1 < cout ? o + 1 : o;
        const int32_t o2 = o + 2 < cout ? o + 2 : o1;
        const int32_t o3 = o + 3 < cout ? o + 3 : o2;
        const int16_t *w0 = w + (size_t)o * taps, *w1 = w + (size_t)o1 * taps;
        const int16_t *w2 = w + (size_t)o2 * taps, *w3 = w + (size_t)o3 * taps;
        int32_t a0 = p->ch[o].bias, a1 = p->ch[o1].bias, a2 = p->ch[o2].bias, a3 = p->ch[o3].bias;
        int32_t k;
        for (k = 0; k < taps; k += 2) {
#ifdef EDGEQ_FAST_DSP
          const int16x2_t xv = edgeq_ld32(col + k);
          a0 = __smlad(xv, edgeq_ld32(w0 + k), a0);
          a1 = __smlad(xv, edgeq_ld32(w1 + k), a1);
          a2 = __smlad(xv, edgeq_ld32(w2 + k), a2);
          a3 = __smlad(xv, edgeq_ld32(w3 + k), a3);
#else
          const int32_t xa = col[k], xb = col[k + 1];
          a0 += xa * w0[k] + xb * w0[k + 1];
          a1 += xa * w1[k] + xb * w1[k + 1];
          a2 += xa * w2[k] + xb * w2[k + 1];
          a3 += xa * w3[k] + xb * w3[k + 1];
#endif
        }
        y[o] = edgeq_fast_clamp(edgeq_fast_rq(a0, p->ch + o, mode), clamp, lo, hi);
        y[o1] = edgeq_fast_clamp(edgeq_fast_rq(a1, p->ch + o1, mode), clamp, lo, hi);
        y[o2] = edgeq_fast_clamp(edgeq_fast_rq(a2, p->ch + o2, mode), clamp, lo, hi);
        y[o3] = edgeq_fast_clamp(edgeq_fast_rq(a3, p->ch + o3, mode), clamp, lo, hi);
      }
    }
  }
}

/* ---- 3x3 depthwise: one channel plane at a time ---- */
EDGEQ_FAST_INLINE void dw3x3_body(const edgeq_dw3x3_params *p, const int8_t *input,
                                  const int16_t *w, int8_t *output, int16_t *plane,
                                  const int mode, const int clamp) {
  const int32_t C = p->in.c, W = p->in.w, H = p->in.h;
  const int32_t Wo = p->out.w, Ho = p->out.h, s = p->stride, pw = p->plane_w;
  const int32_t lo = p->act_min, hi = p->act_max, zp = p->in_zp;
  /* Input rows/columns that land inside the plane (the rest is never read). */
  const int32_t y_end = H < p->plane_h - p->pad_top ? H : p->plane_h - p->pad_top;
  const int32_t x_end = W < pw - p->pad_left ? W : pw - p->pad_left;
  const size_t ostride = (size_t)C;
  int32_t c, i;
  for (i = 0; i < p->plane_h * pw; i++) plane[i] = 0;
  for (c = 0; c < C; c++) {
    const edgeq_chq *q = p->ch + c;
    const int16_t *wc = w + (size_t)c * 10;
    int32_t y, x;
    for (y = 0; y < y_end; y++) {
      const int8_t *src = input + (size_t)y * W * C + c;
      int16_t *dst = plane + (size_t)(y + p->pad_top) * pw + p->pad_left;
      for (x = 0; x < x_end; x++) dst[x] = (int16_t)(src[(size_t)x * C] - zp);
    }
    {
#ifdef EDGEQ_FAST_DSP
      const int32_t k0 = edgeq_ld32(wc), k1 = edgeq_ld32(wc + 2), k2 = edgeq_ld32(wc + 4);
      const int32_t k3 = edgeq_ld32(wc + 6), k4 = edgeq_ld32(wc + 8);
#else
      const int32_t w00 = wc[0], w01 = wc[1], w10 = wc[2], w11 = wc[3], w20 = wc[4];
      const int32_t w21 = wc[5], w02 = wc[6], w12 = wc[7], w22 = wc[8];
#endif
      for (y = 0; y < Ho; y++) {
        const int16_t *r0 = plane + (size_t)y * s * pw;
        const int16_t *r1 = r0 + pw, *r2 = r1 + pw;
        int8_t *out = output + (size_t)y * Wo * C + c;
        if (s == 1) {
          for (x = 0; x < Wo; x += 2) {
            int32_t a0 = q->bias, a1 = q->bias;
#ifdef EDGEQ_FAST_DSP
            int32_t A = edgeq_ld32(r0 + x), B = edgeq_ld32(r0 + x + 2), M = edgeq_ld32(r0 + x + 1);
            a0 = __smlad(A, k0, a0);
            a0 = __smlabb(B, k3, a0);
            a1 = __smlad(M, k0, a1);
            a1 = __smlatb(B, k3, a1);
            A = edgeq_ld32(r1 + x), B = edgeq_ld32(r1 + x + 2), M = edgeq_ld32(r1 + x + 1);
            a0 = __smlad(A, k1, a0);
            a0 = __smlabt(B, k3, a0);
            a1 = __smlad(M, k1, a1);
            a1 = __smlatt(B, k3, a1);
            A = edgeq_ld32(r2 + x), B = edgeq_ld32(r2 + x + 2), M = edgeq_ld32(r2 + x + 1);
            a0 = __smlad(A, k2, a0);
            a0 = __smlabb(B, k4, a0);
            a1 = __smlad(M, k2, a1);
            a1 = __smlatb(B, k4, a1);
#else
            a0 += r0[x] * w00 + r0[x + 1] * w01 + r0[x + 2] * w02 + r1[x] * w10 +
                  r1[x + 1] * w11 + r1[x + 2] * w12 + r2[x] * w20 + r2[x + 1] * w21 +
                  r2[x + 2] * w22;
            a1 += r0[x + 1] * w00 + r0[x + 2] * w01 + r0[x + 3] * w02 + r1[x + 1] * w10 +
                  r1[x + 2] * w11 + r1[x + 3] * w12 + r2[x + 1] * w20 + r2[x + 2] * w21 +
                  r2[x + 3] * w22;
#endif
            out[x * ostride] = edgeq_fast_clamp(edgeq_fast_rq(a0, q, mode), clamp, lo, hi);
            if (x + 1 < Wo) out[(x + 1) * ostride] = edgeq_fast_clamp(edgeq_fast_rq(a1, q, mode), clamp, lo, hi);
          }
        } else {
          for (x = 0; x < Wo; x++) {
            const int32_t ix = x * s;
            int32_t a = q->bias;
#ifdef EDGEQ_FAST_DSP
            a = __smlad(edgeq_ld32(r0 + ix), k0, a);
            a = __smlabb(edgeq_ld32(r0 + ix + 2), k3, a);
            a = __smlad(edgeq_ld32(r1 + ix), k1, a);
            a = __smlabt(edgeq_ld32(r1 + ix + 2), k3, a);
            a = __smlad(edgeq_ld32(r2 + ix), k2, a);
            a = __smlabb(edgeq_ld32(r2 + ix + 2), k4, a);
#else
            a += r0[ix] * w00 + r0[ix + 1] * w01 + r0[ix + 2] * w02 + r1[ix] * w10 +
                 r1[ix + 1] * w11 + r1[ix + 2] * w12 + r2[ix] * w20 + r2[ix + 1] * w21 +
                 r2[ix + 2] * w22;
#endif
            out[x * ostride] = edgeq_fast_clamp(edgeq_fast_rq(a, q, mode), clamp, lo, hi);
          }
        }
      }
    }
  }
}

#define EDGEQ_FAST_DEFINE(v, mode, clamp)                                                     \
  void edgeq_pw_s8_##v(const edgeq_pw_params *p, const int8_t *input, const int8_t *w,         \
                       int8_t *output) {                                                       \
    pw_body(p, input, w, output, mode, clamp);                                                 \
  }                                                                                            \
  void edgeq_convcol_s8_##v(const edgeq_convcol_params *p, const int8_t *input,                \
                            const int16_t *w, int8_t *output, int16_t *scratch) {              \
    convcol_body(p, input, w, output, scratch, mode, clamp);                                   \
  }                                                                                            \
  void edgeq_dw3x3_s8_##v(const edgeq_dw3x3_params *p, const int8_t *input, const int16_t *w,  \
                          int8_t *output, int16_t *scratch) {                                  \
    dw3x3_body(p, input, w, output, scratch, mode, clamp);                                     \
  }

EDGEQ_FAST_DEFINE(tflm, EDGEQ_RQ_TFLM, 0)
EDGEQ_FAST_DEFINE(tflm_clamp, EDGEQ_RQ_TFLM, 1)
EDGEQ_FAST_DEFINE(single, EDGEQ_RQ_SINGLE, 0)
EDGEQ_FAST_DEFINE(single_clamp, EDGEQ_RQ_SINGLE, 1)
EDGEQ_FAST_DEFINE(pow2, EDGEQ_RQ_POW2, 0)
EDGEQ_FAST_DEFINE(pow2_clamp, EDGEQ_RQ_POW2, 1)
