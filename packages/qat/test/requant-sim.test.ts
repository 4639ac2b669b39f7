// QAT's integer simulation (requantSim, addSim, meanSim) against @edgeq/ir's interpreter, in
// every rounding mode: for each mode 1,000 random accumulators (random scales, zero points
// and activations), each realised as the bias of a one-op FULLY_CONNECTED graph (zero
// weights, so the accumulator is the bias); likewise 1,000 random ADD and MEAN outputs.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { addRequant, GraphBuilder, Interpreter, q, QUANT_SCHEMES, type FusedActivation, type QuantScheme } from '@edgeq/ir';
import { addSim, meanSim, requantSim } from '../src/requant-sim.js';
import { mulberry32 } from '../src/random.js';

const SCHEMES = QUANT_SCHEMES;
const name = (s: QuantScheme) => `${s.scales}/${s.rounding}`;
const ACTIVATIONS: FusedActivation[] = ['NONE', 'RELU', 'RELU6'];
/** Graphs per mode and elements per graph: 10 × 100 = 1,000 cases per mode. */
const GRAPHS = 10;
const PER_GRAPH = 100;

/** Random test values: log-uniform scales (powers of two in pow2 mode), int8 zero points. */
function randoms(seed: number, scheme: QuantScheme) {
  const r = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  return {
    int,
    pick: <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)],
    /** A scale in [2^lo, 2^hi). */
    scale: (lo: number, hi: number) => {
      const e = lo + r() * (hi - lo);
      return scheme.scales === 'pow2' ? 2 ** Math.floor(e) : Math.fround(2 ** e);
    },
    /** Accumulators of every magnitude up to 2^20, both signs. */
    accumulator: () => (r() < 0.5 ? -1 : 1) * Math.floor(2 ** (r() * 20)),
    int8s: (n: number) => Int8Array.from({ length: n }, () => int(-128, 127)),
  };
}

/**
 * Run `oneGraph` for each of the GRAPHS graphs; each returns the interpreter's int8 outputs
 * and the simulation's. All must be equal, 1,000 in all, and spread over the int8 range
 * (not a test of saturation only).
 */
function expectSimulationEqualsInterpreter(oneGraph: (g: number) => { want: Int8Array; got: number[] }): void {
  let compared = 0;
  const seen = new Set<number>();
  for (let g = 0; g < GRAPHS; g++) {
    const { want, got } = oneGraph(g);
    expect(got).toEqual(Array.from(want));
    compared += got.length;
    for (const v of want) seen.add(v);
  }
  expect(compared).toBe(1000);
  expect(seen.size).toBeGreaterThan(30);
}

/** Int8 values back from a simulation's dequantised output. */
const quantised = (y: tf.Tensor, scale: number, zeroPoint: number) => Array.from(y.dataSync(), (v) => Math.round(v / Math.fround(scale)) + zeroPoint);

describe('requantSim equals the interpreter (FULLY_CONNECTED accumulators)', () => {
  for (const [k, scheme] of SCHEMES.entries()) {
    it(`${name(scheme)}: 1,000 random accumulators`, () => {
      const R = randoms(100 + k, scheme);
      expectSimulationEqualsInterpreter((g) => {
        const inScale = R.scale(-9, -5);
        const perTensor = g % 3 === 0;
        const weightScales = Array.from({ length: perTensor ? 1 : PER_GRAPH }, () => R.scale(-12, -6));
        const outScale = R.scale(-8, -2);
        const outZeroPoint = R.int(-128, 127);
        const activation = R.pick(ACTIVATIONS);
        const acc = Int32Array.from({ length: PER_GRAPH }, () => R.accumulator());
        const b = new GraphBuilder('fc', scheme);
        const x = b.input('x', [1, 1], q(inScale, R.int(-128, 127)));
        b.output(b.fullyConnected(x, {
          name: 'fc', weights: new Int8Array(PER_GRAPH), weightShape: [PER_GRAPH, 1], weightScales, bias: acc,
          out: q(outScale, outZeroPoint), activation,
        }));
        const want = new Interpreter(b.build()).run([R.int8s(1)]).outputs[0] as Int8Array;
        const unit = (c: number) => Math.fround(inScale) * Math.fround(weightScales[perTensor ? 0 : c]);
        const y = tf.tensor(Float32Array.from(acc, (a, c) => a * unit(c)), [1, PER_GRAPH]);
        const got = quantised(requantSim(y, { opType: 'FULLY_CONNECTED', inScale, weightScales, outScale, outZeroPoint, activation, scheme }), outScale, outZeroPoint);
        return { want, got };
      });
    });
  }
});

describe('addSim equals the interpreter (ADD)', () => {
  for (const [k, scheme] of SCHEMES.entries()) {
    it(`${name(scheme)}: 1,000 random element pairs`, () => {
      const R = randoms(200 + k, scheme);
      const paths = new Set<number>();
      expectSimulationEqualsInterpreter((g) => {
        // Ratios s_i / s_out inside and (every other graph, mostly) outside XNNPACK's range [2^-10, 2^8).
        const [s1, s2, so] = [R.scale(-11, -2), R.scale(-11, -2), g % 2 === 0 ? R.scale(-11, -2) : R.scale(-15, -10)];
        const [zp1, zp2, zo] = [R.int(-128, 127), R.int(-128, 127), R.int(-128, 127)];
        const activation = R.pick(ACTIVATIONS);
        paths.add(addRequant(s1, s2, so, scheme, 'add').leftShift);
        const b = new GraphBuilder('add', scheme);
        const x1 = b.input('x1', [1, PER_GRAPH], q(s1, zp1));
        const x2 = b.input('x2', [1, PER_GRAPH], q(s2, zp2));
        b.output(b.add('add', x1, x2, q(so, zo), activation));
        const [a1, a2] = [R.int8s(PER_GRAPH), R.int8s(PER_GRAPH)];
        const want = new Interpreter(b.build()).run([a1, a2]).outputs[0] as Int8Array;
        const dequantised = (a: Int8Array, s: number, zp: number) => tf.tensor(Float32Array.from(a, (v) => (v - zp) * Math.fround(s)), [1, PER_GRAPH]);
        const y = addSim(dequantised(a1, s1, zp1), dequantised(a2, s2, zp2), s1, s2, so, zo, activation, scheme);
        const got = quantised(y, so, zo);
        return { want, got };
      });
      // fp32 mode: both XNNPACK's ADD (leftShift 0) and the fallback to TFLite Micro's (20) ran.
      if (scheme.rounding === 'fp32') expect([...paths].sort()).toEqual([0, 20]);
    });
  }
});

describe('meanSim equals the interpreter (MEAN over H and W)', () => {
  for (const [k, scheme] of SCHEMES.entries()) {
    it(`${name(scheme)}: 1,000 random channel means`, () => {
      const R = randoms(300 + k, scheme);
      expectSimulationEqualsInterpreter((g) => {
        const [h, w] = [R.int(1, 7), R.int(1, 7)];
        const inScale = R.scale(-9, -3);
        const outScale = R.scale(-9, -3);
        const [zi, zo] = [R.int(-128, 127), R.int(-128, 127)];
        const b = new GraphBuilder('mean', scheme);
        const x = b.input('x', [1, h, w, PER_GRAPH], q(inScale, zi));
        b.output(b.mean('mean', x, q(outScale, zo)));
        const input = R.int8s(h * w * PER_GRAPH);
        const want = new Interpreter(b.build()).run([input]).outputs[0] as Int8Array;
        const dequantised = tf.tensor(Float32Array.from(input, (v) => (v - zi) * Math.fround(inScale)), [1, h, w, PER_GRAPH]);
        const y = meanSim(tf.sum(dequantised, [1, 2]), inScale, zi, outScale, zo, h * w, scheme);
        const got = quantised(y, outScale, zo);
        return { want, got };
      });
    });
  }
});
