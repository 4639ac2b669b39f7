/**
 * Training and test data for `train`, `ptq`, `qat` and `freeze`: a .npy of samples of
 * exactly the model's input shape (float32/float64/uint8/int8) or Fashion-MNIST, with the
 * labels or float targets the task needs. Everything is checked before a sample set is
 * built or training starts — shape against the model input, finite values, label dtype,
 * range and count, target shape — so bad data is one line naming the file (exit 3).
 */

import { numElements } from '@edgeq/ir';
import type { QatApi } from '../components.js';
import { inputError, modelError } from '../errors.js';
import { classIds } from './labels.js';
import { readNpy, type NpyArray } from './npy.js';

type SampleSet = import('@edgeq/qat').SampleSet;
type Task = import('@edgeq/qat').Task;

/** Where the samples and their truth come from. */
export interface DataSource {
  /** `fashion-mnist[:train|:test]` or a .npy file of samples. */
  data: string;
  /** Class ids (integers, or one-hot rows): classification, binary; 0/1 anomaly labels for regression. */
  labels?: string;
  /** Float targets .npy, or `input` (autoencoder: the target is the sample itself). */
  targets?: string;
  /** Keep only the first N samples. */
  limit?: number;
  /** False when only the samples are used (ptq calibrating a trained model): labels and targets become optional. */
  truthNeeded?: boolean;
}

/** What the data must fit: the model's input shape (no batch axis), its name and its task. */
export interface DataContract {
  inputShape: number[];
  model: string;
  task: Task;
}

const SAMPLE_DTYPES = ['<f4', '<f8', '|u1', '|i1'];
const FASHION = /^fashion-mnist(?::(train|test))?$/;

/** The shape without its size-1 axes (so [128, 3] feeds a model input of [128, 1, 3]). */
function squeezed(shape: number[]): number[] {
  return shape.filter((d) => d !== 1);
}

/** Per-sample shape of `arr` if it is [N, ...input] (size-1 axes aside); a clear error otherwise. */
export function checkSampleShape(arr: NpyArray, file: string, c: DataContract): number {
  const sample = arr.shape.slice(1);
  const want = `(N, ${c.inputShape.join(', ')})`;
  if (arr.shape.length < 2 || squeezed(sample).join() !== squeezed(c.inputShape).join()) {
    throw inputError(`${file}: shape (${arr.shape.join(', ')}) does not match the input of model ${c.model}: expected ${want}`);
  }
  if (arr.shape[0] === 0) throw inputError(`${file}: holds no samples (shape (${arr.shape.join(', ')}))`);
  return arr.shape[0];
}

/** The samples of `arr` as the trainer takes them: uint8 pixels as is (fed /255), everything else float32, checked finite. */
function samplesOf(arr: NpyArray, file: string, count: number): Uint8Array | Float32Array {
  if (!SAMPLE_DTYPES.includes(arr.descr)) {
    throw inputError(`${file}: dtype '${arr.descr}' is not a sample type (float32, float64, uint8 pixels or int8)`);
  }
  const per = arr.data.length / arr.shape[0];
  const data = arr.data.subarray(0, count * per);
  if (arr.descr === '|u1') return data as Uint8Array;
  const out = Float32Array.from(data as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      const what = Number.isFinite(data[i]) ? `${data[i]} (beyond float32)` : String(data[i]);
      throw inputError(`${file}: sample ${Math.floor(i / per)} value ${i % per} is ${what}: data must be finite`);
    }
  }
  return out;
}

/** Class ids from integer labels [N] (or [N, 1]) or one-hot rows [N, classes]. */
function labelsOf(arr: NpyArray, file: string, count: number, classes: number, what: string): Int32Array {
  if (arr.shape[0] !== count) throw inputError(`${file}: ${arr.shape[0] ?? 0} labels for ${count} samples`);
  const per = count ? arr.data.length / count : 0;
  if (arr.shape.length === 2 && per === classes && classes > 1) {
    const ids = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      let hot = -1;
      for (let c = 0; c < classes; c++) {
        const v = arr.data[k * classes + c];
        if (v !== 0 && v !== 1) throw inputError(`${file}: row ${k} is not one-hot (element ${c} is ${v})`);
        if (v === 1) {
          if (hot >= 0) throw inputError(`${file}: row ${k} is not one-hot (classes ${hot} and ${c} are both 1)`);
          hot = c;
        }
      }
      if (hot < 0) throw inputError(`${file}: row ${k} is not one-hot (all zero)`);
      ids[k] = hot;
    }
    return ids;
  }
  if (per !== 1) throw inputError(`${file}: shape (${arr.shape.join(', ')}) is neither one class id per sample (N) nor one-hot rows (N, ${classes})`);
  if (arr.descr === '<f4' || arr.descr === '<f8') {
    const at = arr.data.findIndex((v) => Number.isNaN(v));
    if (at >= 0) throw inputError(`${file}: label ${at} is NaN: labels must be integer class ids`);
  }
  return classIds(arr, file, classes, what);
}

/** Float targets: a .npy with the model's output size per sample, or the samples themselves. */
function targetsOf(req: DataSource, targets: NpyArray | undefined, samples: Uint8Array | Float32Array, count: number, c: DataContract, per: number): Float32Array | undefined {
  if (req.targets === 'input') {
    if (per !== c.task.outputs) {
      throw inputError(`--targets input: model ${c.model} has ${c.task.outputs} outputs but its input has ${per} values; an autoencoder reconstructs its input`);
    }
    return samples instanceof Uint8Array ? Float32Array.from(samples, (v) => v / 255) : samples;
  }
  if (!targets && req.truthNeeded === false) return undefined;
  if (!targets) throw inputError(`${req.data}: task regression needs float targets: --targets FILE.npy (or --targets input for an autoencoder)`);
  const file = req.targets!;
  if (targets.shape[0] !== count || targets.data.length !== targets.shape[0] * c.task.outputs) {
    throw inputError(`${file}: shape (${targets.shape.join(', ')}) does not match ${count} samples of the model's ${c.task.outputs} outputs: expected (${count}, ${c.task.outputs})`);
  }
  return samplesOf(targets!, file, count) as Float32Array;
}

/**
 * Load a sample set for the model's task, checked against the contract.
 * @param role names the data in messages (`training`, `test`)
 */
export async function loadSampleSet(q: QatApi, req: DataSource, c: DataContract, role: string): Promise<SampleSet> {
  const fm = FASHION.exec(req.data);
  if (fm) return fashionSet(q, req, c, (fm[1] as 'train' | 'test' | undefined) ?? (role === 'test' ? 'test' : 'train'));
  if (!req.data.endsWith('.npy')) throw inputError(`${req.data}: unknown ${role} data (expected a .npy file of samples or fashion-mnist[:train|:test])`);
  const usesLabels = c.task.kind !== 'regression';
  const truthNeeded = req.truthNeeded ?? true;
  if (usesLabels && !req.labels && truthNeeded) throw inputError(`${req.data}: ${c.task.kind} ${role} data needs labels (${role === 'test' ? '--test-labels' : '--labels'} FILE.npy)`);
  if (usesLabels && req.targets) throw inputError(`--targets ${req.targets}: task ${c.task.kind} learns class labels, not float targets (use --task regression)`);
  const x = await readNpy(req.data);
  const total = checkSampleShape(x, req.data, c);
  const count = Math.min(total, req.limit ?? total);
  const per = numElements(c.inputShape);
  const rawLabels = req.labels ? await readNpy(req.labels) : undefined;
  const rawTargets = req.targets && req.targets !== 'input' ? await readNpy(req.targets) : undefined;
  if (rawLabels && rawLabels.shape[0] !== total) throw inputError(`${req.labels}: ${rawLabels.shape[0] ?? 0} labels for ${total} samples in ${req.data}`);
  if (rawTargets && rawTargets.shape[0] !== total) throw inputError(`${req.targets}: ${rawTargets.shape[0] ?? 0} targets for ${total} samples in ${req.data}`);
  const head = (a: NpyArray): NpyArray => ({ ...a, shape: [count, ...a.shape.slice(1)], data: a.data.subarray(0, count * (a.data.length / total)) });
  const samples = samplesOf(x, req.data, count);
  const classes = usesLabels ? (c.task.kind === 'binary' ? 2 : c.task.outputs) : 2;
  const what = usesLabels ? `model ${c.model} has ${c.task.outputs} outputs, task ${c.task.kind}` : 'anomaly labels are 0 (normal) or 1 (anomaly)';
  if (classes > 256) throw modelError(`model ${c.model}: ${classes} classes; training takes at most 256 (labels are stored as uint8)`);
  const labels = rawLabels ? labelsOf(head(rawLabels), req.labels!, count, classes, what) : undefined;
  const targets = usesLabels ? undefined : targetsOf(req, rawTargets && head(rawTargets), samples, count, c, per);
  return q.makeSampleSet({
    // A set with labels says so with its class count (a regression set's 0/1 anomaly labels: 2); without, 0.
    samples, sampleShape: c.inputShape, classes: labels ? classes : 0, targets,
    ...(labels ? { labels: Uint8Array.from(labels) } : {}),
  });
}

/** Fashion-MNIST as a sample set (classification of [28, 28, 1] images). */
function fashionSet(q: QatApi, req: DataSource, c: DataContract, split: 'train' | 'test'): SampleSet {
  if (req.labels || (req.targets && req.targets !== 'input')) throw inputError(`${req.labels ?? req.targets}: Fashion-MNIST brings its own labels`);
  const set = q.loadFashionMnist(split, { limit: req.limit });
  if (squeezed([set.height, set.width, set.channels]).join() !== squeezed(c.inputShape).join()) {
    throw inputError(`${req.data}: Fashion-MNIST images are [28, 28, 1] but model ${c.model} takes [${c.inputShape.join(', ')}]`);
  }
  if (c.task.kind !== 'classification' || c.task.outputs !== 10) {
    if (c.task.kind === 'regression' && req.targets === 'input') {
      return { ...set, sampleShape: c.inputShape, targets: Float32Array.from(set.images, (v) => v / 255), targetSize: numElements(c.inputShape) };
    }
    throw inputError(`${req.data}: Fashion-MNIST has 10 classes but model ${c.model} is ${c.task.kind} with ${c.task.outputs} outputs`);
  }
  return set;
}

/**
 * The real input range the data implies: [0, 1] for uint8 pixels (fed as pixels/255,
 * the reference input grid), else the data's min and max.
 */
export function dataInputRange(q: QatApi, set: SampleSet): [number, number] {
  return set.images instanceof Uint8Array ? [0, 1] : q.valueRange(set);
}
