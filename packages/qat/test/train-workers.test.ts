// Data-parallel training (train-workers.ts): 2 workers compute the gradients one worker
// computes on the same batch (tolerance below), their replicas stay bit-identical, two runs
// with the same seed and worker count give the same bits, a failing worker ends training
// with one error and leaves no thread behind, and an abort wakes a replica at a barrier.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackend, initBackend } from '../src/backend.js';
import { batches } from '../src/dataset.js';
import { EdgeqModel } from '../src/model.js';
import { encodeModel } from '../src/model-io.js';
import { prepare } from '../src/qat.js';
import { abortReplicas, replicaBufferBytes } from '../src/replica-sync.js';
import { batchTensors, train } from '../src/train.js';
import { TrainingPool } from '../src/train-workers.js';
import { FusedAdam } from '../src/fused-adam.js';
import { tinyImages, tinyParallelModel } from './support/tiny-parallel.js';

/**
 * Stated tolerance: per weight tensor, |g_2 workers − g_1 worker| ≤ 1e-4 · max|g_1 worker|.
 * The two differ only in float summation order (BN moments and Σg per replica in float32,
 * combined in float64; weight gradients summed over two shares in float32), a few float32
 * ulps of the largest element; 1e-4 leaves room for a fake-quant rounding decision that
 * such an ulp moves across a grid boundary.
 */
const RELATIVE_TOLERANCE = 1e-4;

/** A QAT model past its recording steps (ranges observed, fake-quant on, BN on batch statistics). */
async function qatModel(): Promise<EdgeqModel> {
  const qm = prepare(EdgeqModel.fromLayersModel(tinyParallelModel()), { schedule: { recordSteps: 2, freezeBnStep: 1000, freezeRangesStep: 1000 } });
  await train(qm, tinyImages(32), { epochs: 1, learningRate: 1e-3, batchSize: 16, seed: 3 });
  expect(qm.qatStep).toBe(2);
  return qm;
}

describe('data-parallel training across worker threads', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('2 workers compute the whole batch\'s gradients as 1 worker does (QAT, batch-statistics BN), and their replicas stay identical', async () => {
    const qm = await qatModel();
    const data = tinyImages(16);
    const [batch] = [...batches(data, 16)];
    const { xs, ys } = batchTensors(batch.x, batch.labels, data);
    const single = qm.batchGradients(xs, ys);
    xs.dispose();
    ys.dispose();
    const pool = await TrainingPool.start(qm, { workers: 2, learningRate: 1e-3, maxRows: 16, inputShape: [8, 8, 1], classes: 4 });
    try {
      expect(pool.size).toBe(2);
      expect(pool.description).toMatch(/^2 workers × wasm/);
      const multi = await pool.gradients(batch.x, batch.labels);
      expect(Math.abs(multi.loss - single.loss)).toBeLessThanOrEqual(1e-5 * single.loss);
      expect(multi.gradients.map((g) => g.length)).toEqual(single.gradients.map((g) => g.length));
      single.gradients.forEach((g, k) => {
        const largest = Math.max(...g.map(Math.abs));
        expect(largest, `tensor ${k}`).toBeGreaterThan(0);
        const worst = Math.max(...g.map((v, i) => Math.abs(v - multi.gradients[k][i])));
        expect(worst, `tensor ${k}`).toBeLessThanOrEqual(RELATIVE_TOLERANCE * largest);
      });
      await pool.step(batch.x, batch.labels);
      await pool.step(batch.x, batch.labels);
      const [a, b] = await pool.states();
      expect(Buffer.from(a.blob).equals(Buffer.from(b.blob))).toBe(true);
      expect(a.doc.ranges).toEqual(b.doc.ranges);
      expect(a.doc.qatStep).toBe(4);
    } finally {
      await pool.close();
    }
    expect(pool.size).toBe(0);
  });

  it('a 2-worker step moves the activation ranges as a 1-worker step on the same batch does (the whole batch\'s min and max)', async () => {
    const qm = await qatModel();
    const single = qm.clone();
    const data = tinyImages(16);
    const [batch] = [...batches(data, 16)];
    const { xs, ys } = batchTensors(batch.x, batch.labels, data);
    const optimizer = new FusedAdam(1e-3);
    single.trainStep(optimizer, xs, ys);
    xs.dispose();
    ys.dispose();
    optimizer.dispose();
    const pool = await TrainingPool.start(qm, { workers: 2, learningRate: 1e-3, maxRows: 16, inputShape: [8, 8, 1], classes: 4 });
    try {
      await pool.step(batch.x, batch.labels);
      const [a] = await pool.states();
      const before = encodeModel(qm).doc.ranges;
      const expected = encodeModel(single).doc.ranges;
      expect(a.doc.ranges.length).toBe(expected.length);
      let moved = 0;
      expected.forEach((r, k) => {
        const got = a.doc.ranges[k];
        if (!r || !got) return expect(got).toEqual(r);
        for (const key of ['min', 'max'] as const) {
          expect(Math.abs(got[key] - r[key]), `range ${k} ${key}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(r[key])));
          if (before[k] && got[key] !== before[k]![key]) moved++;
        }
      });
      // The step did observe new ranges (the comparison is not between two untouched copies).
      expect(moved).toBeGreaterThan(0);
    } finally {
      await pool.close();
      single.dispose();
      qm.dispose();
    }
  });

  it('two runs with the same seed and 2 workers give bit-identical weights, BN statistics and ranges', async () => {
    const base = await qatModel();
    const runs = [base.clone(), base.clone()];
    for (const m of runs) {
      const r = await train(m, tinyImages(48), { epochs: 1, learningRate: 1e-3, batchSize: 16, seed: 7, workers: 2 });
      expect(r.steps).toBe(3);
      expect(r.ranOn).toMatch(/^2 workers × wasm/);
    }
    const [a, b] = runs.map(encodeModel);
    expect(Buffer.from(a.blob).equals(Buffer.from(b.blob))).toBe(true);
    expect(a.doc.ranges).toEqual(b.doc.ranges);
    expect(a.doc.qatStep).toBe(5);
    // And the run trained: the weights moved from the starting point.
    expect(Buffer.from(encodeModel(base).blob).equals(Buffer.from(a.blob))).toBe(false);
  });

  it('4-bit weight scales the replicas fixed at the schedule\'s step come back to the model, and travel to the replicas of a next run', async () => {
    const qm = prepare(EdgeqModel.fromLayersModel(tinyParallelModel()), {
      weightBits: 4, int8Layers: ['last'], schedule: { recordSteps: 1, freezeBnStep: 1000, freezeRangesStep: 1000, freezeWeightScalesStep: 2 },
    });
    try {
      await train(qm, tinyImages(64), { epochs: 1, learningRate: 1e-3, batchSize: 16, seed: 5, workers: 2 });
      // Fixed on the replicas at step 2 (the model itself never ran a step): copied back with their state.
      expect(qm.qatStep).toBe(4);
      expect([...qm.frozenWeightScales.keys()].sort()).toEqual(['c1', 'dw']);
      for (const scales of qm.frozenWeightScales.values()) expect(scales.length).toBe(8);
      // A next run's replicas start from them.
      const pool = await TrainingPool.start(qm, { workers: 2, learningRate: 1e-3, maxRows: 16, inputShape: [8, 8, 1], classes: 4 });
      try {
        const [a, b] = await pool.states();
        expect(a.doc.frozenWeightScales).toEqual(b.doc.frozenWeightScales);
        expect(new Map(a.doc.frozenWeightScales!.map((f) => [f.layer, f.scales]))).toEqual(qm.frozenWeightScales);
      } finally {
        await pool.close();
      }
    } finally {
      qm.dispose();
    }
  });

  it('a worker meeting NaN in its share ends the step, and the step posted behind it, with one clear error and no thread is left (the process exits)', async () => {
    const script = fileURLToPath(new URL('./support/failing-worker-run.ts', import.meta.url));
    // Asynchronous, so this test process keeps answering the runner while the child works.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 300_000 }, (error, stdout, stderr) => {
        resolve({ status: child.exitCode, stdout, stderr: `${stderr}${error ? `\n${error.message}` : ''}` });
      });
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^QatError: [^:]+ training step: loss is NaN: training diverged .* or the data holds NaN\/Inf$/);
    // The step posted behind the failing one ends with the same error.
    expect(lines[1]).toBe(`behind: ${lines[0]}`);
  });

  it('the backend description says what trains: workers × backend', () => {
    const report = { backend: 'wasm' as const, skipped: [], simdKernels: true };
    expect(describeBackend(report)).toBe('wasm + edgeq SIMD training kernels');
    expect(describeBackend(report, 1)).toBe('1 worker × wasm + edgeq SIMD training kernels');
    expect(describeBackend(report, 2)).toBe('2 workers × wasm + edgeq SIMD training kernels');
  });

  it('aborting wakes a replica blocked at a barrier, which then throws ReplicaAbort', async () => {
    const buffer = new SharedArrayBuffer(replicaBufferBytes(2, 4));
    const w = new Worker(new URL('./support/barrier-worker.mjs', import.meta.url), { workerData: { buffer } });
    try {
      const messages: string[] = [];
      const done = new Promise<void>((resolve, reject) => {
        w.on('message', (m: string) => {
          messages.push(m);
          if (m === 'waiting') setTimeout(() => abortReplicas(buffer), 100);
          else resolve();
        });
        w.on('error', reject);
      });
      await done;
      expect(messages).toEqual(['waiting', 'ReplicaAbort']);
    } finally {
      await w.terminate();
    }
  });
});
