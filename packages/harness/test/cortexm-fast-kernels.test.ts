// Device parity of runtime-c's specialised kernels (csrc/edgeq_pointwise_conv_s8.c,
// edgeq_conv_im2col_s8.c, edgeq_depthwise_conv_3x3_s8.c): the 1x1 matrix product, the
// general conv column and the 3x3 depthwise plane, in every requantisation mode (tflm,
// single, pow2 - pow2 also takes the narrower-clamp variants), on the Cortex-M DSP path
// and on the portable path forced with EDGEQ_NO_DSP, under QEMU, bit for bit against the
// interpreter; dscnn also on Cortex-M3 (portable C) and Cortex-M0 (ARMv6-M assembly loops).
// Each case first checks that the generated C really calls the fast kernel it claims to test.
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, randomGraph, type QGraph, type QuantScheme } from '@edgeq/ir';
import { generateModel } from '@edgeq/codegen';
import { extremeAndRandomVectors } from './support/input-vectors.js';
import { deviceParity, getCortexMTarget } from '../src/targets/index.js';

const SCHEMES: Array<[string, QuantScheme]> = [
  ['tflm', { scales: 'fixed', rounding: 'tflm' }],
  ['single', { scales: 'fixed', rounding: 'single' }],
  ['pow2', { scales: 'pow2', rounding: 'tflm' }],
];
const PATHS: Array<[string, Record<string, true>]> = [
  ['dsp', {}],
  ['portable (EDGEQ_NO_DSP)', { EDGEQ_NO_DSP: true }],
];

const vectors = extremeAndRandomVectors;

async function fastCalls(g: QGraph): Promise<string[]> {
  const m = await generateModel(g);
  const c = m.files.get(`${m.fileBase}.c`)!;
  return [...new Set(c.match(/edgeq_(pointwise_conv|conv_im2col|depthwise_conv_3x3)_s8_[a-z0-9_]+(?=\()/g) ?? [])].sort();
}

describe.each(SCHEMES)('fast kernels, %s rounding, on Cortex-M4', (mode, scheme) => {
  it.each(PATHS)('dscnn (1x1, column conv, 3x3 depthwise stride 1 and 2) is bit-exact, %s path', async (_p, defines) => {
    const g = buildReferenceModel('dscnn', scheme, 7);
    const calls = await fastCalls(g);
    const suffix = mode === 'pow2' ? 'pow2_clamp' : mode;
    expect(calls).toEqual([`edgeq_conv_im2col_s8_${suffix}`, `edgeq_depthwise_conv_3x3_s8_${suffix}`, `edgeq_pointwise_conv_s8_${suffix}`]);
    const r = await deviceParity(g, vectors(g, 12, 21), { target: getCortexMTarget('cortex-m4'), defines });
    expect(r.stats.mismatchedElements).toBe(0);
    expect(r.stats.exactVectors).toBe(12);
  });

  it.each(PATHS)('random conv/depthwise graphs that use fast kernels are bit-exact, %s path', async (_p, defines) => {
    let tested = 0;
    for (let seed = 1; seed < 200 && tested < 3; seed++) {
      const g = randomGraph(seed * 7919 + 3, { scheme, ops: ['conv', 'dw'], maxLayers: 4 });
      if (g.inputs.length !== 1 || g.outputs.length !== 1) continue;
      if (g.tensors[g.inputs[0]].dtype !== 'int8' || g.tensors[g.outputs[0]].dtype !== 'int8') continue;
      if ((await fastCalls(g)).length === 0) continue;
      const r = await deviceParity(g, vectors(g, 6, seed), { target: getCortexMTarget('cortex-m4'), defines });
      expect(r.stats.exactVectors, `seed ${seed * 7919 + 3}: ${r.line}`).toBe(6);
      tested++;
    }
    expect(tested).toBe(3);
  }, 600_000);
});

describe('fast kernels on a core without DSP (Cortex-M3)', () => {
  it('dscnn in tflm rounding is bit-exact on the portable path', async () => {
    const g = buildReferenceModel('dscnn', SCHEMES[0][1], 8);
    const r = await deviceParity(g, vectors(g, 8, 22), { target: getCortexMTarget('cortex-m3') });
    expect(r.stats.exactVectors).toBe(8);
  });
});

describe('fast kernels on ARMv6-M (Cortex-M0, micro:bit)', () => {
  it('dscnn in tflm rounding is bit-exact with the ARMv6-M assembly loops (1x1, column conv, FULLY_CONNECTED)', async () => {
    const g = buildReferenceModel('dscnn', SCHEMES[0][1], 9);
    const r = await deviceParity(g, vectors(g, 6, 23), { target: getCortexMTarget('cortex-m0') });
    expect(r.stats.mismatchedElements).toBe(0);
    expect(r.stats.exactVectors).toBe(6);
  });
});
