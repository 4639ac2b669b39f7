/**
 * Seeded random QGraphs for the .tflite tests: small NHWC chains (and residual/concat
 * branches) of the integer core's ops with random shapes, strides, dilations, paddings,
 * fused activations, per-tensor or per-channel weights, scales and zero points. Scales
 * are float32 (or powers of two in pow2 mode) and output scales are chosen near the
 * accumulator's spread so outputs use the int8 range, with some saturation.
 */

import { GraphBuilder, mulberry32, q, type FusedActivation, type Padding, type QGraph, type QuantParams, type QuantScheme } from '@edgeq/ir';

export type RandomOp =
  | 'CONV_2D' | 'DEPTHWISE_CONV_2D' | 'FULLY_CONNECTED' | 'ADD' | 'AVERAGE_POOL_2D' | 'MAX_POOL_2D'
  | 'MEAN' | 'RESHAPE' | 'PAD' | 'CONCATENATION' | 'SOFTMAX';

export const ALL_RANDOM_OPS: readonly RandomOp[] = [
  'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'AVERAGE_POOL_2D', 'MAX_POOL_2D',
  'MEAN', 'RESHAPE', 'PAD', 'CONCATENATION', 'SOFTMAX',
];

export interface RandomGraphOptions {
  /** Ops to draw from (default: all). */
  ops?: readonly RandomOp[];
  scheme?: QuantScheme;
  /** Number of ops drawn (default 2 to 6). */
  minOps?: number;
  maxOps?: number;
}

/** Build one random graph; the same seed and options always give the same graph. */
export function randomGraph(seed: number, opts: RandomGraphOptions = {}): QGraph {
  const scheme = opts.scheme ?? { scales: 'fixed', rounding: 'tflm' };
  const allowed = new Set(opts.ops ?? ALL_RANDOM_OPS);
  const rand = mulberry32(seed * 7919 + 13);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const scale = (s: number) => (scheme.scales === 'pow2' ? 2 ** Math.round(Math.log2(s)) : Math.fround(s));
  const actQ = (s: number): QuantParams => q(scale(s), int(-20, 20));
  const b = new GraphBuilder(`random_${seed}`, scheme);
  const act = (): FusedActivation => pick(['NONE', 'NONE', 'RELU', 'RELU6']);

  let x = b.input('input', [1, int(3, 8), int(3, 8), int(1, 6)], actQ(0.004 + rand() * 0.06));
  const is4d = () => b.shapeOf(x).length === 4;
  const sIn = (t: number) => b.quantOf(t).scale[0];

  const weights = (n: number) => Int8Array.from({ length: n }, () => int(-127, 127));
  const convOut = (t: number, taps: number, sw: number) => actQ(sIn(t) * sw * 120 * Math.sqrt(taps) * (0.3 + 2.7 * rand()));
  const wScales = (n: number) => {
    const perChannel = rand() < 0.7;
    const base = 0.002 + rand() * 0.02;
    return perChannel ? Array.from({ length: n }, () => scale(base * (0.5 + rand()))) : [scale(base)];
  };
  const bias = (n: number) => Int32Array.from({ length: n }, () => int(-3000, 3000));
  let counter = 0;
  const name = (t: string) => `${t.toLowerCase()}_${counter++}`;

  const conv = (t: number, depthwise: boolean, k: number, cout: number, mult = 1): number => {
    const [, h, w, cin] = b.shapeOf(t);
    const padding: Padding = h >= k && w >= k && rand() < 0.4 ? 'VALID' : 'SAME';
    const stride = pick([1, 1, 2]);
    const dilation = stride === 1 && padding === 'SAME' && k > 1 && rand() < 0.2 ? 2 : 1;
    const c = depthwise ? cin * mult : cout;
    const taps = depthwise ? k * k : k * k * cin;
    const ws = wScales(c);
    const shape = depthwise ? [1, k, k, c] : [c, k, k, cin];
    const spec = {
      name: name(depthwise ? 'dw' : 'conv'),
      weights: weights(shape.reduce((a, d) => a * d, 1)),
      weightShape: shape,
      weightScales: ws,
      bias: bias(c),
      out: convOut(t, taps, ws[0]),
      stride,
      dilation,
      padding,
      activation: act(),
    };
    return depthwise ? b.depthwiseConv2d(t, spec, mult) : b.conv2d(t, spec);
  };

  const nOps = int(opts.minOps ?? 2, opts.maxOps ?? 6);
  for (let i = 0; i < nOps; i++) {
    const shape = b.shapeOf(x);
    const candidates = [...allowed].filter((op) => {
      if (op === 'SOFTMAX') return i === nOps - 1;
      if (['CONV_2D', 'DEPTHWISE_CONV_2D', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'MEAN', 'PAD', 'CONCATENATION'].includes(op)) return is4d();
      if (op === 'FULLY_CONNECTED') return shape.reduce((a, d) => a * d, 1) <= 512;
      return true;
    });
    if (candidates.length === 0) break;
    const op = pick(candidates);
    switch (op) {
      case 'CONV_2D':
        x = conv(x, false, pick([1, 3, 3, 5]), int(1, 8));
        break;
      case 'DEPTHWISE_CONV_2D':
        x = conv(x, true, pick([3, 3, 5]), 0, pick([1, 1, 2]));
        break;
      case 'FULLY_CONNECTED': {
        const n = shape.reduce((a, d) => a * d, 1);
        const cout = int(1, 12);
        const ws = wScales(cout);
        x = b.fullyConnected(x, {
          name: name('fc'), weights: weights(cout * n), weightShape: [cout, n], weightScales: ws,
          bias: bias(cout), out: convOut(x, n, ws[0]), activation: act(),
        });
        break;
      }
      case 'ADD': {
        // A same-shaped branch: a depthwise 3x3 (4-D) or a square FC (2-D), then the residual add.
        let branch: number;
        if (is4d()) {
          const [, , , c] = shape;
          const ws = wScales(c);
          branch = b.depthwiseConv2d(x, {
            name: name('branch'), weights: weights(9 * c), weightShape: [1, 3, 3, c], weightScales: ws,
            bias: bias(c), out: convOut(x, 9, ws[0]), stride: 1, padding: 'SAME', activation: act(),
          });
        } else {
          const n = shape[1];
          const ws = wScales(n);
          branch = b.fullyConnected(x, {
            name: name('branch'), weights: weights(n * n), weightShape: [n, n], weightScales: ws,
            bias: bias(n), out: convOut(x, n, ws[0]), activation: act(),
          });
        }
        const s = Math.max(sIn(x), sIn(branch)) * (0.7 + rand() * 1.3);
        x = b.add(name('add'), x, branch, actQ(s), act());
        break;
      }
      case 'AVERAGE_POOL_2D':
      case 'MAX_POOL_2D': {
        const [, h, w] = shape;
        const f: [number, number] = [int(1, Math.min(3, h)), int(1, Math.min(3, w))];
        const stride: [number, number] = [int(1, 2), int(1, 2)];
        x = b.pool(op, name(op === 'MAX_POOL_2D' ? 'maxpool' : 'avgpool'), x, f, stride, pick(['SAME', 'VALID'] as Padding[]), act());
        break;
      }
      case 'MEAN':
        x = b.mean(name('mean'), x, actQ(sIn(x) * (0.5 + rand() * 1.5)), rand() < 0.5);
        break;
      case 'RESHAPE': {
        const n = shape.reduce((a, d) => a * d, 1);
        x = is4d()
          ? b.reshape(name('reshape'), x, rand() < 0.5 ? [1, n] : [1, shape[1] * shape[2], shape[3], 1])
          : b.reshape(name('reshape'), x, [1, 1, 1, n]);
        break;
      }
      case 'PAD':
        x = b.pad(name('pad'), x, [[0, 0], [int(0, 2), int(0, 2)], [int(0, 2), int(0, 2)], rand() < 0.2 ? [0, int(0, 2)] : [0, 0]]);
        break;
      case 'CONCATENATION': {
        // TFLite's int8 CONCATENATION needs one shared scale/zero point and no activation.
        const cin = shape[3];
        const cout = int(1, 4);
        const ws = wScales(cout);
        const other = b.conv2d(x, {
          name: name('branch'), weights: weights(cout * cin), weightShape: [cout, 1, 1, cin], weightScales: ws,
          bias: bias(cout), out: b.quantOf(x), stride: 1, padding: 'SAME',
        });
        x = b.concat(name('concat'), rand() < 0.5 ? [x, other] : [other, x], b.quantOf(x));
        break;
      }
      case 'SOFTMAX':
        x = b.softmax(name('softmax'), x, pick([1, 1, 0.5, 2]));
        break;
    }
  }
  b.output(x);
  return b.build({ source: 'random-graph', seed });
}
