// Parity of runtime-c's specialised FULLY_CONNECTED and ADD kernels (csrc/
// edgeq_fully_connected_w16_s8.c and _w8_s8.c, edgeq_add_table_s8.c; the int4-weight
// edgeq_fully_connected_s4.c on the W4 graph) against the
// interpreter, bit for bit, in every fast rounding mode (tflm, single, pow2) and with both
// --optimize choices: on the host under ASan+UBSan (the hand-built graph of fc-add-graph.ts
// and random FULLY_CONNECTED/ADD graphs), and under QEMU on Cortex-M4 (DSP path, and the
// portable path forced with EDGEQ_NO_DSP), Cortex-M33 (DSP, v8-M) and Cortex-M0 (ARMv6-M
// assembly loops, no unaligned access). Each case first checks that the generated C calls the kernels it
// claims to test.
import { describe, expect, it } from 'vitest';
import { randomGraph, type QGraph, type QuantScheme } from '@edgeq/ir';
import { generateModel } from '@edgeq/codegen';
import { hostParity } from '../src/index.js';
import { extremeAndRandomVectors } from './support/input-vectors.js';
import { deviceParity, getCortexMTarget, type CortexMTarget } from '../src/targets/index.js';
import { fcAddGraph } from './fc-add-graph.js';

const SCHEMES: Array<[string, QuantScheme]> = [
  ['tflm', { scales: 'fixed', rounding: 'tflm' }],
  ['single', { scales: 'fixed', rounding: 'single' }],
  ['pow2', { scales: 'pow2', rounding: 'tflm' }],
];
const OPTIMIZE = ['speed', 'size'] as const;

const vectors = extremeAndRandomVectors;

/** The FULLY_CONNECTED / ADD kernels the generated C calls. */
async function fcAddCalls(g: QGraph, optimize: 'speed' | 'size'): Promise<string[]> {
  const m = await generateModel(g, { optimize });
  const c = m.files.get(`${m.fileBase}.c`)!;
  return [...new Set(c.match(/edgeq_(fully_connected_w(8|16)_s8|fully_connected_s4|add_table_s8)_[a-z0-9_]+(?=\()|edgeq_add_(terms_)?s8(?=\()/g) ?? [])].sort();
}

/** What fcAddGraph must call: the ADD table kernels (tables in flash for speed, built at run time for size) and the FC kernel. */
function expectedCalls(mode: string, optimize: 'speed' | 'size', weightBits: 4 | 8 = 8): string[] {
  const fc = weightBits === 4 ? `edgeq_fully_connected_s4_${mode}` : `edgeq_fully_connected_${optimize === 'speed' ? 'w16' : 'w8'}_s8_${mode}`;
  const add = [`edgeq_add_table_s8_${mode}`, `edgeq_add_table_s8_${mode}_clamp`, ...(optimize === 'size' ? ['edgeq_add_terms_s8'] : [])];
  return [...add, fc, `${fc}_clamp`].sort();
}

describe.each(SCHEMES)('FULLY_CONNECTED and ADD kernels, %s rounding', (mode, scheme) => {
  it.each(OPTIMIZE)('optimize %s: bit-exact on the host under ASan+UBSan (hand-built graph and random graphs)', async (optimize) => {
    const g = fcAddGraph(scheme);
    expect(await fcAddCalls(g, optimize)).toEqual(expectedCalls(mode, optimize));
    const r = await hostParity(g, vectors(g, 16, 3), { sanitize: true, codegen: { optimize } });
    expect(r.stats.exactVectors, r.line).toBe(16);
    let tested = 0;
    for (let seed = 1; seed < 60 && tested < 2; seed++) {
      const rg = randomGraph(seed * 104729 + 11, { scheme, ops: ['fc', 'add', 'conv'], maxLayers: 4 });
      if (rg.inputs.length !== 1 || rg.tensors[rg.inputs[0]].dtype !== 'int8' || rg.tensors[rg.outputs[0]].dtype !== 'int8') continue;
      if (!(await fcAddCalls(rg, optimize)).some((f) => f.startsWith('edgeq_fully_connected_w'))) continue;
      const rr = await hostParity(rg, vectors(rg, 6, seed), { sanitize: true, codegen: { optimize } });
      expect(rr.stats.exactVectors, `seed ${seed * 104729 + 11}: ${rr.line}`).toBe(6);
      tested++;
    }
    expect(tested).toBe(2);
  });

  it('int4 weights (edgeq_fully_connected_s4, both --optimize choices): bit-exact on the host under ASan+UBSan', async () => {
    const g = fcAddGraph(scheme, 7, 4);
    for (const optimize of OPTIMIZE) {
      expect(await fcAddCalls(g, optimize)).toEqual(expectedCalls(mode, optimize, 4));
      const r = await hostParity(g, vectors(g, 12, 4), { sanitize: true, codegen: { optimize } });
      expect(r.stats.exactVectors, `${optimize}: ${r.line}`).toBe(12);
    }
  });
});

/**
 * Device runs (each one firmware build and QEMU run), chosen to cover each kernel path once
 * per core family: the DSP paths of both weight layouts in every rounding mode's requantisation
 * on Cortex-M4 (tflm with both layouts; single and pow2 share the layouts' loops), v8-M.main
 * (Cortex-M33) with both layouts, the portable paths on Cortex-M4 (EDGEQ_NO_DSP) and
 * Cortex-M0 (no unaligned access), and the ARMv6-M assembly loop of the int8 layout (Cortex-M0,
 * size: rows with an input tail, blocks of four rows then single rows).
 */
const DEVICE_RUNS: Array<[string, CortexMTarget['id'], QuantScheme, 'speed' | 'size', Record<string, true>]> = [
  ['Cortex-M4 DSP, tflm, speed', 'cortex-m4', SCHEMES[0][1], 'speed', {}],
  ['Cortex-M4 DSP, tflm, size', 'cortex-m4', SCHEMES[0][1], 'size', {}],
  ['Cortex-M4 DSP, single, speed', 'cortex-m4', SCHEMES[1][1], 'speed', {}],
  ['Cortex-M4 DSP, pow2, size', 'cortex-m4', SCHEMES[2][1], 'size', {}],
  ['Cortex-M4 portable (EDGEQ_NO_DSP), tflm, size', 'cortex-m4', SCHEMES[0][1], 'size', { EDGEQ_NO_DSP: true }],
  ['Cortex-M33 DSP, tflm, speed', 'cortex-m33', SCHEMES[0][1], 'speed', {}],
  ['Cortex-M33 DSP, single, size', 'cortex-m33', SCHEMES[1][1], 'size', {}],
  ['Cortex-M0 portable, pow2, speed', 'cortex-m0', SCHEMES[2][1], 'speed', {}],
  ['Cortex-M0 ARMv6-M int8-weight loop, tflm, size', 'cortex-m0', SCHEMES[0][1], 'size', {}],
];

/**
 * The int4-weight kernel's paths: DSP on v7E-M and v8-M.main, portable C on Cortex-M0 (its
 * portable C on Cortex-M4, EDGEQ_NO_DSP, runs in runtime-c's kernel suite through
 * edgeq_conv_im2col_s4, which shares the inner product).
 */
const W4_DEVICE_RUNS: typeof DEVICE_RUNS = [
  ['int4 weights: Cortex-M4 DSP, tflm, size', 'cortex-m4', SCHEMES[0][1], 'size', {}],
  ['int4 weights: Cortex-M33 DSP, pow2, speed', 'cortex-m33', SCHEMES[2][1], 'speed', {}],
  ['int4 weights: Cortex-M0 portable, tflm, speed', 'cortex-m0', SCHEMES[0][1], 'speed', {}],
];

describe('FULLY_CONNECTED and ADD kernels under QEMU', () => {
  it.each([...DEVICE_RUNS, ...W4_DEVICE_RUNS])('%s: bit-exact', async (title, core, scheme, optimize, defines) => {
    const g = fcAddGraph(scheme, 6, title.startsWith('int4') ? 4 : 8);
    const r = await deviceParity(g, vectors(g, 12, 5), { target: getCortexMTarget(core), codegen: { optimize }, defines });
    expect(r.stats.exactVectors, r.line).toBe(12);
  });
});
