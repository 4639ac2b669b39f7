// BN folding: the folded conv (edgeq's inference/frozen path) against tfjs' own
// unfolded Conv → BatchNormalization layers, in inference mode.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { EdgeqModel } from '../src/model.js';
import { prepare } from '../src/qat.js';
import { mulberry32 } from '../src/random.js';

function randomTensor(shape: number[], seed: number, lo: number, hi: number): tf.Tensor {
  const r = mulberry32(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, d) => a * d, 1) }, () => lo + (hi - lo) * r()), shape);
}

/** conv(bias) → BN → ReLU6 → dw → BN → pw → BN → add → GAP → dense(+BN) with non-trivial BN statistics. */
function model(): tf.LayersModel {
  const x = tf.input({ shape: [9, 9, 3] });
  const bn = () => tf.layers.batchNormalization({ epsilon: 1e-3 });
  let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: true }).apply(x) as tf.SymbolicTensor;
  h = bn().apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ maxValue: 6 }).apply(h) as tf.SymbolicTensor;
  let t = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthMultiplier: 2 }).apply(h) as tf.SymbolicTensor;
  t = bn().apply(t) as tf.SymbolicTensor;
  t = tf.layers.conv2d({ filters: 8, kernelSize: 1, useBias: false }).apply(t) as tf.SymbolicTensor;
  t = bn().apply(t) as tf.SymbolicTensor;
  h = tf.layers.add().apply([h, t]) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 5 }).apply(h) as tf.SymbolicTensor;
  h = bn().apply(h) as tf.SymbolicTensor;
  const m = tf.model({ inputs: x, outputs: h });
  let seed = 1;
  m.setWeights(m.getWeights().map((w) => {
    const name = w.shape.length === 1 ? 'vec' : 'kernel';
    seed++;
    if (name === 'kernel') return randomTensor(w.shape, seed, -0.5, 0.5);
    // BN vectors: gamma, beta, mean in wide ranges; variance positive.
    return randomTensor(w.shape, seed, 0.2, 2.5);
  }));
  return m;
}

describe('BatchNormalization folding', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('folded float outputs equal tfjs unfolded Conv→BN outputs within 1e-5 (inference mode)', () => {
    const m = model();
    const em = EdgeqModel.fromLayersModel(m);
    // BN folded into conv, dw, pw and dense: 4 weight nodes, no separate BN node.
    expect(em.net.nodes.filter((n) => n.kind === 'conv').map((n) => n.kind === 'conv' && !!n.bn)).toEqual([true, true, true, true]);
    const x = randomTensor([4, 9, 9, 3], 99, 0, 1);
    const ref = (m.predict(x) as tf.Tensor).dataSync();
    const got = em.predictLogits(x).dataSync();
    let maxDiff = 0;
    let maxRef = 0;
    for (let i = 0; i < ref.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
      maxRef = Math.max(maxRef, Math.abs(ref[i]));
    }
    expect(maxRef).toBeGreaterThan(0.5); // a non-trivial output
    expect(maxDiff).toBeLessThanOrEqual(1e-5 * Math.max(1, maxRef));
    em.dispose();
  });

  it('training mode normalises with batch statistics and updates the moving averages', () => {
    const m = model();
    const em = EdgeqModel.fromLayersModel(m);
    const conv = em.net.nodes.find((n) => n.kind === 'conv')!;
    if (conv.kind !== 'conv' || !conv.bn) throw new Error('expected conv+bn');
    const before = conv.bn.mean.dataSync().slice();
    const opt = tf.train.sgd(0);
    const x = randomTensor([4, 9, 9, 3], 5, 0, 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 5);
    em.trainStep(opt, x, y);
    // Independent batch mean of the conv output (+bias) per channel.
    const k = conv.kernel;
    const pre = tf.add(tf.conv2d(x as tf.Tensor4D, k as unknown as tf.Tensor4D, 2, 'same'), conv.bias!);
    const bm = tf.mean(pre, [0, 1, 2]).dataSync();
    const after = conv.bn.mean.dataSync();
    for (let c = 0; c < before.length; c++) expect(after[c]).toBeCloseTo(0.99 * before[c] + 0.01 * bm[c], 5);
    em.dispose();
  });

  it('QAT before the BN freeze: batch statistics of conv(x, fq(W·γ/σ))/γ·σ + b feed the moving averages', () => {
    const m = model();
    const em = prepare(m, { schedule: { recordSteps: 0, freezeBnStep: 100, freezeRangesStep: 100 } });
    const conv = em.net.nodes.find((n) => n.kind === 'conv')!;
    if (conv.kind !== 'conv' || !conv.bn) throw new Error('expected conv+bn');
    const before = conv.bn.mean.dataSync().slice();
    const x = randomTensor([4, 9, 9, 3], 5, 0, 1);
    // Independent reference: fold, quantise per output channel (max|w|/127, round), unfold.
    const expected = tf.tidy(() => {
      const f = tf.div(conv.bn!.gamma, tf.sqrt(tf.add(conv.bn!.variance, conv.bn!.epsilon)));
      const wf = tf.mul(conv.kernel, f);
      const c = wf.shape[3]!;
      const v = wf.dataSync();
      const maxAbs = new Array(c).fill(0);
      v.forEach((w, i) => (maxAbs[i % c] = Math.max(maxAbs[i % c], Math.abs(w))));
      const q = Float32Array.from(v, (w, i) => {
        const s = Math.fround(maxAbs[i % c] / 127);
        return Math.max(-127, Math.min(127, Math.round(w / s))) * s;
      });
      const xq = tf.tensor(Float32Array.from(x.dataSync(), (p) => Math.max(-128, Math.min(127, Math.round(p * 255) - 128)) + 128).map((p) => p / 255), x.shape);
      const y = tf.add(tf.div(tf.conv2d(xq as tf.Tensor4D, tf.tensor4d(q, wf.shape as [number, number, number, number]), 2, 'same'), f), conv.bias!);
      return tf.mean(y, [0, 1, 2]).dataSync();
    });
    em.trainStep(tf.train.sgd(0), x, tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 5));
    const after = conv.bn.mean.dataSync();
    for (let c = 0; c < before.length; c++) expect(after[c]).toBeCloseTo(0.99 * before[c] + 0.01 * expected[c], 5);
    em.dispose();
  });
});
