/**
 * `--results FILE`: each command that measured something (train, ptq, qat, simulate,
 * parity, bench) merges its part into one results document (edgeq.results/1), so that
 * `edgeq report FILE` works after any CLI session.
 *
 * Writes are read-modify-write under a lock file (`FILE.lock`, created exclusively): a
 * second writer waits for the first, so concurrent commands never lose each other's
 * sections. A lock whose process is gone (or that holds no pid for seconds) is taken over. The merged document is validated
 * and written to a temporary sibling, then renamed into place: a reader sees the old
 * document or the new one, never half of one.
 *
 * Merge rules: rows are keyed (accuracy and metrics by variant + scales + granularity +
 * weight bits (+ metric), parity and costs by target + variant, training epochs by stage) and a new row
 * replaces the row of the same key (QAT epochs of a part without float epochs, i.e. of a
 * loaded float model, are numbered on from the document's float epochs); per-graph
 * sections (weight and activation ranges, per-layer error, confusion) are replaced whole by
 * the newest writer; settings and `missing` are merged; every write appends to `runs`.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeOutput } from './atomic.js';
import { inputError } from './errors.js';
import { RESULTS_SCHEMA, parseResults, type EdgeqResults, type Section } from './report/schema.js';

/** What one command contributes: any sections of a results document. */
export type ResultsPart = Partial<Omit<EdgeqResults, 'schema' | 'runs'>>;

/** How long a writer waits for another one's lock before giving up. */
const LOCK_WAIT_MS = 60_000;
const LOCK_POLL_MS = 25;
/** A lock without a readable pid older than this is a leftover (a writer fills it in at once). */
const UNREADABLE_LOCK_MS = 5_000;

/** Whether process `pid` is alive (on this machine). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take `FILE.lock` (exclusive create holding our pid); wait while another live process
 * holds it; take over a lock left by a process that is gone. Returns the release function.
 */
async function lock(file: string, waitMs = LOCK_WAIT_MS): Promise<() => Promise<void>> {
  const lockFile = `${file}.lock`;
  const { trackTemporaryPath, releaseTemporaryPath } = await import('@edgeq/ir');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await fs.open(lockFile, 'wx');
      trackTemporaryPath(lockFile); // Ctrl-C removes it
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await fs.rm(lockFile, { force: true });
        releaseTemporaryPath(lockFile);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number.parseInt(await fs.readFile(lockFile, 'utf8').catch(() => ''), 10);
    const readable = Number.isInteger(holder) && holder > 0;
    // A lock without a pid is one being written right now, unless it has stayed so for seconds.
    const age = readable ? 0 : Date.now() - ((await fs.stat(lockFile).catch(() => undefined))?.mtimeMs ?? Date.now());
    if ((readable && holder !== process.pid && !processAlive(holder)) || age > UNREADABLE_LOCK_MS) {
      await fs.rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw inputError(`${lockFile}: another edgeq command (pid ${holder || '?'}) has been writing ${path.basename(file)} for over ${Math.round(waitMs / 1000)} s; remove the lock file if no such command runs`);
    }
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS + Math.random() * LOCK_POLL_MS));
  }
}

/** The document at `file`, or undefined when there is none yet; anything else is one clear input error. */
export async function readResultsFile(file: string): Promise<EdgeqResults | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw inputError(`--results ${file}: ${code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw inputError(`--results ${file}: not valid JSON (${(e as Error).message}); give a new file name or an edgeq results document`);
  }
  try {
    return parseResults(doc, `--results ${file}`);
  } catch (e) {
    throw inputError(`${(e as Error).message} (not an edgeq results document this command can add to)`);
  }
}

/**
 * Check, before a command does its work, that `file` can take its results: absent, or a
 * valid results document (so a long training run does not fail at the very end).
 */
export async function checkResultsFile(file: string | undefined): Promise<void> {
  if (file !== undefined) await readResultsFile(path.resolve(file));
}

type Keyed<T> = (row: T) => string;

/** Rows of `old` whose key the new rows do not have, then the new rows. */
function replaceRows<T>(old: T[] | undefined, rows: T[] | undefined, key: Keyed<T>): T[] | undefined {
  if (!rows) return old;
  const fresh = new Set(rows.map(key));
  return [...(old ?? []).filter((r) => !fresh.has(key(r))), ...rows];
}

const variantKey = (r: { variant: string; scales: string | null; granularity?: string | null; weightBits?: number }) => `${r.variant}|${r.scales}|${r.granularity ?? ''}|${r.weightBits ?? 8}`;
const targetKey = (r: { target: string; variant?: string }) => `${r.target}|${r.variant ?? ''}`;

/** Merge a command's part into a document (pure; the result is validated by the caller). */
export function mergeResults(doc: EdgeqResults | undefined, part: ResultsPart, run: { command: string; argv: string[]; at: string }): EdgeqResults {
  const base: EdgeqResults = doc ?? {
    schema: RESULTS_SCHEMA,
    title: part.title ?? `${part.model?.name ?? 'model'}: edgeq results`,
    createdAt: run.at,
    model: { name: part.model?.name ?? 'model', dataset: part.model?.dataset ?? 'not given' },
  };
  const out: EdgeqResults = { ...base };
  // The first writer names the model; later ones fill in what is still unknown.
  out.model = { ...part.model, ...base.model } as EdgeqResults['model'];
  if (base.model.dataset === 'not given' && part.model?.dataset) out.model.dataset = part.model.dataset;
  if (part.settings) out.settings = { ...base.settings, ...part.settings };
  out.accuracy = replaceRows(base.accuracy, part.accuracy, variantKey);
  out.metrics = replaceRows(base.metrics, part.metrics, (r) => `${variantKey(r)}|${r.metric}|${r.data ?? ''}`);
  out.variants = replaceRows(base.variants, part.variants, variantKey);
  if (part.training) {
    const stages = new Set(part.training.map((t) => t.stage));
    const kept = (base.training ?? []).filter((t) => !stages.has(t.stage));
    // QAT of a loaded float model (no float epochs in the part) continues after the document's float epochs.
    const floatEpochs = stages.has('float') ? 0 : Math.max(0, ...kept.filter((t) => t.stage !== 'qat').map((t) => t.epoch));
    out.training = [...kept, ...part.training.map((t) => (t.stage === 'qat' ? { ...t, epoch: t.epoch + floatEpochs } : t))].sort((a, b) => a.epoch - b.epoch);
  }
  for (const k of ['weightRanges', 'activationRanges', 'layerError', 'confusion'] as const) {
    if (part[k] !== undefined) (out as Record<string, unknown>)[k] = part[k];
  }
  out.parity = replaceRows(base.parity, part.parity, targetKey);
  if (part.costs) {
    const costs = [...(base.costs ?? [])];
    for (const c of part.costs) {
      const i = costs.findIndex((o) => targetKey(o) === targetKey(c));
      if (i < 0) costs.push(c);
      else costs[i] = { ...costs[i], ...c };
    }
    out.costs = costs;
  }
  const written = (Object.keys(part) as (keyof ResultsPart)[]).filter((k) => part[k] !== undefined && k !== 'missing');
  const missing = { ...base.missing, ...part.missing };
  for (const k of written) delete missing[k as Section];
  if (Object.keys(missing).length) out.missing = missing;
  else delete out.missing;
  out.runs = [...(base.runs ?? []), { command: run.command, argv: run.argv, at: run.at, sections: written.filter((k) => k !== 'model' && k !== 'settings' && k !== 'title') }];
  for (const k of Object.keys(out) as (keyof EdgeqResults)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/**
 * Merge `part` into the results document at `file` (created if absent), under the lock,
 * atomically. Returns the document as written.
 * @param command the edgeq subcommand recording (e.g. "qat")
 */
export async function recordResults(file: string, command: string, part: ResultsPart, opts: { argv?: string[]; lockWaitMs?: number } = {}): Promise<EdgeqResults> {
  const abs = path.resolve(file);
  await fs.mkdir(path.dirname(abs), { recursive: true });
  const release = await lock(abs, opts.lockWaitMs);
  try {
    const doc = await readResultsFile(abs);
    const merged = mergeResults(doc, part, { command, argv: opts.argv ?? process.argv.slice(2), at: new Date().toISOString() });
    const checked = parseResults(merged, `results of edgeq ${command}`);
    await writeOutput(abs, 'file', (tmp) => fs.writeFile(tmp, JSON.stringify(checked, null, 2) + '\n'));
    return checked;
  } finally {
    await release();
  }
}
