/**
 * JSON architecture specs (the format @edgeq/qat builds float models from): validation
 * with errors that name the file, the layer and the field, including the one-line
 * "layer type X is not supported" refusal. The reference models ship as spec files in
 * packages/cli/specs.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { inputError, modelError } from '../errors.js';

const act = z.enum(['relu', 'relu6', 'linear']);
const posInt = z.number().int().positive();
const name = z.string().min(1).optional();

/** Schema of each supported layer type. */
const LAYER_SCHEMAS = {
  conv: z.strictObject({ type: z.literal('conv'), filters: posInt, kernel: posInt, stride: posInt.optional(), bn: z.boolean().optional(), act: act.optional(), name }),
  dw: z.strictObject({ type: z.literal('dw'), kernel: posInt, stride: posInt.optional(), multiplier: posInt.optional(), bn: z.boolean().optional(), act: act.optional(), name }),
  ir: z.strictObject({ type: z.literal('ir'), expand: posInt, out: posInt, stride: posInt.optional(), name }),
  maxpool: z.strictObject({ type: z.literal('maxpool'), size: posInt, stride: posInt.optional(), name }),
  avgpool: z.strictObject({ type: z.literal('avgpool'), size: posInt, stride: posInt.optional(), name }),
  gap: z.strictObject({ type: z.literal('gap'), name }),
  flatten: z.strictObject({ type: z.literal('flatten'), name }),
  dense: z.strictObject({ type: z.literal('dense'), units: posInt, act: act.optional(), name }),
  softmax: z.strictObject({ type: z.literal('softmax'), name }),
} as const;

export type LayerType = keyof typeof LAYER_SCHEMAS;
/** Layer types a spec may use. */
export const SUPPORTED_LAYER_TYPES = Object.keys(LAYER_SCHEMAS) as LayerType[];
/** One layer of a spec. */
export type LayerSpec = { [K in LayerType]: z.infer<(typeof LAYER_SCHEMAS)[K]> }[LayerType];

/** A whole model: input [h, w, c] and its layers, in order. */
export interface ArchSpec {
  name: string;
  input: [number, number, number];
  layers: LayerSpec[];
}

/** Directory of the spec files shipped with edgeq (dscnn.json, mbv2mini.json). */
export const SPECS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../specs');

/** True when a parsed JSON document looks like an architecture spec. */
export function looksLikeSpec(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && Array.isArray((doc as { layers?: unknown }).layers);
}

/** Validate a parsed spec; `source` (the file) starts every error message. */
export function validateArchSpec(doc: unknown, source: string): ArchSpec {
  const d = doc as Partial<ArchSpec>;
  if (typeof d !== 'object' || d === null) throw modelError(`${source}: not an architecture spec (expected a JSON object)`);
  if (typeof d.name !== 'string' || !d.name) throw modelError(`${source}: name: expected a non-empty string`);
  const input = d.input as unknown;
  if (!Array.isArray(input) || input.length !== 3 || input.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw modelError(`${source}: input: expected [height, width, channels] of positive integers`);
  }
  if (!Array.isArray(d.layers) || d.layers.length === 0) throw modelError(`${source}: layers: expected a non-empty array`);
  const layers = d.layers.map((raw, i) => {
    const label = `${source}: layers[${i}]${raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string' ? ` "${(raw as { name: string }).name}"` : ''}`;
    const type = (raw as { type?: unknown } | null)?.type;
    if (typeof type !== 'string') throw modelError(`${label}: missing layer type`);
    if (!(type in LAYER_SCHEMAS)) {
      throw modelError(`${label}: layer type "${type}" is not supported (supported: ${SUPPORTED_LAYER_TYPES.join(', ')})`);
    }
    const r = LAYER_SCHEMAS[type as LayerType].safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw modelError(`${label}: ${issue.path.length ? issue.path.join('.') + ': ' : ''}${issue.message}`);
    }
    return r.data as LayerSpec;
  });
  return { name: d.name, input: input as [number, number, number], layers };
}

/** Read and validate a spec file. */
export async function loadArchSpec(file: string): Promise<ArchSpec> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw inputError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw modelError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return validateArchSpec(doc, file);
}
