/**
 * Evaluation on the integer interpreter: predictions (argmax of the output), top-1
 * accuracy against labels, a confusion matrix, and observed activation ranges. Long runs go
 * to worker threads (@edgeq/ir simulateBatch); work on the main thread runs in slices that
 * yield to the event loop, so progress bars redraw and Ctrl-C is honoured.
 */

import { Interpreter, dequantizeInt, inputVectorTensors, sampleValues, simulateBatch, type InputVector, type QGraph } from '@edgeq/ir';
import { yieldToEventLoop, type ProgressTask } from './progress.js';

/** What an evaluation returns. */
export interface Evaluation {
  predictions: Int32Array;
  /** The interpreter kernels that ran, the worker threads started (0: none) and the samples they simulated. */
  kernels: 'wasm' | 'typescript';
  workers: number;
  samplesOnWorkers: number;
  correct?: number;
  accuracy?: number;
  /** confusion[label][prediction], when labels were given. */
  confusion?: number[][];
}

/** Index of the largest element (first on ties, as numpy.argmax). */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

/**
 * Run every input vector through the interpreter (on worker threads when the run is long
 * enough: simulateBatch) and score it against `labels` when given; the prediction is the
 * argmax of output 0.
 */
export async function evaluate(g: QGraph, inputs: readonly InputVector[], labels: Int32Array | undefined, task?: ProgressTask, opts: { workers?: number } = {}): Promise<Evaluation> {
  let reported = 0;
  const onProgress = (done: number) => {
    task?.tick(done - reported);
    reported = done;
  };
  const batch = await simulateBatch(g, inputs, { tensors: [g.outputs[0]], workers: opts.workers, onProgress });
  const predictions = new Int32Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) predictions[i] = argmax(sampleValues(batch, 0, i));
  const ran = { kernels: batch.kernels, workers: batch.workers, samplesOnWorkers: batch.samplesOnWorkers };
  if (!labels) return { predictions, ...ran };
  let n = g.tensors[g.outputs[0]].shape.at(-1) ?? 0;
  for (let i = 0; i < labels.length; i++) n = Math.max(n, labels[i] + 1, predictions[i] + 1);
  const confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let correct = 0;
  predictions.forEach((p, i) => {
    confusion[labels[i]][p]++;
    if (p === labels[i]) correct++;
  });
  return { predictions, ...ran, correct, accuracy: correct / inputs.length, confusion };
}

/** Real-valued range of one layer's output, observed over a set of inputs. */
export interface ObservedRange {
  layer: string;
  opType: string;
  min: number;
  max: number;
}

/** Run inputs with intermediates kept and record each op output's dequantised min/max. */
export async function observeActivationRanges(g: QGraph, inputs: readonly InputVector[]): Promise<ObservedRange[]> {
  const interp = new Interpreter(g);
  const lo = new Array<number>(g.ops.length).fill(Infinity);
  const hi = new Array<number>(g.ops.length).fill(-Infinity);
  for (let i = 0; i < inputs.length; i++) {
    const values = interp.run(inputVectorTensors(g, inputs[i]), { keepIntermediates: true }).intermediates!;
    g.ops.forEach((op, k) => {
      const v = values.get(op.outputs[0])!;
      for (let j = 0; j < v.length; j++) {
        if (v[j] < lo[k]) lo[k] = v[j];
        if (v[j] > hi[k]) hi[k] = v[j];
      }
    });
    if ((i & 31) === 31) await yieldToEventLoop();
  }
  return g.ops.map((op, k) => {
    const t = g.tensors[op.outputs[0]];
    const q = t.quant;
    const real = (x: number) => (t.dtype === 'float32' || !q ? x : dequantizeInt(x, q.scale[0], q.zeroPoint[0]));
    return { layer: op.name, opType: op.type, min: real(lo[k]), max: real(hi[k]) };
  });
}
