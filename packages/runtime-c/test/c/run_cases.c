/*
 * run_cases.c - runtime-c's kernel test runner: calls every kernel of edgeq.h on the cases
 * of test/data/cases.h and compares each output with the interpreter's, byte for byte (float
 * outputs by bit pattern). One line per case, "PASS <suite>: <case>" or "FAIL <suite>:
 * <case>: ...", then the exit status (0 when every case passed). The same source runs
 * natively (gcc, ASan/UBSan) and on Cortex-M under QEMU (semihosting console; built with
 * the harness's startup, which calls main). Output and scratch buffers are exactly the
 * sizes the kernels are entitled to, followed by guard bytes that must stay untouched.
 */
#include <string.h>

#include "edgeq_test_case.h"
#include "cases.h"

#ifdef __arm__
#include "edgeq_semihost.h"
static void print(const char *s) { edgeq_sh_puts(s); }
#else
#include <stdio.h>
static void print(const char *s) { fputs(s, stdout); }
#endif

#define GUARD_BYTES 16
#define GUARD_VALUE 0x5A
#define MAX_BUFFER 8192

/* 4-aligned: the fast kernels' scratch holds int16 and int32 rows. */
static union {
  int32_t align;
  int8_t bytes[MAX_BUFFER + GUARD_BYTES];
} output_area, scratch_area;

static void print_int(int32_t v) {
  char text[12];
  int i = 11;
  uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
  text[i] = '\0';
  do {
    text[--i] = (char)('0' + u % 10u);
    u /= 10u;
  } while (u != 0u);
  if (v < 0) text[--i] = '-';
  print(text + i);
}

static int8_t *guarded(int8_t *area, int32_t size) {
  memset(area, GUARD_VALUE, (size_t)size + GUARD_BYTES);
  return area;
}

static int guard_intact(const int8_t *area, int32_t size) {
  int32_t i;
  for (i = 0; i < GUARD_BYTES; i++) {
    if (area[size + i] != GUARD_VALUE) return 0;
  }
  return 1;
}

static float float_of(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

/* Calls the case's kernel; returns the bytes of its output (0 when the case is malformed). */
static int32_t run_kernel(const edgeq_test_case *c, int8_t *out, int16_t *scratch) {
  const void *p = c->params;
  const int8_t *x = c->input;
  const int8_t *w8 = (const int8_t *)c->weights;
  const int16_t *w16 = (const int16_t *)c->weights;
  const uint8_t *w4 = (const uint8_t *)c->weights;
  const int32_t n = c->output_size;
  float values[MAX_BUFFER / 4];
  int32_t i;
  if ((c->kernel == EDGEQ_TEST_QUANTIZE || c->kernel == EDGEQ_TEST_DEQUANTIZE) && n > MAX_BUFFER / 4) return 0;
  switch (c->kernel) {
    case EDGEQ_TEST_CONV: edgeq_conv2d_s8(p, x, w8, c->bias, out); break;
    case EDGEQ_TEST_DEPTHWISE_CONV: edgeq_depthwise_conv2d_s8(p, x, w8, c->bias, out); break;
    case EDGEQ_TEST_FULLY_CONNECTED: edgeq_fully_connected_s8(p, x, w8, c->bias, out); break;
    case EDGEQ_TEST_CONV_S4: edgeq_conv2d_s4(p, x, w4, c->bias, out); break;
    case EDGEQ_TEST_DEPTHWISE_CONV_S4: edgeq_depthwise_conv2d_s4(p, x, w4, c->bias, out); break;
    case EDGEQ_TEST_FULLY_CONNECTED_S4: edgeq_fully_connected_s4(p, x, w4, c->bias, out); break;
    case EDGEQ_TEST_ADD: edgeq_add_s8(p, x, c->input2, out); break;
    case EDGEQ_TEST_ADD_TERMS: /* the two int32 tables, compared byte by byte (output_area is 4-aligned) */
      edgeq_add_terms_s8(p, (int32_t *)(void *)out);
      return (int32_t)edgeq_add_terms_s8_get_buffer_size(p);
    case EDGEQ_TEST_AVG_POOL: edgeq_avg_pool_s8(p, x, out); break;
    case EDGEQ_TEST_MAX_POOL: edgeq_max_pool_s8(p, x, out); break;
    case EDGEQ_TEST_MEAN: edgeq_mean_hw_s8(p, x, out); break;
    case EDGEQ_TEST_PAD: edgeq_pad_s8(p, x, out); break;
    case EDGEQ_TEST_RESIZE_NEAREST: edgeq_resize_nearest_s8(p, x, out); break;
    case EDGEQ_TEST_STRIDED_SLICE: edgeq_strided_slice_s8(p, x, out); break;
    case EDGEQ_TEST_LOGISTIC: edgeq_logistic_s8(p, x, out, n); break;
    case EDGEQ_TEST_COPY: edgeq_copy_s8(x, out, n); break;
    case EDGEQ_TEST_CONCAT: edgeq_concat_channels_s8(p, c->concat_inputs, out); break;
    case EDGEQ_TEST_SOFTMAX: edgeq_softmax_s8(p, x, out); break;
    case EDGEQ_TEST_SOFTMAX_COMPUTED:
      edgeq_softmax_computed_s8(p, x, out, (uint32_t *)(void *)scratch);
      break;
    case EDGEQ_TEST_QUANTIZE:
      for (i = 0; i < n; i++) values[i] = float_of(c->float_bits[i]);
      edgeq_quantize_f32_s8(values, out, n, float_of(c->scale_bits), c->zero_point, c->mode);
      break;
    case EDGEQ_TEST_DEQUANTIZE:
      edgeq_dequantize_s8_f32(x, values, n, float_of(c->scale_bits), c->zero_point);
      memcpy(out, values, (size_t)n * sizeof(float));
      return n * (int32_t)sizeof(float);
    case EDGEQ_TEST_POINTWISE_CONV: c->pointwise(p, x, w16, out); break;
    case EDGEQ_TEST_POINTWISE_CONV_W8: c->pointwise_w8(p, x, w8, out); break;
    case EDGEQ_TEST_CONV_IM2COL: c->conv_im2col(p, x, w16, out, scratch); break;
    case EDGEQ_TEST_CONV_IM2COL_W8: c->conv_im2col_w8(p, x, w8, out, scratch); break;
    case EDGEQ_TEST_CONV_IM2COL_S4: c->conv_im2col_s4(p, x, w4, out, scratch); break;
    case EDGEQ_TEST_DEPTHWISE_CONV_3X3: c->depthwise_3x3(p, x, w16, out, scratch); break;
    case EDGEQ_TEST_DEPTHWISE_CONV_ROWS: c->depthwise_rows(p, x, w8, out, scratch); break;
    default: return 0;
  }
  return n;
}

/* The scratch bytes the kernel asks for (0 for kernels without scratch). */
static int32_t buffer_size(const edgeq_test_case *c) {
  if (c->kernel == EDGEQ_TEST_CONV_IM2COL || c->kernel == EDGEQ_TEST_CONV_IM2COL_W8) {
    return (int32_t)edgeq_conv_im2col_s8_get_buffer_size((const edgeq_conv_im2col_params *)c->params);
  }
  if (c->kernel == EDGEQ_TEST_CONV_IM2COL_S4) {
    return (int32_t)edgeq_conv_im2col_s4_get_buffer_size((const edgeq_conv_im2col_params *)c->params);
  }
  if (c->kernel == EDGEQ_TEST_DEPTHWISE_CONV_3X3) {
    return (int32_t)edgeq_depthwise_conv_3x3_s8_get_buffer_size(
        (const edgeq_depthwise_3x3_params *)c->params);
  }
  if (c->kernel == EDGEQ_TEST_SOFTMAX_COMPUTED) {
    return (int32_t)edgeq_softmax_computed_s8_get_buffer_size(
        (const edgeq_softmax_scaling_params *)c->params);
  }
  if (c->kernel == EDGEQ_TEST_DEPTHWISE_CONV_ROWS) {
    return (int32_t)edgeq_depthwise_conv_rows_s8_get_buffer_size(
        (const edgeq_depthwise_rows_params *)c->params);
  }
  return 0;
}

static int fail(const edgeq_test_suite *s, const edgeq_test_case *c, const char *why, int32_t at,
                int32_t expected, int32_t got) {
  print("FAIL ");
  print(s->name);
  print(": ");
  print(c->name);
  print(": ");
  print(why);
  if (at >= 0) {
    print(" at ");
    print_int(at);
    print(": expected ");
    print_int(expected);
    print(", got ");
    print_int(got);
  }
  print("\n");
  return 1;
}

static int run_case(const edgeq_test_suite *s, const edgeq_test_case *c) {
  const int32_t scratch_bytes = buffer_size(c);
  const int32_t out_bytes = c->kernel == EDGEQ_TEST_DEQUANTIZE ? c->output_size * 4 : c->output_size;
  int8_t *out;
  int8_t *scratch;
  int32_t produced, i;
  if (scratch_bytes != c->scratch_bytes) {
    return fail(s, c, "get_buffer_size differs from codegen's plan", 0, c->scratch_bytes, scratch_bytes);
  }
  if (out_bytes > MAX_BUFFER || scratch_bytes > MAX_BUFFER) return fail(s, c, "case too large", -1, 0, 0);
  out = guarded(output_area.bytes, out_bytes);
  scratch = guarded(scratch_area.bytes, scratch_bytes);
  produced = run_kernel(c, out, (int16_t *)(void *)scratch);
  if (produced != out_bytes) return fail(s, c, "malformed case", -1, 0, 0);
  if (!guard_intact(out, out_bytes)) return fail(s, c, "wrote past the output", -1, 0, 0);
  if (!guard_intact(scratch, scratch_bytes)) return fail(s, c, "wrote past the scratch buffer", -1, 0, 0);
  if (c->kernel == EDGEQ_TEST_DEQUANTIZE) {
    for (i = 0; i < c->output_size; i++) {
      uint32_t bits;
      memcpy(&bits, out + 4 * i, 4);
      if (bits != c->float_bits[i]) return fail(s, c, "float bits differ", i, (int32_t)c->float_bits[i], (int32_t)bits);
    }
  } else {
    for (i = 0; i < c->output_size; i++) {
      if (out[i] != c->expected[i]) return fail(s, c, "output differs", i, c->expected[i], out[i]);
    }
  }
  print("PASS ");
  print(s->name);
  print(": ");
  print(c->name);
  print("\n");
  return 0;
}

/* One line per shape: "PASS buffer_size: <kernel> <i>" or a FAIL line with both sizes. */
static int check_buffer_size(const char *kernel, int32_t i, size_t asked, int32_t planned) {
  print((int32_t)asked == planned ? "PASS buffer_size: " : "FAIL buffer_size: ");
  print(kernel);
  print(" ");
  print_int(i);
  if ((int32_t)asked != planned) {
    print(": get_buffer_size ");
    print_int((int32_t)asked);
    print(", codegen plans ");
    print_int(planned);
  }
  print("\n");
  return (int32_t)asked == planned ? 0 : 1;
}

int main(void) {
  int failures = 0;
  size_t k;
  int32_t i;
  for (k = 0; k < sizeof edgeq_test_suites / sizeof edgeq_test_suites[0]; k++) {
    const edgeq_test_suite *s = &edgeq_test_suites[k];
    for (i = 0; i < s->count; i++) failures += run_case(s, &s->cases[i]);
  }
  for (i = 0; i < (int32_t)(sizeof conv_im2col_buffer_sizes / sizeof conv_im2col_buffer_sizes[0]); i++) {
    failures += check_buffer_size("conv_im2col", i,
                                  edgeq_conv_im2col_s8_get_buffer_size(conv_im2col_buffer_sizes[i].params),
                                  conv_im2col_buffer_sizes[i].planned_bytes);
  }
  for (i = 0; i < (int32_t)(sizeof depthwise_conv_3x3_buffer_sizes / sizeof depthwise_conv_3x3_buffer_sizes[0]); i++) {
    failures += check_buffer_size(
        "depthwise_conv_3x3", i,
        edgeq_depthwise_conv_3x3_s8_get_buffer_size(depthwise_conv_3x3_buffer_sizes[i].params),
        depthwise_conv_3x3_buffer_sizes[i].planned_bytes);
  }
  for (i = 0; i < (int32_t)(sizeof depthwise_conv_rows_buffer_sizes / sizeof depthwise_conv_rows_buffer_sizes[0]); i++) {
    failures += check_buffer_size(
        "depthwise_conv_rows", i,
        edgeq_depthwise_conv_rows_s8_get_buffer_size(depthwise_conv_rows_buffer_sizes[i].params),
        depthwise_conv_rows_buffer_sizes[i].planned_bytes);
  }
  print(failures == 0 ? "ALL PASSED\n" : "SOME FAILED\n");
  return failures == 0 ? 0 : 1;
}
