/**
 * Cortex-M parity for graphs with several inputs and outputs: the firmware harness reads
 * every input of each vector through semihosting and writes every output; under QEMU
 * (Cortex-M4) every output is bit-exact with the interpreter.
 */
import { describe, expect, it } from 'vitest';
import { ALL_RANDOM_OPS, graphInputs, mulberry32, randomGraph, type QGraph } from '@edgeq/ir';
import { deviceParity, getCortexMTarget, renderHarnessMain } from '../src/targets/index.js';
import { LEFT_RIGHT_CASE, leftRightGraph } from './multi-io-graph.js';

function vectors(g: QGraph, count: number, seed: number): Int8Array[][] {
  const r = mulberry32(seed);
  return Array.from({ length: count }, () => graphInputs(g).map((t) => Int8Array.from({ length: t.elements }, () => Math.floor(r() * 256) - 128)));
}

describe('several inputs and outputs on Cortex-M4 (QEMU)', () => {
  it('the hand-worked graph and three random multi-I/O graphs are bit-exact on every output', async () => {
    const target = getCortexMTarget('cortex-m4');
    const hand = await deviceParity(leftRightGraph(), [LEFT_RIGHT_CASE.inputs], { target });
    expect(hand.stats).toMatchObject({ vectors: 1, exactVectors: 1, elements: 6 });
    // int8 boundaries (the firmware harness streams int8): no QUANTIZE / DEQUANTIZE.
    const ops = ALL_RANDOM_OPS.filter((k) => k !== 'boundary');
    for (const seed of [3, 11, 19]) {
      const g = randomGraph(seed, { multiIo: true, ops });
      const r = await deviceParity(g, vectors(g, 10, seed), { target });
      const outputElements = g.outputs.reduce((s, t) => s + g.tensors[t].shape.reduce((a, d) => a * d, 1), 0);
      console.log(`cortex-m4 ${g.name} (${g.inputs.length} inputs, ${g.outputs.length} outputs): ${r.line}`);
      expect(r.stats.elements).toBe(10 * outputElements);
      expect(r.stats.exactVectors, r.line).toBe(10);
    }
  });

  it('the harness main reads each input and writes each output by its own size', () => {
    const c = renderHarnessMain({ prefix: 'lr', inputSize: 5, outputSize: 6, inputSizes: [2, 3], outputSizes: [2, 4], opNames: ['a'] });
    expect(c).toContain('static const uint32_t input_sizes[HARNESS_NUM_INPUTS] = { 2u, 3u };');
    expect(c).toContain('static const uint32_t output_sizes[HARNESS_NUM_OUTPUTS] = { 2u, 4u };');
    expect(() => renderHarnessMain({ prefix: 'lr', inputSize: 6, outputSize: 6, inputSizes: [2, 3], opNames: [] })).toThrow(/inputSizes \[2, 3\] sum to 5, not 6/);
  });
});
