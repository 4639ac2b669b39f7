/*
 * edgeq_pool_s8.c - AVERAGE_POOL_2D and MAX_POOL_2D over the valid (unpadded) part of
 * each window; average rounds half away from zero (TFLite reference behaviour).
 *
 * The window is walked with one pointer per channel that steps a row of the window by the
 * channel count (two taps per iteration), so the inner loop is a load, an add (or a
 * compare) and the pointer step; integer sums are order-independent, so the bytes equal
 * the plain nested-loop reference. On DSP cores (M4/M7/M33) an average over at most 256 taps
 * sums four channels per load: SXTB16 splits the word into two int16 pairs and SADD16 adds
 * them lane-wise (256 * 128 fits int16), then each lane is divided as in the reference.
 */
#include "edgeq_fast.h"

#ifdef EDGEQ_FAST_DSP
/* Averages of channels [ch, ch + 4) over a window of `rows` x `cols` taps at `x`, clamped. */
static void edgeq_avg_quad(const int8_t *x, int32_t rows, int32_t cols, int32_t c, int32_t row_stride,
                           int32_t count, int32_t lo, int32_t hi, int8_t *out) {
  uint32_t even = 0, odd = 0; /* int16 lanes: channels 0 and 2, 1 and 3 */
  int32_t r, k;
  for (r = 0; r < rows; r++, x += row_stride) {
    const int8_t *t = x;
    for (k = 0; k < cols; k++, t += c) {
      uint32_t word;
      memcpy(&word, t, 4); /* one unaligned LDR on v7E-M / v8-M */
      even = __sadd16(even, __sxtb16(word));
      odd = __sadd16(odd, __sxtb16(word >> 8)); /* bytes 1 and 3 */
    }
  }
  out[0] = (int8_t)edgeq_clamp(edgeq_div_away_s32((int16_t)(even & 0xFFFF), count), lo, hi);
  out[1] = (int8_t)edgeq_clamp(edgeq_div_away_s32((int16_t)(odd & 0xFFFF), count), lo, hi);
  out[2] = (int8_t)edgeq_clamp(edgeq_div_away_s32((int16_t)(even >> 16), count), lo, hi);
  out[3] = (int8_t)edgeq_clamp(edgeq_div_away_s32((int16_t)(odd >> 16), count), lo, hi);
}
#endif

/* Sum of one channel over a window of `rows` x `cols` taps starting at `x`. */
static int32_t edgeq_window_sum(const int8_t *x, int32_t rows, int32_t cols, int32_t c, int32_t row_stride) {
  int32_t acc = 0, acc2 = 0, r, k;
  for (r = 0; r < rows; r++, x += row_stride) {
    const int8_t *t = x;
    for (k = 0; k + 2 <= cols; k += 2, t += 2 * c) {
      acc += t[0];
      acc2 += t[c];
    }
    if (k < cols) acc += t[0];
  }
  return acc + acc2;
}

/* Maximum of one channel over a window (at least -128). */
static int32_t edgeq_window_max(const int8_t *x, int32_t rows, int32_t cols, int32_t c, int32_t row_stride) {
  int32_t m = -128, r, k;
  for (r = 0; r < rows; r++, x += row_stride) {
    const int8_t *t = x;
    for (k = 0; k < cols; k++, t += c) {
      if (*t > m) m = *t;
    }
  }
  return m;
}

static void edgeq_pool(const edgeq_pool_params *p, const int8_t *input, int8_t *output,
                       int is_average) {
  const int32_t c = p->in.c;
  const int32_t row_stride = p->in.w * c;
  int32_t oy, ox, ch;
  for (oy = 0; oy < p->out.h; oy++) {
    const int32_t y_start = oy * p->stride_h - p->pad_top;
    const int32_t y0 = y_start < 0 ? 0 : y_start;
    const int32_t y1 = y_start + p->filter_h > p->in.h ? p->in.h : y_start + p->filter_h;
    for (ox = 0; ox < p->out.w; ox++) {
      const int32_t x_start = ox * p->stride_w - p->pad_left;
      const int32_t x0 = x_start < 0 ? 0 : x_start;
      const int32_t x1 = x_start + p->filter_w > p->in.w ? p->in.w : x_start + p->filter_w;
      const int32_t count = (y1 - y0) * (x1 - x0);
      const int8_t *corner = input + ((size_t)y0 * p->in.w + x0) * c;
      int8_t *out = output + ((size_t)oy * p->out.w + ox) * c;
      ch = 0;
#ifdef EDGEQ_FAST_DSP
      if (is_average && count <= 256) {
        for (; ch + 4 <= c; ch += 4) {
          edgeq_avg_quad(corner + ch, y1 - y0, x1 - x0, c, row_stride, count, p->act_min, p->act_max, out + ch);
        }
      }
#endif
      for (; ch < c; ch++) {
        const int32_t v = is_average
          ? edgeq_div_away_s32(edgeq_window_sum(corner + ch, y1 - y0, x1 - x0, c, row_stride), count)
          : edgeq_window_max(corner + ch, y1 - y0, x1 - x0, c, row_stride);
        out[ch] = (int8_t)edgeq_clamp(v, p->act_min, p->act_max);
      }
    }
  }
}

void edgeq_avg_pool_s8(const edgeq_pool_params *p, const int8_t *input, int8_t *output) {
  edgeq_pool(p, input, output, 1);
}

void edgeq_max_pool_s8(const edgeq_pool_params *p, const int8_t *input, int8_t *output) {
  edgeq_pool(p, input, output, 0);
}
