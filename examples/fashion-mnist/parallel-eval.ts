/**
 * Runs int8 evaluations in worker threads (one graph per worker, `concurrency` at a time)
 * so they overlap with training on the main thread and with each other on a 2-core
 * machine. Workers load the TypeScript sources through tsx's loader (eval-worker.mjs).
 */

import { Worker } from 'node:worker_threads';
import type { QGraph } from '@edgeq/ir';
import type { ImageSet } from '@edgeq/qat';
import type { EvalJob, EvalMessage } from './eval-worker.js';

/** Accuracy of one graph. */
export interface Int8Eval {
  accuracy: number;
  correct: number;
  count: number;
  predictions: Int32Array;
}

function runWorker(graph: QGraph, set: ImageSet, onTick: (n: number) => void): Promise<Int8Eval> {
  if (!(set.images instanceof Uint8Array)) throw new Error('parallel evaluation expects uint8 pixel images');
  const job: EvalJob = { graph, images: set.images, labels: set.labels, shape: [set.count, set.height, set.width, set.channels] };
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./eval-worker.mjs', import.meta.url), { workerData: job });
    w.on('message', (m: EvalMessage) => {
      if (m.kind === 'progress') onTick(m.n);
      else resolve({ accuracy: m.correct / m.count, correct: m.correct, count: m.count, predictions: m.predictions });
    });
    w.on('error', reject);
    w.on('exit', (code) => {
      if (code !== 0) reject(new Error(`evaluation worker for ${graph.name} exited with ${code}`));
    });
  });
}

/** Evaluate `graphs` on `set`, at most `concurrency` workers at once; results in input order. */
export async function evaluateInWorkers(graphs: QGraph[], set: ImageSet, concurrency: number, onTick: (n: number) => void = () => {}): Promise<Int8Eval[]> {
  const out: Int8Eval[] = new Array(graphs.length);
  let next = 0;
  const lane = async () => {
    while (next < graphs.length) {
      const i = next++;
      out[i] = await runWorker(graphs[i], set, onTick);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, graphs.length) }, lane));
  return out;
}
