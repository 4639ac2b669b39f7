/**
 * Components loaded when a command needs them: @edgeq/qat (training, PTQ, QAT, freeze, the
 * Fashion-MNIST loader; lazily, so other commands never start TensorFlow.js) and the Cortex-M
 * targets of @edgeq/harness (firmware directories, builds, QEMU runs, device parity), found
 * by name and typed by the part of their API the CLI calls: while they are not in the build,
 * the command says so and exits 7.
 */

import type { QGraph, TensorData } from '@edgeq/ir';
import type * as Qat from '@edgeq/qat';
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

/** @edgeq/qat's API; loaded on first use so commands that do not train never start TensorFlow.js. */
export type QatApi = typeof Qat;
/** A trainable model of @edgeq/qat (float or quantised phase). */
export type QatModel = Qat.EdgeqModel;
/** An image split as @edgeq/qat's loader returns it. */
export type ImageSet = Qat.ImageSet;

const HARNESS = '@edgeq/harness';

/** The Cortex-M targets, or an exit-7 error naming what is missing for `what`. */
export async function deviceApi(what: string): Promise<DeviceApi> {
  const h = (await import(HARNESS)) as Partial<DeviceApi>;
  if (typeof h.deviceParity !== 'function' || typeof h.getCortexMTarget !== 'function' || typeof h.writeDeviceFirmwareDir !== 'function') {
    throw unavailable(`${what} needs ${HARNESS}'s Cortex-M targets (arm-none-eabi-gcc builds, QEMU runs), which are not in this build yet`);
  }
  return h as DeviceApi;
}

/** @edgeq/qat (training, PTQ, QAT, freeze, the Fashion-MNIST loader), loaded lazily. */
export function qatApi(): Promise<QatApi> {
  return import('@edgeq/qat');
}
