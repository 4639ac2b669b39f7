// A TensorFlow.js layers model directory (model.json + weight shard, the format tfjs's
// model.save and tensorflowjs_converter write) as the input of ptq/qat, run as a user would.
// The same weights saved as an edgeq model directory must quantise to the same bytes; bad
// directories give one line naming the file and field.
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as q from '@edgeq/qat';
import { edgeq, entries, scratch } from './helpers.js';

const lines = (s: string) => s.split('\n').filter((l) => l.trim().length > 0);
const PTQ = ['--limit', '256', '--calibration', '128'];

describe('a tfjs layers model directory as input', () => {
  const cwd = scratch('tfjs-model');

  beforeAll(async () => {
    await q.initBackend('wasm');
    const lm = q.buildReferenceTfModel('dscnn', 3);
    await q.saveLayersModelFiles(lm, path.join(cwd, 'tfjs'));
    const m = q.EdgeqModel.fromLayersModel(lm);
    await q.saveModel(m, path.join(cwd, 'edgeq'));
    m.dispose();
    lm.dispose();
  });

  it('ptq from the tfjs directory writes exactly the QGraph ptq writes from the same weights saved by edgeq', async () => {
    const a = await edgeq(['ptq', 'tfjs', ...PTQ, '--out', 'a.qgraph.json'], cwd);
    expect(a.stderr).toBe('');
    expect(a.exitCode).toBe(0);
    expect(a.stdout).toContain(`float: dscnn loaded from ${path.join('tfjs', 'model.json')} (tfjs layers model)`);
    const b = await edgeq(['ptq', 'edgeq', ...PTQ, '--out', 'b.qgraph.json'], cwd);
    expect(b.exitCode).toBe(0);
    expect(readFileSync(path.join(cwd, 'a.qgraph.bin')).equals(readFileSync(path.join(cwd, 'b.qgraph.bin')))).toBe(true);
  });

  it('generate on a float tfjs model says to quantise it first (exit 2, no output)', async () => {
    const r = await edgeq(['generate', 'tfjs', '--out', 'fw'], cwd);
    expect(r.exitCode).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('a float tfjs layers model; quantise it first');
    expect(entries(cwd)).not.toContain('fw');
  });

  it('a truncated weight shard: exit 4, one line naming model.json and the manifest, no output', async () => {
    const bad = scratch('tfjs-bad');
    const lm = q.buildReferenceTfModel('dscnn', 3);
    await q.saveLayersModelFiles(lm, path.join(bad, 'm'));
    lm.dispose();
    truncateSync(path.join(bad, 'm', 'group1-shard1of1.bin'), 1000);
    const r = await edgeq(['ptq', 'm', ...PTQ, '--out', 'x.qgraph.json'], bad);
    expect(r.exitCode).toBe(4);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/model\.json: weightsManifest\[0\]: lists weights of \d+ bytes but its shards hold 1000/);
    expect(entries(bad)).toEqual(['m']);
  });

  it('a graph model (not trainable): exit 4, the line names the format field', async () => {
    const bad = scratch('tfjs-graph');
    mkdirSync(path.join(bad, 'g'));
    writeFileSync(path.join(bad, 'g', 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
    const r = await edgeq(['qat', 'g', '--limit', '256', '--out', 'x.qgraph.json'], bad);
    expect(r.exitCode).toBe(4);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('model.json: format: is "graph-model"; only tfjs layers models');
  });
});
