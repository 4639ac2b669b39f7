/**
 * The pieces of the pipeline that live in other edgeq packages — training, PTQ, QAT and
 * freeze (@edgeq/qat) and Cortex-M builds under QEMU (@edgeq/harness targets) — loaded by
 * name at run time, typed by the subset of their API this example calls. A package that
 * is not in the build yet is reported as such by the stage that needs it; nothing is
 * faked in its place.
 */

import type { QGraph, RoundingMode, ScaleMode } from '@edgeq/ir';
import { CliError, ExitCode, deviceApi, type DeviceApi } from '@edgeq/cli';

/** An image split as @edgeq/qat's Fashion-MNIST loader returns it. */
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

type Progress = (done: number, total: number) => void;

/** The part of @edgeq/qat this example uses. */
export interface QatApi {
  initBackend(prefer?: string): Promise<{ backend: string; skipped: string[] }>;
  loadFashionMnist(split: 'train' | 'test', opts?: { limit?: number }): ImageSet;
  subset(set: ImageSet, from: number, to: number): ImageSet;
  FASHION_MNIST_CLASSES: readonly string[];
  buildReferenceTfModel(name: string, seed?: number): unknown;
  EdgeqModel: { fromLayersModel(m: unknown): QatModel };
  train(model: QatModel, data: ImageSet, opts: { epochs: number; learningRate: number; batchSize?: number; seed?: number; epochOffset?: number; onProgress?: Progress }): { seconds: number; epochLoss: number[] };
  evaluateModel(model: QatModel, data: ImageSet, opts?: { onProgress?: Progress }): { accuracy: number; correct: number; count: number; predictions: Int32Array };
  calibrate(model: QatModel, data: ImageSet, opts: { scales?: ScaleMode; rounding?: RoundingMode; perChannel?: boolean; method?: 'minmax' | 'percentile' | 'mse'; onProgress?: Progress }): QatModel;
  prepare(model: QatModel, config: { scales?: ScaleMode; rounding?: RoundingMode; perChannel?: boolean; schedule?: { recordSteps?: number; freezeBnStep?: number; freezeRangesStep?: number } }): QatModel;
  freeze(model: QatModel, opts?: { name?: string; metadata?: Record<string, unknown> }): QGraph;
  batchTensors(x: Float32Array, labels: Uint8Array, set: ImageSet): { xs: { dispose(): void }; ys: { dispose(): void } };
}

/** A component and, when it is missing, why. */
export type Loaded<T> = { ok: true; api: T } | { ok: false; reason: string };

const QAT_PACKAGE = '@edgeq/qat';

/** Load @edgeq/qat (training, PTQ, QAT, freeze, Fashion-MNIST). */
export async function loadQat(): Promise<Loaded<QatApi>> {
  try {
    return { ok: true, api: (await import(QAT_PACKAGE)) as QatApi };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(QAT_PACKAGE)) return { ok: false, reason: `${QAT_PACKAGE} is not in this build yet` };
    throw e;
  }
}

/** Load the Cortex-M targets of @edgeq/harness (firmware build, QEMU runs, device parity). */
export async function loadDevice(): Promise<Loaded<DeviceApi>> {
  try {
    return { ok: true, api: await deviceApi('the QEMU stage') };
  } catch (e) {
    if (e instanceof CliError && e.exitCode === ExitCode.UNAVAILABLE) return { ok: false, reason: e.message };
    throw e;
  }
}
