/**
 * JSON architecture spec files: reading them, and validation by @edgeq/ir's spec module
 * (arch-spec.ts: the one schema, errors that name the file, the layer and the field,
 * including the one-line "layer type X is not supported" refusal), reported as the CLI's
 * model errors. The reference models ship as spec files in packages/cli/specs (a test
 * checks they equal @edgeq/ir's REFERENCE_SPECS).
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArchSpecError, validateArchSpec as validateSpec, type ArchSpec } from '@edgeq/ir';
import { inputError, modelError } from '../errors.js';

export { looksLikeSpec, SUPPORTED_LAYER_TYPES, type ArchSpec, type LayerSpec, type LayerType } from '@edgeq/ir';

/** Directory of the spec files shipped with edgeq (dscnn.json, mbv2mini.json). */
export const SPECS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../specs');

/** Run `build`, reporting a spec fault (ArchSpecError) as a model error with its message. */
export function asModelError<T>(build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof ArchSpecError) throw modelError(e.message);
    throw e;
  }
}

/** Validate a parsed spec; `source` (the file) starts every error message. */
export function validateArchSpec(doc: unknown, source: string): ArchSpec {
  return asModelError(() => validateSpec(doc, source));
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
