/**
 * Test fixture: a small int8 model written the way a TFLite converter lays one out
 * (float input → QUANTIZE → CONV_2D(RELU6) → DEPTHWISE_CONV_2D → MEAN → FULLY_CONNECTED →
 * SOFTMAX → DEQUANTIZE), with hand-chosen weights and quantisation, as flatc-style JSON.
 * Built into bytes by json-tflite.ts, i.e. without any of edgeq's own writer code.
 */

import { bytesOfInt32, bytesOfInt8 } from './json-tflite.js';

const f = Math.fround;
export const IN_SCALE = f(1 / 255);
export const CONV_W = [
  -40, 0, 40, -80, 0, 80, -40, 0, 40, // vertical edges
  -40, -80, -40, 0, 0, 0, 40, 80, 40, // horizontal edges
  10, 20, 10, 20, 40, 20, 10, 20, 10, // blur
  0, -30, 0, -30, 120, -30, 0, -30, 0, // sharpen
];
export const CONV_SCALES = [0.01, 0.012, 0.02, 0.015].map(f);
export const CONV_OUT = { scale: f(6 / 255), zp: -128 };
export const DW_W = [
  1, 2, 1, -3, 2, -1, 4, 1, 3, 1, 2, 1, //
  2, 4, 2, -3, 4, 8, 4, 3, 1, 2, 1, 1, //
  1, 2, 1, -1, 0, 0, 0, 0, 3, 1, 2, 1,
].map((v) => v * 9);
export const DW_SCALES = [0.02, 0.025, 0.018, 0.03].map(f);
export const DW_OUT = { scale: f(0.03), zp: 5 };
export const MEAN_OUT = { scale: f(0.025), zp: 2 };
export const FC_W = [20, -30, 40, 10, 5, 60, -20, 30, -50, 10, 70, -40];
export const FC_SCALE = f(0.02);
export const FC_OUT = { scale: f(0.05), zp: -10 };

const q = (scale: number | number[], zp: number | number[], dim = 0) => ({
  scale: Array.isArray(scale) ? scale : [scale],
  zero_point: Array.isArray(zp) ? zp : [zp],
  quantized_dimension: dim,
});

/** The model as flatc-style JSON; `override` patches fields for error tests. */
export function externalModelJson(): Record<string, any> {
  const convBias = [100, -200, 300, 0];
  const dwBias = [-500, 250, 0, 1000];
  const fcBias = [40, -80, 120];
  return {
    version: 3,
    description: 'hand-written int8 model',
    operator_codes: [
      { builtin_code: 'QUANTIZE', deprecated_builtin_code: 114, version: 1 },
      { builtin_code: 'CONV_2D', deprecated_builtin_code: 3, version: 3 },
      { builtin_code: 'DEPTHWISE_CONV_2D', deprecated_builtin_code: 4, version: 3 },
      { builtin_code: 'MEAN', deprecated_builtin_code: 40, version: 2 },
      { builtin_code: 'FULLY_CONNECTED', deprecated_builtin_code: 9, version: 4 },
      { builtin_code: 'SOFTMAX', deprecated_builtin_code: 25, version: 2 },
      { builtin_code: 'DEQUANTIZE', deprecated_builtin_code: 6, version: 2 },
    ],
    subgraphs: [{
      name: 'main',
      tensors: [
        { name: 'serving_default_input:0', shape: [1, 8, 8, 1], type: 'FLOAT32', buffer: 0 },
        { name: 'input_int8', shape: [1, 8, 8, 1], type: 'INT8', buffer: 0, quantization: q(IN_SCALE, -128) },
        { name: 'conv/weights', shape: [4, 3, 3, 1], type: 'INT8', buffer: 1, quantization: q(CONV_SCALES, [0, 0, 0, 0], 0) },
        { name: 'conv/bias', shape: [4], type: 'INT32', buffer: 2, quantization: q(CONV_SCALES.map((s) => f(IN_SCALE * s)), [0, 0, 0, 0], 0) },
        { name: 'conv/relu6', shape: [1, 4, 4, 4], type: 'INT8', buffer: 0, quantization: q(CONV_OUT.scale, CONV_OUT.zp) },
        { name: 'dw/weights', shape: [1, 3, 3, 4], type: 'INT8', buffer: 3, quantization: q(DW_SCALES, [0, 0, 0, 0], 3) },
        { name: 'dw/bias', shape: [4], type: 'INT32', buffer: 4, quantization: q(DW_SCALES.map((s) => f(CONV_OUT.scale * s)), [0, 0, 0, 0], 0) },
        { name: 'dw/out', shape: [1, 4, 4, 4], type: 'INT8', buffer: 0, quantization: q(DW_OUT.scale, DW_OUT.zp) },
        { name: 'mean/axes', shape: [2], type: 'INT32', buffer: 5 },
        { name: 'mean/out', shape: [1, 4], type: 'INT8', buffer: 0, quantization: q(MEAN_OUT.scale, MEAN_OUT.zp) },
        { name: 'fc/weights', shape: [3, 4], type: 'INT8', buffer: 6, quantization: q(FC_SCALE, 0) },
        { name: 'fc/bias', shape: [3], type: 'INT32', buffer: 7, quantization: q(f(MEAN_OUT.scale * FC_SCALE), 0) },
        { name: 'fc/out', shape: [1, 3], type: 'INT8', buffer: 0, quantization: q(FC_OUT.scale, FC_OUT.zp) },
        { name: 'softmax', shape: [1, 3], type: 'INT8', buffer: 0, quantization: q(f(1 / 256), -128) },
        { name: 'StatefulPartitionedCall:0', shape: [1, 3], type: 'FLOAT32', buffer: 0 },
      ],
      inputs: [0],
      outputs: [14],
      operators: [
        { opcode_index: 0, inputs: [0], outputs: [1], builtin_options_type: 'QuantizeOptions', builtin_options: {} },
        {
          opcode_index: 1, inputs: [1, 2, 3], outputs: [4], builtin_options_type: 'Conv2DOptions',
          builtin_options: { padding: 'SAME', stride_w: 2, stride_h: 2, fused_activation_function: 'RELU6', dilation_w_factor: 1, dilation_h_factor: 1 },
        },
        {
          opcode_index: 2, inputs: [4, 5, 6], outputs: [7], builtin_options_type: 'DepthwiseConv2DOptions',
          builtin_options: { padding: 'SAME', stride_w: 1, stride_h: 1, depth_multiplier: 1, dilation_w_factor: 1, dilation_h_factor: 1 },
        },
        { opcode_index: 3, inputs: [7, 8], outputs: [9], builtin_options_type: 'ReducerOptions', builtin_options: { keep_dims: false } },
        { opcode_index: 4, inputs: [9, 10, 11], outputs: [12], builtin_options_type: 'FullyConnectedOptions', builtin_options: { fused_activation_function: 'NONE' } },
        { opcode_index: 5, inputs: [12], outputs: [13], builtin_options_type: 'SoftmaxOptions', builtin_options: { beta: 1 } },
        { opcode_index: 6, inputs: [13], outputs: [14], builtin_options_type: 'DequantizeOptions', builtin_options: {} },
      ],
    }],
    buffers: [
      {},
      { data: bytesOfInt8(CONV_W) },
      { data: bytesOfInt32(convBias) },
      { data: bytesOfInt8(DW_W) },
      { data: bytesOfInt32(dwBias) },
      { data: bytesOfInt32([1, 2]) },
      { data: bytesOfInt8(FC_W) },
      { data: bytesOfInt32(fcBias) },
    ],
  };
}
