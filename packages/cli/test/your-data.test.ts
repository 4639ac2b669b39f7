// The user's data for train/ptq/qat: .npy samples of the model's input shape with labels or
// targets, checked before any work. In-process: each bad input is one CliError naming the file
// (exit 3). Through the executable: a bad shape, a task the model cannot serve, an evaluation
// that fails after training, each one line with its exit code and nothing written.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as q from '@edgeq/qat';
import { CliError } from '../src/errors.js';
import { encodeNpy, type NpyData } from '../src/inputs/npy.js';
import { loadSampleSet, type DataContract } from '../src/inputs/training-data.js';
import { givenInputRange, parseRange } from '../src/inputs/input-range.js';
import { edgeq, entries, scratch } from './helpers.js';

const dir = scratch('your-data');
const npy = (name: string, data: NpyData, shape: number[]) => {
  writeFileSync(path.join(dir, name), encodeNpy(data, shape));
  return path.join(dir, name);
};
const classify: DataContract = { inputShape: [4, 1, 3], model: 'm', task: { kind: 'classification', outputs: 3 } };
const autoencoder: DataContract = { inputShape: [6], model: 'ae', task: { kind: 'regression', outputs: 6 } };

/** The CliError `work` rejects with (fails the test when it resolves). */
async function failure(work: Promise<unknown>): Promise<CliError> {
  const e = await work.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(CliError);
  return e as CliError;
}

describe('training data checks', () => {
  const x = Float32Array.from({ length: 5 * 12 }, (_, i) => (i % 7) - 3);

  it('samples [N, 4, 3] feed a model input [4, 1, 3]; one-hot labels become class ids', async () => {
    const data = npy('seq.npy', x, [5, 4, 3]);
    const labels = npy('onehot.npy', Float32Array.from([1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1]), [5, 3]);
    const set = await loadSampleSet(q, { data, labels }, classify, 'training');
    expect([set.count, set.sampleShape, Array.from(set.labels)]).toEqual([5, [4, 1, 3], [0, 2, 1, 0, 2]]);
    expect(set.images).toEqual(x);
  });

  it('refuses a shape other than the model input, naming both', async () => {
    const e = await failure(loadSampleSet(q, { data: npy('wide.npy', x, [5, 12]), labels: npy('l5.npy', new Uint8Array(5), [5]) }, classify, 'training'));
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(`${path.join(dir, 'wide.npy')}: shape (5, 12) does not match the input of model m: expected (N, 4, 1, 3)`);
  });

  it('refuses labels out of range, negative, fractional, NaN or too few, before anything is sized from them', async () => {
    const data = npy('ok.npy', x, [5, 4, 3]);
    const cases: [string, NpyData, RegExp][] = [
      ['high.npy', Int32Array.from([0, 1, 2, 3, 0]), /label 3 is 3, outside the class ids 0\.\.2 \(model m has 3 outputs, task classification\)/],
      ['negative.npy', Int32Array.from([0, -1, 2, 1, 0]), /label 1 is -1, outside the class ids 0\.\.2/],
      ['huge.npy', Int32Array.from([0, 50000, 2, 1, 0]), /label 1 is 50000, outside/],
      ['fraction.npy', Float32Array.from([0, 1, 1.5, 1, 0]), /label 2 is 1\.5: labels must be integer class ids/],
      ['nan.npy', Float64Array.from([0, NaN, 1, 1, 0]), /label 1 is NaN/],
    ];
    for (const [name, labels, message] of cases) {
      const e = await failure(loadSampleSet(q, { data, labels: npy(name, labels, [5]) }, classify, 'training'));
      expect([e.exitCode, e.message]).toEqual([3, expect.stringMatching(message)]);
    }
    const short = await failure(loadSampleSet(q, { data, labels: npy('four.npy', new Uint8Array(4), [4]) }, classify, 'training'));
    expect(short.message).toMatch(/four\.npy: 4 labels for 5 samples/);
    const missing = await failure(loadSampleSet(q, { data }, classify, 'test'));
    expect(missing.message).toMatch(/classification test data needs labels \(--test-labels FILE\.npy\)/);
  });

  it('calibration-only data (ptq of a trained model) needs no labels or targets', async () => {
    const data = npy('calib.npy', x, [5, 4, 3]);
    const set = await loadSampleSet(q, { data, truthNeeded: false }, classify, 'training');
    expect([set.count, set.targets]).toEqual([5, undefined]);
    const flat = npy('calib-flat.npy', new Float32Array(3 * 6), [3, 6]);
    expect((await loadSampleSet(q, { data: flat, truthNeeded: false }, autoencoder, 'training')).count).toBe(3);
  });

  it('refuses NaN and Inf samples, and float64 beyond float32', async () => {
    const bad = Float32Array.from(x);
    bad[13] = NaN;
    const labels = npy('l.npy', new Uint8Array(5), [5]);
    const e = await failure(loadSampleSet(q, { data: npy('nan-data.npy', bad, [5, 4, 3]), labels }, classify, 'training'));
    expect(e.message).toMatch(/nan-data\.npy: sample 1 value 1 is NaN: data must be finite/);
    const wide = Float64Array.from(x);
    wide[2] = 1e300;
    expect((await failure(loadSampleSet(q, { data: npy('big.npy', wide, [5, 4, 3]), labels }, classify, 'training'))).message).toMatch(/sample 0 value 2 is 1e\+300 \(beyond float32\)/);
  });

  it('autoencoder targets: "input" is the sample itself; a targets file must have the outputs per sample', async () => {
    const data = npy('flat.npy', Float32Array.from({ length: 4 * 6 }, (_, i) => i / 10), [4, 6]);
    const set = await loadSampleSet(q, { data, targets: 'input' }, autoencoder, 'training');
    expect(set.targets).toEqual(set.images);
    const e = await failure(loadSampleSet(q, { data, targets: npy('t.npy', new Float32Array(4 * 5), [4, 5]) }, autoencoder, 'training'));
    expect(e.message).toMatch(/t\.npy: shape \(4, 5\) does not match 4 samples of the model's 6 outputs: expected \(4, 6\)/);
    const none = await failure(loadSampleSet(q, { data }, autoencoder, 'training'));
    expect(none.message).toMatch(/needs float targets: --targets FILE\.npy \(or --targets input/);
    const anomaly = await failure(loadSampleSet(q, { data, targets: 'input', labels: npy('a.npy', Uint8Array.from([0, 1, 2, 0]), [4]) }, autoencoder, 'test'));
    expect(anomaly.message).toMatch(/label 2 is 2, outside the class ids 0\.\.1 \(anomaly labels are 0 \(normal\) or 1 \(anomaly\)\)/);
  });

  it('input quantisation options: a range, or a scale and zero point that give back exactly that grid', () => {
    expect(parseRange('--input-range')('-60,40')).toEqual([-60, 40]);
    expect(() => parseRange('--input-range')('40,-60')).toThrow(/LO < HI/);
    // scale 0.5, zero point -8: the grid covers [(-128 + 8)·0.5, (127 + 8)·0.5] = [-60, 67.5].
    expect(givenInputRange(q, { inputScale: 0.5, inputZeroPoint: -8 }, 'pow2')).toEqual([-60, 67.5]);
    expect(() => givenInputRange(q, { inputScale: 0.3, inputZeroPoint: 0 }, 'pow2')).toThrow(/--input-scale 0.3: not representable with --scales pow2/);
    expect(() => givenInputRange(q, { inputScale: 0.5 }, 'fixed')).toThrow(/together/);
    expect(givenInputRange(q, {}, 'fixed')).toBeUndefined();
  });
});

describe('bad input through edgeq train/ptq/qat: one line, its exit code, nothing written', () => {
  const cwd = scratch('your-data-cli');
  const spec = { name: 'tiny', input: [8, 1, 2], layers: [{ type: 'conv', filters: 4, kernel: 3, act: 'relu' }, { type: 'gap' }, { type: 'dense', units: 2 }, { type: 'softmax' }] };
  const ae = { name: 'ae', input: [1, 1, 16], layers: [{ type: 'flatten' }, { type: 'dense', units: 4, act: 'relu' }, { type: 'dense', units: 16 }] };

  beforeAll(() => {
    writeFileSync(path.join(cwd, 'tiny.json'), JSON.stringify(spec));
    writeFileSync(path.join(cwd, 'ae.json'), JSON.stringify(ae));
    writeFileSync(path.join(cwd, 'x.npy'), encodeNpy(Float32Array.from({ length: 64 * 16 }, (_, i) => Math.sin(i)), [64, 8, 2]));
    writeFileSync(path.join(cwd, 'x-wrong.npy'), encodeNpy(new Float32Array(64 * 15), [64, 15]));
    writeFileSync(path.join(cwd, 'y.npy'), encodeNpy(Uint8Array.from({ length: 64 }, (_, i) => i % 2), [64]));
    writeFileSync(path.join(cwd, 'flat.npy'), encodeNpy(Float32Array.from({ length: 64 * 16 }, (_, i) => Math.cos(i)), [64, 16]));
    writeFileSync(path.join(cwd, 'normal.npy'), encodeNpy(new Uint8Array(64), [64]));
  });
  const before = () => entries(cwd);

  it('data of another shape: exit 3 naming the file and the model input', async () => {
    const files = before();
    const r = await edgeq(['ptq', 'tiny.json', '--data', 'x-wrong.npy', '--labels', 'y.npy', '--out', 'p.qgraph.json'], cwd);
    expect(r.stderr.trim()).toBe('edgeq ptq: x-wrong.npy: shape (64, 15) does not match the input of model tiny: expected (N, 8, 1, 2)');
    expect(r.exitCode).toBe(3);
    expect(entries(cwd)).toEqual(files);
  });

  it('a model output the task cannot use: exit 4 naming the model and the task', async () => {
    const r = await edgeq(['qat', 'tiny.json', '--task', 'regression', '--data', 'x.npy', '--targets', 'input', '--out', 'q.qgraph.json'], cwd);
    expect(r.stderr.trim()).toMatch(/^edgeq qat: model "tiny" output \[2\] \(softmax\): ends in softmax, which cannot fit regression targets.*\(--task regression\)$/);
    expect(r.exitCode).toBe(4);
  });

  it('an evaluation that fails after training (anomaly labels of one class): exit 3, no QGraph and no model directory', async () => {
    const files = before();
    const r = await edgeq(['qat', 'ae.json', '--data', 'flat.npy', '--targets', 'input', '--test-data', 'flat.npy', '--test-labels', 'normal.npy',
      '--epochs', '1', '--evaluate', '--save-model', 'saved', '--out', 'ae.qgraph.json'], cwd);
    expect(r.stdout).toMatch(/float: 1 epochs on 64 samples/);
    expect(r.stderr.trim()).toBe('edgeq qat: ROC-AUC: needs both classes among the labels (0 positive, 64 negative)');
    expect(r.exitCode).toBe(3);
    expect(entries(cwd)).toEqual(files);
    expect(existsSync(path.join(cwd, 'saved'))).toBe(false);
  });

  it('--evaluate without held-out data is refused before training (exit 2)', async () => {
    const r = await edgeq(['ptq', 'tiny.json', '--data', 'x.npy', '--labels', 'y.npy', '--evaluate', '--out', 'p.qgraph.json'], cwd);
    expect(r.stderr.trim()).toBe('edgeq ptq: --evaluate: needs held-out data: --test-data FILE.npy (with --test-labels or --test-targets) or --val-split FRACTION');
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
  });
});
