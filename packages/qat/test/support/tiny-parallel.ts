// A tiny conv → BN → ReLU, depthwise → BN → ReLU6, GAP, dense network and a deterministic
// image set for the data-parallel training tests (fast: 8×8×1 inputs, 8 channels).
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../../src/dataset.js';

export function tinyParallelModel(seed = 1): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed * 10 + k });
  const input = tf.input({ shape: [8, 8, 1] });
  let y = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(1), name: 'c1' }).apply(input) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ name: 'c1_bn' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  y = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init(2), name: 'dw' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ name: 'dw_bn' }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.reLU({ maxValue: 6 }).apply(y) as tf.SymbolicTensor;
  y = tf.layers.globalAveragePooling2d({}).apply(y) as tf.SymbolicTensor;
  y = tf.layers.dense({ units: 4, kernelInitializer: init(3), name: 'fc' }).apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: y });
}

export function tinyImages(n: number): ImageSet {
  const images = new Uint8Array(n * 64);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37 + 11 + ((i >> 6) % 7) * 29) % 256;
  return { images, labels: Uint8Array.from({ length: n }, (_, i) => (i * 3) % 4), count: n, height: 8, width: 8, channels: 1, classes: 4 };
}
