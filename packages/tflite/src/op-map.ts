/**
 * The op map: one entry per QGraph op with everything TFLite-specific about it (builtin
 * code, options table and its field layout, the version the TFLite converter writes for the
 * int8 form and the versions the importer accepts, operand types, weights and bias roles,
 * and the option conversion both ways, constant inputs included). export.ts and import.ts
 * are generic drivers over this table; adding an op to the TFLite interop is one entry here
 * (schema.ts already lists every builtin code and options table of the TFLite schema).
 */

import type { ConvOptions, EmptyOptions, OpDefOf, OpOptionsMap, OpType, PoolOptions } from '@edgeq/ir';
import type { TflOptions, TflTensor } from './model.js';
import {
  ACTIVATION_TO_CODE,
  activationName,
  PADDING_TO_CODE,
  type ExportOpContext,
  type ImportOpContext,
  type OperandType,
  type TfliteOpMap,
  type TfliteOpMapping,
} from './op-mapping.js';
import { BuiltinOperator, field, optionsTable, TensorType, tensorTypeName, type OptionsTableLayout } from './schema.js';

const INT8: readonly number[] = [TensorType.INT8];
/**
 * Activation input, int8 or int4 weights, int32 bias: the operands of TFLite's int8 conv and
 * FC kernels (an INT4 filter is a constant packed two per byte, which the kernels unpack).
 */
const WEIGHTED_OPERANDS: readonly OperandType[] = [
  { role: 'input', types: INT8 },
  { role: 'weights', types: [TensorType.INT8, TensorType.INT4] },
  { role: 'bias', types: [TensorType.INT32] },
];
/** A conv's bias has one element per output channel. */
const CONV_BIAS = { input: 2, zeroBiasLength: (_weights: TflTensor, output: TflTensor) => output.shape[output.shape.length - 1] };

const POOL_OPTIONS = optionsTable('Pool2DOptions', {
  padding: field(0, 'i8'), stride_w: field(1, 'i32'), stride_h: field(2, 'i32'), filter_width: field(3, 'i32'),
  filter_height: field(4, 'i32'), fused_activation_function: field(5, 'i8'),
});

/** Stride, padding and fused activation: the window fields conv, depthwise conv and pooling share. */
function windowToTflite(o: ConvOptions | PoolOptions): TflOptions {
  return {
    padding: PADDING_TO_CODE[o.padding],
    stride_w: o.strideW,
    stride_h: o.strideH,
    fused_activation_function: ACTIVATION_TO_CODE[o.activation],
  };
}
function convToTflite(o: ConvOptions): TflOptions {
  return { ...windowToTflite(o), dilation_w_factor: o.dilationW, dilation_h_factor: o.dilationH };
}
/**
 * The window fields read back: `sizes` (pool filter), stride, `spacing` (conv dilation),
 * padding, then fused activation, the order of the QGraph option types and of the checks.
 */
function windowFromTflite<Sizes extends object, Spacing extends object>(ctx: ImportOpContext, sizes: Sizes, spacing: Spacing) {
  const o = ctx.options;
  return { ...sizes, strideH: o.stride_h as number, strideW: o.stride_w as number, ...spacing, padding: ctx.padding(), activation: ctx.activation() };
}
function convFromTflite(ctx: ImportOpContext): ConvOptions {
  const o = ctx.options;
  return windowFromTflite(ctx, {}, { dilationH: o.dilation_h_factor as number, dilationW: o.dilation_w_factor as number });
}

/**
 * AVERAGE_POOL_2D and MAX_POOL_2D: one input, the Pool2DOptions table.
 * Versions: 2 int8, 3 int16 (refused by its types).
 */
function pool<T extends 'AVERAGE_POOL_2D' | 'MAX_POOL_2D'>(code: number): TfliteOpMapping<T> {
  return {
    code,
    optionsTable: POOL_OPTIONS,
    exportVersion: 2, maxImportVersion: 3, inputCount: [1, 1],
    toTflite: (op) => { const o = op.options as PoolOptions; return { ...windowToTflite(o), filter_width: o.filterW, filter_height: o.filterH }; },
    fromTflite: (ctx) => {
      const filter = { filterH: ctx.options.filter_height as number, filterW: ctx.options.filter_width as number };
      const options: PoolOptions = windowFromTflite(ctx, filter, {});
      return { inputs: [0], options };
    },
  };
}

/** The ops whose QGraph options are empty. */
type OptionlessOp = { [T in OpType]: OpOptionsMap[T] extends EmptyOptions ? T : never }[OpType];

/**
 * An op with one operand, its input, and no options edgeq reads or writes (QUANTIZE,
 * DEQUANTIZE, LOGISTIC).
 */
function unary<T extends OptionlessOp>(
  code: number,
  table: OptionsTableLayout,
  versions: { exportVersion: number; maxImportVersion: number },
  types: { input: number; output: number } = { input: TensorType.INT8, output: TensorType.INT8 },
): TfliteOpMapping<T> {
  return {
    code,
    optionsTable: table,
    ...versions,
    inputCount: [1, 1],
    inputTypes: [{ role: 'input', types: [types.input] }],
    outputType: types.output,
    toTflite: () => ({}),
    fromTflite: () => ({ inputs: [0], options: {} as OpOptionsMap[T] }),
  };
}

/**
 * quantized_bias_type (CONV_2D v8, FULLY_CONNECTED v11) names the bias and accumulator type.
 * TFLite's int8 kernels take an INT32 bias whatever it says; INT64 belongs to int16 activations.
 */
function checkQuantizedBiasType(ctx: ImportOpContext): void {
  const type = ctx.options.quantized_bias_type as number;
  if (type !== TensorType.FLOAT32 && type !== TensorType.INT32) {
    ctx.failOption('quantized_bias_type', `is ${tensorTypeName(type)}; int8 kernels accumulate in INT32 (an INT64 bias belongs to TFLite's 16-bit activation scheme)`);
  }
}

/**
 * Versions (TFLite op_version.cc / register.cc): 1 float, 2 hybrid, 3 int8, 4 int16, 5 hybrid
 * per-channel, 6 grouped convolution, 7 INT4 weights (int8 input and output), 8
 * quantized_bias_type. The runtime registers 1 to 8; INT4 weights are imported and exported
 * (version 7), hybrid and int16 are refused by their types, grouped convolution by its filter.
 */
export const OP_MAP: TfliteOpMap = {
  CONV_2D: {
    code: BuiltinOperator.CONV_2D,
    optionsTable: optionsTable('Conv2DOptions', {
      padding: field(0, 'i8'), stride_w: field(1, 'i32'), stride_h: field(2, 'i32'), fused_activation_function: field(3, 'i8'),
      dilation_w_factor: field(4, 'i32', 1), dilation_h_factor: field(5, 'i32', 1), quantized_bias_type: field(6, 'i8'),
    }),
    exportVersion: 3, maxImportVersion: 8, inputCount: [2, 3],
    weights: { input: 1, channelAxis: 0, int4Version: 7 },
    bias: CONV_BIAS,
    inputTypes: WEIGHTED_OPERANDS,
    toTflite: (op) => convToTflite(op.options),
    fromTflite: (ctx) => {
      const inputChannels = ctx.tensor(0).shape[3];
      const filterChannels = ctx.tensor(1).shape[3];
      if (inputChannels !== undefined && filterChannels !== undefined && filterChannels !== inputChannels) {
        ctx.fail(`${ctx.where}.inputs[1]`, `filter has ${filterChannels} input channels but the input has ${inputChannels}: a grouped convolution (CONV_2D version 6) is not supported`);
      }
      checkQuantizedBiasType(ctx);
      return { inputs: [0, 1, 2], options: convFromTflite(ctx) };
    },
  },

  // Versions: 1 float, 2 dilation, 3 int8, 4 hybrid, 5 int16, 6 hybrid per-channel, 7 INT4
  // weights (int8 input and output); the runtime registers 1 to 7. Dilation and INT4 weights are
  // supported; the rest are refused by their types.

  DEPTHWISE_CONV_2D: {
    code: BuiltinOperator.DEPTHWISE_CONV_2D,
    optionsTable: optionsTable('DepthwiseConv2DOptions', {
      padding: field(0, 'i8'), stride_w: field(1, 'i32'), stride_h: field(2, 'i32'), depth_multiplier: field(3, 'i32'),
      fused_activation_function: field(4, 'i8'), dilation_w_factor: field(5, 'i32', 1), dilation_h_factor: field(6, 'i32', 1),
    }),
    exportVersion: 3, maxImportVersion: 7, inputCount: [2, 3],
    weights: { input: 1, channelAxis: 3, int4Version: 7 },
    bias: CONV_BIAS,
    inputTypes: WEIGHTED_OPERANDS,
    toTflite: (op) => ({ ...convToTflite(op.options), depth_multiplier: op.options.depthMultiplier }),
    fromTflite: (ctx) => {
      const common = convFromTflite(ctx);
      // depth_multiplier is redundant in TFLite (newer kernels derive it from the shapes): do the same.
      const cin = ctx.tensor(0).shape[3];
      const weightChannels = ctx.tensor(1).shape[3];
      const multiplier = cin > 0 && weightChannels % cin === 0 ? weightChannels / cin : (ctx.options.depth_multiplier as number);
      return { inputs: [0, 1, 2], options: { ...common, depthMultiplier: multiplier } };
    },
  },

  // Versions: 1 float, 2 shuffled weights, 3 hybrid, 4 int8, 5 keep_num_dims, 6 no bias (a zero
  // bias is made), 7 int16, 8 sparse weights, 9 hybrid with asymmetric inputs, 10 INT4 weights
  // (int8 input and output), 11 quantized_bias_type, 12 hybrid per-channel, 13 int16 with INT4
  // weights; the runtime registers 1 to 13. For int8 operands only shuffled weights, sparse
  // weights and a keep_num_dims that keeps more than two dimensions change what is computed
  // (refused below and by the tensor checks); INT4 weights with int8 activations are imported
  // and exported (version 10), the hybrid and int16 forms are refused by their types.
  // asymmetric_quantize_inputs only steers hybrid kernels: TFLite's int8 kernel ignores it.
  FULLY_CONNECTED: {
    code: BuiltinOperator.FULLY_CONNECTED,
    optionsTable: optionsTable('FullyConnectedOptions', {
      fused_activation_function: field(0, 'i8'), weights_format: field(1, 'i8'), keep_num_dims: field(2, 'bool'),
      asymmetric_quantize_inputs: field(3, 'bool'), quantized_bias_type: field(4, 'i8'),
    }),
    exportVersion: 4, maxImportVersion: 13, inputCount: [2, 3],
    weights: { input: 1, channelAxis: 0, int4Version: 10 },
    bias: { input: 2, zeroBiasLength: (weights) => weights.shape[0] },
    inputTypes: WEIGHTED_OPERANDS,
    toTflite: (op) => ({ fused_activation_function: ACTIVATION_TO_CODE[op.options.activation], weights_format: 0, keep_num_dims: false }),
    fromTflite: (ctx) => {
      const o = ctx.options;
      const inputRank = ctx.tensor(0).shape.length;
      if (o.keep_num_dims && inputRank !== 2) {
        ctx.failOption('keep_num_dims', `keep_num_dims = true keeps the ${inputRank} dimensions of the input in the output; edgeq's FULLY_CONNECTED outputs [1, units]`);
      }
      if (o.weights_format) ctx.failOption('weights_format', 'shuffled weights (SHUFFLED4x16INT8, version 2) are not supported');
      checkQuantizedBiasType(ctx);
      return { inputs: [0, 1, 2], options: { activation: ctx.activation() } };
    },
  },

  // Versions: 2 int8, 3 int16 without power-of-two scales, 4 int64, 5 int16 unquantised; the
  // runtime registers 1 to 5. pot_scale_int16 only concerns int16; the rest are refused by their types.
  ADD: {
    code: BuiltinOperator.ADD,
    optionsTable: optionsTable('AddOptions', { fused_activation_function: field(0, 'i8'), pot_scale_int16: field(1, 'bool', true) }),
    exportVersion: 2, maxImportVersion: 5, inputCount: [2, 2],
    toTflite: (op) => ({ fused_activation_function: ACTIVATION_TO_CODE[op.options.activation] }),
    fromTflite: (ctx) => ({ inputs: [0, 1], options: { activation: ctx.activation() } }),
  },

  AVERAGE_POOL_2D: pool(BuiltinOperator.AVERAGE_POOL_2D),
  MAX_POOL_2D: pool(BuiltinOperator.MAX_POOL_2D),

  // TFLite takes the reduced axes as a constant input tensor. Versions: 2 int8, 3 int16 (refused by its types).
  MEAN: {
    code: BuiltinOperator.MEAN,
    optionsTable: optionsTable('ReducerOptions', { keep_dims: field(0, 'bool') }),
    exportVersion: 2, maxImportVersion: 3, inputCount: [2, 2],
    toTflite: (op, ctx) => {
      ctx.addInt32Input('axes', [op.options.axes.length], op.options.axes);
      return { keep_dims: op.options.keepDims };
    },
    fromTflite: (ctx) => {
      const rank = ctx.tensor(0).shape.length;
      const axes = [...new Set(ctx.intConstant(1).map((a) => (a < 0 ? a + rank : a)))].sort();
      return { inputs: [0], folded: [1], options: { axes, keepDims: ctx.options.keep_dims as boolean } };
    },
  },

  // The output shape goes both into new_shape and into an optional constant shape input.
  // TFLite has one version (the runtime registers version 1 only).
  RESHAPE: {
    code: BuiltinOperator.RESHAPE,
    optionsTable: optionsTable('ReshapeOptions', { new_shape: field(0, 'i32s') }),
    exportVersion: 1, maxImportVersion: 1, inputCount: [1, 2],
    toTflite: (op, ctx) => {
      const shape = ctx.graph.tensors[op.outputs[0]].shape;
      ctx.addInt32Input('shape', [shape.length], shape);
      return { new_shape: [...shape] };
    },
    fromTflite: (ctx) => ({ inputs: [0], folded: ctx.hasInput(1) ? [1] : [], options: {} }),
  },

  // TFLite takes the paddings as a constant [rank, 2] input tensor. Versions: 2 int8, 3 int16,
  // 4 more than 4 dimensions, 5 bool; the runtime registers 1 to 5. All three are refused by the
  // tensor checks (types; shapes of 1 to 4 dimensions).
  PAD: {
    code: BuiltinOperator.PAD,
    optionsTable: optionsTable('PadOptions'),
    exportVersion: 2, maxImportVersion: 5, inputCount: [2, 2],
    toTflite: (op, ctx) => {
      ctx.addInt32Input('paddings', [4, 2], op.options.paddings.flat());
      return {};
    },
    fromTflite: (ctx) => {
      const flat = ctx.intConstant(1);
      const rank = ctx.tensor(0).shape.length;
      if (flat.length !== 2 * rank) ctx.fail(`${ctx.where}.inputs[1]`, `paddings have ${flat.length} values, expected ${2 * rank} (a [rank, 2] tensor)`);
      const paddings = Array.from({ length: flat.length / 2 }, (_, d) => [flat[2 * d], flat[2 * d + 1]] as [number, number]);
      return { inputs: [0], folded: [1], options: { paddings } };
    },
  },

  // TFLite's int8 CONCATENATION neither requantises its inputs (XNNPACK and the int8 spec
  // need one shared scale/zero point) nor applies a fused activation (LiteRT ignores it):
  // refuse both rather than write a file TFLite would reject or compute differently.
  // Versions: 2 int8, 3 int16, 4 uint32 (refused by their types); the runtime registers 1 to 4.
  CONCATENATION: {
    code: BuiltinOperator.CONCATENATION,
    optionsTable: optionsTable('ConcatenationOptions', { axis: field(0, 'i32'), fused_activation_function: field(1, 'i8') }),
    exportVersion: 2, maxImportVersion: 4, inputCount: [1, 16],
    toTflite: (op, ctx) => {
      checkConcatExpressible(op, ctx);
      return { axis: op.options.axis, fused_activation_function: ACTIVATION_TO_CODE[op.options.activation] };
    },
    fromTflite: (ctx) => {
      const code = ctx.options.fused_activation_function as number;
      if (code) ctx.failOption('fused_activation_function', `${activationName(code)} on CONCATENATION is ignored by TFLite's kernels; edgeq refuses the ambiguity`);
      return { inputs: Array.from({ length: ctx.inputCount }, (_, i) => i), options: { axis: ctx.options.axis as number, activation: ctx.activation() } };
    },
  },

  // Versions: 2 int8, 3 int16 (refused by its types).
  SOFTMAX: {
    code: BuiltinOperator.SOFTMAX,
    optionsTable: optionsTable('SoftmaxOptions', { beta: field(0, 'f32') }),
    exportVersion: 2, maxImportVersion: 3, inputCount: [1, 1],
    toTflite: (op) => ({ beta: op.options.beta }),
    fromTflite: (ctx) => ({ inputs: [0], options: { beta: ctx.options.beta as number } }),
  },

  // QUANTIZE versions: 1 float → int8, 2 int16 output, 3 per-channel, 4 INT4; the runtime registers
  // 1 to 4. int16 and INT4 are refused by their types, per-channel by the activation check.
  QUANTIZE: unary(BuiltinOperator.QUANTIZE, optionsTable('QuantizeOptions'), { exportVersion: 1, maxImportVersion: 4 }, { input: TensorType.FLOAT32, output: TensorType.INT8 }),
  // DEQUANTIZE versions: 2 int8, 3 int16 or float16, 5 per-channel int8, 6 INT4; the runtime
  // registers 1 to 6. Refused by their types, per-channel by the activation check.
  DEQUANTIZE: unary(BuiltinOperator.DEQUANTIZE, optionsTable('DequantizeOptions'), { exportVersion: 2, maxImportVersion: 6 }, { input: TensorType.INT8, output: TensorType.FLOAT32 }),
  RESIZE_NEAREST_NEIGHBOR: {
    code: BuiltinOperator.RESIZE_NEAREST_NEIGHBOR,
    optionsTable: optionsTable('ResizeNearestNeighborOptions', { align_corners: field(0, 'bool'), half_pixel_centers: field(1, 'bool') }),
    // Versions: 2 int8, 3 align_corners or half_pixel_centers (both supported), 4 int16 (refused by
    // its types); the runtime registers 1 to 4. The converter writes 2 for int8 without flags and
    // 3 with either flag; 3 covers both.
    exportVersion: 3, maxImportVersion: 4, inputCount: [2, 2],
    toTflite: (op, ctx) => {
      const out = ctx.graph.tensors[op.outputs[0]].shape;
      ctx.addInt32Input('size', [2], [out[1], out[2]]);
      return { align_corners: op.options.alignCorners, half_pixel_centers: op.options.halfPixelCenters };
    },
    fromTflite: (ctx) => {
      const size = ctx.intConstant(1);
      if (size.length !== 2 || !size.every((d) => d >= 1)) ctx.fail(`${ctx.where}.inputs[1]`, `size must be 2 positive values [height, width], got ${JSON.stringify(size)}`);
      const options = { alignCorners: ctx.options.align_corners as boolean, halfPixelCenters: ctx.options.half_pixel_centers as boolean };
      return { inputs: [0], folded: [1], options };
    },
  },
  // Versions: 1 float, 2 int8, 3 int16 (refused by its types). No options table.
  LOGISTIC: unary(BuiltinOperator.LOGISTIC, optionsTable('NONE'), { exportVersion: 2, maxImportVersion: 3 }),

  // Keras Cropping1D/2D as TFLite's converter writes it: STRIDED_SLICE with constant begin, end
  // and strides inputs. Versions: 1 float, 2 int8, 3 five dimensions, 4 int16, 5 end as an
  // offset ... 8; int8 with unit strides is written as 2, and anything edgeq cannot express
  // (strides other than 1, ellipsis, new or shrunk axes) is refused by name.
  STRIDED_SLICE: {
    code: BuiltinOperator.STRIDED_SLICE,
    optionsTable: optionsTable('StridedSliceOptions', {
      begin_mask: field(0, 'i32'), end_mask: field(1, 'i32'), ellipsis_mask: field(2, 'i32'), new_axis_mask: field(3, 'i32'),
      shrink_axis_mask: field(4, 'i32'), offset: field(5, 'bool'),
    }),
    exportVersion: 2, maxImportVersion: 8, inputCount: [4, 4],
    toTflite: (op, ctx) => {
      const out = ctx.graph.tensors[op.outputs[0]].shape;
      const begin = op.options.begin;
      ctx.addInt32Input('begin', [4], begin);
      ctx.addInt32Input('end', [4], begin.map((b, k) => b + out[k]));
      ctx.addInt32Input('strides', [4], [1, 1, 1, 1]);
      return { begin_mask: 0, end_mask: 0, ellipsis_mask: 0, new_axis_mask: 0, shrink_axis_mask: 0, offset: false };
    },
    fromTflite: (ctx) => stridedSliceFromTflite(ctx),
  },
};

/**
 * A unit-stride STRIDED_SLICE read back as the box it copies: begin/end masks, negative
 * indices (counted from the end) and TFLite's clamping to [0, dim] resolved per axis; the
 * box must have the output tensor's extent.
 */
function stridedSliceFromTflite(ctx: ImportOpContext) {
  const o = ctx.options;
  for (const mask of ['ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'] as const) {
    if (o[mask]) ctx.failOption(mask, `is ${o[mask] as number}; edgeq's STRIDED_SLICE keeps every axis as it is (no ellipsis, new or shrunk axes)`);
  }
  const dims = ctx.tensor(0).shape;
  const outDims = ctx.output().shape;
  const [begins, ends, strides] = [ctx.intConstant(1), ctx.intConstant(2), ctx.intConstant(3)];
  for (const [k, values] of [[1, begins], [2, ends], [3, strides]] as const) {
    if (values.length !== dims.length) ctx.fail(`${ctx.where}.inputs[${k}]`, `has ${values.length} values for an input of ${dims.length} dimensions`);
  }
  if (strides.some((s) => s !== 1)) ctx.fail(`${ctx.where}.inputs[3]`, `strides ${JSON.stringify(strides)} are not supported (only 1 on every axis, as Keras cropping writes)`);
  const resolve = (v: number, dim: number) => Math.max(0, Math.min(dim, v < 0 ? v + dim : v));
  const begin = dims.map((dim, k) => ((o.begin_mask as number) & (1 << k) ? 0 : resolve(begins[k], dim)));
  const end = dims.map((dim, k) => {
    if ((o.end_mask as number) & (1 << k)) return dim;
    return o.offset ? Math.min(dim, begin[k] + ends[k]) : resolve(ends[k], dim);
  });
  end.forEach((e, k) => {
    if (e - begin[k] !== outDims[k]) ctx.fail(`${ctx.where}.inputs[2]`, `axis ${k}: the slice [${begin[k]}, ${e}) does not have the output's extent ${outDims[k]}`);
  });
  return { inputs: [0], folded: [1, 2, 3], options: { begin } };
}

function checkConcatExpressible(op: OpDefOf<'CONCATENATION'>, ctx: ExportOpContext): void {
  const g = ctx.graph;
  if (op.options.activation !== 'NONE') {
    ctx.fail(ctx.where, `fused activation ${op.options.activation} has no TFLite int8 equivalent (TFLite ignores it on CONCATENATION)`);
  }
  const out = g.tensors[op.outputs[0]].quant!;
  op.inputs.forEach((t, i) => {
    const qi = g.tensors[t].quant!;
    if (Math.fround(qi.scale[0]) !== Math.fround(out.scale[0]) || qi.zeroPoint[0] !== out.zeroPoint[0]) {
      ctx.fail(`${ctx.where} inputs[${i}] ${JSON.stringify(g.tensors[t].name)}`,
        `scale/zero point ${qi.scale[0]}/${qi.zeroPoint[0]} differ from the output's ${out.scale[0]}/${out.zeroPoint[0]}: TFLite's int8 CONCATENATION does not requantise`);
    }
  });
}

/** Builtin code → QGraph op type. */
export const OP_BY_CODE: ReadonlyMap<number, OpType> = new Map(
  (Object.entries(OP_MAP) as [OpType, TfliteOpMapping<OpType>][]).map(([type, mapping]) => [mapping.code, type]),
);

/** Every options table the op map uses, by BuiltinOptions union position (for the file reader and writer). */
export const OPTIONS_TABLES: ReadonlyMap<number, OptionsTableLayout> = new Map(
  Object.values(OP_MAP).map((mapping: TfliteOpMapping<OpType>) => [mapping.optionsTable.type, mapping.optionsTable]),
);
