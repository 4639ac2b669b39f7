/**
 * Host parity for graphs with several inputs and outputs: the host harness reads every
 * input of a vector and writes every output (checked against hand-worked values), parity
 * compares every output, and a mismatch names the output it is in.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomGraph } from '@edgeq/ir';
import { compareOutputs, hostParity, locateMismatches, runGeneratedOnHost } from '../src/index.js';
import { LEFT_RIGHT_CASE, leftRightGraph } from './multi-io-graph.js';

describe('host harness with several inputs and outputs', () => {
  it('feeds every input and returns every output (hand-worked values)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edgeq-multi-io-host-'));
    try {
      const swapped = [LEFT_RIGHT_CASE.inputs[1], LEFT_RIGHT_CASE.inputs[0]];
      const run = await runGeneratedOnHost(leftRightGraph(), [LEFT_RIGHT_CASE.inputs, swapped], dir, { sanitize: true });
      const signed = (b: Uint8Array) => Array.from(new Int8Array(b.buffer, b.byteOffset, b.length));
      expect(run.outputsByTensor[0].map(signed)).toEqual([LEFT_RIGHT_CASE.sum, LEFT_RIGHT_CASE.side]);
      // Swapped inputs: the sum is the same, "side" now copies right = [2, 10].
      expect(run.outputsByTensor[1].map(signed)).toEqual([LEFT_RIGHT_CASE.sum, [2, 2, 10, 10]]);
      expect(signed(run.outputs[0])).toEqual([...LEFT_RIGHT_CASE.sum, ...LEFT_RIGHT_CASE.side]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('parity compares every output: all elements of both outputs counted', async () => {
    const g = leftRightGraph();
    const report = await hostParity(g, [LEFT_RIGHT_CASE.inputs, LEFT_RIGHT_CASE.inputs]);
    expect(report.stats).toMatchObject({ vectors: 2, exactVectors: 2, elements: 2 * (2 + 4), mismatchedElements: 0 });
  }, 120_000);

  it('refuses a vector with the wrong number of input tensors, naming the inputs', async () => {
    await expect(hostParity(leftRightGraph(), [LEFT_RIGHT_CASE.inputs[0]])).rejects.toThrow(
      /input vector 0 holds 1 tensor\(s\), the graph has 2 input\(s\): "left" \[1, 1, 2, 1\] int8, "right" \[1, 1, 2, 1\] int8/,
    );
  });

  it('a mismatch names its output and the element within it', () => {
    const g = leftRightGraph();
    // Output bytes of one vector: sum (2 bytes) then side (4 bytes); byte 3 is side[1].
    const stats = locateMismatches(g, compareOutputs([Int8Array.of(3, 2, 4, 4, -6, -6)], [Int8Array.of(3, 2, 4, 5, -6, -6)]));
    expect(stats.firstMismatches).toEqual([{ vector: 0, output: 1, element: 1, expected: 4, actual: 5 }]);
  });

  it('a random graph of the several-inputs-and-outputs family is bit-exact under ASan+UBSan', async () => {
    const g = randomGraph(7, { multiIo: true });
    expect(g.inputs.length).toBeGreaterThan(1);
    const { mulberry32, graphInputs } = await import('@edgeq/ir');
    const r = mulberry32(7);
    const vectors = Array.from({ length: 8 }, () => graphInputs(g).map((t) => Int8Array.from({ length: t.elements }, () => Math.floor(r() * 256) - 128)));
    const report = await hostParity(g, vectors, { sanitize: true });
    expect(report.stats.exactVectors, report.line).toBe(8);
  }, 120_000);
});
