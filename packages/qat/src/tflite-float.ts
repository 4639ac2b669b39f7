/**
 * Reading a float32 .tflite file as a trainable float tf.LayersModel, as tfjs-model-dir.ts
 * does for a tfjs directory (the result goes to EdgeqModel.fromLayersModel). The converter
 * has already folded batch normalisation into the convolutions, so each operator becomes
 * one tfjs layer with its weights: CONV_2D → Conv2D (OHWI → HWIO), DEPTHWISE_CONV_2D →
 * DepthwiseConv2D, FULLY_CONNECTED → Dense (OI → IO), a fused RELU/RELU6 → a ReLU layer,
 * ADD, AVERAGE_POOL_2D, MAX_POOL_2D, MEAN over height and width → GlobalAveragePooling2D,
 * RESHAPE, SOFTMAX, PAD → ZeroPadding2D, CONCATENATION. Weights stored as int8 with scales
 * (the converter's weight-only "dynamic range" models) are dequantised. Anything else is
 * refused naming the file, the operator and the field. An int8 model is not for this
 * reader: @edgeq/tflite imports it as a QGraph.
 */

import * as tf from '@tensorflow/tfjs';
import { BuiltinOperator, TensorType, readTfliteModel, type TflModel, type TflOperator, type TflSubgraph, type TflTensor } from '@edgeq/tflite';
import { QatError } from './errors.js';

/** TFLite's fused-activation codes that have a tfjs layer (schema ActivationFunctionType). */
const FUSED_RELU = 1;
const FUSED_RELU6 = 3;
/** TFLite's Padding codes. */
const PADDING_SAME = 0;

/** The operators this reader rebuilds. */
const SUPPORTED = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'MEAN', 'RESHAPE', 'SOFTMAX', 'PAD', 'CONCATENATION'] as const;
type SupportedOp = typeof SUPPORTED[number];

const CODE_TO_OP = new Map<number, SupportedOp>(SUPPORTED.map((op) => [BuiltinOperator[op], op]));

/** Whether a .tflite file's (first subgraph's) inputs are float32: a float model for this reader. */
export function tfliteHasFloatInput(bytes: Uint8Array, file: string): boolean {
  const model = readTfliteModel(bytes, file);
  const sg = model.subgraphs[0];
  return !!sg && sg.inputs.length > 0 && sg.inputs.every((i) => sg.tensors[i]?.type === TensorType.FLOAT32);
}

/** What the rebuild of one operator needs: its name, inputs as symbolic tensors, and the model. */
interface OpContext {
  model: TflModel;
  sg: TflSubgraph;
  op: TflOperator;
  opName: SupportedOp;
  where: string;
  layerName: string;
  /** Symbolic tfjs tensors of the activations computed so far, by tensor index. */
  values: Map<number, tf.SymbolicTensor>;
  /** Weights to set once the model is built: layer name → tensors. */
  weights: Map<string, tf.Tensor[]>;
}

/**
 * Rebuild a float32 .tflite model as a tfjs layers model.
 * @param bytes the file's contents
 * @param file names the file in errors
 * @throws QatError (or TfliteError for a damaged flatbuffer) naming the file, the operator and the field
 */
export function loadFloatTflite(bytes: Uint8Array, file: string): tf.LayersModel {
  const model = readTfliteModel(bytes, file);
  if (model.subgraphs.length !== 1) throw new QatError(`${file}: subgraphs`, `the file has ${model.subgraphs.length} subgraphs; edgeq reads a model with one`);
  const sg = model.subgraphs[0];
  if (sg.inputs.length !== 1 || sg.outputs.length !== 1) {
    throw new QatError(`${file}: subgraph`, `has ${sg.inputs.length} inputs and ${sg.outputs.length} outputs; edgeq reads one of each`);
  }
  const inputTensor = sg.tensors[sg.inputs[0]];
  if (inputTensor.type !== TensorType.FLOAT32) {
    throw new QatError(`${file}: input tensor ${JSON.stringify(inputTensor.name)} type`, 'is not FLOAT32: an integer model is imported as a QGraph (edgeq generate/simulate), not rebuilt as a float model');
  }
  const values = new Map<number, tf.SymbolicTensor>();
  const input = tf.input({ shape: inputTensor.shape.slice(1), name: 'input', dtype: 'float32' });
  values.set(sg.inputs[0], input);
  const weights = new Map<string, tf.Tensor[]>();
  try {
    sg.operators.forEach((op, index) => {
      const code = model.operatorCodes[op.opcodeIndex];
      const opName = code && !code.customCode ? CODE_TO_OP.get(code.builtinCode) : undefined;
      const label = code?.customCode ? `custom ${JSON.stringify(code.customCode)}` : opLabel(code?.builtinCode ?? -1);
      const where = `${file}: operator ${index} (${label})`;
      if (!opName) throw new QatError(where, `is not supported in a float model (supported: ${SUPPORTED.join(', ')})`);
      const ctx: OpContext = { model, sg, op, opName, where, layerName: `${opName.toLowerCase()}_${index}`, values, weights };
      const out = REBUILD[opName](ctx);
      values.set(op.outputs[0], out);
    });
    const output = values.get(sg.outputs[0]);
    if (!output) throw new QatError(`${file}: output tensor ${JSON.stringify(sg.tensors[sg.outputs[0]].name)}`, 'is not computed by any operator');
    const layersModel = tf.model({ inputs: input, outputs: output, name: 'tflite_float' });
    for (const [name, ws] of weights) layersModel.getLayer(name).setWeights(ws);
    return layersModel;
  } finally {
    tf.dispose([...weights.values()].flat());
  }
}

function opLabel(code: number): string {
  const entry = Object.entries(BuiltinOperator).find(([, c]) => c === code);
  return entry ? entry[0] : `builtin code ${code}`;
}

/** The symbolic activation of the operator's input `k` (a constant there is refused). */
function activation(ctx: OpContext, k: number): tf.SymbolicTensor {
  const index = ctx.op.inputs[k];
  const value = ctx.values.get(index);
  if (!value) {
    const t = ctx.sg.tensors[index];
    throw new QatError(`${ctx.where}: input ${k}`, `tensor ${JSON.stringify(t?.name ?? index)} is ${t && constantBytes(ctx, t) ? 'a constant' : 'not computed before this operator'}; edgeq reads activations there`);
  }
  return value;
}

function constantBytes(ctx: OpContext, t: TflTensor): Uint8Array | undefined {
  const b = ctx.model.buffers[t.buffer];
  return b && b.byteLength > 0 ? b : undefined;
}

/** A constant input as float32 values: FLOAT32 as stored, INT8 with scales dequantised. */
function constant(ctx: OpContext, k: number, field: string): { shape: number[]; data: Float32Array } {
  const index = ctx.op.inputs[k];
  const t = index >= 0 ? ctx.sg.tensors[index] : undefined;
  const where = `${ctx.where}: ${field}`;
  const bytes = t ? constantBytes(ctx, t) : undefined;
  if (!t || !bytes) throw new QatError(where, 'is missing (a float model keeps its weights as constants)');
  const count = t.shape.reduce((a, d) => a * d, 1);
  if (t.type === TensorType.FLOAT32) {
    if (bytes.byteLength !== count * 4) throw new QatError(where, `holds ${bytes.byteLength} bytes for shape [${t.shape.join(', ')}] (${count * 4} needed)`);
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes);
    return { shape: t.shape, data };
  }
  if (t.type === TensorType.INT8 && t.quantization && t.quantization.scale.length > 0) {
    if (bytes.byteLength !== count) throw new QatError(where, `holds ${bytes.byteLength} bytes for shape [${t.shape.join(', ')}] (${count} needed)`);
    const { scale, zeroPoint, quantizedDimension } = t.quantization;
    const perChannel = scale.length > 1;
    const inner = perChannel ? t.shape.slice(quantizedDimension + 1).reduce((a, d) => a * d, 1) : 1;
    const channels = perChannel ? t.shape[quantizedDimension] : 1;
    if (perChannel && scale.length !== channels) throw new QatError(`${where} quantization.scale`, `has ${scale.length} scales for ${channels} channels`);
    const q = new Int8Array(bytes.buffer, bytes.byteOffset, count);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const c = perChannel ? Math.floor(i / inner) % channels : 0;
      data[i] = scale[c] * (q[i] - (zeroPoint[c] ?? 0));
    }
    return { shape: t.shape, data };
  }
  throw new QatError(`${where} type`, `is ${typeName(t.type)}; edgeq reads FLOAT32 weights (or INT8 weights with scales)`);
}

function typeName(code: number): string {
  return Object.entries(TensorType).find(([, c]) => c === code)?.[0] ?? `type ${code}`;
}

function option<T extends number | boolean | number[]>(ctx: OpContext, name: string): T {
  return ctx.op.options?.[name] as T;
}

function padding(ctx: OpContext): 'same' | 'valid' {
  return option<number>(ctx, 'padding') === PADDING_SAME ? 'same' : 'valid';
}

/** The fused activation after the operator's layer, as a ReLU layer (or nothing). */
function fused(ctx: OpContext, x: tf.SymbolicTensor): tf.SymbolicTensor {
  const code = option<number>(ctx, 'fused_activation_function') ?? 0;
  if (code === 0) return x;
  if (code === FUSED_RELU) return tf.layers.reLU({ name: `${ctx.layerName}_relu` }).apply(x) as tf.SymbolicTensor;
  if (code === FUSED_RELU6) return tf.layers.reLU({ maxValue: 6, name: `${ctx.layerName}_relu6` }).apply(x) as tf.SymbolicTensor;
  throw new QatError(`${ctx.where}: fused_activation_function`, `is code ${code}; edgeq reads NONE, RELU and RELU6`);
}

function requireUnitDilation(ctx: OpContext): void {
  const h = option<number>(ctx, 'dilation_h_factor') ?? 1;
  const w = option<number>(ctx, 'dilation_w_factor') ?? 1;
  if (h !== 1 || w !== 1) throw new QatError(`${ctx.where}: dilation_h_factor/dilation_w_factor`, `are ${h}/${w}; edgeq reads 1 only`);
}

/** Transpose a dense row-major array: `order` gives the source axis of each output axis. */
function transpose(data: Float32Array, shape: number[], order: number[]): Float32Array {
  return tf.tidy(() => tf.transpose(tf.tensor(data, shape), order).dataSync() as Float32Array);
}

function bias(ctx: OpContext, channels: number): tf.Tensor {
  if (ctx.op.inputs.length < 3 || ctx.op.inputs[2] < 0) return tf.zeros([channels]);
  const b = constant(ctx, 2, 'bias');
  if (b.data.length !== channels) throw new QatError(`${ctx.where}: bias`, `has ${b.data.length} values for ${channels} output channels`);
  return tf.tensor1d(b.data);
}

const REBUILD: Readonly<Record<SupportedOp, (ctx: OpContext) => tf.SymbolicTensor>> = {
  CONV_2D: (ctx) => {
    requireUnitDilation(ctx);
    const x = activation(ctx, 0);
    const w = constant(ctx, 1, 'filter');
    if (w.shape.length !== 4) throw new QatError(`${ctx.where}: filter`, `has shape [${w.shape.join(', ')}]; a CONV_2D filter is [out, height, width, in]`);
    const [out, kh, kw, cin] = w.shape;
    if (cin !== x.shape[3]) throw new QatError(`${ctx.where}: filter`, `has ${cin} input channels but its input has ${x.shape[3]} (grouped convolution is not supported)`);
    const layer = tf.layers.conv2d({
      name: ctx.layerName, filters: out, kernelSize: [kh, kw], padding: padding(ctx), useBias: true,
      strides: [option<number>(ctx, 'stride_h'), option<number>(ctx, 'stride_w')],
    });
    ctx.weights.set(ctx.layerName, [tf.tensor4d(transpose(w.data, w.shape, [1, 2, 3, 0]), [kh, kw, cin, out]), bias(ctx, out)]);
    return fused(ctx, layer.apply(x) as tf.SymbolicTensor);
  },
  DEPTHWISE_CONV_2D: (ctx) => {
    requireUnitDilation(ctx);
    const x = activation(ctx, 0);
    const w = constant(ctx, 1, 'filter');
    const cin = x.shape[3] as number;
    if (w.shape.length !== 4 || w.shape[0] !== 1 || w.shape[3] % cin !== 0) {
      throw new QatError(`${ctx.where}: filter`, `has shape [${w.shape.join(', ')}]; a DEPTHWISE_CONV_2D filter on ${cin} channels is [1, height, width, ${cin} × multiplier]`);
    }
    const [, kh, kw, outChannels] = w.shape;
    const multiplier = outChannels / cin;
    const layer = tf.layers.depthwiseConv2d({
      name: ctx.layerName, kernelSize: [kh, kw], depthMultiplier: multiplier, padding: padding(ctx), useBias: true,
      strides: [option<number>(ctx, 'stride_h'), option<number>(ctx, 'stride_w')],
    });
    // [1, h, w, c·m] and tfjs's [h, w, c, m] are the same values in the same order.
    ctx.weights.set(ctx.layerName, [tf.tensor4d(w.data, [kh, kw, cin, multiplier]), bias(ctx, outChannels)]);
    return fused(ctx, layer.apply(x) as tf.SymbolicTensor);
  },
  FULLY_CONNECTED: (ctx) => {
    if (option<boolean>(ctx, 'keep_num_dims')) throw new QatError(`${ctx.where}: keep_num_dims`, 'is true; edgeq reads FULLY_CONNECTED on a flat input only');
    if ((option<number>(ctx, 'weights_format') ?? 0) !== 0) throw new QatError(`${ctx.where}: weights_format`, 'is a shuffled format; edgeq reads DEFAULT only');
    let x = activation(ctx, 0);
    const w = constant(ctx, 1, 'weights');
    if (w.shape.length !== 2) throw new QatError(`${ctx.where}: weights`, `has shape [${w.shape.join(', ')}]; FULLY_CONNECTED weights are [out, in]`);
    const [out, cin] = w.shape;
    if (x.shape.length > 2) x = tf.layers.flatten({ name: `${ctx.layerName}_flatten` }).apply(x) as tf.SymbolicTensor;
    if (x.shape[1] !== cin) throw new QatError(`${ctx.where}: weights`, `have ${cin} inputs but the input has ${x.shape[1]} features`);
    const layer = tf.layers.dense({ name: ctx.layerName, units: out, useBias: true });
    ctx.weights.set(ctx.layerName, [tf.tensor2d(transpose(w.data, w.shape, [1, 0]), [cin, out]), bias(ctx, out)]);
    return fused(ctx, layer.apply(x) as tf.SymbolicTensor);
  },
  ADD: (ctx) => {
    const a = activation(ctx, 0);
    const b = activation(ctx, 1);
    if (JSON.stringify(a.shape) !== JSON.stringify(b.shape)) {
      throw new QatError(`${ctx.where}: inputs`, `have shapes [${a.shape.slice(1).join(', ')}] and [${b.shape.slice(1).join(', ')}]; edgeq reads ADD of equal shapes (no broadcast)`);
    }
    return fused(ctx, tf.layers.add({ name: ctx.layerName }).apply([a, b]) as tf.SymbolicTensor);
  },
  AVERAGE_POOL_2D: (ctx) => pool(ctx, 'average'),
  MAX_POOL_2D: (ctx) => pool(ctx, 'max'),
  MEAN: (ctx) => {
    const x = activation(ctx, 0);
    const axes = [...constantInt32(ctx, 1, 'axes')].map((a) => (a < 0 ? a + x.shape.length : a)).sort();
    if (x.shape.length !== 4 || axes.join() !== '1,2') throw new QatError(`${ctx.where}: axes`, `are [${axes.join(', ')}]; edgeq reads MEAN over height and width ([1, 2]) of an NHWC tensor`);
    const pooled = tf.layers.globalAveragePooling2d({ name: ctx.layerName }).apply(x) as tf.SymbolicTensor;
    if (!option<boolean>(ctx, 'keep_dims')) return pooled;
    return tf.layers.reshape({ name: `${ctx.layerName}_keep_dims`, targetShape: [1, 1, x.shape[3] as number] }).apply(pooled) as tf.SymbolicTensor;
  },
  RESHAPE: (ctx) => {
    const x = activation(ctx, 0);
    const shape = ctx.sg.tensors[ctx.op.outputs[0]].shape;
    if (shape.length < 2) throw new QatError(`${ctx.where}: output shape`, `is [${shape.join(', ')}]; edgeq needs the batch dimension first`);
    return tf.layers.reshape({ name: ctx.layerName, targetShape: shape.slice(1) }).apply(x) as tf.SymbolicTensor;
  },
  SOFTMAX: (ctx) => {
    const beta = option<number>(ctx, 'beta') ?? 1;
    if (beta !== 1) throw new QatError(`${ctx.where}: beta`, `is ${beta}; edgeq reads softmax with beta 1`);
    return tf.layers.softmax({ name: ctx.layerName }).apply(activation(ctx, 0)) as tf.SymbolicTensor;
  },
  PAD: (ctx) => {
    const x = activation(ctx, 0);
    const p = [...constantInt32(ctx, 1, 'paddings')];
    if (p.length !== 8 || p[0] || p[1] || p[6] || p[7]) {
      throw new QatError(`${ctx.where}: paddings`, `are [${p.join(', ')}]; edgeq reads PAD of height and width of an NHWC tensor`);
    }
    return tf.layers.zeroPadding2d({ name: ctx.layerName, padding: [[p[2], p[3]], [p[4], p[5]]] }).apply(x) as tf.SymbolicTensor;
  },
  CONCATENATION: (ctx) => {
    const xs = ctx.op.inputs.map((_, k) => activation(ctx, k));
    const rank = xs[0].shape.length;
    const axis = option<number>(ctx, 'axis');
    if (axis !== -1 && axis !== rank - 1) throw new QatError(`${ctx.where}: axis`, `is ${axis}; edgeq reads concatenation along the channels (last axis)`);
    return fused(ctx, tf.layers.concatenate({ name: ctx.layerName, axis: -1 }).apply(xs) as tf.SymbolicTensor);
  },
};

function pool(ctx: OpContext, kind: 'average' | 'max'): tf.SymbolicTensor {
  const args = {
    name: ctx.layerName, padding: padding(ctx),
    poolSize: [option<number>(ctx, 'filter_height'), option<number>(ctx, 'filter_width')] as [number, number],
    strides: [option<number>(ctx, 'stride_h'), option<number>(ctx, 'stride_w')] as [number, number],
  };
  const layer = kind === 'average' ? tf.layers.averagePooling2d(args) : tf.layers.maxPooling2d(args);
  return fused(ctx, layer.apply(activation(ctx, 0)) as tf.SymbolicTensor);
}

function constantInt32(ctx: OpContext, k: number, field: string): Int32Array {
  const index = ctx.op.inputs[k];
  const t = index >= 0 ? ctx.sg.tensors[index] : undefined;
  const bytes = t ? constantBytes(ctx, t) : undefined;
  if (!t || !bytes || t.type !== TensorType.INT32 || bytes.byteLength % 4 !== 0) {
    throw new QatError(`${ctx.where}: ${field}`, 'must be a constant INT32 tensor');
  }
  const out = new Int32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
