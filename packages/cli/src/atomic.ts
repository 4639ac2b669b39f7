/**
 * Output transactions: every file or directory the CLI produces is first written under a
 * temporary sibling name and renamed into place only when complete. Temporary paths are
 * registered so that Ctrl-C (SIGINT) or SIGTERM removes them before exiting: an
 * interrupted or failed command never leaves half-written output behind.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ExitCode, usageError } from './errors.js';

/** @edgeq/ir's temporary-path registry, once a command has loaded it (the CLI starts without it). */
let registry: Pick<typeof import('@edgeq/ir'), 'trackTemporaryPath' | 'releaseTemporaryPath' | 'removeTemporaryPaths'> | undefined;
let handlerInstalled = false;
let onInterrupt: (() => void) | undefined;

async function temporaryPathRegistry(): Promise<NonNullable<typeof registry>> {
  registry ??= await import('@edgeq/ir');
  return registry;
}

/**
 * Remove every temporary path still registered (outputs being written, build and parity
 * scratch directories of @edgeq/ir, codegen and harness), synchronously: safe inside a
 * signal handler. Returns how many there were.
 */
export function removePendingOutputs(): number {
  return registry?.removeTemporaryPaths() ?? 0;
}

/**
 * Install SIGINT/SIGTERM handlers that remove pending temporary outputs, stop progress
 * bars (through `beforeExit`) and exit with {@link ExitCode.INTERRUPTED}.
 */
export function installInterruptHandler(beforeExit?: () => void): void {
  onInterrupt = beforeExit;
  if (handlerInstalled) return;
  handlerInstalled = true;
  const handle = (signal: NodeJS.Signals) => {
    onInterrupt?.();
    const removed = removePendingOutputs();
    process.stderr.write(`\nedgeq: interrupted (${signal})${removed ? '; partial output removed' : ''}\n`);
    process.exit(ExitCode.INTERRUPTED);
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/** A file or directory being produced; `commit()` moves it into place. */
export class OutputTransaction {
  private done = false;
  private constructor(
    /** Where the output ends up. */
    readonly finalPath: string,
    /** Where to write it meanwhile (a sibling, so the final rename stays on one filesystem). */
    readonly tempPath: string,
  ) {}

  /**
   * Start producing `finalPath`; for a directory, the temporary directory is created.
   * @param signature for a directory: a file every earlier output of this kind holds. An
   *   existing non-empty directory without it is not edgeq's to replace, and is refused.
   */
  static async begin(finalPath: string, kind: 'file' | 'dir', signature?: string): Promise<OutputTransaction> {
    const abs = path.resolve(finalPath);
    if (kind === 'dir' && signature) await checkReplaceable(abs, signature);
    await fs.mkdir(path.dirname(abs), { recursive: true });
    const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.edgeq-tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
    (await temporaryPathRegistry()).trackTemporaryPath(tmp);
    if (kind === 'dir') await fs.mkdir(tmp, { recursive: true });
    return new OutputTransaction(abs, tmp);
  }

  /**
   * Replace `finalPath` with the completed temporary output: the old output is moved aside
   * first and removed only once the new one is in place (and put back if that fails), so
   * there is no moment where a failure leaves neither.
   */
  async commit(): Promise<void> {
    if (this.done) return;
    const aside = `${this.tempPath}-old`;
    const hadOld = await fs.rename(this.finalPath, aside).then(() => true, (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    });
    try {
      await fs.rename(this.tempPath, this.finalPath);
    } catch (e) {
      if (hadOld) await fs.rename(aside, this.finalPath);
      throw e;
    }
    registry?.releaseTemporaryPath(this.tempPath);
    if (hadOld) await fs.rm(aside, { recursive: true, force: true });
    this.done = true;
  }

  /** Discard the temporary output (after a failure). */
  async abort(): Promise<void> {
    if (this.done) return;
    await fs.rm(this.tempPath, { recursive: true, force: true });
    registry?.releaseTemporaryPath(this.tempPath);
    this.done = true;
  }
}

/** Refuse to replace `dir` unless it is absent, empty, or holds `signature` (an earlier edgeq output). */
async function checkReplaceable(dir: string, signature: string): Promise<void> {
  const { replaceableDir } = await import('@edgeq/ir'); // loaded only when an output directory is written
  const state = await replaceableDir(dir, signature);
  if (state === 'not-a-directory') throw usageError(`${dir}: exists and is not a directory; refusing to replace it (choose another --out)`);
  if (state === 'foreign') {
    throw usageError(`${dir}: exists and is not an earlier edgeq output (no ${signature}); refusing to replace it (choose another --out or remove it)`);
  }
}

/**
 * Run `produce(tempPath)` and commit its output, or remove it if `produce` throws.
 * @param signature for a directory: the file that marks an earlier output of the same kind
 *   (e.g. edgeq-firmware.json); a non-empty directory without it is never replaced.
 */
export async function writeOutput<T>(finalPath: string, kind: 'file' | 'dir', produce: (tempPath: string) => Promise<T>, signature?: string): Promise<T> {
  const tx = await OutputTransaction.begin(finalPath, kind, signature);
  try {
    const r = await produce(tx.tempPath);
    await tx.commit();
    return r;
  } catch (e) {
    await tx.abort();
    throw e;
  }
}
