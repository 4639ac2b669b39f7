// .tflite models as inputs (through @edgeq/tflite's importer): an exported reference model
// runs bit-exact through generate/parity; a corrupt file is one line naming it, exit 4.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReferenceModel } from '@edgeq/ir';
import { exportTflite } from '@edgeq/tflite';
import { edgeq, entries, scratch } from './helpers.js';

describe('.tflite input', () => {
  it('an int8 .tflite passes host parity and generates firmware', async () => {
    const cwd = scratch('tflite');
    writeFileSync(path.join(cwd, 'mbv2mini.tflite'), exportTflite(buildReferenceModel('mbv2mini')));
    const p = await edgeq(['parity', 'mbv2mini.tflite', '--random', '20'], cwd);
    expect(p.exitCode, p.stderr).toBe(0);
    expect(p.stdout.trim()).toBe('parity: 20/20 bit-exact on host (gcc)');
    const g = await edgeq(['--json', 'generate', 'mbv2mini.tflite', '--out', 'fw'], cwd);
    expect(g.exitCode, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout)).toMatchObject({ ok: true, ops: 16, untrained: false });
  });

  it('a corrupt .tflite is one line naming the file, exit 4, no output', async () => {
    const cwd = scratch('tflite-bad');
    writeFileSync(path.join(cwd, 'broken.tflite'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const r = await edgeq(['generate', 'broken.tflite', '--out', 'fw'], cwd);
    expect(r.exitCode).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^edgeq generate: broken\.tflite: /);
    expect(entries(cwd)).toEqual(['broken.tflite']);
  });
});
