/**
 * @edgeq/runtime-c — locates the C99 int8 runtime (one public header, one file per
 * kernel family) so the code generator can copy it next to the generated model and the
 * harness can compile it.
 */

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Directory holding `edgeq.h`, the one public header. */
export const RUNTIME_INCLUDE_DIR = path.join(root, 'include');
/** Directory holding the kernel sources and the internal header. */
export const RUNTIME_SOURCE_DIR = path.join(root, 'csrc');

/** Absolute paths of every runtime C source file. */
export function runtimeSources(): string[] {
  return readdirSync(RUNTIME_SOURCE_DIR)
    .filter((f) => f.endsWith('.c'))
    .sort()
    .map((f) => path.join(RUNTIME_SOURCE_DIR, f));
}

/** Absolute paths of every runtime file a firmware project needs (headers and sources). */
export function runtimeFiles(): string[] {
  const headers = readdirSync(RUNTIME_SOURCE_DIR).filter((f) => f.endsWith('.h')).map((f) => path.join(RUNTIME_SOURCE_DIR, f));
  return [path.join(RUNTIME_INCLUDE_DIR, 'edgeq.h'), ...headers, ...runtimeSources()];
}
