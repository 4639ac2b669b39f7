// Issue 12: Keras .keras/.h5 and float32 .tflite files as the model argument of ptq/qat, run as
// a user would (fixtures of @edgeq/qat's reader tests). A good file quantises to a QGraph; a
// truncated one is one line naming the file and the fault, exit 4, nothing written; the
// integer-side commands refuse a float file with what to run instead (exit 2).
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/inputs/npy.js';
import { edgeq, entries, scratch } from './helpers.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../qat/test/fixtures');
const lines = (s: string) => s.split('\n').filter((l) => l.trim().length > 0);

/** 32 images [8, 8, 2] (the fixtures' input) with labels 0..2. */
function writeData(cwd: string): string[] {
  const images = Uint8Array.from({ length: 32 * 128 }, (_, i) => (i * 37) % 256);
  writeFileSync(path.join(cwd, 'x.npy'), encodeNpy(images, [32, 8, 8, 2]));
  writeFileSync(path.join(cwd, 'y.npy'), encodeNpy(Uint8Array.from({ length: 32 }, (_, i) => i % 3), [32]));
  return ['--data', 'x.npy', '--labels', 'y.npy'];
}

describe('Keras and float .tflite files as the model argument', () => {
  it('ptq from a Keras 2 .h5 writes a QGraph; qat from a float .tflite writes a QGraph', async () => {
    const cwd = scratch('model-files');
    const data = writeData(cwd);
    copyFileSync(path.join(FIXTURES, 'keras2-fixture.h5'), path.join(cwd, 'model.h5'));
    copyFileSync(path.join(FIXTURES, 'float-fixture.tflite'), path.join(cwd, 'float.tflite'));
    const a = await edgeq(['ptq', 'model.h5', ...data, '--calibration', '16', '--out', 'a.qgraph.json'], cwd);
    expect(a.stderr).toBe('');
    expect(a.exitCode).toBe(0);
    expect(a.stdout).toContain('float: functional_1 loaded from model.h5 (Keras model)');
    const b = await edgeq(['qat', 'float.tflite', ...data, '--batch', '8', '--out', 'b.qgraph.json'], cwd);
    expect(b.stderr).toBe('');
    expect(b.exitCode).toBe(0);
    expect(b.stdout).toContain('float: tflite_float loaded from float.tflite (float32 .tflite model)');
    expect(JSON.parse(readFileSync(path.join(cwd, 'b.qgraph.json'), 'utf8')).ops.length).toBeGreaterThan(0);
  });

  it('a truncated .keras: exit 4, one line naming the file, nothing written; generate on a float file: exit 2', async () => {
    const cwd = scratch('model-files-bad');
    const data = writeData(cwd);
    const zip = readFileSync(path.join(FIXTURES, 'keras3-fixture.keras'));
    writeFileSync(path.join(cwd, 'cut.keras'), zip.subarray(0, zip.length - 300));
    const before = entries(cwd);
    const r = await edgeq(['ptq', 'cut.keras', ...data, '--out', 'x.qgraph.json'], cwd);
    expect(r.exitCode).toBe(4);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^edgeq ptq: cut\.keras: cannot be read as a \.keras zip \(truncated or damaged\?\)/);
    expect(entries(cwd)).toEqual(before);
    copyFileSync(path.join(FIXTURES, 'float-fixture.tflite'), path.join(cwd, 'float.tflite'));
    const g = await edgeq(['generate', 'float.tflite', '--out', 'fw'], cwd);
    expect(g.exitCode).toBe(2);
    expect(g.stderr).toContain('float.tflite: a float32 .tflite model; quantise it first');
  });
});
