/*
 * edgeq_pool_s8.c - AVERAGE_POOL_2D and MAX_POOL_2D over the valid (unpadded) part of
 * each window; average rounds half away from zero (TFLite reference behaviour).
 */
#include "edgeq_internal.h"

static void edgeq_pool(const edgeq_pool_params *p, const int8_t *input, int8_t *output,
                       int is_average) {
  const int32_t c = p->in.c;
  int32_t oy, ox, ch, iy, ix;
  for (oy = 0; oy < p->out.h; oy++) {
    const int32_t y_start = oy * p->stride_h - p->pad_top;
    const int32_t y0 = y_start < 0 ? 0 : y_start;
    const int32_t y1 = y_start + p->filter_h > p->in.h ? p->in.h : y_start + p->filter_h;
    for (ox = 0; ox < p->out.w; ox++) {
      const int32_t x_start = ox * p->stride_w - p->pad_left;
      const int32_t x0 = x_start < 0 ? 0 : x_start;
      const int32_t x1 = x_start + p->filter_w > p->in.w ? p->in.w : x_start + p->filter_w;
      const int32_t count = (y1 - y0) * (x1 - x0);
      for (ch = 0; ch < c; ch++) {
        int32_t acc = is_average ? 0 : -128;
        int32_t v;
        for (iy = y0; iy < y1; iy++) {
          for (ix = x0; ix < x1; ix++) {
            const int32_t x = input[((size_t)iy * p->in.w + ix) * c + ch];
            if (is_average) acc += x;
            else if (x > acc) acc = x;
          }
        }
        v = is_average ? (int32_t)edgeq_div_away(acc, count) : acc;
        output[((size_t)oy * p->out.w + ox) * c + ch] = (int8_t)edgeq_clamp(v, p->act_min, p->act_max);
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
