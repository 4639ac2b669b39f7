/**
 * The design notes' reference models (dscnn, mbv2mini) as QGraphs with deterministic
 * pseudo-random weights, for parity tests and benchmarks before (or without) training.
 * Scales are chosen so activations use the int8 range rather than saturate, and in pow2
 * mode every scale is rounded to a power of two.
 */

import { GraphBuilder, q, type ConvSpec } from './builder.js';
import type { FusedActivation, QuantParams, QuantScheme } from './qgraph.js';

/** Small deterministic PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type ReferenceModelName = 'dscnn' | 'mbv2mini';
export const REFERENCE_MODELS: readonly ReferenceModelName[] = ['dscnn', 'mbv2mini'];

class RandomLayers {
  readonly rand: () => number;
  constructor(readonly b: GraphBuilder, readonly scheme: QuantScheme, seed: number) {
    this.rand = mulberry32(seed);
  }
  scale(s: number): number {
    return this.scheme.scales === 'pow2' ? 2 ** Math.round(Math.log2(s)) : Math.fround(s);
  }
  /** Output quantisation for a fused activation: ReLU6 → [0, 6], linear → symmetric-ish. */
  actQuant(act: FusedActivation, range: number): QuantParams {
    if (act === 'RELU6') return q(this.scale(6 / 255), -128);
    return q(this.scale((2 * range) / 255), Math.floor(this.rand() * 9) - 4);
  }
  weights(n: number): Int8Array {
    const w = new Int8Array(n);
    for (let i = 0; i < n; i++) w[i] = Math.round((this.rand() * 2 - 1) * 127);
    return w;
  }
  conv(type: 'conv' | 'dw', name: string, x: number, k: number, cout: number, stride: number, act: FusedActivation): number {
    const inShape = this.b.shapeOf(x);
    const cin = inShape[3];
    const sIn = this.b.quantOf(x).scale[0];
    const taps = type === 'dw' ? k * k : k * k * cin;
    const weightShape = type === 'dw' ? [1, k, k, cout] : [cout, k, k, cin];
    const ws = Array.from({ length: cout }, () => this.scale((2 + 2 * this.rand()) / 127 / Math.sqrt(taps)));
    // Real output std ≈ sqrt(taps) · σx · σw; aim the int8 range at ~3 σ.
    const range = 2.5 * 40 * sIn * 73 * Math.sqrt(taps) * ws[0];
    const out = this.actQuant(act, range);
    const bias = new Int32Array(cout);
    for (let c = 0; c < cout; c++) bias[c] = Math.round((this.rand() - 0.5) * 0.2 / (sIn * ws[c]));
    const spec: ConvSpec = { name, weights: this.weights(numel(weightShape)), weightShape, weightScales: ws, bias, out, stride, activation: act };
    return type === 'dw' ? this.b.depthwiseConv2d(x, spec) : this.b.conv2d(x, spec);
  }
  dense(name: string, x: number, cout: number): number {
    const cin = this.b.shapeOf(x).reduce((a, d) => a * d, 1);
    const sIn = this.b.quantOf(x).scale[0];
    const ws = Array.from({ length: cout }, () => this.scale((0.5 + this.rand()) / 127 / Math.sqrt(cin)));
    const range = 2.5 * 40 * sIn * 73 * Math.sqrt(cin) * ws[0];
    const bias = new Int32Array(cout).map(() => Math.round((this.rand() - 0.5) * 0.2 / (sIn * ws[0])));
    return this.b.fullyConnected(x, { name, weights: this.weights(cout * cin), weightShape: [cout, cin], weightScales: ws, bias, out: this.actQuant('NONE', range) });
  }
}

const numel = (s: number[]) => s.reduce((a, d) => a * d, 1);

/** Input quantisation of every reference model: pixels/255 in [0, 1]. */
export function referenceInputQuant(scheme: QuantScheme): QuantParams {
  return q(scheme.scales === 'pow2' ? 2 ** -8 : 1 / 255, -128);
}

/**
 * Build a reference model with deterministic random weights.
 * @param name `dscnn` or `mbv2mini` (design notes)
 * @param scheme requantisation scheme
 * @param seed weight seed
 */
export function buildReferenceModel(
  name: ReferenceModelName,
  scheme: QuantScheme = { scales: 'fixed', rounding: 'tflm' },
  seed = 1,
): ReturnType<GraphBuilder['build']> {
  const b = new GraphBuilder(name, scheme);
  const L = new RandomLayers(b, scheme, seed);
  const x = b.input('input', [1, 28, 28, 1], referenceInputQuant(scheme));
  let h: number;
  if (name === 'dscnn') {
    h = L.conv('conv', 'conv1', x, 3, 16, 2, 'RELU6');
    h = L.conv('dw', 'dw2', h, 3, 16, 1, 'RELU6');
    h = L.conv('conv', 'pw2', h, 1, 32, 1, 'RELU6');
    h = L.conv('dw', 'dw3', h, 3, 32, 2, 'RELU6');
    h = L.conv('conv', 'pw3', h, 1, 64, 1, 'RELU6');
    h = L.conv('dw', 'dw4', h, 3, 64, 1, 'RELU6');
    h = L.conv('conv', 'pw4', h, 1, 64, 1, 'RELU6');
  } else {
    h = L.conv('conv', 'conv1', x, 3, 16, 2, 'RELU6');
    const block = (tag: string, inp: number, cout: number, stride: number, residual: boolean): number => {
      const cin = b.shapeOf(inp)[3];
      let t = L.conv('conv', `${tag}_expand`, inp, 1, cin * 4, 1, 'RELU6');
      t = L.conv('dw', `${tag}_dw`, t, 3, cin * 4, stride, 'RELU6');
      t = L.conv('conv', `${tag}_project`, t, 1, cout, 1, 'NONE');
      if (!residual) return t;
      const qa = b.quantOf(inp).scale[0];
      const qb = b.quantOf(t).scale[0];
      return b.add(`${tag}_add`, inp, t, q(L.scale(Math.max(qa, qb) * 1.5), 0));
    };
    h = block('ir1', h, 16, 1, true);
    h = block('ir2', h, 24, 2, false);
    h = block('ir3', h, 24, 1, true);
    h = L.conv('conv', 'pw_head', h, 1, 96, 1, 'RELU6');
  }
  const sIn = b.quantOf(h).scale[0];
  h = b.mean('gap', h, q(sIn, b.quantOf(h).zeroPoint[0]));
  h = L.dense('dense', h, 10);
  h = b.softmax('softmax', h);
  b.output(h);
  return b.build({ source: 'reference-model', seed });
}
