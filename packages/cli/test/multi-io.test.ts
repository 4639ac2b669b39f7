// A model with several inputs and outputs through the CLI: `parity --random N` checks every
// output on the host, `simulate --random N` runs it, and `--data` (one input per file) is
// refused naming the model's inputs.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_RANDOM_OPS, randomGraph, saveQGraph } from '@edgeq/ir';
import { encodeNpy } from '../src/inputs/npy.js';
import { edgeq, scratch } from './helpers.js';

describe('a model with several inputs and outputs', () => {
  const cwd = scratch('multi-io');
  // int8 boundaries: random vectors are int8.
  const g = randomGraph(19, { multiIo: true, ops: ALL_RANDOM_OPS.filter((k) => k !== 'boundary') });
  const outputElements = g.outputs.reduce((s, t) => s + g.tensors[t].shape.reduce((a, d) => a * d, 1), 0);

  it('parity --random N: every output of every vector compared, bit-exact', async () => {
    expect(g.inputs.length).toBe(3);
    await saveQGraph(g, path.join(cwd, 'multi.qgraph.json'));
    const r = await edgeq(['--json', 'parity', 'multi.qgraph.json', '--random', '12'], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.stats).toMatchObject({ vectors: 12, exactVectors: 12, elements: 12 * outputElements, mismatchedElements: 0 });
  });

  it('simulate --random N runs the interpreter on every input', async () => {
    const r = await edgeq(['--json', 'simulate', 'multi.qgraph.json', '--random', '4'], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, samples: 4 });
    expect(JSON.parse(r.stdout).predictions).toHaveLength(4);
  });

  it('--data is refused, naming the inputs', async () => {
    writeFileSync(path.join(cwd, 'x.npy'), encodeNpy(new Uint8Array(2 * 28 * 28), [2, 28, 28]));
    for (const command of ['parity', 'simulate']) {
      const r = await edgeq([command, 'multi.qgraph.json', '--data', 'x.npy'], cwd);
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(/x\.npy: data files feed a model with one input; random_19 has 3: "input_a" \[1, \d+, \d+, \d+\] int8, "input_b" \[[\d, ]+\] int8, "input_c" \[[\d, ]+\] int8 \(use --random N\)/);
    }
  });

  it('simulate needs --data or --random', async () => {
    const r = await edgeq(['simulate', 'multi.qgraph.json'], cwd);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/give --data <source> or --random <n>/);
  });
});
