/**
 * Child-process half of test/tinyml-layers.test.ts (run with tsx, so the tfjs work stays out
 * of the test process; it lives in @edgeq/qat, which depends on tfjs): builds a small tfjs layers model in code that uses every TinyML
 * layer edgeq maps (Conv1D, MaxPooling1D, Cropping1D, AveragePooling1D, GlobalAveragePooling1D,
 * SeparableConv2D + BatchNormalization, UpSampling2D, Cropping2D, Dropout, Dense with a sigmoid
 * output), checks the converted float model against tfjs' own prediction, then quantises it
 * by PTQ (fixed, tflm) and by QAT (pow2) and saves both QGraphs.
 * Usage: tsx packages/qat/test/tinyml-layer-models.ts <output dir>; prints a JSON summary.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as q from '@edgeq/qat';
import { mulberry32, saveQGraph } from '@edgeq/ir';

/** Steps and channels of the model input. */
export const TINYML_INPUT_SHAPE = [20, 3] as const;

/** The model: every new layer on one path, ending in a single sigmoid unit. */
export function buildTinymlLayersModel(seed: number): tf.LayersModel {
  let k = 0;
  const init = () => tf.initializers.glorotUniform({ seed: seed * 100 + k++ });
  const input = tf.input({ shape: [...TINYML_INPUT_SHAPE], name: 'input' });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => layer.apply(x) as tf.SymbolicTensor;
  let h = apply(tf.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(), biasInitializer: tf.initializers.constant({ value: 0.05 }), name: 'conv1d' }), input);
  h = apply(tf.layers.maxPooling1d({ poolSize: 2, name: 'max_pool_1d' }), h); // [10, 6]
  h = apply(q.cropping1D({ cropping: [1, 1], name: 'crop_1d' }), h); // [8, 6]
  h = apply(tf.layers.conv1d({ filters: 6, kernelSize: 2, strides: 2, padding: 'valid', kernelInitializer: init(), name: 'conv1d_stride2' }), h); // [4, 6]
  h = apply(tf.layers.averagePooling1d({ poolSize: 2, strides: 1, name: 'avg_pool_1d' }), h); // [3, 6]
  h = apply(tf.layers.globalAveragePooling1d({ name: 'gap_1d' }), h); // [6]
  h = apply(tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(), name: 'dense' }), h);
  h = apply(tf.layers.reshape({ targetShape: [2, 2, 4], name: 'to_2d' }), h);
  h = apply(tf.layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', depthMultiplier: 2, useBias: false, depthwiseInitializer: init(), pointwiseInitializer: init(), name: 'separable' }), h);
  h = apply(tf.layers.batchNormalization({ name: 'separable_bn', betaInitializer: tf.initializers.constant({ value: 0.1 }) }), h);
  h = apply(tf.layers.reLU({ name: 'separable_relu' }), h); // [2, 2, 8]
  h = apply(tf.layers.upSampling2d({ size: [2, 2], name: 'upsample' }), h); // [4, 4, 8]
  h = apply(tf.layers.cropping2D({ cropping: [[1, 0], [0, 1]], name: 'crop_2d' }), h); // [3, 3, 8]
  h = apply(tf.layers.dropout({ rate: 0.1, name: 'dropout' }), h);
  h = apply(tf.layers.flatten({ name: 'flatten' }), h);
  h = apply(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: init(), name: 'score' }), h);
  return tf.model({ inputs: input, outputs: h, name: 'tinyml_layers' });
}

/** Synthetic data in [0, 1): label 1 when the first channel's mean exceeds one half. */
export function tinymlData(count: number, seed: number): q.ImageSet {
  const [steps, channels] = TINYML_INPUT_SHAPE;
  const rand = mulberry32(seed);
  const images = Float32Array.from({ length: count * steps * channels }, () => rand());
  const labels = Uint8Array.from({ length: count }, (_, i) => {
    let sum = 0;
    for (let t = 0; t < steps; t++) sum += images[(i * steps + t) * channels];
    return sum / steps > 0.5 ? 1 : 0;
  });
  return { images, labels, count, height: 1, width: steps, channels, classes: 2 };
}

async function main(outDir: string): Promise<void> {
  await q.initBackend('wasm');
  const lm = buildTinymlLayersModel(7);
  const data = tinymlData(96, 3);
  const float = q.EdgeqModel.fromLayersModel(lm);
  // The converted float model computes what tfjs computes (the sigmoid is applied outside).
  const x = tf.tensor3d(data.images, [data.count, ...TINYML_INPUT_SHAPE]);
  const expected = (lm.predict(x) as tf.Tensor).dataSync();
  const actual = tf.tidy(() => tf.sigmoid(float.predictLogits(x)).dataSync());
  x.dispose();
  let floatMaxDiff = 0;
  for (let i = 0; i < expected.length; i++) floatMaxDiff = Math.max(floatMaxDiff, Math.abs(expected[i] - actual[i]));

  const ptq = await q.calibrate(float, data, { scales: 'fixed', rounding: 'tflm' });
  await saveQGraph(q.freeze(ptq, { name: 'tinyml_layers_ptq' }), path.join(outDir, 'ptq.qgraph.json'));
  const qat = q.prepare(float, { scales: 'pow2', rounding: 'tflm', schedule: { recordSteps: 2, freezeBnStep: 6, freezeRangesStep: 10 } });
  const trained = await q.train(qat, data, { epochs: 2, learningRate: 1e-3, batchSize: 16, maxSteps: 12 });
  await saveQGraph(q.freeze(qat, { name: 'tinyml_layers_qat' }), path.join(outDir, 'qat.qgraph.json'));
  console.log(JSON.stringify({ nodes: float.net.nodes.map((n) => n.kind), floatMaxDiff, qatSteps: trained.steps, qatLoss: trained.epochLoss }));
  [float, ptq, qat].forEach((m) => m.dispose());
  lm.dispose();
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  await main(process.argv[2]);
}
