/**
 * Accuracy: int8 top-1 of a frozen QGraph computed by the integer interpreter of
 * @edgeq/ir (the accuracy the firmware has), and the top-1 of an EdgeqModel's float or
 * fake-quant forward pass (for training curves and agreement checks).
 */

import * as tf from '@tensorflow/tfjs';
import { Interpreter, quantizeFloat, type QGraph } from '@edgeq/ir';
import { batches, type ImageSet } from './dataset.js';
import type { EdgeqModel } from './model.js';
import type { ProgressFn } from './train.js';
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

/**
 * Run every image of `data` through the QGraph in the integer interpreter and count
 * top-1 hits (first maximal class on ties, as an argmax on the device would).
 */
export function evaluateInt8(graph: QGraph, data: ImageSet, opts: { onProgress?: ProgressFn } = {}): EvalResult {
  const interp = new Interpreter(graph);
  const inT = graph.tensors[graph.inputs[0]];
  const outT = graph.tensors[graph.outputs[0]];
  const classes = outT.shape[outT.shape.length - 1];
  const { scale, zeroPoint } = { scale: inT.quant!.scale[0], zeroPoint: inT.quant!.zeroPoint[0] };
  const px = data.height * data.width * data.channels;
  if (inT.shape.reduce((a, d) => a * d, 1) !== px) {
    throw new QatError(`graph ${JSON.stringify(graph.name)} input`, `has shape ${JSON.stringify(inT.shape)} but the images are ${data.height}x${data.width}x${data.channels}`);
  }
  const predictions = new Int32Array(data.count);
  const xq = new Int8Array(px);
  let correct = 0;
  let done = 0;
  for (const b of batches(data, 100)) {
    for (let k = 0; k < b.size; k++) {
      for (let i = 0; i < px; i++) xq[i] = quantizeFloat(b.x[k * px + i], scale, zeroPoint);
      const y = interp.run([xq]).outputs[0] as Int8Array;
      const p = argmax(y, 0, classes);
      predictions[done] = p;
      if (p === b.labels[k]) correct++;
      done++;
    }
    opts.onProgress?.(done, data.count);
  }
  return { accuracy: correct / data.count, correct, count: data.count, predictions };
}

/** Top-1 of the model's own forward pass (float, or fake-quant after prepare/calibrate). */
export function evaluateModel(model: EdgeqModel, data: ImageSet, opts: { batchSize?: number; onProgress?: ProgressFn } = {}): EvalResult {
  const predictions = new Int32Array(data.count);
  let correct = 0;
  let done = 0;
  for (const b of batches(data, opts.batchSize ?? 250)) {
    const logits = tf.tidy(() => model.predictLogits(tf.tensor4d(b.x, [b.size, data.height, data.width, data.channels])));
    const v = logits.dataSync();
    const classes = logits.shape[1]!;
    logits.dispose();
    for (let k = 0; k < b.size; k++) {
      const p = argmax(v, k * classes, classes);
      predictions[done] = p;
      if (p === b.labels[k]) correct++;
      done++;
    }
    opts.onProgress?.(done, data.count);
  }
  return { accuracy: correct / data.count, correct, count: data.count, predictions };
}
