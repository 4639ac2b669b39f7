/**
 * Compiled-runtime cache for host builds: the runtime's kernels are compiled once per
 * (compiler, flags, source contents) into a static archive that every parity binary
 * links, so a property test over hundreds of graphs compiles only the model each time.
 */

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { RUNTIME_INCLUDE_DIR, RUNTIME_SOURCE_DIR, runtimeFiles, runtimeSources } from '@edgeq/runtime-c';
import { compile } from './toolchain.js';

const pending = new Map<string, Promise<string>>();

/** Path of `libedgeq.a` built with these flags (built on first use, reused after). */
export function cachedRuntimeArchive(compiler: string, flags: string[]): Promise<string> {
  const key = JSON.stringify([compiler, flags]);
  let p = pending.get(key);
  if (!p) {
    p = buildArchive(compiler, flags);
    pending.set(key, p);
  }
  return p;
}

async function buildArchive(compiler: string, flags: string[]): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify([compiler, flags]));
  for (const f of runtimeFiles()) hash.update(f).update(await fs.readFile(f));
  const dir = path.join(os.tmpdir(), 'edgeq-runtime-cache', hash.digest('hex').slice(0, 16));
  const lib = path.join(dir, 'libedgeq.a');
  try {
    await fs.access(lib);
    return lib;
  } catch {
    // not built yet
  }
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(tmp, { recursive: true });
  try {
    const objects: string[] = [];
    for (const src of runtimeSources()) {
      const obj = path.join(tmp, path.basename(src, '.c') + '.o');
      await compile({ compiler, sources: [src], includeDirs: [RUNTIME_INCLUDE_DIR, RUNTIME_SOURCE_DIR], output: obj, flags: [...flags, '-c'] });
      objects.push(obj);
    }
    await execa('ar', ['rcs', path.join(tmp, 'libedgeq.a'), ...objects]);
    await fs.mkdir(path.dirname(dir), { recursive: true });
    await fs.rename(tmp, dir).catch(async () => {
      // Another process built the same archive concurrently: use theirs.
      await fs.rm(tmp, { recursive: true, force: true });
    });
    return lib;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
