// The per-step kernel savings of training: FusedAdam gives tf.train.adam's weights bit for
// bit (on wasm and cpu), and the wasm Identity / same-dtype Cast share data instead of
// copying without changing any value.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { FusedAdam } from '../src/fused-adam.js';

/** Indices where two float32 arrays differ in bits (NaN never appears here). */
function differing(a: Float32Array, b: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) out.push(i);
  return out;
}

describe('FusedAdam', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`gives tf.train.adam's weights bit for bit over 25 steps (${backend})`, async () => {
      await initBackend(backend);
      const shapes = [[3, 3, 2, 4], [4], [37]];
      const start = shapes.map((s, k) => tf.randomNormal(s, 0, 0.2, 'float32', 11 + k));
      const reference = start.map((t) => tf.variable(t.clone()));
      const fused = start.map((t) => tf.variable(t.clone()));
      tf.dispose(start);
      const ref = tf.train.adam(3e-3);
      const mine = new FusedAdam(3e-3);
      for (let step = 0; step < 25; step++) {
        // Gradients over six orders of magnitude, some exactly zero, so every rounding path runs.
        const grads = shapes.map((s, k) => {
          const g = tf.randomNormal(s, 0, step % 3 === 0 ? 5 : 1e-4, 'float32', 100 * step + k);
          return k === 1 && step % 4 === 0 ? tf.zerosLike(g) : g;
        });
        ref.applyGradients(reference.map((v, k) => ({ name: v.name, tensor: grads[k] })));
        if (step % 2) mine.applyGradients(fused.map((v, k) => ({ name: v.name, tensor: grads[k] })));
        else mine.applyGradientArrays(fused.map((v, k) => ({ variable: v, gradient: grads[k].dataSync() as Float32Array })));
        tf.dispose(grads);
      }
      reference.forEach((v, k) => {
        const a = v.dataSync() as Float32Array;
        const b = fused[k].dataSync() as Float32Array;
        expect(differing(a, b), `variable ${k}`).toEqual([]);
        expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0);
      });
      expect(mine.iterations).toBe(25);
      ref.dispose();
      mine.dispose();
      tf.dispose([...reference, ...fused]);
    });
  }

  it('is not mistaken for another optimizer (tf.Optimizer\'s instanceof is duck-typed)', () => {
    expect(tf.train.adam(1e-3) instanceof FusedAdam).toBe(false);
    expect(new FusedAdam(1e-3) instanceof FusedAdam).toBe(true);
    expect(new FusedAdam(1e-3) instanceof tf.Optimizer).toBe(true);
  });

  it('refuses a gradient of the wrong length', async () => {
    await initBackend('cpu');
    const v = tf.variable(tf.zeros([3]));
    expect(() => new FusedAdam(1e-3).applyGradientArrays([{ variable: v, gradient: new Float32Array(2) }])).toThrow(/2 values, the variable 3/);
    v.dispose();
  });
});

describe('wasm Identity and same-dtype Cast share data', () => {
  it('clone and cast keep the values, share the data (no copy) and outlive the input', async () => {
    await initBackend('wasm');
    const x = tf.tensor([1.5, -2, 3.25, 0], [2, 2]);
    const clone = tf.clone(x);
    const same = tf.cast(x, 'float32');
    const converted = tf.cast(x, 'int32');
    expect(clone.dataId).toBe(x.dataId);
    expect(same.dataId).toBe(x.dataId);
    expect(converted.dataId).not.toBe(x.dataId);
    x.dispose();
    expect(Array.from(clone.dataSync())).toEqual([1.5, -2, 3.25, 0]);
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3.25, 0]);
    expect(Array.from(converted.dataSync())).toEqual([1, -2, 3, 0]);
    // Gradients flow through the saved clones as before: d/dx Σ(x²·3) = 6x.
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.square(t), 3)))(tf.tensor([1, -2, 0.5]));
    expect(Array.from(g.dataSync())).toEqual([6, -12, 3]);
    tf.dispose([clone, same, converted, g]);
  });
});
