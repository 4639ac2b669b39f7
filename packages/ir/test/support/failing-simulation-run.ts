// Child process of simulate-batch.test.ts: a batch on 3 worker threads (every sample on a
// worker) whose sample 70 has the wrong length. Prints the error the batch ends with as one line and returns without
// process.exit, so the process ends only if no worker thread is left behind.
import { mulberry32, randomGraph, simulateBatch, type TensorData } from '../../src/index.js';

const g = randomGraph(5);
const rand = mulberry32(9);
const inputs: TensorData[][] = Array.from({ length: 200 }, () => g.inputs.map((t) => {
  const n = g.tensors[t].shape.reduce((a, d) => a * d, 1);
  return g.tensors[t].dtype === 'float32' ? new Float32Array(n).map(() => rand() - 0.5) : new Int8Array(n).map(() => Math.floor(rand() * 256) - 128);
}));
inputs[70] = inputs[70].map((t) => t.subarray(0, 3));
try {
  await simulateBatch(g, inputs, { workers: 3, useCallingThread: false });
  console.log('no error');
} catch (e) {
  const err = e as Error & { sample?: number };
  console.log(`${err.name} (sample ${err.sample}): ${err.message}`);
}
