/**
 * Architecture equivalents of the four MLPerf Tiny reference models (mlcommons/tiny v1.0:
 * keyword spotting DS-CNN, image classification ResNet-8, visual wake words MobileNet-v1
 * 0.25 at 96x96, anomaly detection FC autoencoder): the same layers, shapes and op types,
 * with seeded random int8 weights (reference-models.ts RandomLayers). Benchmarks use them
 * where the real .tflite files are not fetched.
 */
import { GraphBuilder, RandomLayers, q, referenceInputQuant, type QGraph, type QuantScheme } from '@edgeq/ir';

/** Names of the equivalents, in the order the benchmarks list them. */
export const MLPERF_TINY_EQUIVALENTS = ['kws-equivalent', 'resnet-equivalent', 'vww-equivalent', 'ad01-equivalent'] as const;
export type MlperfTinyEquivalent = (typeof MLPERF_TINY_EQUIVALENTS)[number];

/** Build one equivalent in `scheme` with weight seed `seed`. */
export function buildMlperfTinyEquivalent(name: MlperfTinyEquivalent, scheme: QuantScheme, seed = 1): QGraph {
  const b = new GraphBuilder(name, scheme);
  const L = new RandomLayers(b, scheme, seed);
  const builders: Record<MlperfTinyEquivalent, () => number> = {
    // DS-CNN: 10x4 stride-2 conv, four depthwise-separable blocks, average pool, dense 12.
    'kws-equivalent': () => {
      let h = L.conv('conv', 'conv1', b.input('input', [1, 49, 10, 1], referenceInputQuant(scheme)), [10, 4], 64, 2, 'RELU');
      for (let i = 1; i <= 4; i++) {
        h = L.conv('dw', `dw${i}`, h, 3, 64, 1, 'RELU');
        h = L.conv('conv', `pw${i}`, h, 1, 64, 1, 'RELU');
      }
      h = b.pool('AVERAGE_POOL_2D', 'pool', h, [25, 5], [25, 5]);
      h = b.reshape('flatten', h, [1, 64]);
      return b.softmax('softmax', L.dense('dense', h, 12, 'NONE'));
    },
    // ResNet-8: three residual stacks (16, 32, 64 filters; 1x1 stride-2 shortcuts), average pool, dense 10.
    'resnet-equivalent': () => {
      let h = L.conv('conv', 'conv1', b.input('input', [1, 32, 32, 3], referenceInputQuant(scheme)), 3, 16, 1, 'RELU');
      [16, 32, 64].forEach((filters, i) => {
        const stride = i === 0 ? 1 : 2;
        let t = L.conv('conv', `stack${i}_a`, h, 3, filters, stride, 'RELU');
        t = L.conv('conv', `stack${i}_b`, t, 3, filters, 1, 'NONE');
        const shortcut = stride === 1 ? h : L.conv('conv', `stack${i}_shortcut`, h, 1, filters, stride, 'NONE');
        const s = Math.max(b.quantOf(shortcut).scale[0], b.quantOf(t).scale[0]) * 1.5;
        h = b.add(`stack${i}_add`, shortcut, t, q(L.scale(s), -128), 'RELU');
      });
      h = b.pool('AVERAGE_POOL_2D', 'pool', h, [8, 8], [8, 8]);
      h = b.reshape('flatten', h, [1, 64]);
      return b.softmax('softmax', L.dense('dense', h, 10, 'NONE'));
    },
    // MobileNet-v1, width 0.25, 96x96x3: 13 depthwise-separable blocks, average pool, dense 2.
    'vww-equivalent': () => {
      let h = L.conv('conv', 'conv1', b.input('input', [1, 96, 96, 3], referenceInputQuant(scheme)), 3, 8, 2, 'RELU6');
      const blocks: [number, number][] = [[16, 1], [32, 2], [32, 1], [64, 2], [64, 1], [128, 2], [128, 1], [128, 1], [128, 1], [128, 1], [128, 1], [256, 2], [256, 1]];
      blocks.forEach(([filters, stride], i) => {
        h = L.conv('dw', `dw${i + 1}`, h, 3, b.shapeOf(h)[3], stride, 'RELU6');
        h = L.conv('conv', `pw${i + 1}`, h, 1, filters, 1, 'RELU6');
      });
      h = b.pool('AVERAGE_POOL_2D', 'pool', h, [3, 3], [3, 3]);
      h = b.reshape('flatten', h, [1, 256]);
      return b.softmax('softmax', L.dense('dense', h, 2, 'NONE'));
    },
    // FC autoencoder: 640 → 4 x 128 → 8 → 4 x 128 → 640.
    'ad01-equivalent': () => {
      let h = b.input('input', [1, 640], referenceInputQuant(scheme));
      const units = [128, 128, 128, 128, 8, 128, 128, 128, 128];
      units.forEach((n, i) => (h = L.dense(`dense${i + 1}`, h, n, 'RELU')));
      return L.dense('dense_out', h, 640, 'NONE');
    },
  };
  b.output(builders[name]());
  return b.build({ source: 'edgeq MLPerf Tiny architecture equivalent (random int8 weights, untrained)', model: name, seed });
}
