/**
 * Architecture spec → QGraph with deterministic pseudo-random int8 weights: the design
 * notes' reference models (dscnn, mbv2mini) for parity tests and benchmarks before (or
 * without) training, and any user spec for the CLI's no-training path. Layer semantics
 * follow @edgeq/qat's buildModel (SAME convolutions, VALID pools, inverted residuals with
 * an ADD when shapes match). Scales are chosen so activations use the int8 range rather
 * than saturate, and in pow2 mode every scale is rounded to a power of two.
 */

import { GraphBuilder, q, type ConvSpec } from './builder.js';
import type { FusedActivation, QGraph, QuantParams, QuantScheme } from './qgraph.js';
import { ArchSpecError, REFERENCE_SPECS, type ActName, type ArchSpec, type ReferenceModelName } from './arch-spec.js';

/** Small deterministic PRNG (mulberry32): the one seeded generator of edgeq. */
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

/**
 * Seeded random weights and activation scales for the layers of one graph under
 * construction (the reference models here; the benchmarks' architecture equivalents).
 */
export class RandomLayers {
  readonly rand: () => number;
  /**
   * @param weightBits 4: int4 weights in [-7, 7] with 127/7 times larger scales (the same real
   *   weights' spread; the same random draws, so the int8 graphs do not change)
   */
  constructor(readonly b: GraphBuilder, readonly scheme: QuantScheme, seed: number, readonly weightBits: 4 | 8 = 8) {
    this.rand = mulberry32(seed);
  }
  /** A weight scale for this layer's weight width (`s` is the int8 one). */
  private weightScale(s: number): number {
    return this.scale(this.weightBits === 4 ? (s * 127) / 7 : s);
  }
  scale(s: number): number {
    return this.scheme.scales === 'pow2' ? 2 ** Math.round(Math.log2(s)) : Math.fround(s);
  }
  /** Output quantisation for a fused activation: ReLU6 → [0, 6]; ReLU → [0, range]; linear → symmetric-ish. */
  actQuant(act: FusedActivation, range: number): QuantParams {
    if (act === 'RELU6') return q(this.scale(6 / 255), -128);
    if (act === 'RELU') return q(this.scale(range / 255), -128);
    return q(this.scale((2 * range) / 255), Math.floor(this.rand() * 9) - 4);
  }
  weights(n: number): Int8Array {
    const w = new Int8Array(n);
    const max = this.weightBits === 4 ? 7 : 127;
    for (let i = 0; i < n; i++) w[i] = Math.round((this.rand() * 2 - 1) * max);
    return w;
  }
  /** A CONV_2D or DEPTHWISE_CONV_2D (SAME padding) with a k x k or [kh, kw] kernel. */
  conv(type: 'conv' | 'dw', name: string, x: number, k: number | [number, number], cout: number, stride: number, act: FusedActivation, multiplier = 1): number {
    const inShape = this.b.shapeOf(x);
    const cin = inShape[3];
    const sIn = this.b.quantOf(x).scale[0];
    const [kh, kw] = typeof k === 'number' ? [k, k] : k;
    const taps = type === 'dw' ? kh * kw : kh * kw * cin;
    const weightShape = type === 'dw' ? [1, kh, kw, cout] : [cout, kh, kw, cin];
    const ws = Array.from({ length: cout }, () => this.weightScale((2 + 2 * this.rand()) / 127 / Math.sqrt(taps)));
    // Real output std ≈ sqrt(taps) · σx · σw; aim the int8 range at ~3 σ.
    const range = 2.5 * 40 * sIn * (this.weightBits === 4 ? 4 : 73) * Math.sqrt(taps) * ws[0];
    const out = this.actQuant(act, range);
    const bias = new Int32Array(cout);
    for (let c = 0; c < cout; c++) bias[c] = Math.round((this.rand() - 0.5) * 0.2 / (sIn * ws[c]));
    const spec: ConvSpec = { name, weights: this.weights(numel(weightShape)), weightShape, weightScales: ws, bias, out, stride, activation: act, weightBits: this.weightBits };
    return type === 'dw' ? this.b.depthwiseConv2d(x, spec, multiplier) : this.b.conv2d(x, spec);
  }
  dense(name: string, x: number, cout: number, act: FusedActivation): number {
    const cin = this.b.shapeOf(x).reduce((a, d) => a * d, 1);
    const sIn = this.b.quantOf(x).scale[0];
    const ws = Array.from({ length: cout }, () => this.weightScale((0.5 + this.rand()) / 127 / Math.sqrt(cin)));
    const range = 2.5 * 40 * sIn * (this.weightBits === 4 ? 4 : 73) * Math.sqrt(cin) * ws[0];
    const bias = new Int32Array(cout).map(() => Math.round((this.rand() - 0.5) * 0.2 / (sIn * ws[0])));
    return this.b.fullyConnected(x, { name, weights: this.weights(cout * cin), weightShape: [cout, cin], weightScales: ws, bias, out: this.actQuant(act, range), activation: act, weightBits: this.weightBits });
  }
}

const numel = (s: number[]) => s.reduce((a, d) => a * d, 1);

/** Input quantisation of every reference model: pixels/255 in [0, 1]. */
export function referenceInputQuant(scheme: QuantScheme): QuantParams {
  return q(scheme.scales === 'pow2' ? 2 ** -8 : 1 / 255, -128);
}

const FUSED: Record<ActName, FusedActivation> = { relu: 'RELU', relu6: 'RELU6', linear: 'NONE' };
const IMAGE_LAYERS: readonly string[] = ['conv', 'dw', 'ir', 'maxpool', 'avgpool', 'gap'];

/** Options of {@link specToRandomQGraph}. */
export interface RandomQGraphOptions {
  /** Weight seed (same seed → same graph; default 1). */
  seed?: number;
  /** The file the spec came from, starting error messages (default: the spec's name). */
  source?: string;
  /** The graph's metadata (default: says the weights are random, names the spec and seed). */
  metadata?: Record<string, unknown>;
  /** Weight width of every CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (default 8; 4: W4A8). */
  weightBits?: 4 | 8;
}

/**
 * Build the int8 QGraph of a spec with seeded random weights (untrained: for sizing,
 * code generation, parity checks and benchmarks, not for accuracy).
 * @param spec validated architecture spec
 * @param scheme requantisation scheme of the graph
 * @throws ArchSpecError when a layer cannot follow the previous one (e.g. dense on an image)
 */
export function specToRandomQGraph(spec: ArchSpec, scheme: QuantScheme, opts: RandomQGraphOptions = {}): QGraph {
  const seed = opts.seed ?? 1;
  const source = opts.source ?? spec.name;
  const b = new GraphBuilder(spec.name, scheme);
  const L = new RandomLayers(b, scheme, seed, opts.weightBits);
  let h = b.input('input', [1, ...spec.input], referenceInputQuant(scheme));
  spec.layers.forEach((l, i) => {
    const name = l.name ?? `${l.type}${i}`;
    const rank = b.shapeOf(h).length;
    const where = `${source}: layers[${i}] "${name}"`;
    if (IMAGE_LAYERS.includes(l.type) && rank !== 4) {
      throw new ArchSpecError(`${where}: ${l.type} needs an image (NHWC) input, got shape [${b.shapeOf(h).join(', ')}]`);
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
        const cin = b.shapeOf(h)[3];
        let t = L.conv('conv', `${name}_expand`, h, 1, cin * l.expand, 1, 'RELU6');
        t = L.conv('dw', `${name}_dw`, t, 3, cin * l.expand, l.stride ?? 1, 'RELU6');
        t = L.conv('conv', `${name}_project`, t, 1, l.out, 1, 'NONE');
        if ((l.stride ?? 1) === 1 && cin === l.out) {
          const s = Math.max(b.quantOf(h).scale[0], b.quantOf(t).scale[0]) * 1.5;
          t = b.add(`${name}_add`, h, t, q(L.scale(s), 0));
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
        if (rank !== 2) throw new ArchSpecError(`${where}: dense needs a flat input (add "flatten" or "gap" before it), got shape [${b.shapeOf(h).join(', ')}]`);
        h = L.dense(name, h, l.units, FUSED[l.act ?? 'linear']);
        break;
      case 'softmax':
        h = b.softmax(name, h);
        break;
    }
  });
  b.output(h);
  return b.build(opts.metadata ?? { source: 'edgeq spec (random int8 weights, untrained)', spec: spec.name, seed });
}

/**
 * Build a reference model (its spec, arch-spec.ts) with deterministic random weights.
 * @param name `dscnn` or `mbv2mini` (design notes)
 * @param scheme requantisation scheme
 * @param seed weight seed
 * @param weightBits weight width of every conv / dense layer (default 8; 4: int4 weights, W4A8)
 */
export function buildReferenceModel(
  name: ReferenceModelName,
  scheme: QuantScheme = { scales: 'fixed', rounding: 'tflm' },
  seed = 1,
  weightBits: 4 | 8 = 8,
): QGraph {
  const metadata = { source: 'reference-model', seed, ...(weightBits === 4 ? { weightBits } : {}) };
  return specToRandomQGraph(REFERENCE_SPECS[name], scheme, { seed, metadata, weightBits });
}
