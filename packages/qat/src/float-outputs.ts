/**
 * Float reference outputs: runs a float tf.LayersModel (as the model-file readers return it)
 * on flat float32 samples, for comparisons with int8 graphs (SQNR, agreement) by callers
 * that do not use TensorFlow.js themselves.
 */

import * as tf from '@tensorflow/tfjs';
import { QatError } from './errors.js';

/**
 * The model's outputs on `count` samples laid out one after another in `samples` (each of the
 * model's input shape without the batch dimension), in batches of `batchSize`.
 * @returns the outputs, one sample's output after another
 * @throws QatError when `samples` does not hold `count` whole samples
 */
export function floatOutputs(model: tf.LayersModel, samples: Float32Array, count: number, batchSize = 32): Float32Array {
  const shape = model.inputs[0].shape.slice(1) as number[];
  const size = shape.reduce((a, d) => a * d, 1);
  if (samples.length !== count * size) throw new QatError(`float outputs of ${JSON.stringify(model.name)}`, `got ${samples.length} values for ${count} samples of shape [${shape.join(', ')}]`);
  const outSize = (model.outputs[0].shape.slice(1) as number[]).reduce((a, d) => a * d, 1);
  const out = new Float32Array(count * outSize);
  for (let from = 0; from < count; from += batchSize) {
    const n = Math.min(batchSize, count - from);
    const batch = tf.tidy(() => (model.predict(tf.tensor(samples.subarray(from * size, (from + n) * size), [n, ...shape])) as tf.Tensor).dataSync() as Float32Array);
    out.set(batch, from * outSize);
  }
  return out;
}
