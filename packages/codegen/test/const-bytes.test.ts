/**
 * The constant bytes codegen reports (per op and per model) are what the Cortex-M object
 * file holds: compile the generated model.c with arm-none-eabi-gcc and add up the sizes
 * arm-none-eabi-nm gives for every const object the ops declare (weights, biases,
 * requantisation arrays, tables, parameter structs).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReferenceModel, randomGraph, type QGraph, type QuantScheme } from '@edgeq/ir';
import { compile, crossToolchain, getCortexMTarget, symbolSizes } from '@edgeq/harness';
import { RUNTIME_INCLUDE_DIR } from '@edgeq/runtime-c';
import { generateModel } from '../src/index.js';

let dir = '';
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-const-bytes-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const TFLM: QuantScheme = { scales: 'fixed', rounding: 'tflm' };
/** Name, graph, fast kernels, --optimize (default speed). */
const CASES: [string, QGraph, boolean, ('speed' | 'size')?][] = [
  ['dscnn, fast kernels', buildReferenceModel('dscnn', TFLM), true],
  ['dscnn, fast kernels, --optimize size', buildReferenceModel('dscnn', TFLM), true, 'size'],
  ['dscnn, reference kernels', buildReferenceModel('dscnn', TFLM), false],
  ['mbv2mini pow2, fast kernels', buildReferenceModel('mbv2mini', { scales: 'pow2', rounding: 'tflm' }), true],
  ...[6, 11, 29].map((seed): [string, QGraph, boolean] => [`random graph ${seed} fp32`, randomGraph(seed, { scheme: { scales: 'fixed', rounding: 'fp32' } }), false]),
  ...[5, 17].map((seed): [string, QGraph, boolean] => [`random graph ${seed} single`, randomGraph(seed, { scheme: { scales: 'fixed', rounding: 'single' } }), true]),
  // int4 weights (uint8_t packed arrays) beside int8 layers, on the fast and the reference kernels.
  ['dscnn W4, fast kernels, --optimize size', buildReferenceModel('dscnn', TFLM, 1, 4), true, 'size'],
  ['random graph 7 int4/int8 mixed, fast kernels', randomGraph(7, { weightBits: 'mixed', scheme: TFLM }), true],
];

describe('reported constant bytes', () => {
  it.each(CASES)('%s: equal the const objects of the Cortex-M4 object file', async (name, graph, fastKernels, optimize) => {
    const model = await generateModel(graph, { fastKernels, optimize });
    const caseDir = await fs.mkdtemp(path.join(dir, 'case-'));
    for (const [file, text] of model.files) await fs.writeFile(path.join(caseDir, file), text);
    const object = path.join(caseDir, 'model.o');
    await compile({
      compiler: crossToolchain().gcc,
      sources: [path.join(caseDir, 'model.c')],
      includeDirs: [caseDir, RUNTIME_INCLUDE_DIR],
      output: object,
      flags: [...getCortexMTarget('cortex-m4').cpuFlags, '-O2', '-c'],
    });
    const namesOf = (declarations: string[]) => declarations.map((d) => /^static const \w+ (\w+)/.exec(d)![1]);
    const sizes = await symbolSizes(crossToolchain().nm, object, model.ops.flatMap((op) => namesOf(op.declarations)));
    for (const op of model.ops) {
      const objectBytes = namesOf(op.declarations).map((n) => sizes.get(n) ?? Number.NaN);
      expect(op.constBytes, `${name} op ${op.index} (${op.type})`).toBe(objectBytes.reduce((a, b) => a + b, 0));
    }
    expect(model.constBytes).toBe(model.ops.reduce((sum, op) => sum + op.constBytes, 0));
  });
});
