// --json: every command prints exactly one parseable JSON document on stdout, for success
// and for failure, with the figures the human output gives.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../src/inputs/npy.js';
import { edgeq, entries, scratch } from './helpers.js';

describe('--json', () => {
  const cwd = scratch('json');

  it('generate: manifest with sizes; the firmware dir holds it', async () => {
    const r = await edgeq(['--json', 'generate', 'mbv2mini', '--target', 'cortex-m4', '--scales', 'pow2', '--out', 'fw'], cwd);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, model: 'mbv2mini', target: 'cortex-m4', quantization: { scales: 'pow2' }, untrained: true });
    expect(doc.arenaBytes).toBeGreaterThan(0);
    expect(doc.constantBytes).toBeGreaterThan(0);
    // Flash per layer: mbv2mini's 12 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED ops, int8 weights inside their constants.
    expect(doc.layers).toHaveLength(12);
    for (const l of doc.layers) expect(l.weightBits === 8 && l.weightBytes > 0 && l.weightBytes < l.constantBytes, JSON.stringify(l)).toBe(true);
    expect(entries(path.join(cwd, 'fw'))).toEqual(expect.arrayContaining(['edgeq-firmware.json', 'src', 'harness', 'Makefile', 'CMakeLists.txt']));
    expect(entries(path.join(cwd, 'fw', 'src'))).toEqual(expect.arrayContaining(['model.c', 'model.h', 'edgeq.h']));
    expect(JSON.parse(readFileSync(path.join(cwd, 'fw', 'edgeq-firmware.json'), 'utf8')).arenaBytes).toBe(doc.arenaBytes);
    expect(readFileSync(path.join(cwd, 'fw', 'src', 'model.h'), 'utf8')).toContain(`#define MBV2MINI_ARENA_BYTES ${doc.arenaBytes}`);
  });

  it('parity: stats and the verdict line', async () => {
    const r = await edgeq(['--json', 'parity', 'dscnn', '--random', '30'], cwd);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.stats).toMatchObject({ vectors: 30, exactVectors: 30, mismatchedElements: 0 });
    expect(doc.line).toBe('parity: 30/30 bit-exact on host (gcc)');
  });

  it('simulate: predictions and accuracy against labels from .npy files', async () => {
    // 12 images: uint8 pixels; labels chosen so accuracy is checkable from the predictions.
    const n = 12;
    const px = new Uint8Array(n * 28 * 28).map((_, i) => (i * 37) % 256);
    writeFileSync(path.join(cwd, 'x.npy'), encodeNpy(px, [n, 28, 28]));
    const first = JSON.parse((await edgeq(['--json', 'simulate', 'dscnn', '--data', 'x.npy'], cwd)).stdout);
    expect(first.predictions).toHaveLength(n);
    const labels = Int32Array.from(first.predictions as number[], (p, i) => (i < 9 ? p : (p + 1) % 10));
    writeFileSync(path.join(cwd, 'y.npy'), encodeNpy(labels, [n]));
    const r = await edgeq(['--json', 'simulate', 'dscnn', '--data', 'x.npy', '--labels', 'y.npy', '--dump-layers', 'layers'], cwd);
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, samples: n, correct: 9, accuracy: 9 / n });
    expect(doc.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(n);
    const index = JSON.parse(readFileSync(path.join(cwd, 'layers', 'index.json'), 'utf8'));
    expect(index.layers.map((l: { name: string }) => l.name)).toEqual(['conv1', 'dw2', 'pw2', 'dw3', 'pw3', 'dw4', 'pw4', 'gap', 'dense', 'softmax']);
    expect(entries(path.join(cwd, 'layers', 'sample0'))).toHaveLength(10);
  });

  it('errors are JSON too, with the exit code and its kind', async () => {
    const r = await edgeq(['--json', 'parity', 'nothing-here.qgraph.json'], cwd);
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { exitCode: 3, kind: 'input', message: 'nothing-here.qgraph.json: no such file or directory' } });
    const u = await edgeq(['--json', 'generate', 'dscnn', '--rounding', 'nearest'], cwd);
    expect(u.exitCode).toBe(2);
    expect(JSON.parse(u.stdout).error.kind).toBe('usage');
  });
});
