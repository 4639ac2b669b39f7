/**
 * Model inputs: resolves a model argument (a QGraph, a JSON architecture spec or the name
 * of a shipped one, a saved edgeq model directory, a tfjs layers model directory, a Keras
 * .keras/.h5 file, an int8 or float32 .tflite file) to what it is, and loads it as a QGraph for the integer-side commands (a saved
 * quantised model is frozen on the fly). Every refusal is one line naming the
 * path and the fault.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { QGRAPH_FORMAT, QGraphError, blobPathFor, loadQGraph, type QGraph, type QuantScheme, type RoundingMode, type ScaleMode } from '@edgeq/ir';
import { inputError, modelError, usageError } from '../errors.js';
import { SAVED_MODEL_DOC } from '../saved-model.js';
import { checkRoundingForScales } from '../commands/common.js';
import { SPECS_DIR, loadArchSpec, looksLikeSpec, type ArchSpec } from './arch-spec.js';
import { specToRandomQGraph } from './spec-graph.js';

/**
 * The kinds of model edgeq reads. `tfjs`, `keras` (a Keras 3 .keras or Keras 2 .h5 file) and
 * `tflite-float` (a .tflite whose input is float32) are float models for ptq/qat; `tflite`
 * is an int8 model imported as a QGraph.
 */
export type ModelKind = 'qgraph' | 'spec' | 'edgeq' | 'tfjs' | 'keras' | 'tflite' | 'tflite-float';

/** The float model kinds ptq and qat start from as they are (no training). */
export const FLOAT_MODEL_KINDS: readonly ModelKind[] = ['edgeq', 'tfjs', 'keras', 'tflite-float'];

/** How each float model file kind is described in messages. */
export const FLOAT_FILE_LABEL: Partial<Record<ModelKind, string>> = {
  tfjs: 'tfjs layers model', keras: 'Keras model', 'tflite-float': 'float32 .tflite model',
};

/** A model argument after detection. */
export interface ModelRef {
  kind: ModelKind;
  /** The file (for a tfjs model: its model.json; for a saved edgeq model: its directory). */
  file: string;
}

/** A model ready for the integer side. */
export interface LoadedModel {
  ref: ModelRef;
  graph: QGraph;
  /** The weights are random (a spec without training): accuracy means nothing. */
  untrained: boolean;
  spec?: ArchSpec;
}

async function stat(p: string) {
  try {
    return await fs.stat(p);
  } catch {
    return undefined;
  }
}

/** Find out what a model argument is. Bare names (`dscnn`) resolve to the shipped specs. */
export async function resolveModel(arg: string): Promise<ModelRef> {
  const st = await stat(arg);
  if (!st && !arg.includes('/') && !path.extname(arg)) {
    const shipped = path.join(SPECS_DIR, `${arg}.json`);
    if (await stat(shipped)) return { kind: 'spec', file: shipped };
  }
  if (!st) throw inputError(`${arg}: no such file or directory`);
  if (st.isDirectory()) {
    if (await stat(path.join(arg, SAVED_MODEL_DOC))) return { kind: 'edgeq', file: arg };
    const mj = path.join(arg, 'model.json');
    if (!(await stat(mj))) {
      throw inputError(`${arg}: a directory, but neither ${SAVED_MODEL_DOC} (a model saved by edgeq train, or ptq/qat --save-model) nor model.json (a tfjs layers model) is in it`);
    }
    return { kind: 'tfjs', file: mj };
  }
  if (arg.endsWith('.tflite')) return { kind: (await tfliteIsFloat(arg)) ? 'tflite-float' : 'tflite', file: arg };
  if (arg.endsWith('.keras') || arg.endsWith('.h5') || arg.endsWith('.hdf5')) return { kind: 'keras', file: arg };
  if (arg.endsWith('.qgraph.json')) return { kind: 'qgraph', file: arg };
  if (arg.endsWith('.json')) {
    let doc: unknown;
    try {
      doc = JSON.parse(await fs.readFile(arg, 'utf8'));
    } catch (e) {
      throw modelError(`${arg}: not valid JSON (${(e as Error).message})`);
    }
    const d = doc as Record<string, unknown>;
    if (d && d.format === QGRAPH_FORMAT) return { kind: 'qgraph', file: arg };
    if (d && d.format === 'edgeq.model' && path.basename(arg) === SAVED_MODEL_DOC) return { kind: 'edgeq', file: path.dirname(arg) };
    if (looksLikeSpec(d)) return { kind: 'spec', file: arg };
    if (d && typeof d === 'object' && 'modelTopology' in d) return { kind: 'tfjs', file: arg };
    throw modelError(`${arg}: not a model edgeq knows (expected a QGraph, an architecture spec with "layers", or a tfjs model.json)`);
  }
  throw modelError(`${arg}: unknown model file type (expected .qgraph.json, .json spec, .tflite, .keras, .h5, a saved edgeq model directory or a tfjs model directory)`);
}

/**
 * Whether a .tflite file is a float model (float32 input). A file that cannot be read as
 * .tflite counts as int8, so the importer reports what is wrong with it as before.
 */
async function tfliteIsFloat(file: string): Promise<boolean> {
  try {
    const { readTfliteModel, TensorType } = await import('@edgeq/tflite');
    const sg = readTfliteModel(new Uint8Array(await fs.readFile(file)), file).subgraphs[0];
    return !!sg && sg.inputs.length > 0 && sg.inputs.every((i) => sg.tensors[i]?.type === TensorType.FLOAT32);
  } catch {
    return false;
  }
}

/** Scheme overrides from flags/config. */
export interface SchemeRequest {
  scales?: ScaleMode;
  rounding?: RoundingMode;
}

/** Apply a requested scheme to a frozen graph: rounding may change, scale mode may not. */
export function applyScheme(g: QGraph, req: SchemeRequest, source: string): QGraph {
  const scheme: QuantScheme = { ...g.quantization };
  if (req.scales && req.scales !== scheme.scales) {
    throw usageError(`${source}: was frozen with ${scheme.scales} scales; --scales ${req.scales} needs a graph frozen that way (edgeq freeze --scales ${req.scales})`);
  }
  checkRoundingForScales(scheme.scales, req.rounding, `${source} has pow2 scales`);
  if (req.rounding) scheme.rounding = req.rounding;
  return { ...g, quantization: scheme };
}

/**
 * Load any model argument as a QGraph.
 * @param arg path or shipped spec name
 * @param req scheme requested on the command line (a spec is built with it)
 * @param seed weight seed for specs
 */
export async function loadModelAsQGraph(arg: string, req: SchemeRequest = {}, seed = 1): Promise<LoadedModel> {
  const ref = await resolveModel(arg);
  switch (ref.kind) {
    case 'qgraph': {
      const g = await loadQGraph(ref.file).catch(async (e: unknown) => {
        // A missing blob is a missing input (exit 3), not a broken model.
        const blob = blobPathFor(ref.file);
        if (e instanceof QGraphError && e.where === blob && !(await stat(blob))) {
          throw inputError(`${blob}: no such file: ${path.basename(ref.file)} keeps its constants in this file beside it (copy both files)`);
        }
        throw e;
      });
      return { ref, graph: applyScheme(g, req, ref.file), untrained: false };
    }
    case 'spec': {
      const spec = await loadArchSpec(ref.file);
      const scheme: QuantScheme = { scales: req.scales ?? 'fixed', rounding: req.rounding ?? 'tflm' };
      checkRoundingForScales(scheme.scales, scheme.rounding);
      return { ref, graph: specToRandomQGraph(spec, scheme, seed, ref.file), untrained: true, spec };
    }
    case 'edgeq': {
      const { qatApi } = await import('../components.js');
      const { loadSavedModel, freezeSavedModel } = await import('../saved-model.js');
      const q = await qatApi();
      await q.initBackend();
      const m = await loadSavedModel(q, ref.file);
      try {
        return { ref, graph: freezeSavedModel(q, m, ref.file, req), untrained: false };
      } finally {
        m.dispose();
      }
    }
    case 'tfjs':
    case 'keras':
    case 'tflite-float':
      throw usageError(`${ref.file}: ${ref.kind === 'tflite-float' ? 'a' : 'a float'} ${FLOAT_FILE_LABEL[ref.kind]}; quantise it first (edgeq ptq or edgeq qat ${ref.file} --out MODEL.qgraph.json)`);
    case 'tflite': {
      const bytes = new Uint8Array(await fs.readFile(ref.file));
      const { importTflite } = await import('@edgeq/tflite');
      const g = importTflite(bytes, ref.file);
      return { ref, graph: applyScheme(g, req, ref.file), untrained: false };
    }
  }
}
