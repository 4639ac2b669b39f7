// A CLI-only session (issue 11, done-when 3): `train` → `qat` → `parity` (Cortex-M4 under
// QEMU) → `bench` each with `--results`, then `edgeq report`, opened in headless Chromium on
// a 375 px wide screen: every section rendered (nothing "not measured"), the figures the
// commands printed, the change vs float, which variant parity ran on, "instructions, not
// cycles", the model's part of flash and RAM, charts not shrunk and no sideways scrolling.
// Tiny sizes (512 training images, one epoch each) keep it short; every command is a child process.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseResults, type EdgeqResults } from '../src/index.js';
import { edgeq, scratch, type RunResult } from './helpers.js';
import { viewReport, type ReportView } from './browser.js';

const CHARTS = ['accuracy', 'training', 'memory', 'instructions', 'weight-ranges', 'activation-ranges', 'layer-error', 'confusion'];

describe('a CLI-only session with --results, rendered by edgeq report', () => {
  let dir: string;
  const runs: Record<string, RunResult> = {};
  let doc: EdgeqResults;
  let view: ReportView;

  beforeAll(async () => {
    dir = scratch('session');
    const steps: [string, string[], Record<string, string>?][] = [
      // EDGEQ_PROGRESS unset and no terminal: the per-epoch lines are on.
      ['train', ['train', 'dscnn', '--limit', '512', '--epochs', '1', '--fine-tune-epochs', '0', '--out', 'float', '--results', 'results.json'], { EDGEQ_PROGRESS: '' }],
      ['qat', ['qat', 'float', '--limit', '512', '--qat-epochs', '1', '--evaluate', '--out', 'qat.qgraph.json', '--results', 'results.json']],
      ['parity', ['parity', 'qat.qgraph.json', '--target', 'cortex-m4', '--data', 'fashion-mnist', '--limit', '20', '--results', 'results.json']],
      ['bench', ['bench', 'qat.qgraph.json', '--targets', 'host,cortex-m4', '--runs', '10', '--results', 'results.json']],
      ['report', ['report', 'results.json', '--out', 'report']],
    ];
    for (const [name, args, env] of steps) {
      runs[name] = await edgeq(args, dir, env);
      expect(runs[name].exitCode, `${name}: ${runs[name].stderr}`).toBe(0);
    }
    doc = parseResults(JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')), 'results.json');
    view = await viewReport(path.join(dir, 'report', 'report.html'), { width: 375 });
  });

  it('train prints one line per epoch with the loss it records', () => {
    const line = /^float train: epoch 1\/1 · loss (\d+\.\d{4}) · \d+ s$/m.exec(runs.train.stderr);
    expect(line, runs.train.stderr).not.toBeNull();
    const recorded = doc.training!.find((t) => t.stage === 'float')!.loss;
    expect(recorded.toFixed(4)).toBe(line![1]);
    // …and it is the epoch mean train itself prints (from the training result, not the progress callback).
    expect(runs.train.stdout).toContain(`float: 1 epochs on 512 images, loss ${recorded.toFixed(3)}`);
    // QAT of the loaded float model continues the epoch count.
    expect(doc.training!.map((t) => [t.stage, t.epoch])).toEqual([['float', 1], ['qat', 2]]);
  });

  it('renders every section with the figures the commands printed', () => {
    expect(view.problems).toEqual([]);
    expect(view.missing).toEqual([]);
    expect(view.charts.map((c) => c.id)).toEqual(CHARTS);
    for (const c of view.charts) expect(c.marks, `${c.id} has marks`).toBeGreaterThan(0);
    const float = /^float: top-1 (\d+\.\d\d)% on the Fashion-MNIST test set/m.exec(runs.qat.stdout)![1];
    const int8 = /^int8: top-1 (\d+\.\d\d)% on the Fashion-MNIST test set/m.exec(runs.qat.stdout)![1];
    expect(view.accuracy.map((a) => [a.label, a.top1])).toEqual([['Float', `${float}%`], ['QAT · fixed', `${int8}%`]]);
    // The change vs float, from the two printed figures.
    const pp = Number(int8) - Number(float);
    expect(view.accuracy[1].change).toBe(`${pp >= 0 ? '+' : '\u2212'}${Math.abs(pp).toFixed(2)} pp`);
    const parityLine = runs.parity.stdout.split('\n').find((l) => l.startsWith('parity: '))!;
    expect(parityLine).toMatch(/^parity: 20\/20 bit-exact on Cortex-M4/);
    expect(view.parity).toContain(parityLine);
    expect(view.parity).toContain('on QAT · fixed (qat.qgraph.json)');
    // bench's flash/RAM/instructions joined parity's row for the same target and model.
    const m4 = doc.costs!.find((c) => c.target === 'cortex-m4')!;
    const benchRow = /^cortex-m4\s+qemu \S+\s+([\d,]+)\s+([\d,]+)\s+([\d,]+)/m.exec(runs.bench.stdout)!;
    expect([m4.flashBytes, m4.ramBytes, m4.instructions]).toEqual(benchRow.slice(1, 4).map((s) => Number(s.replace(/,/g, ''))));
    expect(doc.runs!.map((r) => r.command)).toEqual(['train', 'qat', 'parity', 'bench']);
  });

  it('says what a reader needs to trust it', () => {
    expect(view.reading).toContain('Float: float training (tfjs, float32): 1 epoch at lr 0.001, on 512 fashion-mnist images');
    expect(view.reading).toMatch(/QAT · fixed: QAT: the float model loaded from .*float \(after all its training\), trained 1 more epoch with fake-quant.*why QAT can match or beat float/);
    expect(view.reading).toContain('Accuracy bars start at zero');
    expect(view.reading).toContain('Parity ran on: QAT · fixed (qat.qgraph.json)');
    expect(view.reading).toContain('instructions, not cycles');
    expect(view.reading).toMatch(/model constants.*test harness.*model arena/);
  });

  it('simulate records the int8 top-1 of the variant it ran, with its confusion matrix', async () => {
    const r = await edgeq(['simulate', 'qat.qgraph.json', '--data', 'fashion-mnist', '--limit', '30', '--results', 'simulate.json'], dir);
    expect(r.exitCode, r.stderr).toBe(0);
    const printed = /^top-1 accuracy: (\d+\.\d\d)% \((\d+)\/30\)$/m.exec(r.stdout)!;
    const sim = parseResults(JSON.parse(readFileSync(path.join(dir, 'simulate.json'), 'utf8')), 'simulate.json');
    expect(sim.accuracy).toHaveLength(1);
    expect(sim.accuracy![0]).toMatchObject({ variant: 'qat', scales: 'fixed', granularity: 'per-channel', correct: Number(printed[2]), total: 30 });
    expect(sim.confusion!.matrix.flat().reduce((a, b) => a + b, 0)).toBe(30);
    expect(sim.weightRanges!.length).toBeGreaterThan(0);
    expect(sim.activationRanges!.map((a) => a.layer)).toEqual(doc.activationRanges!.map((a) => a.layer));
  });

  it('refuses a --results file that is not a results document before any work, leaving it as it was', async () => {
    const notes = path.join(dir, 'notes.json');
    writeFileSync(notes, '[1, 2]\n');
    const r = await edgeq(['bench', 'qat.qgraph.json', '--runs', '5', '--results', 'notes.json'], dir);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^edgeq bench: --results .*notes\.json: \(document\): .*not an edgeq results document/);
    expect(r.stdout).toBe('');
    expect(readFileSync(notes, 'utf8')).toBe('[1, 2]\n');
  });

  it('is readable on a 375 px screen: no sideways scrolling, charts at (nearly) full size', () => {
    expect(view.pageWidth).toBeLessThanOrEqual(375);
    for (const c of view.charts) expect(c.scale, `${c.id} is not shrunk`).toBeGreaterThanOrEqual(0.9);
  });
});
