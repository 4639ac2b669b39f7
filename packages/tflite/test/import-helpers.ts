/**
 * Helpers of the importer's refusal tests (import-errors, import-versions): the error a
 * file gets, and the external fixture with one field patched.
 */
import { importTflite, TfliteError } from '../src/index.js';
import { tfliteFromJson } from './json-tflite.js';
import { externalModelJson } from './external-model.js';

/** The error importTflite throws for these bytes (fails the test if it does not throw one). */
export function importError(bytes: Uint8Array, source = 'bad.tflite'): TfliteError {
  try {
    importTflite(bytes, source);
  } catch (e) {
    if (e instanceof TfliteError) return e;
    throw new Error(`expected a TfliteError, got ${(e as Error)?.stack ?? String(e)}`);
  }
  throw new Error('expected importTflite to fail');
}

/** The external fixture with one patch applied. */
export function patched(patch: (m: ReturnType<typeof externalModelJson>) => void): Uint8Array {
  const m = externalModelJson();
  patch(m);
  return tfliteFromJson(m);
}
