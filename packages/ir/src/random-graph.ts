/**
 * Seeded random QGraphs for property tests and fuzzing (interpreter vs generated C,
 * QGraph vs .tflite round trips): random shapes, strides, dilations, paddings, channel
 * counts, depth multipliers, scales (including multipliers of exactly 1 and tiny ones),
 * zero points (including −128 and 127), residual ADD and CONCATENATION branches,
 * float boundaries through QUANTIZE / DEQUANTIZE, and (option `multiIo`) several graph
 * inputs and outputs.
 */

import { GraphBuilder, q } from './builder.js';
import type { FusedActivation, Padding, QGraph, QuantParams, QuantScheme } from './qgraph.js';
import { mulberry32 } from './reference-models.js';
import { spatialGeometry } from './shapes.js';
import { joinedInputs, twoOutputs, type MultiIoContext } from './random-graph-multi-io.js';
import { logisticInputScaling } from './ops/logistic.js';

/** Ops a random graph may contain (the default is all of them). */
export type RandomOpKind =
  | 'conv' | 'dw' | 'fc' | 'add' | 'concat' | 'avgpool' | 'maxpool' | 'mean' | 'reshape' | 'pad' | 'softmax' | 'boundary'
  | 'slice' | 'logistic';
export const ALL_RANDOM_OPS: readonly RandomOpKind[] = [
  'conv', 'dw', 'fc', 'add', 'concat', 'avgpool', 'maxpool', 'mean', 'reshape', 'pad', 'softmax', 'boundary', 'slice', 'logistic',
];

export interface RandomGraphOptions {
  scheme?: QuantScheme;
  ops?: readonly RandomOpKind[];
  /** Maximum number of body layers (default 6). */
  maxLayers?: number;
  /**
   * CONCATENATION as TFLite's int8 kernel computes it: every input and the output share one
   * scale and zero point, and no fused activation (default false: a requantising concat with
   * a random activation).
   */
  sharedConcatQuant?: boolean;
  /**
   * The "several inputs and outputs" family (random-graph-multi-io.ts): 2 or 3 inputs joined
   * by ADD or CONCATENATION, and 2 outputs (the join and the body's end). Default false.
   */
  multiIo?: boolean;
  /**
   * Extreme scales (default false): every activation scale is multiplied by one factor
   * 2^±(40..100) (or 10^±(12..30) in fixed mode), so tensor scales sit near the legal
   * bounds [2^-126, 2^126] while requantisation multipliers stay what they would be.
   */
  extremeScales?: boolean;
  /**
   * Shifts at their limits (default false): some conv-like, ADD and CONCATENATION output
   * scales are chosen so the multiplier needs the largest legal shift (2^31 in pow2 mode,
   * just below 2^31 in fixed mode) or the smallest (2^-31), and every value saturates or vanishes.
   */
  shiftLimits?: boolean;
  /**
   * A MEAN over a large window (default false): the input is 32..96 × 32..96 and the graph
   * always ends with a MEAN. Which windows MEAN accepts is MEAN's validation (ops/mean.ts).
   */
  largeMeanWindow?: boolean;
  /**
   * The graph's output is a constant tensor (a bias) instead of the last op's output
   * (default false): the validator must refuse every such graph, so `randomGraph` throws.
   */
  constantOutput?: boolean;
  /**
   * Weight width of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (default 8): 4 gives int4
   * weights in [-8, 7] (10% of layers hold only -8 and 7), 'mixed' draws 4 or 8 per layer.
   * Output scales of int4 layers are sized to their 16× smaller accumulators. Without this
   * option no draw is made, so the other families' graphs do not change.
   */
  weightBits?: 4 | 8 | 'mixed';
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/**
 * The optional tail of a random graph: a STRIDED_SLICE box of a 4-D tensor, then a LOGISTIC
 * (unless the graph already ends in SOFTMAX, or its input scale is below LOGISTIC's 2^-28
 * floor, as extreme scales and shift limits can make it; drawn either way).
 */
function slicedAndLogistic(b: GraphBuilder, r: Rng, x: number, allowed: ReadonlySet<RandomOpKind>, endsInSoftmax: boolean): number {
  const s = b.shapeOf(x);
  if (allowed.has('slice') && s.length === 4 && r.chance(0.4)) {
    const extent = [1, r.int(1, s[1]), r.int(1, s[2]), r.chance(0.3) ? r.int(1, s[3]) : s[3]];
    const begin = extent.map((e, k) => r.int(0, s[k] - e));
    x = b.op('STRIDED_SLICE', 'slice', [x], { begin }, extent, b.quantOf(x));
  }
  if (allowed.has('logistic') && r.chance(0.3) && !endsInSoftmax && typeof logisticInputScaling(b.quantOf(x).scale[0]) !== 'string') {
    x = b.op('LOGISTIC', 'logistic', [x], {}, b.shapeOf(x), q(1 / 256, -128));
  }
  return x;
}

/** Generate one random graph; the same seed always gives the same graph. */
export function randomGraph(seed: number, opts: RandomGraphOptions = {}): QGraph {
  const scheme = opts.scheme ?? { scales: 'fixed', rounding: 'tflm' };
  const allowed = new Set(opts.ops ?? ALL_RANDOM_OPS);
  const r = new Rng(seed);
  const pow2 = scheme.scales === 'pow2';
  const b = new GraphBuilder(`random_${seed}`, scheme);
  const scale = (s: number) => (pow2 ? 2 ** Math.round(Math.log2(s)) : Math.fround(s));
  const zp = () => (r.chance(0.15) ? r.pick([-128, 127]) : r.int(-128, 127));
  // Extreme scales: one factor on every activation scale leaves each multiplier unchanged.
  const extremeFactor = !opts.extremeScales ? 1 : (r.chance(0.5) ? 1 : -1) * (pow2 ? r.int(40, 100) : r.int(12, 30));
  const activationScale = (s: number) => (extremeFactor === 1 ? s : pow2 ? s * 2 ** extremeFactor : s * 10 ** extremeFactor);
  const actQ = (approxRange: number): QuantParams => q(scale(activationScale(approxRange / 255)), zp());
  /**
   * Shift limits: an output scale for reals (s_in · s_w, or input scales) in [minReal, maxReal]
   * whose multipliers real / out reach the smallest legal one (2^-31 at minReal) or the
   * largest (at maxReal: 2^31 in pow2 mode, 2^31 / 1.25 with shift 31 in fixed mode, 255 in fp32).
   */
  const limitScale = (minReal: number, maxReal: number): number | undefined => {
    if (!opts.shiftLimits || !r.chance(0.3)) return undefined;
    if (r.chance(0.5)) return scale(minReal * 2 ** 31);
    if (pow2) return scale(maxReal * 2 ** -31);
    return scale(scheme.rounding === 'fp32' ? maxReal / 255 : maxReal * 1.25 * 2 ** -31);
  };
  const act = (): FusedActivation => r.pick(['NONE', 'NONE', 'RELU', 'RELU6']);
  const weights = (n: number, bits: 4 | 8 = 8) => {
    const w = new Int8Array(n);
    const extreme = r.chance(0.1);
    const [lo, hi] = bits === 4 ? [-8, 7] : [-127, 127];
    for (let i = 0; i < n; i++) w[i] = extreme ? r.pick([lo, hi]) : r.int(lo, hi);
    return w;
  };
  /** This layer's weight width (no draw unless the option asks for a mix). */
  const layerWeightBits = (): 4 | 8 => (opts.weightBits === 'mixed' ? (r.chance(0.5) ? 4 : 8) : opts.weightBits ?? 8);
  /** Output-scale factor of a layer: its accumulators shrink with its weights' range. */
  const accumulatorShrink = (bits: 4 | 8) => (bits === 4 ? 8 / 127 : 1);

  const inShape = opts.largeMeanWindow ? [1, r.int(32, 96), r.int(32, 96), r.int(1, 3)] : [1, r.int(1, 10), r.int(1, 10), r.int(1, 6)];
  const inQ = actQ(r.float() * 8 + 0.5);
  let x: number;
  let multiIo: MultiIoContext | undefined;
  let joined: number | undefined;
  if (opts.multiIo) {
    const joins = (['add', 'concat'] as const).filter((k) => allowed.has(k));
    multiIo = { builder: b, random: r, scale, zeroPoint: zp, activation: act, joins, sharedConcatQuant: !!opts.sharedConcatQuant };
    x = joined = joinedInputs(multiIo, inShape, inQ);
  } else if (allowed.has('boundary') && r.chance(0.2)) {
    const f = b.input('input_f32', inShape, undefined, 'float32');
    x = b.quantize('quantize', f, inQ);
  } else {
    x = b.input('input', inShape, inQ);
  }

  /** A conv or depthwise layer; `out` fixes its output quantisation (otherwise drawn). */
  const convLike = (kind: 'conv' | 'dw', src: number, keepShape: boolean, out?: QuantParams): number => {
    const s = b.shapeOf(src);
    const k = keepShape ? r.pick([1, 3]) : r.int(1, Math.min(5, Math.max(s[1], s[2]) + 1));
    const stride = keepShape ? 1 : r.int(1, 3);
    const dil = keepShape || stride > 1 ? 1 : r.int(1, 2);
    let padding: Padding = keepShape ? 'SAME' : r.pick(['SAME', 'VALID']);
    if (padding === 'VALID' && (spatialGeometry(s[1], k, stride, dil, 'VALID').out < 1 || spatialGeometry(s[2], k, stride, dil, 'VALID').out < 1)) padding = 'SAME';
    const mult = kind === 'dw' && !keepShape ? r.int(1, 3) : 1;
    const cout = kind === 'dw' ? s[3] * mult : keepShape ? s[3] : r.int(1, 8);
    const taps = kind === 'dw' ? k * k : k * k * s[3];
    const perChannel = r.chance(0.7);
    const sIn = b.quantOf(src).scale[0];
    const baseW = r.float() * 0.05 + 0.002;
    const ws = Array.from({ length: perChannel ? cout : 1 }, () => scale(baseW * (0.25 + r.float())));
    const realScale = sIn * ws[0];
    // Output scale: usually sized to the accumulator spread; sometimes multiplier exactly 1 or tiny.
    const pickOut = r.float();
    // Branches of an ADD or CONCATENATION (keepShape) keep ordinary scales, so the ADD's own ratios stay legal.
    const reals = ws.map((w) => sIn * w);
    const limited = keepShape ? undefined : limitScale(Math.min(...reals), Math.max(...reals));
    const bits = layerWeightBits();
    const outScale = limited ?? (pickOut < 0.08 ? scale(realScale) : pickOut < 0.14 ? scale(realScale * 2 ** 20) : scale(realScale * 60 * Math.sqrt(taps) * (0.3 + r.float()) * accumulatorShrink(bits)));
    const bias = new Int32Array(cout);
    const bigBias = r.chance(0.1);
    for (let c = 0; c < cout; c++) bias[c] = bigBias ? r.int(-(2 ** 24), 2 ** 24) : r.int(-2000 * Math.sqrt(taps), 2000 * Math.sqrt(taps));
    const spec = {
      name: kind,
      weights: weights(kind === 'dw' ? k * k * cout : cout * k * k * s[3], bits),
      weightShape: kind === 'dw' ? [1, k, k, cout] : [cout, k, k, s[3]],
      weightScales: ws,
      weightBits: bits,
      bias,
      out: out ?? q(outScale, zp()),
      stride,
      dilation: dil,
      padding,
      activation: act(),
    };
    return kind === 'dw' ? b.depthwiseConv2d(src, spec, mult) : b.conv2d(src, spec);
  };

  const layers = r.int(1, opts.maxLayers ?? 6);
  const body: RandomOpKind[] = (['conv', 'dw', 'add', 'concat', 'avgpool', 'maxpool', 'reshape', 'pad'] as const).filter((k) => allowed.has(k));
  for (let i = 0; i < layers && body.length > 0; i++) {
    const kind = r.pick(body);
    const s = b.shapeOf(x);
    switch (kind) {
      case 'conv':
      case 'dw':
        x = convLike(kind, x, false);
        break;
      case 'add': {
        const branch = allowed.has('conv') || allowed.has('dw') ? convLike(allowed.has('dw') && r.chance(0.5) ? 'dw' : allowed.has('conv') ? 'conv' : 'dw', x, true) : x;
        const sa = b.quantOf(x).scale[0];
        const sb = b.quantOf(branch).scale[0];
        x = b.add('add', x, branch, q(limitScale(Math.min(sa, sb), Math.min(sa, sb)) ?? scale(Math.max(sa, sb) * (0.5 + 2 * r.float())), zp()), act());
        break;
      }
      case 'concat': {
        const shared = opts.sharedConcatQuant ? b.quantOf(x) : undefined;
        const branch = allowed.has('conv') ? convLike('conv', x, true, shared) : x;
        const parts = r.chance(0.5) ? [x, branch] : [branch, x, branch];
        if (shared) {
          x = b.concat('concat', parts, shared, 'NONE');
          break;
        }
        const sMax = Math.max(...parts.map((t) => b.quantOf(t).scale[0]));
        const sMin = Math.min(...parts.map((t) => b.quantOf(t).scale[0]));
        x = b.concat('concat', parts, q(limitScale(sMin, sMax) ?? scale(sMax * (0.5 + r.float())), zp()), act());
        break;
      }
      case 'avgpool':
      case 'maxpool': {
        const f: [number, number] = [r.int(1, Math.min(3, s[1])), r.int(1, Math.min(3, s[2]))];
        const st: [number, number] = [r.int(1, 2), r.int(1, 2)];
        x = b.pool(kind === 'avgpool' ? 'AVERAGE_POOL_2D' : 'MAX_POOL_2D', kind, x, f, st, r.pick(['SAME', 'VALID']), r.chance(0.3) ? 'RELU' : 'NONE');
        break;
      }
      case 'reshape':
        x = b.reshape('reshape', x, r.chance(0.5) ? [1, s[2], s[1], s[3]] : [1, s[1] * s[2], 1, s[3]]);
        break;
      case 'pad':
        x = b.pad('pad', x, [[0, 0], [r.int(0, 2), r.int(0, 2)], [r.int(0, 2), r.int(0, 2)], r.chance(0.2) ? [r.int(0, 2), r.int(0, 2)] : [0, 0]]);
        break;
      default:
        break;
    }
  }

  if (opts.largeMeanWindow || (allowed.has('mean') && r.chance(0.5))) {
    const sIn = b.quantOf(x).scale[0];
    x = b.mean('mean', x, q(scale(sIn * (0.25 + r.float())), zp()), r.chance(0.3));
  }
  let endsInSoftmax = false;
  if (allowed.has('fc') && r.chance(0.5)) {
    const cin = b.shapeOf(x).reduce((a, d) => a * d, 1);
    const cout = r.int(1, 12);
    const sIn = b.quantOf(x).scale[0];
    const ws = Array.from({ length: r.chance(0.7) ? cout : 1 }, () => scale(0.01 * (0.25 + r.float())));
    const bias = new Int32Array(cout).map(() => r.int(-5000, 5000));
    const bits = layerWeightBits();
    x = b.fullyConnected(x, {
      name: 'fc', weights: weights(cout * cin, bits), weightShape: [cout, cin], weightScales: ws, weightBits: bits, bias,
      out: q(scale(sIn * ws[0] * 60 * Math.sqrt(cin) * (0.3 + r.float()) * accumulatorShrink(bits)), zp()), activation: act(),
    });
    // Extreme scales put beta · input scale below SOFTMAX's 2^-26 floor, which the validator
    // refuses (TFLite Micro does too): that family leaves SOFTMAX out so its graphs stay valid.
    // The draws happen either way, so the other families' graphs do not change.
    if (allowed.has('softmax') && r.chance(0.5)) {
      const beta = r.pick([1, 0.5, 2]);
      if (!opts.extremeScales) {
        x = b.softmax('softmax', x, beta);
        endsInSoftmax = true;
      }
    }
  }
  const dequantized = allowed.has('boundary') && r.chance(0.2);
  if (dequantized) x = b.dequantize('dequantize', x);
  // STRIDED_SLICE and LOGISTIC are drawn after every other op (and not in the families whose
  // later draws would move), so the rest of each graph is what earlier versions generated.
  if (!opts.multiIo && !opts.constantOutput && !dequantized) x = slicedAndLogistic(b, r, x, allowed, endsInSoftmax);
  if (opts.constantOutput) {
    const n = r.int(1, 8);
    const t = b.tensor('constant_output', [n], 'int32', undefined, new Int32Array(n).map(() => r.int(-100, 100)));
    b.output(t);
    return b.build({ source: 'random-graph', seed });
  }
  if (multiIo && joined !== undefined) twoOutputs(multiIo, joined, x);
  else b.output(x);
  return b.build({ source: 'random-graph', seed });
}
