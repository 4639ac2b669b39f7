/**
 * What the example data generators share: a seeded random source (the same files on
 * every run), their `--flag N` options and writing .npy files into the output directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeNpy, type NpyArray } from '@edgeq/cli';

/** A seeded uniform random source in [0, 1) (a 32-bit linear congruential generator). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** The number after `flag` on the command line, or `fallback`. */
export function numberOption(flag: string, fallback: number): number {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

/** Write `data` of `shape` as `dir/name` (.npy), creating `dir`. */
export function writeNpy(dir: string, name: string, data: NpyArray['data'], shape: number[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, name), encodeNpy(data, shape));
}
