// Small models in the formats the model-file readers take, written by our own code (no Python
// here): a Keras 2 .h5 laid out as Keras 2.4 writes it (the layout of MLPerf Tiny's ad01.h5,
// pretrainedResnet.h5 and vww_96.h5: root attributes backend / keras_version / model_config /
// training_config, /model_weights with layer_names, each layer group with weight_names and its
// datasets at <layer>/<layer>/<weight>:0), a Keras 3 .keras zip (config.json with
// __keras_tensor__ inbound nodes, DTypePolicy dtypes and batch_shape; metadata.json;
// model.weights.h5 with layers/<snake_case class>/vars/<i>), and a float32 .tflite written by
// @edgeq/tflite's writer. Each format also has its equivalent tfjs model, built here layer by
// layer with tf.layers (not through the readers), to compare outputs with.
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import h5wasm from 'h5wasm/node';
import { zipSync, strToU8 } from 'fflate';
import { BuiltinOperator, BuiltinOptions, TensorType, writeTfliteModel, type TflModel, type TflOperator, type TflTensor } from '@edgeq/tflite';

/** Deterministic weights: a small LCG, values in [-scale, scale). */
export function seededValues(count: number, seed: number, scale = 0.5, offset = 0): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = offset + scale * (2 * (s / 2 ** 32) - 1);
  }
  return out;
}

/** One layer of a Keras fixture model: Keras class, name, Keras (snake_case) config, inputs, weights in Keras order. */
export interface KerasLayerSpec {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inputs: string[];
  weights: { name: string; shape: number[]; data: Float32Array }[];
}

/** Input shape of the Keras fixture (NHWC without batch). */
export const KERAS_FIXTURE_INPUT = [8, 8, 2];

function w(name: string, shape: number[], seed: number, scale = 0.5, offset = 0) {
  return { name, shape, data: seededValues(shape.reduce((a, d) => a * d, 1), seed, scale, offset) };
}
function bn(name: string, input: string, channels: number, seed: number): KerasLayerSpec {
  return {
    className: 'BatchNormalization', name, inputs: [input],
    config: { axis: [3], momentum: 0.99, epsilon: 0.001, center: true, scale: true, beta_initializer: { class_name: 'Zeros', config: {} } },
    weights: [w('gamma', [channels], seed, 0.2, 1), w('beta', [channels], seed + 1, 0.1), w('moving_mean', [channels], seed + 2, 0.1), w('moving_variance', [channels], seed + 3, 0.2, 0.8)],
  };
}

/**
 * The Keras fixture model: a residual block as MLPerf Tiny's ResNet has it (Conv2D → BN →
 * relu, DepthwiseConv2D → BN → ReLU(6), 1×1 Conv2D → BN, Add, relu), average pooling,
 * Flatten, Dropout and a softmax Dense.
 */
export function kerasFixtureLayers(): KerasLayerSpec[] {
  const regularised = { kernel_regularizer: { class_name: 'L2', config: { l2: 1e-4 } } };
  return [
    { className: 'InputLayer', name: 'input_1', inputs: [], config: {}, weights: [] },
    {
      className: 'Conv2D', name: 'conv2d', inputs: ['input_1'], weights: [w('kernel', [3, 3, 2, 4], 11), w('bias', [4], 12, 0.1)],
      config: { filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: true, ...regularised },
    },
    bn('batch_normalization', 'conv2d', 4, 20),
    { className: 'Activation', name: 'activation', inputs: ['batch_normalization'], config: { activation: 'relu' }, weights: [] },
    {
      className: 'DepthwiseConv2D', name: 'depthwise_conv2d', inputs: ['activation'], weights: [w('depthwise_kernel', [3, 3, 4, 1], 30), w('bias', [4], 31, 0.1)],
      config: { kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], depth_multiplier: 1, activation: 'linear', use_bias: true },
    },
    bn('batch_normalization_1', 'depthwise_conv2d', 4, 40),
    { className: 'ReLU', name: 're_lu', inputs: ['batch_normalization_1'], config: { max_value: 6, negative_slope: 0, threshold: 0 }, weights: [] },
    {
      className: 'Conv2D', name: 'conv2d_1', inputs: ['re_lu'], weights: [w('kernel', [1, 1, 4, 4], 50), w('bias', [4], 51, 0.1)],
      config: { filters: 4, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: true },
    },
    bn('batch_normalization_2', 'conv2d_1', 4, 60),
    { className: 'Add', name: 'add', inputs: ['activation', 'batch_normalization_2'], config: {}, weights: [] },
    { className: 'Activation', name: 'activation_1', inputs: ['add'], config: { activation: 'relu' }, weights: [] },
    { className: 'AveragePooling2D', name: 'average_pooling2d', inputs: ['activation_1'], config: { pool_size: [2, 2], strides: [2, 2], padding: 'valid', data_format: 'channels_last' }, weights: [] },
    { className: 'Flatten', name: 'flatten', inputs: ['average_pooling2d'], config: { data_format: 'channels_last' }, weights: [] },
    { className: 'Dropout', name: 'dropout', inputs: ['flatten'], config: { rate: 0.25, noise_shape: null, seed: null }, weights: [] },
    {
      className: 'Dense', name: 'dense', inputs: ['dropout'], weights: [w('kernel', [64, 3], 70, 0.3), w('bias', [3], 71, 0.1)],
      config: { units: 3, activation: 'softmax', use_bias: true, ...regularised },
    },
  ];
}

/** The equivalent tfjs model of a Keras fixture, built with tf.layers and given the same weights. */
export function kerasFixtureTfjsModel(layers: KerasLayerSpec[]): tf.LayersModel {
  const out = new Map<string, tf.SymbolicTensor>();
  const built: [tf.layers.Layer, KerasLayerSpec][] = [];
  let input: tf.SymbolicTensor | undefined;
  for (const l of layers) {
    const c = l.config as Record<string, any>;
    if (l.className === 'InputLayer') {
      input = tf.input({ shape: KERAS_FIXTURE_INPUT, name: l.name });
      out.set(l.name, input);
      continue;
    }
    const layer: tf.layers.Layer = {
      Conv2D: () => tf.layers.conv2d({ name: l.name, filters: c.filters, kernelSize: c.kernel_size, strides: c.strides, padding: c.padding, useBias: true }),
      DepthwiseConv2D: () => tf.layers.depthwiseConv2d({ name: l.name, kernelSize: c.kernel_size, strides: c.strides, padding: c.padding, depthMultiplier: c.depth_multiplier, useBias: true }),
      BatchNormalization: () => tf.layers.batchNormalization({ name: l.name, axis: 3, epsilon: c.epsilon, momentum: c.momentum }),
      Activation: () => tf.layers.activation({ name: l.name, activation: c.activation }),
      ReLU: () => tf.layers.reLU({ name: l.name, maxValue: c.max_value }),
      Add: () => tf.layers.add({ name: l.name }),
      AveragePooling2D: () => tf.layers.averagePooling2d({ name: l.name, poolSize: c.pool_size, strides: c.strides, padding: c.padding }),
      Flatten: () => tf.layers.flatten({ name: l.name }),
      Dropout: () => tf.layers.dropout({ name: l.name, rate: c.rate }),
      Dense: () => tf.layers.dense({ name: l.name, units: c.units, activation: c.activation }),
    }[l.className]!();
    const ins = l.inputs.map((n) => out.get(n)!);
    out.set(l.name, layer.apply(ins.length === 1 ? ins[0] : ins) as tf.SymbolicTensor);
    built.push([layer, l]);
  }
  const model = tf.model({ inputs: input!, outputs: out.get(layers.at(-1)!.name)!, name: 'fixture' });
  for (const [layer, l] of built) if (l.weights.length) layer.setWeights(l.weights.map((x) => tf.tensor(x.data, x.shape)));
  return model;
}

/** Keras 2 (2.4) model_config of a fixture. */
export function keras2Config(layers: KerasLayerSpec[]): object {
  return {
    class_name: 'Functional',
    config: {
      name: 'functional_1',
      layers: layers.map((l) => ({
        class_name: l.className,
        config: l.className === 'InputLayer'
          ? { batch_input_shape: [null, ...KERAS_FIXTURE_INPUT], dtype: 'float32', sparse: false, ragged: false, name: l.name }
          : { name: l.name, trainable: true, dtype: 'float32', ...l.config },
        name: l.name,
        inbound_nodes: l.inputs.length ? [l.inputs.map((n) => [n, 0, 0, {}])] : [],
      })),
      input_layers: [[layers[0].name, 0, 0]],
      output_layers: [[layers.at(-1)!.name, 0, 0]],
    },
  };
}

/** Keras 3 config.json of a fixture. */
export function keras3Config(layers: KerasLayerSpec[]): object {
  const shapes = new Map<string, unknown>();
  const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const tensor = (n: string) => ({ class_name: '__keras_tensor__', config: { shape: shapes.get(n) ?? null, dtype: 'float32', keras_history: [n, 0, 0] } });
  return {
    module: 'keras.src.models.functional', class_name: 'Functional', registered_name: 'Functional',
    config: {
      name: 'functional', trainable: true,
      layers: layers.map((l) => {
        if (l.className === 'InputLayer') {
          shapes.set(l.name, [null, ...KERAS_FIXTURE_INPUT]);
          return { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, ...KERAS_FIXTURE_INPUT], dtype: 'float32', sparse: false, name: l.name }, registered_name: null, name: l.name, inbound_nodes: [] };
        }
        const args = l.inputs.length === 1 ? [tensor(l.inputs[0])] : [l.inputs.map(tensor)];
        return {
          module: 'keras.layers', class_name: l.className, config: { name: l.name, trainable: true, dtype: policy, ...l.config },
          registered_name: null, build_config: { input_shape: null }, name: l.name,
          inbound_nodes: [{ args, kwargs: l.className === 'Dropout' ? { training: false } : {} }],
        };
      }),
      input_layers: [layers[0].name, 0, 0],
      output_layers: [layers.at(-1)!.name, 0, 0],
    },
    build_config: { input_shape: [null, ...KERAS_FIXTURE_INPUT] },
  };
}

/** Keras's snake-case rule for class names (the weight group names of a .keras file). */
function snake(name: string): string {
  return name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

function fixedStrings(group: { create_attribute: (n: string, d: string[], s: number[], t: string) => void }, name: string, values: string[]): void {
  const width = Math.max(1, ...values.map((v) => v.length));
  group.create_attribute(name, values, [values.length], `S${width}`);
}

/** Write a Keras 2 .h5 of a fixture (the layout Keras 2.4's model.save writes). */
export async function writeKeras2H5(layers: KerasLayerSpec[], file: string, config: object = keras2Config(layers)): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(file, 'w');
  try {
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('keras_version', '2.4.0');
    f.create_attribute('model_config', JSON.stringify(config));
    f.create_attribute('training_config', JSON.stringify({ loss: 'categorical_crossentropy', metrics: null }));
    const mw = f.create_group('model_weights');
    mw.create_attribute('backend', 'tensorflow');
    mw.create_attribute('keras_version', '2.4.0');
    fixedStrings(mw as never, 'layer_names', layers.map((l) => l.name));
    for (const l of layers) {
      const g = mw.create_group(l.name);
      fixedStrings(g as never, 'weight_names', l.weights.map((x) => `${l.name}/${x.name}:0`));
      if (!l.weights.length) continue;
      const inner = g.create_group(l.name);
      for (const x of l.weights) inner.create_dataset({ name: `${x.name}:0`, data: x.data, shape: x.shape, dtype: '<f' });
    }
  } finally {
    f.close();
  }
}

/** Write a Keras 3 .keras zip of a fixture. `scratch` is a path for the weights file before it is zipped. */
export async function writeKeras3(layers: KerasLayerSpec[], file: string, scratch: string, config: object = keras3Config(layers)): Promise<void> {
  await h5wasm.ready;
  const f = new h5wasm.File(scratch, 'w');
  try {
    const root = f.create_group('layers');
    const used = new Map<string, number>();
    for (const l of layers) {
      const base = snake(l.className);
      const n = used.get(base);
      used.set(base, (n ?? 0) + 1);
      const g = root.create_group(n === undefined ? base : `${base}_${n}`);
      const vars = g.create_group('vars');
      l.weights.forEach((x, i) => vars.create_dataset({ name: String(i), data: x.data, shape: x.shape, dtype: '<f' }));
    }
    f.create_group('optimizer').create_group('vars');
    f.create_group('vars');
  } finally {
    f.close();
  }
  const { readFileSync } = await import('node:fs');
  const zip = zipSync({
    'metadata.json': strToU8(JSON.stringify({ keras_version: '3.6.0', date_saved: '2026-12-05@06:00:00' })),
    'config.json': strToU8(JSON.stringify(config)),
    'model.weights.h5': new Uint8Array(readFileSync(scratch)),
  });
  writeFileSync(file, zip);
}

/** Input shape of the float .tflite fixture (NHWC without batch). */
export const TFLITE_FIXTURE_INPUT = [8, 8, 2];

/** Weights of the float .tflite fixture, in tfjs layout (HWIO, [h, w, c, m], IO). */
export function tfliteFixtureWeights() {
  return {
    conv: { kernel: w('k', [3, 3, 2, 4], 101), bias: w('b', [4], 102, 0.1) },
    depthwise: { kernel: w('k', [3, 3, 4, 1], 103), bias: w('b', [4], 104, 0.1) },
    pointwise: { kernel: w('k', [1, 1, 4, 4], 105), bias: w('b', [4], 106, 0.1) },
    dense: { kernel: w('k', [8, 3], 107), bias: w('b', [3], 108, 0.1) },
  };
}

/**
 * The float .tflite fixture's tfjs twin: PAD → CONV_2D (relu) → DEPTHWISE_CONV_2D (relu6) →
 * 1×1 CONV_2D → ADD with the first conv's output (relu) → MAX_POOL_2D → AVERAGE_POOL_2D
 * (3×3, same) → CONCATENATION of both pools → MEAN over h, w → RESHAPE → FULLY_CONNECTED → SOFTMAX.
 */
export function tfliteFixtureTfjsModel(): tf.LayersModel {
  const W = tfliteFixtureWeights();
  const x = tf.input({ shape: TFLITE_FIXTURE_INPUT });
  const set = (layer: tf.layers.Layer, ws: { data: Float32Array; shape: number[] }[]) => {
    layer.setWeights(ws.map((v) => tf.tensor(v.data, v.shape)));
  };
  const padded = tf.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]] }).apply(x) as tf.SymbolicTensor;
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'valid', activation: 'relu' });
  const a = conv.apply(padded) as tf.SymbolicTensor;
  const dw = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6' });
  const b = dw.apply(a) as tf.SymbolicTensor;
  const pw = tf.layers.conv2d({ filters: 4, kernelSize: 1 });
  const c = pw.apply(b) as tf.SymbolicTensor;
  const d = tf.layers.reLU().apply(tf.layers.add().apply([a, c])) as tf.SymbolicTensor;
  const e = tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(d) as tf.SymbolicTensor;
  const f = tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(e) as tf.SymbolicTensor;
  const g = tf.layers.concatenate({ axis: -1 }).apply([e, f]) as tf.SymbolicTensor;
  const h = tf.layers.globalAveragePooling2d({}).apply(g) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 3, activation: 'softmax' });
  const y = dense.apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: y });
  set(conv, [W.conv.kernel, W.conv.bias]);
  set(dw, [W.depthwise.kernel, W.depthwise.bias]);
  set(pw, [W.pointwise.kernel, W.pointwise.bias]);
  set(dense, [W.dense.kernel, W.dense.bias]);
  return model;
}

/** HWIO (or IO) → TFLite's OHWI (or OI): output channel first. */
function outputChannelFirst(v: { data: Float32Array; shape: number[] }): Float32Array {
  const out = v.shape.at(-1)!;
  const inner = v.data.length / out;
  const r = new Float32Array(v.data.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inner; i++) r[o * inner + i] = v.data[i * out + o];
  return r;
}

/**
 * The float .tflite fixture as a TflModel (written with writeTfliteModel). `unsupportedOp`
 * puts a TANH after the softmax's input instead (for the refusal test).
 */
export function tfliteFixtureModel(opts: { unsupportedOp?: boolean } = {}): TflModel {
  const W = tfliteFixtureWeights();
  const buffers: Uint8Array[] = [new Uint8Array(0)];
  const tensors: TflTensor[] = [];
  const f32 = (data: Float32Array) => new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const tensor = (name: string, shape: number[], type: number = TensorType.FLOAT32, data?: Uint8Array) => {
    let buffer = 0;
    if (data) {
      buffers.push(data);
      buffer = buffers.length - 1;
    }
    tensors.push({ name, shape, type, buffer });
    return tensors.length - 1;
  };
  const codes: number[] = [];
  const operators: TflOperator[] = [];
  const op = (code: number, inputs: number[], outputs: number[], optionsType: number, options?: TflOperator['options']) => {
    let idx = codes.indexOf(code);
    if (idx < 0) idx = codes.push(code) - 1;
    operators.push({ opcodeIndex: idx, inputs, outputs, optionsType, ...(options ? { options } : {}) });
  };
  const conv = (o: { padding: number; act: number }) => ({ padding: o.padding, stride_w: 1, stride_h: 1, fused_activation_function: o.act, dilation_w_factor: 1, dilation_h_factor: 1 });
  const x = tensor('input', [1, 8, 8, 2]);
  const pads = tensor('paddings', [4, 2], TensorType.INT32, new Uint8Array(Int32Array.of(0, 0, 1, 1, 1, 1, 0, 0).buffer));
  const padded = tensor('padded', [1, 10, 10, 2]);
  op(BuiltinOperator.PAD, [x, pads], [padded], BuiltinOptions.PadOptions, {});
  const a = tensor('conv', [1, 8, 8, 4]);
  op(BuiltinOperator.CONV_2D, [padded, tensor('conv/w', [4, 3, 3, 2], TensorType.FLOAT32, f32(outputChannelFirst(W.conv.kernel))), tensor('conv/b', [4], TensorType.FLOAT32, f32(W.conv.bias.data))], [a],
    BuiltinOptions.Conv2DOptions, conv({ padding: 1, act: 1 }));
  const b = tensor('dw', [1, 8, 8, 4]);
  op(BuiltinOperator.DEPTHWISE_CONV_2D, [a, tensor('dw/w', [1, 3, 3, 4], TensorType.FLOAT32, f32(W.depthwise.kernel.data)), tensor('dw/b', [4], TensorType.FLOAT32, f32(W.depthwise.bias.data))], [b],
    BuiltinOptions.DepthwiseConv2DOptions, { ...conv({ padding: 0, act: 3 }), depth_multiplier: 1 });
  const c = tensor('pw', [1, 8, 8, 4]);
  op(BuiltinOperator.CONV_2D, [b, tensor('pw/w', [4, 1, 1, 4], TensorType.FLOAT32, f32(outputChannelFirst(W.pointwise.kernel))), tensor('pw/b', [4], TensorType.FLOAT32, f32(W.pointwise.bias.data))], [c],
    BuiltinOptions.Conv2DOptions, conv({ padding: 1, act: 0 }));
  const d = tensor('add', [1, 8, 8, 4]);
  op(BuiltinOperator.ADD, [a, c], [d], BuiltinOptions.AddOptions, { fused_activation_function: 1 });
  const e = tensor('maxpool', [1, 4, 4, 4]);
  op(BuiltinOperator.MAX_POOL_2D, [d], [e], BuiltinOptions.Pool2DOptions, { padding: 1, stride_w: 2, stride_h: 2, filter_width: 2, filter_height: 2, fused_activation_function: 0 });
  const f = tensor('avgpool', [1, 4, 4, 4]);
  op(BuiltinOperator.AVERAGE_POOL_2D, [e], [f], BuiltinOptions.Pool2DOptions, { padding: 0, stride_w: 1, stride_h: 1, filter_width: 3, filter_height: 3, fused_activation_function: 0 });
  const g = tensor('concat', [1, 4, 4, 8]);
  op(BuiltinOperator.CONCATENATION, [e, f], [g], BuiltinOptions.ConcatenationOptions, { axis: 3, fused_activation_function: 0 });
  const h = tensor('mean', [1, 8]);
  op(BuiltinOperator.MEAN, [g, tensor('axes', [2], TensorType.INT32, new Uint8Array(Int32Array.of(1, 2).buffer))], [h], BuiltinOptions.ReducerOptions, { keep_dims: false });
  const i = tensor('reshape', [1, 8]);
  op(BuiltinOperator.RESHAPE, [h, tensor('shape', [2], TensorType.INT32, new Uint8Array(Int32Array.of(1, 8).buffer))], [i], BuiltinOptions.ReshapeOptions, { new_shape: [1, 8] });
  const j = tensor('logits', [1, 3]);
  op(BuiltinOperator.FULLY_CONNECTED, [i, tensor('fc/w', [3, 8], TensorType.FLOAT32, f32(outputChannelFirst(W.dense.kernel))), tensor('fc/b', [3], TensorType.FLOAT32, f32(W.dense.bias.data))], [j],
    BuiltinOptions.FullyConnectedOptions, { fused_activation_function: 0, weights_format: 0, keep_num_dims: false });
  let last = j;
  if (opts.unsupportedOp) {
    last = tensor('tanh', [1, 3]);
    op(BuiltinOperator.TANH, [j], [last], 0);
  }
  const y = tensor('output', [1, 3]);
  op(BuiltinOperator.SOFTMAX, [last], [y], BuiltinOptions.SoftmaxOptions, { beta: 1 });
  return {
    version: 3, description: 'edgeq float .tflite reader fixture',
    operatorCodes: codes.map((builtinCode) => ({ builtinCode, version: 1 })),
    subgraphs: [{ name: 'main', tensors, inputs: [x], outputs: [y], operators }],
    buffers, metadata: [],
  };
}

/** Write the float .tflite fixture. */
export function writeFloatTfliteFixture(file: string, opts: { unsupportedOp?: boolean } = {}): void {
  writeFileSync(file, writeTfliteModel(tfliteFixtureModel(opts)));
}
