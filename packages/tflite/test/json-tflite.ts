/**
 * Test helper: builds .tflite bytes from a flatc-style JSON description (field names as in
 * tensorflow/lite/schema/schema.fbs, enums by name) with the `flatbuffers` Builder directly.
 * It is deliberately independent of src/ (its own transcription of field slots and enum
 * values), so files made here stand for "a .tflite made outside edgeq"; LiteRT.js loading
 * them is the check that this transcription is right.
 */

import { Builder } from 'flatbuffers';

type Json = Record<string, unknown>;
type Kind = 'u8' | 'i8' | 'bool' | 'i32' | 'u32' | 'f32' | 'string' | '[i32]' | '[f32]' | '[i64]' | '[u8]' | 'union' | `table:${string}` | `[table:${string}]`;

/** table → field → [slot, kind]; a union's `_type` field is the slot before its value. */
export const TABLES: Record<string, Record<string, [number, Kind]>> = {
  Model: { version: [0, 'u32'], operator_codes: [1, '[table:OperatorCode]'], subgraphs: [2, '[table:SubGraph]'], description: [3, 'string'], buffers: [4, '[table:Buffer]'] },
  OperatorCode: { deprecated_builtin_code: [0, 'i8'], custom_code: [1, 'string'], version: [2, 'i32'], builtin_code: [3, 'i32'] },
  SubGraph: { tensors: [0, '[table:Tensor]'], inputs: [1, '[i32]'], outputs: [2, '[i32]'], operators: [3, '[table:Operator]'], name: [4, 'string'] },
  Buffer: { data: [0, '[u8]'] },
  Tensor: { shape: [0, '[i32]'], type: [1, 'i8'], buffer: [2, 'u32'], name: [3, 'string'], quantization: [4, 'table:QuantizationParameters'] },
  QuantizationParameters: { min: [0, '[f32]'], max: [1, '[f32]'], scale: [2, '[f32]'], zero_point: [3, '[i64]'], quantized_dimension: [6, 'i32'] },
  Operator: { opcode_index: [0, 'u32'], inputs: [1, '[i32]'], outputs: [2, '[i32]'], builtin_options_type: [3, 'u8'], builtin_options: [4, 'union'], custom_options: [5, '[u8]'] },
  Conv2DOptions: { padding: [0, 'i8'], stride_w: [1, 'i32'], stride_h: [2, 'i32'], fused_activation_function: [3, 'i8'], dilation_w_factor: [4, 'i32'], dilation_h_factor: [5, 'i32'], quantized_bias_type: [6, 'i8'] },
  DepthwiseConv2DOptions: { padding: [0, 'i8'], stride_w: [1, 'i32'], stride_h: [2, 'i32'], depth_multiplier: [3, 'i32'], fused_activation_function: [4, 'i8'], dilation_w_factor: [5, 'i32'], dilation_h_factor: [6, 'i32'] },
  Pool2DOptions: { padding: [0, 'i8'], stride_w: [1, 'i32'], stride_h: [2, 'i32'], filter_width: [3, 'i32'], filter_height: [4, 'i32'], fused_activation_function: [5, 'i8'] },
  FullyConnectedOptions: { fused_activation_function: [0, 'i8'], weights_format: [1, 'i8'], keep_num_dims: [2, 'bool'], asymmetric_quantize_inputs: [3, 'bool'], quantized_bias_type: [4, 'i8'] },
  SoftmaxOptions: { beta: [0, 'f32'] },
  AddOptions: { fused_activation_function: [0, 'i8'] },
  MulOptions: { fused_activation_function: [0, 'i8'] },
  ReshapeOptions: { new_shape: [0, '[i32]'] },
  PadOptions: {},
  ReducerOptions: { keep_dims: [0, 'bool'] },
  QuantizeOptions: {},
  DequantizeOptions: {},
};

/** BuiltinOptions union member positions. */
export const UNION: Record<string, number> = {
  Conv2DOptions: 1, DepthwiseConv2DOptions: 2, Pool2DOptions: 5, FullyConnectedOptions: 8, SoftmaxOptions: 9,
  AddOptions: 11, ReshapeOptions: 17, MulOptions: 21, PadOptions: 22, ReducerOptions: 27, DequantizeOptions: 38, QuantizeOptions: 89,
};
export const ENUMS: Record<string, Record<string, number>> = {
  type: { FLOAT32: 0, INT32: 2, UINT8: 3, INT64: 4, INT16: 7, INT8: 9, INT4: 17 },
  builtin_code: {
    ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6, FULLY_CONNECTED: 9,
    LSTM: 16, MAX_POOL_2D: 17, MUL: 18, RESHAPE: 22, SOFTMAX: 25, TANH: 28, CUSTOM: 32, PAD: 34, MEAN: 40, QUANTIZE: 114,
  },
  padding: { SAME: 0, VALID: 1 },
  fused_activation_function: { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4 },
};

function enumValue(field: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const e = ENUMS[field]?.[v as string];
  if (e === undefined) throw new Error(`json-tflite: unknown ${field} ${String(v)}`);
  return e;
}

function vector(b: Builder, kind: Kind, values: unknown[]): number {
  switch (kind) {
    case '[i32]':
      b.startVector(4, values.length, 4);
      for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i] as number);
      return b.endVector();
    case '[f32]':
      b.startVector(4, values.length, 4);
      for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i] as number);
      return b.endVector();
    case '[i64]':
      b.startVector(8, values.length, 8);
      for (let i = values.length - 1; i >= 0; i--) b.addInt64(BigInt(values[i] as number));
      return b.endVector();
    case '[u8]':
      b.startVector(1, values.length, 16);
      for (let i = values.length - 1; i >= 0; i--) b.addInt8(values[i] as number);
      return b.endVector();
    default:
      throw new Error(`json-tflite: not a scalar vector kind ${kind}`);
  }
}

function table(b: Builder, name: string, json: Json): number {
  const fields = TABLES[name];
  if (!fields) throw new Error(`json-tflite: unknown table ${name}`);
  // Children first.
  const offsets = new Map<string, number>();
  for (const [field, value] of Object.entries(json)) {
    if (field === 'builtin_options_type') continue;
    const spec = fields[field];
    if (!spec) throw new Error(`json-tflite: ${name} has no field ${field}`);
    const [, kind] = spec;
    if (kind === 'string') offsets.set(field, b.createString(value as string));
    else if (kind.startsWith('[table:')) {
      const child = kind.slice(7, -1);
      const items = (value as Json[]).map((v) => table(b, child, v));
      b.startVector(4, items.length, 4);
      for (let i = items.length - 1; i >= 0; i--) b.addOffset(items[i]);
      offsets.set(field, b.endVector());
    } else if (kind.startsWith('table:')) offsets.set(field, table(b, kind.slice(6), value as Json));
    else if (kind === 'union') offsets.set(field, table(b, json.builtin_options_type as string, value as Json));
    else if (kind.startsWith('[')) offsets.set(field, vector(b, kind, Array.from(value as ArrayLike<number>)));
  }
  b.startObject(Math.max(0, ...Object.values(fields).map(([slot]) => slot + 1)));
  for (const [field, value] of Object.entries(json)) {
    if (field === 'builtin_options_type') {
      b.addFieldInt8(3, UNION[value as string] ?? (value as number), 0);
      continue;
    }
    const [slot, kind] = fields[field];
    if (offsets.has(field)) b.addFieldOffset(slot, offsets.get(field)!, 0);
    else if (kind === 'f32') b.addFieldFloat32(slot, value as number, 0);
    else if (kind === 'i32' || kind === 'u32') b.addFieldInt32(slot, enumValue(field, value), field === 'version' && name === 'OperatorCode' ? 1 : 0);
    else b.addFieldInt8(slot, enumValue(field, value), 0);
  }
  return b.endObject();
}

/** Build .tflite bytes from a flatc-style JSON model description. */
export function tfliteFromJson(model: Json): Uint8Array {
  const b = new Builder(4096);
  const root = table(b, 'Model', model);
  b.finish(root, 'TFL3');
  return b.asUint8Array().slice();
}

/** Little-endian bytes of int8 / int32 values, for Buffer.data. */
export function bytesOfInt8(values: number[]): number[] {
  return values.map((v) => v & 0xff);
}
export function bytesOfInt32(values: number[]): number[] {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setInt32(4 * i, v, true));
  return Array.from(out);
}
