/**
 * EdgeqModel: a converted network plus its quantisation state — the object that is
 * trained in float, prepared for QAT, calibrated for PTQ and finally frozen. Its
 * forward pass implements, per node:
 *  - conv/depthwise/dense + BN folded as in Jacob et al. 2018 (the PyTorch ConvBn
 *    variant): before the BN freeze the weights are scaled by γ/σ_moving, fake-quantised
 *    per output channel, convolved, unscaled and batch-normalised with batch statistics;
 *    after the freeze (and at inference) the folded weights and bias are used as such,
 *    which is exactly the integer graph;
 *  - activations fake-quantised after the fused ReLU/ReLU6, never between conv and
 *    activation; residual ADD and CONCATENATION quantised at their output; average
 *    pools re-quantised on their input's grid (the integer MEAN rounds to it);
 *  - ranges observed as an EMA of batch min/max, then frozen, following a schedule.
 */

import * as tf from '@tensorflow/tfjs';
import { referenceInputQuant, type QuantScheme, type ScaleMode, type RoundingMode, type WeightClipping } from '@edgeq/ir';
import { fakeQuant } from './fake-quant.js';
import { activationQuant, layerWeightScales, weightQmax, ACT_QMAX, ACT_QMIN, type ActQuant } from './quant-params.js';
import { resolveWeightBits, type WeightBits } from './weight-bits.js';
import { convertModel, disposeNet, hasOwnQuantizer, type ConvNode, type Net, type NetNode } from './net.js';
import { QatError } from './errors.js';
import { addSim, meanSim, requantSim } from './requant-sim.js';
import { batchNormAct, clampAct, globalAvgPool, type BatchStats } from './fused-ops.js';
import { FOLD_QUANT_WEIGHTS, foldQuantWeights } from './fold-weights.js';
import { hasKernel } from './tensor-bridge.js';
import { currentReplicaGroup, type ReplicaGroup } from './replica-sync.js';
import { FusedAdam } from './fused-adam.js';
import { softmaxCrossEntropyLoss, type LossFn } from './training-loss.js';

/** When QAT starts quantising and freezes things (in optimizer steps, counted from prepare()). */
export interface QatSchedule {
  /** Observe ranges without quantising for this many steps (NNabla's recording phase). */
  recordSteps: number;
  /** Switch BN from batch to moving statistics at this step (folded weights from then on). */
  freezeBnStep: number;
  /** Stop updating activation ranges at this step. */
  freezeRangesStep: number;
  /**
   * 4-bit layers: fix each channel's weight scale (the clip of QuantConfig.int4Clipping, until
   * then recomputed from the folded weights at every step) at this step, so the weights settle
   * on a grid that no longer moves; freeze exports those scales. Unset: never fixed.
   */
  freezeWeightScalesStep?: number;
}

/** How the model is quantised. */
export interface QuantConfig {
  /** 'fixed' (Q31 multipliers) or 'pow2' (every scale 2^−n, enforced inside fake-quant). */
  scales: ScaleMode;
  /** Requantisation rounding of the exported graph (fixed mode). */
  rounding: RoundingMode;
  /** Per-output-channel weight scales (default) or one scale per tensor. */
  perChannel: boolean;
  /**
   * Weight bits of every conv/depthwise/dense layer: 8 (default) or 4 (W4A8: int4 weights
   * on [−7, 7], int8 activations), except the layers named in `int8Layers`.
   */
  weightBits: WeightBits;
  /**
   * With `weightBits` 4, the layers kept at 8 bits: layer names, `first` (the first
   * conv/depthwise/dense layer) and `last` (the last one). Default none.
   */
  int8Layers: string[];
  /**
   * How the scales of 4-bit layers are chosen from their folded weights: `mse` (default,
   * the clip minimising the squared error, @edgeq/ir's channelWeightScale) or `max`
   * (max |w| / 7). 8-bit layers always clip at max |w|.
   */
  int4Clipping: WeightClipping;
  /** Real range of the model input; [0, 1] (pixels/255) uses the reference input quantisation of @edgeq/ir. */
  inputRange: [number, number];
  /** EMA decay of the activation range observers. */
  emaDecay: number;
  schedule: QatSchedule;
}

/**
 * The schedule of a QAT run of `steps` optimizer steps, as edgeq's recipes use it: ranges
 * recorded for the first tenth (at most 50 steps), BN frozen at half, ranges at four fifths;
 * with `fixWeightScales` the 4-bit weight scales are fixed at the BN freeze too, so the
 * second half trains the weights on one grid (bench/qat.ts --w4 measured why).
 */
export function scheduleForSteps(steps: number, opts: { fixWeightScales?: boolean } = {}): QatSchedule {
  const freezeBnStep = Math.floor(steps / 2);
  return {
    recordSteps: Math.min(50, Math.floor(steps / 10)), freezeBnStep, freezeRangesStep: Math.floor((steps * 4) / 5),
    ...(opts.fixWeightScales ? { freezeWeightScalesStep: freezeBnStep } : {}),
  };
}

/** Defaults: fixed-point, per-channel, 8-bit weights, pixels/255 input, EMA 0.99, record 50 / freeze BN 300 / freeze ranges 600 steps. */
export const DEFAULT_QUANT_CONFIG: QuantConfig = {
  scales: 'fixed',
  rounding: 'tflm',
  perChannel: true,
  weightBits: 8,
  int8Layers: [],
  int4Clipping: 'mse',
  inputRange: [0, 1],
  emaDecay: 0.99,
  schedule: { recordSteps: 50, freezeBnStep: 300, freezeRangesStep: 600 },
};

/** An observed activation range. */
export interface Range {
  min: number;
  max: number;
}

/** Training phase of a model: plain float, or quantised (QAT / PTQ-calibrated). */
export type ModelPhase = 'float' | 'quant';

interface Pass {
  training: boolean;
  quantize: boolean;
  observe: boolean;
  bnFrozen: boolean;
  /** Fix 4-bit layers' weight scales as this pass computes them (schedule past freezeWeightScalesStep). */
  freezeWeightScales?: boolean;
  /** Batch statistics to fold into BN moving averages after the step. */
  bnUpdates: { node: ConvNode; mean: Float64Array; variance: Float64Array }[];
  /** Batch ranges observed this pass, by node index. */
  observed: Map<number, tf.Tensor>;
  /** Batch ranges recorded by the fake-quant kernels themselves, by node index. */
  observedStats: Map<number, { min: number; max: number }>;
  /** Raw outputs collected by node index (calibration). */
  collect?: Map<number, tf.Tensor>;
  collectIdx?: Set<number>;
}

/** A deep copy of fixed 4-bit weight scales (by layer name), for a model clone or replica. */
export function copyWeightScales(scales: ReadonlyMap<string, readonly number[]>): Map<string, number[]> {
  return new Map([...scales].map(([layer, v]) => [layer, [...v]]));
}

/** A network under edgeq's control: float training, QAT, PTQ calibration and freeze operate on it. */
export class EdgeqModel {
  /** Quantised-phase configuration (meaningful when phase is 'quant'). */
  config: QuantConfig = structuredClone(DEFAULT_QUANT_CONFIG);
  phase: ModelPhase = 'float';
  /** Observed range per node index (own-quantiser nodes only). */
  ranges: (Range | undefined)[];
  /** Optimizer steps taken since prepare() (drives the QAT schedule). */
  qatStep = 0;
  /** 4-bit layers' weight scales fixed by the schedule's freezeWeightScalesStep, by layer name. */
  frozenWeightScales = new Map<string, number[]>();
  /** Provenance for the exported graph. */
  history: string[] = [];

  constructor(readonly net: Net) {
    this.ranges = net.nodes.map(() => undefined);
  }

  /** Wrap a float tfjs layers model (weights are copied; the tfjs model is not modified). */
  static fromLayersModel(model: tf.LayersModel): EdgeqModel {
    return new EdgeqModel(convertModel(model));
  }

  get name(): string {
    return this.net.name;
  }

  /** Deep copy (variables, ranges, config). */
  clone(): EdgeqModel {
    const nodes = this.net.nodes.map((n): NetNode => {
      if (n.kind !== 'conv') return { ...n };
      const c = (v: tf.Variable) => tf.variable(v.clone(), v.trainable);
      return {
        ...n,
        kernel: c(n.kernel),
        bias: n.bias && c(n.bias),
        bn: n.bn && { ...n.bn, gamma: c(n.bn.gamma), beta: c(n.bn.beta), mean: c(n.bn.mean), variance: c(n.bn.variance) },
      };
    });
    const m = new EdgeqModel({ name: this.net.name, nodes });
    m.config = structuredClone(this.config);
    m.phase = this.phase;
    m.ranges = this.ranges.map((r) => r && { ...r });
    m.qatStep = this.qatStep;
    m.frozenWeightScales = copyWeightScales(this.frozenWeightScales);
    m.history = [...this.history];
    return m;
  }

  /** Trainable variables (kernels, biases, BN γ/β). */
  trainableVariables(): tf.Variable[] {
    const vs: tf.Variable[] = [];
    for (const n of this.net.nodes) {
      if (n.kind !== 'conv') continue;
      vs.push(n.kernel);
      if (n.bias) vs.push(n.bias);
      if (n.bn?.gamma.trainable) vs.push(n.bn.gamma);
      if (n.bn?.beta.trainable) vs.push(n.bn.beta);
    }
    return vs;
  }

  dispose(): void {
    disposeNet(this.net);
  }

  /** Input shape without batch. */
  get inputShape(): number[] {
    return this.net.nodes[0].shape;
  }

  /** The integer graph's requantisation scheme (scales and rounding of the config). */
  get scheme(): QuantScheme {
    return { scales: this.config.scales, rounding: this.config.rounding };
  }

  /** Activation quantiser of node `i` (own range, the input's fixed one, or inherited). */
  actQuant(i: number): ActQuant {
    const n = this.net.nodes[i];
    if (n.kind === 'input') {
      const [lo, hi] = this.config.inputRange;
      if (lo === 0 && hi === 1) {
        const q = referenceInputQuant(this.scheme);
        return { scale: q.scale[0], zeroPoint: q.zeroPoint[0] };
      }
      return activationQuant(lo, hi, this.config.scales);
    }
    if (!hasOwnQuantizer(n)) return this.actQuant(n.inputs[0]);
    const r = this.ranges[i];
    if (!r) throw new QatError(`layer ${JSON.stringify(n.name)}`, 'has no activation range yet: run QAT training or calibrate() before quantising');
    return activationQuant(r.min, r.max, this.config.scales);
  }

  /** Step-dependent switches of the QAT schedule for a training pass. */
  private trainingPass(): Pass {
    const s = this.config.schedule;
    const quant = this.phase === 'quant';
    return {
      training: true,
      quantize: quant && this.qatStep >= s.recordSteps,
      observe: quant && this.qatStep < s.freezeRangesStep,
      bnFrozen: quant && this.qatStep >= s.freezeBnStep,
      freezeWeightScales: quant && s.freezeWeightScalesStep !== undefined && this.qatStep >= s.freezeWeightScalesStep,
      bnUpdates: [],
      observed: new Map(),
      observedStats: new Map(),
    };
  }

  private evalPass(observe = false): Pass {
    return { training: false, quantize: this.phase === 'quant' && !observe, observe, bnFrozen: true, bnUpdates: [], observed: new Map(), observedStats: new Map() };
  }

  /** Weight bits of every weight layer by name (the config's width and 8-bit list, resolved). */
  weightBitsByLayer(): Map<string, WeightBits> {
    return resolveWeightBits(this.net, this.config.weightBits ?? 8, this.config.int8Layers ?? []);
  }

  /**
   * Per-channel (last axis) weight scales of node `n`'s folded weights laid out [..., channels];
   * a 4-bit layer's frozen scales once the schedule fixed them (fixed by a training pass `p`
   * past freezeWeightScalesStep).
   */
  private weightScalesOf(n: ConvNode, w: tf.Tensor, p?: Pass): number[] {
    return this.weightScalesOfValues(n, w.dataSync() as Float32Array, w.shape[w.shape.length - 1], p);
  }

  /** {@link weightScalesOf} from the folded weights' values (`c` output channels, last). */
  private weightScalesOfValues(n: ConvNode, w: Float32Array, c: number, p?: Pass): number[] {
    const bits = this.weightBitsByLayer().get(n.name) ?? 8;
    const frozen = bits === 4 ? this.frozenWeightScales.get(n.name) : undefined;
    if (frozen) return frozen;
    if (bits === 8) {
      // 8 bits: max |w| per channel (or of the whole tensor).
      const maxAbs = new Float32Array(this.config.perChannel ? c : 1);
      const m = maxAbs.length;
      for (let i = 0; i < w.length; i++) {
        const a = Math.abs(w[i]);
        const k = m === 1 ? 0 : i % c;
        // NaN propagates, as tf.max does.
        if (a > maxAbs[k] || a !== a) maxAbs[k] = a;
      }
      return layerWeightScales(maxAbs, maxAbs.length, this.config.perChannel, 8, this.config.scales, 'max');
    }
    const scales = layerWeightScales(w, c, this.config.perChannel, bits, this.config.scales, this.config.int4Clipping ?? 'mse');
    if (p?.freezeWeightScales) this.frozenWeightScales.set(n.name, scales);
    return scales;
  }

  /** Fake-quantise node `n`'s folded weights on its symmetric grid ([−127, 127] or [−7, 7]). */
  private quantWeights(n: ConvNode, w: tf.Tensor, scales: number[]): tf.Tensor {
    const qmax = weightQmax(this.weightBitsByLayer().get(n.name) ?? 8);
    return fakeQuant(w, { scale: scales, zeroPoint: scales.map(() => 0), qmin: -qmax, qmax });
  }

  /** Fake-quantise a bias on the int32 grid s_in·s_w[c] the integer graph stores it on. */
  private quantBias(b: tf.Tensor, inScale: number, wScales: number[], channels: number): tf.Tensor {
    const s = Array.from({ length: channels }, (_, c) => Math.fround(inScale) * Math.fround(wScales[wScales.length === 1 ? 0 : c]));
    return fakeQuant(b, { scale: s, zeroPoint: s.map(() => 0), qmin: -(2 ** 31), qmax: 2 ** 31 - 1 });
  }

  private actFq(x: tf.Tensor, i: number, stats?: { min: number; max: number }): tf.Tensor {
    const q = this.actQuant(i);
    return fakeQuant(x, { scale: [q.scale], zeroPoint: [q.zeroPoint], qmin: ACT_QMIN, qmax: ACT_QMAX, stats });
  }

  private convOp(n: ConvNode, x: tf.Tensor, w: tf.Tensor): tf.Tensor {
    if (n.op === 'dense') return tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
    if (n.op === 'dw') return tf.depthwiseConv2d(x as tf.Tensor4D, tf.reshape(w, n.kernel.shape as [number, number, number, number]), n.stride, n.padding);
    return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, n.stride, n.padding);
  }

  /** The kernel laid out with output channels last (depthwise [kh, kw, 1, cin·mult]). */
  private channelsLast(n: ConvNode): tf.Tensor {
    if (n.op !== 'dw') return n.kernel;
    const [kh, kw] = n.kernel.shape;
    return tf.reshape(n.kernel, [kh, kw, 1, n.channels]);
  }

  /** Folded weights and bias with moving statistics: what freeze exports. */
  foldedWeights(n: ConvNode): { w: tf.Tensor; b: tf.Tensor } {
    return tf.tidy(() => {
      const k = this.channelsLast(n);
      const bias = n.bias ?? tf.zeros([n.channels]);
      if (!n.bn) return { w: k.clone(), b: bias.clone() };
      const f = tf.div(n.bn.gamma, tf.sqrt(tf.add(n.bn.variance, n.bn.epsilon)));
      return { w: tf.mul(k, f), b: tf.add(n.bn.beta, tf.mul(tf.sub(bias, n.bn.mean), f)) };
    });
  }

  private convForward(n: ConvNode, x: tf.Tensor, p: Pass): tf.Tensor {
    const k = this.channelsLast(n);
    let y: tf.Tensor;
    if (n.bn && p.training && !p.bnFrozen) {
      const bn = n.bn;
      if (p.quantize) {
        // Conv with fake-quantised W·f (f = γ/σ_moving), then batch normalisation of
        // pre = conv + b·f. With μ, σ² the batch statistics of pre, the BN of conv/f + b is
        //   y = sign(f)·γ·(pre − μ)/√(σ² + ε·f²) + β,
        // so the 1/f never needs a pass over the output: it moves into γ and ε.
        let r: { y: tf.Tensor; stats: BatchStats };
        let fv: ArrayLike<number>;
        if (hasKernel(FOLD_QUANT_WEIGHTS)) {
          // The folding and its gradient as one op (fold-weights.ts): the same values.
          const fw = foldQuantWeights(k, bn.gamma, bn.variance, n.bias, bn.epsilon,
            (wf, c) => this.weightScalesOfValues(n, wf, c, p), weightQmax(this.weightBitsByLayer().get(n.name) ?? 8));
          const pre = this.convOp(n, x, fw.wq);
          r = batchNormAct(fw.biasF ? tf.add(pre, fw.biasF) : pre, fw.gammaSign, bn.beta, fw.epsF2, n.act);
          fv = fw.f;
        } else {
          const f = tf.div(bn.gamma, tf.sqrt(tf.add(bn.variance, bn.epsilon)));
          const wf = tf.mul(k, f);
          let pre = this.convOp(n, x, this.quantWeights(n, wf, this.weightScalesOf(n, wf, p)));
          if (n.bias) pre = tf.add(pre, tf.mul(n.bias, f));
          r = batchNormAct(pre, tf.mul(bn.gamma, tf.sign(f)), bn.beta, tf.mul(tf.square(f), bn.epsilon), n.act);
          fv = f.dataSync();
        }
        // Statistics of conv = pre/f; a channel with f = 0 (γ = 0) has pre ≡ 0 and says
        // nothing about them: NaN marks it so commitPass leaves its moving statistics alone.
        p.bnUpdates.push({
          node: n,
          mean: Float64Array.from(r.stats.mean, (v, c) => (fv[c] !== 0 ? v / fv[c] : NaN)),
          variance: Float64Array.from(r.stats.variance, (v, c) => (fv[c] !== 0 ? v / (fv[c] * fv[c]) : NaN)),
        });
        return r.y;
      }
      let pre = this.convOp(n, x, k);
      if (n.bias) pre = tf.add(pre, n.bias);
      const r = batchNormAct(pre, bn.gamma, bn.beta, tf.fill([n.channels], bn.epsilon), n.act);
      p.bnUpdates.push({ node: n, mean: r.stats.mean, variance: r.stats.variance });
      return r.y;
    } else {
      let w = k;
      let b: tf.Tensor | undefined = n.bias;
      if (n.bn) {
        const f = tf.div(n.bn.gamma, tf.sqrt(tf.add(n.bn.variance, n.bn.epsilon)));
        w = tf.mul(k, f);
        b = tf.add(n.bn.beta, tf.mul(tf.sub(n.bias ?? tf.zeros([n.channels]), n.bn.mean), f));
      }
      let ws: number[] | undefined;
      if (p.quantize) {
        ws = this.weightScalesOf(n, w, p);
        w = this.quantWeights(n, w, ws);
        b = this.quantBias(b ?? tf.zeros([n.channels]), this.actQuant(n.inputs[0]).scale, ws, n.channels);
      }
      y = this.convOp(n, x, w);
      if (b) y = tf.add(y, b);
      if (ws && !p.training && this.config.scales === 'fixed') {
        // Inference: requantise exactly as the integer kernel does (see requant-sim.ts).
        const out = this.actQuant(this.net.nodes.indexOf(n));
        y = requantSim(y, {
          opType: n.op === 'dense' ? 'FULLY_CONNECTED' : n.op === 'dw' ? 'DEPTHWISE_CONV_2D' : 'CONV_2D',
          inScale: this.actQuant(n.inputs[0]).scale, weightScales: ws, outScale: out.scale, outZeroPoint: out.zeroPoint,
          activation: n.act, scheme: this.scheme,
        });
      }
    }
    return clampAct(y, n.act);
  }

  private observe(i: number, y: tf.Tensor, p: Pass): void {
    if (!p.observe) return;
    if (p.collect && p.collectIdx?.has(i)) p.collect.set(i, y);
    const mm = tf.keep(tf.stack([tf.min(y), tf.max(y)]));
    p.observed.set(i, mm);
    if (p.quantize && !this.ranges[i]) {
      // First quantised step without a recorded range: start from this batch's range.
      const [lo, hi] = mm.dataSync();
      const group = currentReplicaGroup();
      this.ranges[i] = group ? wholeBatchRanges(group, [[lo, hi]])[0] : { min: lo, max: hi };
    }
  }

  /**
   * Forward pass to the logits (the softmax, if last, is left to the loss / caller).
   * Must run inside tf.tidy (or optimizer.minimize); returns the batch statistics and
   * ranges to apply with {@link commitPass}.
   */
  private forwardPass(x: tf.Tensor, p: Pass): tf.Tensor {
    const nodes = this.net.nodes;
    const out: tf.Tensor[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      const a = n.inputs.map((k) => out[k]);
      let y: tf.Tensor;
      switch (n.kind) {
        case 'input':
          // A [steps, channels] input runs as [1, steps, channels] (1-D layers are their height-1 2-D forms).
          y = x.rank === n.shape.length + 1 ? x : tf.reshape(x, [-1, ...n.shape]);
          break;
        case 'conv':
          y = this.convForward(n, a[0], p);
          break;
        case 'add':
          if (p.quantize && !p.training && this.config.scales === 'fixed') {
            const q = this.actQuant(i);
            y = addSim(a[0], a[1], this.actQuant(n.inputs[0]).scale, this.actQuant(n.inputs[1]).scale, q.scale, q.zeroPoint, n.act, this.scheme);
            break;
          }
          y = clampAct(tf.add(a[0], a[1]), n.act);
          break;
        case 'concat':
          y = clampAct(tf.concat(a, -1), n.act);
          break;
        case 'maxpool':
          y = tf.maxPool(a[0] as tf.Tensor4D, n.size, n.stride, n.padding);
          break;
        case 'avgpool':
          y = tf.avgPool(a[0] as tf.Tensor4D, n.size, n.stride, n.padding);
          if (p.quantize) y = this.actFq(y, i);
          break;
        case 'gap':
          if (p.quantize && !p.training && this.config.scales === 'fixed') {
            const q = this.actQuant(i);
            y = meanSim(tf.sum(a[0], [1, 2]), q.scale, q.zeroPoint, q.scale, q.zeroPoint, a[0].shape[1]! * a[0].shape[2]!, this.scheme);
            break;
          }
          y = globalAvgPool(a[0]);
          if (p.quantize) y = this.actFq(y, i);
          break;
        case 'reshape':
          y = tf.reshape(a[0], [-1, ...n.shape]);
          break;
        case 'pad':
          y = tf.pad(a[0], [[0, 0], n.pads[0], n.pads[1], [0, 0]]);
          break;
        case 'crop':
          y = tf.slice(a[0], [0, n.begin[0], n.begin[1], 0], [-1, ...n.shape]);
          break;
        case 'upsample':
          y = tf.image.resizeNearestNeighbor(a[0] as tf.Tensor4D, [n.shape[0], n.shape[1]]);
          break;
        case 'softmax':
        case 'logistic':
          y = a[0];
          break;
      }
      if (hasOwnQuantizer(n) && n.kind !== 'input') {
        if (p.quantize && p.observe && this.ranges[i] && !p.collect) {
          // Observe inside the fake-quant pass (one loop instead of two extra reductions).
          const stats = { min: NaN, max: NaN };
          y = this.actFq(y, i, stats);
          p.observedStats.set(i, stats);
        } else {
          this.observe(i, y, p);
          if (p.quantize) y = this.actFq(y, i);
        }
      } else if (n.kind === 'input' && p.quantize) {
        y = this.actFq(y, i);
      }
      out.push(y);
    }
    return out[nodes.length - 1];
  }

  /** Apply a pass's side effects: BN moving averages and EMA range updates. */
  private commitPass(p: Pass, ema = true): void {
    for (const u of p.bnUpdates) {
      const bn = u.node.bn!;
      const m = bn.momentum;
      // Moving averages in float32 as tfjs would compute them (float32 m and 1 − m); NaN batch
      // entries keep the old value.
      const fm = Math.fround(m);
      const f1m = Math.fround(1 - m);
      const ema = (v: tf.Variable, batch: Float64Array) => {
        const cur = v.dataSync();
        const next = Float32Array.from(cur, (c, k) => (Number.isNaN(batch[k]) ? c : Math.fround(Math.fround(c * fm) + Math.fround(Math.fround(batch[k]) * f1m))));
        tf.tidy(() => v.assign(tf.tensor1d(next)));
      };
      ema(bn.mean, u.mean);
      ema(bn.variance, u.variance);
    }
    const d = this.config.emaDecay;
    for (const [i, mn, mx] of takePassRanges(p)) {
      if (!Number.isFinite(mn) || !Number.isFinite(mx)) {
        throw new QatError(`layer ${JSON.stringify(this.net.nodes[i].name)}`, `activation range became non-finite (${mn}, ${mx}): training diverged or the data holds NaN/Inf`);
      }
      const r = this.ranges[i];
      if (!r) this.ranges[i] = { min: mn, max: mx };
      else if (ema) this.ranges[i] = { min: d * r.min + (1 - d) * mn, max: d * r.max + (1 - d) * mx };
      else this.ranges[i] = { min: Math.min(r.min, mn), max: Math.max(r.max, mx) };
    }
  }

  /**
   * The training loss of a batch: sigmoid cross-entropy when the model ends in a sigmoid
   * (a single sigmoid unit with two-class one-hot labels learns P(class 1)), else softmax
   * cross-entropy on the logits.
   */
  private loss(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
    const last = this.net.nodes[this.net.nodes.length - 1];
    if (last.kind !== 'logistic') return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    const units = logits.shape[logits.shape.length - 1];
    const target = units === 1 && labels.shape[labels.shape.length - 1] === 2 ? tf.slice(labels, [0, 1], [-1, 1]) : labels;
    return tf.losses.sigmoidCrossEntropy(target, logits) as tf.Scalar;
  }

  /**
   * One optimizer step on a batch: `loss(targets, logits)`, by default softmax
   * cross-entropy on one-hot labels, or sigmoid cross-entropy when the model ends in a
   * sigmoid (see `loss`; task.ts has the task losses). Advances the QAT schedule in the
   * quantised phase.
   * @returns the batch loss
   */
  trainStep(optimizer: tf.Optimizer, x: tf.Tensor, labels: tf.Tensor, vars = this.trainableVariables(), loss: LossFn = (y, logits) => this.loss(y, logits)): number {
    const p = this.trainingPass();
    const group = currentReplicaGroup();
    let v: number;
    if (group) {
      v = this.replicaUpdate(group, optimizer, vars, () => tf.mul(loss(labels, this.forwardPass(x, p)), group.shardWeight) as tf.Scalar, p);
    } else {
      const l = optimizer.minimize(() => loss(labels, this.forwardPass(x, p)), true, vars)!;
      v = l.dataSync()[0];
      l.dispose();
    }
    this.commitPass(p);
    if (this.phase === 'quant') this.qatStep++;
    if (!Number.isFinite(v)) throw new QatError(`${this.name} training step`, `loss is ${v}: training diverged (lower the learning rate) or the data holds NaN/Inf`);
    return v;
  }

  /**
   * The data-parallel half of a step, in a worker: gradients of this replica's weighted
   * share of the loss, summed over the replicas in replica order (the whole batch's
   * gradients), then one optimizer update, identical on every replica.
   * @returns the whole batch's loss
   */
  private replicaUpdate(group: ReplicaGroup, optimizer: tf.Optimizer, vars: tf.Variable[], f: () => tf.Scalar, p: Pass): number {
    const g = replicaGradients(group, vars, f, p);
    if (optimizer instanceof FusedAdam) {
      // The reduced sums go straight into the update, without a round trip through tensors.
      const byName = new Map(vars.map((v) => [v.name, v]));
      let from = 0;
      optimizer.applyGradientArrays(g.names.map((n, k) => {
        const size = tf.util.sizeFromShape(g.shapes[k]);
        from += size;
        return { variable: byName.get(n)!, gradient: g.sum.subarray(from - size, from) };
      }));
      return g.loss;
    }
    const reduced: tf.NamedTensorMap = {};
    let at = 0;
    g.names.forEach((n, k) => {
      const size = tf.util.sizeFromShape(g.shapes[k]);
      reduced[n] = tf.tensor(g.sum.subarray(at, at + size), g.shapes[k]);
      at += size;
    });
    optimizer.applyGradients(reduced);
    tf.dispose(reduced);
    return g.loss;
  }

  /**
   * Gradients of the batch loss with respect to {@link trainableVariables} (in that order),
   * without updating anything: no optimizer step, no BN or range update, no schedule step.
   * In a data-parallel worker, the whole batch's (summed over replicas). For checking that
   * data-parallel training computes what single-worker training does.
   */
  batchGradients(x: tf.Tensor, labels: tf.Tensor, loss: LossFn = softmaxCrossEntropyLoss): { loss: number; gradients: Float32Array[] } {
    const p = this.trainingPass();
    const vars = this.trainableVariables();
    const group = currentReplicaGroup();
    const f = () => (group ? tf.mul(loss(labels, this.forwardPass(x, p)), group.shardWeight) : loss(labels, this.forwardPass(x, p))) as tf.Scalar;
    try {
      const g = replicaGradients(group, vars, f);
      const gradients: Float32Array[] = [];
      let at = 0;
      for (const shape of g.shapes) {
        const size = tf.util.sizeFromShape(shape);
        gradients.push(g.sum.slice(at, at + size));
        at += size;
      }
      return { loss: g.loss, gradients };
    } finally {
      tf.dispose([...p.observed.values()]);
    }
  }

  /** Inference-mode logits (folded BN; fake-quantised in the quantised phase). */
  predictLogits(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.forwardPass(x, this.evalPass()));
  }

  /** Calibration pass: observe ranges in float inference mode (min/max accumulation). */
  observeRanges(x: tf.Tensor): Map<number, Float32Array> {
    const p = this.evalPass(true);
    tf.tidy(() => {
      this.forwardPass(x, p);
    });
    const res = new Map<number, Float32Array>();
    for (const [i, t] of p.observed) {
      res.set(i, t.dataSync() as Float32Array);
      t.dispose();
    }
    return res;
  }

  /**
   * Inference-mode activations of the given nodes before their output quantiser: float
   * (histogram calibration) or, with `quantized`, computed from fake-quantised inputs
   * and weights (layer-by-layer comparison with the integer graph).
   */
  activations(x: tf.Tensor, nodeIdx: number[], quantized = false): Map<number, Float32Array> {
    const p = this.evalPass(true);
    p.quantize = quantized && this.phase === 'quant';
    p.collect = new Map();
    p.collectIdx = new Set(nodeIdx);
    const res = new Map<number, Float32Array>();
    tf.tidy(() => {
      this.forwardPass(x, p);
      for (const [i, t] of p.collect!) res.set(i, t.dataSync() as Float32Array);
    });
    for (const t of p.observed.values()) t.dispose();
    return res;
  }

  /**
   * Switch to the quantised phase with `config` and reset the schedule.
   * @throws QatError for a weight width other than 4 or 8, or an `int8Layers` entry that names no weight layer
   */
  setQuantConfig(config: Partial<QuantConfig>): void {
    const next: QuantConfig = { ...structuredClone(DEFAULT_QUANT_CONFIG), ...config, schedule: { ...DEFAULT_QUANT_CONFIG.schedule, ...config.schedule } };
    resolveWeightBits(this.net, next.weightBits, next.int8Layers); // a bad width or layer name fails here, before any training
    this.config = next;
    this.phase = 'quant';
    this.qatStep = 0;
    this.frozenWeightScales = new Map();
  }

  /** Indices of the nodes with their own activation quantiser (excluding the input). */
  quantizerNodes(): number[] {
    return this.net.nodes.flatMap((n, i) => (hasOwnQuantizer(n) && n.kind !== 'input' ? [i] : []));
  }
}

/**
 * Min and max of each replica's [min, max] pairs, laid out flat as `parts` (the whole
 * batch's ranges; NaN wins, as in one batch).
 */
function combineRanges(parts: Float64Array[], count: number, from = 0): Range[] {
  return Array.from({ length: count }, (_, k) => {
    let min = Infinity;
    let max = -Infinity;
    for (const p of parts) {
      min = Math.min(min, p[from + 2 * k]);
      max = Math.max(max, p[from + 2 * k + 1]);
    }
    return { min, max };
  });
}

/** The whole batch's ranges from every replica's [min, max] pairs. */
function wholeBatchRanges(group: ReplicaGroup, local: [number, number][]): Range[] {
  return combineRanges(group.allGather(Float64Array.from(local.flat())), local.length);
}

/** Take a pass's observed ranges out of it as [node, min, max] (this replica's batch share). */
function takePassRanges(p: Pass): [number, number, number][] {
  const entries: [number, number, number][] = [];
  for (const [i, t] of p.observed) {
    const [mn, mx] = t.dataSync();
    t.dispose();
    entries.push([i, mn, mx]);
  }
  for (const [i, st] of p.observedStats) entries.push([i, st.min, st.max]);
  p.observed.clear();
  p.observedStats.clear();
  return entries;
}

/**
 * Gradients of `f` for `vars` flattened in `vars` order and, with a replica group, summed
 * over the replicas (float32, replica order) with the loss summed likewise. With `pass`
 * (a training step in a replica), the pass's observed ranges become the whole batch's
 * (min of minima, max of maxima), exchanged in the same collective as the gradients.
 */
function replicaGradients(group: ReplicaGroup | undefined, vars: tf.Variable[], f: () => tf.Scalar, pass?: Pass): { names: string[]; shapes: number[][]; sum: Float32Array; loss: number } {
  const { value, grads } = tf.variableGrads(f, vars);
  try {
    const names = vars.map((v) => v.name).filter((n) => grads[n]);
    const shapes = names.map((n) => grads[n].shape);
    const flat = new Float32Array(names.reduce((a, n) => a + grads[n].size, 0));
    let at = 0;
    for (const n of names) {
      flat.set(grads[n].dataSync() as Float32Array, at);
      at += grads[n].size;
    }
    const local = value.dataSync()[0];
    if (!group) return { names, shapes, sum: flat, loss: local };
    const ranges = pass ? takePassRanges(pass) : [];
    const r = group.allReduceSumWith(flat, Float64Array.from([local, ...ranges.flatMap(([, mn, mx]) => [mn, mx])]));
    let loss = 0;
    for (const part of r.extras) loss += part[0];
    if (pass) combineRanges(r.extras, ranges.length, 1).forEach((whole, k) => pass.observedStats.set(ranges[k][0], whole));
    return { names, shapes, sum: r.sum, loss };
  } finally {
    value.dispose();
    tf.dispose(grads);
  }
}
