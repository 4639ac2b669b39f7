/**
 * Model conversion: a tfjs layers model becomes a list of fused nodes (conv/depthwise/
 * dense with their BatchNormalization and ReLU/ReLU6 folded in, add, concat, pools,
 * global average pool, reshape, pad, softmax) holding edgeq-owned tf Variables. This is
 * the structure QAT trains and freeze exports op by op, so the trained graph and the
 * integer graph have the same shape by construction.
 */

import * as tf from '@tensorflow/tfjs';
import type { FusedActivation } from '@edgeq/ir';
import { QatError } from './errors.js';

/** Layers prepare() understands (tfjs class names). */
export const SUPPORTED_LAYERS = [
  'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'Dense', 'BatchNormalization', 'ReLU', 'Activation (relu, relu6, linear, softmax)',
  'Add', 'Concatenate', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'Flatten', 'Reshape', 'ZeroPadding2D',
  'Softmax', 'Dropout (identity)',
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

export type NetNode = InputNode | ConvNode | AddNode | ConcatNode | PoolNode | GapNode | ReshapeNode | PadNode | SoftmaxNode;

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

function activationOf(layer: tf.layers.Layer): FusedActivation | 'softmax' {
  const cfg = layer.getConfig() as Record<string, unknown>;
  const a = (cfg.activation as string | undefined) ?? 'linear';
  if (a === 'linear') return 'NONE';
  if (a === 'relu') return 'RELU';
  if (a === 'relu6') return 'RELU6';
  if (a === 'softmax') return 'softmax';
  throw unsupported(layer, `activation ${JSON.stringify(a)} is not supported (only relu, relu6, linear, softmax)`);
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
  const layers = model.layers as AnyLayer[];
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
    const outShape = (layer.outputShape as (number | null)[]).slice(1) as number[];
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
        if (shape.length !== 3 && shape.length !== 1) throw unsupported(layer, `input shape ${JSON.stringify(shape)} must be [h, w, c] or [features]`);
        push({ kind: 'input', name: layer.name, shape, inputs: [] });
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D':
      case 'Dense': {
        const w = layer.getWeights();
        const op = cls === 'Conv2D' ? 'conv' : cls === 'DepthwiseConv2D' ? 'dw' : 'dense';
        if (op !== 'dense') {
          if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, 'only channelsLast (NHWC) is supported');
          const d = pair(cfg.dilationRate, 1);
          if (d[0] !== 1 || d[1] !== 1) throw unsupported(layer, `dilation ${d.join('x')} is not supported (only 1)`);
          if ((cfg.groups as number | undefined ?? 1) !== 1) throw unsupported(layer, 'grouped convolution is not supported');
        } else if (nodes[ins[0]].shape.length !== 1) {
          throw unsupported(layer, `Dense needs a flat input (add Flatten or GlobalAveragePooling2D before it), got shape ${JSON.stringify(nodes[ins[0]].shape)}`);
        }
        const act = activationOf(layer);
        const kernel = variable(w[0], `${where} kernel`, true);
        const bias = w[1] ? variable(w[1], `${where} bias`, true) : undefined;
        push({
          kind: 'conv', op, name: layer.name, shape: outShape, inputs: ins, kernel, bias,
          act: act === 'softmax' ? 'NONE' : act,
          stride: pair(cfg.strides, 1),
          padding: op === 'dense' ? 'valid' : (cfg.padding as 'same' | 'valid'),
          multiplier: op === 'dw' ? (cfg.depthMultiplier as number) ?? 1 : 1,
          channels: outShape[outShape.length - 1],
        });
        if (act === 'softmax') push({ kind: 'softmax', name: `${layer.name}_softmax`, shape: outShape, inputs: [nodes.length - 1] });
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
        let act: FusedActivation | 'softmax' | 'linear';
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
        } else if (act === 'softmax') {
          push({ kind: 'softmax', name: layer.name, shape: outShape, inputs: ins });
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
      case 'AveragePooling2D': {
        if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, 'only channelsLast (NHWC) is supported');
        const size = pair(cfg.poolSize, 2);
        push({
          kind: cls === 'MaxPooling2D' ? 'maxpool' : 'avgpool', name: layer.name, shape: outShape, inputs: ins,
          size, stride: pair(cfg.strides ?? size, size[0]), padding: cfg.padding as 'same' | 'valid',
        });
        break;
      }
      case 'GlobalAveragePooling2D':
        if (cfg.keepDims) throw unsupported(layer, 'keepDims is not supported');
        push({ kind: 'gap', name: layer.name, shape: outShape, inputs: ins });
        break;
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
    if (n.kind === 'softmax' && i !== nodes.length - 1) {
      throw new QatError(`layer ${JSON.stringify(n.name)} (Softmax)`, 'softmax is only supported as the last layer');
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
