// The batch-norm folding op (fold-weights.ts) against the same folding composed from tf
// ops (model.ts's path on backends without the kernel): the forward values bit for bit,
// the gradients of k, γ and b within float summation order, on wasm and cpu.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { fakeQuant } from '../src/fake-quant.js';
import { FOLD_QUANT_WEIGHTS, foldQuantWeights } from '../src/fold-weights.js';
import { mulberry32 } from '../src/random.js';
import { relErr } from './support/rel-err.js';

const EPS = 1e-3;

function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Per-channel max |w| / 127, as model.ts's 8-bit weight grid (computed independently here). */
function scalesOf(wf: Float32Array, c: number): number[] {
  const m = new Array<number>(c).fill(0);
  for (let i = 0; i < wf.length; i++) m[i % c] = Math.max(m[i % c], Math.abs(wf[i]));
  return m.map((v) => (v > 0 ? v / 127 : 1));
}

interface Inputs { k: tf.Tensor; gamma: tf.Tensor1D; variance: tf.Tensor1D; bias?: tf.Tensor1D }

/** The folding composed from tf ops: f = γ/√(σ² + ε), FQ(k·f), γ·sign f, ε·f², b·f. */
function composed(i: Inputs) {
  const f = tf.div(i.gamma, tf.sqrt(tf.add(i.variance, EPS)));
  const wf = tf.mul(i.k, f);
  const scales = scalesOf(wf.dataSync() as Float32Array, i.gamma.size);
  return {
    wq: fakeQuant(wf, { scale: scales, zeroPoint: scales.map(() => 0), qmin: -127, qmax: 127 }),
    gammaSign: tf.mul(i.gamma, tf.sign(f)),
    epsF2: tf.mul(tf.square(f), EPS),
    biasF: i.bias ? tf.mul(i.bias, f) : undefined,
  };
}

function fused(i: Inputs) {
  return foldQuantWeights(i.k, i.gamma, i.variance, i.bias, EPS, scalesOf, 127);
}

/** A scalar mixing every output with fixed random weights, so each output's gradient is exercised. */
function mix(o: { wq: tf.Tensor; gammaSign: tf.Tensor; epsF2: tf.Tensor; biasF?: tf.Tensor }, seed: number): tf.Scalar {
  const w = (t: tf.Tensor, s: number) => tf.sum(tf.mul(t, tf.tensor(randomArray(t.size, s), t.shape)));
  let l = tf.add(tf.add(w(o.wq, seed), w(o.gammaSign, seed + 1)), tf.mul(w(o.epsF2, seed + 2), 1e3));
  if (o.biasF) l = tf.add(l, w(o.biasF, seed + 3));
  return l as tf.Scalar;
}

const cases = [
  { name: 'conv 3x3, 4 → 6 channels, with bias', kShape: [3, 3, 4, 6], bias: true },
  { name: 'depthwise 3x3 × 6 channels (kernel laid out [3, 3, 1, 6]), no bias', kShape: [3, 3, 1, 6], bias: false },
  { name: 'dense 5 → 3', kShape: [5, 3], bias: true },
];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`BN-folding op on ${backend} equals the tf-op composition`, () => {
    beforeAll(async () => {
      await initBackend('wasm');
      await tf.setBackend(backend);
    });
    for (const [n, c] of cases.entries()) {
      it(c.name, () => {
        const channels = c.kShape[c.kShape.length - 1];
        const kv = randomArray(c.kShape.reduce((a, d) => a * d, 1), 10 + n);
        const gv = randomArray(channels, 20 + n, 0.5, 1.5);
        gv[1] = -gv[1]; // a negative γ: sign(f) = −1
        gv[2] = 0; // γ = 0: f = 0
        const vv = randomArray(channels, 30 + n, 0.01, 2);
        const bv = randomArray(channels, 40 + n);
        tf.tidy(() => {
          const k = tf.variable(tf.tensor(kv, c.kShape));
          const gamma = tf.variable(tf.tensor1d(gv));
          const variance = tf.tensor1d(vv);
          const bias = c.bias ? tf.variable(tf.tensor1d(bv)) : undefined;
          const inputs: Inputs = { k, gamma, variance, bias };
          expect(tf.getKernel(FOLD_QUANT_WEIGHTS, backend)).toBeDefined();
          const a = composed(inputs);
          const b = fused(inputs);
          expect(Array.from(b.wq.dataSync())).toEqual(Array.from(a.wq.dataSync()));
          expect(b.wq.shape).toEqual(c.kShape);
          expect(Array.from(b.gammaSign.dataSync())).toEqual(Array.from(a.gammaSign.dataSync()));
          expect(Array.from(b.epsF2.dataSync())).toEqual(Array.from(a.epsF2.dataSync()));
          if (a.biasF) expect(Array.from(b.biasF!.dataSync())).toEqual(Array.from(a.biasF.dataSync()));
          else expect(b.biasF).toBeUndefined();
          const vars = [k, gamma, ...(bias ? [bias] : [])] as tf.Variable[];
          const ga = tf.variableGrads(() => mix(composed(inputs), 100 + n), vars).grads;
          const gb = tf.variableGrads(() => mix(fused(inputs), 100 + n), vars).grads;
          for (const v of vars) {
            const want = ga[v.name].dataSync() as Float32Array;
            expect(Math.max(...want.map(Math.abs)), v.name).toBeGreaterThan(0);
            expect(relErr(gb[v.name].dataSync() as Float32Array, want), v.name).toBeLessThanOrEqual(1e-5);
          }
          k.dispose();
          gamma.dispose();
          bias?.dispose();
        });
      });
    }
  });
}
