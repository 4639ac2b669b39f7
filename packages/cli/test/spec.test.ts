// Architecture specs without training: every supported layer type becomes int8 ops whose
// generated C matches the interpreter bit for bit; layer-order mistakes are refused by name.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, REFERENCE_MODELS, REFERENCE_SPECS } from '@edgeq/ir';
import { specToRandomQGraph } from '../src/inputs/spec-graph.js';
import { SPECS_DIR, validateArchSpec } from '../src/inputs/arch-spec.js';
import { edgeq, entries, scratch } from './helpers.js';

const SPEC = {
  name: 'every_layer',
  input: [28, 28, 1],
  layers: [
    { type: 'conv', filters: 8, kernel: 3, act: 'relu', name: 'c1' },
    { type: 'maxpool', size: 2, name: 'mp' },
    { type: 'dw', kernel: 3, stride: 2, multiplier: 2, act: 'relu6', name: 'dw' },
    { type: 'ir', expand: 2, out: 16, name: 'ir' },
    { type: 'avgpool', size: 2, name: 'ap' },
    { type: 'flatten', name: 'flat' },
    { type: 'dense', units: 24, act: 'relu', name: 'fc1' },
    { type: 'dense', units: 10, name: 'fc2' },
    { type: 'softmax', name: 'sm' },
  ],
};

describe('architecture specs', () => {
  it('every layer type maps to the expected ops and shapes', () => {
    const g = specToRandomQGraph(validateArchSpec(SPEC, 'spec.json'), { scales: 'fixed', rounding: 'tflm' });
    expect(g.ops.map((o) => o.type)).toEqual([
      'CONV_2D', 'MAX_POOL_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'ADD',
      'AVERAGE_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'SOFTMAX',
    ]);
    expect(g.tensors[g.ops[2].outputs[0]].shape).toEqual([1, 7, 7, 16]); // 14x14x8 → stride 2, multiplier 2
    expect(g.tensors[g.ops[8].outputs[0]].shape).toEqual([1, 3 * 3 * 16]);
  });

  it('a custom spec passes host parity in both scale modes', async () => {
    const cwd = scratch('spec');
    writeFileSync(path.join(cwd, 'net.json'), JSON.stringify(SPEC));
    for (const scales of ['fixed', 'pow2']) {
      const r = await edgeq(['parity', 'net.json', '--random', '25', '--scales', scales], cwd);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('parity: 25/25 bit-exact on host (gcc)');
    }
  });

  it('dense straight after a convolution is refused, naming the layer', async () => {
    const cwd = scratch('spec-bad');
    writeFileSync(path.join(cwd, 'bad.json'), JSON.stringify({ name: 'bad', input: [28, 28, 1], layers: [{ type: 'conv', filters: 4, kernel: 3 }, { type: 'dense', units: 10, name: 'head' }] }));
    const r = await edgeq(['generate', 'bad.json', '--out', 'fw'], cwd);
    expect(r.exitCode).toBe(4);
    expect(r.stderr.trim()).toBe('edgeq generate: bad.json: layers[1] "head": dense needs a flat input (add "flatten" or "gap" before it), got shape [1, 28, 28, 4]');
    expect(entries(cwd)).toEqual(['bad.json']);
  });

  it('a missing field is refused with the field named', async () => {
    const cwd = scratch('spec-field');
    writeFileSync(path.join(cwd, 'f.json'), JSON.stringify({ name: 'f', input: [28, 28, 1], layers: [{ type: 'conv', kernel: 3, name: 'c' }] }));
    const r = await edgeq(['generate', 'f.json'], cwd);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(/^edgeq generate: f\.json: layers\[0\] "c": filters: /);
  });

  it('the shipped spec files are the reference specs of @edgeq/ir, and build its reference models', () => {
    for (const name of REFERENCE_MODELS) {
      const file = path.join(SPECS_DIR, `${name}.json`);
      const spec = validateArchSpec(JSON.parse(readFileSync(file, 'utf8')), file);
      expect(spec).toEqual(REFERENCE_SPECS[name]);
      for (const scheme of [{ scales: 'fixed', rounding: 'tflm' }, { scales: 'pow2', rounding: 'tflm' }] as const) {
        const fromFile = specToRandomQGraph(spec, scheme, 2);
        const reference = buildReferenceModel(name, scheme, 2);
        expect(fromFile.tensors).toEqual(reference.tensors);
        expect(Buffer.from(fromFile.blob).equals(Buffer.from(reference.blob))).toBe(true);
      }
    }
  });
});
