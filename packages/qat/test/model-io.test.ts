// Saved models: save → load gives the same weights (bit for bit), ranges, config, schedule
// position and history; the loaded model freezes to the same QGraph bytes, predicts the same
// logits and keeps training exactly like the original. Corrupt directories fail with a
// QatError naming the file and the field; saving never leaves a half-written directory.
import { promises as fs, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { qgraphDoc, type QGraph } from '@edgeq/ir';
import { initBackend } from '../src/backend.js';
import { buildReferenceTfModel } from '../src/arch.js';
import { loadFashionMnist, type ImageSet } from '../src/dataset.js';
import { EdgeqModel } from '../src/model.js';
import { prepare } from '../src/qat.js';
import { train } from '../src/train.js';
import { calibrate } from '../src/calibrate.js';
import { freeze } from '../src/freeze.js';
import { QatError } from '../src/errors.js';
import { loadModel, saveModel, MODEL_DOC_FILE, MODEL_WEIGHTS_FILE } from '../src/model-io.js';
import type { NetNode } from '../src/net.js';
import { buildTinymlLayersModel, tinymlData } from './tinyml-layer-models.js';

/** Temporary directories made by this file, removed after its tests. */
const made: string[] = [];
const tmp = (tag: string) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), `edgeq-model-io-${tag}-`));
  made.push(dir);
  return dir;
};
afterAll(() => Promise.all(made.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

/** Every variable of a model in node order, with a label. */
function variables(m: EdgeqModel): [string, tf.Variable][] {
  return m.net.nodes.flatMap((n): [string, tf.Variable][] => {
    if (n.kind !== 'conv') return [];
    const vs: [string, tf.Variable | undefined][] = [
      [`${n.name}.kernel`, n.kernel], [`${n.name}.bias`, n.bias],
      [`${n.name}.gamma`, n.bn?.gamma], [`${n.name}.beta`, n.bn?.beta], [`${n.name}.mean`, n.bn?.mean], [`${n.name}.variance`, n.bn?.variance],
    ];
    return vs.filter((v): v is [string, tf.Variable] => v[1] !== undefined);
  });
}

/** Raw bytes of a variable (bit-level comparison, NaN- and −0-exact). */
const bytesOf = (v: tf.Variable) => Buffer.from(new Uint8Array((v.dataSync() as Float32Array).slice().buffer));

function expectSameWeights(a: EdgeqModel, b: EdgeqModel): void {
  const va = variables(a);
  const vb = variables(b);
  expect(vb.map(([k]) => k)).toEqual(va.map(([k]) => k));
  for (const [i, [k, v]] of va.entries()) {
    const w = vb[i][1];
    expect(w.shape, k).toEqual(v.shape);
    expect(w.trainable, k).toBe(v.trainable);
    expect(bytesOf(w).equals(bytesOf(v)), k).toBe(true);
  }
}

/** Node structure without the variables. */
const structure = (m: EdgeqModel) =>
  m.net.nodes.map((n: NetNode) => {
    if (n.kind !== 'conv') return n;
    const { kernel, bias, bn, ...rest } = n;
    return { ...rest, hasBias: !!bias, bn: bn && { epsilon: bn.epsilon, momentum: bn.momentum } };
  });

/** A graph as the bytes saveQGraph would write. */
const graphBytes = (g: QGraph) => ({ doc: JSON.stringify(qgraphDoc(g)), blob: Buffer.from(g.blob) });

function expectSameGraph(a: QGraph, b: QGraph): void {
  const x = graphBytes(a);
  const y = graphBytes(b);
  expect(y.doc).toBe(x.doc);
  expect(y.blob.equals(x.blob)).toBe(true);
}

/** A small functional model using every node kind but gap: pad, conv without bias + BN without scale, dw, add, pools, concat, flatten, dense, softmax. */
function mixedModel(): tf.LayersModel {
  const x = tf.input({ shape: [8, 8, 2], name: 'img' });
  const p = tf.layers.zeroPadding2d({ padding: 1, name: 'pad' }).apply(x) as tf.SymbolicTensor;
  let a = tf.layers.conv2d({ filters: 4, kernelSize: 3, useBias: false, name: 'c1' }).apply(p) as tf.SymbolicTensor;
  a = tf.layers.batchNormalization({ scale: false, name: 'c1_bn' }).apply(a) as tf.SymbolicTensor;
  a = tf.layers.reLU({ name: 'c1_relu' }).apply(a) as tf.SymbolicTensor;
  const b = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6', name: 'dw1' }).apply(a) as tf.SymbolicTensor;
  const s = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
  const d = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', name: 'dw2' }).apply(s) as tf.SymbolicTensor;
  const m1 = tf.layers.maxPooling2d({ poolSize: 2, name: 'mp' }).apply(d) as tf.SymbolicTensor;
  const m2 = tf.layers.averagePooling2d({ poolSize: 2, name: 'ap' }).apply(d) as tf.SymbolicTensor;
  const c = tf.layers.concatenate({ name: 'cat' }).apply([m1, m2]) as tf.SymbolicTensor;
  const f = tf.layers.flatten({ name: 'flat' }).apply(c) as tf.SymbolicTensor;
  const y = tf.layers.dense({ units: 3, activation: 'softmax', name: 'fc' }).apply(f) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: y, name: 'mixed' });
}

function syntheticImages(n: number, h: number, w: number, ch: number, classes: number): ImageSet {
  const px = new Uint8Array(n * h * w * ch);
  for (let i = 0; i < px.length; i++) px[i] = (i * 73 + ((i / 7) | 0) * 29) % 256;
  return { images: px, labels: Uint8Array.from({ length: n }, (_, i) => (i * 7) % classes), count: n, height: h, width: w, channels: ch, classes };
}

describe('saveModel / loadModel round trip', () => {
  let data: ImageSet;
  let qat: EdgeqModel;
  let dir: string;

  beforeAll(async () => {
    await initBackend('wasm');
    data = loadFashionMnist('train', { limit: 320 });
    const float = EdgeqModel.fromLayersModel(buildReferenceTfModel('dscnn', 1));
    await train(float, data, { epochs: 1, learningRate: 2e-3, seed: 1 });
    // Stop in the middle of the schedule: ranges recorded and quantising, BN not yet frozen.
    qat = prepare(float, { scales: 'fixed', schedule: { recordSteps: 1, freezeBnStep: 4, freezeRangesStep: 6 } });
    float.dispose();
    await train(qat, data, { epochs: 1, learningRate: 1e-4, seed: 2, maxSteps: 3 });
    dir = path.join(tmp('rt'), 'qat-model');
    await saveModel(qat, dir);
  });

  it('writes the document and one float32 blob holding every weight of the tfjs model', async () => {
    expect(readdirSync(dir).sort()).toEqual([MODEL_DOC_FILE, MODEL_WEIGHTS_FILE]);
    const doc = JSON.parse(readFileSync(path.join(dir, MODEL_DOC_FILE), 'utf8'));
    expect(doc).toMatchObject({ format: 'edgeq.model', version: 1, name: qat.name, phase: 'quant', qatStep: 3 });
    // countParams() counts kernels, biases and all four BN vectors of the tfjs model.
    const tfModel = buildReferenceTfModel('dscnn', 1);
    const blob = readFileSync(path.join(dir, MODEL_WEIGHTS_FILE));
    expect(blob.length).toBe(4 * tfModel.countParams());
    expect(doc.weights.byteLength).toBe(blob.length);
    tfModel.dispose();
    // The manifest's offset of conv1's kernel points at its values, little-endian float32.
    const conv1 = qat.net.nodes.find((n) => n.name === 'conv1');
    if (conv1?.kind !== 'conv') throw new Error('dscnn has conv1');
    const entry = doc.weights.entries.find((e: { name: string }) => e.name === doc.nodes[1].weights.kernel);
    expect(entry.shape).toEqual([3, 3, 1, 16]);
    const k = conv1.kernel.dataSync();
    for (const i of [0, 1, 77, k.length - 1]) expect(blob.readFloatLE(entry.offset + 4 * i)).toBe(k[i]);
  });

  it('load gives identical weights, ranges, config, phase, step and history', async () => {
    const m = await loadModel(dir);
    expectSameWeights(qat, m);
    expect(structure(m)).toEqual(structure(qat));
    expect(m.ranges).toEqual(qat.ranges);
    expect(m.ranges.filter((r) => r).length).toBe(qat.quantizerNodes().length);
    expect(m.config).toEqual(qat.config);
    expect(m.config.schedule).toEqual({ recordSteps: 1, freezeBnStep: 4, freezeRangesStep: 6 });
    expect(m.phase).toBe('quant');
    expect(m.qatStep).toBe(3);
    expect(m.history).toEqual(qat.history);
    m.dispose();
  });

  it('the loaded model freezes to the same QGraph bytes and predicts the same logits', async () => {
    const m = await loadModel(dir);
    expectSameGraph(freeze(qat), freeze(m));
    const x = tf.tidy(() => tf.div(tf.tensor4d(data.images.slice(0, 8 * 784), [8, 28, 28, 1], 'float32'), 255));
    const a = qat.predictLogits(x);
    const b = m.predictLogits(x);
    expect(Buffer.from(b.dataSync().buffer).equals(Buffer.from(a.dataSync().buffer))).toBe(true);
    [x, a, b].forEach((t) => t.dispose());
    m.dispose();
  });

  it('the loaded model keeps training exactly like the original (schedule, BN freeze, ranges)', async () => {
    const m = await loadModel(dir);
    const orig = qat.clone();
    // Steps 3..5 cross the BN freeze (4); ranges are still observed until step 6.
    await train(orig, data, { epochs: 1, learningRate: 1e-4, seed: 3, maxSteps: 3 });
    await train(m, data, { epochs: 1, learningRate: 1e-4, seed: 3, maxSteps: 3 });
    expect(m.qatStep).toBe(6);
    expect(orig.qatStep).toBe(6);
    expectSameWeights(orig, m);
    expect(m.ranges).toEqual(orig.ranges);
    expect(m.ranges).not.toEqual(qat.ranges); // training did move them
    expectSameGraph(freeze(orig), freeze(m));
    orig.dispose();
    m.dispose();
  });

  it('every node kind round-trips: a float model, and its PTQ calibration, freeze identically after loading', async () => {
    const set = syntheticImages(24, 8, 8, 2, 3);
    const float = EdgeqModel.fromLayersModel(mixedModel());
    await train(float, set, { epochs: 1, learningRate: 1e-3, batchSize: 8, seed: 1 });
    const kinds = new Set(float.net.nodes.map((n) => n.kind));
    expect([...kinds].sort()).toEqual(['add', 'avgpool', 'concat', 'conv', 'input', 'maxpool', 'pad', 'reshape', 'softmax']);
    const root = tmp('mixed');
    await saveModel(float, path.join(root, 'float'));
    const lf = await loadModel(path.join(root, 'float'));
    expect(lf.phase).toBe('float');
    expect(structure(lf)).toEqual(structure(float));
    expectSameWeights(float, lf);
    // BN without scale: γ is stored but stays non-trainable.
    const c1 = lf.net.nodes.find((n) => n.name === 'c1');
    expect(c1?.kind === 'conv' && c1.bn?.gamma.trainable).toBe(false);
    expect(c1?.kind === 'conv' && c1.bias).toBeUndefined();
    // PTQ from the loaded float model equals PTQ from the original.
    const pa = await calibrate(float, set, { perChannel: false, scales: 'pow2' });
    const pb = await calibrate(lf, set, { perChannel: false, scales: 'pow2' });
    await saveModel(pb, path.join(root, 'ptq'));
    const lp = await loadModel(path.join(root, 'ptq'));
    expect(lp.config).toEqual(pa.config);
    expectSameGraph(freeze(pa), freeze(lp));
    [float, lf, pa, pb, lp].forEach((m) => m.dispose());
  });

  it('the TinyML layers round-trip too: crop, upsample and logistic nodes, a Conv1D and a SeparableConv2D', async () => {
    const float = EdgeqModel.fromLayersModel(buildTinymlLayersModel(5));
    const kinds = new Set(float.net.nodes.map((n) => n.kind));
    for (const kind of ['crop', 'upsample', 'logistic'] as const) expect(kinds.has(kind), kind).toBe(true);
    const root = tmp('tinyml');
    await saveModel(float, path.join(root, 'float'));
    const lf = await loadModel(path.join(root, 'float'));
    expect(structure(lf)).toEqual(structure(float));
    expectSameWeights(float, lf);
    const set = tinymlData(16, 2);
    const pa = await calibrate(float, set);
    const pb = await calibrate(lf, set);
    expectSameGraph(freeze(pa), freeze(pb));
    [float, lf, pa, pb].forEach((m) => m.dispose());
  });

  it('replaces an existing model directory as a whole', async () => {
    const root = tmp('replace');
    const target = path.join(root, 'm');
    const float = EdgeqModel.fromLayersModel(mixedModel());
    await saveModel(float, target);
    await saveModel(qat, target);
    const m = await loadModel(target);
    expect(m.name).toBe(qat.name);
    expect(readdirSync(root)).toEqual(['m']);
    [float, m].forEach((x) => x.dispose());
  });
});

describe('saveModel never leaves partial output', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('a non-finite weight: QatError naming the layer, no directory, no temporary sibling', async () => {
    const root = tmp('nan');
    const m = EdgeqModel.fromLayersModel(mixedModel());
    const dw1 = m.net.nodes.find((n) => n.name === 'dw1');
    if (dw1?.kind !== 'conv') throw new Error('mixed has dw1');
    dw1.kernel.assign(tf.fill(dw1.kernel.shape, NaN));
    await expect(saveModel(m, path.join(root, 'out'))).rejects.toThrow(/layer "dw1" kernel: holds NaN at element 0/);
    expect(readdirSync(root)).toEqual([]);
    m.dispose();
  });

  it('an existing directory that is not a model is left alone', async () => {
    const root = tmp('foreign');
    writeFileSync(path.join(root, 'keep.txt'), 'mine');
    const m = EdgeqModel.fromLayersModel(mixedModel());
    const err = await saveModel(m, root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QatError);
    expect((err as Error).message).toBe(`${root}: exists and is not an edgeq model directory (no edgeq-model.json); refusing to replace it`);
    expect(readdirSync(root)).toEqual(['keep.txt']);
    m.dispose();
  });
});

describe('loadModel errors name the file and the field', () => {
  let good: string;
  let doc: Record<string, any>;
  let blob: Buffer;

  beforeAll(async () => {
    await initBackend('wasm');
    good = path.join(tmp('good'), 'm');
    const m = EdgeqModel.fromLayersModel(mixedModel());
    await saveModel(m, good);
    m.dispose();
    doc = JSON.parse(readFileSync(path.join(good, MODEL_DOC_FILE), 'utf8'));
    blob = readFileSync(path.join(good, MODEL_WEIGHTS_FILE));
  });

  /** A copy of the good model with its document and/or blob replaced. */
  async function variant(edit: { doc?: (d: Record<string, any>) => void; docText?: string; blob?: Buffer | null; noDoc?: boolean }): Promise<string> {
    const dir = path.join(tmp('bad'), 'm');
    await fs.mkdir(dir);
    const d = structuredClone(doc);
    edit.doc?.(d);
    if (!edit.noDoc) writeFileSync(path.join(dir, MODEL_DOC_FILE), edit.docText ?? JSON.stringify(d));
    if (edit.blob !== null) writeFileSync(path.join(dir, MODEL_WEIGHTS_FILE), edit.blob ?? blob);
    return dir;
  }

  /** loadModel must reject with exactly this QatError message and create no tensors. */
  async function expectError(dir: string, message: string | RegExp): Promise<void> {
    const before = tf.memory().numTensors;
    const err = await loadModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QatError);
    if (typeof message === 'string') expect((err as Error).message).toBe(message);
    else expect((err as Error).message).toMatch(message);
    expect(tf.memory().numTensors).toBe(before);
  }

  it('the good copy loads (the variants below differ from it in one thing each)', async () => {
    const m = await loadModel(await variant({}));
    expect(m.net.nodes.length).toBe(doc.nodes.length);
    m.dispose();
  });

  it('a missing directory', async () => {
    const dir = path.join(tmp('missing'), 'nope');
    await expectError(dir, `${dir}: no such model directory`);
  });

  it('a missing document', async () => {
    const dir = await variant({ noDoc: true });
    await expectError(dir, `${path.join(dir, MODEL_DOC_FILE)}: missing (the model document of a saved model)`);
  });

  it('a missing weights file', async () => {
    const dir = await variant({ blob: null });
    await expectError(dir, `${path.join(dir, MODEL_WEIGHTS_FILE)}: missing (the weights of a saved model)`);
  });

  it('bad JSON', async () => {
    const dir = await variant({ docText: '{"format": "edgeq.model", "version": 1,' });
    await expectError(dir, new RegExp(`^${escape(path.join(dir, MODEL_DOC_FILE))}: not valid JSON: `));
  });

  it('an unknown version', async () => {
    const dir = await variant({ doc: (d) => (d.version = 2) });
    await expectError(dir, `${path.join(dir, MODEL_DOC_FILE)}: version: 2 is not supported (this build of @edgeq/qat reads version 1)`);
  });

  it('another kind of JSON document', async () => {
    const dir = await variant({ docText: JSON.stringify({ format: 'edgeq.qgraph', version: 1 }) });
    await expectError(dir, `${path.join(dir, MODEL_DOC_FILE)}: format: expected "edgeq.model", got "edgeq.qgraph" (not an edgeq model document)`);
  });

  it('a weight of the wrong shape', async () => {
    // Entry 0 is c1's kernel [3, 3, 2, 4]; claim 5 output channels for a 4-channel layer.
    expect(doc.weights.entries[0]).toMatchObject({ name: 'c1/kernel', shape: [3, 3, 2, 4] });
    const dir = await variant({ doc: (d) => (d.weights.entries[0].shape = [3, 3, 2, 5]) });
    await expectError(dir, `${path.join(dir, MODEL_DOC_FILE)}: weights.entries[0] "c1/kernel".shape: [3,3,2,5] does not fit kernel of layer "c1" (conv, expected [3, 3, 2, 4])`);
  });

  it('a blob too short', async () => {
    const dir = await variant({ blob: blob.subarray(0, blob.length - 4) });
    await expectError(dir, `${path.join(dir, MODEL_WEIGHTS_FILE)}: is ${blob.length - 4} bytes, but weights.byteLength in ${path.join(dir, MODEL_DOC_FILE)} is ${blob.length} (truncated file?)`);
  });

  it('a non-finite weight', async () => {
    const e = doc.weights.entries.find((x: { name: string }) => x.name === 'dw2/bias');
    const bad = Buffer.from(blob);
    bad.writeFloatLE(Infinity, e.offset + 4 * 3);
    const dir = await variant({ blob: bad });
    await expectError(dir, `${path.join(dir, MODEL_WEIGHTS_FILE)}: weight "dw2/bias": element 3 is Infinity; weights must be finite`);
  });

  it('a wrong config value', async () => {
    const dir = await variant({ doc: (d) => (d.config.scales = 'log') });
    await expectError(dir, `${path.join(dir, MODEL_DOC_FILE)}: config.scales: expected one of "fixed", "pow2", got "log"`);
  });

  it('a missing schedule field', async () => {
    const dir = await variant({ doc: (d) => delete d.config.schedule.freezeBnStep });
    await expectError(dir, `${path.join(dir, MODEL_DOC_FILE)}: config.schedule.freezeBnStep: expected an integer ≥ 0, got undefined`);
  });

  it('ranges that do not match the nodes', async () => {
    const dir = await variant({ doc: (d) => d.ranges.pop() });
    await expectError(dir, `${path.join(dir, MODEL_DOC_FILE)}: ranges: has ${doc.nodes.length - 1} entries for ${doc.nodes.length} nodes`);
  });

  it('a node referring to a later node', async () => {
    const dir = await variant({ doc: (d) => (d.nodes[1].inputs = [5]) });
    await expectError(dir, `${path.join(dir, MODEL_DOC_FILE)}: nodes[1] "pad".inputs[0]: node 5 is not an earlier node (nodes are in topological order)`);
  });

  it('a weight entry past the end of the blob', async () => {
    const last = doc.weights.entries.length - 1;
    const dir = await variant({ doc: (d) => (d.weights.entries[last].offset += 4) });
    await expectError(dir, new RegExp(`^${escape(path.join(dir, MODEL_DOC_FILE))}: weights\\.entries\\[${last}\\] "fc/bias": ends at byte ${blob.length + 4}, past weights\\.byteLength ${blob.length}$`));
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
