/*
 * edgeq_depthwise_conv_rows_s8.c - DEPTHWISE_CONV_2D of any kernel size, stride, dilation,
 * padding and depth multiplier; called by generated code when the generator's checks pass
 * (packages/codegen/src/fast-depthwise.ts). Parameters in edgeq.h, requantisation constants
 * in edgeq_fast.h.
 *
 * Why this shape: one output channel at a time, so the channel's taps (sign-extended once,
 * doubled in tflm mode) and requantisation constants stay in registers for the whole output
 * plane, and the weights stay int8 in flash in the model's own [kh][kw][channels] layout (no
 * widened copy: `--optimize size` and speed store the same bytes). The channel's input rows go
 * through int16 rows in scratch: the whole padded plane of the channel when it is small enough
 * (cache_rows >= the padded rows the outputs read), else a ring of cache_rows = (kernel_h - 1) *
 * dilation_h + 1 slots of cache_w values plus one row of in_zp for the rows above and below the
 * input. Each input value is sign-extended once and then read by every tap that uses it; in a row, the
 * columns left and right of the input hold in_zp forever (written once per call), so the
 * padding costs nothing in the inner loops and the folded bias = bias - in_zp * sum(w) cancels
 * it. Horizontally adjacent taps of a channel are adjacent int16 values, so on the DSP path one
 * 32-bit load and one SMLAD make two MACs (3x3 at stride 1 or 2 runs the plane kernel's loops,
 * edgeq_depthwise_3x3_rows.h; other sizes with dilation_w 1 pair taps from a small table;
 * dilation_w > 1 takes one tap at a time). The portable C99 path computes the same int32
 * accumulators.
 * Depth multiplier m: output channel co reads input channel co / m.
 */
#include "edgeq_depthwise_3x3_rows.h"

/* Whole-plane mode: the cache holds every padded input row a channel needs (row r at slot r). */
EDGEQ_FAST_INLINE int whole_plane(const edgeq_depthwise_rows_params *p) {
  return p->cache_rows >= (p->out_h - 1) * p->stride_h + (p->kernel_h - 1) * p->dilation_h + 1;
}

/* int32 accumulators: one row (cache_w), or in whole-plane mode room for as many output rows
 * as fit in EDGEQ_DW_ROWS_ACC_MAX entries (+1: the harmless extra of the stride-1 3x3 loop),
 * so that one call of the 3x3 assembly loops sweeps several rows. */
#define EDGEQ_DW_ROWS_ACC_MAX 256
EDGEQ_FAST_INLINE int32_t accumulator_count(const edgeq_depthwise_rows_params *p) {
  const int32_t plane = p->out_h * p->out_w + 1;
  const int32_t wanted = plane < EDGEQ_DW_ROWS_ACC_MAX ? plane : EDGEQ_DW_ROWS_ACC_MAX;
  return whole_plane(p) && wanted > p->cache_w ? wanted : p->cache_w;
}

/* Scratch, in this order: the ring and the zp row ((cache_rows + 1) * cache_w int16), the
 * channel's taps (kernel_h * taps_w int16, taps_w = kernel_w rounded up to even, the extra
 * tap 0; a 3x3 kernel on the DSP path uses the first 10 in edgeq_depthwise_3x3_rows.h's
 * order), the int32 accumulators (accumulator_count), the input row held by each ring slot
 * (cache_rows int32) and each kernel row's offset into the cache for the current output row
 * (kernel_h int32). */
size_t edgeq_depthwise_conv_rows_s8_get_buffer_size(const edgeq_depthwise_rows_params *p) {
  const size_t taps_w = (size_t)(p->kernel_w + 1) & ~(size_t)1;
  return ((size_t)(p->cache_rows + 1) * (size_t)p->cache_w + (size_t)p->kernel_h * taps_w) *
             sizeof(int16_t) +
         ((size_t)accumulator_count(p) + (size_t)p->cache_rows + (size_t)p->kernel_h) * sizeof(int32_t);
}

#ifdef EDGEQ_FAST_DSP
/* Two adjacent int16 values as one word (one LDR; unaligned access is allowed on v7E-M/v8-M). */
EDGEQ_FAST_INLINE int32_t load_pair(const int16_t *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}
#endif

/* Requantises, clamps and stores `n` accumulators, `step` bytes apart. */
EDGEQ_FAST_INLINE void store_row(const int32_t *acc, int32_t n, int8_t *out, int32_t step,
                                 const edgeq_channel_requant *q, const int mode, const int clamp,
                                 const int mixed, int32_t lo, int32_t hi) {
  const edgeq_channel_requant qc = *q;
  const int32_t *const end = acc + n;
  const size_t s = (size_t)step;
  /* Two per iteration: one loop test and one pointer step per pair. */
  for (; acc + 2 <= end; acc += 2, out += 2 * s) {
    const int32_t a0 = acc[0], a1 = acc[1];
    out[0] = edgeq_fast_clamp(edgeq_fast_requantize_row(a0, &qc, mode, mixed), clamp, lo, hi);
    out[s] = edgeq_fast_clamp(edgeq_fast_requantize_row(a1, &qc, mode, mixed), clamp, lo, hi);
  }
  if (acc < end) *out = edgeq_fast_clamp(edgeq_fast_requantize_row(*acc, &qc, mode, mixed), clamp, lo, hi);
}

/* One output row's accumulators for any kernel: taps[ky * taps_w + kx]; rows at cache +
 * row_at[ky]. On the DSP path with dilation_w 1, two adjacent taps per SMLAD. */
EDGEQ_FAST_INLINE void general_row(const edgeq_depthwise_rows_params *p, const int16_t *cache,
                                   const int32_t *row_at, const int16_t *taps, int32_t bias,
                                   int32_t *acc) {
  const int32_t kh = p->kernel_h, kw = p->kernel_w, taps_w = (kw + 1) & ~1;
  const int32_t sw = p->stride_w, dw = p->dilation_w;
  int32_t ox, ky, kx;
  for (ox = 0; ox < p->out_w; ox++) {
    const int16_t *x = cache + (size_t)ox * sw;
    const int16_t *t = taps;
    int32_t a = bias;
    for (ky = 0; ky < kh; ky++, t += taps_w) {
      const int16_t *r = x + row_at[ky];
#ifdef EDGEQ_FAST_DSP
      if (dw == 1) {
        for (kx = 0; kx < taps_w; kx += 2) a = __smlad(load_pair(r + kx), load_pair(t + kx), a);
        continue;
      }
#endif
      for (kx = 0; kx < kw; kx++) a += r[kx * dw] * t[kx];
    }
    acc[ox] = a;
  }
}

#ifndef EDGEQ_FAST_DSP
/* One output row's accumulators for a 3x3 kernel (any stride and dilation), portable C. */
EDGEQ_FAST_INLINE void row_3x3(const edgeq_depthwise_rows_params *p, const int16_t *r0,
                               const int16_t *r1, const int16_t *r2, const int16_t *taps,
                               int32_t bias, int32_t *acc) {
  const int32_t w00 = taps[0], w01 = taps[1], w02 = taps[2], w10 = taps[4], w11 = taps[5];
  const int32_t w12 = taps[6], w20 = taps[8], w21 = taps[9], w22 = taps[10];
  const int32_t sw = p->stride_w, d = p->dilation_w;
  int32_t *const end = acc + p->out_w;
  for (; acc < end; acc++, r0 += sw, r1 += sw, r2 += sw) {
    *acc = bias + r0[0] * w00 + r0[d] * w01 + r0[2 * d] * w02 + r1[0] * w10 + r1[d] * w11 +
           r1[2 * d] * w12 + r2[0] * w20 + r2[d] * w21 + r2[2 * d] * w22;
  }
}
#endif

EDGEQ_FAST_INLINE void depthwise_rows_body(const edgeq_depthwise_rows_params *p,
                                           const int8_t *input, const int8_t *w,
                                           int8_t *output, int16_t *scratch, const int mode,
                                           const int clamp, const int mixed) {
  const int32_t H = p->in_h, Ho = p->out_h, Wo = p->out_w, C = p->channels;
  const int32_t kh = p->kernel_h, kw = p->kernel_w, sh = p->stride_h, dh = p->dilation_h;
  const int32_t cache_w = p->cache_w, ring = p->cache_rows, taps_w = (kw + 1) & ~1;
  /* Input columns that land in a cache row (the rest are never read). */
  const int32_t count = p->in_w < cache_w - p->pad_left ? p->in_w : cache_w - p->pad_left;
  const int32_t zp_row = ring * cache_w;
  /* Whole-plane mode: the cache holds every padded input row a channel needs (row r at slot r),
   * loaded once per channel; no ring bookkeeping per output row. */
  const int whole = whole_plane(p);
  int16_t *const cache = scratch;
  int16_t *const taps = cache + (ring + 1) * cache_w;
  int32_t *const acc = (int32_t *)(void *)(taps + kh * taps_w);
  int32_t *const slot_row = acc + accumulator_count(p);
  int32_t *const row_at = slot_row + ring;
#ifdef EDGEQ_FAST_DSP
  const int dsp_3x3 = kh == 3 && kw == 3 && p->dilation_w == 1 && (p->stride_w == 1 || p->stride_w == 2);
#else
  const int portable_3x3 = kh == 3 && kw == 3;
#endif
  int32_t co, i;
  for (i = 0; i < (ring + 1) * cache_w; i++) cache[i] = (int16_t)p->in_zp;
  for (co = 0; co < C; co++) {
    const edgeq_channel_requant *const q = p->requant + co;
    const int8_t *const src = input + co / p->depth_multiplier;
    const int8_t *const wc = w + co;
    /* tflm fast rows accumulate 2 * acc: their taps are doubled (the row's bias already is). */
    const int32_t factor = mode == EDGEQ_RQ_TFLM && !(mixed && q->shift >= EDGEQ_FAST_GENERIC_SHIFT / 2) ? 2 : 1;
    int32_t ky, kx, oy;
#define EDGEQ_TAP(ky, kx) ((int16_t)(wc[(ky) * p->w_row_step + (kx) * p->w_col_step] * factor))
#ifdef EDGEQ_FAST_DSP
    if (dsp_3x3) {
      taps[0] = EDGEQ_TAP(0, 0), taps[1] = EDGEQ_TAP(0, 1), taps[2] = EDGEQ_TAP(1, 0);
      taps[3] = EDGEQ_TAP(1, 1), taps[4] = EDGEQ_TAP(2, 0), taps[5] = EDGEQ_TAP(2, 1);
      taps[6] = EDGEQ_TAP(0, 2), taps[7] = EDGEQ_TAP(1, 2), taps[8] = EDGEQ_TAP(2, 2);
      taps[9] = 0;
    } else
#endif
    {
      for (ky = 0; ky < kh; ky++) {
        for (kx = 0; kx < taps_w; kx++) taps[ky * taps_w + kx] = kx < kw ? EDGEQ_TAP(ky, kx) : 0;
      }
    }
#undef EDGEQ_TAP
    if (whole) {
      for (i = 0; i < H && i + p->pad_top < ring; i++) {
        edgeq_depthwise_widen_row(cache + (i + p->pad_top) * cache_w + p->pad_left, src + (size_t)i * p->in_row_step, count, p->in_col_step);
      }
    } else {
      for (i = 0; i < ring; i++) slot_row[i] = -1;
    }
#ifdef EDGEQ_FAST_DSP
    if (dsp_3x3 && whole) {
      /* Row oy reads cache rows oy * sh, + dh, + 2 * dh: the assembly loops sweep `chunk` rows per call. */
      const int32_t chunk = (accumulator_count(p) - 1) / Wo;
      for (oy = 0; oy < Ho; oy += chunk) {
        const int32_t rows = Ho - oy < chunk ? Ho - oy : chunk;
        int32_t r;
        edgeq_depthwise_3x3_rows_acc(cache + oy * sh * cache_w, dh * cache_w, 2 * dh * cache_w, sh * cache_w, rows, taps, q->bias, acc, Wo, p->stride_w);
        for (r = 0; r < rows; r++) {
          store_row(acc + r * Wo, Wo, output + (size_t)(oy + r) * p->out_row_step + co, p->out_col_step, q, mode, clamp, mixed, p->act_min, p->act_max);
        }
      }
      continue;
    }
#endif
    for (oy = 0; oy < Ho; oy++) {
      const int32_t top = oy * sh - p->pad_top;
      for (ky = 0; ky < kh && whole; ky++) row_at[ky] = (oy * sh + ky * dh) * cache_w;
      for (ky = 0; ky < kh && !whole; ky++) {
        const int32_t iy = top + ky * dh;
        if (iy < 0 || iy >= H) {
          row_at[ky] = zp_row;
        } else {
          const int32_t slot = iy % ring;
          if (slot_row[slot] != iy) {
            edgeq_depthwise_widen_row(cache + slot * cache_w + p->pad_left, src + (size_t)iy * p->in_row_step, count, p->in_col_step);
            slot_row[slot] = iy;
          }
          row_at[ky] = slot * cache_w;
        }
      }
#ifdef EDGEQ_FAST_DSP
      if (dsp_3x3) {
        edgeq_depthwise_3x3_rows_acc(cache + row_at[0], row_at[1] - row_at[0], row_at[2] - row_at[0], 0, 1, taps, q->bias, acc, Wo, p->stride_w);
      } else {
        general_row(p, cache, row_at, taps, q->bias, acc);
      }
#else
      if (portable_3x3) {
        row_3x3(p, cache + row_at[0], cache + row_at[1], cache + row_at[2], taps, q->bias, acc);
      } else {
        general_row(p, cache, row_at, taps, q->bias, acc);
      }
#endif
      store_row(acc, Wo, output + (size_t)oy * p->out_row_step + co, p->out_col_step, q, mode, clamp, mixed, p->act_min, p->act_max);
    }
  }
}

/* One exported kernel per requantisation mode, clamp kind and mixed (EDGEQ_FAST_VARIANTS, edgeq.h). */
#define EDGEQ_FAST_DEFINE_ONE(variant, mode, clamp, mixed)                                              \
  void edgeq_depthwise_conv_rows_s8_##variant(const edgeq_depthwise_rows_params *p,                     \
      const int8_t *input, const int8_t *w, int8_t *output, int16_t *scratch) {                         \
    depthwise_rows_body(p, input, w, output, scratch, mode, clamp, mixed);                              \
  }
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_DEFINE_PLAIN)
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_DEFINE_MIXED)
