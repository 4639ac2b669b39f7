/**
 * Training loops: float training and QAT fine-tuning of an EdgeqModel on a sample set
 * with Adam, seeded shuffling, per-step progress and throughput segments for the bench.
 * The loss and the batch targets come from the task (task.ts). Steps run in this thread
 * (one worker) or, with `workers` > 1 on a classification task, data-parallel across a
 * pool of worker threads (train-workers.ts) that splits every batch.
 */

import * as tf from '@tensorflow/tfjs';
import { batchCount, batches, sampleShapeOf, type Batch, type ImageSet } from './dataset.js';
import { taskBatch, taskFor, taskLoss, type Task } from './task.js';
import { subSeed } from './random.js';
import type { EdgeqModel } from './model.js';
import { currentBackend, describeBackend } from './backend.js';
import { QatError } from './errors.js';
import { TrainingPool } from './train-workers.js';
import { FusedAdam } from './fused-adam.js';

/**
 * Progress callback: `done` of `total` units (steps or images) finished; training also
 * passes the mean loss of the current epoch so far (the epoch's mean at its last step).
 */
export type ProgressFn = (done: number, total: number, epochLoss?: number) => void;

export interface TrainOptions {
  epochs: number;
  learningRate: number;
  /** Default 64. */
  batchSize?: number;
  /** Shuffling seed of the run (default 1); epoch e uses sub-stream epochOffset + e. */
  seed?: number;
  epochOffset?: number;
  /** Stop after this many steps (benchmarks, tests). */
  maxSteps?: number;
  /** Steps per throughput segment (default 50). */
  segmentSteps?: number;
  onProgress?: ProgressFn;
  /** What to train for; default inferred from the model's output layer (taskFor). */
  task?: Task;
  /**
   * Worker threads to split each batch across (default 1: steps run in this thread). With
   * N > 1 every step runs data-parallel on N replicas (wasm backend with edgeq's SIMD
   * kernels each; classification tasks only); see train-workers.ts.
   */
  workers?: number;
}

export interface TrainResult {
  steps: number;
  images: number;
  seconds: number;
  /** Mean loss of each epoch (or of the partial epoch run). */
  epochLoss: number[];
  /** images/s of each full segment of `segmentSteps` steps. */
  segmentRates: number[];
  /** What ran the steps, e.g. "2 workers × wasm + edgeq SIMD training kernels". */
  ranOn: string;
}

/** Let the event loop run (progress redraws, test-runner RPC) at most every `ms` milliseconds. */
export function yielder(ms = 200): () => Promise<void> {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last < ms) return;
    last = now;
    await new Promise<void>((r) => setImmediate(r));
  };
}

/** Inputs of a batch shaped [size, ...sample] and its one-hot labels. */
export function batchTensors(x: Float32Array, labels: Uint8Array, set: ImageSet): { xs: tf.Tensor; ys: tf.Tensor2D } {
  return tf.tidy(() => ({
    xs: tf.tensor(x, [labels.length, ...sampleShapeOf(set)]),
    ys: tf.oneHot(tf.tensor1d(labels, 'int32'), set.classes).toFloat() as tf.Tensor2D,
  }));
}

/**
 * The task of a training run that names none: inferred from the model's output layer,
 * except that a set with labels and no float targets trains a linear output as
 * classification logits (softmax cross-entropy, the loss every model had before tasks).
 */
export function defaultTask(model: EdgeqModel, data: ImageSet): Task {
  const inferred = taskFor(model);
  return inferred.kind === 'regression' && !data.targets ? taskFor(model, 'classification') : inferred;
}

/**
 * Train `model` in its current phase (float, or QAT after prepare()) with Adam.
 * Deterministic for a given seed, backend and worker count. With `workers` > 1 the
 * worker threads end before this returns or throws.
 * @throws QatError for bad data or a diverged step (from whichever worker met it)
 */
export async function train(model: EdgeqModel, data: ImageSet, opts: TrainOptions): Promise<TrainResult> {
  const batchSize = opts.batchSize ?? 64;
  const seed = opts.seed ?? 1;
  const perEpoch = batchCount(data.count, batchSize, true);
  const total = Math.min(perEpoch * opts.epochs, opts.maxSteps ?? Infinity);
  const segment = opts.segmentSteps ?? 50;
  const workers = opts.workers ?? 1;
  if (!(Number.isInteger(workers) && workers >= 1)) throw new QatError('workers', `must be a positive integer, got ${workers}`);
  const task = opts.task ?? defaultTask(model, data);
  if (workers > 1 && (task.kind !== 'classification' || model.net.nodes[model.net.nodes.length - 1].kind === 'logistic')) {
    throw new QatError('workers', `data-parallel training runs softmax cross-entropy (classification) only; train this ${task.kind} model with 1 worker`);
  }
  const res: TrainResult = { steps: 0, images: 0, seconds: 0, epochLoss: [], segmentRates: [], ranOn: '' };
  const pause = yielder();
  let runStep: (b: Batch) => Promise<number>;
  /** Ends the run: `ok` copies a pool's trained state into `model`; the pool always closes. */
  let finish: (ok: boolean) => Promise<void>;
  if (workers > 1 && total > 0) {
    const pool = await TrainingPool.start(model, {
      workers, learningRate: opts.learningRate, maxRows: batchSize, inputShape: sampleShapeOf(data),
      classes: data.classes,
    });
    res.ranOn = pool.description;
    runStep = (b) => pool.step(b.x, b.labels);
    finish = async (ok) => {
      try {
        if (ok) await pool.copyStateTo(model);
      } finally {
        await pool.close();
      }
    };
  } else {
    const optimizer = new FusedAdam(opts.learningRate);
    const vars = model.trainableVariables();
    const backend = currentBackend();
    res.ranOn = `1 worker × ${backend ? describeBackend(backend) : tf.getBackend()}`;
    const loss = taskLoss(task);
    runStep = async (b) => {
      const { xs, ys } = taskBatch(task, b, data);
      try {
        return model.trainStep(optimizer, xs, ys, vars, loss);
      } finally {
        xs.dispose();
        ys.dispose();
      }
    };
    finish = async () => optimizer.dispose();
  }
  const t0 = performance.now();
  let segStart = t0;
  let segImages = 0;
  let ok = false;
  /** Steps started; with a pool, one step runs ahead of the one awaited (its batch posted while the workers finish the previous). */
  let started = 0;
  try {
    for (let e = 0; e < opts.epochs && started < total; e++) {
      let lossSum = 0;
      let n = 0;
      let inflight: { loss: Promise<number>; size: number } | undefined;
      /** Await the step in flight and account for it. */
      const settle = async () => {
        if (!inflight) return;
        const { loss, size } = inflight;
        inflight = undefined;
        lossSum += await loss;
        n++;
        res.steps++;
        res.images += size;
        segImages += size;
        if (res.steps % segment === 0) {
          const now = performance.now();
          res.segmentRates.push(segImages / ((now - segStart) / 1000));
          segStart = now;
          segImages = 0;
        }
        opts.onProgress?.(res.steps, total, lossSum / n);
        await pause();
      };
      for (const b of batches(data, batchSize, { shuffleSeed: subSeed(seed, (opts.epochOffset ?? 0) + e), dropRemainder: true })) {
        if (started >= total) break;
        const next = { loss: runStep(b), size: b.size };
        started++;
        // If the step before fails, this one is rejected with it before anyone awaits it.
        next.loss.catch(() => undefined);
        await settle();
        inflight = next;
      }
      await settle();
      res.epochLoss.push(n ? lossSum / n : NaN);
    }
    ok = true;
  } finally {
    await finish(ok);
  }
  res.seconds = (performance.now() - t0) / 1000;
  model.history.push(`${model.phase === 'quant' ? 'qat' : 'float'} ${opts.epochs} epoch(s) adam ${opts.learningRate} batch ${batchSize} seed ${seed}${workers > 1 ? ` workers ${workers}` : ''}: ${res.steps} steps`);
  return res;
}

/** Runs of equal consecutive learning rates as [rate, epochs], in order. */
export function rateRuns(rates: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const r of rates) {
    if (runs.length && runs[runs.length - 1][0] === r) runs[runs.length - 1][1]++;
    else runs.push([r, 1]);
  }
  return runs;
}

/**
 * Train one epoch per entry of `rates` (a step-decay schedule): each run of equal consecutive
 * rates is one {@link train} call, so Adam starts afresh where the rate changes; epochs (and
 * their shuffles) are numbered on from `opts.epochOffset`, and `onProgress` counts steps over
 * all the epochs. Returns each call's result, in order.
 */
export async function trainAtRates(model: EdgeqModel, data: ImageSet, rates: readonly number[], opts: Omit<TrainOptions, 'epochs' | 'learningRate'>): Promise<TrainResult[]> {
  if (!rates.length || rates.some((r) => !(r > 0))) throw new QatError('learningRate', `expected one positive rate per epoch, got ${JSON.stringify(rates)}`);
  const perEpoch = batchCount(data.count, opts.batchSize ?? 64, true);
  const results: TrainResult[] = [];
  let done = 0;
  for (const [learningRate, epochs] of rateRuns(rates)) {
    const before = done * perEpoch;
    const onProgress = opts.onProgress && ((step: number, _total: number, loss?: number) => opts.onProgress!(before + step, perEpoch * rates.length, loss));
    results.push(await train(model, data, { ...opts, epochs, learningRate, epochOffset: (opts.epochOffset ?? 0) + done, onProgress }));
    done += epochs;
  }
  return results;
}
