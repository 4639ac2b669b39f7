// Issue 12, Done-when 1 and 3 (readers): the committed fixtures (a Keras 2 .h5, a Keras 3
// .keras, a float32 .tflite; written by test/fixtures/make-model-file-fixtures.ts) load as tfjs
// layers models whose float outputs equal those of the same model built with tf.layers
// (≤ 1e-5 relative), go through PTQ and QAT to a valid QGraph; bad files are refused with one
// line naming the file, the layer and the field.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { validateQGraph } from '@edgeq/ir';
import { TensorType, writeTfliteModel } from '@edgeq/tflite';
import { initBackend } from '../src/backend.js';
import { calibrate } from '../src/calibrate.js';
import { QatError } from '../src/errors.js';
import { freeze } from '../src/freeze.js';
import { loadKerasFile } from '../src/keras-file.js';
import { EdgeqModel } from '../src/model.js';
import { prepare } from '../src/qat.js';
import { loadFloatTflite } from '../src/tflite-float.js';
import { train } from '../src/train.js';
import type { ImageSet } from '../src/dataset.js';
import {
  KERAS_FIXTURE_INPUT, keras2Config, keras3Config, kerasFixtureLayers, kerasFixtureTfjsModel, seededValues,
  tfliteFixtureModel, tfliteFixtureTfjsModel, writeFloatTfliteFixture, writeKeras2H5, writeKeras3,
} from './support/model-file-fixtures.js';
import { relErr } from './support/rel-err.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => path.join(FIXTURES, name);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'edgeq-model-files-'));

beforeAll(async () => {
  await initBackend('wasm');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** 24 synthetic samples of the fixtures' input shape, labels 0..2. */
function syntheticSet(): ImageSet {
  const [height, width, channels] = KERAS_FIXTURE_INPUT;
  const count = 24;
  const images = seededValues(count * height * width * channels, 99, 0.5, 0.5);
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 3), count, height, width, channels, classes: 3 };
}

/** The float outputs agree with the twin, and PTQ and one short QAT epoch both freeze to a valid QGraph. */
async function checkModel(loaded: tf.LayersModel, twin: tf.LayersModel): Promise<void> {
  const x = tf.tensor4d(seededValues(6 * 128, 5, 1, 0.2), [6, ...KERAS_FIXTURE_INPUT] as [number, number, number, number]);
  const want = (twin.predict(x) as tf.Tensor).dataSync() as Float32Array;
  expect(relErr((loaded.predict(x) as tf.Tensor).dataSync() as Float32Array, want)).toBeLessThanOrEqual(1e-5);
  const model = EdgeqModel.fromLayersModel(loaded);
  try {
    // The fused model's forward pass stops at the logits (its softmax node passes them through).
    const probabilities = tf.softmax(model.predictLogits(x)).dataSync() as Float32Array;
    expect(relErr(probabilities, want)).toBeLessThanOrEqual(1e-5);
    const data = syntheticSet();
    const ptq = await calibrate(model, data, { batchSize: 8 });
    expect(() => validateQGraph(freeze(ptq))).not.toThrow();
    ptq.dispose();
    const qat = prepare(model.clone());
    await train(qat, data, { epochs: 1, batchSize: 8, learningRate: 1e-4, seed: 1 });
    expect(() => validateQGraph(freeze(qat))).not.toThrow();
    qat.dispose();
  } finally {
    model.dispose();
  }
}

describe('model files: fixtures load with their twin\'s outputs and go through PTQ and QAT', () => {
  it('Keras 2 .h5', async () => {
    await checkModel(await loadKerasFile(fixture('keras2-fixture.h5')), kerasFixtureTfjsModel(kerasFixtureLayers()));
  });
  it('Keras 3 .keras', async () => {
    await checkModel(await loadKerasFile(fixture('keras3-fixture.keras')), kerasFixtureTfjsModel(kerasFixtureLayers()));
  });
  it('float32 .tflite', async () => {
    await checkModel(loadFloatTflite(new Uint8Array(readFileSync(fixture('float-fixture.tflite'))), 'float-fixture.tflite'), tfliteFixtureTfjsModel());
  });
  it('a Keras 2 Sequential model (no inbound nodes; the input shape on an InputLayer record)', async () => {
    const all = kerasFixtureLayers();
    const layers = [...all.slice(0, 4), { ...all.find((l) => l.name === 'flatten')!, inputs: ['activation'] },
      { ...all.find((l) => l.name === 'dense')!, inputs: ['flatten'], weights: [
        { name: 'kernel', shape: [256, 3], data: seededValues(768, 80, 0.1) }, { name: 'bias', shape: [3], data: seededValues(3, 81, 0.1) }] }];
    const sequential = keras2Config(layers) as { class_name: string; config: { layers: Record<string, unknown>[] } };
    sequential.class_name = 'Sequential';
    sequential.config = { ...sequential.config, layers: sequential.config.layers.map(({ inbound_nodes: _, ...l }) => l) };
    const file = path.join(scratch, 'sequential.h5');
    await writeKeras2H5(layers, file, sequential);
    await checkModel(await loadKerasFile(file), kerasFixtureTfjsModel(layers));
  });

  it('a float .tflite with int8-stored weights (weight-only quantised) is dequantised: scale × value per output channel', () => {
    const m = tfliteFixtureModel();
    const sg = m.subgraphs[0];
    const filter = sg.tensors[sg.operators[3].inputs[1]]; // the 1×1 CONV_2D, OHWI [4, 1, 1, 4]
    const stored = Int8Array.from({ length: 16 }, (_, i) => (i * 29) % 255 - 127);
    m.buffers[filter.buffer] = new Uint8Array(stored.buffer);
    filter.type = TensorType.INT8;
    filter.quantization = { scale: [0.5, 0.25, 0.125, 0.0625], zeroPoint: [0, 0, 0, 0], quantizedDimension: 0 };
    const model = loadFloatTflite(writeTfliteModel(m), 'hybrid.tflite');
    const kernel = model.getLayer('conv_2d_3').getWeights()[0]; // HWIO [1, 1, 4, 4]
    const values = kernel.dataSync();
    // HWIO [0][0][in][out] holds OHWI [out][0][0][in] × scale[out] (powers of two: exact).
    for (let o = 0; o < 4; o++) for (let i = 0; i < 4; i++) expect(values[i * 4 + o]).toBe(stored[o * 4 + i] * 0.5 ** (o + 1));
  });

  it('the committed fixtures are what the writers write today', async () => {
    writeFloatTfliteFixture(path.join(scratch, 'f.tflite'));
    expect(readFileSync(path.join(scratch, 'f.tflite')).equals(readFileSync(fixture('float-fixture.tflite')))).toBe(true);
  });
});

/** The one-line message of a refusal. */
async function refusal(load: () => Promise<unknown> | unknown): Promise<string> {
  const e = await (async () => load())().then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(Error);
  const message = (e as Error).message;
  expect(message.split('\n')).toHaveLength(1);
  return message;
}

describe('model files: bad input is refused naming the file, layer and field', () => {
  it('a truncated .h5 and a truncated .keras', async () => {
    const h5 = path.join(scratch, 'cut.h5');
    const bytes = readFileSync(fixture('keras2-fixture.h5'));
    writeFileSync(h5, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(await refusal(() => loadKerasFile(h5))).toMatch(new RegExp(`^${h5}.*(truncated|damaged)`));
    const keras = path.join(scratch, 'cut.keras');
    const zip = readFileSync(fixture('keras3-fixture.keras'));
    writeFileSync(keras, zip.subarray(0, zip.length - 200));
    expect(await refusal(() => loadKerasFile(keras))).toMatch(new RegExp(`^${keras}.*(truncated|damaged)`));
  });

  it('a Keras layer edgeq does not read', async () => {
    const layers = kerasFixtureLayers();
    layers.splice(-1, 0, { className: 'LSTM', name: 'lstm', inputs: ['dropout'], config: { units: 4 }, weights: [] });
    const file = path.join(scratch, 'lstm.h5');
    await writeKeras2H5(layers, file);
    expect(await refusal(() => loadKerasFile(file))).toMatch(new RegExp(`^${file}: layer "lstm" \\(LSTM\\): class_name "LSTM" is not supported \\(supported: InputLayer, Dense, `));
  });

  it('weights of the wrong shape, a missing weight and a wrong dtype', async () => {
    const layers = kerasFixtureLayers();
    const conv = layers.find((l) => l.name === 'conv2d_1')!;
    conv.weights[0] = { name: 'kernel', shape: [1, 1, 4, 5], data: new Float32Array(20) };
    const file = path.join(scratch, 'shape.keras');
    await writeKeras3(layers, file, path.join(scratch, 'w.h5'));
    expect(await refusal(() => loadKerasFile(file))).toBe(`${file}: layer "conv2d_1" (Conv2D): weight "vars/0": has shape [1, 1, 4, 5] but the layer needs [1, 1, 4, 4]`);
    conv.weights.pop();
    conv.weights[0] = { name: 'kernel', shape: [1, 1, 4, 4], data: new Float32Array(16) };
    const missing = path.join(scratch, 'missing.h5');
    await writeKeras2H5(layers, missing);
    expect(await refusal(() => loadKerasFile(missing))).toBe(`${missing}: layer "conv2d_1" (Conv2D): weight "bias" is missing (the file holds 1 of its 2 weights)`);
    const mixed = path.join(scratch, 'mixed.keras');
    const config = keras3Config(kerasFixtureLayers()) as { config: { layers: { config: Record<string, unknown> }[] } };
    config.config.layers[1].config.dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_float16' } };
    await writeKeras3(kerasFixtureLayers(), mixed, path.join(scratch, 'w2.h5'), config);
    expect(await refusal(() => loadKerasFile(mixed))).toBe(`${mixed}: layer "conv2d" (Conv2D): dtype: is "mixed_float16"; edgeq reads float32 Keras models`);
    const grouped = path.join(scratch, 'grouped.h5');
    const k2 = keras2Config(kerasFixtureLayers()) as { config: { layers: { config: Record<string, unknown> }[] } };
    k2.config.layers[1].config.groups = 2;
    await writeKeras2H5(kerasFixtureLayers(), grouped, k2);
    expect(await refusal(() => loadKerasFile(grouped))).toBe(`${grouped}: layer "conv2d" (Conv2D): groups: is 2; edgeq reads only 1`);
  });

  it('a float .tflite with an operator edgeq does not read, and one with a filter of the wrong shape', async () => {
    const file = path.join(scratch, 'tanh.tflite');
    writeFloatTfliteFixture(file, { unsupportedOp: true });
    expect(await refusal(() => loadFloatTflite(new Uint8Array(readFileSync(file)), file))).toMatch(
      new RegExp(`^${file}: operator 11 \\(TANH\\): is not supported in a float model \\(supported: CONV_2D, `));
    const m = tfliteFixtureModel();
    const sg = m.subgraphs[0];
    const conv = sg.operators[1];
    sg.tensors[conv.inputs[1]].shape = [4, 3, 3, 3];
    expect(await refusal(() => loadFloatTflite(writeTfliteModel(m), 'bad.tflite'))).toBe(
      'bad.tflite: operator 1 (CONV_2D): filter: holds 288 bytes for shape [4, 3, 3, 3] (432 needed)');
  });

  it('refusals are QatErrors (the CLI maps them to its model exit code)', async () => {
    const e = await loadKerasFile(path.join(scratch, 'nope.h5')).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(QatError);
    expect((e as Error).message).toBe(`${path.join(scratch, 'nope.h5')}: no such file`);
  });
});
