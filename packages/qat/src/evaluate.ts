/**
 * Evaluation: the outputs of a frozen QGraph computed by the integer interpreter of
 * @edgeq/ir (what the firmware computes, dequantised) and of an EdgeqModel's float or
 * fake-quant forward pass, for any input shape; int8 and model top-1 on top of them
 * (metrics.ts turns outputs into each task's figures).
 */

import * as tf from '@tensorflow/tfjs';
import { dequantizeInt, quantizeFloat, simulateBatch, type QGraph } from '@edgeq/ir';
import { batches, sampleShapeOf, sampleSize, type ImageSet } from './dataset.js';
import type { EdgeqModel } from './model.js';
import { yielder, type ProgressFn } from './train.js';
import { QatError } from './errors.js';

export interface EvalResult {
  accuracy: number;
  correct: number;
  count: number;
  /** Predicted class per image. */
  predictions: Int32Array;
}

function argmax(v: ArrayLike<number>, off: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
  return best;
}

/** Top-1 of outputs against labels: the argmax of each sample's values (ties go to the first class). */
function top1(out: Outputs, labels: Uint8Array): EvalResult {
  const predictions = new Int32Array(out.count);
  let correct = 0;
  for (let k = 0; k < out.count; k++) {
    predictions[k] = argmax(out.values, k * out.perSample, out.perSample);
    if (predictions[k] === labels[k]) correct++;
  }
  return { accuracy: correct / out.count, correct, count: out.count, predictions };
}

/**
 * Run every image of `data` through the QGraph in the integer interpreter and count
 * top-1 hits. When the graph ends in SOFTMAX, the class is the argmax of the int8 logits
 * feeding it (softmax is monotonic, but its 1/256 output grid can tie the two best
 * classes); otherwise the argmax of the output. Ties go to the first class.
 */
export async function evaluateInt8(graph: QGraph, data: ImageSet, opts: Int8EvalOptions = {}): Promise<EvalResult> {
  return top1(await int8Outputs(graph, data, opts), data.labels);
}

/** Top-1 of the model's own forward pass (float, or fake-quant after prepare/calibrate). */
export async function evaluateModel(model: EdgeqModel, data: ImageSet, opts: { batchSize?: number; onProgress?: ProgressFn } = {}): Promise<EvalResult> {
  return top1(await modelOutputs(model, data, opts), data.labels);
}

/** Outputs of every sample, `perSample` values each, row-major. */
export interface Outputs {
  values: Float32Array;
  perSample: number;
  count: number;
}

/** Options of {@link int8Outputs} and {@link evaluateInt8}. */
export interface Int8EvalOptions {
  onProgress?: ProgressFn;
  /** Interpreter worker threads (@edgeq/ir simulateBatch; default: one per core when the set is long enough). */
  workers?: number;
}

/**
 * Run every sample of `data` through the QGraph in the integer interpreter and return its
 * dequantised outputs. When the graph ends in SOFTMAX or LOGISTIC, the values are the
 * int8 logits feeding it (the ranking without the output's 1/256 grid ties, and the same
 * quantity the float model's logits give), as in {@link evaluateInt8}. The samples are
 * quantised on this thread, then simulated on worker threads (simulateBatch): the values
 * are the same whatever the worker count.
 */
export async function int8Outputs(graph: QGraph, data: ImageSet, opts: Int8EvalOptions = {}): Promise<Outputs> {
  const inT = graph.tensors[graph.inputs[0]];
  const lastOp = graph.ops[graph.ops.length - 1];
  const scored = (lastOp.type === 'SOFTMAX' || lastOp.type === 'LOGISTIC') && lastOp.outputs[0] === graph.outputs[0] ? lastOp.inputs[0] : graph.outputs[0];
  const outQ = graph.tensors[scored].quant!;
  const px = sampleSize(data);
  if (inT.shape.reduce((a, d) => a * d, 1) !== px) {
    throw new QatError(`graph ${JSON.stringify(graph.name)} input`, `has shape ${JSON.stringify(inT.shape)} but the samples are [${sampleShapeOf(data).join(', ')}]`);
  }
  const inQ = inT.quant!;
  const quantised = new Int8Array(data.count * px);
  let at = 0;
  const pause = yielder();
  for (const b of batches(data, 100)) {
    for (let i = 0; i < b.size * px; i++) quantised[at + i] = quantizeFloat(b.x[i], inQ.scale[0], inQ.zeroPoint[0], graph.quantization);
    at += b.size * px;
    await pause();
  }
  const inputs = Array.from({ length: data.count }, (_, k) => quantised.subarray(k * px, (k + 1) * px));
  const batch = await simulateBatch(graph, inputs, { tensors: [scored], workers: opts.workers, onProgress: opts.onProgress });
  const y = batch.values[0];
  const values = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) values[i] = dequantizeInt(y[i], outQ.scale[0], outQ.zeroPoint[0]);
  return { values, perSample: batch.elements[0], count: data.count };
}

/** Outputs (logits: before a final softmax) of the model's own forward pass, float or fake-quant. */
export async function modelOutputs(model: EdgeqModel, data: ImageSet, opts: { batchSize?: number; onProgress?: ProgressFn } = {}): Promise<Outputs> {
  const shape = sampleShapeOf(data);
  const chunks: Float32Array[] = [];
  let perSample = 0;
  let done = 0;
  const pause = yielder();
  for (const b of batches(data, opts.batchSize ?? 250)) {
    const out = tf.tidy(() => model.predictLogits(tf.tensor(b.x, [b.size, ...shape])));
    chunks.push(out.dataSync() as Float32Array);
    perSample = out.size / b.size;
    out.dispose();
    done += b.size;
    opts.onProgress?.(done, data.count);
    await pause();
  }
  const values = new Float32Array(data.count * perSample);
  let at = 0;
  for (const c of chunks) {
    values.set(c, at);
    at += c.length;
  }
  return { values, perSample, count: data.count };
}
