/**
 * QGraph (de)serialisation: `<name>.qgraph.json` (the document) beside
 * `<name>.qgraph.bin` (the constant blob). Loading validates everything; saving writes
 * each file to a temporary name first and renames, so nothing half-written is left
 * (`writeFileAtomic`; `writeDirAtomic` does the same for a whole directory). The two
 * files are renamed one after the other, so the document records the blob's SHA-256 and
 * loading refuses a pair that came from different saves.
 */

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { QGraph, QGraphDoc } from './qgraph.js';
import { QGraphError } from './errors.js';
import { validateQGraph } from './validate.js';
import { releaseTemporaryPath, trackTemporaryPath } from './temporary-paths.js';

/** SHA-256 of a blob, lower-case hex. */
export function blobSha256(blob: Uint8Array): string {
  return createHash('sha256').update(blob).digest('hex');
}

/** The document part of a graph, as it is written to JSON (with the blob's length and SHA-256). */
export function qgraphDoc(g: QGraph): QGraphDoc {
  const { blob: _blob, ...doc } = g;
  return { ...doc, blobByteLength: g.blob.length, blobSha256: blobSha256(g.blob) };
}

/** Build a QGraph from its parsed JSON document and blob, validating it. */
export function parseQGraph(doc: unknown, blob: Uint8Array, source = 'qgraph'): QGraph {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new QGraphError(source, 'not a QGraph document (expected a JSON object)');
  }
  const g = { ...(doc as QGraphDoc), blob } as QGraph;
  try {
    validateQGraph(g);
  } catch (e) {
    if (e instanceof QGraphError) throw new QGraphError(`${source}: ${e.where}`, e.message.slice(e.where.length + 2));
    throw e;
  }
  return g;
}

/** The blob path that belongs to a QGraph JSON path. */
export function blobPathFor(jsonPath: string): string {
  return jsonPath.endsWith('.json') ? jsonPath.slice(0, -'.json'.length) + '.bin' : jsonPath + '.bin';
}

/** Read and validate `<x>.qgraph.json` + `<x>.qgraph.bin`. */
export async function loadQGraph(jsonPath: string): Promise<QGraph> {
  let text: string;
  try {
    text = await fs.readFile(jsonPath, 'utf8');
  } catch (e) {
    throw new QGraphError(jsonPath, `cannot read QGraph document: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new QGraphError(jsonPath, `not valid JSON: ${(e as Error).message}`);
  }
  const binPath = blobPathFor(jsonPath);
  let blob: Uint8Array;
  try {
    blob = new Uint8Array(await fs.readFile(binPath));
  } catch (e) {
    throw new QGraphError(binPath, `cannot read QGraph blob: ${(e as Error).message}`);
  }
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && !('blobSha256' in doc)) {
    // Without the hash nothing shows the two files come from one save: refused, with the
    // blob's hash shown so a user who knows they belong together can add it.
    throw new QGraphError(
      jsonPath,
      `has no "blobSha256", so nothing shows that ${path.basename(binPath)} belongs to it; save the graph again with edgeq, or if the blob is the right one add "blobSha256": "${blobSha256(blob)}" (its SHA-256)`,
    );
  }
  if (doc && typeof doc === 'object' && 'blobSha256' in doc) {
    const { blobSha256: want, ...rest } = doc as QGraphDoc;
    // A blob of the wrong length is reported as truncated by validation; one of the right
    // length from another save is caught here.
    if (rest.blobByteLength === blob.length && (typeof want !== 'string' || want !== blobSha256(blob))) {
      throw new QGraphError(binPath, `does not belong to ${jsonPath} (its SHA-256 differs from the document's blobSha256: the two files come from different saves)`);
    }
    doc = rest;
  }
  return parseQGraph(doc, blob, jsonPath);
}

/** Write a file atomically: temporary sibling, then rename. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  trackTemporaryPath(tmp);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  } finally {
    releaseTemporaryPath(tmp);
  }
}

/**
 * Whether an output directory may be replaced: 'free' when it is absent or empty,
 * 'ours' when it holds `signature` (a file every earlier output of that kind has),
 * 'not-a-directory' or 'foreign' otherwise. Callers refuse the last two in their own words.
 */
export async function replaceableDir(dir: string, signature: string): Promise<'free' | 'ours' | 'not-a-directory' | 'foreign'> {
  const st = await fs.stat(dir).catch(() => undefined);
  if (!st) return 'free';
  if (!st.isDirectory()) return 'not-a-directory';
  if ((await fs.readdir(dir)).length === 0) return 'free';
  const sig = await fs.stat(path.join(dir, signature)).catch(() => undefined);
  return sig?.isFile() ? 'ours' : 'foreign';
}

/**
 * Produce a directory atomically: `produce` fills a fresh temporary sibling directory, which
 * is then renamed to `dir`. An existing `dir` is first moved aside and removed only once the
 * new one is in place, so at every moment `dir` is either the old or the complete new
 * directory. If `produce` (or a rename) fails, the temporary directory is removed and an
 * existing `dir` is left as it was.
 * @returns what `produce` returned
 */
export async function writeDirAtomic<T>(dir: string, produce: (tmpDir: string) => Promise<T>): Promise<T> {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  await fs.mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = path.join(parent, `.${path.basename(abs)}.tmp-${tag}`);
  const old = path.join(parent, `.${path.basename(abs)}.old-${tag}`);
  trackTemporaryPath(tmp);
  await fs.mkdir(tmp);
  let movedAside = false;
  try {
    const r = await produce(tmp);
    try {
      await fs.rename(abs, old);
      movedAside = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    await fs.rename(tmp, abs);
    releaseTemporaryPath(tmp);
    if (movedAside) await fs.rm(old, { recursive: true, force: true });
    return r;
  } catch (e) {
    if (movedAside) await fs.rename(old, abs).catch(() => undefined);
    await fs.rm(tmp, { recursive: true, force: true });
    releaseTemporaryPath(tmp);
    throw e;
  }
}

/** Validate, then write `<x>.qgraph.json` and its blob. */
export async function saveQGraph(g: QGraph, jsonPath: string): Promise<void> {
  validateQGraph(g);
  await writeFileAtomic(blobPathFor(jsonPath), g.blob);
  await writeFileAtomic(jsonPath, JSON.stringify(qgraphDoc(g), null, 1) + '\n');
}
