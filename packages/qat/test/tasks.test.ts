// Tasks and their metrics: task inference from the output layer (and the refusals), the
// losses each task trains with, sample sets of any shape with float targets, and the metric
// functions on hand-worked vectors.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { batches, makeSampleSet, subset, valueRange } from '../src/dataset.js';
import { agreementMetrics, rocAuc, sampleSquaredErrors, sqnrDb, taskMetrics } from '../src/metrics.js';
import { EdgeqModel } from '../src/model.js';
import { taskBatch, taskFor, taskLoss, taskOfOutputActivation } from '../src/task.js';
import { train } from '../src/train.js';
import { initBackend } from '../src/backend.js';

/** A small dense model on flat inputs: `units` outputs, softmax or linear at the end. */
function denseModel(inputs: number, units: number, softmax: boolean): EdgeqModel {
  const input = tf.input({ shape: [inputs], name: 'x' });
  let h = tf.layers.dense({ units: 8, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.dense({ units, name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(h) as tf.SymbolicTensor;
  if (softmax) h = tf.layers.softmax({ name: 'sm' }).apply(h) as tf.SymbolicTensor;
  const lm = tf.model({ inputs: input, outputs: h, name: 'dense' });
  const m = EdgeqModel.fromLayersModel(lm);
  lm.dispose();
  return m;
}

describe('tasks', () => {
  it('the output activation decides the task; a task the output cannot serve is refused by name', async () => {
    await initBackend('wasm');
    expect(taskOfOutputActivation('softmax')).toBe('classification');
    expect(taskOfOutputActivation('sigmoid')).toBe('binary');
    expect(taskOfOutputActivation('linear')).toBe('regression');
    const cls = denseModel(4, 3, true);
    const reg = denseModel(4, 4, false);
    const one = denseModel(4, 1, false);
    expect(taskFor(cls)).toEqual({ kind: 'classification', outputs: 3 });
    expect(taskFor(reg)).toEqual({ kind: 'regression', outputs: 4 });
    expect(taskFor(one, 'binary')).toEqual({ kind: 'binary', outputs: 1 });
    expect(() => taskFor(one, 'classification')).toThrow(/output \[1\].*at least 2/);
    expect(() => taskFor(cls, 'regression')).toThrow(/ends in softmax/);
    expect(() => taskFor(cls, 'binary')).toThrow(/binary needs one logit .* not 3/);
    [cls, reg, one].forEach((m) => m.dispose());
  });

  it('losses: MSE for regression, sigmoid cross-entropy on one logit, softmax cross-entropy otherwise', () => {
    // Regression: targets [1, 2], outputs [0, 4]: ((1-0)^2 + (2-4)^2)/2 = 2.5.
    const mse = tf.tidy(() => taskLoss({ kind: 'regression', outputs: 2 })(tf.tensor2d([[1, 2]]), tf.tensor2d([[0, 4]])).dataSync()[0]);
    expect(mse).toBeCloseTo(2.5, 6);
    // Binary, one logit z = 0 and label 1: -log(sigmoid(0)) = ln 2.
    const bce = tf.tidy(() => taskLoss({ kind: 'binary', outputs: 1 })(tf.tensor2d([[1]]), tf.tensor2d([[0]])).dataSync()[0]);
    expect(bce).toBeCloseTo(Math.LN2, 6);
    // Classification, logits [0, 0, 0], label 2: -log(1/3) = ln 3.
    const ce = tf.tidy(() => taskLoss({ kind: 'classification', outputs: 3 })(tf.tensor2d([[0, 0, 1]]), tf.tensor2d([[0, 0, 0]])).dataSync()[0]);
    expect(ce).toBeCloseTo(Math.log(3), 6);
  });

  it('sample sets of any shape carry float targets through subsets and shuffled batches', () => {
    const samples = Float32Array.from({ length: 5 * 6 }, (_, i) => i - 10);
    const targets = Float32Array.from({ length: 5 * 2 }, (_, i) => 100 + i);
    const set = makeSampleSet({ samples, sampleShape: [3, 2], targets });
    expect([set.count, set.targetSize, set.sampleShape]).toEqual([5, 2, [3, 2]]);
    expect(valueRange(set)).toEqual([-10, 19]);
    const tail = subset(set, 3, 5);
    expect(Array.from(tail.targets!)).toEqual([106, 107, 108, 109]);
    for (const b of batches(set, 2, { shuffleSeed: 7 })) {
      for (let k = 0; k < b.size; k++) {
        const sample = (b.x[k * 6] + 10) / 6; // the first value of sample s is 6s - 10
        expect(Array.from(b.targets!.subarray(k * 2, k * 2 + 2))).toEqual([100 + 2 * sample, 101 + 2 * sample]);
      }
    }
    const { xs, ys } = taskBatch({ kind: 'regression', outputs: 2 }, [...batches(set, 5)][0], set);
    expect([xs.shape, ys.shape]).toEqual([[5, 3, 2], [5, 2]]);
    xs.dispose();
    ys.dispose();
    expect(() => makeSampleSet({ samples, sampleShape: [4] })).toThrow(/not whole samples/);
  });

  it('an autoencoder trains on MSE: the loss falls on a fixed pattern', async () => {
    await initBackend('wasm');
    const m = denseModel(4, 4, false);
    const samples = Float32Array.from({ length: 32 * 4 }, (_, i) => [0.2, 0.8, 0.5, 0.1][i % 4]);
    const set = makeSampleSet({ samples, sampleShape: [4], targets: samples });
    const r = await train(m, set, { epochs: 20, learningRate: 0.02, batchSize: 8, seed: 1 });
    expect(r.epochLoss[r.epochLoss.length - 1]).toBeLessThan(r.epochLoss[0] / 4);
    m.dispose();
  });
});

describe('metrics', () => {
  it('ROC-AUC is the Mann-Whitney statistic, ties counted half', () => {
    // Positives score 0.9 and 0.4, negatives 0.5 and 0.1: of the 4 pairs, (0.9 > 0.5), (0.9 > 0.1),
    // (0.4 > 0.1) are won and (0.4 < 0.5) lost: 3/4.
    expect(rocAuc([0.9, 0.5, 0.4, 0.1], [1, 0, 1, 0])).toBe(0.75);
    // A tie between a positive and a negative counts one half: pairs (2 vs 2) = 0.5, (2 vs 1) = 1 → 0.75.
    expect(rocAuc([2, 2, 1], [1, 0, 0])).toBe(0.75);
    expect(rocAuc([3, 2, 1], [1, 1, 0])).toBe(1);
    expect(() => rocAuc([1, 2], [0, 0])).toThrow(/both classes/);
  });

  it('anomaly detection: per-sample reconstruction error as the score, SQNR of int8 against float', () => {
    // Two samples of two values; reconstructions err by (0, 0) and (1, 1): squared errors 0 and 1.
    const targets = Float32Array.from([1, 1, 2, 2]);
    const recon = { values: Float32Array.from([1, 1, 3, 3]), perSample: 2, count: 2 };
    expect(Array.from(sampleSquaredErrors(recon.values, targets, 2))).toEqual([0, 1]);
    const m = taskMetrics({ kind: 'regression', outputs: 2 }, recon, { targets, labels: [0, 1] });
    expect(m).toEqual({ task: 'regression', count: 2, mse: 0.5, auc: 1 });
    // Signal 1+1+9+9 = 20, noise (1-1.5)^2 + 0 + 0 + 0 = 0.25: 10·log10(80).
    expect(sqnrDb([1, 1, 3, 3], [1.5, 1, 3, 3])).toBeCloseTo(10 * Math.log10(80), 10);
    expect(sqnrDb([1, 2], [1, 2])).toBe(Infinity);
  });

  it('classification top-1 and binary accuracy, AUC and int8-vs-float agreement', () => {
    const logits = { values: Float32Array.from([0, 2, 1, 3, 0, 0, 5, 1, 0]), perSample: 3, count: 3 }; // argmax 1, 0, 0
    expect(taskMetrics({ kind: 'classification', outputs: 3 }, logits, { labels: [1, 0, 2] })).toEqual({ task: 'classification', count: 3, top1: 2 / 3 });
    const binary = { kind: 'binary' as const, outputs: 1 };
    const z = { values: Float32Array.from([2, -1, 0.5, -3]), perSample: 1, count: 4 }; // predictions 1, 0, 1, 0
    expect(taskMetrics(binary, z, { labels: [1, 0, 0, 0] })).toEqual({ task: 'binary', count: 4, top1: 0.75, auc: 1 });
    const z8 = { values: Float32Array.from([2, 1, 0.5, -3]), perSample: 1, count: 4 }; // predictions 1, 1, 1, 0
    expect(agreementMetrics(binary, z, z8).agreement).toBe(0.75);
  });
});
