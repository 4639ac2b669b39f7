// tfjs layers model directories: what saveLayersModelFiles writes, loadLayersModelFile reads
// back into a model with the same outputs, in the layout tfjs itself uses; bad files are named.
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { buildReferenceTfModel } from '../src/arch.js';
import { loadLayersModelFile, saveLayersModelFiles } from '../src/tfjs-model-dir.js';
import { QatError } from '../src/errors.js';
import { EdgeqModel } from '../src/model.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** Temporary directories made by this file, removed after its tests. */
const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgeq-tfjs-'));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('tfjs layers model directories', () => {
  it('round trip: same outputs, and tfjs\'s own layout (model.json + one shard listed in its manifest)', async () => {
    const dir = path.join(tmp(), 'm');
    const lm = buildReferenceTfModel('mbv2mini', 2);
    await saveLayersModelFiles(lm, dir);
    const doc = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(doc.format).toBe('layers-model');
    expect(doc.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    const floats = lm.getWeights().reduce((a, w) => a + w.size, 0);
    expect(readFileSync(path.join(dir, 'group1-shard1of1.bin')).byteLength).toBe(4 * floats);
    const back = await loadLayersModelFile(dir);
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 4);
    expect(Array.from((back.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((lm.predict(x) as tf.Tensor).dataSync()));
  });

  it('a Sequential model (whose InputLayer tfjs does not list among its layers) loads and converts with the same outputs', async () => {
    const dir = path.join(tmp(), 'm');
    const seq = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, strides: 2, activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2 }),
      ],
    });
    await saveLayersModelFiles(seq, dir);
    const back = await loadLayersModelFile(dir);
    const m = EdgeqModel.fromLayersModel(back);
    const x = tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 5);
    const want = (seq.predict(x) as tf.Tensor).dataSync();
    const got = m.predictLogits(x).dataSync();
    expect(m.net.nodes[0].kind).toBe('input');
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want[i])));
    m.dispose();
  });

  it('names the file and field at fault', async () => {
    const dir = path.join(tmp(), 'm');
    await saveLayersModelFiles(buildReferenceTfModel('dscnn', 1), dir);
    const mj = path.join(dir, 'model.json');
    const doc = JSON.parse(readFileSync(mj, 'utf8'));
    const expectError = async (re: RegExp) => {
      const e = await loadLayersModelFile(dir).then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(QatError);
      expect((e as Error).message).toMatch(re);
    };
    writeFileSync(mj, JSON.stringify({ ...doc, weightsManifest: [{ ...doc.weightsManifest[0], weights: [{ ...doc.weightsManifest[0].weights[0], quantization: { dtype: 'uint8' } }] }] }));
    await expectError(/weight "conv1\/kernel".*is stored quantised/);
    writeFileSync(mj, JSON.stringify({ ...doc, weightsManifest: [{ ...doc.weightsManifest[0], paths: ['nope.bin'] }] }));
    await expectError(/nope\.bin: weight shard listed in .*model\.json cannot be read/);
    writeFileSync(mj, '{"modelTopology": ');
    await expectError(/model\.json: not valid JSON/);
    writeFileSync(mj, JSON.stringify(doc));
    truncateSync(path.join(dir, 'group1-shard1of1.bin'), 8);
    await expectError(/weightsManifest\[0\]: lists weights of \d+ bytes but its shards hold 8/);
  });
});
