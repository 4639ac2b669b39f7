/**
 * Compiled-runtime cache for host builds: the runtime's kernels are compiled once per
 * (compiler, flags, source contents) into a static archive that every parity binary
 * links, so a property test over hundreds of graphs compiles only the model each time.
 *
 * The cache lives in a per-user directory with private permissions (0700):
 * `$EDGEQ_CACHE_DIR`, else `$XDG_CACHE_HOME/edgeq`, else `~/.cache/edgeq`; archives are
 * under `runtime/<key>/`. Each entry records its archive's SHA-256, and the archive is
 * checked against it before every link: a changed or truncated entry is rebuilt, never
 * linked.
 */

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { RUNTIME_INCLUDE_DIR, RUNTIME_SOURCE_DIR, runtimeFiles, runtimeSources } from '@edgeq/runtime-c';
import { releaseTemporaryPath, trackTemporaryPath } from '@edgeq/ir';
import { compile, HarnessError } from './toolchain.js';

/** File beside each cached archive recording its SHA-256 (and what it was built from). */
const ENTRY_RECORD = 'entry.json';
const ARCHIVE = 'libedgeq.a';

interface EntryRecord {
  archiveSha256: string;
  compiler: string;
  flags: string[];
}

/** The per-user cache directory edgeq uses (not created here). */
export function edgeqCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.EDGEQ_CACHE_DIR) return path.resolve(env.EDGEQ_CACHE_DIR);
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'edgeq');
  return path.join(os.homedir(), '.cache', 'edgeq');
}

/**
 * Create `dir` (and parents) if needed and make sure it is a private directory of this
 * user: not a symbolic link, owned by us, mode 0700 (tightened if it was wider).
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await fs.lstat(dir);
  if (!st.isDirectory()) throw new HarnessError('run-error', `${dir}: the edgeq cache directory is not a directory (a symbolic link or file); remove it or set EDGEQ_CACHE_DIR`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new HarnessError('run-error', `${dir}: the edgeq cache directory belongs to another user (uid ${st.uid}); set EDGEQ_CACHE_DIR to a directory of your own`);
  if ((st.mode & 0o077) !== 0) await fs.chmod(dir, 0o700);
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The cache key of an archive: compiler, flags and every runtime file's name and bytes. */
async function archiveKey(compiler: string, flags: string[]): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify([compiler, flags]));
  for (const f of runtimeFiles()) hash.update(f).update(await fs.readFile(f));
  return hash.digest('hex').slice(0, 24);
}

/** True when `entry` holds an archive whose bytes match the SHA-256 it recorded. */
async function entryIsIntact(entry: string): Promise<boolean> {
  try {
    const record = JSON.parse(await fs.readFile(path.join(entry, ENTRY_RECORD), 'utf8')) as EntryRecord;
    return typeof record.archiveSha256 === 'string' && sha256(await fs.readFile(path.join(entry, ARCHIVE))) === record.archiveSha256;
  } catch {
    return false;
  }
}

const building = new Map<string, Promise<void>>();

/**
 * Path of `libedgeq.a` built with these flags: built on first use, reused after, and
 * verified against its recorded SHA-256 on every call (a tampered entry is rebuilt).
 */
export async function cachedRuntimeArchive(compiler: string, flags: string[]): Promise<string> {
  const root = path.join(edgeqCacheDir(), 'runtime');
  await ensurePrivateDir(edgeqCacheDir());
  await ensurePrivateDir(root);
  const entry = path.join(root, await archiveKey(compiler, flags));
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await entryIsIntact(entry)) return path.join(entry, ARCHIVE);
    // One build per entry at a time in this process; other processes race through the rename.
    let build = building.get(entry);
    if (!build) {
      build = buildEntry(entry, compiler, flags).finally(() => building.delete(entry));
      building.set(entry, build);
    }
    await build;
  }
  throw new HarnessError('run-error', `${entry}: the cached runtime archive keeps failing its SHA-256 check after rebuilding`);
}

/**
 * Compile the runtime into a temporary sibling of `entry`, then move it into place. An
 * intact entry is never removed (another process may be linking it); a broken one is
 * repaired file by file with renames, archive first, so a reader sees either a verified
 * pair or a mismatch it rebuilds.
 */
async function buildEntry(entry: string, compiler: string, flags: string[]): Promise<void> {
  const tmp = `${entry}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  trackTemporaryPath(tmp);
  try {
    await fs.mkdir(tmp, { mode: 0o700 });
    const objects: string[] = [];
    for (const src of runtimeSources()) {
      const obj = path.join(tmp, path.basename(src, '.c') + '.o');
      await compile({ compiler, sources: [src], includeDirs: [RUNTIME_INCLUDE_DIR, RUNTIME_SOURCE_DIR], output: obj, flags: [...flags, '-c'] });
      objects.push(obj);
    }
    const archive = path.join(tmp, ARCHIVE);
    // D: deterministic (no timestamps or owners), so concurrent builds of one entry agree byte for byte.
    await execa('ar', ['rcsD', archive, ...objects]);
    const record: EntryRecord = { archiveSha256: sha256(await fs.readFile(archive)), compiler, flags };
    await fs.writeFile(path.join(tmp, ENTRY_RECORD), JSON.stringify(record, null, 2) + '\n');
    if (await entryIsIntact(entry)) return; // another process finished first
    // No entry yet: the whole directory moves into place (fails if one appeared meanwhile).
    if (await fs.rename(tmp, entry).then(() => true, () => false)) return;
    if (await entryIsIntact(entry)) return;
    // A broken entry: replace its two files in place.
    await fs.rename(archive, path.join(entry, ARCHIVE));
    await fs.rename(path.join(tmp, ENTRY_RECORD), path.join(entry, ENTRY_RECORD));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
    releaseTemporaryPath(tmp);
  }
}
