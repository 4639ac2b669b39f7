// W4A8 on the training side (issue 17): 4-bit fake-quant forward and STE gradient on a
// hand-worked vector, 4-bit weight scales, the per-layer selection rule, freeze to int4
// tensors holding round(w/s) of the folded weights, PTQ W4 with MSE-clipped scales, and the
// frozen W4 graph agreeing with its QAT model in the integer interpreter. Tiny model
// (8×8×1 inputs, 8 channels), so the whole file takes a few seconds.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { channelWeightScale, constantData, validateQGraph, type QGraph } from '@edgeq/ir';
import { initBackend } from '../src/backend.js';
import { fakeQuant, fqLoop } from '../src/fake-quant.js';
import { constrainScale, layerWeightScales, roundAway, W4_QMAX } from '../src/quant-params.js';
import { resolveWeightBits } from '../src/weight-bits.js';
import { EdgeqModel, scheduleForSteps } from '../src/model.js';
import { prepare } from '../src/qat.js';
import { rateRuns, train, trainAtRates } from '../src/train.js';
import { calibrate } from '../src/calibrate.js';
import { freeze } from '../src/freeze.js';
import { evaluateInt8, evaluateModel } from '../src/evaluate.js';
import { decodeModel, encodeModel } from '../src/model-io.js';
import type { ConvNode } from '../src/net.js';
import { QatError } from '../src/errors.js';
import { tinyImages, tinyParallelModel } from './support/tiny-parallel.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('4-bit fake-quant', () => {
  // Scale 0.125 (exact in binary), grid [-7, 7], zero point 0:
  //    x      x/s    round  clamp  y = q·s
  //   0.9     7.2     7      7     0.875
  //  -0.3    -2.4    -2     -2    -0.25
  //   0.05    0.4     0      0     0
  //   1.2     9.6    10      7     0.875   (clipped)
  //  -1.0    -8      -8     -7    -0.875   (clipped: −8 is never used)
  //   0.875   7       7      7     0.875   (the clip edge itself)
  const x = [0.9, -0.3, 0.05, 1.2, -1.0, 0.875];
  const forward = [0.875, -0.25, 0, 0.875, -0.875, 0.875];
  const params = { scale: [0.125], zeroPoint: [0], qmin: -W4_QMAX, qmax: W4_QMAX };

  it('forward: the JS kernel and the tensor op give the hand-worked values', () => {
    const y = new Float32Array(x.length);
    fqLoop(Float32Array.from(x), y, { scale: Float64Array.of(0.125), zeroPoint: Float64Array.of(0), qmin: -7, qmax: 7 });
    expect(Array.from(y)).toEqual(forward);
    const t = fakeQuant(tf.tensor1d(x), params);
    expect(Array.from(t.dataSync())).toEqual(forward);
    t.dispose();
  });

  it('STE: the gradient passes inside the clip range [−0.875, 0.875] and is 0 outside', () => {
    // d/dx Σ dy·fq(x) = dy where −7·s ≤ x ≤ 7·s: 0.9, 1.2 and −1.0 lie outside.
    const dy = tf.tensor1d([1, 2, 3, 4, 5, 6]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(fakeQuant(v, params), dy)))(tf.tensor1d(x));
    expect(Array.from(g.dataSync())).toEqual([0, 2, 3, 0, 0, 6]);
    g.dispose();
    dy.dispose();
  });

  it('layer scales at 4 bits: max |w| / 7 per channel (fixed), rounded up to 2^−n (pow2)', () => {
    // Channels last, 2 channels: channel 0 holds 0.7, 0.35; channel 1 holds −1.4, 0.7.
    const w = Float32Array.of(0.7, -1.4, 0.35, 0.7);
    // 0.7/7 = 0.1, 1.4/7 = 0.2 (float32); pow2: 0.1 → 0.125, 0.2 → 0.25; per tensor 1.4/7.
    expect(layerWeightScales(w, 2, true, 4, 'fixed', 'max')).toEqual([Math.fround(0.7 / 7), Math.fround(1.4 / 7)]);
    expect(layerWeightScales(w, 2, true, 4, 'pow2', 'max')).toEqual([0.125, 0.25]);
    expect(layerWeightScales(w, 2, false, 4, 'fixed', 'max')).toEqual([Math.fround(1.4 / 7)]);
    // 8 bits are unchanged: max |w| / 127.
    expect(layerWeightScales(w, 2, true, 8, 'fixed', 'mse')).toEqual([Math.fround(0.7 / 127), Math.fround(1.4 / 127)]);
  });
});

describe('which layers hold 4-bit weights', () => {
  it('default all, first/last, depthwise and names kept at 8 bits, a bad name refused with the valid ones', () => {
    const m = EdgeqModel.fromLayersModel(tinyParallelModel(1));
    try {
      const bits = (w: 4 | 8, keep: string[]) => Object.fromEntries(resolveWeightBits(m.net, w, keep));
      expect(bits(4, [])).toEqual({ c1: 4, dw: 4, fc: 4 });
      expect(bits(4, ['first', 'last'])).toEqual({ c1: 8, dw: 4, fc: 8 });
      expect(bits(4, ['dw'])).toEqual({ c1: 4, dw: 8, fc: 4 });
      expect(bits(4, ['depthwise'])).toEqual({ c1: 4, dw: 8, fc: 4 });
      expect(bits(4, ['first', 'depthwise'])).toEqual({ c1: 8, dw: 8, fc: 4 });
      expect(bits(8, ['dw'])).toEqual({ c1: 8, dw: 8, fc: 8 });
      expect(() => resolveWeightBits(m.net, 4, ['conv9'])).toThrow(QatError);
      expect(() => resolveWeightBits(m.net, 4, ['conv9'])).toThrow('int8Layers "conv9": is not a conv/depthwise/dense layer of');
      expect(() => resolveWeightBits(m.net, 4, ['conv9'])).toThrow('valid: first, last, depthwise, c1, dw, fc');
      // prepare() refuses it before any training.
      expect(() => prepare(m, { weightBits: 4, int8Layers: ['conv9'] })).toThrow('int8Layers "conv9"');
    } finally {
      m.dispose();
    }
  });
});

/** The graph's weight tensor of layer `name` and that layer's node. */
function weightOf(g: QGraph, name: string): { index: number; dtype: string; scales: number[] } {
  const index = g.tensors.findIndex((t) => t.name === `${name}/weights`);
  expect(index).toBeGreaterThanOrEqual(0);
  return { index, dtype: g.tensors[index].dtype, scales: g.tensors[index].quant!.scale };
}

/** Folded weights of node `name` in TFLite layout (conv [o,kh,kw,i], depthwise [1,kh,kw,c], dense [o,i]) with their channel. */
function foldedTflite(m: EdgeqModel, name: string): { values: number[]; channel: number[] } {
  const n = m.net.nodes.find((x) => x.name === name) as ConvNode;
  const { w, b } = m.foldedWeights(n);
  const v = w.dataSync();
  const shape = w.shape;
  w.dispose();
  b.dispose();
  const c = n.channels;
  const values: number[] = [];
  const channel: number[] = [];
  if (n.op === 'conv') {
    const [kh, kw, cin] = shape;
    for (let o = 0; o < c; o++) for (let i = 0; i < kh * kw * cin; i++) { values.push(v[i * c + o]); channel.push(o); }
  } else if (n.op === 'dw') {
    for (let i = 0; i < v.length; i++) { values.push(v[i]); channel.push(i % c); }
  } else {
    const cin = shape[0];
    for (let o = 0; o < c; o++) for (let i = 0; i < cin; i++) { values.push(v[i * c + o]); channel.push(o); }
  }
  return { values, channel };
}

describe('W4 QAT → freeze → integer interpreter, and PTQ W4', () => {
  const data = tinyImages(256);
  let float: EdgeqModel;
  beforeAll(async () => {
    float = EdgeqModel.fromLayersModel(tinyParallelModel(1));
    await train(float, data, { epochs: 3, learningRate: 3e-3, batchSize: 32, seed: 1 });
  });

  for (const scales of ['fixed', 'pow2'] as const) {
    it(`${scales}: int4 tensors hold round(w/s) of the folded weights; the graph agrees with the QAT model`, async () => {
      const qm = prepare(float, { scales, weightBits: 4, int8Layers: ['last'], schedule: { recordSteps: 4, freezeBnStep: 12, freezeRangesStep: 20 } });
      try {
        await train(qm, data, { epochs: 4, learningRate: 1e-3, batchSize: 32, seed: 1, epochOffset: 3 });
        const g = freeze(qm);
        validateQGraph(g);
        expect(g.metadata).toMatchObject({ weightBits: 4, int8Layers: ['last'], int4Layers: ['c1', 'dw'], int4Clipping: 'mse' });
        expect(weightOf(g, 'fc').dtype).toBe('int8');
        for (const name of ['c1', 'dw']) {
          const t = weightOf(g, name);
          expect(t.dtype).toBe('int4');
          const stored = constantData(g, t.index) as Int8Array;
          const { values, channel } = foldedTflite(qm, name);
          const expected = values.map((v, i) => Math.max(-7, Math.min(7, roundAway(v / t.scales[channel[i]]))) || 0); // −0 is stored as 0
          expect(Array.from(stored)).toEqual(expected);
          expect(new Set(stored).size).toBeGreaterThan(5); // a real spread of levels, not all zeros
          if (scales === 'pow2') for (const s of t.scales) expect(Number.isInteger(Math.log2(s))).toBe(true);
        }
        // The interpreter's result equals the fake-quant model's (the 8-bit test's tolerance).
        const fq = await evaluateModel(qm, data);
        const i8 = await evaluateInt8(g, data);
        let same = 0;
        for (let i = 0; i < data.count; i++) if (fq.predictions[i] === i8.predictions[i]) same++;
        expect(same / data.count).toBeGreaterThanOrEqual(0.99);
        expect(Math.abs(fq.accuracy - i8.accuracy)).toBeLessThanOrEqual(0.01);
        // The W4 config travels with a saved model (and to training workers).
        const { doc, blob } = encodeModel(qm);
        const back = decodeModel(JSON.parse(JSON.stringify(doc)), blob);
        expect(back.config).toMatchObject({ weightBits: 4, int8Layers: ['last'], int4Clipping: 'mse' });
        back.dispose();
      } finally {
        qm.dispose();
      }
    });
  }

  it('the recipes\' schedule and step-decay rates: scheduleForSteps by hand, trainAtRates = one train() per run of equal rates', async () => {
    // 1,874 steps (two epochs of 60,000 at 64): record min(50, 187) = 50, BN at 937, ranges at floor(1499.2) = 1499.
    expect(scheduleForSteps(1874)).toEqual({ recordSteps: 50, freezeBnStep: 937, freezeRangesStep: 1499 });
    expect(scheduleForSteps(40, { fixWeightScales: true })).toEqual({ recordSteps: 4, freezeBnStep: 20, freezeRangesStep: 32, freezeWeightScalesStep: 20 });
    expect(rateRuns([1e-3, 1e-3, 1e-4, 1e-5, 1e-5])).toEqual([[1e-3, 2], [1e-4, 1], [1e-5, 2]]);
    const schedule = scheduleForSteps(24, { fixWeightScales: true });
    const kernels = (m: EdgeqModel) => m.net.nodes.filter((x): x is ConvNode => x.kind === 'conv').map((n) => Array.from(n.kernel.dataSync()));
    const a = prepare(float, { scales: 'fixed', weightBits: 4, int8Layers: ['last'], schedule });
    const b = prepare(float, { scales: 'fixed', weightBits: 4, int8Layers: ['last'], schedule });
    try {
      const ticks: number[] = [];
      const runs = await trainAtRates(a, data, [1e-3, 1e-3, 1e-4], { batchSize: 32, seed: 1, epochOffset: 3, onProgress: (done, total) => ticks.push(done, total) });
      expect(runs.map((r) => r.steps)).toEqual([16, 8]);
      // Progress counts over all three epochs (8 steps each) and ends at 24 of 24.
      expect(ticks.slice(-2)).toEqual([24, 24]);
      await train(b, data, { epochs: 2, learningRate: 1e-3, batchSize: 32, seed: 1, epochOffset: 3 });
      await train(b, data, { epochs: 1, learningRate: 1e-4, batchSize: 32, seed: 1, epochOffset: 5 });
      expect(a.qatStep).toBe(24);
      expect(kernels(a)).toEqual(kernels(b));
      await expect(trainAtRates(a, data, [], { batchSize: 32 })).rejects.toThrow('learningRate: expected one positive rate per epoch, got []');
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('freezeWeightScalesStep: the 4-bit scales stop following the weights at that step; freeze exports them; save/load keeps them', async () => {
    // 256 images in batches of 32: 8 steps per epoch. Scales fixed at step 12, in the second epoch.
    const schedule = { recordSteps: 4, freezeBnStep: 12, freezeRangesStep: 20, freezeWeightScalesStep: 12 };
    const qm = prepare(float, { scales: 'fixed', weightBits: 4, int8Layers: ['last'], schedule });
    const opts = { learningRate: 1e-3, batchSize: 32, seed: 1 };
    try {
      await train(qm, data, { ...opts, epochs: 1, epochOffset: 3 });
      expect(qm.qatStep).toBe(8);
      expect(qm.frozenWeightScales.size).toBe(0);
      await train(qm, data, { ...opts, epochs: 1, epochOffset: 4 });
      expect([...qm.frozenWeightScales.keys()].sort()).toEqual(['c1', 'dw']); // the 4-bit layers only, not fc
      const fixed = new Map([...qm.frozenWeightScales].map(([k, v]) => [k, [...v]]));
      const kernelOf = (name: string) => Array.from((qm.net.nodes.find((x) => x.name === name) as ConvNode).kernel.dataSync());
      const before = kernelOf('c1');
      await train(qm, data, { ...opts, epochs: 2, epochOffset: 5 });
      expect(kernelOf('c1')).not.toEqual(before); // the weights trained on ...
      expect(new Map([...qm.frozenWeightScales])).toEqual(fixed); // ... on a grid that stayed put
      const g = freeze(qm);
      let moved = 0;
      for (const name of ['c1', 'dw']) {
        const t = weightOf(g, name);
        expect(t.dtype).toBe('int4');
        expect(Array.from(t.scales)).toEqual(fixed.get(name));
        const { values, channel } = foldedTflite(qm, name);
        const stored = Array.from(constantData(g, t.index) as Int8Array);
        expect(stored).toEqual(values.map((v, i) => Math.max(-7, Math.min(7, roundAway(v / t.scales[channel[i]]))) || 0));
        // What the clip search gives for today's weights: not the fixed grid everywhere (it would have moved).
        const n = qm.net.nodes.find((x) => x.name === name) as ConvNode;
        const { w, b } = qm.foldedWeights(n);
        const now = layerWeightScales(w.dataSync() as Float32Array, n.channels, true, 4, 'fixed', 'mse');
        w.dispose();
        b.dispose();
        moved += now.filter((s, k) => s !== fixed.get(name)![k]).length;
      }
      expect(moved).toBeGreaterThan(0);
      // Saved and loaded, the model keeps the fixed scales and exports the same graph.
      const { doc, blob } = encodeModel(qm);
      const json = JSON.parse(JSON.stringify(doc));
      const back = decodeModel(json, blob);
      try {
        expect(new Map([...back.frozenWeightScales])).toEqual(fixed);
        expect(Array.from(weightOf(freeze(back), 'c1').scales)).toEqual(fixed.get('c1'));
      } finally {
        back.dispose();
      }
      // A document whose fixed scales do not fit the layer is refused, naming the field.
      const wrongCount = structuredClone(json);
      wrongCount.frozenWeightScales[0].scales = [0.1];
      expect(() => decodeModel(wrongCount, blob)).toThrow(/frozenWeightScales\[0\]\.scales.*has 1 scales/);
      const notALayer = structuredClone(json);
      notALayer.frozenWeightScales[0].layer = 'c1_bn';
      expect(() => decodeModel(notALayer, blob)).toThrow(/frozenWeightScales\[0\]\.layer.*not a conv/);
    } finally {
      qm.dispose();
    }
  });

  it('PTQ W4: per-channel scales are the MSE clip of the folded float weights, int4 everywhere by default', async () => {
    const c = await calibrate(float, data, { weightBits: 4, scales: 'fixed' });
    try {
      const g = freeze(c);
      validateQGraph(g);
      expect(g.metadata).toMatchObject({ weightBits: 4, int4Layers: ['c1', 'dw', 'fc'] });
      let clipped = 0;
      for (const name of ['c1', 'dw', 'fc']) {
        const t = weightOf(g, name);
        expect(t.dtype).toBe('int4');
        const { values, channel } = foldedTflite(c, name);
        const live = t.scales.map((_, k) => Math.max(...values.filter((_, i) => channel[i] === k).map(Math.abs)));
        t.scales.forEach((s, k) => {
          const mine = values.filter((_, i) => channel[i] === k);
          expect(s).toBe(channelWeightScale(mine, 7, 'mse', (x) => constrainScale(x, 'fixed'), Math.max(...live)));
          expect(s).toBeLessThanOrEqual(Math.fround(live[k] / 7));
          if (s < Math.fround(live[k] / 7)) clipped++;
        });
      }
      expect(clipped).toBeGreaterThan(0); // the search clipped somewhere (else it would equal max |w|)
      const fl = await evaluateModel(float, data);
      expect((await evaluateInt8(g, data)).accuracy).toBeGreaterThan(fl.accuracy - 0.15);
    } finally {
      c.dispose();
    }
  });
});
