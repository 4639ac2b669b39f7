/*
 * edgeq's integer interpreter kernels in WebAssembly SIMD128: CONV_2D / FULLY_CONNECTED
 * (an implicit GEMM: each window read in place from a zero-bordered int16 plane of the
 * zero-point-offset input, or from im2col rows when its runs are short, times the int8
 * weights widened to int16, i32x4.dot_i16x8_s) and DEPTHWISE_CONV_2D (channel-vector
 * multiply-accumulate over a zero-bordered int16 plane), each followed by the per-channel requantisation of the graph's
 * scheme (double rounding, single rounding, power-of-two, fp32). The TypeScript kernels in
 * packages/ir/src are the reference: every function here computes the same bits
 * (packages/ir/src/wasm/ prepares the tables and calls these; see requant-tables.ts
 * for the derivations of the vector requantisation).
 *
 * The module owns its memory; JavaScript lays out every buffer and passes one descriptor
 * (a struct of int32 fields and pointers) per call. No static data, no libc.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

enum { MODE_DOUBLE = 0, MODE_SINGLE = 1, MODE_POW2 = 2, MODE_FP32 = 3 };

/* Per-channel requantisation of one op (tables padded to a multiple of 8 channels). */
typedef struct {
  int32_t mode;
  /* 1 when every shift allows the vector path (fp32 always; other modes: shift <= 0). */
  int32_t vector_ok;
  int32_t out_zp, act_min, act_max;
  const int32_t *multiplier; /* Q31 multiplier, or fp32 mode's float32 bits */
  const int32_t *shift;
  const int32_t *half;       /* 2^(e-1) for a right shift e >= 1, else 0 */
  const int32_t *negative;   /* 1 where the rounding divide breaks ties away from zero (double rounding, e >= 1) */
  const int64_t *power;      /* 2^(31-e): floor(v / 2^e) = (v * power) >> 31 */
  const int64_t *rounding;   /* single rounding: 2^(30+e) */
} Requant;

/*
 * Descriptor of a convolution (CONV_2D / FULLY_CONNECTED, or DEPTHWISE_CONV_2D): the shared
 * geometry, then each kind's own fields (the other kind's are 0).
 */
typedef struct {
  int32_t in_h, in_w, in_c, out_h, out_w, out_c;
  int32_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  int32_t in_zp;
  /* CONV_2D: the window as `segments` runs of contiguous plane values (a kernel row, or one
     tap when dilation_w > 1), each read as `segment_pairs` pairs (odd runs end on one value of
     the next run, its weight 0). With `im2col` set (runs too short to pay for their loop), the
     scratch holds instead one row of 2 * segment_pairs values per output pixel, one run each. */
  int32_t segments, segment_pairs, im2col;
  int32_t depth_multiplier, c_padded;                       /* DEPTHWISE_CONV_2D */
  int32_t plane_h, plane_w;                                 /* both: the zero-bordered plane */
  const int8_t *x;
  int8_t *y;
  /* CONV_2D: plane [plane_h][plane_w][in_c] of x - zp, zero border (or im2col rows), rewritten every run.
     DEPTHWISE_CONV_2D: planes [plane_h][plane_w][c_padded], x - zp by output channel, zero border. */
  int16_t *scratch;
  /* CONV_2D: [out channels / 4][segments * segment_pairs][4][2]; DEPTHWISE_CONV_2D: [kernel_h * kernel_w][c_padded];
     int16 (an int8 copy widened by the loads costs one more vector op per load: measured 5% slower), zero padded */
  const int16_t *weights;
  const int32_t *bias; /* padded to a multiple of 8 channels */
  const int32_t *segment_offsets; /* CONV_2D: plane offset (int16 elements) of each segment from the window's corner */
  Requant rq;
} Conv;

static int32_t saturate_int32(int64_t v) {
  return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* One accumulator requantised, as quant-math.ts computes it (before the zero point). */
static int32_t requant_scalar(const Requant *rq, int32_t acc, int32_t c) {
  int32_t m = rq->multiplier[c];
  int32_t s = rq->shift[c];
  switch (rq->mode) {
    case MODE_DOUBLE: {
      int64_t shifted = s > 0 ? saturate_int32((int64_t)acc * ((int64_t)1 << s)) : acc;
      int64_t h = (shifted * m + ((int64_t)1 << 30)) >> 31;
      int32_t e = s > 0 ? 0 : -s;
      if (e == 0) return (int32_t)h;
      return (int32_t)((h + ((int64_t)1 << (e - 1)) - (h < 0 ? 1 : 0)) >> e);
    }
    case MODE_SINGLE: {
      int32_t r = 31 - s;
      return saturate_int32(((int64_t)acc * m + ((int64_t)1 << (r - 1))) >> r);
    }
    case MODE_POW2: {
      if (s >= 0) return saturate_int32((int64_t)acc * ((int64_t)1 << s));
      int32_t n = -s;
      return (acc >> n) + ((acc >> (n - 1)) & 1);
    }
    default: {
      union { int32_t i; float f; } scale;
      scale.i = m;
      float v = (float)acc * scale.f;
      v = v < -32768.0f ? -32768.0f : v > 32767.0f ? 32767.0f : v;
      return (int32_t)__builtin_nearbyintf(v);
    }
  }
}

/* The low 32 bits of each int64 lane of lo (lanes 0, 1) and hi (lanes 2, 3). */
static v128_t narrow_i64(v128_t lo, v128_t hi) {
  return wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6);
}

/* floor((v + adjust) / 2^e) per lane, exactly, in int64: (v + adjust) * 2^(31-e) >> 31. */
static v128_t divide_pow2(v128_t v, v128_t adjust, const int64_t *power) {
  v128_t lo = wasm_i64x2_add(wasm_i64x2_extend_low_i32x4(v), wasm_i64x2_extend_low_i32x4(adjust));
  v128_t hi = wasm_i64x2_add(wasm_i64x2_extend_high_i32x4(v), wasm_i64x2_extend_high_i32x4(adjust));
  lo = wasm_i64x2_shr(wasm_i64x2_mul(lo, wasm_v128_load(power)), 31);
  hi = wasm_i64x2_shr(wasm_i64x2_mul(hi, wasm_v128_load(power + 2)), 31);
  return narrow_i64(lo, hi);
}

/* Clamp int64 lanes to [-limit, limit]. */
static v128_t clamp_i64(v128_t v, int64_t limit) {
  v128_t hi = wasm_i64x2_splat(limit), lo = wasm_i64x2_splat(-limit);
  v = wasm_v128_bitselect(hi, v, wasm_i64x2_gt(v, hi));
  return wasm_v128_bitselect(lo, v, wasm_i64x2_lt(v, lo));
}

/* Accumulators of channels c..c+3 requantised, zero point added, clamped to the activation range. */
static v128_t requant4(const Requant *rq, v128_t acc, int32_t c) {
  v128_t q;
  if (!rq->vector_ok) {
    q = wasm_i32x4_make(requant_scalar(rq, wasm_i32x4_extract_lane(acc, 0), c), requant_scalar(rq, wasm_i32x4_extract_lane(acc, 1), c + 1),
                        requant_scalar(rq, wasm_i32x4_extract_lane(acc, 2), c + 2), requant_scalar(rq, wasm_i32x4_extract_lane(acc, 3), c + 3));
  } else if (rq->mode == MODE_FP32) {
    /*
     * Clamping before rounding to the integers [act_min - zp, act_max - zp] equals clamping
     * after (rounding is monotonic and keeps integers), and makes the +-2^15 clamp moot.
     * Adding 1.5 * 2^23 rounds |v| < 2^22 to an integer half to even, held in the low
     * mantissa bits: subtracting the constant's bit pattern leaves round(v), plus zp here.
     */
    v128_t v = wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc), wasm_v128_load(rq->multiplier + c));
    v = wasm_f32x4_pmin(wasm_f32x4_pmax(v, wasm_f32x4_splat((float)(rq->act_min - rq->out_zp))), wasm_f32x4_splat((float)(rq->act_max - rq->out_zp)));
    v = wasm_f32x4_add(v, wasm_f32x4_splat(12582912.0f));
    return wasm_i32x4_sub(v, wasm_i32x4_splat(0x4B400000 - rq->out_zp));
  } else if (rq->mode == MODE_POW2) {
    q = divide_pow2(acc, wasm_v128_load(rq->half + c), rq->power + c);
  } else if (rq->mode == MODE_DOUBLE) {
    v128_t m = wasm_v128_load(rq->multiplier + c);
    v128_t r = wasm_i64x2_splat((int64_t)1 << 30);
    v128_t lo = wasm_i64x2_shr(wasm_i64x2_add(wasm_i64x2_extmul_low_i32x4(acc, m), r), 31);
    v128_t hi = wasm_i64x2_shr(wasm_i64x2_add(wasm_i64x2_extmul_high_i32x4(acc, m), r), 31);
    v128_t h = narrow_i64(lo, hi);
    v128_t adjust = wasm_i32x4_sub(wasm_v128_load(rq->half + c), wasm_v128_and(wasm_v128_load(rq->negative + c), wasm_i32x4_lt(h, wasm_i32x4_splat(0))));
    q = divide_pow2(h, adjust, rq->power + c);
  } else {
    v128_t m = wasm_v128_load(rq->multiplier + c);
    v128_t lo = wasm_i64x2_shr(wasm_i64x2_add(wasm_i64x2_extmul_low_i32x4(acc, m), wasm_v128_load(rq->rounding + c)), 31);
    v128_t hi = wasm_i64x2_shr(wasm_i64x2_add(wasm_i64x2_extmul_high_i32x4(acc, m), wasm_v128_load(rq->rounding + c + 2)), 31);
    lo = clamp_i64(wasm_i64x2_shr(wasm_i64x2_mul(lo, wasm_v128_load(rq->power + c)), 31), 1024);
    hi = clamp_i64(wasm_i64x2_shr(wasm_i64x2_mul(hi, wasm_v128_load(rq->power + c + 2)), 31), 1024);
    q = narrow_i64(lo, hi);
  }
  /* Beyond +-1024 every value clamps alike; this keeps q + zp from wrapping around int32. */
  q = wasm_i32x4_min(wasm_i32x4_max(q, wasm_i32x4_splat(-1024)), wasm_i32x4_splat(1024));
  q = wasm_i32x4_add(q, wasm_i32x4_splat(rq->out_zp));
  return wasm_i32x4_min(wasm_i32x4_max(q, wasm_i32x4_splat(rq->act_min)), wasm_i32x4_splat(rq->act_max));
}

/* Store the first n (<= 4) lanes of int32 values already inside int8 range. */
static void store4(int8_t *y, v128_t v, int32_t n) {
  v128_t b = wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(v, v), v);
  if (n >= 4) {
    wasm_v128_store32_lane(y, b, 0);
    return;
  }
  if (n > 0) y[0] = (int8_t)wasm_i8x16_extract_lane(b, 0);
  if (n > 1) y[1] = (int8_t)wasm_i8x16_extract_lane(b, 1);
  if (n > 2) y[2] = (int8_t)wasm_i8x16_extract_lane(b, 2);
}

/* Store the first n lanes of lo, hi (8 int32 values already inside int8 range). */
static void store8(int8_t *y, v128_t lo, v128_t hi, int32_t n) {
  if (n >= 8) {
    v128_t h = wasm_i16x8_narrow_i32x4(lo, hi);
    wasm_v128_store64_lane(y, wasm_i8x16_narrow_i16x8(h, h), 0);
    return;
  }
  store4(y, lo, n);
  if (n > 4) store4(y + 4, hi, n - 4);
}

/* n int8 values minus zp as int16, written 8 at a time (up to 7 values past n are overwritten). */
static void offset_copy(int16_t *dst, const int8_t *src, int32_t n, v128_t zp) {
  for (int32_t i = 0; i < n; i += 8) wasm_v128_store(dst + i, wasm_i16x8_sub(wasm_i16x8_load8x8(src + i), zp));
}

static void zero_fill(int16_t *dst, int32_t n) {
  for (int32_t i = 0; i < n; i += 8) wasm_v128_store(dst + i, wasm_i16x8_splat(0));
}

/*
 * Write the whole zero-bordered plane of x - zp, `stride` values per pixel: CONV_2D's
 * (stride in_c) or DEPTHWISE_CONV_2D's (stride c_padded, channel ci repeated
 * depth_multiplier times; a pixel's padding channels may hold anything, their weights are
 * 0 and their outputs never stored). Each plane row is written in address order (left
 * border, input row, right border, or all border), each piece 8 values at a time: a
 * piece's overrun lands where the next piece (or the scratch slack) is written afterwards,
 * so the plane is rewritten exactly, whatever earlier ops left in the shared scratch.
 */
static void fill_plane(const Conv *p, int32_t stride) {
  v128_t zp = wasm_i16x8_splat((int16_t)p->in_zp);
  int32_t cin = p->in_c, row = p->plane_w * stride;
  int32_t left = p->pad_left * stride, inside = p->in_w * stride;
  int16_t *dst = p->scratch;
  for (int32_t py = 0; py < p->plane_h; py++, dst += row) {
    int32_t iy = py - p->pad_top;
    if (iy < 0 || iy >= p->in_h) {
      zero_fill(dst, row);
      continue;
    }
    zero_fill(dst, left);
    const int8_t *src = p->x + iy * p->in_w * cin;
    if (stride == cin) {
      offset_copy(dst + left, src, inside, zp); /* the input row is one run */
    } else {
      for (int32_t ix = 0; ix < p->in_w; ix++, src += cin) {
        int16_t *pixel = dst + left + ix * stride;
        if (p->depth_multiplier == 1) {
          offset_copy(pixel, src, cin, zp); /* the overrun stays in the pixel's padding channels */
          continue;
        }
        for (int32_t ci = 0; ci < cin; ci++) {
          for (int32_t m = 0; m < p->depth_multiplier; m++) pixel[ci * p->depth_multiplier + m] = (int16_t)(src[ci] - p->in_zp);
        }
      }
    }
    zero_fill(dst + left + inside, row - left - inside);
  }
}

/*
 * One im2col row of x - zp per output pixel (taps outside the input are 0), each row
 * written in address order, so a piece's 8-wide overrun is rewritten by the next piece.
 */
static void conv_rows(const Conv *p) {
  v128_t zp = wasm_i16x8_splat((int16_t)p->in_zp);
  int32_t cin = p->in_c;
  int16_t *row = p->scratch;
  for (int32_t oy = 0; oy < p->out_h; oy++) {
    int32_t iy0 = oy * p->stride_h - p->pad_top;
    for (int32_t ox = 0; ox < p->out_w; ox++, row += 2 * p->segment_pairs) {
      int32_t ix0 = ox * p->stride_w - p->pad_left;
      /* With dilation 1 and the whole window row inside the input, a kernel row is kernel_w * cin contiguous values. */
      int32_t row_inside = p->dilation_w == 1 && ix0 >= 0 && ix0 + p->kernel_w <= p->in_w;
      int16_t *at = row;
      for (int32_t ky = 0; ky < p->kernel_h; ky++) {
        int32_t iy = iy0 + ky * p->dilation_h;
        int32_t row_ok = iy >= 0 && iy < p->in_h;
        if (row_ok && row_inside) {
          offset_copy(at, p->x + (iy * p->in_w + ix0) * cin, p->kernel_w * cin, zp);
          at += p->kernel_w * cin;
          continue;
        }
        for (int32_t kx = 0; kx < p->kernel_w; kx++, at += cin) {
          int32_t ix = ix0 + kx * p->dilation_w;
          if (row_ok && ix >= 0 && ix < p->in_w) offset_copy(at, p->x + (iy * p->in_w + ix) * cin, cin, zp);
          else zero_fill(at, cin);
        }
      }
    }
  }
}

/* Where the windows of the output pixels start: pixel (oy, ox) at oy * row_step + ox * pixel_step. */
typedef struct {
  const int16_t *base;
  int32_t row_step, pixel_step, out_w;
} Windows;

/* Write the scratch (plane or im2col rows) and say where each window starts. */
static Windows conv_windows(const Conv *p) {
  Windows w = {p->scratch, 0, 0, p->out_w};
  if (p->im2col) {
    conv_rows(p);
    w.pixel_step = 2 * p->segment_pairs;
    w.row_step = p->out_w * w.pixel_step;
  } else {
    fill_plane(p, p->in_c);
    w.pixel_step = p->stride_w * p->in_c;
    w.row_step = p->stride_h * p->plane_w * p->in_c;
  }
  return w;
}

/* Scratch address of the window of output pixel (oy, ox), then (oy, ox) moved to the next pixel. */
static const int16_t *next_window(const Windows *w, int32_t *oy, int32_t *ox) {
  const int16_t *at = w->base + *oy * w->row_step + *ox * w->pixel_step;
  if (++*ox == w->out_w) {
    *ox = 0;
    ++*oy;
  }
  return at;
}

/* Add the broadcast input pair at x times the packed weights k0, k1 (channels c..c+7) to lo, hi. */
#define DOT_PAIR(lo, hi, x) \
  do { \
    v128_t v_ = wasm_v128_load32_splat(x); \
    lo = wasm_i32x4_add(lo, wasm_i32x4_dot_i16x8(v_, k0)); \
    hi = wasm_i32x4_add(hi, wasm_i32x4_dot_i16x8(v_, k1)); \
  } while (0)

/*
 * Requantise and store two channel vectors (channels c..c+7) of one output row. `rq` is the
 * kernel's local copy of p->rq: the int8 output stores cannot alias a local, so its fields
 * and the constants built from them stay in registers across the loops (read through p,
 * every store would force them to be reloaded).
 */
static void store_row8(const Conv *p, const Requant *rq, int32_t r, int32_t c, v128_t lo, v128_t hi) {
  int32_t n = p->out_c - c;
  store8(p->y + r * p->out_c + c, requant4(rq, lo, c), n > 4 ? requant4(rq, hi, c + 4) : lo, n);
}

/*
 * CONV_2D or FULLY_CONNECTED as an implicit GEMM: the input is widened once into the
 * zero-bordered plane, and each output pixel's window is read in place from it (no im2col
 * copy), in blocks of 4 pixels x 8 channels. The weights are packed in pairs of depth
 * steps, [channel/4][pair][4 channels][2 steps], so one i32x4.dot_i16x8_s of the broadcast
 * input pair (x[t], x[t+1]) with 8 packed weights adds w[c][t]x[t] + w[c][t+1]x[t+1] to four
 * channels at once: no horizontal sums.
 */
EXPORT(conv)
void conv(const Conv *p) {
  const Requant rq = p->rq;
  const Windows windows = conv_windows(p);
  int32_t pixels = p->out_h * p->out_w;
  int32_t segments = p->segments, seg_pairs = p->segment_pairs;
  int32_t block = segments * seg_pairs * 8; /* weights of 4 channels */
  int32_t cout = p->out_c;
  int32_t r = 0, oy = 0, ox = 0;
  for (; r + 4 <= pixels; r += 4) {
    const int16_t *x0 = next_window(&windows, &oy, &ox), *x1 = next_window(&windows, &oy, &ox);
    const int16_t *x2 = next_window(&windows, &oy, &ox), *x3 = next_window(&windows, &oy, &ox);
    int32_t d1 = (int32_t)(x1 - x0), d2 = (int32_t)(x2 - x0), d3 = (int32_t)(x3 - x0);
    for (int32_t c = 0; c < cout; c += 8) {
      const int16_t *k = p->weights + (c / 4) * block;
      v128_t b0 = wasm_v128_load(p->bias + c), b1 = wasm_v128_load(p->bias + c + 4);
      v128_t a0 = b0, a1 = b1, e0 = b0, e1 = b1, f0 = b0, f1 = b1, g0 = b0, g1 = b1;
      for (int32_t s = 0; s < segments; s++) {
        /* One moving pointer; the other pixels' values at fixed distances from it. */
        const int16_t *u = x0 + p->segment_offsets[s], *end = u + 2 * seg_pairs;
        for (; u < end; u += 2, k += 8) {
          v128_t k0 = wasm_v128_load(k), k1 = wasm_v128_load(k + block);
          DOT_PAIR(a0, a1, u);
          DOT_PAIR(e0, e1, u + d1);
          DOT_PAIR(f0, f1, u + d2);
          DOT_PAIR(g0, g1, u + d3);
        }
      }
      store_row8(p, &rq, r, c, a0, a1);
      store_row8(p, &rq, r + 1, c, e0, e1);
      store_row8(p, &rq, r + 2, c, f0, f1);
      store_row8(p, &rq, r + 3, c, g0, g1);
    }
  }
  for (; r < pixels; r++) {
    const int16_t *x0 = next_window(&windows, &oy, &ox);
    for (int32_t c = 0; c < cout; c += 8) {
      const int16_t *k = p->weights + (c / 4) * block;
      v128_t a0 = wasm_v128_load(p->bias + c), a1 = wasm_v128_load(p->bias + c + 4);
      for (int32_t s = 0; s < segments; s++) {
        const int16_t *u = x0 + p->segment_offsets[s], *end = u + 2 * seg_pairs;
        for (; u < end; u += 2, k += 8) {
          v128_t k0 = wasm_v128_load(k), k1 = wasm_v128_load(k + block);
          DOT_PAIR(a0, a1, u);
        }
      }
      store_row8(p, &rq, r, c, a0, a1);
    }
  }
}

/* Multiply-accumulate 8 channels of one tap into lo, hi. */
#define DW_TAP(lo, hi, xv, wv) \
  do { \
    lo = wasm_i32x4_add(lo, wasm_i32x4_extmul_low_i16x8(xv, wv)); \
    hi = wasm_i32x4_add(hi, wasm_i32x4_extmul_high_i16x8(xv, wv)); \
  } while (0)

/*
 * DEPTHWISE_CONV_2D: 8 output channels of two neighbouring output pixels per step (each
 * weight vector loaded once for both), every tap in bounds thanks to the zero border.
 */
/* Lanes 0-3 (low) or 4-7 (high) of a and b interleaved: a0 b0 a1 b1 ... */
#define ZIP_LOW(a, b) wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11)
#define ZIP_HIGH(a, b) wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15)

/* Two taps (inputs xa, xb; interleaved weights wl, wh) of 8 channels added to lo, hi. */
#define DW_PAIR(lo, hi, xa, xb, wl, wh) \
  do { \
    v128_t xa_ = (xa), xb_ = (xb); \
    lo = wasm_i32x4_add(lo, wasm_i32x4_dot_i16x8(ZIP_LOW(xa_, xb_), wl)); \
    hi = wasm_i32x4_add(hi, wasm_i32x4_dot_i16x8(ZIP_HIGH(xa_, xb_), wh)); \
  } while (0)

/*
 * 3x3 windows: taps are taken in pairs, inputs and weights interleaved by channel, so one
 * i32x4.dot_i16x8_s adds two taps of four channels (the ninth tap is paired with zero).
 * For each block of 8 channels the interleaved weights stay in registers.
 */
static void depthwise_3x3(const Conv *p) {
  const Requant rq = p->rq; /* a local: see store_row8 */
  int32_t cp = p->c_padded, cout = p->out_c;
  int32_t row_step = p->dilation_h * p->plane_w * cp, tap_step = p->dilation_w * cp, pixel_step = p->stride_w * cp;
  v128_t zero = wasm_i16x8_splat(0);
  for (int32_t c = 0; c < cp; c += 8) {
    const int16_t *w = p->weights + c;
    v128_t k0 = wasm_v128_load(w), k1 = wasm_v128_load(w + cp), k2 = wasm_v128_load(w + 2 * cp);
    v128_t k3 = wasm_v128_load(w + 3 * cp), k4 = wasm_v128_load(w + 4 * cp), k5 = wasm_v128_load(w + 5 * cp);
    v128_t k6 = wasm_v128_load(w + 6 * cp), k7 = wasm_v128_load(w + 7 * cp), k8 = wasm_v128_load(w + 8 * cp);
    v128_t w01l = ZIP_LOW(k0, k1), w01h = ZIP_HIGH(k0, k1), w23l = ZIP_LOW(k2, k3), w23h = ZIP_HIGH(k2, k3);
    v128_t w45l = ZIP_LOW(k4, k5), w45h = ZIP_HIGH(k4, k5), w67l = ZIP_LOW(k6, k7), w67h = ZIP_HIGH(k6, k7);
    v128_t w8l = ZIP_LOW(k8, zero), w8h = ZIP_HIGH(k8, zero);
    v128_t b0 = wasm_v128_load(p->bias + c), b1 = wasm_v128_load(p->bias + c + 4);
    int32_t n = cout - c;
    for (int32_t oy = 0; oy < p->out_h; oy++) {
      const int16_t *x = p->scratch + oy * p->stride_h * p->plane_w * cp + c;
      int8_t *y = p->y + oy * p->out_w * cout + c;
      for (int32_t ox = 0; ox < p->out_w; ox++, x += pixel_step, y += cout) {
        v128_t lo = b0, hi = b1;
        const int16_t *r1 = x + row_step, *r2 = x + 2 * row_step;
        DW_PAIR(lo, hi, wasm_v128_load(x), wasm_v128_load(x + tap_step), w01l, w01h);
        DW_PAIR(lo, hi, wasm_v128_load(x + 2 * tap_step), wasm_v128_load(r1), w23l, w23h);
        DW_PAIR(lo, hi, wasm_v128_load(r1 + tap_step), wasm_v128_load(r1 + 2 * tap_step), w45l, w45h);
        DW_PAIR(lo, hi, wasm_v128_load(r2), wasm_v128_load(r2 + tap_step), w67l, w67h);
        DW_PAIR(lo, hi, wasm_v128_load(r2 + 2 * tap_step), zero, w8l, w8h);
        store8(y, requant4(&rq, lo, c), n > 4 ? requant4(&rq, hi, c + 4) : lo, n);
      }
    }
  }
}

EXPORT(depthwise)
void depthwise(const Conv *p) {
  fill_plane(p, p->c_padded);
  if (p->kernel_h == 3 && p->kernel_w == 3) {
    depthwise_3x3(p);
    return;
  }
  const Requant rq = p->rq; /* a local: see store_row8 */
  int32_t cp = p->c_padded, cout = p->out_c;
  int32_t row_step = p->dilation_h * p->plane_w * cp, tap_step = p->dilation_w * cp, pixel_step = p->stride_w * cp;
  for (int32_t oy = 0; oy < p->out_h; oy++) {
    const int16_t *row_base = p->scratch + oy * p->stride_h * p->plane_w * cp;
    int8_t *y = p->y + oy * p->out_w * cout;
    int32_t ox = 0;
    for (; ox + 2 <= p->out_w; ox += 2, y += 2 * cout) {
      const int16_t *base = row_base + ox * pixel_step;
      for (int32_t c = 0; c < cp; c += 8) {
        v128_t lo = wasm_v128_load(p->bias + c), hi = wasm_v128_load(p->bias + c + 4);
        v128_t lo1 = lo, hi1 = hi;
        const int16_t *w = p->weights + c;
        for (int32_t ky = 0; ky < p->kernel_h; ky++) {
          const int16_t *xr = base + ky * row_step + c;
          for (int32_t kx = 0; kx < p->kernel_w; kx++, w += cp, xr += tap_step) {
            v128_t wv = wasm_v128_load(w);
            DW_TAP(lo, hi, wasm_v128_load(xr), wv);
            DW_TAP(lo1, hi1, wasm_v128_load(xr + pixel_step), wv);
          }
        }
        int32_t n = cout - c;
        store8(y + c, requant4(&rq, lo, c), n > 4 ? requant4(&rq, hi, c + 4) : lo, n);
        store8(y + cout + c, requant4(&rq, lo1, c), n > 4 ? requant4(&rq, hi1, c + 4) : lo1, n);
      }
    }
    if (ox < p->out_w) {
      const int16_t *base = row_base + ox * pixel_step;
      for (int32_t c = 0; c < cp; c += 8) {
        v128_t lo = wasm_v128_load(p->bias + c), hi = wasm_v128_load(p->bias + c + 4);
        const int16_t *w = p->weights + c;
        for (int32_t ky = 0; ky < p->kernel_h; ky++) {
          const int16_t *xr = base + ky * row_step + c;
          for (int32_t kx = 0; kx < p->kernel_w; kx++, w += cp, xr += tap_step) DW_TAP(lo, hi, wasm_v128_load(xr), wasm_v128_load(w));
        }
        int32_t n = cout - c;
        store8(y + c, requant4(&rq, lo, c), n > 4 ? requant4(&rq, hi, c + 4) : lo, n);
      }
    }
  }
}

typedef struct {
  int32_t n;
  const int8_t *a;
  const int8_t *b;
  int8_t *y;
  /* y = clamp(((m1 * a + m2 * b + k) >> shift) + out_zp), k = 2^(shift-1) - m1 zp1 - m2 zp2 */
  int32_t m1, m2, k, shift, out_zp, act_min, act_max;
} AddXnnpack;

/* Four int32 lanes of the fp32-mode ADD (every partial sum below 2^31, checked by the caller). */
static v128_t add4(const AddXnnpack *p, v128_t a, v128_t b) {
  v128_t v = wasm_i32x4_add(wasm_i32x4_mul(a, wasm_i32x4_splat(p->m1)), wasm_i32x4_mul(b, wasm_i32x4_splat(p->m2)));
  v = wasm_i32x4_shr(wasm_i32x4_add(v, wasm_i32x4_splat(p->k)), (uint32_t)p->shift);
  v = wasm_i32x4_add(v, wasm_i32x4_splat(p->out_zp));
  return wasm_i32x4_min(wasm_i32x4_max(v, wasm_i32x4_splat(p->act_min)), wasm_i32x4_splat(p->act_max));
}

/* ADD in fp32 mode (XNNPACK's arithmetic), 16 elements per step (buffers padded by the caller). */
EXPORT(add_xnnpack)
void add_xnnpack(const AddXnnpack *p) {
  for (int32_t i = 0; i < p->n; i += 16) {
    v128_t a = wasm_v128_load(p->a + i), b = wasm_v128_load(p->b + i);
    v128_t a0 = wasm_i16x8_extend_low_i8x16(a), a1 = wasm_i16x8_extend_high_i8x16(a);
    v128_t b0 = wasm_i16x8_extend_low_i8x16(b), b1 = wasm_i16x8_extend_high_i8x16(b);
    v128_t r0 = add4(p, wasm_i32x4_extend_low_i16x8(a0), wasm_i32x4_extend_low_i16x8(b0));
    v128_t r1 = add4(p, wasm_i32x4_extend_high_i16x8(a0), wasm_i32x4_extend_high_i16x8(b0));
    v128_t r2 = add4(p, wasm_i32x4_extend_low_i16x8(a1), wasm_i32x4_extend_low_i16x8(b1));
    v128_t r3 = add4(p, wasm_i32x4_extend_high_i16x8(a1), wasm_i32x4_extend_high_i16x8(b1));
    wasm_v128_store(p->y + i, wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(r0, r1), wasm_i16x8_narrow_i32x4(r2, r3)));
  }
}

typedef struct {
  int32_t in_h, in_w, c, out_h, out_w, filter_h, filter_w, stride_h, stride_w, pad_top, pad_left;
  int32_t average, act_min, act_max;
  const int8_t *x;
  int8_t *y;
} Pool;

/*
 * sum / count rounded half away from zero (TFLite's average pool), through float32: with
 * |sum| + count/2 < 2^24 every operand is exact and a quotient that is not an integer lies
 * at least 1/count from one, more than float32's error, so truncation is exact.
 */
static v128_t divide_away(v128_t sum, int32_t count) {
  v128_t half = wasm_i32x4_splat(count / 2);
  v128_t negative = wasm_i32x4_lt(sum, wasm_i32x4_splat(0));
  v128_t n = wasm_i32x4_add(sum, wasm_v128_bitselect(wasm_i32x4_neg(half), half, negative));
  return wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_div(wasm_f32x4_convert_i32x4(n), wasm_f32x4_splat((float)count)));
}

/* AVERAGE_POOL_2D / MAX_POOL_2D over the valid part of each window, 8 channels per step. */
EXPORT(pool)
void pool(const Pool *p) {
  v128_t lo_clamp = wasm_i32x4_splat(p->act_min), hi_clamp = wasm_i32x4_splat(p->act_max);
  for (int32_t oy = 0; oy < p->out_h; oy++) {
    int32_t y0 = oy * p->stride_h - p->pad_top, y1 = y0 + p->filter_h;
    y0 = y0 < 0 ? 0 : y0;
    y1 = y1 > p->in_h ? p->in_h : y1;
    for (int32_t ox = 0; ox < p->out_w; ox++) {
      int32_t x0 = ox * p->stride_w - p->pad_left, x1 = x0 + p->filter_w;
      x0 = x0 < 0 ? 0 : x0;
      x1 = x1 > p->in_w ? p->in_w : x1;
      int32_t count = (y1 - y0) * (x1 - x0);
      int8_t *out = p->y + (oy * p->out_w + ox) * p->c;
      for (int32_t c = 0; c < p->c; c += 8) {
        v128_t lo, hi;
        if (p->average) {
          lo = wasm_i32x4_splat(0);
          hi = lo;
          for (int32_t iy = y0; iy < y1; iy++) {
            for (int32_t ix = x0; ix < x1; ix++) {
              v128_t v = wasm_i16x8_load8x8(p->x + (iy * p->in_w + ix) * p->c + c);
              lo = wasm_i32x4_add(lo, wasm_i32x4_extend_low_i16x8(v));
              hi = wasm_i32x4_add(hi, wasm_i32x4_extend_high_i16x8(v));
            }
          }
          lo = divide_away(lo, count);
          hi = divide_away(hi, count);
        } else {
          v128_t m = wasm_i16x8_splat(-128);
          for (int32_t iy = y0; iy < y1; iy++) {
            for (int32_t ix = x0; ix < x1; ix++) m = wasm_i16x8_max(m, wasm_i16x8_load8x8(p->x + (iy * p->in_w + ix) * p->c + c));
          }
          lo = wasm_i32x4_extend_low_i16x8(m);
          hi = wasm_i32x4_extend_high_i16x8(m);
        }
        lo = wasm_i32x4_min(wasm_i32x4_max(lo, lo_clamp), hi_clamp);
        hi = wasm_i32x4_min(wasm_i32x4_max(hi, lo_clamp), hi_clamp);
        store8(out + c, lo, hi, p->c - c);
      }
    }
  }
}

typedef struct {
  int32_t pixels, c;
  const int8_t *x;
  int32_t *sums; /* [c rounded up to 8] */
} ChannelSums;

/* sums[ch] = sum over pixels of x[pixel][ch] (MEAN's int32 sums; the caller finishes them). */
EXPORT(channel_sums)
void channel_sums(const ChannelSums *p) {
  for (int32_t c = 0; c < p->c; c += 8) {
    v128_t lo = wasm_i32x4_splat(0), hi = lo;
    for (int32_t i = 0; i < p->pixels; i++) {
      v128_t v = wasm_i16x8_load8x8(p->x + i * p->c + c);
      lo = wasm_i32x4_add(lo, wasm_i32x4_extend_low_i16x8(v));
      hi = wasm_i32x4_add(hi, wasm_i32x4_extend_high_i16x8(v));
    }
    wasm_v128_store(p->sums + c, lo);
    wasm_v128_store(p->sums + c + 4, hi);
  }
}
