/**
 * The Cortex-M stage's dependency: @edgeq/harness's Cortex-M targets (firmware build, QEMU
 * runs, device parity), loaded through @edgeq/cli's loader. While they are not in the build
 * the demo skips the QEMU stage and the report says why; nothing is faked in its place.
 */

import { CliError, ExitCode, deviceApi, type DeviceApi } from '@edgeq/cli';

/** A component and, when it is missing, why. */
export type Loaded<T> = { ok: true; api: T } | { ok: false; reason: string };

/** Load the Cortex-M targets of @edgeq/harness. */
export async function loadDevice(): Promise<Loaded<DeviceApi>> {
  try {
    return { ok: true, api: await deviceApi('the QEMU stage') };
  } catch (e) {
    if (e instanceof CliError && e.exitCode === ExitCode.UNAVAILABLE) return { ok: false, reason: e.message };
    throw e;
  }
}
