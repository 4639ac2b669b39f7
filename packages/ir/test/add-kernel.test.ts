/**
 * The prepared ADD kernel (add-kernel.ts) against the scalar reference `add` of
 * kernels.ts, exhaustively over all 65,536 int8 input pairs, in every requantisation
 * scheme: input scales above and below the output's, zero points at the int8 extremes,
 * fused activations, and synthetic parameters at the multiplier and shift limits.
 */
import { describe, expect, it } from 'vitest';
import {
  deriveOpParams, GraphBuilder, kernels, mulberry32, q,
  type AddParams, type FusedActivation, type QuantScheme,
} from '../src/index.js';
import { AddKernel, type OutputMode } from '../src/add-kernel.js';

const SCHEMES: QuantScheme[] = [
  { scales: 'fixed', rounding: 'tflm' },
  { scales: 'fixed', rounding: 'single' },
  { scales: 'pow2', rounding: 'tflm' },
  { scales: 'fixed', rounding: 'fp32' },
];
const label = (s: QuantScheme) => `${s.scales}/${s.rounding}`;

/** Every (a, b) int8 pair, a in the high byte. */
const A = new Int8Array(65536).map((_, i) => (i >> 8) - 128);
const B = new Int8Array(65536).map((_, i) => (i & 255) - 128);

/**
 * Run both implementations on every pair; return the kernel's mode. The kernel's first
 * call reaches its table threshold (65,536 elements), so its arithmetic loop fills the
 * table from every pair and the call reads it; a second call with the operands swapped
 * checks the table's indexing.
 */
function expectSameAsReference(p: AddParams, scheme: QuantScheme): OutputMode {
  const want = new Int8Array(65536);
  kernels.add(A, B, want, p, scheme);
  const kernel = new AddKernel(p, scheme);
  const first = new Int8Array(65536);
  const second = new Int8Array(65536);
  kernel.run(A, B, first);
  kernel.run(B, A, second); // table path, arguments swapped so a table index mix-up shows
  const reversed = new Int8Array(65536);
  kernels.add(B, A, reversed, p, scheme);
  for (let i = 0; i < 65536; i++) {
    if (second[i] !== reversed[i]) {
      expect.fail(`${label(scheme)} table a=${B[i]} b=${A[i]}: got ${second[i]}, reference ${reversed[i]} (mode ${kernel.mode})`);
    }
  }
  const got = first;
  for (let i = 0; i < 65536; i++) {
    if (got[i] !== want[i]) {
      expect.fail(`${label(scheme)} a=${A[i]} b=${B[i]}: got ${got[i]}, reference ${want[i]} (mode ${kernel.mode})`);
    }
  }
  return kernel.mode;
}

/** AddParams as the graph's op-params derive them for one ADD op. */
function derived(scheme: QuantScheme, s1: number, z1: number, s2: number, z2: number, so: number, zo: number, act: FusedActivation): AddParams {
  const pow2 = (s: number) => (scheme.scales === 'pow2' ? 2 ** Math.round(Math.log2(s)) : s);
  const b = new GraphBuilder('add', scheme);
  const x1 = b.input('x1', [1, 1, 1, 4], q(pow2(s1), z1));
  const x2 = b.input('x2', [1, 1, 1, 4], q(pow2(s2), z2));
  b.output(b.add('sum', x1, x2, q(pow2(so), zo), act));
  const g = b.build();
  return deriveOpParams(g, g.ops[0]) as AddParams;
}

// [s1, s2, s_out]: both inputs coarser than the output, both finer, mixed, far apart.
const SCALES: [number, number, number][] = [
  [0.05, 0.03, 0.01], [0.002, 0.003, 0.04], [0.02, 0.0011, 0.007], [0.1, 0.1, 0.1],
  [0.5, 0.0007, 0.02], [1e-4, 0.3, 0.25], [0.0123, 0.0456, 0.0789], [3e-3, 0.9, 1e-3],
];
const ZPS: [number, number, number][] = [[-128, 127, 0], [127, -128, -128], [0, 0, 127], [-5, 17, -128]];

describe('AddKernel', () => {
  it.each(SCHEMES.map((s) => [label(s), s] as const))('equals the reference on derived parameters, %s', (_l, scheme) => {
    const modes = new Set<OutputMode>();
    SCALES.forEach(([s1, s2, so], i) => {
      for (const [z1, z2, zo] of ZPS) {
        const act: FusedActivation = (['NONE', 'RELU', 'RELU6'] as const)[(i + z1) & 1 ? 0 : i % 3];
        modes.add(expectSameAsReference(derived(scheme, s1, z1, s2, z2, so, zo, act), scheme));
      }
    });
    // Real parameters take the fast loops (fp32: XNNPACK's, or split where it falls back to tflm).
    expect(modes.has('reference')).toBe(false);
  });

  it.each(SCHEMES.map((s) => [label(s), s] as const))('equals the reference at multiplier and shift limits, %s', (_l, scheme) => {
    const r = mulberry32(scheme.rounding.length * 31 + scheme.scales.length);
    const modes = new Set<OutputMode>();
    for (let trial = 0; trial < 60; trial++) {
      const mult = () => [2 ** 31 - 1, 2 ** 30, 0, 2 ** 30 + Math.floor(r() * 2 ** 30)][trial % 4 === 0 ? Math.floor(r() * 3) : 3];
      const rq = (m: number, s: number) => ({ multiplier: Int32Array.of(m), shift: Int32Array.of(s) });
      const zp = () => [-128, 127, 0, Math.floor(r() * 256) - 128][Math.floor(r() * 4)];
      let p: AddParams;
      const base = { kind: 'add' as const, in1Zp: zp(), in2Zp: zp(), outZp: zp(), actMin: -128 + (trial % 3) * 40, actMax: 127 - (trial % 5) * 20 };
      if (scheme.scales === 'pow2') {
        // Input shifts ≥ 0 (aligned to the finer scale), including saturating ones; output shift either way.
        const sh = () => (r() < 0.2 ? 24 + Math.floor(r() * 8) : Math.floor(r() * 6));
        p = { ...base, leftShift: 0, in1: rq(0, sh()), in2: rq(0, sh()), out: rq(0, Math.floor(r() * 40) - 34) };
      } else if (scheme.rounding === 'fp32' && trial % 2 === 0) {
        // XNNPACK's parameters: multipliers below 2^21, output shift in [10, 31].
        const s = 10 + Math.floor(r() * 22);
        p = { ...base, leftShift: 0, in1: rq(Math.floor(r() * 2 ** 21), 0), in2: rq(Math.floor(r() * 2 ** 21), 0), out: rq(0, s) };
      } else {
        // TFLite Micro's: input shifts ≤ 0, output shift from −31 up to left shifts (reference path).
        const inShift = () => -Math.floor(r() * (trial % 7 === 0 ? 32 : 6));
        const outShift = trial % 10 === 9 ? 1 + Math.floor(r() * 20) : -Math.floor(r() * 32);
        p = { ...base, leftShift: 20, in1: rq(mult(), inShift()), in2: rq(mult(), inShift()), out: rq(mult(), outShift) };
      }
      modes.add(expectSameAsReference(p, scheme));
    }
    if (scheme.scales === 'fixed') expect(modes.has(scheme.rounding === 'fp32' ? 'xnnpack' : 'split')).toBe(true);
  });
});
