// The README's bench sections are the rendering of bench/results/*.json (bench/lib/readme-tables.ts):
// after re-measuring, `npx tsx scripts/render-bench-tables.ts` rewrites them, and this test fails
// until it has been run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readBenchResults, README_PATH, renderedReadme } from '../bench/lib/readme-file.js';
import { renderBenchSections, renderIntoDocument } from '../bench/lib/readme-tables.js';
import { summariseW4, type W4Record } from '../bench/lib/w4-summary.js';

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

  it('renders the W4 table from qat-w4.json, with its targets and 4-bit layers, and says when it is missing', () => {
    const results = readBenchResults();
    expect(renderBenchSections({ ...results, qatW4: undefined })['qat-w4-accuracy']).toBe('Not measured yet: `npx tsx bench/qat.ts --w4` writes `bench/results/qat-w4.json`.');
    const mean = (m: number) => ({ mean: m, seeds: [1], accuracies: [m] });
    const row = (variant: string) => ({ model: 'dscnn', variant, commit: 'abc1234', seed: 1, backend: '1 worker × wasm+simd', ...(variant.includes('W4') ? { int4Layers: ['conv1', 'dw2'] } : {}) });
    const qatW4 = {
      rows: ['float', 'PTQ W4 per-channel', 'QAT W4 per-channel'].map(row),
      recipe: 'r',
      summary: { dscnn: {
        means: { float: mean(88.8), 'PTQ W4 per-channel': mean(80.25), 'QAT W4 per-channel': mean(88.5) },
        targets: { 'QAT W4 per-channel': { seeds: [1], floatMinusQat: 0.3, allowed: 0.5, met: true } },
      } },
      throughput: { commit: 'abc1234' },
    };
    const text = renderBenchSections({ ...results, qatW4 })['qat-w4-accuracy'];
    expect(text).toContain('From `bench/results/qat-w4.json` (`npx tsx bench/qat.ts --w4`, commit abc1234, seeds 1');
    expect(text).toContain('| PTQ W4 per-channel | 80.25 |');
    expect(text).toContain('| QAT W4 per-channel | 88.50 (float − 0.30) |');
    expect(text).toContain('- QAT W4 per-channel ≥ float − 0.5: met');
    expect(text).toContain("4-bit layers (the rows' `int4Layers`; the others stay 8-bit): dscnn: conv1, dw2.");
  });

  it('replaces only what is between the markers, and refuses a missing or unknown section', () => {
    const doc = 'a\n<!-- bench:x -->\nold\n<!-- /bench:x -->\nb\n';
    expect(renderIntoDocument(doc, { x: 'new' })).toBe('a\n<!-- bench:x -->\nnew\n<!-- /bench:x -->\nb\n');
    expect(() => renderIntoDocument(doc, { y: 'new' })).toThrow(/bench:y/);
    expect(() => renderIntoDocument(doc, {})).toThrow(/unknown bench sections: x/);
  });
});

describe('README W4 table (bench/results/mcu-w4.json)', () => {
  /** A run of `model` with the given constants and instructions (the fields the summary reads). */
  const run = (model: string, weights: 'w8' | 'w4', optimize: string, constants: number, instructions: number): W4Record => ({
    model, source: 'test', weights, core: 'cortex-m4', cpu: 'cortex-m4', rounding: 'fixed/tflm', optimize, gcc: '-O2', commit: 'abcdef0123', macs: 1000,
    status: 'ok', vectors: 2, parity: 'parity: 2/2', bit_exact: true, instructions, instructions_per_mac: instructions / 1000, constants, per_op: [],
    flash_model: constants, flash_runtime: 0, flash_total: constants + 100, arena: 0, stack_peak: 0,
  });

  it('divides W4 by W8 of the same model and optimize mode, and holds weight-dominated models to 0.55x', () => {
    // vww speed: 5,500 / 10,000 = 0.55 (met, the bar is inclusive); vww size: 2,751 / 5,000 = 0.5502 (not met);
    // kws is not weight-dominated: no verdict. Instructions 1,200 / 1,000 = 1.2.
    const summary = summariseW4([
      run('vww_96_int8', 'w8', 'speed', 10_000, 1000), run('vww_96_int8', 'w4', 'speed', 5_500, 1200),
      run('vww_96_int8', 'w4', 'size', 2_751, 900), run('vww_96_int8', 'w8', 'size', 5_000, 1000),
      run('kws_ref_model', 'w8', 'speed', 100, 10), run('kws_ref_model', 'w4', 'speed', 90, 10),
      run('ad01_int8', 'w8', 'speed', 100, 10), // no W4 run: no summary row
    ]);
    expect(summary.map((s) => [s.model, s.optimize, s.constants_ratio, s.flash_bar_met, s.instructions_ratio])).toEqual([
      ['vww_96_int8', 'speed', 0.55, true, 1.2],
      ['vww_96_int8', 'size', 0.5502, false, 0.9],
      ['kws_ref_model', 'speed', 0.9, undefined, 1],
    ]);
  });

  it('renders the summary: ratios per mode and the bar verdict follow the file', () => {
    const results = readBenchResults();
    const vww = results.w4.summary.find((s) => s.model === 'vww_96_int8' && s.optimize === 'speed')!;
    vww.constants_w8 = 400_000;
    vww.constants_w4 = 240_000;
    vww.constants_ratio = 0.6;
    vww.flash_bar_met = false;
    const text = renderBenchSections(results).w4;
    expect(text).toContain('| **vww_96_int8** | 400,000 / 240,000 | 0.60× |');
    expect(text).toMatch(/`speed` [^;]*vww_96_int8 0\.60×: \*\*not met\*\*/);
  });
});
