/**
 * Seeded chains of DEPTHWISE_CONV_2D ops that exercise codegen's depthwise planning
 * (packages/codegen/src/fast-depthwise.ts) and both runtime-c depthwise kernels: random kernel
 * sizes (3x3, 5x5, 10x4, 1x3, 3x2, 2x2), strides 1-3, dilation 1-2, depth multipliers 1-2,
 * SAME and VALID, odd channel counts, outputs taller than wide (the general kernel transposes
 * them), and on the first op the channels that fail the fast formula's checks (all-zero
 * weights, a scale ratio of 0.55 - right shift 0 -, a bias of 2^30 - 7). Free of vitest.
 */
import { GraphBuilder, q, type QGraph, type QuantScheme } from '@edgeq/ir';
import { seededDraws } from './fast-kernel-graphs.js';

/** A seeded depthwise chain for one requantisation scheme. */
export function fastDepthwiseChain(seed: number, scheme: QuantScheme): QGraph {
  const { random, int, pick, scaleOf } = seededDraws(seed, scheme);
  const b = new GraphBuilder(`fast_depthwise_${seed}`, scheme);
  let x = b.input('x', [1, int(9, 13), int(3, 8), pick([3, 5, 6, 7])], q(scaleOf(0.05), int(-20, 20)));
  const layer = (index: number, kernel: [number, number], stride: number, dilation: number, multiplier: number, failing: boolean) => {
    const [, h, w, cin] = b.shapeOf(x);
    const channels = cin * multiplier;
    const taps = kernel[0] * kernel[1];
    // VALID only where the dilated kernel fits the input.
    const fits = (kernel[0] - 1) * dilation < h && (kernel[1] - 1) * dilation < w;
    const weights = Int8Array.from({ length: taps * channels }, () => int(-127, 127));
    const inScale = b.quantOf(x).scale[0];
    const weightScales = Array.from({ length: channels }, () => scaleOf(0.004 + 0.01 * random()));
    const outScale = scaleOf(inScale * 0.4 * Math.sqrt(taps));
    const bias = Int32Array.from({ length: channels }, () => int(-2000, 2000));
    if (failing) {
      for (let t = 0; t < taps; t++) weights[t * channels] = 0;
      bias[0] = int(-40000, 40000);
      weightScales[1] = (outScale / inScale) * (scheme.scales === 'pow2' ? 1 : 0.55);
      for (let t = 0; t < taps; t++) weights[t * channels + 1] = Math.round(weights[t * channels + 1] / 64);
      bias[2] = 2 ** 30 - 7;
    }
    x = b.depthwiseConv2d(x, {
      name: `depthwise${index}`, weights, weightShape: [1, kernel[0], kernel[1], channels], weightScales, bias,
      out: q(outScale, int(-10, 10)), stride, dilation, padding: fits ? pick(['SAME', 'VALID'] as const) : 'SAME',
      activation: pick(['NONE', 'RELU', 'RELU6'] as const),
    }, multiplier);
  };
  const kernels: Array<[number, number]> = [[3, 3], [5, 5], [10, 4], [1, 3], [3, 2], [2, 2]];
  const first = pick(kernels);
  const firstDilation = pick([1, 2]);
  layer(0, first, firstDilation === 1 ? pick([1, 2]) : 1, firstDilation, pick([1, 2]), true);
  layer(1, [3, 3], 1, 1, 1, false);
  layer(2, pick(kernels), pick([1, 2, 3]), 1, pick([1, 2]), false);
  b.output(x);
  return b.build();
}
