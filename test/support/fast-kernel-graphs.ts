/**
 * Seeded chains of convolutions that exercise every fast conv path of codegen's planner
 * (packages/codegen/src/fast-kernels.ts): a first layer of 1-3 input channels with a random
 * (possibly non-square) kernel, stride and padding; a 3x3 depthwise at stride 1 or 2; 1x1
 * convolutions into and out of a channel count that is a multiple of 8 (the pointwise kernel);
 * a dilated 3x3 and a 1x1 stride-2 conv with odd output channel counts (through the column);
 * and, on the depthwise and pointwise ops, the channels that fail the fast formula's checks
 * (all-zero weights, a scale ratio of 0.55 - right shift 0 -, a bias of 2^30 - 7).
 * Free of vitest, so scripts use it too.
 */
import { GraphBuilder, mulberry32, q, type Padding, type QGraph, type QuantScheme } from '@edgeq/ir';

/** The quantisation scheme of each fast-kernel mode (codegen's FastMode). */
export const FAST_MODE_SCHEMES: Readonly<Record<'tflm' | 'single' | 'pow2', QuantScheme>> = {
  tflm: { scales: 'fixed', rounding: 'tflm' },
  single: { scales: 'fixed', rounding: 'single' },
  pow2: { scales: 'pow2', rounding: 'tflm' },
};

/** The seeded draws both fast-kernel graph generators make their choices with. */
export interface SeededDraws {
  /** Uniform in [0, 1). */
  random: () => number;
  /** Uniform integer in [lo, hi]. */
  int: (lo: number, hi: number) => number;
  /** One of `options`. */
  pick: <T>(options: readonly T[]) => T;
  /** `s`, or the nearest power of two when the scheme's scales are pow2. */
  scaleOf: (s: number) => number;
}

/** Seeded draws for one requantisation scheme. */
export function seededDraws(seed: number, scheme: QuantScheme): SeededDraws {
  const random = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(options: readonly T[]): T => options[int(0, options.length - 1)];
  const pow2 = scheme.scales === 'pow2';
  const scaleOf = (s: number) => (pow2 ? 2 ** Math.round(Math.log2(s)) : s);
  return { random, int, pick, scaleOf };
}

/** A seeded chain for one requantisation scheme. */
export function fastKernelChain(seed: number, scheme: QuantScheme): QGraph {
  const { random, int, pick, scaleOf } = seededDraws(seed, scheme);
  const b = new GraphBuilder(`fast_chain_${seed}`, scheme);
  let x = b.input('x', [1, int(7, 11), int(6, 10), int(1, 3)], q(scaleOf(0.05), int(-20, 20)));
  let layer = 0;
  /** One CONV_2D or DEPTHWISE_CONV_2D with random weights; `mixed` adds the failing channels. */
  const conv = (kind: 'conv' | 'depthwise', kernel: [number, number], cout: number, stride: number, dilation: number, padding: Padding, mixed: boolean) => {
    const [, , , cin] = b.shapeOf(x);
    const channels = kind === 'conv' ? cout : cin;
    const taps = kernel[0] * kernel[1] * (kind === 'conv' ? cin : 1);
    const at = (c: number, t: number) => (kind === 'conv' ? c * taps + t : t * channels + c);
    const weights = Int8Array.from({ length: channels * taps }, () => int(-127, 127));
    const inScale = b.quantOf(x).scale[0];
    const weightScales = Array.from({ length: channels }, () => scaleOf(0.004 + 0.01 * random()));
    const outScale = scaleOf(inScale * 0.01 * 40 * Math.sqrt(taps));
    const bias = Int32Array.from({ length: channels }, () => int(-2000, 2000));
    if (mixed) {
      for (let t = 0; t < taps; t++) weights[at(0, t)] = 0;
      bias[0] = int(-40000, 40000);
      weightScales[1] = (outScale / inScale) * (scheme.scales === 'pow2' ? 1 : 0.55);
      for (let t = 0; t < taps; t++) weights[at(1, t)] = Math.round(weights[at(1, t)] / 64);
      bias[2] = 2 ** 30 - 7;
    }
    const spec = {
      name: `${kind}${layer++}`, weights, weightShape: kind === 'conv' ? [cout, kernel[0], kernel[1], cin] : [1, kernel[0], kernel[1], channels],
      weightScales, bias, out: q(outScale, int(-10, 10)), stride, dilation, padding, activation: pick(['NONE', 'RELU', 'RELU6'] as const),
    };
    x = kind === 'conv' ? b.conv2d(x, spec) : b.depthwiseConv2d(x, spec);
  };
  conv('conv', pick([[3, 3], [5, 5], [3, 2], [4, 3]] as Array<[number, number]>), int(4, 9), pick([1, 2]), 1, pick(['SAME', 'VALID'] as const), false);
  conv('depthwise', [3, 3], 0, pick([1, 2]), 1, 'SAME', b.shapeOf(x)[3] >= 3);
  conv('conv', [1, 1], pick([8, 16]), 1, 1, 'VALID', false);
  conv('conv', [1, 1], 2 * int(2, 6), 1, 1, 'VALID', true);
  conv('conv', [3, 3], pick([3, 5, 7]), 1, 2, 'SAME', false);
  if (b.shapeOf(x)[1] >= 2 && b.shapeOf(x)[2] >= 2) conv('conv', [1, 1], int(2, 5), 2, 1, 'VALID', false);
  b.output(x);
  return b.build();
}
