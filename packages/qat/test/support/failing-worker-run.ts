// Child process of the "a failing worker" test: a 2-worker pool and three steps posted back
// to back, the second on a batch whose second half (worker 1's share) holds a NaN pixel. The
// model is conv → GAP → dense without a clamp (ReLU/BN kernels map NaN to a bound), so the
// NaN reaches the loss. Prints the error the failing step ends with and what the step
// posted behind it got; the process must then exit by itself (a live worker thread would
// keep it).
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.js';
import { EdgeqModel } from '../../src/model.js';
import { TrainingPool } from '../../src/train-workers.js';

await initBackend('wasm');
const input = tf.input({ shape: [8, 8, 1] });
let y = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
y = tf.layers.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor;
y = tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(y) as tf.SymbolicTensor;
const model = EdgeqModel.fromLayersModel(tf.model({ inputs: input, outputs: y }));
const pool = await TrainingPool.start(model, { workers: 2, learningRate: 1e-3, maxRows: 8, inputShape: [8, 8, 1], classes: 4 });
const good = new Float32Array(8 * 64).fill(0.5);
const x = good.slice();
x.fill(NaN, 4 * 64 + 10, 4 * 64 + 11);
const labels = Uint8Array.from([0, 1, 2, 3, 0, 1, 2, 3]);
try {
  // Posted back to back, as train() does: a good step, the failing one, and one behind it
  // (posted while the failing one runs; it must fail with the same error, not hang).
  const first = pool.step(good, labels);
  const failing = pool.step(x, labels);
  const behind = pool.step(good, labels);
  behind.catch(() => undefined);
  await first;
  try {
    await failing;
    console.log('no error');
  } catch (e) {
    console.log(`${(e as Error).name}: ${(e as Error).message}`);
  }
  try {
    await behind;
    console.log('behind: no error');
  } catch (e) {
    console.log(`behind: ${(e as Error).name}: ${(e as Error).message}`);
  }
} finally {
  await pool.close();
}
