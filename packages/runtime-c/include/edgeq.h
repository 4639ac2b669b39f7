/*
 * edgeq.h - the one public header of the edgeq int8 runtime.
 *
 * Role in the data flow: the C twin of the TypeScript interpreter (packages/ir). The code
 * generator emits one call per QGraph op into these kernels, with every parameter (clamp
 * ranges, padding, per-channel multipliers and shifts, tables) precomputed on the host
 * and stored as const data. The arithmetic is specified in docs/quantization-spec.md.
 *
 * C99, no dynamic allocation, no recursion. Tensors are NHWC int8, batch 1. Kernels that
 * need scratch memory take a caller-owned buffer sized by the matching
 * *_get_buffer_size() query; the portable kernels below need none.
 */
#ifndef EDGEQ_H
#define EDGEQ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EDGEQ_RUNTIME_VERSION 1

/* Alignment of generated constant arrays (word loads on Cortex-M fast paths). */
#if defined(__GNUC__)
#define EDGEQ_ALIGN(n) __attribute__((aligned(n)))
#else
#define EDGEQ_ALIGN(n)
#endif

/* How an int32 accumulator becomes int8 (docs/quantization-spec.md). */
typedef enum {
  EDGEQ_RQ_TFLM = 0,   /* Q31 multiplier, double rounding (TFLite Micro / CMSIS-NN default) */
  EDGEQ_RQ_SINGLE = 1, /* Q31 multiplier, one rounding shift of the 64-bit product */
  EDGEQ_RQ_POW2 = 2,   /* power-of-two scales: one rounding shift, no multiply */
  EDGEQ_RQ_FP32 = 3    /* XNNPACK's rule: float32 multiplier (its bit pattern stored in the
                          int32 multiplier, shift 0), f32(x) * m, round half to even; ADD uses
                          in1/in2_multiplier and out_shift as XNNPACK does */
} edgeq_rq_mode;

/* Height, width, channels of a batch-1 NHWC tensor. */
typedef struct {
  int32_t h;
  int32_t w;
  int32_t c;
} edgeq_hwc;

/* Requantisation: one (multiplier, shift) per channel, or one for the tensor. */
typedef struct {
  const int32_t *multiplier; /* Q31; unused in EDGEQ_RQ_POW2; float32 bits in EDGEQ_RQ_FP32 */
  const int32_t *shift;      /* positive = left shift */
  int32_t per_channel;       /* 1: index by output channel; 0: entry 0 for all */
} edgeq_requant;

/* Geometry of a convolution window, the leading fields of edgeq_conv_params and
 * edgeq_conv_im2col_params (written once so the two cannot drift; the fields stay direct
 * members, so initialisers name them as .in, .kernel_h, ...). Padding at the bottom and
 * right follows from the output size. */
#define EDGEQ_CONV_GEOMETRY_FIELDS \
  edgeq_hwc in;                    \
  edgeq_hwc out;                   \
  int32_t kernel_h, kernel_w;      \
  int32_t stride_h, stride_w;      \
  int32_t dilation_h, dilation_w;  \
  int32_t pad_top, pad_left;

/* CONV_2D and DEPTHWISE_CONV_2D. */
typedef struct {
  EDGEQ_CONV_GEOMETRY_FIELDS
  int32_t depth_multiplier; /* depthwise only */
  int32_t in_zp, out_zp;
  int32_t act_min, act_max;
  edgeq_rq_mode mode;
  edgeq_requant rq;
} edgeq_conv_params;

/* FULLY_CONNECTED: weights [out_features, in_features]. */
typedef struct {
  int32_t in_features, out_features;
  int32_t in_zp, out_zp;
  int32_t act_min, act_max;
  edgeq_rq_mode mode;
  edgeq_requant rq;
} edgeq_fc_params;

/* ADD with independent input scales (TFLite Micro's method in fixed mode). */
typedef struct {
  int32_t size;
  int32_t in1_zp, in2_zp, out_zp;
  int32_t left_shift;
  int32_t in1_multiplier, in1_shift;
  int32_t in2_multiplier, in2_shift;
  int32_t out_multiplier, out_shift;
  int32_t act_min, act_max;
  edgeq_rq_mode mode;
} edgeq_add_params;

/* AVERAGE_POOL_2D and MAX_POOL_2D (input and output share scale and zero point). */
typedef struct {
  edgeq_hwc in;
  edgeq_hwc out;
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left;
  int32_t act_min, act_max;
} edgeq_pool_params;

/* MEAN over H and W. */
typedef struct {
  edgeq_hwc in;
  int32_t in_zp, out_zp;
  int32_t multiplier, shift; /* fixed modes */
  int32_t pow2_exp;          /* EDGEQ_RQ_POW2: out = sum * 2^pow2_exp / (h*w), rounded */
  edgeq_rq_mode mode;
} edgeq_mean_params;

/* One input of CONCATENATION on the channel axis. */
typedef struct {
  const int8_t *data;
  int32_t channels;
  int32_t zp;
  int32_t multiplier, shift;
} edgeq_concat_input;

typedef struct {
  int32_t pixels; /* h * w, shared by all inputs */
  int32_t out_channels;
  int32_t num_inputs;
  int32_t out_zp;
  int32_t act_min, act_max;
  edgeq_rq_mode mode;
} edgeq_concat_params;

/* PAD with the zero point; paddings for H, W, C (before, after). */
typedef struct {
  edgeq_hwc in;
  edgeq_hwc out;
  int32_t pad_top, pad_left, pad_channels_before;
  int32_t pad_value;
} edgeq_pad_params;

/* RESIZE_NEAREST_NEIGHBOR: output pixel (y, x) copies input pixel (source_rows[y],
 * source_cols[x]); the code generator evaluates TFLite's index rule into the two tables. */
typedef struct {
  edgeq_hwc in;
  edgeq_hwc out;
  const int32_t *source_rows; /* out.h entries in [0, in.h) */
  const int32_t *source_cols; /* out.w entries in [0, in.w) */
} edgeq_resize_nearest_params;

/* STRIDED_SLICE with unit strides (Keras Cropping1D/2D): output pixel (y, x) channel c is
 * input pixel (y + begin_row, x + begin_col) channel c + begin_channel. */
typedef struct {
  edgeq_hwc in;
  edgeq_hwc out;
  int32_t begin_row;
  int32_t begin_col;
  int32_t begin_channel;
} edgeq_strided_slice_params;

/* LOGISTIC: output = table[input + 128]; the code generator evaluates TFLite Micro's int8
 * rule (docs/quantization-spec.md) for each of the 256 inputs. */
typedef struct {
  const int8_t *table; /* 256 entries */
} edgeq_logistic_params;

/* SOFTMAX over the last axis with a 256-entry exponent table indexed by (row max - x):
 * Q0.31 exponentials of TFLite Micro's gemmlowp softmax (at most 4095 classes), or in
 * EDGEQ_RQ_FP32 mode the float32 bit patterns of TFLite's float table. */
typedef struct {
  int32_t rows;
  int32_t classes;
  const uint32_t *exp_table;
  edgeq_rq_mode mode; /* EDGEQ_RQ_FP32 selects the float kernel; any other value the fixed-point one */
} edgeq_softmax_params;

/* SOFTMAX for --optimize size (csrc/edgeq_softmax_computed_s8.c): no exponent table in flash.
 * The input scaling of TFLite Micro's Prepare (multiplier: Q31 of beta * s_in * 2^26, with
 * left_shift; diff_min), from which the exponentials this input needs are computed into
 * scratch (edgeq_softmax_computed_s8_get_buffer_size() bytes, 4-aligned) before
 * edgeq_softmax_s8 runs on them. mode: EDGEQ_RQ_SINGLE rescales with single rounding,
 * EDGEQ_RQ_TFLM and EDGEQ_RQ_POW2 with double rounding; never EDGEQ_RQ_FP32. */
typedef struct {
  int32_t rows;
  int32_t classes;
  int32_t multiplier;
  int32_t left_shift;
  int32_t diff_min;
  edgeq_rq_mode mode;
} edgeq_softmax_scaling_params;

/* ---- requantisation primitives (exposed for tests and custom kernels) ---- */
int32_t edgeq_requantize(int32_t x, int32_t multiplier, int32_t shift, edgeq_rq_mode mode);
int32_t edgeq_mbqm_tflm(int32_t x, int32_t multiplier, int32_t shift);
int32_t edgeq_mbqm_single(int32_t x, int32_t multiplier, int32_t shift);
int32_t edgeq_pow2_shift(int32_t x, int32_t shift);
int64_t edgeq_round_div_away(int64_t num, int64_t den);

/* ---- kernels ----
 * CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED each exist for int8 weights (_s8) and for
 * W4A8, int4 weights with int8 activations (_s4): the weights packed two per byte in TFLite's
 * nibble order, element 2k in the low nibble and 2k+1 in the high one, over the whole weight
 * tensor in the int8 kernel's layout (an odd element count leaves the last high nibble 0),
 * values [-8, 7]; every other parameter and the arithmetic as the int8 kernel
 * (csrc/edgeq_int4.h). */
void edgeq_conv2d_s8(const edgeq_conv_params *p, const int8_t *input, const int8_t *filter,
                     const int32_t *bias, int8_t *output);
void edgeq_conv2d_s4(const edgeq_conv_params *p, const int8_t *input, const uint8_t *filter,
                     const int32_t *bias, int8_t *output);
size_t edgeq_conv2d_s8_get_buffer_size(const edgeq_conv_params *p);
size_t edgeq_conv2d_s4_get_buffer_size(const edgeq_conv_params *p);

void edgeq_depthwise_conv2d_s8(const edgeq_conv_params *p, const int8_t *input,
                               const int8_t *filter, const int32_t *bias, int8_t *output);
void edgeq_depthwise_conv2d_s4(const edgeq_conv_params *p, const int8_t *input,
                               const uint8_t *filter, const int32_t *bias, int8_t *output);
size_t edgeq_depthwise_conv2d_s8_get_buffer_size(const edgeq_conv_params *p);
size_t edgeq_depthwise_conv2d_s4_get_buffer_size(const edgeq_conv_params *p);

void edgeq_fully_connected_s8(const edgeq_fc_params *p, const int8_t *input,
                              const int8_t *weights, const int32_t *bias, int8_t *output);
void edgeq_fully_connected_s4(const edgeq_fc_params *p, const int8_t *input,
                              const uint8_t *weights, const int32_t *bias, int8_t *output);

void edgeq_add_s8(const edgeq_add_params *p, const int8_t *in1, const int8_t *in2,
                  int8_t *output);

void edgeq_avg_pool_s8(const edgeq_pool_params *p, const int8_t *input, int8_t *output);
void edgeq_max_pool_s8(const edgeq_pool_params *p, const int8_t *input, int8_t *output);

/* ---- specialised kernels (code generator's fast path; csrc/edgeq_pointwise_conv_s8.c,
 * edgeq_conv_im2col_s8.c, edgeq_depthwise_conv_3x3_s8.c) ----
 * Every derived constant is precomputed on the host: one edgeq_channel_requant per output
 * channel (bias with the input zero point folded in where the kernel says so, Q31 multiplier,
 * rounding constant with the output zero point folded in, final right shift; see
 * csrc/edgeq_fast.h). Each kernel exists once per requantisation mode (_tflm, _single,
 * _pow2) and clamp kind (suffix _clamp when the activation range is narrower than int8),
 * so the mode is fixed at generation time. In tflm mode int16 weights and biases are
 * stored doubled (the kernels accumulate 2 * acc). The portable C path runs on every core; the
 * Cortex-M DSP path (__ARM_FEATURE_DSP, unless EDGEQ_NO_DSP) gives identical bits.
 * A channel whose constants fail the fast formula's checks is a generic row: shift =
 * EDGEQ_FAST_GENERIC_SHIFT + the spec's shift (|spec shift| < 128, so a row is generic exactly
 * when its shift >= EDGEQ_FAST_GENERIC_SHIFT / 2; fast rows have shifts in [1, 31]), mult the spec's multiplier, round the output
 * zero point, bias (and, in tflm mode, its weights) not doubled; it is requantised by the
 * reference formula. Ops with generic rows call the _mixed variants (suffix after the clamp
 * kind), which test each row; the others never pay for the test. */
typedef struct {
  int32_t bias;
  int32_t mult;
  int32_t round;
  int32_t shift;
} edgeq_channel_requant;

#define EDGEQ_FAST_GENERIC_SHIFT 256

/* 1x1 CONV_2D, stride 1, no padding, cin % 8 == 0, cout even, as a matrix product of 2
 * pixels x 2 output channels;
 * bias = bias - in_zp * sum(w) (raw int8 inputs enter the products). Weights int16 in the
 * lane order of SXTB16, channel pairs interleaved (layout: edgeq_pointwise_conv_s8.c). No scratch. */
typedef struct {
  int32_t pixels, cin, cout;
  int32_t act_min, act_max;
  const edgeq_channel_requant *requant;
} edgeq_pointwise_params;
/* edgeq_pointwise_conv_w8_s8_*: the same with int8 weights as stored in flash (8 bytes per
 * channel pair and input quad, not doubled; layout: edgeq_pointwise_conv_s8.c). */

/* General CONV_2D, 2 pixels x 2 output channels per block through an int16
 * column of both pixels (raw inputs; padding taps hold in_zp, cancelled by the folded
 * bias = bias - in_zp * sum(w)); weights int16 per channel pair and tap pair, taps =
 * kernel_h * kernel_w * in.c rounded up to even (layout: edgeq_conv_im2col_s8.c). With an odd
 * cout, the channel table has one more, zero row (a phantom channel). Scratch:
 * edgeq_conv_im2col_s8_get_buffer_size() = 4 * taps bytes, 4-aligned.
 * edgeq_conv_im2col_w8_s8_*: the same with int8 weights as stored in flash (not doubled), 8
 * bytes per channel pair and tap quad, taps rounded up to a multiple of 4 (layout:
 * edgeq_conv_im2col_s8.c); same parameters and scratch. */
typedef struct {
  EDGEQ_CONV_GEOMETRY_FIELDS
  int32_t in_zp;
  int32_t taps;
  int32_t act_min, act_max;
  const edgeq_channel_requant *requant;
} edgeq_conv_im2col_params;

/* 3x3 DEPTHWISE_CONV_2D, multiplier 1, dilation 1, stride 1 or 2, one channel at a
 * time through an int16 plane of its raw inputs with a border of in_zp (the padding taps;
 * bias = bias - in_zp * sum(w) cancels it). Weights int16, 10 per channel: (w00,w01)
 * (w10,w11) (w20,w21) (w02,w12) (w22,0). Scratch
 * (edgeq_depthwise_conv_3x3_s8_get_buffer_size(), 4-aligned): the plane, plane_h * plane_w int16, then
 * out.h * out.w + 1 int32 accumulators (a channel's whole output plane, swept at once on DSP cores). */
typedef struct {
  edgeq_hwc in;
  edgeq_hwc out;
  int32_t stride;
  int32_t pad_top, pad_left;
  int32_t in_zp;
  int32_t plane_h, plane_w; /* plane_w even */
  int32_t act_min, act_max;
  const edgeq_channel_requant *requant;
} edgeq_depthwise_3x3_params;

/* DEPTHWISE_CONV_2D of any kernel size, stride, dilation, padding and depth multiplier, one
 * output channel at a time through a ring of int16 input rows (layout and design:
 * edgeq_depthwise_conv_rows_s8.c). The geometry is given in the kernel's orientation: a "row"
 * is a line of the image the kernel sweeps along (an image row, or an image column when the
 * generator transposes the op because its output is taller than wide), and each of the input,
 * output and weights has its own element step between rows and between columns (input and
 * output steps in bytes of the HWC tensors, weight steps in int8 elements). Raw inputs; the
 * padding holds in_zp and bias = bias - in_zp * sum(w) cancels it. Weights int8 as in the
 * model ([1][kh][kw][channels]), not doubled (the kernel doubles them in tflm mode).
 * cache_w (even) >= the input columns one output row reads + 2 (and >= out_w + 4);
 * cache_rows = (kernel_h - 1) * dilation_h + 1. Scratch:
 * edgeq_depthwise_conv_rows_s8_get_buffer_size(), 4-aligned. */
typedef struct {
  int32_t in_h, in_w, in_row_step, in_col_step;
  int32_t out_h, out_w, out_row_step, out_col_step;
  int32_t channels, depth_multiplier;
  int32_t kernel_h, kernel_w, w_row_step, w_col_step;
  int32_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  int32_t in_zp;
  int32_t cache_w, cache_rows;
  int32_t act_min, act_max;
  const edgeq_channel_requant *requant;
} edgeq_depthwise_rows_params;

size_t edgeq_conv_im2col_s8_get_buffer_size(const edgeq_conv_im2col_params *p);
size_t edgeq_depthwise_conv_rows_s8_get_buffer_size(const edgeq_depthwise_rows_params *p);
size_t edgeq_depthwise_conv_3x3_s8_get_buffer_size(const edgeq_depthwise_3x3_params *p);

/* The variants of every specialised kernel: X(suffix, requantisation mode, clamp kind). The
 * runtime defines each kernel once per entry; codegen names them edgeq_<kernel>_s8_<suffix>. */
#define EDGEQ_FAST_VARIANTS(X)        \
  X(tflm, EDGEQ_RQ_TFLM, 0)           \
  X(tflm_clamp, EDGEQ_RQ_TFLM, 1)     \
  X(single, EDGEQ_RQ_SINGLE, 0)       \
  X(single_clamp, EDGEQ_RQ_SINGLE, 1) \
  X(pow2, EDGEQ_RQ_POW2, 0)           \
  X(pow2_clamp, EDGEQ_RQ_POW2, 1)

#define EDGEQ_FAST_DECLARE(variant, mode, clamp)                                            \
  void edgeq_pointwise_conv_s8_##variant(const edgeq_pointwise_params *p,                   \
                                         const int8_t *input, const int16_t *w,             \
                                         int8_t *output);                                   \
  void edgeq_conv_im2col_s8_##variant(const edgeq_conv_im2col_params *p,                    \
                                      const int8_t *input, const int16_t *w, int8_t *output, \
                                      int16_t *scratch);                                    \
  void edgeq_depthwise_conv_3x3_s8_##variant(const edgeq_depthwise_3x3_params *p,           \
                                             const int8_t *input, const int16_t *w,         \
                                             int8_t *output, int16_t *scratch);              \
  void edgeq_pointwise_conv_w8_s8_##variant(const edgeq_pointwise_params *p,                \
                                            const int8_t *input, const int8_t *w,           \
                                            int8_t *output);                                   \
  void edgeq_depthwise_conv_rows_s8_##variant(const edgeq_depthwise_rows_params *p,         \
                                              const int8_t *input, const int8_t *w,         \
                                              int8_t *output, int16_t *scratch);
#define EDGEQ_FAST_DECLARE_MIXED(variant, mode, clamp) EDGEQ_FAST_DECLARE(variant##_mixed, mode, clamp)
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_DECLARE)
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_DECLARE_MIXED)
#undef EDGEQ_FAST_DECLARE_MIXED
#undef EDGEQ_FAST_DECLARE
#define EDGEQ_FAST_COLUMN_W8_DECLARE(variant, mode, clamp)                                  \
  void edgeq_conv_im2col_w8_s8_##variant(const edgeq_conv_im2col_params *p,                 \
                                         const int8_t *input, const int8_t *w,              \
                                         int8_t *output, int16_t *scratch);
#define EDGEQ_FAST_COLUMN_W8_DECLARE_MIXED(variant, mode, clamp) \
  EDGEQ_FAST_COLUMN_W8_DECLARE(variant##_mixed, mode, clamp)
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_COLUMN_W8_DECLARE)
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_COLUMN_W8_DECLARE_MIXED)
#undef EDGEQ_FAST_COLUMN_W8_DECLARE_MIXED
#undef EDGEQ_FAST_COLUMN_W8_DECLARE

/* W4A8 DEPTHWISE_CONV_2D: int4 weights packed in TFLite's order (element 2k in the low nibble)
 * unpacked to `count` int8 values in `out` (the op's scratch), which the int8-weight depthwise
 * kernel then reads (csrc/edgeq_s4_unpack.c). Returns `out`. */
const int8_t *edgeq_s4_unpack(const uint8_t *packed, int32_t count, int8_t *out);

/* --optimize size: expands `rows` channels of compact requantisation data (bias[r], or 0 when
 * bias is NULL; mult[r]; the int8 shift code shift_code[r]) into `out` (scratch, 4-aligned,
 * 16 bytes per row), rebuilding each row's rounding constant from its shift and out_zp
 * (codes and rules: csrc/edgeq_channel_requant_expand.c). Returns `out`. */
const edgeq_channel_requant *edgeq_channel_requant_expand(const int32_t *bias,
                                                          const int32_t *mult,
                                                          const int8_t *shift_code, int32_t rows,
                                                          int32_t out_zp,
                                                          edgeq_channel_requant *out);
/* As edgeq_channel_requant_expand, with each bias stored as bias_base + bias[r], bias[r] an
 * int16 (the generator's choice when an op's biases span at most 65535: 7 bytes per channel
 * instead of 9). */
const edgeq_channel_requant *edgeq_channel_requant_expand_b16(const int16_t *bias,
                                                              int32_t bias_base,
                                                              const int32_t *mult,
                                                              const int8_t *shift_code,
                                                              int32_t rows, int32_t out_zp,
                                                              edgeq_channel_requant *out);
/* --optimize size: a FULLY_CONNECTED kernel's biases stored as int16 offsets from one int32
 * base (when they span at most 65535), rebuilt as out[i] = base + offsets[i] for `count`
 * output features into `out` (scratch, 4-aligned). Returns `out`, the kernel's bias array. */
const int32_t *edgeq_bias_expand_b16(const int16_t *offsets, int32_t base, int32_t count,
                                     int32_t *out);

/* ---- specialised FULLY_CONNECTED and ADD (code generator's fast path, planned by
 * packages/codegen/src/fast-fully-connected.ts and fast-elementwise.ts; constants as above) ---- */

/* FULLY_CONNECTED, weights [out, in], batches rows of in_features inputs. bias: one per
 * output feature, bias - in_zp * sum(w) (raw int8 inputs enter the products). requant: one
 * edgeq_channel_requant per output feature (requant_stride 1) or one for all
 * (requant_stride 0, per-tensor weight scale); their bias field is unused. _w16_: int16
 * weights in blocks of four rows, SXTB16 lane order, weights and biases stored doubled in
 * tflm mode (layout: csrc/edgeq_fully_connected_w16_s8.c); _w8_: the model's int8 weights
 * unchanged. No scratch. */
typedef struct {
  int32_t batches, in_features, out_features;
  int32_t act_min, act_max;
  const int32_t *bias;
  const edgeq_channel_requant *requant;
  int32_t requant_stride;
} edgeq_fc_fast_params;

/* ADD through 256-entry tables of each input's rescaled term (index: the int8 value as
 * uint8_t; doubled in tflm mode), one requantisation of their sum (requant.bias unused).
 * No scratch. */
typedef struct {
  int32_t size;
  int32_t act_min, act_max;
  edgeq_channel_requant requant;
  const int32_t *term1;
  const int32_t *term2;
} edgeq_add_table_params;

size_t edgeq_fully_connected_w16_s8_get_buffer_size(const edgeq_fc_fast_params *p);
size_t edgeq_fully_connected_w8_s8_get_buffer_size(const edgeq_fc_fast_params *p);
size_t edgeq_add_table_s8_get_buffer_size(const edgeq_add_table_params *p);

/* The two 256-entry term tables of an ADD computed at run time into `terms` (--optimize
 * size: no tables in flash): terms[v & 255] for input 1, terms[256 + (v & 255)] for input 2,
 * each value exactly edgeq_add_s8's rescaled term, doubled in EDGEQ_RQ_TFLM mode as the
 * table kernel expects. `terms` holds edgeq_add_terms_s8_get_buffer_size() bytes, 4-aligned. */
void edgeq_add_terms_s8(const edgeq_add_params *p, int32_t *terms);
size_t edgeq_add_terms_s8_get_buffer_size(const edgeq_add_params *p);

#define EDGEQ_FAST_FC_ADD_DECLARE(variant, mode, clamp)                                          \
  void edgeq_fully_connected_w16_s8_##variant(const edgeq_fc_fast_params *p,                     \
                                             const int8_t *input, const int16_t *w,              \
                                             int8_t *output);                                    \
  void edgeq_fully_connected_w8_s8_##variant(const edgeq_fc_fast_params *p, const int8_t *input, \
                                            const int8_t *w, int8_t *output);                   \
  void edgeq_add_table_s8_##variant(const edgeq_add_table_params *p, const int8_t *in1,          \
                                   const int8_t *in2, int8_t *output);
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_FC_ADD_DECLARE)
#undef EDGEQ_FAST_FC_ADD_DECLARE

/* W4A8 specialised kernels; int4 weights in their re-ordered packing: output channels in pairs
 * (an odd count completed by a zero row), per pair and group of 8 inputs one word per channel
 * whose byte j holds w[k+j] low and w[k+4+j] high (csrc/edgeq_s4_rows.h), 8 * ceil(in / 8)
 * bytes per pair.
 * edgeq_fully_connected_s4_*: FULLY_CONNECTED, and 1x1 CONV_2D as batches = pixels
 * (csrc/edgeq_fully_connected_s4.c); edgeq_fc_fast_params as above, biases and rows not
 * doubled. No scratch.
 * edgeq_conv_im2col_s4_*: general CONV_2D (csrc/edgeq_conv_im2col_s4.c);
 * edgeq_conv_im2col_params with taps = kernel_h * kernel_w * in.c (the inputs of the packing)
 * and one edgeq_channel_requant per output channel (its bias bias - in_zp * sum(w), not
 * doubled). Scratch: edgeq_conv_im2col_s4_get_buffer_size() bytes, 4-aligned (an int8 column). */
size_t edgeq_fully_connected_s4_get_buffer_size(const edgeq_fc_fast_params *p);
size_t edgeq_conv_im2col_s4_get_buffer_size(const edgeq_conv_im2col_params *p);
#define EDGEQ_FAST_S4_DECLARE(variant, mode, clamp)                                             \
  void edgeq_fully_connected_s4_##variant(const edgeq_fc_fast_params *p, const int8_t *input,  \
                                          const uint8_t *w, int8_t *output);                   \
  void edgeq_conv_im2col_s4_##variant(const edgeq_conv_im2col_params *p, const int8_t *input,  \
                                      const uint8_t *w, int8_t *output, int16_t *scratch);
EDGEQ_FAST_VARIANTS(EDGEQ_FAST_S4_DECLARE)
#undef EDGEQ_FAST_S4_DECLARE

void edgeq_mean_hw_s8(const edgeq_mean_params *p, const int8_t *input, int8_t *output);

void edgeq_concat_channels_s8(const edgeq_concat_params *p, const edgeq_concat_input *inputs,
                              int8_t *output);

void edgeq_pad_s8(const edgeq_pad_params *p, const int8_t *input, int8_t *output);

void edgeq_resize_nearest_s8(const edgeq_resize_nearest_params *p, const int8_t *input,
                             int8_t *output);

void edgeq_strided_slice_s8(const edgeq_strided_slice_params *p, const int8_t *input,
                            int8_t *output);

void edgeq_logistic_s8(const edgeq_logistic_params *p, const int8_t *input, int8_t *output,
                       int32_t size);

void edgeq_softmax_s8(const edgeq_softmax_params *p, const int8_t *input, int8_t *output);
size_t edgeq_softmax_computed_s8_get_buffer_size(const edgeq_softmax_scaling_params *p);
void edgeq_softmax_computed_s8(const edgeq_softmax_scaling_params *p, const int8_t *input,
                               int8_t *output, uint32_t *scratch);

void edgeq_copy_s8(const int8_t *input, int8_t *output, int32_t size);

/* QUANTIZE: f32(x / scale) (EDGEQ_RQ_FP32: f32(x * f32(1 / scale))), rounded half away from
   zero, + zero_point, saturated to int8; NaN gives zero_point. */
void edgeq_quantize_f32_s8(const float *input, int8_t *output, int32_t size, float scale,
                           int32_t zero_point, edgeq_rq_mode mode);
void edgeq_dequantize_s8_f32(const int8_t *input, float *output, int32_t size, float scale,
                             int32_t zero_point);

#ifdef __cplusplus
}
#endif

#endif /* EDGEQ_H */
