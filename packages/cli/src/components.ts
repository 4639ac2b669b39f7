/**
 * Components loaded on first use, so that `edgeq --help` and light commands start fast:
 * @edgeq/qat (training, PTQ, QAT, freeze, the Fashion-MNIST loader; TensorFlow.js) and
 * @edgeq/harness's Cortex-M targets (firmware directories, arm-none-eabi-gcc builds, QEMU
 * runs, device parity).
 */

import type * as Harness from '@edgeq/harness';
import type * as Qat from '@edgeq/qat';

/** The Cortex-M part of @edgeq/harness the CLI uses (firmware directories, QEMU runs, device parity). */
export type DeviceApi = Pick<typeof Harness, 'deviceParity' | 'getCortexMTarget' | 'writeDeviceFirmwareDir' | 'FIRMWARE_INTEGRATIONS'>;
export type { CortexMTarget, DeviceParityReport } from '@edgeq/harness';

/** @edgeq/qat's API; loaded on first use so commands that do not train never start TensorFlow.js. */
export type QatApi = typeof Qat;
/** A trainable model of @edgeq/qat (float or quantised phase). */
export type QatModel = Qat.EdgeqModel;
/** An image split as @edgeq/qat's loader returns it. */
export type ImageSet = Qat.ImageSet;


/** @edgeq/harness with its Cortex-M targets, loaded on first use (it is not needed to start). */
export function deviceApi(): Promise<DeviceApi> {
  return import('@edgeq/harness');
}

/** @edgeq/qat (training, PTQ, QAT, freeze, the Fashion-MNIST loader), loaded lazily. */
export function qatApi(): Promise<QatApi> {
  return import('@edgeq/qat');
}
