/**
 * Saved models on the CLI side: model directories written by `edgeq train`, and by
 * `edgeq ptq` / `edgeq qat` with `--save-model` (@edgeq/qat's "edgeq.model" format). Loading
 * turns @edgeq/qat's errors into one-line model errors (exit 4); saving goes through the
 * CLI's output transactions (temporary sibling, removed on failure or Ctrl-C) and never
 * replaces a directory that is not a saved model; freezing checks the phase and scheme.
 */

import path from 'node:path';
import type { QGraph, RoundingMode, ScaleMode } from '@edgeq/ir';
import { writeOutput } from './atomic.js';
import type { QatApi, QatModel } from './components.js';
import { modelError, usageError } from './errors.js';
import { checkRoundingForScales } from './commands/common.js';

/**
 * The document file that marks a saved model directory (@edgeq/qat's MODEL_DOC_FILE; kept
 * here so recognising inputs does not load TensorFlow.js — a test checks they agree).
 */
export const SAVED_MODEL_DOC = 'edgeq-model.json';

/** Load a saved model directory; any fault in it is a model error naming the file and field. */
export async function loadSavedModel(q: QatApi, dir: string): Promise<QatModel> {
  try {
    return await q.loadModel(dir);
  } catch (e) {
    if (e instanceof q.QatError) throw modelError(e.message);
    throw e;
  }
}

/** Refuse a quantised model where a float one is needed (and the other way round). */
export function requirePhase(m: QatModel, dir: string, phase: 'float' | 'quant', command: string): void {
  if (m.phase === phase) return;
  if (phase === 'quant') {
    throw modelError(`${dir}: is a float model (not quantised yet); run "edgeq qat ${dir}" or "edgeq ptq ${dir}" first (with --save-model DIR to freeze later)`);
  }
  throw modelError(`${dir}: is already quantised; ${command} starts from a float model (edgeq train), and "edgeq freeze ${dir}" exports this one`);
}

/**
 * Check before any work that `dir` may receive a model: absent, empty or a saved model
 * directory (so a long training run never ends refusing its output).
 */
export async function checkModelTarget(q: QatApi, dir: string, flag: string): Promise<void> {
  try {
    await q.checkModelOutputDir(dir);
  } catch (e) {
    if (e instanceof q.QatError) throw usageError(`${flag} ${e.message}`);
    throw e;
  }
}

/** Write `m` to `dir` through an output transaction. @returns the absolute directory */
export async function writeSavedModel(q: QatApi, m: QatModel, dir: string): Promise<string> {
  const abs = path.resolve(dir);
  await writeOutput(abs, 'dir', (tmp) => q.writeModelFiles(m, tmp), SAVED_MODEL_DOC);
  return abs;
}

/** Number of stored weight values of a model. */
export function parameterCount(m: QatModel): number {
  let n = 0;
  for (const node of m.net.nodes) {
    if (node.kind !== 'conv') continue;
    for (const v of [node.kernel, node.bias, node.bn?.gamma, node.bn?.beta, node.bn?.mean, node.bn?.variance]) n += v?.size ?? 0;
  }
  return n;
}

/** Scheme requested on the command line for a freeze. */
export interface FreezeRequest {
  scales?: ScaleMode;
  rounding?: RoundingMode;
}

/**
 * Freeze a loaded quantised model. The scale mode is the one it was trained with (a
 * different `--scales` is refused); `--rounding` may change the requantisation rounding.
 */
export function freezeSavedModel(q: QatApi, m: QatModel, dir: string, req: FreezeRequest, metadata: Record<string, unknown> = {}): QGraph {
  requirePhase(m, dir, 'quant', 'freeze');
  if (req.scales && req.scales !== m.config.scales) {
    throw usageError(`${dir}: was quantised with ${m.config.scales} scales; --scales ${req.scales} needs a model quantised that way (edgeq qat --scales ${req.scales})`);
  }
  checkRoundingForScales(m.config.scales, req.rounding, `${dir} was quantised with pow2 scales`);
  if (req.rounding) m.config.rounding = req.rounding;
  return q.freeze(m, { name: `${m.name}_${m.config.scales}`, metadata: { tool: 'edgeq', stage: 'freeze', ...metadata } });
}
