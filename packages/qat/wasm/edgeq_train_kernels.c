/*
 * edgeq training kernels, WebAssembly SIMD128: the single-pass loops of QAT training
 * (batch-norm statistics, forward and backward with a fused ReLU/ReLU6 clamp, fake-quant
 * forward with range statistics, clamp and fake-quant gradient masks, convolution filter
 * gradient, depthwise filter and input gradients, ReLU/ReLU6 clamp) that tfjs would
 * otherwise compose from many small kernels, and the pointwise and depthwise convolutions
 * (with the pointwise input gradient), which add in the tfjs wasm backend's order and so
 * give its bits, faster.
 *
 * The module imports the tfjs wasm backend's memory and works on tensors in place; all
 * pointers come from JS (tensor memory offsets, or scratch from the backend's malloc).
 * It must not use linear memory of its own: no static data and no shadow stack (the
 * build script checks), since that memory belongs to tfjs.
 *
 * Layouts are channels-last: x[p * c + k] for pixel p and channel k.
 * The JS twins and the reference semantics are in packages/qat/src/fused-ops.ts and
 * fake-quant.ts; test/simd-kernels.test.ts checks one against the other.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/* Per-channel mean and variance of m pixels of c channels in one pass: sums of d = x - x0
 * and of d^2, with x0 the first pixel (a shift near the data keeps d^2's sum from
 * cancelling). Float32 partials over blocks of 256 pixels (part: 2c floats) are added into
 * float64 totals (sum64/sq64, c doubles each, zeroed by the caller). On return sum64 holds
 * sum x and sq64 sum (x - mean)^2 about the returned float32 mean (what the replicas of
 * data-parallel training combine); var_out is sq64 / m. */
EXPORT(bn_stats)
void bn_stats(const float *x, int32_t m, int32_t c, float *part, double *sum64, double *sq64, float *mean_out, float *var_out) {
  float *shift = var_out, *part_d = part, *part_dd = part + c;
  for (int32_t k = 0; k < c; k++) shift[k] = x[k];
  for (int32_t p0 = 0; p0 < m; p0 += 256) {
    int32_t p1 = p0 + 256 < m ? p0 + 256 : m;
    for (int32_t k = 0; k < c; k++) part_d[k] = part_dd[k] = 0.0f;
    for (int32_t p = p0; p < p1; p++) {
      const float *row = x + (int64_t)p * c;
      int32_t k = 0;
      for (; k + 4 <= c; k += 4) {
        v128_t d = wasm_f32x4_sub(wasm_v128_load(row + k), wasm_v128_load(shift + k));
        wasm_v128_store(part_d + k, wasm_f32x4_add(wasm_v128_load(part_d + k), d));
        wasm_v128_store(part_dd + k, wasm_f32x4_add(wasm_v128_load(part_dd + k), wasm_f32x4_mul(d, d)));
      }
      for (; k < c; k++) {
        float d = row[k] - shift[k];
        part_d[k] += d;
        part_dd[k] += d * d;
      }
    }
    for (int32_t k = 0; k < c; k++) {
      sum64[k] += part_d[k];
      sq64[k] += part_dd[k];
    }
  }
  for (int32_t k = 0; k < c; k++) {
    double x0 = shift[k], sd = sum64[k];
    float mean = (float)(x0 + sd / m);
    double e = (double)mean - x0; /* sum (x - mean)^2 = sum d^2 - 2 e sum d + m e^2 */
    double sq = sq64[k] - 2.0 * e * sd + (double)m * e * e;
    if (!(sq >= 0.0) && sq == sq) sq = 0.0;
    sum64[k] = sd + (double)m * x0;
    sq64[k] = sq;
    mean_out[k] = mean;
    var_out[k] = (float)(sq / m);
  }
}

/* y = clamp((x - mean) * scale + beta, lo, hi) per channel. */
EXPORT(bn_act_forward)
void bn_act_forward(const float *x, float *y, int32_t m, int32_t c, const float *mean, const float *scale, const float *beta, float lo, float hi) {
  v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  for (int32_t p = 0; p < m; p++) {
    const float *xr = x + (int64_t)p * c;
    float *yr = y + (int64_t)p * c;
    int32_t k = 0;
    for (; k + 4 <= c; k += 4) {
      v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + k), wasm_v128_load(mean + k)), wasm_v128_load(scale + k)), wasm_v128_load(beta + k));
      wasm_v128_store(yr + k, wasm_f32x4_pmin(vhi, wasm_f32x4_pmax(vlo, v)));
    }
    for (; k < c; k++) {
      float v = (xr[k] - mean[k]) * scale[k] + beta[k];
      yr[k] = v < lo ? lo : v > hi ? hi : v;
    }
  }
}

/* g = dy where lo < y < hi (else 0); per channel sum_g += g, sum_gx += g * (x - mean).
 * Accumulates into the caller's zeroed float64 sums through float32 block partials. */
EXPORT(bn_act_backward_sums)
void bn_act_backward_sums(const float *x, const float *y, const float *dy, int32_t m, int32_t c, const float *mean, float lo, float hi,
                          float *part_g, float *part_gx, double *sum_g, double *sum_gx) {
  v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  for (int32_t p0 = 0; p0 < m; p0 += 256) {
    int32_t p1 = p0 + 256 < m ? p0 + 256 : m;
    for (int32_t k = 0; k < c; k++) part_g[k] = part_gx[k] = 0.0f;
    for (int32_t p = p0; p < p1; p++) {
      int64_t o = (int64_t)p * c;
      int32_t k = 0;
      for (; k + 4 <= c; k += 4) {
        v128_t yv = wasm_v128_load(y + o + k);
        v128_t inside = wasm_v128_and(wasm_f32x4_gt(yv, vlo), wasm_f32x4_lt(yv, vhi));
        v128_t g = wasm_v128_and(inside, wasm_v128_load(dy + o + k));
        v128_t d = wasm_f32x4_sub(wasm_v128_load(x + o + k), wasm_v128_load(mean + k));
        wasm_v128_store(part_g + k, wasm_f32x4_add(wasm_v128_load(part_g + k), g));
        wasm_v128_store(part_gx + k, wasm_f32x4_add(wasm_v128_load(part_gx + k), wasm_f32x4_mul(g, d)));
      }
      for (; k < c; k++) {
        float yv = y[o + k];
        float g = yv > lo && yv < hi ? dy[o + k] : 0.0f;
        part_g[k] += g;
        part_gx[k] += g * (x[o + k] - mean[k]);
      }
    }
    for (int32_t k = 0; k < c; k++) {
      sum_g[k] += part_g[k];
      sum_gx[k] += part_gx[k];
    }
  }
}

/* dx = k1 * (g - k2 - (x - mean) * k3), g as in bn_act_backward_sums. */
EXPORT(bn_act_backward_dx)
void bn_act_backward_dx(const float *x, const float *y, const float *dy, float *dx, int32_t m, int32_t c, const float *mean, float lo, float hi,
                        const float *k1, const float *k2, const float *k3) {
  v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  for (int32_t p = 0; p < m; p++) {
    int64_t o = (int64_t)p * c;
    int32_t k = 0;
    for (; k + 4 <= c; k += 4) {
      v128_t yv = wasm_v128_load(y + o + k);
      v128_t inside = wasm_v128_and(wasm_f32x4_gt(yv, vlo), wasm_f32x4_lt(yv, vhi));
      v128_t g = wasm_v128_and(inside, wasm_v128_load(dy + o + k));
      v128_t d = wasm_f32x4_sub(wasm_v128_load(x + o + k), wasm_v128_load(mean + k));
      v128_t t = wasm_f32x4_sub(wasm_f32x4_sub(g, wasm_v128_load(k2 + k)), wasm_f32x4_mul(d, wasm_v128_load(k3 + k)));
      wasm_v128_store(dx + o + k, wasm_f32x4_mul(wasm_v128_load(k1 + k), t));
    }
    for (; k < c; k++) {
      float yv = y[o + k];
      float g = yv > lo && yv < hi ? dy[o + k] : 0.0f;
      dx[o + k] = k1[k] * (g - k2[k] - (x[o + k] - mean[k]) * k3[k]);
    }
  }
}

/* dx = dy where lo < y < hi, else 0 (gradient of a ReLU/ReLU6 clamp, from its output). */
EXPORT(clamp_grad)
void clamp_grad(const float *y, const float *dy, float *dx, int32_t n, float lo, float hi) {
  v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t yv = wasm_v128_load(y + i);
    v128_t inside = wasm_v128_and(wasm_f32x4_gt(yv, vlo), wasm_f32x4_lt(yv, vhi));
    wasm_v128_store(dx + i, wasm_v128_and(inside, wasm_v128_load(dy + i)));
  }
  for (; i < n; i++) dx[i] = y[i] > lo && y[i] < hi ? dy[i] : 0.0f;
}

/* dx = dy where lo <= x <= hi, else 0 (straight-through fake-quant gradient; lo/hi are
 * the float32 bounds JS derived from the double clip range). */
EXPORT(fq_grad)
void fq_grad(const float *x, const float *dy, float *dx, int32_t n, float lo, float hi) {
  v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t xv = wasm_v128_load(x + i);
    v128_t inside = wasm_v128_and(wasm_f32x4_ge(xv, vlo), wasm_f32x4_le(xv, vhi));
    wasm_v128_store(dx + i, wasm_v128_and(inside, wasm_v128_load(dy + i)));
  }
  for (; i < n; i++) dx[i] = x[i] >= lo && x[i] <= hi ? dy[i] : 0.0f;
}

/* Round half toward +infinity of t (|t| < 2^51), exactly as JS Math.round. */
static inline v128_t round_half_up_f64x2(v128_t t) {
  v128_t half = wasm_f64x2_splat(0.5);
  v128_t r = wasm_f64x2_floor(wasm_f64x2_add(t, half));
  /* floor(t + 0.5) overshoots by one where t + 0.5 rounded up to an integer. */
  v128_t over = wasm_f64x2_gt(wasm_f64x2_sub(r, half), t);
  return wasm_f64x2_sub(r, wasm_v128_and(over, wasm_f64x2_splat(1.0)));
}

static inline v128_t fq_f64x2(v128_t x, v128_t inv, v128_t s, v128_t qlo, v128_t qhi) {
  v128_t q = round_half_up_f64x2(wasm_f64x2_mul(x, inv));
  q = wasm_f64x2_pmin(qhi, wasm_f64x2_pmax(qlo, q));
  return wasm_f64x2_mul(q, s);
}

/* Per-tensor fake-quant y = clamp(round(x / s), qlo, qhi) * s (qlo = qmin - zp,
 * qhi = qmax - zp), computed in float64 as the JS kernel does, and the min/max of x
 * into minmax[0..1] (NaN if x holds a NaN). */
EXPORT(fq_forward)
void fq_forward(const float *x, float *y, int32_t n, double s, double qlo, double qhi, float *minmax) {
  v128_t vinv = wasm_f64x2_splat(1.0 / s), vs = wasm_f64x2_splat(s);
  v128_t vqlo = wasm_f64x2_splat(qlo), vqhi = wasm_f64x2_splat(qhi);
  v128_t mn = wasm_f32x4_splat(__builtin_inff()), mx = wasm_f32x4_splat(-__builtin_inff());
  v128_t nan = wasm_i32x4_splat(0);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t xv = wasm_v128_load(x + i);
    mn = wasm_f32x4_pmin(xv, mn);
    mx = wasm_f32x4_pmax(xv, mx);
    nan = wasm_v128_or(nan, wasm_f32x4_ne(xv, xv));
    v128_t lo = fq_f64x2(wasm_f64x2_promote_low_f32x4(xv), vinv, vs, vqlo, vqhi);
    v128_t hi = fq_f64x2(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(xv, xv, 2, 3, 0, 1)), vinv, vs, vqlo, vqhi);
    wasm_v128_store(y + i, wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5));
  }
  float fmn, fmx;
  int any_nan = wasm_v128_any_true(nan);
  fmn = wasm_f32x4_extract_lane(mn, 0);
  if (wasm_f32x4_extract_lane(mn, 1) < fmn) fmn = wasm_f32x4_extract_lane(mn, 1);
  if (wasm_f32x4_extract_lane(mn, 2) < fmn) fmn = wasm_f32x4_extract_lane(mn, 2);
  if (wasm_f32x4_extract_lane(mn, 3) < fmn) fmn = wasm_f32x4_extract_lane(mn, 3);
  fmx = wasm_f32x4_extract_lane(mx, 0);
  if (wasm_f32x4_extract_lane(mx, 1) > fmx) fmx = wasm_f32x4_extract_lane(mx, 1);
  if (wasm_f32x4_extract_lane(mx, 2) > fmx) fmx = wasm_f32x4_extract_lane(mx, 2);
  if (wasm_f32x4_extract_lane(mx, 3) > fmx) fmx = wasm_f32x4_extract_lane(mx, 3);
  double inv = 1.0 / s;
  for (; i < n; i++) {
    float v = x[i];
    if (v != v) any_nan = 1;
    if (v < fmn) fmn = v;
    if (v > fmx) fmx = v;
    double t = (double)v * inv;
    double r = __builtin_floor(t + 0.5);
    if (r - 0.5 > t) r -= 1.0;
    r = r < qlo ? qlo : r > qhi ? qhi : r;
    y[i] = (float)(r * s);
  }
  minmax[0] = any_nan ? __builtin_nanf("") : fmn;
  minmax[1] = any_nan ? __builtin_nanf("") : fmx;
}

/* acc[k] += a[k] * b[k] for k < c (the per-channel step of the depthwise gradients). */
static inline void add_products(float *acc, const float *a, const float *b, int32_t c) {
  int32_t k = 0;
  for (; k + 4 <= c; k += 4) wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k))));
  for (; k < c; k++) acc[k] += a[k] * b[k];
}

/* The depthwise filter gradient's reference loop for channels [k0, c): per image, every
 * output pixel's products added tap by tap into float32 partials (part), then the partials
 * into dw. */
static void dw_filter_grad_channels(const float *x, const float *dy, float *dw, float *part, int32_t n, int32_t h, int32_t w, int32_t c,
                                    int32_t oh, int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t top, int32_t left, int32_t k0) {
  int32_t taps = kh * kw, cc = c - k0;
  for (int32_t b = 0; b < n; b++) {
    for (int32_t t = 0; t < taps; t++)
      for (int32_t k = 0; k < cc; k++) part[t * c + k0 + k] = 0.0f;
    for (int32_t oy = 0; oy < oh; oy++) {
      for (int32_t ox = 0; ox < ow; ox++) {
        const float *g = dy + (((int64_t)b * oh + oy) * ow + ox) * c + k0;
        for (int32_t ky = 0; ky < kh; ky++) {
          int32_t iy = oy * sh - top + ky;
          if (iy < 0 || iy >= h) continue;
          for (int32_t kx = 0; kx < kw; kx++) {
            int32_t ix = ox * sw - left + kx;
            if (ix < 0 || ix >= w) continue;
            add_products(part + (ky * kw + kx) * c + k0, x + (((int64_t)b * h + iy) * w + ix) * c + k0, g, cc);
          }
        }
      }
    }
    for (int32_t t = 0; t < taps; t++)
      for (int32_t k = k0; k < c; k++) dw[t * c + k] += part[t * c + k];
  }
}

/* x(tap) * g added into a tap's accumulator when the tap lies inside the input. */
#define DW_TAP(acc, ok, at) if (ok) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(x + (at)), g))

/* 3x3 taps for channels [0, k0) (k0 a multiple of 4), four channels at a time with the nine
 * tap sums in registers over one image: the same additions in the same order as
 * dw_filter_grad_channels, so the same bits, without a load and store of the partials per
 * product. */
static void dw_filter_grad_3x3(const float *x, const float *dy, float *dw, int32_t n, int32_t h, int32_t w, int32_t c,
                               int32_t oh, int32_t ow, int32_t sh, int32_t sw, int32_t top, int32_t left, int32_t k0) {
  for (int32_t b = 0; b < n; b++) {
    for (int32_t k = 0; k < k0; k += 4) {
      v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0;
      for (int32_t oy = 0; oy < oh; oy++) {
        int32_t iy = oy * sh - top;
        int32_t r0 = iy >= 0 && iy < h, r1 = iy + 1 >= 0 && iy + 1 < h, r2 = iy + 2 >= 0 && iy + 2 < h;
        for (int32_t ox = 0; ox < ow; ox++) {
          int32_t ix = ox * sw - left;
          int32_t c0 = ix >= 0 && ix < w, c1 = ix + 1 >= 0 && ix + 1 < w, c2 = ix + 2 >= 0 && ix + 2 < w;
          v128_t g = wasm_v128_load(dy + (((int64_t)b * oh + oy) * ow + ox) * c + k);
          int64_t o = (((int64_t)b * h + iy) * w + ix) * c + k, row = (int64_t)w * c;
          DW_TAP(a0, r0 && c0, o);
          DW_TAP(a1, r0 && c1, o + c);
          DW_TAP(a2, r0 && c2, o + 2 * c);
          DW_TAP(a3, r1 && c0, o + row);
          DW_TAP(a4, r1 && c1, o + row + c);
          DW_TAP(a5, r1 && c2, o + row + 2 * c);
          DW_TAP(a6, r2 && c0, o + 2 * row);
          DW_TAP(a7, r2 && c1, o + 2 * row + c);
          DW_TAP(a8, r2 && c2, o + 2 * row + 2 * c);
        }
      }
      float *d = dw + k;
      wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), a0));
      wasm_v128_store(d + c, wasm_f32x4_add(wasm_v128_load(d + c), a1));
      wasm_v128_store(d + 2 * c, wasm_f32x4_add(wasm_v128_load(d + 2 * c), a2));
      wasm_v128_store(d + 3 * c, wasm_f32x4_add(wasm_v128_load(d + 3 * c), a3));
      wasm_v128_store(d + 4 * c, wasm_f32x4_add(wasm_v128_load(d + 4 * c), a4));
      wasm_v128_store(d + 5 * c, wasm_f32x4_add(wasm_v128_load(d + 5 * c), a5));
      wasm_v128_store(d + 6 * c, wasm_f32x4_add(wasm_v128_load(d + 6 * c), a6));
      wasm_v128_store(d + 7 * c, wasm_f32x4_add(wasm_v128_load(d + 7 * c), a7));
      wasm_v128_store(d + 8 * c, wasm_f32x4_add(wasm_v128_load(d + 8 * c), a8));
    }
  }
}
#undef DW_TAP

/* Filter gradient of a depth-multiplier-1 depthwise convolution, NHWC:
 * dw[(ky * kw + kx) * c + k] = sum over n, oy, ox of
 *   x[n, oy * sh - top + ky, ox * sw - left + kx, k] * dy[n, oy, ox, k]
 * (taps outside the input skipped). Per image, each tap's products are summed in (oy, ox)
 * order from zero and that sum added into dw (zeroed by the caller); part is scratch of
 * kh*kw*c floats. 3x3 filters keep the sums in registers for all but the last c % 4 channels. */
EXPORT(dw_filter_grad)
void dw_filter_grad(const float *x, const float *dy, float *dw, float *part, int32_t n, int32_t h, int32_t w, int32_t c,
                    int32_t oh, int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t top, int32_t left) {
  int32_t k0 = kh == 3 && kw == 3 ? c & ~3 : 0;
  if (k0 > 0) dw_filter_grad_3x3(x, dy, dw, n, h, w, c, oh, ow, sh, sw, top, left, k0);
  if (k0 < c) dw_filter_grad_channels(x, dy, dw, part, n, h, w, c, oh, ow, kh, kw, sh, sw, top, left, k0);
}

/* Output pixels a filter-gradient tile takes at a time: x and dy rows of 32 pixels of up to
 * 96 channels each stay in L1 while every tile of the filter walks over them. */
#define FILTER_GRAD_CHUNK 32

/* acc[r * cout + v * 4 ..] += x(p)[r] * dy(p)[v * 4 ..] for rows r < ni of the filter
 * (input channels) and vectors v < nv of output channels, over `len` output pixels p
 * (x pixels xs floats apart, dy pixels gs apart). The up to 4 x 2 accumulator vectors stay in
 * registers for the whole chunk; every element sums its pixels one by one, in order.
 * Called with constant ni, nv so that each shape compiles to its own loop. */
static inline __attribute__((always_inline)) void filter_grad_tile(const float *xp, const float *gp, int32_t xs, int32_t gs, int32_t len,
                                                                 float *acc, int32_t cout, int32_t ni, int32_t nv) {
  v128_t s00 = wasm_v128_load(acc), s01 = nv > 1 ? wasm_v128_load(acc + 4) : s00;
  v128_t s10 = ni > 1 ? wasm_v128_load(acc + cout) : s00, s11 = ni > 1 && nv > 1 ? wasm_v128_load(acc + cout + 4) : s00;
  v128_t s20 = ni > 2 ? wasm_v128_load(acc + 2 * cout) : s00, s21 = ni > 2 && nv > 1 ? wasm_v128_load(acc + 2 * cout + 4) : s00;
  v128_t s30 = ni > 3 ? wasm_v128_load(acc + 3 * cout) : s00, s31 = ni > 3 && nv > 1 ? wasm_v128_load(acc + 3 * cout + 4) : s00;
  for (int32_t p = 0; p < len; p++, xp += xs, gp += gs) {
    v128_t g0 = wasm_v128_load(gp), g1 = nv > 1 ? wasm_v128_load(gp + 4) : g0;
/* Filter row r (input channel r of the tile): its x value times the output-gradient vectors. */
#define FILTER_GRAD_ROW(r, sa, sb)                                              \
    if (ni > r) {                                                               \
      v128_t a = wasm_v128_load32_splat(xp + r);                                \
      sa = wasm_f32x4_add(sa, wasm_f32x4_mul(a, g0));                           \
      if (nv > 1) sb = wasm_f32x4_add(sb, wasm_f32x4_mul(a, g1));               \
    }
    FILTER_GRAD_ROW(0, s00, s01)
    FILTER_GRAD_ROW(1, s10, s11)
    FILTER_GRAD_ROW(2, s20, s21)
    FILTER_GRAD_ROW(3, s30, s31)
#undef FILTER_GRAD_ROW
  }
  wasm_v128_store(acc, s00);
  if (nv > 1) wasm_v128_store(acc + 4, s01);
  if (ni > 1) wasm_v128_store(acc + cout, s10);
  if (ni > 1 && nv > 1) wasm_v128_store(acc + cout + 4, s11);
  if (ni > 2) wasm_v128_store(acc + 2 * cout, s20);
  if (ni > 2 && nv > 1) wasm_v128_store(acc + 2 * cout + 4, s21);
  if (ni > 3) wasm_v128_store(acc + 3 * cout, s30);
  if (ni > 3 && nv > 1) wasm_v128_store(acc + 3 * cout + 4, s31);
}

/* One chunk of `len` output pixels into every element of one tap's [cin, cout] block:
 * tiles of 4 input channels x 8 output channels, then the edges (1 input channel, 4 output
 * channels, single output channels), all summing the pixels in the same order. */
static void filter_grad_chunk(const float *xp, const float *gp, int32_t xs, int32_t gs, int32_t len, float *acc, int32_t cin, int32_t cout) {
  int32_t i = 0;
  for (; i + 4 <= cin; i += 4) {
    int32_t o = 0;
    for (; o + 8 <= cout; o += 8) filter_grad_tile(xp + i, gp + o, xs, gs, len, acc + (int64_t)i * cout + o, cout, 4, 2);
    for (; o + 4 <= cout; o += 4) filter_grad_tile(xp + i, gp + o, xs, gs, len, acc + (int64_t)i * cout + o, cout, 4, 1);
  }
  for (; i < cin; i++) {
    int32_t o = 0;
    for (; o + 8 <= cout; o += 8) filter_grad_tile(xp + i, gp + o, xs, gs, len, acc + (int64_t)i * cout + o, cout, 1, 2);
    for (; o + 4 <= cout; o += 4) filter_grad_tile(xp + i, gp + o, xs, gs, len, acc + (int64_t)i * cout + o, cout, 1, 1);
  }
  int32_t o0 = cout & ~3;
  if (o0 == cout) return;
  for (i = 0; i < cin; i++) {
    for (int32_t o = o0; o < cout; o++) {
      float s = acc[(int64_t)i * cout + o];
      const float *xq = xp + i, *gq = gp + o;
      for (int32_t p = 0; p < len; p++, xq += xs, gq += gs) s += *xq * *gq;
      acc[(int64_t)i * cout + o] = s;
    }
  }
}

/* Filter gradient of a convolution, NHWC input and output gradient, HWIO filter:
 * dw[((ky * kw + kx) * cin + i) * cout + o] = sum over n, oy, ox of
 *   x[n, oy * sh - top + ky, ox * sw - left + kx, i] * dy[n, oy, ox, o]
 * (taps outside the input skipped; dw zeroed by the caller). Every element adds its
 * products one at a time, in (n, oy, ox) order: one fixed order, so the result is
 * deterministic, and the same whatever the tiling. A 1x1 stride-1 unpadded convolution can be
 * passed as one row of n * h * w pixels. */
EXPORT(conv_filter_grad)
void conv_filter_grad(const float *x, const float *dy, float *dw, int32_t n, int32_t h, int32_t w, int32_t cin,
                      int32_t oh, int32_t ow, int32_t cout, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t top, int32_t left) {
  for (int32_t ky = 0; ky < kh; ky++) {
    /* Output rows whose input row oy * sh - top + ky lies in [0, h). */
    int32_t oy0 = 0, oy1 = oh;
    while (oy0 < oh && oy0 * sh - top + ky < 0) oy0++;
    while (oy1 > oy0 && (oy1 - 1) * sh - top + ky >= h) oy1--;
    for (int32_t kx = 0; kx < kw; kx++) {
      int32_t ox0 = 0, ox1 = ow;
      while (ox0 < ow && ox0 * sw - left + kx < 0) ox0++;
      while (ox1 > ox0 && (ox1 - 1) * sw - left + kx >= w) ox1--;
      float *acc = dw + (int64_t)(ky * kw + kx) * cin * cout;
      for (int32_t b = 0; b < n; b++) {
        for (int32_t oy = oy0; oy < oy1; oy++) {
          int32_t iy = oy * sh - top + ky;
          const float *xrow = x + (((int64_t)b * h + iy) * w) * cin;
          const float *grow = dy + (((int64_t)b * oh + oy) * ow) * cout;
          for (int32_t ox = ox0; ox < ox1; ox += FILTER_GRAD_CHUNK) {
            int32_t len = ox1 - ox < FILTER_GRAD_CHUNK ? ox1 - ox : FILTER_GRAD_CHUNK;
            filter_grad_chunk(xrow + (int64_t)(ox * sw - left + kx) * cin, grow + (int64_t)ox * cout, sw * cin, cout, len, acc, cin, cout);
          }
        }
      }
    }
  }
}

/* Up to 16 channels in the accumulator vectors a0..a3 of the enclosing function: nv of them
 * (1 to 4) hold 4 channels each, or with nv = 0 lane 0 of a0 holds one channel (a float32
 * operation in one lane gives the bits of the scalar one). Add the lane products of p and q,
 * or store the channels to d. */
#define ACC16_ADD_PRODUCTS(p, q, nv) do { \
    if ((nv) == 0) { \
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load32_zero(p), wasm_v128_load32_zero(q))); \
      break; \
    } \
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(p), wasm_v128_load(q))); \
    if ((nv) > 1) a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load((p) + 4), wasm_v128_load((q) + 4))); \
    if ((nv) > 2) a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load((p) + 8), wasm_v128_load((q) + 8))); \
    if ((nv) > 3) a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load((p) + 12), wasm_v128_load((q) + 12))); \
  } while (0)
#define ACC16_STORE(d, nv) do { \
    if ((nv) == 0) { \
      wasm_v128_store32_lane(d, a0, 0); \
      break; \
    } \
    wasm_v128_store(d, a0); \
    if ((nv) > 1) wasm_v128_store((d) + 4, a1); \
    if ((nv) > 2) wasm_v128_store((d) + 8, a2); \
    if ((nv) > 3) wasm_v128_store((d) + 12, a3); \
  } while (0)

/* dx[k .. k + 4 nv) (nv = 0: dx[k]) of one input pixel: the products dy(oy, ox) * w(ky, kx) of every tap that
 * reaches it, summed from zero in ascending (oy, ox) order (descending ky, then kx), in up to 4
 * accumulator vectors (see ACC16_ADD_PRODUCTS). `g` is dy of image b at channel k, `wk` the filter at channel k. */
static inline __attribute__((always_inline)) void dw_input_pixel(const float *g, const float *wk, float *d, int32_t c,
                                                               int32_t oh, int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                                                               int32_t ty, int32_t tx, int32_t nv) {
  v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
  for (int32_t ky = kh - 1; ky >= 0; ky--) {
    int32_t t = ty - ky; /* oy * sh */
    if (t < 0 || t % sh) continue;
    int32_t oy = t / sh;
    if (oy >= oh) break;
    for (int32_t kx = kw - 1; kx >= 0; kx--) {
      int32_t u = tx - kx; /* ox * sw */
      if (u < 0 || u % sw) continue;
      int32_t ox = u / sw;
      if (ox >= ow) break;
      const float *gp = g + ((int64_t)oy * ow + ox) * c;
      const float *wp = wk + (int64_t)(ky * kw + kx) * c;
      ACC16_ADD_PRODUCTS(gp, wp, nv);
    }
  }
  ACC16_STORE(d, nv);
}

/* Input gradient of a depth-multiplier-1 depthwise convolution, NHWC:
 * dx[n, iy, ix, k] = sum over the taps (ky, kx) and output pixels (oy, ox) with
 *   iy = oy * sh - top + ky, ix = ox * sw - left + kx of dy[n, oy, ox, k] * w[ky, kx, k]
 * gathered per input pixel: its products summed from zero in ascending (oy, ox) order (the
 * order a scatter over output pixels would add them), 16 channels at a time in registers,
 * then 4, then one at a time. Every element of dx is written (no zeroing needed). */
EXPORT(dw_input_grad)
void dw_input_grad(const float *dy, const float *wt, float *dx, int32_t n, int32_t h, int32_t w, int32_t c,
                   int32_t oh, int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t top, int32_t left) {
  for (int32_t b = 0; b < n; b++) {
    const float *g = dy + (int64_t)b * oh * ow * c;
    for (int32_t iy = 0; iy < h; iy++) {
      for (int32_t ix = 0; ix < w; ix++) {
        float *d = dx + (((int64_t)b * h + iy) * w + ix) * c;
        int32_t ty = iy + top, tx = ix + left, k = 0;
        for (; k + 16 <= c; k += 16) dw_input_pixel(g + k, wt + k, d + k, c, oh, ow, kh, kw, sh, sw, ty, tx, 4);
        for (; k + 4 <= c; k += 4) dw_input_pixel(g + k, wt + k, d + k, c, oh, ow, kh, kw, sh, sw, ty, tx, 1);
        for (; k < c; k++) dw_input_pixel(g + k, wt + k, d + k, c, oh, ow, kh, kw, sh, sw, ty, tx, 0);
      }
    }
  }
}

/* r rows (1 or 4) of c = a * b for a [r, k], b [k, n], c [r, n], all row-major: every element
 * sums its k products from zero in ascending k order, one at a time (the order of the tfjs
 * wasm backend's matmul, so the bits are the same), 8 then 4 columns in registers, then one. */
static inline __attribute__((always_inline)) void gemm_rows(const float *a, const float *b, float *c, int32_t r, int32_t k, int32_t n) {
  int32_t j = 0;
  for (; j + 8 <= n; j += 8) {
    v128_t z = wasm_f32x4_splat(0.0f);
    v128_t c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
    const float *bp = b + j;
    for (int32_t o = 0; o < k; o++, bp += n) {
      v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
      v128_t a0 = wasm_f32x4_splat(a[o]);
      c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
      c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
      if (r > 1) {
        v128_t a1 = wasm_f32x4_splat(a[k + o]), a2 = wasm_f32x4_splat(a[2 * k + o]), a3 = wasm_f32x4_splat(a[3 * k + o]);
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
      }
    }
    wasm_v128_store(c + j, c00);
    wasm_v128_store(c + j + 4, c01);
    if (r > 1) {
      wasm_v128_store(c + n + j, c10);
      wasm_v128_store(c + n + j + 4, c11);
      wasm_v128_store(c + 2 * n + j, c20);
      wasm_v128_store(c + 2 * n + j + 4, c21);
      wasm_v128_store(c + 3 * n + j, c30);
      wasm_v128_store(c + 3 * n + j + 4, c31);
    }
  }
  for (; j + 4 <= n; j += 4) {
    for (int32_t row = 0; row < r; row++) {
      v128_t acc = wasm_f32x4_splat(0.0f);
      const float *ar = a + (int64_t)row * k;
      for (int32_t o = 0; o < k; o++) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_splat(ar[o]), wasm_v128_load(b + (int64_t)o * n + j)));
      wasm_v128_store(c + (int64_t)row * n + j, acc);
    }
  }
  for (; j < n; j++) {
    for (int32_t row = 0; row < r; row++) {
      float s = 0.0f;
      const float *ar = a + (int64_t)row * k;
      for (int32_t o = 0; o < k; o++) s += ar[o] * b[(int64_t)o * n + j];
      c[(int64_t)row * n + j] = s;
    }
  }
}

/* c = a * b for a [m, k], b [k, n], row-major, as gemm_rows: four rows at a time, then one. */
static void gemm(const float *a, const float *b, float *c, int32_t m, int32_t k, int32_t n) {
  int32_t p = 0;
  for (; p + 4 <= m; p += 4) gemm_rows(a + (int64_t)p * k, b, c + (int64_t)p * n, 4, k, n);
  for (; p < m; p++) gemm_rows(a + (int64_t)p * k, b, c + (int64_t)p * n, 1, k, n);
}

/* Input gradient of a 1x1 stride-1 unpadded convolution over m pixels, NHWC, HWIO filter w:
 * dx[p, i] = sum over o of dy[p, o] * w[i, o], each element summed from zero in ascending o
 * order (as the tfjs matmul of dy by the transposed filter does). wt (cin * cout floats,
 * caller's scratch) receives the filter transposed to [cout, cin]. Every element of dx is
 * written. */
EXPORT(pointwise_input_grad)
void pointwise_input_grad(const float *dy, const float *w, float *dx, float *wt, int32_t m, int32_t cin, int32_t cout) {
  for (int32_t i = 0; i < cin; i++)
    for (int32_t o = 0; o < cout; o++) wt[(int64_t)o * cin + i] = w[(int64_t)i * cout + o];
  gemm(dy, wt, dx, m, cout, cin);
}

/* A 1x1 stride-1 unpadded convolution over m pixels, NHWC, HWIO filter w, no bias:
 * y[p, o] = sum over i of x[p, i] * w[i, o], each element summed from zero in ascending i
 * order (the order of the tfjs wasm backend's Conv2D, so the bits are the same). Every element
 * of y is written. */
EXPORT(pointwise_conv)
void pointwise_conv(const float *x, const float *w, float *y, int32_t m, int32_t cin, int32_t cout) {
  gemm(x, w, y, m, cin, cout);
}

/* y[k .. k + 4 nv) (nv = 0: y[k]) of one output pixel of a depthwise convolution: the products
 * x(iy0 + ky, ix0 + kx) * w(ky, kx) of its taps inside the input, summed from zero with kx
 * outer and ky inner (the tap order of the tfjs wasm backend's depthwise convolution; the
 * padding taps it adds are zeros, which change no sum), in up to 4 accumulator vectors (see ACC16_ADD_PRODUCTS). `xb`
 * is x of image b at channel k, `wk` the filter at channel k. */
static inline __attribute__((always_inline)) void dw_conv_pixel(const float *xb, const float *wk, float *d, int32_t c, int32_t h, int32_t w,
                                                              int32_t kh, int32_t kw, int32_t iy0, int32_t ix0, int32_t nv) {
  v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
  for (int32_t kx = 0; kx < kw; kx++) {
    int32_t ix = ix0 + kx;
    if (ix < 0 || ix >= w) continue;
    for (int32_t ky = 0; ky < kh; ky++) {
      int32_t iy = iy0 + ky;
      if (iy < 0 || iy >= h) continue;
      const float *xp = xb + ((int64_t)iy * w + ix) * c;
      const float *wp = wk + (int64_t)(ky * kw + kx) * c;
      ACC16_ADD_PRODUCTS(xp, wp, nv);
    }
  }
  ACC16_STORE(d, nv);
}

/* A depth-multiplier-1 depthwise convolution, NHWC, filter [kh, kw, c], no bias:
 * y[n, oy, ox, k] = sum over the taps (ky, kx) inside the input of
 *   x[n, oy * sh - top + ky, ox * sw - left + kx, k] * w[ky, kx, k],
 * summed from zero with kx outer and ky inner (the same bits as the tfjs wasm backend's
 * kernel), 16 channels at a time in registers, then 4, then one by one. Every element of y
 * is written. */
EXPORT(dw_conv)
void dw_conv(const float *x, const float *wt, float *y, int32_t n, int32_t h, int32_t w, int32_t c,
             int32_t oh, int32_t ow, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t top, int32_t left) {
  for (int32_t b = 0; b < n; b++) {
    const float *xb = x + (int64_t)b * h * w * c;
    for (int32_t oy = 0; oy < oh; oy++) {
      for (int32_t ox = 0; ox < ow; ox++) {
        float *d = y + (((int64_t)b * oh + oy) * ow + ox) * c;
        int32_t iy0 = oy * sh - top, ix0 = ox * sw - left, k = 0;
        for (; k + 16 <= c; k += 16) dw_conv_pixel(xb + k, wt + k, d + k, c, h, w, kh, kw, iy0, ix0, 4);
        for (; k + 4 <= c; k += 4) dw_conv_pixel(xb + k, wt + k, d + k, c, h, w, kh, kw, iy0, ix0, 1);
        for (; k < c; k++) dw_conv_pixel(xb + k, wt + k, d + k, c, h, w, kh, kw, iy0, ix0, 0);
      }
    }
  }
}

/* Global average pooling, NHWC: y[b, k] = (sum over the pixels of x[b, p, k], from zero in
 * pixel order) / pixels, in float32 (the order and rounding of tfjs's Mean over height and
 * width), 16 channels at a time in registers, then 4, then one (in one lane). */
EXPORT(gap_forward)
void gap_forward(const float *x, float *y, int32_t n, int32_t pixels, int32_t c) {
  v128_t vp = wasm_f32x4_splat((float)pixels);
  for (int32_t b = 0; b < n; b++) {
    const float *xb = x + (int64_t)b * pixels * c;
    float *d = y + (int64_t)b * c;
    int32_t k = 0;
#define GAP_CHANNELS(nv) do { \
      v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0; \
      for (int32_t p = 0; p < pixels; p++) { \
        const float *xp = xb + (int64_t)p * c + k; \
        if ((nv) == 0) a0 = wasm_f32x4_add(a0, wasm_v128_load32_zero(xp)); \
        else { \
          a0 = wasm_f32x4_add(a0, wasm_v128_load(xp)); \
          if ((nv) > 1) a1 = wasm_f32x4_add(a1, wasm_v128_load(xp + 4)); \
          if ((nv) > 2) a2 = wasm_f32x4_add(a2, wasm_v128_load(xp + 8)); \
          if ((nv) > 3) a3 = wasm_f32x4_add(a3, wasm_v128_load(xp + 12)); \
        } \
      } \
      a0 = wasm_f32x4_div(a0, vp); \
      a1 = wasm_f32x4_div(a1, vp); \
      a2 = wasm_f32x4_div(a2, vp); \
      a3 = wasm_f32x4_div(a3, vp); \
      ACC16_STORE(d + k, nv); \
    } while (0)
    for (; k + 16 <= c; k += 16) GAP_CHANNELS(4);
    for (; k + 4 <= c; k += 4) GAP_CHANNELS(1);
    for (; k < c; k++) GAP_CHANNELS(0);
#undef GAP_CHANNELS
  }
}

/* Gradient of gap_forward: dx[b, p, k] = dy[b, k] / pixels (float32) for every pixel p. */
EXPORT(gap_backward)
void gap_backward(const float *dy, float *dx, int32_t n, int32_t pixels, int32_t c) {
  v128_t vp = wasm_f32x4_splat((float)pixels);
  for (int32_t b = 0; b < n; b++) {
    float *first = dx + (int64_t)b * pixels * c; /* pixel 0, copied to the others */
    const float *g = dy + (int64_t)b * c;
    int32_t k = 0;
    for (; k + 4 <= c; k += 4) wasm_v128_store(first + k, wasm_f32x4_div(wasm_v128_load(g + k), vp));
    for (; k < c; k++) first[k] = g[k] / (float)pixels;
    for (int32_t p = 1; p < pixels; p++) {
      float *row = first + (int64_t)p * c;
      for (k = 0; k + 4 <= c; k += 4) wasm_v128_store(row + k, wasm_v128_load(first + k));
      for (; k < c; k++) row[k] = first[k];
    }
  }
}

/* y = clamp(x, lo, hi) (ReLU: lo 0, hi +inf; ReLU6: hi 6). */
EXPORT(clamp_forward)
void clamp_forward(const float *x, float *y, int32_t n, float lo, float hi) {
  v128_t vlo = wasm_f32x4_splat(lo), vhi = wasm_f32x4_splat(hi);
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_pmin(vhi, wasm_f32x4_pmax(vlo, wasm_v128_load(x + i))));
  for (; i < n; i++) y[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i];
}
