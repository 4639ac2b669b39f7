// `--results FILE` underneath: merging command parts into one results document, concurrent
// writers serialised by the lock (none loses another's rows), a lock left by a dead process
// taken over, a live one waited for, and a file that is not a results document refused with
// one line, untouched. Also the training progress without a terminal: one line per epoch.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mergeResults, recordResults, withTrainingProgress, RESULTS_SCHEMA, type ResultsPart } from '../src/index.js';
import { entries, scratch } from './helpers.js';

const run = { command: 'test', argv: ['test'], at: '2026-01-01T00:00:00.000Z' };
const parityRow = (target: string, exact: number) => ({ target, runner: 'gcc', vectors: 10, exactVectors: exact, maxAbsDiff: exact === 10 ? 0 : 1, line: `parity: ${exact}/10 on ${target}`, variant: 'QAT · fixed (q.qgraph.json)' });

describe('mergeResults', () => {
  it('keeps a W4A8 row beside the W8 row of the same variant, scales and granularity; a W4 row replaces only the W4 one', () => {
    const row = (top1: number, weightBits?: 4 | 8) => ({ variant: 'qat' as const, scales: 'fixed' as const, granularity: 'per-channel' as const, ...(weightBits ? { weightBits } : {}), top1, correct: top1 * 10, total: 10, evaluatedBy: 'int8' });
    const a = mergeResults(undefined, { accuracy: [row(0.8)], metrics: [{ variant: 'qat', scales: 'fixed', granularity: 'per-channel', task: 'classification', metric: 'top-1', value: 0.8, higherIsBetter: true, samples: 10, evaluatedBy: 'int8' }] }, run);
    const b = mergeResults(a, { accuracy: [row(0.7, 4)], metrics: [{ variant: 'qat', scales: 'fixed', granularity: 'per-channel', weightBits: 4, task: 'classification', metric: 'top-1', value: 0.7, higherIsBetter: true, samples: 10, evaluatedBy: 'int8' }] }, run);
    expect(b.accuracy!.map((r) => [r.weightBits ?? 8, r.top1])).toEqual([[8, 0.8], [4, 0.7]]);
    expect(b.metrics!.map((r) => [r.weightBits ?? 8, r.value])).toEqual([[8, 0.8], [4, 0.7]]);
    // An explicit 8 is the same key as no field; a newer W4 row replaces the older W4 row.
    const c = mergeResults(b, { accuracy: [row(0.9, 8), row(0.6, 4)] }, run);
    expect(c.accuracy!.map((r) => [r.weightBits ?? 8, r.top1])).toEqual([[8, 0.9], [4, 0.6]]);
  });

  it('keys rows, merges costs field by field, replaces per-graph sections and logs every run', () => {
    const first: ResultsPart = {
      model: { name: 'dscnn', dataset: 'fashion-mnist' },
      accuracy: [{ variant: 'float', scales: null, top1: 0.5, correct: 5, total: 10, evaluatedBy: 'tfjs' }],
      costs: [{ target: 'cortex-m4', arenaBytes: 100, constBytes: 200, instructions: 9, variant: 'v' }],
      layerError: [{ layer: 'a', rmse: 1 }],
      missing: { parity: 'not run yet' },
    };
    const a = mergeResults(undefined, first, run);
    expect(a.schema).toBe(RESULTS_SCHEMA);
    expect(a.title).toBe('dscnn: edgeq results');
    const b = mergeResults(a, {
      model: { name: 'dscnn_qat_fixed', dataset: 'not given' },
      accuracy: [
        { variant: 'qat', scales: 'fixed', granularity: 'per-channel', top1: 0.6, correct: 6, total: 10, evaluatedBy: 'int8' },
        { variant: 'float', scales: null, top1: 0.7, correct: 7, total: 10, evaluatedBy: 'tfjs' },
      ],
      costs: [{ target: 'cortex-m4', arenaBytes: 100, constBytes: 200, flashBytes: 5000, ramBytes: 700, variant: 'v' }],
      layerError: [{ layer: 'b', rmse: 2 }],
      parity: [parityRow('host', 10)],
    }, { ...run, command: 'second' });
    // The first writer named the model; the float row was replaced (same key), QAT added.
    expect(b.model).toEqual({ name: 'dscnn', dataset: 'fashion-mnist' });
    expect(b.accuracy!.map((r) => [r.variant, r.top1])).toEqual([['qat', 0.6], ['float', 0.7]]);
    // Costs of the same target and variant: bench's flash/RAM joined parity's instructions.
    expect(b.costs).toEqual([{ target: 'cortex-m4', arenaBytes: 100, constBytes: 200, instructions: 9, flashBytes: 5000, ramBytes: 700, variant: 'v' }]);
    expect(b.layerError).toEqual([{ layer: 'b', rmse: 2 }]);
    // The section now present is no longer "missing".
    expect(b.missing).toBeUndefined();
    expect(b.runs!.map((r) => [r.command, r.sections])).toEqual([['test', ['accuracy', 'costs', 'layerError']], ['second', ['accuracy', 'costs', 'layerError', 'parity']]]);
  });

  it('numbers the QAT epochs of a loaded float model on from the float epochs already recorded', () => {
    const trained = mergeResults(undefined, { training: [{ stage: 'float', epoch: 1, loss: 2 }, { stage: 'float', epoch: 2, loss: 1.5 }, { stage: 'fine-tune', epoch: 3, loss: 1.4 }] }, run);
    const qat = mergeResults(trained, { training: [{ stage: 'qat', epoch: 1, loss: 1.3 }] }, run);
    expect(qat.training!.map((t) => [t.stage, t.epoch])).toEqual([['float', 1], ['float', 2], ['fine-tune', 3], ['qat', 4]]);
    // A part that trained its own float epochs replaces them and keeps its own numbering.
    const again = mergeResults(qat, { training: [{ stage: 'float', epoch: 1, loss: 2.2 }, { stage: 'qat', epoch: 2, loss: 1.9 }] }, run);
    expect(again.training!.map((t) => [t.stage, t.epoch, t.loss])).toEqual([['float', 1, 2.2], ['qat', 2, 1.9], ['fine-tune', 3, 1.4]]);
  });
});

describe('recordResults', () => {
  it('serialises concurrent writers: every one of them is in the document', async () => {
    const dir = scratch('results-file');
    const file = path.join(dir, 'results.json');
    const targets = Array.from({ length: 8 }, (_, i) => `target-${i}`);
    await Promise.all(targets.map((t) => recordResults(file, 'parity', { model: { name: 'm', dataset: 'd' }, parity: [parityRow(t, 10)] }, { argv: ['parity', t] })));
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.parity.map((p: { target: string }) => p.target).sort()).toEqual(targets);
    expect(doc.runs).toHaveLength(8);
    expect(entries(dir)).toEqual(['results.json']); // no lock, no temporary file left
  });

  it('takes over a lock left by a process that is gone, and waits for a live one', async () => {
    const dir = scratch('results-lock');
    const file = path.join(dir, 'results.json');
    const child = execa(process.execPath, ['-e', '']);
    await child;
    writeFileSync(`${file}.lock`, `${child.pid}\n`);
    await recordResults(file, 'bench', { model: { name: 'm', dataset: 'd' } });
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8')).runs).toHaveLength(1);

    writeFileSync(`${file}.lock`, `${process.ppid}\n`); // a live process holds it
    await expect(recordResults(file, 'bench', { model: { name: 'm', dataset: 'd' } }, { lockWaitMs: 300 })).rejects.toThrow(
      new RegExp(`results\\.json\\.lock: another edgeq command \\(pid ${process.ppid}\\) has been writing results\\.json`),
    );
    expect(JSON.parse(readFileSync(file, 'utf8')).runs).toHaveLength(1);
  });

  it('refuses a file that is not a results document, leaving it as it was', async () => {
    const dir = scratch('results-bad');
    const file = path.join(dir, 'notes.json');
    writeFileSync(file, '{"hello": 1}\n');
    await expect(recordResults(file, 'train', { model: { name: 'm', dataset: 'd' } })).rejects.toThrow(/--results .*notes\.json: schema: .*not an edgeq results document/);
    expect(readFileSync(file, 'utf8')).toBe('{"hello": 1}\n');
    writeFileSync(file, 'not json');
    await expect(recordResults(file, 'train', { model: { name: 'm', dataset: 'd' } })).rejects.toThrow(/notes\.json: not valid JSON/);
    expect(entries(dir)).toEqual(['notes.json']);
  });
});

describe('withTrainingProgress without a terminal', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('writes one line per finished epoch with its loss, and returns the epochs', async () => {
    vi.stubEnv('EDGEQ_PROGRESS', '');
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (lines.push(String(s)), true));
    const isTTY = process.stderr.isTTY;
    process.stderr.isTTY = false;
    try {
      // 2 epochs of 3 steps from run-wide epoch 4; the running mean loss at each epoch's last step is its mean.
      const { result, epochs } = await withTrainingProgress({ label: 'QAT', epochs: 2, stepsPerEpoch: 3, firstEpoch: 4 }, {}, async (onProgress) => {
        const losses = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
        let sum = 0;
        losses.forEach((l, i) => {
          sum = i % 3 === 0 ? l : sum + l;
          onProgress(i + 1, 6, sum / ((i % 3) + 1));
        });
        return 'done';
      });
      expect(result).toBe('done');
      expect(epochs.map((e) => e.epoch)).toEqual([4, 5]);
      expect(epochs[0].loss).toBeCloseTo(0.8, 12); // (0.9 + 0.8 + 0.7) / 3
      expect(epochs[1].loss).toBeCloseTo(0.5, 12); // (0.6 + 0.5 + 0.4) / 3
      expect(lines.map((l) => l.replace(/ · \d+ s\n$/, ''))).toEqual(['QAT: epoch 1/2 · loss 0.8000', 'QAT: epoch 2/2 · loss 0.5000']);
    } finally {
      process.stderr.isTTY = isTTY;
    }
  });

  it('is silent with EDGEQ_PROGRESS=0 and under --quiet/--json', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.stubEnv('EDGEQ_PROGRESS', '0');
    await withTrainingProgress({ label: 'x', epochs: 1, stepsPerEpoch: 1 }, {}, async (p) => p(1, 1, 0.5));
    vi.stubEnv('EDGEQ_PROGRESS', '');
    await withTrainingProgress({ label: 'x', epochs: 1, stepsPerEpoch: 1 }, { silent: true }, async (p) => p(1, 1, 0.5));
    expect(write).not.toHaveBeenCalled();
  });
});
