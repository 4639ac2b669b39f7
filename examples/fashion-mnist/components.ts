/**
 * The pieces of the pipeline that live in other edgeq packages — training, PTQ, QAT and
 * freeze (@edgeq/qat) and Cortex-M builds under QEMU (@edgeq/harness targets) — loaded by
 * name at run time (through @edgeq/cli's loaders), typed by the subset of their API used. A package that
 * is not in the build yet is reported as such by the stage that needs it; nothing is
 * faked in its place.
 */

import { CliError, ExitCode, deviceApi, qatApi, type DeviceApi, type QatApi } from '@edgeq/cli';

export type { ImageSet, QatApi, QatModel } from '@edgeq/cli';

/** A component and, when it is missing, why. */
export type Loaded<T> = { ok: true; api: T } | { ok: false; reason: string };

/** Load @edgeq/qat (training, PTQ, QAT, freeze, Fashion-MNIST). */
export async function loadQat(): Promise<Loaded<QatApi>> {
  try {
    return { ok: true, api: await qatApi('training') };
  } catch (e) {
    if (e instanceof CliError && e.exitCode === ExitCode.UNAVAILABLE) return { ok: false, reason: e.message };
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
