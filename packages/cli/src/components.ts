/**
 * Optional components, loaded by package name when a command needs them: the Cortex-M
 * targets of @edgeq/harness (firmware directories, builds, QEMU runs, device parity) and
 * @edgeq/qat's Fashion-MNIST loader. Each is typed by the part of its API edgeq's CLI
 * calls; when a package (or export) is not in the build the command says so and exits 7.
 */

import type { QGraph, TensorData } from '@edgeq/ir';
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

/** An image split as @edgeq/qat's loader returns it. */
export interface ImageSet {
  images: Uint8Array | Float32Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** The dataset part of @edgeq/qat. */
export interface DatasetApi {
  loadFashionMnist(split: 'train' | 'test', opts?: { limit?: number }): ImageSet;
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

/** @edgeq/qat's dataset loader, or an exit-7 error naming what is missing for `what`. */
export async function datasetApi(what: string): Promise<DatasetApi> {
  let m: Partial<DatasetApi>;
  try {
    m = (await import(QAT)) as Partial<DatasetApi>;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(QAT)) {
      throw unavailable(`${what}: the Fashion-MNIST loader comes with ${QAT}, which is not in this build yet (pass images and labels as .npy instead)`);
    }
    throw e;
  }
  if (typeof m.loadFashionMnist !== 'function') throw unavailable(`${what}: ${QAT} in this build has no loadFashionMnist`);
  return m as DatasetApi;
}
