/**
 * Data inputs: turns a data argument (.npy images, optionally .npy labels; Fashion-MNIST
 * from the Debian package once @edgeq/qat's loader is in the build) into input tensors
 * quantised exactly as the graph's input expects, plus labels for accuracy.
 */

import { boundaryList, graphInputs, numElements, quantizeFloat, type QGraph, type TensorData } from '@edgeq/ir';
import { inputError } from '../errors.js';
import { readNpy, type NpyArray } from './npy.js';
import { classIds } from './labels.js';

/** Inputs ready to feed a graph, with optional labels. */
export interface InputSet {
  /** Where the data came from (for messages and reports). */
  source: string;
  inputs: TensorData[];
  labels?: Int32Array;
}

export interface DataRequest {
  /** `path/to/images.npy`, or `fashion-mnist[:test|:train]`. */
  data: string;
  /** `path/to/labels.npy` (integer class ids). */
  labels?: string;
  /** Use only the first N samples. */
  limit?: number;
}

/**
 * Convert raw samples to the graph input's type: uint8 pixels are scaled by 1/255 (the
 * reference models' input convention), floats are quantised with the input's scale and
 * zero point, int8 is taken as already quantised.
 */
export function samplesToInputs(g: QGraph, arr: NpyArray, source: string, limit?: number): TensorData[] {
  if (g.inputs.length !== 1) {
    throw inputError(`${source}: data files feed a model with one input; ${g.name} has ${g.inputs.length}: ${boundaryList(graphInputs(g))} (use --random N)`);
  }
  const inT = g.tensors[g.inputs[0]];
  const per = numElements(inT.shape);
  const total = arr.data.length;
  const single = numElements(arr.shape) === per && arr.shape.length < inT.shape.length;
  const n = single ? 1 : arr.shape[0];
  if (arr.shape.length === 0 || total === 0 || (!single && numElements(arr.shape.slice(1)) !== per)) {
    throw inputError(`${source}: shape (${arr.shape.join(', ')}) does not hold whole samples of the model input [${inT.shape.join(', ')}]`);
  }
  const count = Math.min(n, limit ?? n);
  const q = inT.quant;
  const out: TensorData[] = [];
  for (let s = 0; s < count; s++) {
    const src = arr.data.subarray(s * per, (s + 1) * per);
    if (inT.dtype === 'float32') {
      out.push(Float32Array.from(src as ArrayLike<number>, (v) => (arr.descr === '|u1' ? v / 255 : v)));
      continue;
    }
    if (arr.descr === '|i1') {
      out.push(Int8Array.from(src as Int8Array));
      continue;
    }
    if (!q) throw inputError(`${source}: model input "${inT.name}" has no quantisation parameters, so real-valued samples cannot be quantised`);
    const scale = q.scale[0];
    const zp = q.zeroPoint[0];
    const x = new Int8Array(per);
    for (let i = 0; i < per; i++) x[i] = quantizeFloat(arr.descr === '|u1' ? src[i] / 255 : src[i], scale, zp, g.quantization);
    out.push(x);
  }
  return out;
}

/** Read labels (.npy of integer class ids below `classes`), checking they match the sample count. */
export async function loadLabels(file: string, count: number, classes: number, what: string): Promise<Int32Array> {
  const arr = await readNpy(file);
  if (arr.data.length < count) throw inputError(`${file}: ${arr.data.length} labels for ${count} samples`);
  return classIds({ ...arr, data: arr.data.subarray(0, count) }, file, classes, what);
}

/** Load a data argument for a graph. */
export async function loadInputSet(g: QGraph, req: DataRequest): Promise<InputSet> {
  if (req.limit !== undefined && (!Number.isInteger(req.limit) || req.limit <= 0)) throw inputError(`--limit: expected a positive integer, got ${req.limit}`);
  const fm = /^fashion-mnist(?::(test|train))?$/.exec(req.data);
  if (fm) {
    const { qatApi } = await import('../components.js');
    const split = (fm[1] ?? 'test') as 'test' | 'train';
    const set = (await qatApi()).loadFashionMnist(split, { limit: req.limit });
    if (req.labels) throw inputError(`--labels ${req.labels}: Fashion-MNIST brings its own labels`);
    const arr: NpyArray = { descr: set.images instanceof Uint8Array ? '|u1' : '<f4', shape: [set.count, set.height, set.width, set.channels], data: set.images };
    const inputs = samplesToInputs(g, arr, `${req.data} (${set.count} images)`, req.limit);
    return { source: `Fashion-MNIST ${split} (${inputs.length} images)`, inputs, labels: Int32Array.from(set.labels.subarray(0, inputs.length)) };
  }
  if (!req.data.endsWith('.npy')) throw inputError(`${req.data}: unknown data source (expected a .npy file or fashion-mnist[:test|:train])`);
  const arr = await readNpy(req.data);
  const inputs = samplesToInputs(g, arr, req.data, req.limit);
  const outT = g.tensors[g.outputs[0]];
  const classes = outT.shape.at(-1) ?? 1;
  const labels = req.labels ? await loadLabels(req.labels, inputs.length, classes, `model ${g.name} has ${classes} outputs, "${outT.name}" [${outT.shape.join(', ')}]`) : undefined;
  return { source: req.data, inputs, labels };
}
