/**
 * Batch simulation over worker threads (simulate-batch.ts): 1 thread, 2 workers and 3 workers
 * helped by the calling thread give
 * byte-identical outputs, equal to one Interpreter run per sample, for graph outputs and an
 * intermediate tensor; a bad sample ends the batch with one error naming it, on the calling
 * thread as in a worker, and leaves no thread behind (checked in a child process that must
 * end by itself).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Interpreter, SimulationError, mulberry32, randomGraph, sampleValues, simulateBatch, type QGraph, type TensorData } from '../src/index.js';

/** Seeded random inputs, one tensor per graph input. */
function inputsFor(g: QGraph, count: number, seed: number): TensorData[][] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => g.inputs.map((t) => {
    const n = g.tensors[t].shape.reduce((a, d) => a * d, 1);
    return g.tensors[t].dtype === 'float32' ? new Float32Array(n).map(() => (rand() - 0.5) * 8) : new Int8Array(n).map(() => Math.floor(rand() * 256) - 128);
  }));
}

const bytes = (t: TensorData) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);

describe('simulateBatch', () => {
  it('1, 2 and 3 workers give byte-identical outputs and intermediates, equal to one Interpreter run per sample', async () => {
    const g = randomGraph(11, { multiIo: true });
    const middle = g.ops[1].outputs[0];
    expect(g.outputs).not.toContain(middle);
    const tensors = [...g.outputs, middle];
    const inputs = inputsFor(g, 80, 4);
    const interp = new Interpreter(g);
    const reference = tensors.map((t) => Buffer.concat(inputs.map((x) => bytes(interp.run(x, { keepIntermediates: true }).intermediates!.get(t)!))));
    // 2 workers simulate every sample; with 3 the calling thread also simulates until one is ready.
    for (const [workers, useCallingThread] of [[1, true], [2, false], [3, true]] as const) {
      const r = await simulateBatch(g, inputs, { workers, tensors, useCallingThread });
      expect(r.workers, `${workers} workers`).toBe(workers === 1 ? 0 : workers);
      if (!useCallingThread) expect(r.samplesOnWorkers).toBe(80);
      expect(r.kernels).toBe(interp.kernels);
      expect(r.count).toBe(80);
      tensors.forEach((t, k) => expect(bytes(r.values[k]).equals(reference[k]), `tensor ${t}, ${workers} workers`).toBe(true));
      expect(bytes(sampleValues(r, 0, 79)).equals(bytes(interp.run(inputs[79]).outputs[0]))).toBe(true);
    }
  });

  it('a batch under 64 samples, or short enough, runs on the calling thread by default', async () => {
    const g = randomGraph(12);
    expect((await simulateBatch(g, inputsFor(g, 63, 1), { workers: 2, useCallingThread: false })).workers).toBe(0);
    expect((await simulateBatch(g, inputsFor(g, 64, 1))).workers).toBe(0);
  });

  it('a sample of the wrong length ends the batch with one SimulationError naming it', async () => {
    const g = randomGraph(5);
    const inputs = inputsFor(g, 100, 9);
    inputs[70] = inputs[70].map((t) => t.subarray(0, 3));
    const error = await simulateBatch(g, inputs, { workers: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulationError);
    expect((error as SimulationError).sample).toBe(70);
    expect((error as Error).message).toMatch(/^random_5: input vector 70: input 0 \(\S+\) must be \w+ with \d+ elements, got \w+Array\(3\)$/);
  });

  it('the same failure in a worker ends the batch with the same error and leaves no thread behind (the process exits)', async () => {
    const script = fileURLToPath(new URL('./support/failing-simulation-run.ts', import.meta.url));
    // Asynchronous, so this test process keeps answering the runner; a hang fails at the timeout, a crash rejects.
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 120_000 });
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^SimulationError \(sample 70\): random_5: input vector 70: input 0 \(\S+\) must be \w+ with \d+ elements, got \w+Array\(3\)$/);
  });

  it('refuses a worker count that is not a positive integer and a tensor that is a constant', async () => {
    const g = randomGraph(5);
    await expect(simulateBatch(g, [], { workers: 0 })).rejects.toThrow('simulateBatch: workers must be a positive integer, got 0');
    const constant = g.tensors.findIndex((t) => t.buffer);
    await expect(simulateBatch(g, [], { tensors: [constant] })).rejects.toThrow(`random_5: tensor ${constant} is not an activation tensor of the graph`);
  });
});
