/*
 * edgeq_test_case.h - one case of runtime-c's kernel tests (the data headers in test/data/ are
 * generated from the @edgeq/ir interpreter by test/generate-test-data.ts): which kernel,
 * its parameter struct, its inputs and the expected output. Fields a kernel does not use
 * stay zero.
 */
#ifndef EDGEQ_TEST_CASE_H
#define EDGEQ_TEST_CASE_H

#include <stddef.h>
#include <stdint.h>

#include "edgeq.h"

/* The public kernel a case calls (one runner function each in run_cases.c). */
typedef enum {
  EDGEQ_TEST_CONV,
  EDGEQ_TEST_DEPTHWISE_CONV,
  EDGEQ_TEST_FULLY_CONNECTED,
  EDGEQ_TEST_ADD,
  EDGEQ_TEST_AVG_POOL,
  EDGEQ_TEST_MAX_POOL,
  EDGEQ_TEST_MEAN,
  EDGEQ_TEST_PAD,
  EDGEQ_TEST_COPY,
  EDGEQ_TEST_CONCAT,
  EDGEQ_TEST_SOFTMAX,
  EDGEQ_TEST_QUANTIZE,
  EDGEQ_TEST_DEQUANTIZE,
  EDGEQ_TEST_POINTWISE_CONV,
  EDGEQ_TEST_CONV_IM2COL,
  EDGEQ_TEST_DEPTHWISE_CONV_3X3,
  EDGEQ_TEST_RESIZE_NEAREST,
  EDGEQ_TEST_LOGISTIC,
  EDGEQ_TEST_STRIDED_SLICE,
  EDGEQ_TEST_POINTWISE_CONV_W8,
  EDGEQ_TEST_ADD_TERMS,
  EDGEQ_TEST_CONV_IM2COL_W8,
  EDGEQ_TEST_DEPTHWISE_CONV_ROWS,
  EDGEQ_TEST_SOFTMAX_COMPUTED,
  EDGEQ_TEST_CONV_S4,
  EDGEQ_TEST_DEPTHWISE_CONV_S4,
  EDGEQ_TEST_FULLY_CONNECTED_S4,
  EDGEQ_TEST_CONV_IM2COL_S4
} edgeq_test_kernel;

typedef void (*edgeq_test_pointwise_fn)(const edgeq_pointwise_params *p, const int8_t *input,
                                        const int16_t *w, int8_t *output);
typedef void (*edgeq_test_pointwise_w8_fn)(const edgeq_pointwise_params *p, const int8_t *input,
                                           const int8_t *w, int8_t *output);
typedef void (*edgeq_test_conv_im2col_fn)(const edgeq_conv_im2col_params *p,
                                          const int8_t *input, const int16_t *w,
                                          int8_t *output, int16_t *scratch);
typedef void (*edgeq_test_conv_im2col_w8_fn)(const edgeq_conv_im2col_params *p,
                                             const int8_t *input, const int8_t *w,
                                             int8_t *output, int16_t *scratch);
typedef void (*edgeq_test_conv_im2col_s4_fn)(const edgeq_conv_im2col_params *p,
                                             const int8_t *input, const uint8_t *w,
                                             int8_t *output, int16_t *scratch);
typedef void (*edgeq_test_depthwise_3x3_fn)(const edgeq_depthwise_3x3_params *p,
                                            const int8_t *input, const int16_t *w,
                                            int8_t *output, int16_t *scratch);
typedef void (*edgeq_test_depthwise_rows_fn)(const edgeq_depthwise_rows_params *p,
                                             const int8_t *input, const int8_t *w,
                                             int8_t *output, int16_t *scratch);

typedef struct {
  edgeq_test_kernel kernel;
  const char *name;
  const void *params;      /* the kernel's parameter struct */
  const int8_t *input;
  const int8_t *input2;    /* ADD: second input */
  const void *weights;     /* int8 (reference kernels, int8-weight fast kernels), int16 (fast kernels)
                              or packed int4 (_s4 kernels, uint8_t) */
  const int32_t *bias;
  const edgeq_concat_input *concat_inputs;
  const uint32_t *float_bits; /* float32 bit patterns: QUANTIZE input, DEQUANTIZE expected */
  uint32_t scale_bits;     /* QUANTIZE, DEQUANTIZE: scale (float32 bits) */
  int32_t zero_point;
  edgeq_rq_mode mode;      /* QUANTIZE: EDGEQ_RQ_FP32 multiplies by 1 / scale, others divide */
  edgeq_test_pointwise_fn pointwise;
  edgeq_test_pointwise_w8_fn pointwise_w8;
  edgeq_test_conv_im2col_fn conv_im2col;
  edgeq_test_conv_im2col_w8_fn conv_im2col_w8;
  edgeq_test_conv_im2col_s4_fn conv_im2col_s4;
  edgeq_test_depthwise_3x3_fn depthwise_3x3;
  edgeq_test_depthwise_rows_fn depthwise_rows;
  int32_t scratch_bytes;   /* what codegen plans for the fast kernel's scratch */
  const int8_t *expected;  /* int8 outputs */
  int32_t output_size;     /* output elements */
} edgeq_test_case;

typedef struct {
  const char *name;
  const edgeq_test_case *cases;
  int32_t count;
} edgeq_test_suite;

#endif /* EDGEQ_TEST_CASE_H */
