/**
 * freeze: an EdgeqModel in the quantised phase (after QAT or calibrate) becomes a
 * QGraph through @edgeq/ir's GraphBuilder — folded weights quantised per channel on the
 * same grid fake-quant trained on, int32 biases at s_in·s_w, activation parameters from
 * the frozen ranges, ReLU/ReLU6 fused as clamp ranges, MEAN for global average pooling
 * and the integer SOFTMAX or LOGISTIC at the end; cropping becomes STRIDED_SLICE and
 * nearest upsampling RESIZE_NEAREST_NEIGHBOR. Layouts are converted to TFLite's (OHWI,
 * 1HW(C·M), [out, in]).
 */

import * as tf from '@tensorflow/tfjs';
import { GraphBuilder, q, type QGraph, type QuantParams } from '@edgeq/ir';
import type { EdgeqModel } from './model.js';
import type { ConvNode } from './net.js';
import { layerWeightScales, roundAway, weightQmax } from './quant-params.js';
import { int4LayerNames, type WeightBits } from './weight-bits.js';
import { QatError } from './errors.js';

const INT32_LIMIT = 2 ** 31 - 1;

/**
 * Quantised weights in TFLite layout (unpacked: one value per byte, in [−7, 7] for a
 * 4-bit layer), per-channel scales, int32 bias and weight bits of one conv node.
 */
export function quantizeConvNode(model: EdgeqModel, n: ConvNode, inScale: number): {
  weights: Int8Array; weightShape: number[]; scales: number[]; bias: Int32Array; weightBits: WeightBits;
} {
  const { w, b } = model.foldedWeights(n);
  const wv = w.dataSync() as Float32Array; // channels last: [..., C]
  const bv = b.dataSync() as Float32Array;
  const shape = w.shape;
  w.dispose();
  b.dispose();
  const c = n.channels;
  const where = `layer ${JSON.stringify(n.name)}`;
  for (let i = 0; i < wv.length; i++) if (!Number.isFinite(wv[i])) throw new QatError(where, `folded weight ${i} is ${wv[i]}`);
  for (let i = 0; i < bv.length; i++) if (!Number.isFinite(bv[i])) throw new QatError(where, `folded bias ${i} is ${bv[i]}`);
  const bits = model.weightBitsByLayer().get(n.name) ?? 8;
  const qmax = weightQmax(bits);
  const clipping = bits === 4 ? model.config.int4Clipping ?? 'mse' : 'max';
  // A 4-bit layer whose scales the schedule fixed exports those (the grid it trained on).
  let scales = (bits === 4 ? model.frozenWeightScales.get(n.name) : undefined) ?? layerWeightScales(wv, c, model.config.perChannel, bits, model.config.scales, clipping);
  const taps = wv.length / c;
  // Keep the worst-case accumulator inside int32 (the validator's bound): a channel
  // whose bias needs more than the headroom gets a coarser weight scale.
  const headroom = INT32_LIMIT - 255 * 128 * taps;
  if (model.config.perChannel) {
    scales = scales.map((s, k) => {
      const need = Math.abs(bv[k]) / (inScale * headroom);
      return need > s ? layerWeightScales(Float32Array.of(need * qmax * 1.0001), 1, false, bits, model.config.scales, 'max')[0] : s;
    });
  }
  const sc = (k: number) => scales[model.config.perChannel ? k : 0];
  const weights = new Int8Array(wv.length);
  let weightShape: number[];
  const qw = (v: number, k: number) => Math.max(-qmax, Math.min(qmax, roundAway(v / sc(k))));
  if (n.op === 'conv') {
    const [kh, kw, cin] = shape;
    weightShape = [c, kh, kw, cin];
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) for (let ci = 0; ci < cin; ci++) for (let co = 0; co < c; co++) {
      weights[((co * kh + ky) * kw + kx) * cin + ci] = qw(wv[((ky * kw + kx) * cin + ci) * c + co], co);
    }
  } else if (n.op === 'dw') {
    const [kh, kw] = shape;
    weightShape = [1, kh, kw, c];
    for (let i = 0; i < wv.length; i++) weights[i] = qw(wv[i], i % c);
  } else {
    const cin = shape[0];
    weightShape = [c, cin];
    for (let i = 0; i < cin; i++) for (let o = 0; o < c; o++) weights[o * cin + i] = qw(wv[i * c + o], o);
  }
  const bias = new Int32Array(c);
  for (let k = 0; k < c; k++) {
    const v = roundAway(bv[k] / (Math.fround(inScale) * Math.fround(sc(k))));
    bias[k] = Math.max(-headroom, Math.min(headroom, v));
  }
  return { weights, weightShape, scales: model.config.perChannel ? scales : [scales[0]], bias, weightBits: bits };
}

/**
 * Export a quantised EdgeqModel as a validated QGraph.
 * @throws QatError when the model is still in the float phase or a layer has no range
 */
export function freeze(model: EdgeqModel, opts: { name?: string; metadata?: Record<string, unknown> } = {}): QGraph {
  if (model.phase !== 'quant') {
    throw new QatError(`model ${JSON.stringify(model.name)}`, 'is a float model: call prepare() and train (QAT) or calibrate() (PTQ) before freeze()');
  }
  const cfg = model.config;
  const b = new GraphBuilder(opts.name ?? model.name, { scales: cfg.scales, rounding: cfg.rounding });
  const nodes = model.net.nodes;
  const t: number[] = [];
  const aq = (i: number): QuantParams => {
    const a = model.actQuant(i);
    return q(a.scale, a.zeroPoint);
  };
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    const x = t[n.inputs[0]];
    switch (n.kind) {
      case 'input':
        t.push(b.input(n.name, [1, ...n.shape], aq(i)));
        break;
      case 'conv': {
        const sIn = b.quantOf(x).scale[0];
        const qn = quantizeConvNode(model, n, sIn);
        const spec = { name: n.name, weights: qn.weights, weightShape: qn.weightShape, weightScales: qn.scales, bias: qn.bias, out: aq(i), activation: n.act, weightBits: qn.weightBits };
        if (n.op === 'dense') {
          t.push(b.fullyConnected(x, spec));
        } else {
          const s = { ...spec, stride: n.stride, padding: n.padding === 'same' ? ('SAME' as const) : ('VALID' as const) };
          t.push(n.op === 'conv' ? b.conv2d(x, s) : b.depthwiseConv2d(x, s, n.multiplier));
        }
        break;
      }
      case 'add':
        t.push(b.add(n.name, x, t[n.inputs[1]], aq(i), n.act));
        break;
      case 'concat':
        t.push(b.concat(n.name, n.inputs.map((k) => t[k]), aq(i), n.act));
        break;
      case 'maxpool':
      case 'avgpool':
        t.push(b.pool(n.kind === 'maxpool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', n.name, x, n.size, n.stride, n.padding === 'same' ? 'SAME' : 'VALID'));
        break;
      case 'gap':
        t.push(b.mean(n.name, x, b.quantOf(x)));
        break;
      case 'reshape':
        t.push(b.reshape(n.name, x, [1, ...n.shape]));
        break;
      case 'pad':
        t.push(b.pad(n.name, x, [[0, 0], n.pads[0], n.pads[1], [0, 0]]));
        break;
      case 'softmax':
        t.push(b.softmax(n.name, x));
        break;
      case 'crop': {
        const shape = [1, ...n.shape];
        t.push(b.op('STRIDED_SLICE', n.name, [x], { begin: [0, n.begin[0], n.begin[1], 0] }, shape, b.quantOf(x)));
        break;
      }
      case 'upsample':
        t.push(b.op('RESIZE_NEAREST_NEIGHBOR', n.name, [x], { alignCorners: false, halfPixelCenters: false }, [1, ...n.shape], b.quantOf(x)));
        break;
      case 'logistic':
        t.push(b.op('LOGISTIC', n.name, [x], {}, [1, ...n.shape], q(1 / 256, -128)));
        break;
    }
  }
  b.output(t[t.length - 1]);
  return b.build({
    source: '@edgeq/qat',
    model: model.name,
    scales: cfg.scales,
    perChannel: cfg.perChannel,
    weightBits: cfg.weightBits ?? 8,
    ...(cfg.weightBits === 4 ? { int8Layers: cfg.int8Layers ?? [], int4Layers: int4LayerNames(model.weightBitsByLayer()), int4Clipping: cfg.int4Clipping ?? 'mse' } : {}),
    history: model.history,
    backend: tf.getBackend(),
    ...opts.metadata,
  });
}
