/**
 * Run settings of the Fashion-MNIST demo: the default (sized to finish in under 15
 * minutes on a 2-core machine) and `--full`, the design notes' recipe for reported
 * figures (5 epochs Adam 1e-3 + 1 epoch 1e-4, PTQ on 1,000 calibration images, QAT = the
 * 5-epoch weights + 1 QAT epoch at 1e-4, batch 64, accuracy on all 10,000 test images).
 */

/** Everything that sizes a run. */
export interface DemoSettings {
  model: 'dscnn' | 'mbv2mini';
  /** Training images used (first N of the 60,000). */
  trainImages: number;
  /** Test images for accuracy and parity (first N of the 10,000). */
  testImages: number;
  floatEpochs: number;
  floatLr: number;
  fineTuneEpochs: number;
  fineTuneLr: number;
  qatEpochs: number;
  qatLr: number;
  /** Images QAT trains on (first N of the training set). */
  qatImages: number;
  batchSize: number;
  calibrationImages: number;
  /** Images for the per-layer float-vs-int8 error. */
  layerErrorImages: number;
  target: string;
  /** Further cores measured (flash, RAM, instructions) with a shorter parity run. */
  otherTargets: string[];
  otherTargetVectors: number;
  seed: number;
  /** Also make the W4A8 variants (4-bit weights, int8 activations): PTQ and QAT, both scale modes. */
  w4: boolean;
  /** With w4: the layers kept at 8 bits (names or the rules first, last, depthwise). */
  int8Layers: string[];
}

/**
 * Default: a shortened recipe that finishes well within 15 minutes here — all 60,000
 * training images, but 2 float epochs instead of 5 (training runs at ~1,000+ images/s on
 * the SIMD kernels of @edgeq/qat).
 */
export const DEFAULT_SETTINGS: DemoSettings = {
  model: 'dscnn',
  trainImages: 60_000,
  testImages: 10_000,
  floatEpochs: 2,
  floatLr: 1e-3,
  // The design notes' low-learning-rate epoch: without it the float model is evaluated with
  // batch-norm moving statistics that still lag the fast-moving weights (measured: 66.9% top-1
  // after 2 epochs at 1e-3, 79.9% after one more epoch at 1e-4). QAT starts from the weights
  // before this epoch, as in the recipe.
  fineTuneEpochs: 1,
  fineTuneLr: 1e-4,
  qatEpochs: 1,
  qatLr: 1e-4,
  qatImages: 60_000,
  batchSize: 64,
  calibrationImages: 1_000,
  layerErrorImages: 200,
  target: 'cortex-m4',
  otherTargets: ['cortex-m0', 'cortex-m3', 'cortex-m7', 'cortex-m33'],
  otherTargetVectors: 100,
  seed: 1,
  // bench/qat.ts --w4's layer rule: the three pointwise layers of dscnn hold 4-bit weights.
  w4: true,
  int8Layers: ['first', 'last', 'depthwise'],
};

/** --full: the design notes' recipe. */
export const FULL_SETTINGS: DemoSettings = {
  ...DEFAULT_SETTINGS,
  trainImages: 60_000,
  floatEpochs: 5,
  fineTuneEpochs: 1,
  qatImages: 60_000,
};
