/**
 * Compiled-object cache for firmware builds: every C source of a Cortex-M build is compiled
 * once per (compiler version, flags, preprocessed text) and the object is reused by every
 * later build that compiles the same thing, whatever directory it sits in. A parity test
 * builds dozens of firmware images whose runtime sources are the same bytes with the same
 * flags, and a CLI run builds what an earlier one built: only the model is compiled again.
 *
 * The key is what decides the object: the compiler's identity (`--version`), the flags
 * without include directories, the source's base name and its text after the preprocessor
 * (`-E -P`: every header it includes, every macro, no paths). Entries live beside the host
 * runtime archives in the private per-user cache (`<edgeq cache>/firmware-objects/`), each
 * object with the SHA-256 recorded when it was stored; an object that no longer matches
 * its record is compiled again, never linked. A failed compile is never cached.
 */

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { edgeqCacheDir, ensurePrivateDir } from './runtime-cache.js';
import { runCompiler } from './toolchain.js';

/** Folder of the cache holding the objects. */
const OBJECT_FOLDER = 'firmware-objects';

/** What {@link compileObjectCached} did. */
export interface CachedCompileResult {
  /** False when the compiler failed (then `output` holds its message). */
  readonly ok: boolean;
  /** The compiler's output ("" for an object taken from the cache). */
  readonly output: string;
  /** True when the object was copied from the cache instead of compiled. */
  readonly fromCache: boolean;
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

const identities = new Map<string, Promise<string>>();

/** The first line of `compiler --version` (its release), asked once per process. */
function compilerIdentity(compiler: string): Promise<string> {
  let identity = identities.get(compiler);
  if (!identity) {
    identity = execa(compiler, ['--version'], { reject: false, stdin: 'ignore' }).then((r) => `${compiler}\n${String(r.stdout).split('\n')[0]}`);
    identities.set(compiler, identity);
  }
  return identity;
}

/** The cache key of compiling `source` with `cflags`, or undefined when it cannot be preprocessed. */
async function objectKey(compiler: string, cflags: readonly string[], source: string): Promise<string | undefined> {
  const pre = await execa(compiler, [...cflags, '-E', '-P', source], { reject: false, stdin: 'ignore', maxBuffer: 1 << 28 });
  if (pre.exitCode !== 0) return undefined;
  const flags = cflags.filter((f) => !f.startsWith('-I'));
  return sha256(`${JSON.stringify([await compilerIdentity(compiler), flags, path.basename(source)])}\n${String(pre.stdout)}`);
}

/** The object of a cache entry when its bytes still match the SHA-256 recorded beside it. */
async function intactObject(entry: string): Promise<Uint8Array | undefined> {
  try {
    const [object, recorded] = await Promise.all([fs.readFile(`${entry}.o`), fs.readFile(`${entry}.sha256`, 'utf8')]);
    return sha256(object) === recorded.trim() ? object : undefined;
  } catch {
    return undefined;
  }
}

/** Store `object` under `entry`: each file written to a temporary name, then renamed (object first). */
async function storeObject(entry: string, object: string): Promise<void> {
  const bytes = await fs.readFile(object);
  const tmp = `${entry}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await fs.writeFile(`${tmp}.o`, bytes, { mode: 0o600 });
    await fs.writeFile(`${tmp}.sha256`, `${sha256(bytes)}\n`, { mode: 0o600 });
    await fs.rename(`${tmp}.o`, `${entry}.o`);
    await fs.rename(`${tmp}.sha256`, `${entry}.sha256`);
  } finally {
    await fs.rm(`${tmp}.o`, { force: true });
    await fs.rm(`${tmp}.sha256`, { force: true });
  }
}

/**
 * Compile `source` to `object` (`compiler cflags -c source -o object`), or copy the object an
 * earlier identical compile left in the cache. Resolves `{ ok: false, output }` when the
 * compiler fails; throws {@link ToolchainMissingError} as {@link runCompiler} does.
 */
export async function compileObjectCached(compiler: string, cflags: readonly string[], source: string, object: string): Promise<CachedCompileResult> {
  const root = path.join(edgeqCacheDir(), OBJECT_FOLDER);
  await ensurePrivateDir(edgeqCacheDir());
  await ensurePrivateDir(root);
  const key = await objectKey(compiler, cflags, source);
  const entry = key === undefined ? undefined : path.join(root, key);
  if (entry) {
    const cached = await intactObject(entry);
    if (cached) {
      await fs.writeFile(object, cached);
      return { ok: true, output: '', fromCache: true };
    }
  }
  const r = await runCompiler(compiler, [...cflags, '-c', source, '-o', object]);
  if (r.ok && entry) await storeObject(entry, object);
  return { ...r, fromCache: false };
}
