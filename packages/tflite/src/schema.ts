/**
 * The parts of the TFLite flatbuffer schema (tensorflow/lite/schema/schema.fbs, file
 * identifier "TFL3", schema version 3) that edgeq reads and writes, transcribed by hand:
 * enum values, the positions of the BuiltinOptions union members, and each table's field
 * slots (a field's slot is its declaration index; a union field takes two slots, its
 * `_type` byte first). Only what the integer core needs is listed.
 */

/** Schema version written to and required in Model.version. */
export const TFLITE_SCHEMA_VERSION = 3;
/** Flatbuffer file identifier of .tflite files. */
export const TFLITE_FILE_IDENTIFIER = 'TFL3';

/** enum TensorType : byte */
export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
  FLOAT64: 10,
  COMPLEX128: 11,
  UINT64: 12,
  RESOURCE: 13,
  VARIANT: 14,
  UINT32: 15,
  UINT16: 16,
  INT4: 17,
} as const;

/** Name of a TensorType value, for error messages. */
export function tensorTypeName(t: number): string {
  const e = Object.entries(TensorType).find(([, v]) => v === t);
  return e ? e[0] : `type ${t}`;
}

/** enum BuiltinOperator : int32 — the codes edgeq knows by name. */
export const BuiltinOperator = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  TANH: 28,
  CUSTOM: 32,
  PAD: 34,
  TRANSPOSE: 39,
  MEAN: 40,
  SUB: 41,
  SQUEEZE: 43,
  STRIDED_SLICE: 45,
  PADV2: 60,
  QUANTIZE: 114,
  HARD_SWISH: 117,
  BATCH_MATMUL: 126,
  PLACEHOLDER_FOR_GREATER_OP_CODES: 127,
} as const;

/** Name of a builtin operator code, for error messages. */
export function builtinOperatorName(code: number): string {
  const e = Object.entries(BuiltinOperator).find(([, v]) => v === code);
  return e ? e[0] : `builtin operator ${code}`;
}

/** Positions (1-based; 0 = NONE) of the BuiltinOptions union members edgeq uses. */
export const BuiltinOptions = {
  NONE: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  PadOptions: 22,
  ReducerOptions: 27,
  DequantizeOptions: 38,
  QuantizeOptions: 89,
} as const;

/** enum Padding : byte */
export const PaddingCode = { SAME: 0, VALID: 1 } as const;

/** enum ActivationFunctionType : byte */
export const ActivationCode = {
  NONE: 0,
  RELU: 1,
  RELU_N1_TO_1: 2,
  RELU6: 3,
  TANH: 4,
  SIGN_BIT: 5,
} as const;

/** Field slots of each table (declaration order in schema.fbs). */
export const Slot = {
  Model: { version: 0, operator_codes: 1, subgraphs: 2, description: 3, buffers: 4, metadata_buffer: 5, metadata: 6, signature_defs: 7 },
  OperatorCode: { deprecated_builtin_code: 0, custom_code: 1, version: 2, builtin_code: 3 },
  SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  Buffer: { data: 0, offset: 1, size: 2 },
  Metadata: { name: 0, buffer: 1 },
  Tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, is_variable: 5, sparsity: 6, shape_signature: 7, has_rank: 8 },
  QuantizationParameters: { min: 0, max: 1, scale: 2, zero_point: 3, details_type: 4, details: 5, quantized_dimension: 6 },
  Operator: {
    opcode_index: 0, inputs: 1, outputs: 2, builtin_options_type: 3, builtin_options: 4, custom_options: 5,
    custom_options_format: 6, mutating_variable_inputs: 7, intermediates: 8,
  },
} as const;

/** How one field of a builtin options table is stored. */
export type FieldKind = 'i8' | 'u8' | 'bool' | 'i32' | 'f32' | 'i32s';
/** A field of an options table: its slot, storage kind and schema default. */
export interface FieldSpec {
  slot: number;
  kind: FieldKind;
  dflt: number | boolean;
}
const f = (slot: number, kind: FieldKind, dflt: number | boolean = kind === 'bool' ? false : 0): FieldSpec => ({ slot, kind, dflt });

/** The builtin options tables edgeq reads and writes, field by field. */
export const OPTIONS_TABLES: Readonly<Record<number, { name: string; fields: Record<string, FieldSpec> }>> = {
  [BuiltinOptions.Conv2DOptions]: {
    name: 'Conv2DOptions',
    fields: {
      padding: f(0, 'i8'), stride_w: f(1, 'i32'), stride_h: f(2, 'i32'), fused_activation_function: f(3, 'i8'),
      dilation_w_factor: f(4, 'i32', 1), dilation_h_factor: f(5, 'i32', 1), quantized_bias_type: f(6, 'i8'),
    },
  },
  [BuiltinOptions.DepthwiseConv2DOptions]: {
    name: 'DepthwiseConv2DOptions',
    fields: {
      padding: f(0, 'i8'), stride_w: f(1, 'i32'), stride_h: f(2, 'i32'), depth_multiplier: f(3, 'i32'),
      fused_activation_function: f(4, 'i8'), dilation_w_factor: f(5, 'i32', 1), dilation_h_factor: f(6, 'i32', 1),
    },
  },
  [BuiltinOptions.Pool2DOptions]: {
    name: 'Pool2DOptions',
    fields: {
      padding: f(0, 'i8'), stride_w: f(1, 'i32'), stride_h: f(2, 'i32'), filter_width: f(3, 'i32'),
      filter_height: f(4, 'i32'), fused_activation_function: f(5, 'i8'),
    },
  },
  [BuiltinOptions.FullyConnectedOptions]: {
    name: 'FullyConnectedOptions',
    fields: {
      fused_activation_function: f(0, 'i8'), weights_format: f(1, 'i8'), keep_num_dims: f(2, 'bool'),
      asymmetric_quantize_inputs: f(3, 'bool'), quantized_bias_type: f(4, 'i8'),
    },
  },
  [BuiltinOptions.SoftmaxOptions]: { name: 'SoftmaxOptions', fields: { beta: f(0, 'f32') } },
  [BuiltinOptions.ConcatenationOptions]: { name: 'ConcatenationOptions', fields: { axis: f(0, 'i32'), fused_activation_function: f(1, 'i8') } },
  [BuiltinOptions.AddOptions]: { name: 'AddOptions', fields: { fused_activation_function: f(0, 'i8'), pot_scale_int16: f(1, 'bool', true) } },
  [BuiltinOptions.ReshapeOptions]: { name: 'ReshapeOptions', fields: { new_shape: f(0, 'i32s') } },
  [BuiltinOptions.PadOptions]: { name: 'PadOptions', fields: {} },
  [BuiltinOptions.ReducerOptions]: { name: 'ReducerOptions', fields: { keep_dims: f(0, 'bool') } },
  [BuiltinOptions.DequantizeOptions]: { name: 'DequantizeOptions', fields: {} },
  [BuiltinOptions.QuantizeOptions]: { name: 'QuantizeOptions', fields: {} },
};
