/**
 * Worker thread body: top-1 accuracy of one int8 QGraph on one image set, computed by the
 * integer interpreter (the same quantisation of pixels/255 and first-max argmax as
 * @edgeq/qat's evaluateInt8), so several graphs are evaluated on separate cores.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { QGraph } from '@edgeq/ir';
import { evaluate, samplesToInputs } from '@edgeq/cli';

/** What the main thread sends. */
export interface EvalJob {
  graph: QGraph;
  images: Uint8Array;
  labels: Uint8Array;
  shape: [number, number, number, number];
}

/** What the worker posts: progress ticks, then one result. */
export type EvalMessage = { kind: 'progress'; n: number } | { kind: 'done'; correct: number; count: number; predictions: Int32Array };

const job = workerData as EvalJob;
const inputs = samplesToInputs(job.graph, { descr: '|u1', shape: job.shape, data: job.images }, 'images');
const ev = await evaluate(job.graph, inputs, Int32Array.from(job.labels), { tick: (n = 1) => parentPort!.postMessage({ kind: 'progress', n } satisfies EvalMessage), detail: () => {} });
parentPort!.postMessage({ kind: 'done', correct: ev.correct!, count: inputs.length, predictions: ev.predictions } satisfies EvalMessage);
