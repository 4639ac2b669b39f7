/**
 * Seeded randomness for reproducible training: one PRNG (mulberry32, shared with
 * @edgeq/ir) drives dataset shuffling and weight initialisation seeds.
 */

import { mulberry32 } from '@edgeq/ir';

export { mulberry32 };

/** Fisher–Yates shuffle of 0..n-1 driven by `rand`. */
export function permutation(n: number, rand: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Derive a 31-bit integer seed for sub-stream `k` of a run seeded with `seed`. */
export function subSeed(seed: number, k: number): number {
  const r = mulberry32((seed * 2654435761 + k * 40503) >>> 0);
  r();
  return Math.floor(r() * 0x7fffffff);
}
