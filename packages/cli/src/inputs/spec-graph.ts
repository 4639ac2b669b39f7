/**
 * Architecture spec → QGraph with deterministic random int8 weights: the no-training path
 * that lets `generate`, `simulate`, `parity` and `bench` size and check any spec'd
 * architecture before (or without) training. Layer semantics follow @edgeq/qat's
 * buildModel (SAME convolutions, VALID pools, inverted residuals with an ADD when shapes
 * match); scales aim activations at the int8 range, powers of two in pow2 mode.
 */

import { GraphBuilder, mulberry32, q, referenceInputQuant, type FusedActivation, type QGraph, type QuantParams, type QuantScheme } from '@edgeq/ir';
import { modelError } from '../errors.js';
import type { ArchSpec } from './arch-spec.js';

const FUSED: Record<string, FusedActivation> = { relu: 'RELU', relu6: 'RELU6', linear: 'NONE' };

class RandomWeights {
  private readonly rand: () => number;
  constructor(
    readonly b: GraphBuilder,
    readonly scheme: QuantScheme,
    seed: number,
  ) {
    this.rand = mulberry32(seed);
  }
  scale(s: number): number {
    return this.scheme.scales === 'pow2' ? 2 ** Math.round(Math.log2(s)) : Math.fround(s);
  }
  /** Output quantisation: ReLU6 → [0, 6]; ReLU → [0, range]; linear → symmetric around 0. */
  outQuant(act: FusedActivation, range: number): QuantParams {
    if (act === 'RELU6') return q(this.scale(6 / 255), -128);
    if (act === 'RELU') return q(this.scale(range / 255), -128);
    return q(this.scale((2 * range) / 255), 0);
  }
  int8(n: number): Int8Array {
    const w = new Int8Array(n);
    for (let i = 0; i < n; i++) w[i] = Math.round((this.rand() * 2 - 1) * 127);
    return w;
  }
  conv(kind: 'conv' | 'dw', name: string, x: number, kernel: number, cout: number, stride: number, act: FusedActivation, mult = 1): number {
    const cin = this.b.shapeOf(x)[3];
    const sIn = this.b.quantOf(x).scale[0];
    const taps = kind === 'dw' ? kernel * kernel : kernel * kernel * cin;
    const weightShape = kind === 'dw' ? [1, kernel, kernel, cout] : [cout, kernel, kernel, cin];
    const ws = Array.from({ length: cout }, () => this.scale((2 + 2 * this.rand()) / 127 / Math.sqrt(taps)));
    // Real output std ≈ sqrt(taps)·σx·σw (σ of a uniform int8 weight ≈ 73 LSB); aim the range at ~2.5 σ.
    const range = 2.5 * 40 * sIn * 73 * Math.sqrt(taps) * ws[0];
    const bias = Int32Array.from({ length: cout }, (_, c) => Math.round(((this.rand() - 0.5) * 0.2) / (sIn * ws[c])));
    const spec = { name, weights: this.int8(weightShape.reduce((a, d) => a * d, 1)), weightShape, weightScales: ws, bias, out: this.outQuant(act, range), stride, activation: act };
    return kind === 'dw' ? this.b.depthwiseConv2d(x, spec, mult) : this.b.conv2d(x, spec);
  }
  dense(name: string, x: number, units: number, act: FusedActivation): number {
    const cin = this.b.shapeOf(x)[1];
    const sIn = this.b.quantOf(x).scale[0];
    const ws = Array.from({ length: units }, () => this.scale((0.5 + this.rand()) / 127 / Math.sqrt(cin)));
    const range = 2.5 * 40 * sIn * 73 * Math.sqrt(cin) * ws[0];
    const bias = Int32Array.from({ length: units }, (_, c) => Math.round(((this.rand() - 0.5) * 0.2) / (sIn * ws[c])));
    return this.b.fullyConnected(x, { name, weights: this.int8(units * cin), weightShape: [units, cin], weightScales: ws, bias, out: this.outQuant(act, range), activation: act });
  }
}

/**
 * Build the int8 QGraph of a spec with seeded random weights (untrained: for sizing,
 * code generation and parity checks, not for accuracy).
 * @param spec validated architecture spec
 * @param scheme requantisation scheme of the graph
 * @param seed weight seed (same seed → same graph)
 * @param source file name used in error messages
 */
export function specToRandomQGraph(spec: ArchSpec, scheme: QuantScheme, seed = 1, source = spec.name): QGraph {
  const b = new GraphBuilder(spec.name, scheme);
  const L = new RandomWeights(b, scheme, seed);
  let h = b.input('input', [1, ...spec.input], referenceInputQuant(scheme));
  spec.layers.forEach((l, i) => {
    const name = l.name ?? `${l.type}${i}`;
    const rank = b.shapeOf(h).length;
    const where = `${source}: layers[${i}] "${name}"`;
    if (['conv', 'dw', 'ir', 'maxpool', 'avgpool', 'gap'].includes(l.type) && rank !== 4) {
      throw modelError(`${where}: ${l.type} needs an image (NHWC) input, got shape [${b.shapeOf(h).join(', ')}]`);
    }
    switch (l.type) {
      case 'conv':
        h = L.conv('conv', name, h, l.kernel, l.filters, l.stride ?? 1, FUSED[l.act ?? 'linear']);
        break;
      case 'dw': {
        const m = l.multiplier ?? 1;
        h = L.conv('dw', name, h, l.kernel, b.shapeOf(h)[3] * m, l.stride ?? 1, FUSED[l.act ?? 'linear'], m);
        break;
      }
      case 'ir': {
        const inp = h;
        const cin = b.shapeOf(inp)[3];
        let t = L.conv('conv', `${name}_expand`, inp, 1, cin * l.expand, 1, 'RELU6');
        t = L.conv('dw', `${name}_dw`, t, 3, cin * l.expand, l.stride ?? 1, 'RELU6');
        t = L.conv('conv', `${name}_project`, t, 1, l.out, 1, 'NONE');
        if ((l.stride ?? 1) === 1 && cin === l.out) {
          const s = Math.max(b.quantOf(inp).scale[0], b.quantOf(t).scale[0]) * 1.5;
          t = b.add(`${name}_add`, inp, t, q(L.scale(s), 0));
        }
        h = t;
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        const s = l.stride ?? l.size;
        h = b.pool(l.type === 'maxpool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', name, h, [l.size, l.size], [s, s], 'VALID');
        break;
      }
      case 'gap':
        h = b.mean(name, h, b.quantOf(h));
        break;
      case 'flatten':
        h = b.reshape(name, h, [1, b.shapeOf(h).slice(1).reduce((a, d) => a * d, 1)]);
        break;
      case 'dense':
        if (rank !== 2) throw modelError(`${where}: dense needs a flat input (add "flatten" or "gap" before it), got shape [${b.shapeOf(h).join(', ')}]`);
        h = L.dense(name, h, l.units, FUSED[l.act ?? 'linear']);
        break;
      case 'softmax':
        h = b.softmax(name, h);
        break;
    }
  });
  b.output(h);
  return b.build({ source: 'edgeq spec (random int8 weights, untrained)', spec: spec.name, seed });
}
