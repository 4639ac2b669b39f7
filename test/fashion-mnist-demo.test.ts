// The Fashion-MNIST demo end to end, on a small slice of the data so it fits a test run:
// examples/fashion-mnist/run.ts runs as the README runs it, prints the accuracy table and
// parity lines, and writes results + report; the report,
// opened in headless Chromium, shows the numbers the run printed, with no console errors
// and marks in every chart.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseResults } from '@edgeq/cli';
import { viewReport } from '../packages/cli/test/browser.js';
import { scratch } from '../packages/cli/test/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('examples/fashion-mnist/run.ts', () => {
  it('runs end to end and its report shows what it printed', async () => {
    const out = path.join(scratch('demo'), 'out');
    const args = ['--import', 'tsx', 'examples/fashion-mnist/run.ts', '--out', out, '--train-images', '640', '--test-images', '200', '--other-targets', 'cortex-m0'];
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { cwd: ROOT, env: { ...process.env, EDGEQ_PROGRESS: '0' }, timeout: 290_000, maxBuffer: 1 << 26 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    const stdout = r.stdout;
    const results = parseResults(JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')), 'results.json');
    const view = await viewReport(path.join(out, 'report', 'report.html'));
    expect(view.problems).toEqual([]);
    for (const c of view.charts) expect(c.marks, `${c.id} has marks`).toBeGreaterThan(0);

    // Parity: every line printed is in the report, and every run was bit-exact.
    const printedParity = stdout.split('\n').filter((l) => l.startsWith('parity: '));
    expect(printedParity.length).toBeGreaterThan(0);
    for (const line of printedParity) expect(view.parity).toContain(line);
    expect(printedParity.every((l) => / (\d+)\/\1 bit-exact/.test(l))).toBe(true);

    // The accuracy table printed at the end: "<model>  <top-1>  <correct>/<total>", float and
    // PTQ / QAT in both scale modes with 8-bit and with 4-bit weights.
    const rows = [...stdout.matchAll(/^(float|(?:PTQ|QAT)(?: W4)? (?:fixed|pow2))\s+(\d+\.\d\d%)\s+(\d+\/\d+)$/gm)];
    expect(rows.map((m) => m[1])).toEqual(['float', 'PTQ fixed', 'PTQ pow2', 'PTQ W4 fixed', 'PTQ W4 pow2', 'QAT fixed', 'QAT pow2', 'QAT W4 fixed', 'QAT W4 pow2']);
    const printed = rows.map((m) => m[2]);
    expect(view.accuracy.map((a) => a.top1)).toEqual(printed);
    expect(view.accuracy.map((a) => a.label)).toEqual(['Float', 'PTQ · fixed', 'PTQ · pow2', 'PTQ · fixed · W4', 'PTQ · pow2 · W4', 'QAT · fixed', 'QAT · pow2', 'QAT · fixed · W4', 'QAT · pow2 · W4']);
    // The W4 rows are the graphs with int4 weights: the saved QAT W4 graph holds int4 tensors.
    expect(results.accuracy!.filter((a) => a.weightBits === 4).map((a) => `${a.variant} ${a.scales}`)).toEqual(['ptq fixed', 'ptq pow2', 'qat fixed', 'qat pow2']);
    const w4Graph = JSON.parse(readFileSync(path.join(out, 'graphs', 'qat-fixed-w4.qgraph.json'), 'utf8')) as { tensors: { dtype: string }[] };
    expect(w4Graph.tensors.some((t) => t.dtype === 'int4')).toBe(true);
    const w8Graph = JSON.parse(readFileSync(path.join(out, 'graphs', 'qat-fixed.qgraph.json'), 'utf8')) as { tensors: { dtype: string }[] };
    expect(w8Graph.tensors.some((t) => t.dtype === 'int4')).toBe(false);
    expect(view.charts.map((c) => c.id)).toEqual(expect.arrayContaining(['accuracy', 'weight-ranges', 'activation-ranges', 'layer-error', 'confusion']));
  });
});
