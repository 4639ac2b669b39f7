/**
 * Model conversion: a tfjs layers model becomes a list of fused nodes (conv/depthwise/
 * dense with their BatchNormalization and ReLU/ReLU6 folded in, add, concat, pools,
 * global average pool, reshape, pad, crop, nearest upsampling, softmax, logistic) holding
 * edgeq-owned tf Variables. This is the structure QAT trains and freeze exports op by op,
 * so the trained graph and the integer graph have the same shape by construction.
 * 1-D layers (Conv1D, the 1-D pools, Cropping1D) run as their 2-D forms on height 1: a
 * [steps, channels] tensor is the node shape [1, steps, channels]. SeparableConv2D becomes
 * a depthwise node and a 1x1 conv node, as TFLite's converter writes it.
 */

import * as tf from '@tensorflow/tfjs';
import type { FusedActivation } from '@edgeq/ir';
import { QatError } from './errors.js';

/** Layers prepare() understands (tfjs class names). */
export const SUPPORTED_LAYERS = [
  'InputLayer', 'Conv2D', 'Conv1D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense', 'BatchNormalization', 'ReLU',
  'Activation (relu, relu6, linear, softmax, sigmoid)', 'Add', 'Concatenate', 'MaxPooling2D', 'AveragePooling2D', 'MaxPooling1D',
  'AveragePooling1D', 'GlobalAveragePooling2D', 'GlobalAveragePooling1D', 'Flatten', 'Reshape', 'ZeroPadding2D', 'Cropping1D',
  'Cropping2D', 'UpSampling2D (nearest)', 'Softmax', 'Dropout (identity)',
] as const;

/** Folded BatchNormalization of a conv node. */
export interface BnParams {
  gamma: tf.Variable;
  beta: tf.Variable;
  /** Moving statistics (updated by training in JS, not by the optimizer). */
  mean: tf.Variable;
  variance: tf.Variable;
  epsilon: number;
  momentum: number;
}

interface NodeBase {
  name: string;
  /** Output shape without the batch dimension. */
  shape: number[];
  inputs: number[];
}
export interface InputNode extends NodeBase { kind: 'input' }
export interface ConvNode extends NodeBase {
  kind: 'conv';
  op: 'conv' | 'dw' | 'dense';
  /** tfjs layout: conv [kh, kw, cin, cout], depthwise [kh, kw, cin, mult], dense [in, out]. */
  kernel: tf.Variable;
  bias?: tf.Variable;
  bn?: BnParams;
  act: FusedActivation;
  stride: [number, number];
  padding: 'same' | 'valid';
  multiplier: number;
  /** Output channels (per-channel quantisation axis length). */
  channels: number;
}
export interface AddNode extends NodeBase { kind: 'add'; act: FusedActivation }
export interface ConcatNode extends NodeBase { kind: 'concat'; act: FusedActivation }
export interface PoolNode extends NodeBase {
  kind: 'maxpool' | 'avgpool';
  size: [number, number];
  stride: [number, number];
  padding: 'same' | 'valid';
}
export interface GapNode extends NodeBase { kind: 'gap' }
export interface ReshapeNode extends NodeBase { kind: 'reshape' }
export interface PadNode extends NodeBase { kind: 'pad'; pads: [[number, number], [number, number]] }
export interface SoftmaxNode extends NodeBase { kind: 'softmax' }
/** Cropping: the output box starts at row `begin[0]`, column `begin[1]` of the input. */
export interface CropNode extends NodeBase { kind: 'crop'; begin: [number, number] }
/** Nearest-neighbour upsampling by integer factors [rows, columns]. */
export interface UpsampleNode extends NodeBase { kind: 'upsample'; size: [number, number] }
/** Sigmoid output (the last node): int8 LOGISTIC with output scale 1/256, zero point −128. */
export interface LogisticNode extends NodeBase { kind: 'logistic' }

export type NetNode =
  | InputNode | ConvNode | AddNode | ConcatNode | PoolNode | GapNode | ReshapeNode | PadNode | SoftmaxNode
  | CropNode | UpsampleNode | LogisticNode;

/** Node kinds that may only be the last node (their output is the model's probabilities). */
export const OUTPUT_ONLY_KINDS: readonly NetNode['kind'][] = ['softmax', 'logistic'];

/** Nodes whose output has its own quantiser (range observer); the others inherit their input's. */
export function hasOwnQuantizer(n: NetNode): boolean {
  return n.kind === 'input' || n.kind === 'conv' || n.kind === 'add' || n.kind === 'concat';
}

/** A converted model: nodes in topological order, the last one is the output. */
export interface Net {
  name: string;
  nodes: NetNode[];
}

type AnyLayer = tf.layers.Layer & { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] };

const pair = (v: unknown, d: number): [number, number] =>
  v === undefined || v === null ? [d, d] : typeof v === 'number' ? [v, v] : [(v as number[])[0], (v as number[])[1] ?? (v as number[])[0]];
/** A 1-D layer's size, stride or dilation as its height-1 2-D form [1, v]. */
const heightOne = (v: unknown, d: number): [number, number] => [1, pair(v, d)[0]];
/** A layer output shape without the batch: a [steps, channels] tensor is [1, steps, channels]. */
const nodeShape = (shape: number[]): number[] => (shape.length === 2 ? [1, ...shape] : shape);

function unsupported(layer: tf.layers.Layer, why?: string): QatError {
  return new QatError(`layer ${JSON.stringify(layer.name)} (${layer.getClassName()})`,
    `${why ?? 'is not supported'}; supported layers: ${SUPPORTED_LAYERS.join(', ')}`);
}

function checkFinite(t: tf.Tensor, where: string): void {
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new QatError(where, `holds ${v[i]} at element ${i}; weights must be finite (retrain or fix the model)`);
  }
}

function variable(t: tf.Tensor, where: string, trainable: boolean): tf.Variable {
  checkFinite(t, where);
  return tf.variable(t.clone(), trainable);
}

type LayerActivation = FusedActivation | 'softmax' | 'sigmoid';

function activationOf(layer: tf.layers.Layer): LayerActivation {
  const cfg = layer.getConfig() as Record<string, unknown>;
  const a = (cfg.activation as string | undefined) ?? 'linear';
  if (a === 'linear') return 'NONE';
  if (a === 'relu') return 'RELU';
  if (a === 'relu6') return 'RELU6';
  if (a === 'softmax' || a === 'sigmoid') return a;
  throw unsupported(layer, `activation ${JSON.stringify(a)} is not supported (only relu, relu6, linear, softmax, sigmoid)`);
}

/** The node an output activation (softmax or sigmoid) of layer `name` adds after it. */
function outputActivationNode(act: 'softmax' | 'sigmoid', name: string, shape: number[], input: number): NetNode {
  return { kind: act === 'softmax' ? 'softmax' : 'logistic', name, shape, inputs: [input] };
}

/** Output extent of a convolution or pool along one axis (Keras' rule). */
function windowOutput(size: number, window: number, stride: number, padding: 'same' | 'valid'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.ceil((size - window + 1) / stride);
}

/** The checks every convolution layer shares: NHWC data, no dilation, no groups. */
function checkConvLayer(layer: tf.layers.Layer, cfg: Record<string, unknown>, oneD: boolean): void {
  if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, 'only channelsLast (NHWC) is supported');
  const d = oneD ? heightOne(cfg.dilationRate, 1) : pair(cfg.dilationRate, 1);
  if (d[0] !== 1 || d[1] !== 1) throw unsupported(layer, `dilation ${oneD ? d[1] : d.join('x')} is not supported (only 1)`);
  if ((cfg.groups as number | undefined ?? 1) !== 1) throw unsupported(layer, 'grouped convolution is not supported');
  if (cfg.padding !== 'same' && cfg.padding !== 'valid') throw unsupported(layer, `padding ${JSON.stringify(cfg.padding)} is not supported (only same, valid)`);
}

/**
 * Convert a tfjs layers model (functional or sequential, NHWC, batch dimension first)
 * into fused nodes with their own copies of the weights.
 * @throws QatError naming the unsupported layer and listing the supported ones, or naming a non-finite weight
 */
export function convertModel(model: tf.LayersModel): Net {
  const nodes: NetNode[] = [];
  const producer = new Map<string, number>(); // layer name → node index of its output
  const consumers = new Map<string, number>();
  // A Sequential model does not list its InputLayer among its layers: convert it first.
  const inputLayer = model.inputs[0]?.sourceLayer as AnyLayer | undefined;
  const listed = model.layers as AnyLayer[];
  const layers = inputLayer && !listed.includes(inputLayer) ? [inputLayer, ...listed] : listed;
  for (const l of layers) {
    for (const n of l.inboundNodes ?? []) for (const src of n.inboundLayers ?? []) consumers.set(src.name, (consumers.get(src.name) ?? 0) + 1);
  }
  for (const o of model.outputs) consumers.set(o.sourceLayer.name, (consumers.get(o.sourceLayer.name) ?? 0) + 1);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new QatError(`model ${JSON.stringify(model.name)}`, `must have exactly one input and one output (has ${model.inputs.length} and ${model.outputs.length})`);
  }
  const soleConsumer = (layerName: string) => (consumers.get(layerName) ?? 0) === 1;
  // Which layer last defined a node (for the single-consumer test when fusing).
  const lastLayerOf = new Map<number, string>();

  for (const layer of layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    const inLayers = layer.inboundNodes?.[0]?.inboundLayers ?? [];
    const ins = inLayers.map((l) => {
      const p = producer.get(l.name);
      if (p === undefined) throw unsupported(layer, `input ${JSON.stringify(l.name)} was not converted`);
      return p;
    });
    const outShape = nodeShape((layer.outputShape as (number | null)[]).slice(1) as number[]);
    const where = `layer ${JSON.stringify(layer.name)} (${cls})`;
    const fusable = (idx: number): boolean => {
      const n = nodes[idx];
      return (n.kind === 'conv' || n.kind === 'add' || n.kind === 'concat') && n.act === 'NONE' && soleConsumer(lastLayerOf.get(idx)!);
    };
    const alias = (idx: number) => {
      producer.set(layer.name, idx);
      lastLayerOf.set(idx, layer.name);
    };
    const push = (n: NetNode) => {
      nodes.push(n);
      alias(nodes.length - 1);
    };
    switch (cls) {
      case 'InputLayer': {
        const shape = outShape;
        if (shape.length !== 3 && shape.length !== 1) throw unsupported(layer, `input shape ${JSON.stringify(shape)} must be [h, w, c], [steps, c] or [features]`);
        push({ kind: 'input', name: layer.name, shape, inputs: [] });
        break;
      }
      case 'Conv2D':
      case 'Conv1D':
      case 'DepthwiseConv2D':
      case 'Dense': {
        const w = layer.getWeights();
        const op = cls === 'Conv2D' || cls === 'Conv1D' ? 'conv' : cls === 'DepthwiseConv2D' ? 'dw' : 'dense';
        const oneD = cls === 'Conv1D';
        if (op !== 'dense') {
          checkConvLayer(layer, cfg, oneD);
        } else if (nodes[ins[0]].shape.length !== 1) {
          throw unsupported(layer, `Dense needs a flat input (add Flatten or GlobalAveragePooling2D before it), got shape ${JSON.stringify(nodes[ins[0]].shape)}`);
        }
        const act = activationOf(layer);
        // A Conv1D kernel [k, cin, cout] is the 2-D kernel [1, k, cin, cout].
        const kernel = variable(oneD ? w[0].reshape([1, ...w[0].shape]) : w[0], `${where} kernel`, true);
        const bias = w[1] ? variable(w[1], `${where} bias`, true) : undefined;
        push({
          kind: 'conv', op, name: layer.name, shape: outShape, inputs: ins, kernel, bias,
          act: act === 'softmax' || act === 'sigmoid' ? 'NONE' : act,
          stride: oneD ? heightOne(cfg.strides, 1) : pair(cfg.strides, 1),
          padding: op === 'dense' ? 'valid' : (cfg.padding as 'same' | 'valid'),
          multiplier: op === 'dw' ? (cfg.depthMultiplier as number) ?? 1 : 1,
          channels: outShape[outShape.length - 1],
        });
        if (act === 'softmax' || act === 'sigmoid') push(outputActivationNode(act, `${layer.name}_${act}`, outShape, nodes.length - 1));
        break;
      }
      case 'SeparableConv2D': {
        // TFLite's converter writes a depthwise conv (no bias) and a 1x1 conv with the layer's bias.
        checkConvLayer(layer, cfg, false);
        const [depthwiseKernel, pointwiseKernel, biasWeight] = layer.getWeights();
        const act = activationOf(layer);
        const stride = pair(cfg.strides, 1);
        const padding = cfg.padding as 'same' | 'valid';
        const [kh, kw, cin, multiplier] = depthwiseKernel.shape;
        const inShape = nodes[ins[0]].shape;
        const depthwiseShape = [windowOutput(inShape[0], kh, stride[0], padding), windowOutput(inShape[1], kw, stride[1], padding), cin * multiplier];
        push({
          kind: 'conv', op: 'dw', name: `${layer.name}_depthwise`, shape: depthwiseShape, inputs: ins,
          kernel: variable(depthwiseKernel, `${where} depthwise_kernel`, true), act: 'NONE', stride, padding, multiplier, channels: cin * multiplier,
        });
        push({
          kind: 'conv', op: 'conv', name: layer.name, shape: outShape, inputs: [nodes.length - 1],
          kernel: variable(pointwiseKernel, `${where} pointwise_kernel`, true),
          bias: biasWeight ? variable(biasWeight, `${where} bias`, true) : undefined,
          act: act === 'softmax' || act === 'sigmoid' ? 'NONE' : act, stride: [1, 1], padding: 'valid', multiplier: 1, channels: outShape[2],
        });
        if (act === 'softmax' || act === 'sigmoid') push(outputActivationNode(act, `${layer.name}_${act}`, outShape, nodes.length - 1));
        break;
      }
      case 'BatchNormalization': {
        const src = nodes[ins[0]];
        if (src.kind !== 'conv' || src.bn || src.act !== 'NONE' || !soleConsumer(lastLayerOf.get(ins[0])!)) {
          throw unsupported(layer, 'BatchNormalization is only supported directly after a Conv2D, DepthwiseConv2D or Dense ' +
            'without activation whose output it alone consumes (it is folded into that layer)');
        }
        const axis = cfg.axis as number;
        if (axis !== -1 && axis !== src.shape.length) throw unsupported(layer, `BatchNormalization axis ${axis} is not the channel axis`);
        const w = layer.getWeights();
        let k = 0;
        const c = src.channels;
        const gamma = cfg.scale === false ? tf.ones([c]) : w[k++];
        const beta = cfg.center === false ? tf.zeros([c]) : w[k++];
        src.bn = {
          gamma: variable(gamma, `${where} gamma`, cfg.scale !== false),
          beta: variable(beta, `${where} beta`, cfg.center !== false),
          mean: variable(w[k++], `${where} moving_mean`, false),
          variance: variable(w[k++], `${where} moving_variance`, false),
          epsilon: (cfg.epsilon as number) ?? 1e-3,
          momentum: (cfg.momentum as number) ?? 0.99,
        };
        alias(ins[0]);
        break;
      }
      case 'ReLU':
      case 'Activation': {
        let act: FusedActivation | 'softmax' | 'sigmoid' | 'linear';
        if (cls === 'ReLU') {
          if (cfg.negativeSlope || cfg.threshold) throw unsupported(layer, 'leaky or thresholded ReLU is not supported');
          const mv = cfg.maxValue as number | null | undefined;
          if (mv !== null && mv !== undefined && mv !== 6) throw unsupported(layer, `ReLU maxValue ${mv} is not supported (only none or 6)`);
          act = mv === 6 ? 'RELU6' : 'RELU';
        } else {
          const a = activationOf(layer);
          act = a === 'NONE' ? 'linear' : a;
        }
        if (act === 'linear') {
          alias(ins[0]);
        } else if (act === 'softmax' || act === 'sigmoid') {
          push(outputActivationNode(act, layer.name, outShape, ins[0]));
        } else {
          if (!fusable(ins[0])) {
            throw unsupported(layer, 'ReLU/ReLU6 must directly follow a Conv2D, DepthwiseConv2D, Dense (after its BatchNormalization), Add or ' +
              'Concatenate without activation whose output it alone consumes (it is fused as the clamp range)');
          }
          (nodes[ins[0]] as ConvNode).act = act;
          alias(ins[0]);
        }
        break;
      }
      case 'Dropout':
        alias(ins[0]);
        break;
      case 'Add':
        if (ins.length !== 2) throw unsupported(layer, `Add of ${ins.length} inputs is not supported (only 2)`);
        push({ kind: 'add', name: layer.name, shape: outShape, inputs: ins, act: 'NONE' });
        break;
      case 'Concatenate': {
        const axis = cfg.axis as number;
        if (axis !== -1 && axis !== 3) throw unsupported(layer, `concatenation axis ${axis} is not supported (only the channel axis)`);
        push({ kind: 'concat', name: layer.name, shape: outShape, inputs: ins, act: 'NONE' });
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D':
      case 'MaxPooling1D':
      case 'AveragePooling1D': {
        if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, 'only channelsLast (NHWC) is supported');
        const oneD = cls.endsWith('1D');
        const size = oneD ? heightOne(cfg.poolSize, 2) : pair(cfg.poolSize, 2);
        const stride = oneD ? heightOne(cfg.strides ?? cfg.poolSize, 2) : pair(cfg.strides ?? size, size[0]);
        push({
          kind: cls.startsWith('Max') ? 'maxpool' : 'avgpool', name: layer.name, shape: outShape, inputs: ins,
          size, stride, padding: cfg.padding as 'same' | 'valid',
        });
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalAveragePooling1D':
        if (cfg.keepDims) throw unsupported(layer, 'keepDims is not supported');
        if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, 'only channelsLast (NHWC) is supported');
        push({ kind: 'gap', name: layer.name, shape: outShape, inputs: ins });
        break;
      case 'Cropping1D':
      case 'Cropping2D': {
        if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, 'only channelsLast (NHWC) is supported');
        const cropping = cfg.cropping as number[] | number[][];
        const begin: [number, number] = cls === 'Cropping1D' ? [0, (cropping as number[])[0]] : [(cropping as number[][])[0][0], (cropping as number[][])[1][0]];
        push({ kind: 'crop', name: layer.name, shape: outShape, inputs: ins, begin });
        break;
      }
      case 'UpSampling2D': {
        if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, 'only channelsLast (NHWC) is supported');
        if ((cfg.interpolation ?? 'nearest') !== 'nearest') throw unsupported(layer, `interpolation ${JSON.stringify(cfg.interpolation)} is not supported (only nearest)`);
        push({ kind: 'upsample', name: layer.name, shape: outShape, inputs: ins, size: pair(cfg.size, 2) });
        break;
      }
      case 'Flatten':
      case 'Reshape':
        push({ kind: 'reshape', name: layer.name, shape: outShape, inputs: ins });
        break;
      case 'ZeroPadding2D': {
        const p = cfg.padding as [[number, number], [number, number]];
        push({ kind: 'pad', name: layer.name, shape: outShape, inputs: ins, pads: p });
        break;
      }
      case 'Softmax': {
        const axis = cfg.axis as number | undefined;
        if (axis !== undefined && axis !== -1 && axis !== outShape.length) throw unsupported(layer, 'softmax must be over the last axis');
        push({ kind: 'softmax', name: layer.name, shape: outShape, inputs: ins });
        break;
      }
      default:
        throw unsupported(layer);
    }
  }
  const out = producer.get(model.outputs[0].sourceLayer.name)!;
  if (out !== nodes.length - 1) throw new QatError(`model ${JSON.stringify(model.name)}`, 'the output layer must be the last layer');
  nodes.forEach((n, i) => {
    if (OUTPUT_ONLY_KINDS.includes(n.kind) && i !== nodes.length - 1) {
      const name = n.kind === 'softmax' ? 'softmax' : 'sigmoid';
      throw new QatError(`layer ${JSON.stringify(n.name)} (${name})`, `${name} is only supported as the last layer`);
    }
  });
  return { name: model.name, nodes };
}

/** Release the variables a Net owns. */
export function disposeNet(net: Net): void {
  for (const n of net.nodes) {
    if (n.kind !== 'conv') continue;
    n.kernel.dispose();
    n.bias?.dispose();
    if (n.bn) [n.bn.gamma, n.bn.beta, n.bn.mean, n.bn.variance].forEach((v) => v.dispose());
  }
}
