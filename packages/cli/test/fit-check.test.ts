// Issue 13, Done-when 4 (first sentence): the target's flash and RAM are checked before any
// build in generate / parity / bench. Flash overflow on the Cortex-M0 (micro:bit: 256 KiB flash,
// 16 KiB RAM) and an oversized model on the Cortex-M4 are refused with one line, exit 4, sizes and
// shortfall; a model no target can hold is refused for the host too. "Before any build" is shown
// by running with a PATH that holds no compiler at all: a build would fail with exit 6 instead.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, GraphBuilder, q, randomGraph, REFERENCE_MODELS, saveQGraph, type QGraph } from '@edgeq/ir';
import { generateModel } from '@edgeq/codegen';
import { modelNeeds } from '../src/fit-check.js';
import { edgeq, entries, scratch } from './helpers.js';

/** PATH with node's directory only: no gcc, arm-none-eabi-gcc or QEMU. */
const NO_TOOLS = { PATH: path.dirname(process.execPath) };

/** One FULLY_CONNECTED: [1, inputs] → [1, units], with inputs·units bytes of int8 weights. */
function denseGraph(name: string, inputs: number, units: number): QGraph {
  const b = new GraphBuilder(name, { scales: 'fixed', rounding: 'tflm' });
  const x = b.input('x', [1, inputs], q(0.05, 0));
  const weights = Int8Array.from({ length: inputs * units }, (_, k) => ((k * 37) % 255) - 127);
  b.output(b.fullyConnected(x, { name: 'dense', weights, weightShape: [units, inputs], weightScales: new Array(units).fill(0.01), bias: new Int32Array(units), out: q(0.5, 0) }));
  return b.build();
}

/** A PAD of a [1, 1024, 1024, 4] int8 input (4 MiB) to [1, 1026, 1026, 4]: arena ≥ 8 MiB, no constants. */
function hugeArenaGraph(): QGraph {
  const b = new GraphBuilder('huge_arena', { scales: 'fixed', rounding: 'tflm' });
  const x = b.input('x', [1, 1024, 1024, 4], q(0.05, 0));
  b.output(b.pad('pad', x, [[0, 0], [1, 1], [1, 1], [0, 0]]));
  return b.build();
}

describe('modelNeeds is a lower bound of the generated firmware', () => {
  it('constants and arena never exceed what codegen emits (reference models, 40 random graphs, every scheme)', async () => {
    const graphs = [
      ...REFERENCE_MODELS.flatMap((name) => [buildReferenceModel(name), buildReferenceModel(name, { scales: 'pow2', rounding: 'tflm' }), buildReferenceModel(name, { scales: 'fixed', rounding: 'fp32' })]),
      ...Array.from({ length: 40 }, (_, k) => randomGraph(k + 1)),
    ];
    for (const g of graphs) {
      const needs = modelNeeds(g);
      const gen = await generateModel(g);
      expect(needs.constantBytes, g.name).toBeLessThanOrEqual(gen.constBytes);
      expect(needs.arenaBytes, g.name).toBeLessThanOrEqual(gen.plan.arenaBytes);
      expect(needs.arenaBytes, g.name).toBeGreaterThan(0);
    }
  });
});

describe('the fit check before building', () => {
  it('flash overflow on the Cortex-M0: 307,200 B of constants on 262,144 B of flash (generate, parity, bench)', async () => {
    const cwd = scratch('fit-m0');
    await saveQGraph(denseGraph('big_dense', 600, 512), path.join(cwd, 'big.qgraph.json'));
    // 600 · 512 = 307,200 B of weights + 512 · 4 = 2,048 B of bias = 309,248 B; 309,248 − 262,144 = 47,104.
    const line = 'big.qgraph.json: does not fit Cortex-M0 (QEMU microbit, nRF51822) (cortex-m0), before building: flash: constants 309,248 B, the target has 262,144 B, short by 47,104 B';
    const runs = await Promise.all([
      edgeq(['generate', 'big.qgraph.json', '--target', 'cortex-m0', '--out', 'fw'], cwd, NO_TOOLS),
      edgeq(['parity', 'big.qgraph.json', '--target', 'cortex-m0', '--random', '2'], cwd, NO_TOOLS),
      edgeq(['bench', 'big.qgraph.json', '--targets', 'cortex-m0', '--runs', '2'], cwd, NO_TOOLS),
    ]);
    for (const [k, command] of ['generate', 'parity', 'bench'].entries()) {
      expect(runs[k].exitCode, `${command}: ${runs[k].stderr}`).toBe(4);
      expect(runs[k].stderr).toBe(`edgeq ${command}: ${line}`);
    }
    expect(entries(cwd)).toEqual(['big.qgraph.bin', 'big.qgraph.json']);
  });

  it('an oversized model on the Cortex-M4, and for the host a model no target can hold', async () => {
    const cwd = scratch('fit-m4');
    await saveQGraph(hugeArenaGraph(), path.join(cwd, 'huge.qgraph.json'));
    const [m4, bench, host] = await Promise.all([
      edgeq(['parity', 'huge.qgraph.json', '--target', 'cortex-m4', '--random', '1'], cwd, NO_TOOLS),
      edgeq(['bench', 'huge.qgraph.json', '--targets', 'host,cortex-m4', '--runs', '1'], cwd, NO_TOOLS),
      edgeq(['generate', 'huge.qgraph.json', '--out', 'fw'], cwd, NO_TOOLS),
    ]);
    // The arena holds the input (4,194,304 B) and the padded output (1026 · 1026 · 4 = 4,210,704 B) at once.
    const arena = '8,405,008';
    expect(m4.exitCode, m4.stderr).toBe(4);
    expect(m4.stderr).toBe(
      `edgeq parity: huge.qgraph.json: does not fit Cortex-M4F (QEMU mps2-an386) (cortex-m4), before building: RAM: arena ${arena} B + stack 8,192 B = 8,413,200 B, the target has 4,194,304 B, short by 4,218,896 B`,
    );
    const noTarget = `huge.qgraph.json: fits no edgeq target, before building: arena ${arena} B + stack 8,192 B exceed the largest RAM, 4,194,304 B (cortex-m3), by 4,218,896 B`;
    for (const [r, command] of [[bench, 'bench'], [host, 'generate']] as const) {
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toBe(`edgeq ${command}: ${noTarget}`);
    }
    expect(entries(cwd)).toEqual(['huge.qgraph.bin', 'huge.qgraph.json']);
  });

  it('constants that fit but a linked image that does not: refused after linking with the measured flash, exit 4', async () => {
    const cwd = scratch('fit-link');
    // 1000 · 255 = 255,000 B of weights + 1,020 B of bias = 256,020 B: 6,124 B under the M0's flash,
    // less than the runtime's code and the requantisation tables need.
    await saveQGraph(denseGraph('almost', 1000, 255), path.join(cwd, 'almost.qgraph.json'));
    const r = await edgeq(['parity', 'almost.qgraph.json', '--target', 'cortex-m0', '--random', '2'], cwd);
    expect(r.exitCode, r.stderr).toBe(4);
    const m = /^edgeq parity: firmware refused: does not fit Cortex-M0 \(QEMU microbit, nRF51822\): needs ([\d,]+) B of flash \(text ([\d,]+) \+ data ([\d,]+)\) but the target has 262,144 B; short by ([\d,]+) B$/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const [needed, text, data, short] = m!.slice(1).map((v) => Number(v.replace(/,/g, '')));
    expect(needed).toBe(text + data);
    expect(needed).toBeGreaterThan(256_020);
    expect(short).toBe(needed - 262_144);
  });

  it('a model that fits passes the check (the M0 holds 120,000 B of constants)', async () => {
    const cwd = scratch('fit-ok');
    await saveQGraph(denseGraph('dense', 300, 400), path.join(cwd, 'ok.qgraph.json'));
    const r = await edgeq(['--json', 'generate', 'ok.qgraph.json', '--target', 'cortex-m0', '--out', 'fw'], cwd, NO_TOOLS);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, target: 'cortex-m0' });
  });
});
