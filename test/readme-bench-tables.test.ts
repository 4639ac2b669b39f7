// The README's bench sections are the rendering of bench/results/*.json (bench/lib/readme-tables.ts):
// after re-measuring, `npx tsx scripts/render-bench-tables.ts` rewrites them, and this test fails
// until it has been run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readBenchResults, README_PATH, renderedReadme } from '../bench/lib/readme-file.js';
import { renderBenchSections, renderIntoDocument } from '../bench/lib/readme-tables.js';

describe('README bench sections', () => {
  it('equal the rendering of the current bench/results files', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(readme).toBe(renderedReadme(readme, readBenchResults()));
  });

  it('follow the files: a changed figure changes the README text', () => {
    const results = readBenchResults();
    const before = renderBenchSections(results);
    const record = results.mcu.records.find((r) => r.model === 'dscnn' && r.core === 'cortex-m4' && r.path === 'dsp' && r.rounding === 'tflm')!;
    record.instructions = 1_234_567;
    results.arena.results[0].interpreter_images_per_s_wall_median = 999;
    const after = renderBenchSections(results);
    expect(before.mcu).not.toContain('1,234,567');
    expect(after.mcu).toContain('| **1,234,567** |');
    expect(after.interpreter).toContain('999 images/s wall clock');
    expect(after.interpreter).toContain('is below the 1,000 images/s target');
  });

  it('names the worst --optimize size run off the M4 of each MLPerf model, with its core and gcc level', () => {
    const results = readBenchResults();
    const kws = results.mlperf.records.filter((r) => r.model === 'kws_ref_model' && r.core !== 'cortex-m4' && r.optimize === 'size' && r.cmsis_nn);
    expect(kws.length).toBeGreaterThan(1);
    const target = kws[kws.length - 1];
    target.cmsis_nn!.ratio = 1.97;
    const row = renderBenchSections(results).mlperf.split('\n').find((line) => line.startsWith('| kws_ref_model |'))!;
    expect(row).toContain(`| 1.97× (${target.core} ${target.gcc ?? '-O2'}; ${kws.length} runs) |`);
  });

  it('replaces only what is between the markers, and refuses a missing or unknown section', () => {
    const doc = 'a\n<!-- bench:x -->\nold\n<!-- /bench:x -->\nb\n';
    expect(renderIntoDocument(doc, { x: 'new' })).toBe('a\n<!-- bench:x -->\nnew\n<!-- /bench:x -->\nb\n');
    expect(() => renderIntoDocument(doc, { y: 'new' })).toThrow(/bench:y/);
    expect(() => renderIntoDocument(doc, {})).toThrow(/unknown bench sections: x/);
  });
});
