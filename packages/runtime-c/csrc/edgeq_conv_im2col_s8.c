/*
 * edgeq_conv_im2col_s8.c - general CONV_2D through an int16 column of two
 * output pixels' taps, 2 pixels x 2 output channels per block; called by generated code
 * when the generator's checks pass (packages/codegen/src/fast-kernels.ts). Parameters in
 * edgeq.h, requantisation constants in edgeq_fast.h. The portable C99 path and the
 * Cortex-M DSP path (SMLAD on int16 pairs) compute the same int32 accumulators.
 * Two weight storages: int16 (edgeq_conv_im2col_s8_*, widened and, in tflm mode, doubled) and
 * int8 (edgeq_conv_im2col_w8_s8_*, half the flash, sign-extended on the fly by SXTB16; not
 * doubled: fast tflm rows double the accumulator, edgeq_fast_w8_scaled).
 */
#include "edgeq_fast.h"

size_t edgeq_conv_im2col_s8_get_buffer_size(const edgeq_conv_im2col_params *p) {
  return (size_t)p->taps * 2 * sizeof(int16_t);
}

/* The column holds the two pixels' taps (raw int8 values as int16; padding taps hold
 * in_zp, which the folded bias cancels), interleaved per tap pair: px0 (t, t+1), px1 (t,
 * t+1). Weights int16 per output channel pair and tap pair: w[o][t], w[o][t+1], w[o+1][t],
 * w[o+1][t+1]; taps rounded up to even with a zero weight; an odd cout has a phantom last
 * channel (zero weights, a zero row after the table; edgeq_fast_store_block). int8 weights
 * per channel pair and tap quad t..t+3: w[o][t], w[o][t+2], w[o][t+1], w[o][t+3], then the
 * same of o+1 (SXTB16's lane order), taps rounded up to a multiple of 4 with zero weights. */
/* Tap t of a pixel goes to d[t + (t & ~1)]: pairs of taps, leaving room for the other pixel.
 * conv_im2col_fill_run stores n consecutive taps from t on: the bytes x[0..n), or (x NULL)
 * the padding value zp; returns t + n. */
EDGEQ_FAST_INLINE int32_t conv_im2col_fill_run(int16_t *d, int32_t t, const int8_t *x, int32_t n,
                                               int16_t zp) {
  int16_t *at = d + t + (t & ~1);
  const int32_t end = t + n;
  if (n <= 0) return t;
  if (t & 1) { /* an odd tap ends its pair; the next pair starts 3 entries on */
    *at = x ? *x++ : zp;
    at += 3;
    n--;
  }
  if (x) {
    for (; n >= 4; n -= 4, x += 4, at += 8) {
      at[0] = x[0], at[1] = x[1], at[4] = x[2], at[5] = x[3];
    }
    for (; n >= 2; n -= 2, x += 2, at += 4) at[0] = x[0], at[1] = x[1];
    if (n) at[0] = x[0];
  } else {
    for (; n >= 2; n -= 2, at += 4) at[0] = zp, at[1] = zp;
    if (n) at[0] = zp;
  }
  return end;
}

#ifdef EDGEQ_FAST_DSP
/* Bytes of the stack buffer that stages an inside window's taps when in.c is not a multiple
 * of 4 (the usual first layer, e.g. 3x3 x 3 channels): its kernel rows are copied there
 * word by word, then widened four taps per word load like the in.c % 4 == 0 path. */
#define EDGEQ_COLUMN_STAGE_BYTES 64

/* Widens the bytes s[0 .. quads * 4) into the column d (tap t at d[t + (t & ~1)]): SXTB16
 * lanes (0,2) (1,3) repacked by PKHBT/PKHTB to (0,1) (2,3), 9 instructions per 4 taps.
 * quads >= 1; returns the column after them. */
EDGEQ_FAST_INLINE int16_t *conv_im2col_widen_quads(int16_t *d, const int8_t *s, int32_t quads) {
  int32_t v, even, odd;
  /* volatile: the results go to the column through memory, not through outputs */
  __asm__ __volatile__("1:\n\t"
                       "ldr %[v], [%[s]], #4\n\t"
                       "sxtb16 %[e], %[v]\n\t"
                       "sxtb16 %[o], %[v], ror #8\n\t"
                       "pkhbt %[v], %[e], %[o], lsl #16\n\t"
                       "pkhtb %[o], %[o], %[e], asr #16\n\t"
                       "str %[v], [%[d]], #8\n\t"
                       "str %[o], [%[d]], #8\n\t"
                       "cmp %[s], %[end]\n\t"
                       "bne 1b\n\t"
                       : [s] "+r"(s), [d] "+r"(d), [v] "=&r"(v), [e] "=&r"(even), [o] "=&r"(odd)
                       : [end] "r"(s + quads * 4)
                       : "memory", "cc");
  return d;
}
#endif

/* stage: EDGEQ_COLUMN_STAGE_BYTES zero-initialised bytes (DSP builds; unused otherwise). */
EDGEQ_FAST_INLINE void conv_im2col_fill_column(const edgeq_conv_im2col_params *p,
                                              const int8_t *input, int16_t *d, int32_t pix,
                                              int8_t *stage) {
  const int32_t cin = p->in.c, W = p->in.w, kh = p->kernel_h, kw = p->kernel_w;
  const int32_t dh = p->dilation_h, dw = p->dilation_w;
  const int32_t oy = pix / p->out.w, ox = pix - oy * p->out.w;
  const int32_t ix0 = ox * p->stride_w - p->pad_left;
  const int32_t iy0 = oy * p->stride_h - p->pad_top;
  const int16_t zp = (int16_t)p->in_zp;
  const int inside_x = ix0 >= 0 && ix0 + (kw - 1) * dw < W;
  int32_t ky, kx, i, t = 0;
  (void)stage;
  if (inside_x && iy0 >= 0 && iy0 + (kh - 1) * dh < p->in.h) {
    const int8_t *row = input + ((size_t)iy0 * W + ix0) * cin;
    if (cin == 1 && kh == 3 && kw == 3 && dh == 1 && dw == 1) { /* the usual first layer */
      const int8_t *r1 = row + W, *r2 = r1 + W;
      d[0] = row[0], d[1] = row[1], d[4] = row[2];
      d[5] = r1[0], d[8] = r1[1], d[9] = r1[2];
      d[12] = r2[0], d[13] = r2[1], d[16] = r2[2];
      return;
    }
#ifdef EDGEQ_FAST_DSP
    if ((cin & 3) != 0 && dw == 1 && p->taps <= EDGEQ_COLUMN_STAGE_BYTES && p->taps >= 4) {
      /* Kernel rows of kw * cin bytes, copied one after the other (unaligned word copies, the
       * bytes past the window never read), then widened; stage bytes past the window's taps
       * stay 0 (their weights are 0). */
      const int32_t run = kw * cin;
      int8_t *s = stage;
      const int32_t tail = run & 3;
      for (ky = 0; ky < kh; ky++, row += (size_t)dh * W * cin) {
        const int8_t *x = row;
        if (run >= 4) { /* assembly: gcc turns a C copy loop into a call of memcpy */
          int32_t v;
          __asm__ __volatile__("1:\n\t"
                               "ldr %[v], [%[x]], #4\n\t"
                               "str %[v], [%[s]], #4\n\t"
                               "cmp %[x], %[end]\n\t"
                               "bne 1b\n\t"
                               : [x] "+r"(x), [s] "+r"(s), [v] "=&r"(v)
                               : [end] "r"(row + (run & ~3))
                               : "memory", "cc");
        }
        if (tail > 0) s[0] = x[0];
        if (tail > 1) s[1] = x[1];
        if (tail > 2) s[2] = x[2];
        s += tail;
      }
      conv_im2col_widen_quads(d, stage, p->taps >> 2);
      if (p->taps & 2) { /* the last tap pair */
        int16_t *last = d + (p->taps & ~3) * 2;
        last[0] = stage[p->taps - 2], last[1] = stage[p->taps - 1];
      }
      return;
    }
    if ((cin & 3) == 0) { /* four taps per word load */
      for (ky = 0; ky < kh; ky++, row += (size_t)dh * W * cin) {
        const int8_t *x = row;
        for (kx = 0; kx < kw; kx++, x += dw * cin) d = conv_im2col_widen_quads(d, x, cin >> 2);
      }
      return;
    }
#endif
    if ((cin & 1) == 0) { /* tap pairs: one pair of this pixel, then room for the other's */
      for (ky = 0; ky < kh; ky++, row += (size_t)dh * W * cin) {
        const int8_t *x = row;
        for (kx = 0; kx < kw; kx++, x += dw * cin) {
          for (i = 0; i < cin; i += 2, d += 4) {
            d[0] = x[i];
            d[1] = x[i + 1];
          }
        }
      }
      return;
    }
  }
  /* Kernel rows: one run of kw * cin input bytes when dw is 1 and the row is inside, else
   * one run of cin per kernel position (padding taps hold in_zp). */
  for (ky = 0; ky < kh; ky++) {
    const int32_t iy = iy0 + ky * dh;
    const int8_t *row;
    if (iy < 0 || iy >= p->in.h) {
      t = conv_im2col_fill_run(d, t, NULL, kw * cin, zp);
      continue;
    }
    row = input + (size_t)iy * W * cin;
    if (inside_x && dw == 1) {
      t = conv_im2col_fill_run(d, t, row + (size_t)ix0 * cin, kw * cin, zp);
    } else {
      for (kx = 0; kx < kw; kx++) {
        const int32_t ix = ix0 + kx * dw;
        t = conv_im2col_fill_run(d, t, ix >= 0 && ix < W ? row + (size_t)ix * cin : NULL, cin, zp);
      }
    }
  }
}

#ifdef EDGEQ_FAST_DSP
/* One tap quad of both pixels against one channel pair from int8 weights (bytes t, t+2,
 * t+1, t+3 of each channel: SXTB16 gives the column's lanes (t, t+1), with ROR 8 (t+2,
 * t+3)): 15 instructions, 16 MACs. */
#define EDGEQ_COLUMN_W8_TAP_QUAD                \
  "ldrd %[p], %[q], [%[w]], #8\n\t"            \
  "ldrd %[xa], %[xb], [%[c]], #8\n\t"          \
  "sxtb16 %[pe], %[p]\n\t"                     \
  "sxtb16 %[qe], %[q]\n\t"                     \
  "smlad %[a00], %[xa], %[pe], %[a00]\n\t"     \
  "smlad %[a01], %[xa], %[qe], %[a01]\n\t"     \
  "smlad %[a10], %[xb], %[pe], %[a10]\n\t"     \
  "smlad %[a11], %[xb], %[qe], %[a11]\n\t"     \
  "ldrd %[xa], %[xb], [%[c]], #8\n\t"          \
  "sxtb16 %[p], %[p], ror #8\n\t"              \
  "sxtb16 %[q], %[q], ror #8\n\t"              \
  "smlad %[a00], %[xa], %[p], %[a00]\n\t"      \
  "smlad %[a01], %[xa], %[q], %[a01]\n\t"      \
  "smlad %[a10], %[xb], %[p], %[a10]\n\t"      \
  "smlad %[a11], %[xb], %[q], %[a11]\n\t"
#endif

#ifdef EDGEQ_FAST_V6M
/* Tap t (HALF: LO16) or t+1 (HI16) of a tap pair: the column words at OFF0 (pixel 0) and OFF1
 * (pixel 1) against the weight words at the same offsets (channels o and o+1). */
#define COLUMN_V6M_TAP(off0, off1, half)                                         \
  EDGEQ_V6M_##half("x0", "c", off0) EDGEQ_V6M_##half("x1", "c", off1)           \
  EDGEQ_V6M_##half("w0", "w", off0) EDGEQ_V6M_##half("w1", "w", off1)           \
  EDGEQ_V6M_MAC_2X2(EDGEQ_V6M_##half("w0", "w", off0))
#endif

/* The 2 pixels x 2 channels accumulators a[4] (a00, a01, a10, a11; biases on entry) of the
 * channel pair whose weights start at *wp (int16, or int8 when w8); advances *wp to the next
 * pair. */
EDGEQ_FAST_INLINE void conv_im2col_pair(const int16_t *col, int32_t taps, const void **wp,
                                       int32_t *a, const int w8) {
  const int16_t *c = col;
  int32_t a00 = a[0], a01 = a[1], a10 = a[2], a11 = a[3];
  if (w8) {
    const int8_t *wq = (const int8_t *)*wp;
#ifdef EDGEQ_FAST_DSP
    int32_t xa, xb, pp, qq, pe, qe;
    /* Two tap quads per iteration; an odd number of quads (taps & 4) enters at the second. */
    __asm__("tst %[taps], #4\n\t"
            "bne 2f\n\t"
            "1:\n\t" EDGEQ_COLUMN_W8_TAP_QUAD "2:\n\t" EDGEQ_COLUMN_W8_TAP_QUAD
            "cmp %[c], %[end]\n\t"
            "bne 1b\n\t"
            : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [c] "+r"(c),
              [w] "+r"(wq), [xa] "=&r"(xa), [xb] "=&r"(xb), [p] "=&r"(pp), [q] "=&r"(qq),
              [pe] "=&r"(pe), [qe] "=&r"(qe)
            : [end] "r"(col + taps * 2), [taps] "r"(taps)
            : "memory", "cc");
#else
    const int16_t *const end = col + taps * 2;
    do { /* one tap quad: column px0 (t, t+1), px1 (t, t+1), px0 (t+2, t+3), px1 (t+2, t+3) */
      EDGEQ_FAST_MAC_2X2(c[0], c[2], wq[0], wq[4]);
      EDGEQ_FAST_MAC_2X2(c[1], c[3], wq[2], wq[6]);
      EDGEQ_FAST_MAC_2X2(c[4], c[6], wq[1], wq[5]);
      EDGEQ_FAST_MAC_2X2(c[5], c[7], wq[3], wq[7]);
      c += 8, wq += 8;
    } while (c != end);
#endif
    *wp = wq;
  } else {
    const int16_t *wq = (const int16_t *)*wp;
#ifdef EDGEQ_FAST_DSP
    int32_t xa, xb, pp, qq;
    /* Two tap pairs per iteration, 14 instructions for 16 MACs; an odd number of tap pairs
     * (taps & 2) enters at the second half. */
    __asm__("tst %[taps], #2\n\t"
            "bne 2f\n\t"
            "1:\n\t" EDGEQ_COLUMN_TAP_PAIR "2:\n\t" EDGEQ_COLUMN_TAP_PAIR
            "cmp %[c], %[end]\n\t"
            "bne 1b\n\t"
            : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11), [c] "+r"(c),
              [w] "+r"(wq), [xa] "=&r"(xa), [xb] "=&r"(xb), [p] "=&r"(pp), [q] "=&r"(qq)
            : [end] "r"(col + taps * 2), [taps] "r"(taps)
            : "memory", "cc");
#else
    const int16_t *const end = col + taps * 2;
    if (taps & 2) { /* an odd number of tap pairs: the first pair alone */
      EDGEQ_FAST_MAC_2X2(c[0], c[2], wq[0], wq[2]);
      EDGEQ_FAST_MAC_2X2(c[1], c[3], wq[1], wq[3]);
      c += 4, wq += 4;
    }
#ifdef EDGEQ_FAST_V6M
    if (c != end) { /* two tap pairs per iteration, 18 instructions per tap and 4 MACs */
      int32_t v0, v1, v2, v3;
      __asm__(EDGEQ_V6M_BEGIN "1:\n\t"
              COLUMN_V6M_TAP("0", "4", LO16) COLUMN_V6M_TAP("0", "4", HI16)
              COLUMN_V6M_TAP("8", "12", LO16) COLUMN_V6M_TAP("8", "12", HI16)
              "adds %[c], #16\n\t"
              "adds %[w], #16\n\t"
              "cmp %[c], %[end]\n\t"
              "bne 1b\n\t" EDGEQ_V6M_END
              : [c] "+l"(c), [w] "+l"(wq), EDGEQ_V6M_BLOCK_OPERANDS
              : [end] "r"(end)
              : "memory", "cc");
    }
#else
    while (c != end) { /* two tap pairs: column px0 (t, t+1), px1 (t, t+1) per pair */
      EDGEQ_FAST_MAC_2X2(c[0], c[2], wq[0], wq[2]);
      EDGEQ_FAST_MAC_2X2(c[1], c[3], wq[1], wq[3]);
      EDGEQ_FAST_MAC_2X2(c[4], c[6], wq[4], wq[6]);
      EDGEQ_FAST_MAC_2X2(c[5], c[7], wq[5], wq[7]);
      c += 8, wq += 8;
    }
#endif
#endif
    *wp = wq;
  }
  a[0] = a00, a[1] = a01, a[2] = a10, a[3] = a11;
}

EDGEQ_FAST_INLINE void conv_im2col_body(const edgeq_conv_im2col_params *p, const int8_t *input,
                                       const void *w, int8_t *output, int16_t *col,
                                       const int mode, const int clamp, const int mixed,
                                       const int w8) {
  const int32_t cout = p->out.c, taps = p->taps;
  const int32_t pixels = p->out.h * p->out.w;
  const int32_t lo = p->act_min, hi = p->act_max;
  const edgeq_channel_requant *const pairs_end = p->requant + (cout & ~1);
#ifdef EDGEQ_FAST_DSP
  int8_t stage[EDGEQ_COLUMN_STAGE_BYTES] = {0};
#else
  int8_t *const stage = NULL;
#endif
  int32_t px;
  for (px = p->kernel_h * p->kernel_w * p->in.c; px < taps; px++) { /* padding taps: zero weights, any finite value */
    col[px + (px & ~1)] = 0;
    col[px + (px & ~1) + 2] = 0;
  }
  for (px = 0; px < pixels; px += 2) {
    const int32_t step = px + 1 < pixels ? 1 : 0;
    int8_t *y0 = output + (size_t)px * cout;
    int8_t *y1 = y0 + step * cout;
    const void *wq = w;
    const edgeq_channel_requant *q;
    conv_im2col_fill_column(p, input, col, px, stage);
    conv_im2col_fill_column(p, input, col + 2, px + step, stage);
    for (q = p->requant; q < pairs_end; q += 2, y0 += 2, y1 += 2) {
      int32_t a[4];
      a[0] = a[2] = q[0].bias;
      a[1] = a[3] = q[1].bias;
      conv_im2col_pair(col, taps, &wq, a, w8);
      if (w8) {
        a[0] = edgeq_fast_w8_scaled(a[0], &q[0], mode, mixed), a[2] = edgeq_fast_w8_scaled(a[2], &q[0], mode, mixed);
        a[1] = edgeq_fast_w8_scaled(a[1], &q[1], mode, mixed), a[3] = edgeq_fast_w8_scaled(a[3], &q[1], mode, mixed);
      }
      edgeq_fast_store_block(q, a[0], a[1], a[2], a[3], y0, y1, mode, clamp, mixed, lo, hi);
    }
    if (cout & 1) {
      int32_t a[4];
      a[0] = a[2] = q[0].bias;
      a[1] = a[3] = 0;
      conv_im2col_pair(col, taps, &wq, a, w8);
      if (w8) a[0] = edgeq_fast_w8_scaled(a[0], q, mode, mixed), a[2] = edgeq_fast_w8_scaled(a[2], q, mode, mixed);
      edgeq_fast_store_last(q, a[0], a[2], y0, y1, mode, clamp, mixed, lo, hi);
    }
  }
}

/* One exported kernel per weight storage, requantisation mode, clamp kind and mixed
 * (EDGEQ_FAST_VARIANTS, edgeq.h). */
#define EDGEQ_FAST_DEFINE_ONE(variant, mode, clamp, mixed)                                     \
  void edgeq_conv_im2col_s8_##variant(const edgeq_conv_im2col_params *p, const int8_t *input,  \
      const int16_t *w, int8_t *output, int16_t *scratch) {                                    \
    conv_im2col_body(p, input, w, output, scratch, mode, clamp, mixed, 0);                     \
  }                                                                                            \
  void edgeq_conv_im2col_w8_s8_##variant(const edgeq_conv_im2col_params *p,                    \
      const int8_t *input, const int8_t *w, int8_t *output, int16_t *scratch) {                \
    conv_im2col_body(p, input, w, output, scratch, mode, clamp, mixed, 1);                     \
  }
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_DEFINE_PLAIN)
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_DEFINE_MIXED)
