/**
 * Optional components, loaded by package name when a command needs them: the Cortex-M
 * targets of @edgeq/harness (firmware directories, builds, QEMU runs, device parity) and
 * @edgeq/qat (training, PTQ, QAT, freeze, the Fashion-MNIST loader). Each is typed by the part of its API edgeq's CLI
 * calls; when a package (or export) is not in the build the command says so and exits 7.
 */

import type { QGraph, RoundingMode, ScaleMode, TensorData } from '@edgeq/ir';
import { unavailable } from './errors.js';

/** A Cortex-M target of @edgeq/harness. */
export interface CortexMTarget {
  readonly id: string;
  readonly title: string;
  readonly qemuMachine: string;
  readonly flash: { origin: number; size: number };
  readonly ram: { origin: number; size: number };
}

/** What @edgeq/harness's deviceParity reports (the fields used here). */
export interface DeviceParityReport {
  readonly stats: { vectors: number; elements: number; exactVectors: number; mismatchedElements: number; maxAbsDiff: number; firstMismatches: { vector: number; element: number; expected: number; actual: number }[] };
  readonly line: string;
  readonly profile: { instructionsPerInference: number; instructionsMin: number; instructionsMax: number; stackPeak: number; stackSize: number };
  readonly build: { sections: { flash: number; ramStatic: number; stack: number; text: number; data: number; bss: number } };
  readonly model: { plan: { arenaBytes: number }; constBytes: number };
}

/** The Cortex-M part of @edgeq/harness. */
export interface DeviceApi {
  getCortexMTarget(id: string): CortexMTarget;
  deviceParity(g: QGraph, inputs: readonly TensorData[], o: { target: CortexMTarget; timeoutMs?: number }): Promise<DeviceParityReport>;
  writeDeviceFirmwareDir(g: QGraph, dir: string, o?: { defaultCore?: string }): Promise<{ prefix: string; files: Map<string, string>; plan: { arenaBytes: number }; constBytes: number; ops: unknown[] }>;
}

/** An image split as @edgeq/qat's loader returns it (NHWC; uint8 pixels are fed as pixels/255). */
export interface ImageSet {
  images: Uint8Array | Float32Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  classes: number;
}

/** A trainable model of @edgeq/qat (float or quantised phase). */
export interface QatModel {
  readonly name: string;
  net: { nodes: { name: string }[] };
  clone(): QatModel;
  dispose(): void;
  activations(x: unknown, nodeIdx: number[]): Map<number, Float32Array>;
}

/** @edgeq/qat's progress callback. */
export type QatProgress = (done: number, total: number) => void;

/** The part of @edgeq/qat the CLI and the demo use. */
export interface QatApi {
  initBackend(prefer?: string): Promise<{ backend: string; skipped: string[] }>;
  loadFashionMnist(split: 'train' | 'test', opts?: { limit?: number }): ImageSet;
  subset(set: ImageSet, from: number, to: number): ImageSet;
  FASHION_MNIST_CLASSES: readonly string[];
  buildModel(spec: unknown, seed?: number): unknown;
  buildReferenceTfModel(name: string, seed?: number): unknown;
  EdgeqModel: { fromLayersModel(m: unknown): QatModel };
  train(model: QatModel, data: ImageSet, opts: { epochs: number; learningRate: number; batchSize?: number; seed?: number; epochOffset?: number; onProgress?: QatProgress }): { seconds: number; epochLoss: number[] };
  evaluateModel(model: QatModel, data: ImageSet, opts?: { onProgress?: QatProgress }): { accuracy: number; correct: number; count: number; predictions: Int32Array };
  calibrate(model: QatModel, data: ImageSet, opts: { scales?: ScaleMode; rounding?: RoundingMode; perChannel?: boolean; method?: 'minmax' | 'percentile' | 'mse'; onProgress?: QatProgress }): QatModel;
  prepare(model: QatModel, config: { scales?: ScaleMode; rounding?: RoundingMode; perChannel?: boolean; schedule?: { recordSteps?: number; freezeBnStep?: number; freezeRangesStep?: number } }): QatModel;
  freeze(model: QatModel, opts?: { name?: string; metadata?: Record<string, unknown> }): QGraph;
  batchTensors(x: Float32Array, labels: Uint8Array, set: ImageSet): { xs: { dispose(): void }; ys: { dispose(): void } };
}

const HARNESS = '@edgeq/harness';
const QAT = '@edgeq/qat';

/** The Cortex-M targets, or an exit-7 error naming what is missing for `what`. */
export async function deviceApi(what: string): Promise<DeviceApi> {
  const h = (await import(HARNESS)) as Partial<DeviceApi>;
  if (typeof h.deviceParity !== 'function' || typeof h.getCortexMTarget !== 'function' || typeof h.writeDeviceFirmwareDir !== 'function') {
    throw unavailable(`${what} needs ${HARNESS}'s Cortex-M targets (arm-none-eabi-gcc builds, QEMU runs), which are not in this build yet`);
  }
  return h as DeviceApi;
}

/** @edgeq/qat, or an exit-7 error naming what is missing for `what`. */
export async function qatApi(what: string): Promise<QatApi> {
  let m: Partial<QatApi>;
  try {
    m = (await import(QAT)) as Partial<QatApi>;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(QAT)) throw unavailable(`${what} needs ${QAT} (TensorFlow.js training, calibration, freeze and the Fashion-MNIST loader), which is not in this build yet`);
    throw e;
  }
  const needed: (keyof QatApi)[] = ['loadFashionMnist', 'train', 'calibrate', 'prepare', 'freeze', 'initBackend'];
  const lacking = needed.filter((k) => m[k] === undefined);
  if (lacking.length) throw unavailable(`${what}: ${QAT} in this build lacks ${lacking.join(', ')}`);
  return m as QatApi;
}
