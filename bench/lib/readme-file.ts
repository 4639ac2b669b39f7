/**
 * Reads bench/results/{arena,mcu,qat,qat-w4,mcu-mlperf,mcu-w4}.json and renders them into README.md's bench sections
 * (the rendering itself: readme-tables.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_ROOT, RESULTS_DIR } from './record.js';
import { renderBenchSections, renderIntoDocument, type BenchResults } from './readme-tables.js';

/** The README whose bench sections are rendered. */
export const README_PATH = path.join(BENCH_ROOT, '..', 'README.md');

/** The current results files. */
export function readBenchResults(dir: string = RESULTS_DIR): BenchResults {
  const read = (name: string): unknown => JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8'));
  return {
    arena: read('arena') as BenchResults['arena'], mcu: read('mcu') as BenchResults['mcu'], qat: read('qat') as BenchResults['qat'],
    mlperf: read('mcu-mlperf') as BenchResults['mlperf'], w4: read('mcu-w4') as BenchResults['w4'],
    ...(existsSync(path.join(dir, 'qat-w4.json')) ? { qatW4: read('qat-w4') as BenchResults['qatW4'] } : {}),
  };
}

/** `readme` with its bench sections rendered from `results`. */
export function renderedReadme(readme: string, results: BenchResults): string {
  return renderIntoDocument(readme, renderBenchSections(results));
}
