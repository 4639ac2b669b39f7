// End to end: `edgeq report` on a results document whose parity and cost figures come
// from a real host run, opened in headless Chromium (Debian's, driven by playwright-core):
// no console errors, every chart has rendered marks, the accuracy table holds the numbers
// given, and every chart also exists as SVG and PNG.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReferenceModel } from '@edgeq/ir';
import { RESULTS_SCHEMA, graphCosts, observeActivationRanges, randomInputs, runHostParity, weightRangesOf, type EdgeqResults } from '../src/index.js';
import { edgeq, scratch } from './helpers.js';
import { viewReport } from './browser.js';

const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Results with real graph statistics, host parity and costs; accuracy rows are given figures (training lands with @edgeq/qat). */
async function results(): Promise<EdgeqResults> {
  const g = buildReferenceModel('mbv2mini');
  const inputs = randomInputs(g, 40, 3);
  const parity = await runHostParity(g, inputs, false);
  const costs = await graphCosts(g);
  const acc = (variant: 'float' | 'ptq' | 'qat', scales: 'fixed' | 'pow2' | null, correct: number, weightBits?: 4) => ({
    variant, scales, granularity: scales ? ('per-channel' as const) : null, ...(weightBits ? { weightBits } : {}), top1: correct / 10000, correct, total: 10000, evaluatedBy: 'test figures',
  });
  return {
    schema: RESULTS_SCHEMA,
    title: 'edgeq report test',
    model: { name: 'mbv2mini', dataset: 'test figures (accuracy) + random vectors (parity)' },
    settings: { vectors: inputs.length },
    accuracy: [acc('float', null, 9012), acc('ptq', 'fixed', 8874), acc('ptq', 'pow2', 7421), acc('qat', 'fixed', 8990), acc('qat', 'pow2', 8803), acc('ptq', 'fixed', 8650, 4), acc('qat', 'fixed', 8961, 4)],
    // An autoencoder-style metric: MSE, lower is better (float 0.0125, PTQ fixed 0.0150: +0.0025, worse).
    metrics: [
      { variant: 'float', scales: null, task: 'autoencoder', metric: 'mse', value: 0.0125, higherIsBetter: false, samples: 200, data: 'test-x.npy', evaluatedBy: 'tfjs (float32)' },
      { variant: 'ptq', scales: 'fixed', granularity: 'per-channel', task: 'autoencoder', metric: 'mse', value: 0.015, higherIsBetter: false, samples: 200, data: 'test-x.npy', evaluatedBy: 'int8 interpreter' },
    ],
    training: [{ stage: 'float', epoch: 1, loss: 0.61 }, { stage: 'float', epoch: 2, loss: 0.42 }, { stage: 'fine-tune', epoch: 3, loss: 0.39 }, { stage: 'qat', epoch: 3, loss: 0.4 }],
    weightRanges: weightRangesOf(g),
    activationRanges: (await observeActivationRanges(g, inputs.slice(0, 5))).map(({ layer, min, max }) => ({ layer, min, max, source: 'observed' as const })),
    layerError: g.ops.map((op, i) => ({ layer: op.name, rmse: 0.002 * (i + 1), sqnrDb: 38 - i })),
    confusion: { variant: 'QAT · fixed', labels: LABELS, matrix: LABELS.map((_, t) => LABELS.map((_, p) => (t === p ? 890 : 12))) },
    parity: [{ target: 'host', runner: parity.runner, vectors: parity.stats.vectors, exactVectors: parity.stats.exactVectors, maxAbsDiff: parity.stats.maxAbsDiff, line: parity.line }],
    costs: [
      { target: 'host', arenaBytes: costs.arenaBytes, constBytes: costs.constBytes },
      { target: 'cortex-m4', flashBytes: costs.constBytes + 20_000, ramBytes: costs.arenaBytes + 9_000, arenaBytes: costs.arenaBytes, constBytes: costs.constBytes, instructions: 3_100_000 },
    ],
  };
}

describe('edgeq report in headless Chromium', () => {
  let dir: string;
  let doc: EdgeqResults;
  let printed: string;

  beforeAll(async () => {
    dir = scratch('report');
    doc = await results();
    writeFileSync(path.join(dir, 'results.json'), JSON.stringify(doc));
    const r = await edgeq(['report', 'results.json', '--out', 'report'], dir);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    printed = r.stdout;
  });

  it('loads without console errors; every chart has marks; the table holds the printed numbers', async () => {
    const view = await viewReport(path.join(dir, 'report', 'report.html'));
    expect(view.charts.map((c) => c.id)).toEqual(['accuracy', 'training', 'memory', 'instructions', 'weight-ranges', 'activation-ranges', 'layer-error', 'confusion']);
    for (const c of view.charts) {
      expect(c.marks, `${c.id} has rendered marks`).toBeGreaterThan(0);
      expect(c.width, `${c.id} is laid out`).toBeGreaterThan(100);
    }
    // Marks are data-driven: the confusion matrix draws one cell per (label, prediction).
    expect(view.confusionCells).toBe(LABELS.length * LABELS.length);
    const expected = doc.accuracy!.map((a) => `${(100 * a.top1).toFixed(2)}%`);
    expect(view.accuracy.map((r) => r.top1)).toEqual(expected);
    expect(view.accuracy.map((r) => r.label)).toEqual(['Float', 'PTQ · fixed', 'PTQ · pow2', 'QAT · fixed', 'QAT · pow2', 'PTQ · fixed · W4', 'QAT · fixed · W4']);
    for (const [i, r] of view.accuracy.entries()) expect(printed).toContain(`${r.label.padEnd(28)} ${expected[i]}`);
    expect(view.parity).toContain('parity: 40/40 bit-exact on host (gcc)');
    expect(view.missing).toEqual([]);
    expect(view.problems).toEqual([]);
    // The change vs float (9012 of 10,000): PTQ fixed 8874 → −1.38 pp, PTQ pow2 7421 → −15.91 pp,
    // QAT fixed 8990 → −0.22 pp, QAT pow2 8803 → −2.09 pp; W4A8: PTQ 8650 → −3.62 pp, QAT 8961 → −0.51 pp.
    expect(view.accuracy.map((r) => r.change)).toEqual(['—', '\u22121.38 pp', '\u221215.91 pp', '\u22120.22 pp', '\u22122.09 pp', '\u22123.62 pp', '\u22120.51 pp']);
    expect(view.metrics.map((row) => row.slice(0, 5))).toEqual([['Float', 'autoencoder', 'mse', '0.0125', '—'], ['PTQ · fixed', 'autoencoder', 'mse', '0.015', '+0.0025 (worse)']]);
  });

  it('reads on a 375 px screen: no sideways scrolling, no chart shrunk', async () => {
    const view = await viewReport(path.join(dir, 'report', 'report.html'), { width: 375 });
    expect(view.pageWidth).toBeLessThanOrEqual(375);
    for (const c of view.charts) expect(c.scale, `${c.id} keeps its size`).toBeGreaterThanOrEqual(0.9);
    expect(view.problems).toEqual([]);
  });

  it('writes every chart as SVG and PNG beside a self-contained page', () => {
    const html = readFileSync(path.join(dir, 'report', 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src="http|url\(http/);
    for (const id of ['accuracy', 'training', 'memory', 'instructions', 'weight-ranges', 'activation-ranges', 'layer-error', 'confusion']) {
      expect(readFileSync(path.join(dir, 'report', 'charts', `${id}.svg`), 'utf8')).toMatch(/^<svg /);
      expect([...readFileSync(path.join(dir, 'report', 'charts', `${id}.png`)).subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
    }
  });
});
