// A .tflite with 4-bit (INT4) weights as a model input: `simulate` computes exactly what it
// computes on the same graph saved as a QGraph (every layer's output compared byte for byte),
// and `generate` writes firmware for it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { randomGraph, saveQGraph } from '@edgeq/ir';
import { exportTflite } from '@edgeq/tflite';
import { edgeq, entries, scratch } from './helpers.js';

describe('.tflite input with INT4 weights', () => {
  it('a W4/W8 .tflite simulates layer for layer as its QGraph does, and generates firmware', async () => {
    const cwd = scratch('tflite-w4');
    // CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED with int4 weights, beside int8 ones.
    const g = randomGraph(44, { ops: ['conv', 'dw', 'fc', 'add', 'avgpool', 'mean', 'reshape', 'pad'], weightBits: 'mixed' });
    const int4Ops = g.ops.filter((op) => op.inputs[1] !== undefined && g.tensors[op.inputs[1]].dtype === 'int4').map((op) => op.type);
    expect(new Set(int4Ops)).toEqual(new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']));
    writeFileSync(path.join(cwd, 'w4.tflite'), exportTflite(g));
    await saveQGraph(g, path.join(cwd, 'w4.qgraph.json'));

    const dump = (model: string, dir: string) => edgeq(['simulate', model, '--random', '4', '--dump-layers', dir, '--dump-count', '4'], cwd);
    const fromTflite = await dump('w4.tflite', 'tflite');
    expect(fromTflite.exitCode, fromTflite.stderr).toBe(0);
    const fromQGraph = await dump('w4.qgraph.json', 'qgraph');
    expect(fromQGraph.exitCode, fromQGraph.stderr).toBe(0);
    // One directory per sample, one .npy per layer output.
    const samples = entries(path.join(cwd, 'qgraph')).filter((f) => f.startsWith('sample'));
    expect(samples).toHaveLength(4);
    expect(entries(path.join(cwd, 'tflite'))).toEqual(entries(path.join(cwd, 'qgraph')));
    for (const sample of samples) {
      const files = entries(path.join(cwd, 'qgraph', sample));
      expect(files.filter((f) => f.endsWith('.npy'))).toHaveLength(g.ops.length);
      expect(entries(path.join(cwd, 'tflite', sample))).toEqual(files);
      for (const f of files) {
        const file = path.join(sample, f);
        expect(readFileSync(path.join(cwd, 'tflite', file)).equals(readFileSync(path.join(cwd, 'qgraph', file))), file).toBe(true);
      }
    }

    const gen = await edgeq(['--json', 'generate', 'w4.tflite', '--out', 'fw'], cwd);
    expect(gen.exitCode, gen.stderr).toBe(0);
    expect(JSON.parse(gen.stdout)).toMatchObject({ ok: true, ops: g.ops.length, untrained: false });
  });
});
