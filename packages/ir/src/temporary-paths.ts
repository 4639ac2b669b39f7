/**
 * Temporary paths of the running process: every scratch file or directory that edgeq's
 * writers, builders and parity runs create (atomic-write siblings, build directories) is
 * registered here while it exists, and whatever is still registered when the process
 * exits — also through `process.exit()` from a Ctrl-C handler — is removed, so an
 * interrupted command leaves nothing behind.
 */

import { rmSync } from 'node:fs';

const live = new Set<string>();
let exitHookInstalled = false;

/** Register `file` (a file or directory) for removal at exit unless it is released first. */
export function trackTemporaryPath(file: string): void {
  live.add(file);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => void removeTemporaryPaths());
  }
}

/** Forget `file`: it was renamed into place or already removed. */
export function releaseTemporaryPath(file: string): void {
  live.delete(file);
}

/**
 * Remove every registered path now, synchronously (safe inside a signal or exit handler),
 * and return how many there were. A write still in flight on libuv's thread pool can add
 * a file while a directory is being removed (ENOTEMPTY): such removals are retried, and a
 * failure never throws.
 */
export function removeTemporaryPaths(): number {
  const count = live.size;
  for (const file of live) {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        rmSync(file, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
        break;
      } catch {
        // retry: see above
      }
    }
  }
  live.clear();
  return count;
}

/** Paths registered now (for tests and diagnostics). */
export function temporaryPaths(): string[] {
  return [...live];
}
