// Bad input: unsupported layers, NaN/Inf in weights or data, dead channels, wrong calls.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { exactLog2 } from '@edgeq/ir';
import { initBackend } from '../src/backend.js';
import { EdgeqModel } from '../src/model.js';
import { prepare } from '../src/qat.js';
import { freeze } from '../src/freeze.js';
import { calibrate } from '../src/calibrate.js';
import { train } from '../src/train.js';
import { QatError } from '../src/errors.js';
import type { ImageSet } from '../src/dataset.js';

function tinyModel(extra?: (h: tf.SymbolicTensor) => tf.SymbolicTensor): tf.LayersModel {
  const x = tf.input({ shape: [6, 6, 1] });
  let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'c1' }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'c1_bn' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ maxValue: 6 }).apply(h) as tf.SymbolicTensor;
  if (extra) h = extra(h);
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 3, name: 'fc' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.softmax().apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: h });
}

function images(n: number, seed = 1): ImageSet {
  const px = new Uint8Array(n * 36);
  for (let i = 0; i < px.length; i++) px[i] = (i * 37 + seed * 11) % 256;
  return { images: px, labels: Uint8Array.from({ length: n }, (_, i) => i % 3), count: n, height: 6, width: 6, channels: 1, classes: 3 };
}

describe('clear errors on bad input', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('an unsupported layer is named and the supported layers are listed', () => {
    const m = tinyModel((h) => tf.layers.leakyReLU({ name: 'leaky' }).apply(h) as tf.SymbolicTensor);
    let err: Error | undefined;
    try {
      prepare(m);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(QatError);
    expect(err!.message).toMatch(/layer "leaky" \(LeakyReLU\)/);
    expect(err!.message).toMatch(/supported layers: .*Conv2D.*DepthwiseConv2D.*Dense.*BatchNormalization/);
    const up = tinyModel((h) => tf.layers.upSampling2d({ name: 'up', interpolation: 'bilinear' }).apply(h) as tf.SymbolicTensor);
    expect(() => prepare(up)).toThrow(/layer "up" \(UpSampling2D\): interpolation "bilinear" is not supported \(only nearest\); supported layers/);
  });

  it('TinyML layer forms edgeq cannot express are refused in one line naming the layer and field', () => {
    const oneD = (layer: tf.layers.Layer, extra?: tf.layers.Layer) => {
      const x = tf.input({ shape: [12, 2] });
      let h = layer.apply(x) as tf.SymbolicTensor;
      if (extra) h = extra.apply(h) as tf.SymbolicTensor;
      h = tf.layers.globalAveragePooling1d({}).apply(h) as tf.SymbolicTensor;
      return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(h) as tf.SymbolicTensor });
    };
    expect(() => prepare(oneD(tf.layers.conv1d({ filters: 2, kernelSize: 3, padding: 'causal', name: 'causal' }))))
      .toThrow(/^layer "causal" \(Conv1D\): padding "causal" is not supported \(only same, valid\); supported layers: .*Conv1D/);
    expect(() => prepare(oneD(tf.layers.conv1d({ filters: 2, kernelSize: 3, dilationRate: 2, name: 'dilated' }))))
      .toThrow(/layer "dilated" \(Conv1D\): dilation 2 is not supported \(only 1\)/);
    const x = tf.input({ shape: [6, 6, 1] });
    const early = tf.layers.activation({ activation: 'sigmoid', name: 'early' }).apply(tf.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2 }).apply(tf.layers.flatten().apply(early) as tf.SymbolicTensor) as tf.SymbolicTensor;
    expect(() => prepare(tf.model({ inputs: x, outputs: out }))).toThrow(/layer "early" \(sigmoid\): sigmoid is only supported as the last layer/);
  });

  it('a BatchNormalization that cannot be folded is refused with the reason', () => {
    const x = tf.input({ shape: [6, 6, 1] });
    let h = tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', name: 'c' }).apply(x) as tf.SymbolicTensor;
    h = tf.layers.batchNormalization({ name: 'late_bn' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
    expect(() => prepare(tf.model({ inputs: x, outputs: h }))).toThrow(/layer "late_bn" \(BatchNormalization\).*directly after/);
  });

  it('NaN or Inf in weights names the layer and weight', () => {
    const m = tinyModel();
    const w = m.getLayer('fc').getWeights();
    const k = w[0].arraySync() as number[][];
    k[1][2] = NaN;
    m.getLayer('fc').setWeights([tf.tensor2d(k), w[1]]);
    expect(() => prepare(m)).toThrow(/layer "fc" \(Dense\) kernel: holds NaN at element 5/);
    const m2 = tinyModel();
    const bn = m2.getLayer('c1_bn').getWeights();
    m2.getLayer('c1_bn').setWeights([bn[0], tf.tensor1d([0, Infinity, 0, 0]), bn[2], bn[3]]);
    expect(() => EdgeqModel.fromLayersModel(m2)).toThrow(/c1_bn.*beta.*Infinity/);
  });

  it('NaN in data stops calibration and training with a clear error', async () => {
    const m = EdgeqModel.fromLayersModel(tinyModel());
    const bad: ImageSet = { ...images(4), images: new Float32Array(4 * 36).fill(0.5) };
    (bad.images as Float32Array)[40] = NaN;
    await expect(calibrate(m, bad)).rejects.toThrow(/image 1: pixel 4 is NaN/);
    await expect(train(m, bad, { epochs: 1, learningRate: 1e-3, batchSize: 2 })).rejects.toThrow(/image \d: pixel 4 is NaN/);
  });

  it('freeze of a float model says what to do', () => {
    const m = EdgeqModel.fromLayersModel(tinyModel());
    expect(() => freeze(m)).toThrow(/float model: call prepare\(\) .* or calibrate\(\)/);
  });

  for (const scales of ['fixed', 'pow2'] as const) {
    it(`a dead channel (all-zero weights, γ = 0) exports positive finite scales (${scales})`, async () => {
      const m = tinyModel();
      const conv = m.getLayer('c1');
      const k = conv.getWeights()[0].arraySync() as number[][][][];
      for (const row of k) for (const col of row) for (const ci of col) ci[2] = 0; // output channel 2 dead
      conv.setWeights([tf.tensor4d(k)]);
      const bn = m.getLayer('c1_bn').getWeights();
      m.getLayer('c1_bn').setWeights([tf.tensor1d([1, 1, 0, 1]), bn[1], bn[2], bn[3]]);
      const c = await calibrate(EdgeqModel.fromLayersModel(m), images(8), { scales });
      const g = freeze(c);
      const w = g.tensors.find((t) => t.name === 'c1/weights')!;
      expect(w.quant!.scale).toHaveLength(4);
      for (const t of g.tensors) {
        for (const s of t.quant?.scale ?? []) {
          expect(s).toBeGreaterThan(0);
          expect(Number.isFinite(s)).toBe(true);
          if (scales === 'pow2') expect(exactLog2(s)).toBeDefined();
        }
      }
      // The dead channel borrows the layer's largest scale.
      expect(w.quant!.scale[2]).toBe(Math.max(...w.quant!.scale));
    });
  }

  it('QAT with batch statistics trains through a channel with γ = 0 (its BN statistics are kept, not divided by 0)', async () => {
    const m = tinyModel();
    const bn = m.getLayer('c1_bn').getWeights();
    m.getLayer('c1_bn').setWeights([tf.tensor1d([1, 1, 0, 1]), bn[1], bn[2], tf.tensor1d([0.5, 0.5, 0.5, 0.5])]);
    const q = prepare(EdgeqModel.fromLayersModel(m), { schedule: { recordSteps: 0, freezeBnStep: 1e9, freezeRangesStep: 1e9 } });
    await train(q, images(64), { epochs: 1, learningRate: 1e-3, batchSize: 16 });
    const node = q.net.nodes.find((n) => n.name === 'c1');
    const mean = Array.from((node as { bn: { mean: tf.Variable } }).bn.mean.dataSync());
    const variance = Array.from((node as { bn: { variance: tf.Variable } }).bn.variance.dataSync());
    for (const v of [...mean, ...variance]) expect(Number.isFinite(v)).toBe(true);
    expect(variance[2]).toBe(0.5); // the dead channel's statistics are left as they were
    expect(variance[0]).not.toBe(0.5); // the live ones moved
    const g = freeze(q);
    for (const t of g.tensors) for (const sc of t.quant?.scale ?? []) expect(Number.isFinite(sc) && sc > 0).toBe(true);
  });
});
