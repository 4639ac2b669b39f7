/**
 * Test helper: a graph whose every ADD and FULLY_CONNECTED op takes a specialised kernel
 * (codegen fast-elementwise.ts / fast-fully-connected.ts) in each fast rounding mode, with
 * the shapes the kernels treat separately: 103 elements (blocks of four plus a tail of 3),
 * ADD without clamp, with a lower clamp only (RELU, zero point above -128) and with both
 * sides (RELU6 below 127); FULLY_CONNECTED 103 -> 10 (input tail 3; one block of four rows
 * then single rows), 10 -> 7 and 7 -> 4, per-channel and per-tensor weight scales, nonzero
 * input zero points. Every scale is a power of two so the same graph is valid in pow2 mode.
 * weightBits 4: the FULLY_CONNECTED weights are int4 (W4A8; weight scales 4 times larger):
 * 103 inputs are 12 groups of 8 and a tail of 7, 7 outputs an odd row count.
 */
import { GraphBuilder, mulberry32, q, type QGraph, type QuantScheme } from '@edgeq/ir';

export function fcAddGraph(scheme: QuantScheme, seed = 5, weightBits: 4 | 8 = 8): QGraph {
  const r = mulberry32(seed);
  const int8s = (n: number) => Int8Array.from({ length: n }, () => Math.floor(r() * 255) - 127);
  const int32s = (n: number, span: number) => Int32Array.from({ length: n }, () => Math.floor((r() - 0.5) * span));
  const b = new GraphBuilder('fcadd', scheme);
  const x = b.input('x', [1, 1, 1, 103], q(2 ** -4, 3));
  const a1 = b.add('add_plain', x, x, q(2 ** -3, -5));
  const a2 = b.add('add_relu', a1, x, q(2 ** -2, -20), 'RELU');
  const a3 = b.add('add_relu6', a2, a1, q(2 ** -1, -60), 'RELU6');
  const flat = b.reshape('flat', a3, [1, 103]);
  const fc = (name: string, input: number, inFeatures: number, outFeatures: number, perChannel: boolean, out: ReturnType<typeof q>, activation: 'NONE' | 'RELU' | 'RELU6') =>
    b.fullyConnected(input, {
      name, weights: weightBits === 4 ? int8s(inFeatures * outFeatures).map((v) => v >> 4) : int8s(inFeatures * outFeatures), weightShape: [outFeatures, inFeatures], weightBits,
      weightScales: (perChannel ? Array.from({ length: outFeatures }, (_, c) => 2 ** -(6 + (c % 3))) : [2 ** -7]).map((s) => (weightBits === 4 ? 4 * s : s)),
      bias: int32s(outFeatures, 4000), out, activation,
    });
  const f1 = fc('fc_103_10', flat, 103, 10, true, q(2 ** -1, 0), 'RELU');
  const f2 = fc('fc_10_7', f1, 10, 7, true, q(2 ** -2, 5), 'NONE');
  b.output(fc('fc_7_4', f2, 7, 4, false, q(2 ** -4, -100), 'RELU6'));
  return b.build();
}
