// End to end on real data (small subsets): float training, QAT in fixed, pow2 and fp32 mode,
// freeze to a QGraph, int8 top-1 in the integer interpreter; the frozen graph must agree
// with its QAT model's predictions; PTQ calibration; determinism per seed.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { exactLog2, Interpreter, quantizeFloat, validateQGraph, type QGraph } from '@edgeq/ir';
import { initBackend } from '../src/backend.js';
import { buildReferenceTfModel } from '../src/arch.js';
import { loadFashionMnist, subset, type ImageSet } from '../src/dataset.js';
import { EdgeqModel } from '../src/model.js';
import { prepare } from '../src/qat.js';
import { train } from '../src/train.js';
import { freeze } from '../src/freeze.js';
import { calibrate } from '../src/calibrate.js';
import { evaluateInt8, evaluateModel } from '../src/evaluate.js';

let trainSet: ImageSet;
let testSet: ImageSet;
let float: EdgeqModel;
const schedule = { recordSteps: 10, freezeBnStep: 40, freezeRangesStep: 70 };

function agreement(a: Int32Array, b: Int32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) n++;
  return n / a.length;
}

describe('QAT → freeze → integer interpreter (dscnn, Fashion-MNIST subsets)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    trainSet = subset(loadFashionMnist('train'), 0, 3072);
    testSet = loadFashionMnist('test', { limit: 1000 });
    float = EdgeqModel.fromLayersModel(buildReferenceTfModel('dscnn', 1, { bnMomentum: 0.9 }));
    await train(float, trainSet, { epochs: 2, learningRate: 2e-3, seed: 1 });
  });

  // fixed and pow2 (TFLite Micro rounding), then fp32 rounding (XNNPACK's float requantisation).
  for (const [scales, rounding, label] of [['fixed', 'tflm', 'fixed'], ['pow2', 'tflm', 'pow2'], ['fixed', 'fp32', 'fixed/fp32']] as const) {
    it(`${label}: the frozen QGraph agrees with its QAT model on ≥ 99.5% of 1,000 test images`, async () => {
      const qm = prepare(float, { scales, rounding, schedule });
      const r = await train(qm, trainSet, { epochs: 1, learningRate: 1e-4, seed: 1, epochOffset: 2 });
      expect(r.steps).toBe(48);
      const fq = await evaluateModel(qm, testSet);
      const g = freeze(qm);
      const i8 = await evaluateInt8(g, testSet);
      // A model that learnt something (10 classes: chance is 10%), so agreement is not trivial.
      expect(fq.accuracy).toBeGreaterThan(0.6);
      expect(agreement(fq.predictions, i8.predictions)).toBeGreaterThanOrEqual(0.995);
      expect(Math.abs(fq.accuracy - i8.accuracy)).toBeLessThanOrEqual(0.005);
      expect(g.quantization.scales).toBe(scales);
      expect(g.quantization.rounding).toBe(rounding);
      const softmax = g.ops[g.ops.length - 1];
      expect(softmax.type).toBe('SOFTMAX');
      expect(g.ops.map((o) => o.type)).toContain('MEAN');
      const input = g.tensors[g.inputs[0]].quant!;
      expect(input.zeroPoint[0]).toBe(-128);
      expect(input.scale[0]).toBe(scales === 'pow2' ? 2 ** -8 : 1 / 255);
      if (scales === 'pow2') {
        for (const t of g.tensors) for (const s of t.quant?.scale ?? []) expect(exactLog2(s)).toBeDefined();
      }
      qm.dispose();
    });
  }

  it('PTQ per-tensor and per-channel calibration freeze to valid graphs that classify', async () => {
    const calib = subset(trainSet, 0, 256);
    const accs: number[] = [];
    for (const [perChannel, method] of [[false, 'minmax'], [true, 'minmax'], [true, 'percentile'], [true, 'mse']] as const) {
      const c = await calibrate(float, calib, { perChannel, method });
      const g: QGraph = freeze(c);
      validateQGraph(g);
      const w = g.tensors.find((t) => t.name === 'pw2/weights')!;
      expect(w.quant!.scale.length).toBe(perChannel ? 32 : 1);
      accs.push((await evaluateInt8(g, subset(testSet, 0, 200))).accuracy);
      c.dispose();
    }
    const fl = (await evaluateModel(float, subset(testSet, 0, 200))).accuracy;
    for (const a of accs) expect(a).toBeGreaterThan(fl - 0.1);
  });

  it('training is deterministic for a given seed', async () => {
    const run = async () => {
      const m = EdgeqModel.fromLayersModel(buildReferenceTfModel('dscnn', 7));
      const r = await train(m, subset(trainSet, 0, 320), { epochs: 1, learningRate: 1e-3, seed: 5 });
      const w = (m.net.nodes[1] as { kernel: { dataSync(): Float32Array } }).kernel.dataSync().slice();
      m.dispose();
      return { loss: r.epochLoss[0], w };
    };
    const a = await run();
    const b = await run();
    expect(a.loss).toBe(b.loss);
    expect(Array.from(a.w)).toEqual(Array.from(b.w));
  });
});

describe('quantised inference equals the integer graph bit for bit', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  for (const [scales, rounding] of [['fixed', 'tflm'], ['fixed', 'single'], ['pow2', 'tflm']] as const) {
    it(`mbv2mini (residual ADDs, MEAN, dense) calibrated ${scales}/${rounding}: every int8 logit matches`, async () => {
      const data = loadFashionMnist('test', { limit: 48 });
      const m = EdgeqModel.fromLayersModel(buildReferenceTfModel('mbv2mini', 3));
      const c = await calibrate(m, subset(data, 0, 32), { scales, rounding });
      const g = freeze(c);
      const interp = new Interpreter(g);
      const logitsT = g.ops[g.ops.length - 1].inputs[0];
      const { scale, zeroPoint } = { scale: g.tensors[logitsT].quant!.scale[0], zeroPoint: g.tensors[logitsT].quant!.zeroPoint[0] };
      const inQ = g.tensors[g.inputs[0]].quant!;
      const test = subset(data, 32, 48);
      const logits = tf.tidy(() => c.predictLogits(tf.tensor4d(Float32Array.from(test.images, (p) => p / 255), [16, 28, 28, 1])).dataSync());
      let mismatches = 0;
      for (let k = 0; k < 16; k++) {
        const xq = Int8Array.from(test.images.subarray(k * 784, (k + 1) * 784), (p) => quantizeFloat(p / 255, inQ.scale[0], inQ.zeroPoint[0], g.quantization));
        const y = interp.run([xq], { keepIntermediates: true }).intermediates!.get(logitsT) as Int8Array;
        for (let j = 0; j < 10; j++) if (Math.round(logits[k * 10 + j] / scale) + zeroPoint !== y[j]) mismatches++;
      }
      expect(mismatches).toBe(0);
      m.dispose();
      c.dispose();
    });
  }
});
