/*
 * edgeq_fast_s8.c - specialised CONV_2D (1x1 and general) and 3x3 DEPTHWISE_CONV_2D
 * kernels called by generated code when its build-time checks pass (otherwise it calls
 * the reference kernels). Parameters, weight layouts and requantisation constants are
 * described in edgeq.h and edgeq_fast.h. Each kernel has a portable C99 path and a
 * Cortex-M DSP path (SMLAD on SXTB16-extended pairs); both compute the same int32
 * accumulators in the same order-independent way, so their outputs are identical.
 */
#include "edgeq_fast.h"

size_t edgeq_conv_im2col_s8_get_buffer_size(const edgeq_conv_im2col_params *p) {
  return (size_t)p->taps * 2 * sizeof(int16_t);
}

size_t edgeq_depthwise_conv_3x3_s8_get_buffer_size(const edgeq_depthwise_3x3_params *p) {
  /* plane, then one row of int32 accumulators (an even count) */
  return (size_t)p->plane_h * (size_t)p->plane_w * sizeof(int16_t) +
         (size_t)((p->out.w + 1) & ~1) * sizeof(int32_t);
}

/* ---- 1x1 convolution: 2 pixels x 2 output channels per block ----
 * cin a multiple of 8, cout even. Weights int16, per channel pair (o, o+1) and input quad
 * k..k+3: w[o][k], w[o][k+2], w[o+1][k], w[o+1][k+2], w[o][k+1], w[o][k+3], w[o+1][k+1],
 * w[o+1][k+3] - the lane order SXTB16 gives the inputs. */
#ifdef EDGEQ_FAST_DSP
/* One input quad of two pixels against one channel pair: 16 instructions, 16 MACs. */
#define EDGEQ_POINTWISE_QUAD                                    \
  "ldr %[xa], [%[x0]], #4\n\t"                           \
  "ldr %[xb], [%[x1]], #4\n\t"                           \
  "ldrd %[p], %[q], [%[w]], #8\n\t"                      \
  "sxtb16 %[xl], %[xa]\n\t"                              \
  "smlad %[a00], %[xl], %[p], %[a00]\n\t"                \
  "smlad %[a01], %[xl], %[q], %[a01]\n\t"                \
  "sxtb16 %[xl], %[xb]\n\t"                              \
  "smlad %[a10], %[xl], %[p], %[a10]\n\t"                \
  "smlad %[a11], %[xl], %[q], %[a11]\n\t"                \
  "ldrd %[p], %[q], [%[w]], #8\n\t"                      \
  "sxtb16 %[xa], %[xa], ror #8\n\t"                      \
  "smlad %[a00], %[xa], %[p], %[a00]\n\t"                \
  "smlad %[a01], %[xa], %[q], %[a01]\n\t"                \
  "sxtb16 %[xb], %[xb], ror #8\n\t"                      \
  "smlad %[a10], %[xb], %[p], %[a10]\n\t"                \
  "smlad %[a11], %[xb], %[q], %[a11]\n\t"
#endif

EDGEQ_FAST_INLINE void pointwise_conv_body(const edgeq_pointwise_params *p, const int8_t *input, const int16_t *w,
                               int8_t *output, const int mode, const int clamp) {
  const int32_t cin = p->cin;
  const int32_t cout = p->cout;
  const int32_t lo = p->act_min, hi = p->act_max;
  const edgeq_channel_requant *const requant_end = p->requant + cout;
  int32_t px;
  for (px = 0; px < p->pixels; px += 2) {
    /* An odd last pixel is paired with itself: the same values are stored twice. */
    const int32_t step = px + 1 < p->pixels ? 1 : 0;
    const int8_t *const x0 = input + (size_t)px * cin;
    const int8_t *const x1 = x0 + step * cin;
    int8_t *y0 = output + (size_t)px * cout;
    int8_t *y1 = y0 + step * cout;
    const int16_t *wq = w;
    const edgeq_channel_requant *q;
    for (q = p->requant; q < requant_end; q += 2, y0 += 2, y1 += 2) {
      int32_t a00 = q[0].bias, a01 = q[1].bias, a10 = q[0].bias, a11 = q[1].bias;
#ifdef EDGEQ_FAST_DSP
      const int8_t *xp0 = x0, *xp1 = x1;
      int32_t xa, xb, xl, pp, qq;
      __asm__("1:\n\t" EDGEQ_POINTWISE_QUAD EDGEQ_POINTWISE_QUAD
              "cmp %[x0], %[end]\n\t"
              "bne 1b\n\t"
              : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11),
                [x0] "+r"(xp0), [x1] "+r"(xp1), [w] "+r"(wq), [xa] "=&r"(xa), [xb] "=&r"(xb),
                [xl] "=&r"(xl), [p] "=&r"(pp), [q] "=&r"(qq)
              : [end] "r"(x0 + cin)
              : "memory", "cc");
#else
      int32_t k;
      for (k = 0; k < cin; k += 4, wq += 8) {
        const int32_t xa0 = x0[k], xb0 = x0[k + 1], xc0 = x0[k + 2], xd0 = x0[k + 3];
        const int32_t xa1 = x1[k], xb1 = x1[k + 1], xc1 = x1[k + 2], xd1 = x1[k + 3];
        a00 += xa0 * wq[0] + xc0 * wq[1] + xb0 * wq[4] + xd0 * wq[5];
        a01 += xa0 * wq[2] + xc0 * wq[3] + xb0 * wq[6] + xd0 * wq[7];
        a10 += xa1 * wq[0] + xc1 * wq[1] + xb1 * wq[4] + xd1 * wq[5];
        a11 += xa1 * wq[2] + xc1 * wq[3] + xb1 * wq[6] + xd1 * wq[7];
      }
#endif
      {
        /* Each channel's constants are loaded once for both pixels. */
        const edgeq_channel_requant c0 = q[0], c1 = q[1];
        y0[0] = edgeq_fast_clamp(edgeq_fast_requantize(a00, &c0, mode), clamp, lo, hi);
        y1[0] = edgeq_fast_clamp(edgeq_fast_requantize(a10, &c0, mode), clamp, lo, hi);
        y0[1] = edgeq_fast_clamp(edgeq_fast_requantize(a01, &c1, mode), clamp, lo, hi);
        y1[1] = edgeq_fast_clamp(edgeq_fast_requantize(a11, &c1, mode), clamp, lo, hi);
      }
    }
  }
}

/* ---- general convolution: 2 pixels x 2 output channels per block ----
 * The column holds the two pixels' taps (raw int8 values as int16; padding taps hold
 * in_zp, which the folded bias cancels), interleaved per tap pair: px0 (t, t+1), px1 (t,
 * t+1). Weights int16 per output channel pair and tap pair: w[o][t], w[o][t+1], w[o+1][t],
 * w[o+1][t+1]; taps rounded up to even with zero weights. cout even. */
/* Tap t of a pixel goes to d[t + (t & ~1)]: pairs of taps, leaving room for the other pixel. */
EDGEQ_FAST_INLINE void conv_im2col_fill_column(const edgeq_conv_im2col_params *p, const int8_t *input,
                                    int16_t *d, int32_t pix) {
  const int32_t cin = p->in.c, W = p->in.w, kh = p->kernel_h, kw = p->kernel_w;
  const int32_t dh = p->dilation_h, dw = p->dilation_w;
  const int32_t oy = pix / p->out.w, ox = pix - oy * p->out.w;
  const int32_t ix0 = ox * p->stride_w - p->pad_left;
  const int32_t iy0 = oy * p->stride_h - p->pad_top;
  const int16_t zp = (int16_t)p->in_zp;
  int32_t ky, kx, i, t = 0;
  if (iy0 >= 0 && ix0 >= 0 && iy0 + (kh - 1) * dh < p->in.h && ix0 + (kw - 1) * dw < W) {
    const int8_t *row = input + ((size_t)iy0 * W + ix0) * cin;
    if (cin == 1 && kh == 3 && kw == 3 && dh == 1 && dw == 1) { /* the usual first layer */
      const int8_t *r1 = row + W, *r2 = r1 + W;
      d[0] = row[0], d[1] = row[1], d[4] = row[2];
      d[5] = r1[0], d[8] = r1[1], d[9] = r1[2];
      d[12] = r2[0], d[13] = r2[1], d[16] = r2[2];
      return;
    }
    if (cin == 1) { /* first layers: one tap per kernel position */
      for (ky = 0; ky < kh; ky++, row += (size_t)dh * W) {
        for (kx = 0; kx < kw; kx++, t++) d[t + (t & ~1)] = row[kx * dw];
      }
      return;
    }
    for (ky = 0; ky < kh; ky++, row += (size_t)dh * W * cin) {
      const int8_t *x = row;
      for (kx = 0; kx < kw; kx++, x += dw * cin) {
        for (i = 0; i < cin; i++, t++) d[t + (t & ~1)] = x[i];
      }
    }
    return;
  }
  for (ky = 0; ky < kh; ky++) {
    const int32_t iy = iy0 + ky * dh;
    for (kx = 0; kx < kw; kx++) {
      const int32_t ix = ix0 + kx * dw;
      const int8_t *x = input + ((size_t)iy * W + ix) * cin;
      const int ok = iy >= 0 && iy < p->in.h && ix >= 0 && ix < W;
      for (i = 0; i < cin; i++, t++) d[t + (t & ~1)] = ok ? x[i] : zp;
    }
  }
}

EDGEQ_FAST_INLINE void conv_im2col_body(const edgeq_conv_im2col_params *p, const int8_t *input,
                                    const int16_t *w, int8_t *output, int16_t *col,
                                    const int mode, const int clamp) {
  const int32_t cout = p->out.c, taps = p->taps;
  const int32_t pixels = p->out.h * p->out.w;
  const int32_t lo = p->act_min, hi = p->act_max;
  const edgeq_channel_requant *const requant_end = p->requant + cout;
  int32_t px;
  if (taps > p->kernel_h * p->kernel_w * p->in.c) { /* odd tap count: zero weight, any value */
    col[(taps >> 1) * 4 - 3] = 0;
    col[(taps >> 1) * 4 - 1] = 0;
  }
  for (px = 0; px < pixels; px += 2) {
    const int32_t step = px + 1 < pixels ? 1 : 0;
    int8_t *y0 = output + (size_t)px * cout;
    int8_t *y1 = y0 + step * cout;
    const int16_t *wq = w;
    const edgeq_channel_requant *q;
    conv_im2col_fill_column(p, input, col, px);
    conv_im2col_fill_column(p, input, col + 2, px + step);
    for (q = p->requant; q < requant_end; q += 2, y0 += 2, y1 += 2) {
      int32_t a00 = q[0].bias, a01 = q[1].bias, a10 = q[0].bias, a11 = q[1].bias;
      const int16_t *c = col;
#ifdef EDGEQ_FAST_DSP
      int32_t xa, xb, pp, qq;
      __asm__("1:\n\t"
              "ldrd %[xa], %[xb], [%[c]], #8\n\t"
              "ldrd %[p], %[q], [%[w]], #8\n\t"
              "smlad %[a00], %[xa], %[p], %[a00]\n\t"
              "smlad %[a01], %[xa], %[q], %[a01]\n\t"
              "smlad %[a10], %[xb], %[p], %[a10]\n\t"
              "smlad %[a11], %[xb], %[q], %[a11]\n\t"
              "cmp %[c], %[end]\n\t"
              "bne 1b\n\t"
              : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [c] "+r"(c),
                [w] "+r"(wq), [xa] "=&r"(xa), [xb] "=&r"(xb), [p] "=&r"(pp), [q] "=&r"(qq)
              : [end] "r"(col + taps * 2)
              : "memory", "cc");
#else
      int32_t k;
      for (k = 0; k < taps; k += 2, c += 4, wq += 4) {
        a00 += c[0] * wq[0] + c[1] * wq[1];
        a01 += c[0] * wq[2] + c[1] * wq[3];
        a10 += c[2] * wq[0] + c[3] * wq[1];
        a11 += c[2] * wq[2] + c[3] * wq[3];
      }
#endif
      {
        /* Each channel's constants are loaded once for both pixels. */
        const edgeq_channel_requant c0 = q[0], c1 = q[1];
        y0[0] = edgeq_fast_clamp(edgeq_fast_requantize(a00, &c0, mode), clamp, lo, hi);
        y1[0] = edgeq_fast_clamp(edgeq_fast_requantize(a10, &c0, mode), clamp, lo, hi);
        y0[1] = edgeq_fast_clamp(edgeq_fast_requantize(a01, &c1, mode), clamp, lo, hi);
        y1[1] = edgeq_fast_clamp(edgeq_fast_requantize(a11, &c1, mode), clamp, lo, hi);
      }
    }
  }
}

/* ---- 3x3 depthwise: one channel plane at a time ----
 * The plane holds the channel's raw inputs as int16 with a border of in_zp (the padding
 * taps), which the folded bias = bias - in_zp * sum(w) cancels. On the DSP path a row of
 * accumulators goes to a small int32 buffer after the plane, then is
 * requantised with the channel's constants held in registers. */
EDGEQ_FAST_INLINE void depthwise_conv_3x3_body(const edgeq_depthwise_3x3_params *p, const int8_t *input,
                                  const int16_t *w, int8_t *output, int16_t *plane,
                                  const int mode, const int clamp) {
  const int32_t C = p->in.c, W = p->in.w, H = p->in.h;
  const int32_t Wo = p->out.w, Ho = p->out.h, s = p->stride, pw = p->plane_w;
  const int32_t lo = p->act_min, hi = p->act_max;
  /* Input rows/columns that land inside the plane (the rest is never read). */
  const int32_t y_end = H < p->plane_h - p->pad_top ? H : p->plane_h - p->pad_top;
  const int32_t x_end = W < pw - p->pad_left ? W : pw - p->pad_left;
  const size_t ostride = (size_t)C;
  int32_t c, i;
#ifdef EDGEQ_FAST_DSP
  int32_t *const rowbuf = (int32_t *)(void *)(plane + p->plane_h * pw);
#endif
  for (i = 0; i < p->plane_h * pw; i++) plane[i] = (int16_t)p->in_zp;
  for (c = 0; c < C; c++) {
    const edgeq_channel_requant *q = p->requant + c;
    const int16_t *wc = w + (size_t)c * 10;
    int32_t y, x;
    for (y = 0; y < y_end; y++) {
      const int8_t *src = input + (size_t)y * W * C + c;
      int16_t *dst = plane + (size_t)(y + p->pad_top) * pw + p->pad_left;
      x = 0;
#ifdef EDGEQ_FAST_DSP
      for (; x + 2 <= x_end; x += 2, src += 2 * ostride) {
        const uint32_t v = (uint32_t)(uint16_t)src[0] | ((uint32_t)(int32_t)src[ostride] << 16);
        memcpy(dst + x, &v, 4);
      }
#endif
      for (; x < x_end; x++, src += ostride) dst[x] = src[0];
    }
    {
#ifdef EDGEQ_FAST_DSP
      const edgeq_channel_requant qc = *q;
      for (y = 0; y < Ho; y++) {
        const int16_t *r0 = plane + (size_t)y * s * pw;
        const int16_t *r1 = r0 + pw, *r2 = r1 + pw;
        int32_t *acc = rowbuf;
        int32_t a0, a1, A, B, K;
        int8_t *out = output + (size_t)y * Wo * C + c;
        const int32_t *ab;
        if (s == 1) {
          /* Output pairs (x, x+1); an odd last one computes a harmless extra entry.
           * The weights are reloaded through kp: 11 registers, so gcc can always allocate. */
          /* volatile: the results go to rowbuf through memory, not through outputs */
          __asm__ __volatile__("1:\n\t"
                  "ldrd %[A], %[B], [%[r0]], #4\n\t"
                  "ldr %[K], [%[kp]]\n\t"
                  "smlad %[a0], %[A], %[K], %[bias]\n\t"
                  "ldr %[A], [%[r0], #-2]\n\t"
                  "smlad %[a1], %[A], %[K], %[bias]\n\t"
                  "ldr %[K], [%[kp], #12]\n\t"
                  "smlabb %[a0], %[B], %[K], %[a0]\n\t"
                  "smlatb %[a1], %[B], %[K], %[a1]\n\t"
                  "ldrd %[A], %[B], [%[r1]], #4\n\t"
                  "smlabt %[a0], %[B], %[K], %[a0]\n\t"
                  "smlatt %[a1], %[B], %[K], %[a1]\n\t"
                  "ldr %[K], [%[kp], #4]\n\t"
                  "smlad %[a0], %[A], %[K], %[a0]\n\t"
                  "ldr %[A], [%[r1], #-2]\n\t"
                  "smlad %[a1], %[A], %[K], %[a1]\n\t"
                  "ldrd %[A], %[B], [%[r2]], #4\n\t"
                  "ldr %[K], [%[kp], #8]\n\t"
                  "smlad %[a0], %[A], %[K], %[a0]\n\t"
                  "ldr %[A], [%[r2], #-2]\n\t"
                  "smlad %[a1], %[A], %[K], %[a1]\n\t"
                  "ldr %[K], [%[kp], #16]\n\t"
                  "smlabb %[a0], %[B], %[K], %[a0]\n\t"
                  "smlatb %[a1], %[B], %[K], %[a1]\n\t"
                  "strd %[a0], %[a1], [%[acc]], #8\n\t"
                  "cmp %[r0], %[end]\n\t"
                  "bne 1b\n\t"
                  : [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [acc] "+r"(acc), [a0] "=&r"(a0),
                    [a1] "=&r"(a1), [A] "=&r"(A), [B] "=&r"(B), [K] "=&r"(K)
                  : [kp] "r"(wc), [end] "r"(r0 + ((Wo + 1) & ~1)), [bias] "r"(qc.bias)
                  : "memory", "cc");
        } else {
          /* volatile: the results go to rowbuf through memory, not through outputs */
          __asm__ __volatile__("1:\n\t"
                  "ldrd %[A], %[B], [%[r0]], #4\n\t"
                  "ldr %[K], [%[kp]]\n\t"
                  "smlad %[a0], %[A], %[K], %[bias]\n\t"
                  "ldr %[K], [%[kp], #12]\n\t"
                  "smlabb %[a0], %[B], %[K], %[a0]\n\t"
                  "ldrd %[A], %[B], [%[r1]], #4\n\t"
                  "smlabt %[a0], %[B], %[K], %[a0]\n\t"
                  "ldr %[K], [%[kp], #4]\n\t"
                  "smlad %[a0], %[A], %[K], %[a0]\n\t"
                  "ldrd %[A], %[B], [%[r2]], #4\n\t"
                  "ldr %[K], [%[kp], #8]\n\t"
                  "smlad %[a0], %[A], %[K], %[a0]\n\t"
                  "ldr %[K], [%[kp], #16]\n\t"
                  "smlabb %[a0], %[B], %[K], %[a0]\n\t"
                  "str %[a0], [%[acc]], #4\n\t"
                  "cmp %[r0], %[end]\n\t"
                  "bne 1b\n\t"
                  : [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [acc] "+r"(acc), [a0] "=&r"(a0),
                    [A] "=&r"(A), [B] "=&r"(B), [K] "=&r"(K)
                  : [kp] "r"(wc), [end] "r"(r0 + 2 * Wo), [bias] "r"(qc.bias)
                  : "memory", "cc");
          (void)a1;
        }
        for (ab = rowbuf; ab < rowbuf + Wo; ab++, out += ostride) {
          *out = edgeq_fast_clamp(edgeq_fast_requantize(*ab, &qc, mode), clamp, lo, hi);
        }
      }
#else
      const int32_t w00 = wc[0], w01 = wc[1], w10 = wc[2], w11 = wc[3], w20 = wc[4];
      const int32_t w21 = wc[5], w02 = wc[6], w12 = wc[7], w22 = wc[8];
      for (y = 0; y < Ho; y++) {
        const int16_t *r0 = plane + (size_t)y * s * pw;
        const int16_t *r1 = r0 + pw, *r2 = r1 + pw;
        int8_t *out = output + (size_t)y * Wo * C + c;
        for (x = 0; x < Wo; x++, r0 += s, r1 += s, r2 += s, out += ostride) {
          const int32_t a = q->bias + r0[0] * w00 + r0[1] * w01 + r0[2] * w02 + r1[0] * w10 +
                            r1[1] * w11 + r1[2] * w12 + r2[0] * w20 + r2[1] * w21 + r2[2] * w22;
          *out = edgeq_fast_clamp(edgeq_fast_requantize(a, q, mode), clamp, lo, hi);
        }
      }
#endif
    }
  }
}

#define EDGEQ_FAST_DEFINE(v, mode, clamp)                                                     \
  void edgeq_pointwise_conv_s8_##v(const edgeq_pointwise_params *p, const int8_t *input, const int16_t *w,        \
                       int8_t *output) {                                                       \
    pointwise_conv_body(p, input, w, output, mode, clamp);                                                 \
  }                                                                                            \
  void edgeq_conv_im2col_s8_##v(const edgeq_conv_im2col_params *p, const int8_t *input,                \
                            const int16_t *w, int8_t *output, int16_t *scratch) {              \
    conv_im2col_body(p, input, w, output, scratch, mode, clamp);                                   \
  }                                                                                            \
  void edgeq_depthwise_conv_3x3_s8_##v(const edgeq_depthwise_3x3_params *p, const int8_t *input, const int16_t *w,  \
                          int8_t *output, int16_t *scratch) {                                  \
    depthwise_conv_3x3_body(p, input, w, output, scratch, mode, clamp);                                     \
  }

EDGEQ_FAST_DEFINE(tflm, EDGEQ_RQ_TFLM, 0)
EDGEQ_FAST_DEFINE(tflm_clamp, EDGEQ_RQ_TFLM, 1)
EDGEQ_FAST_DEFINE(single, EDGEQ_RQ_SINGLE, 0)
EDGEQ_FAST_DEFINE(single_clamp, EDGEQ_RQ_SINGLE, 1)
EDGEQ_FAST_DEFINE(pow2, EDGEQ_RQ_POW2, 0)
EDGEQ_FAST_DEFINE(pow2_clamp, EDGEQ_RQ_POW2, 1)
