/**
 * Scratch directories for builds and parity runs: a fresh directory under the system temp
 * directory, registered with @edgeq/ir's temporary-path registry while it exists, so it is
 * removed even when the process is interrupted (Ctrl-C) mid-build.
 */

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { releaseTemporaryPath, trackTemporaryPath } from '@edgeq/ir';

/** Create a fresh scratch directory `<temp>/<prefix>XXXXXX`, removed at process exit unless {@link removeScratchDir} runs first. */
export async function makeScratchDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  trackTemporaryPath(dir);
  return dir;
}

/** Remove a directory made by {@link makeScratchDir}. */
export async function removeScratchDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  releaseTemporaryPath(dir);
}
