/**
 * Data-parallel training pool (main thread side): starts N worker threads
 * (train-worker.ts), each holding an identical replica of the model, hands them each batch
 * through a shared input buffer and collects their answers. The replicas split every batch
 * into contiguous shares, reduce gradients, BN batch statistics and observed ranges among
 * themselves in replica order (replica-sync.ts) and take identical optimizer steps, so the
 * result equals single-worker training on the same batches up to float summation order
 * and is bit-identical between runs with the same seed and worker count.
 *
 * A failing replica ends the whole pool with its error (the others are woken through the
 * abort flag, then every thread is terminated): {@link TrainingPool.close} is always called
 * in a finally, and a SIGINT/SIGTERM while the pool runs terminates the workers first.
 */

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '@edgeq/ir';
import { currentBackend, type BackendName } from './backend.js';
import { QatError } from './errors.js';
import { copyWeightScales, type EdgeqModel } from './model.js';
import { decodeModel, encodeModel, type ModelDoc } from './model-io.js';
import { abortReplicas, replicaBufferBytes } from './replica-sync.js';
import { trainingLoss } from './training-loss.js';

/** What a worker is started with (workerData). */
export interface WorkerInit {
  rank: number;
  replicas: number;
  backend: BackendName;
  replicaBuffer: SharedArrayBuffer;
  /** {@link BATCH_SLOTS} batches, each `maxRows` input rows then their targets. */
  batchBuffer: SharedArrayBuffer;
  /** Input rows a batch slot holds, and their shape without the batch dimension. */
  maxRows: number;
  inputShape: readonly number[];
  targetWidth: number;
  loss: string;
  learningRate: number;
  doc: ModelDoc;
  blob: Uint8Array;
}

/** Requests of the pool to a worker; a step reads batch slot `slot` of the shared batch buffer. */
export type WorkerRequest = { type: 'step' | 'gradients'; rows: number; slot: number } | { type: 'state' };

/**
 * Batches the shared batch buffer holds: the pool writes the next batch and posts its step
 * while the workers still run the current one, so a worker finds its next step waiting
 * instead of idling for a message round trip between steps.
 */
export const BATCH_SLOTS = 2;

/** Float32 values of one batch slot: `maxRows` rows of `rowValues` inputs, then their targets. */
export function batchSlotValues(maxRows: number, rowValues: number, targetWidth: number): number {
  return maxRows * (rowValues + targetWidth);
}

/** Answers of a worker. */
export type WorkerReply =
  | { type: 'ready'; backend: string }
  | { type: 'step'; loss: number }
  | { type: 'gradients'; loss: number; gradients: Float32Array[] }
  | { type: 'state'; doc: ModelDoc; blob: Uint8Array }
  | { type: 'error'; name: string; message: string; where?: string };

/** Default worker count: one per core the process may use. */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

/**
 * Workers a training run uses: `requested`, else 1 (this thread). Data-parallel training
 * is opt-in: each worker pays the step's fixed cost (every tfjs kernel call, whatever its
 * rows) on half the batch, the workers meet at every batch-norm layer forward and backward
 * (15 barriers a dscnn step, 23 for mbv2mini), and each thread's JIT takes ~300 steps to warm
 * up: one Fashion-MNIST epoch through `train()` on this 2-core machine ran 1.36× (dscnn
 * float), 1.07× (dscnn QAT), 1.17× and 1.30× (mbv2mini) as fast on two workers as in this
 * thread, at about twice the CPU: too little for a default.
 * It runs only on the wasm backend.
 */
export function resolveWorkerCount(requested?: number): number {
  if (requested === undefined) return 1;
  if (requested > 1 && currentBackend()?.backend !== 'wasm') return 1;
  return requested;
}

/** Options of {@link TrainingPool.start}. */
export interface PoolOptions {
  workers: number;
  learningRate: number;
  /** Rows of the largest batch. */
  maxRows: number;
  inputShape: readonly number[];
  classes: number;
  /** Training loss name (see training-loss.ts); default softmax cross-entropy. */
  loss?: string;
  /** Backend of the workers (default wasm: tfjs-node is not worker-safe). */
  backend?: BackendName;
}

const pools = new Set<TrainingPool>();
let signalHandlersInstalled = false;

/** Terminate every running pool's workers on SIGINT/SIGTERM, then let the process's own handling go on. */
function installSignalHandlers(): void {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  const stop = (signal: NodeJS.Signals) => {
    for (const p of pools) p.terminateNow();
    // With no other listener the signal would be ignored now that one is installed: exit as Node would.
    if (process.listenerCount(signal) === 1) process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.prependListener('SIGINT', stop);
  process.prependListener('SIGTERM', stop);
}

/** Rebuild a worker's error on the main thread (QatError keeps the field it names). */
function workerError(m: { name: string; message: string; where?: string }): Error {
  if (m.name === 'QatError' && m.where !== undefined) return new QatError(m.where, m.message.slice(m.where.length + 2));
  const e = new Error(m.message);
  e.name = m.name;
  return e;
}

/** A running set of training workers with identical model replicas. */
export class TrainingPool {
  private readonly workers: Worker[] = [];
  /** Per batch slot: input rows and targets. */
  private readonly slots: { inputs: Float32Array; targets: Float32Array }[] = [];
  private nextSlot = 0;
  private readonly encodeTargets: (labels: Uint8Array, classes: number, out: Float32Array) => void;
  private failure: Error | undefined;
  /** Requests posted and not yet answered by every worker, oldest first (workers answer in order). */
  private readonly pending: { replies: (WorkerReply | undefined)[]; resolve: () => void; reject: (e: Error) => void; done: Promise<unknown> }[] = [];
  /** What runs in each worker, e.g. "2 workers × wasm + edgeq SIMD training kernels". */
  description = '';

  private constructor(private readonly opts: PoolOptions, private readonly replicaBuffer: SharedArrayBuffer, private readonly batchBuffer: SharedArrayBuffer) {
    const rowValues = opts.inputShape.reduce((a, d) => a * d, 1);
    const loss = trainingLoss(opts.loss ?? 'softmax-cross-entropy');
    const targetWidth = loss.targetWidth(opts.classes);
    this.encodeTargets = loss.encodeTargets;
    const slotBytes = batchSlotValues(opts.maxRows, rowValues, targetWidth) * 4;
    for (let k = 0; k < BATCH_SLOTS; k++) {
      this.slots.push({
        inputs: new Float32Array(batchBuffer, k * slotBytes, opts.maxRows * rowValues),
        targets: new Float32Array(batchBuffer, k * slotBytes + opts.maxRows * rowValues * 4, opts.maxRows * targetWidth),
      });
    }
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Start `opts.workers` workers with replicas of `model` (its current state, phase and
   * schedule position). Resolves when every worker has its backend and model ready.
   * @throws the first worker's error (all workers are then terminated)
   */
  static async start(model: EdgeqModel, opts: PoolOptions): Promise<TrainingPool> {
    const replicas = Math.max(1, Math.min(opts.workers, opts.maxRows));
    const loss = opts.loss ?? 'softmax-cross-entropy';
    const targetWidth = trainingLoss(loss).targetWidth(opts.classes);
    const { doc, blob } = encodeModel(model);
    const paramValues = model.trainableVariables().reduce((n, v) => n + v.size, 0);
    const maxChannels = Math.max(1, ...model.net.nodes.map((n) => (n.kind === 'conv' ? n.channels : 1)));
    // Slots hold a float32 gradient vector with the loss and 2 values per range observer
    // (float64) beside it, or 1 + 3·channels float64 BN moments.
    const slotValues = Math.max(Math.ceil(paramValues / 2) + 1 + 2 * model.net.nodes.length, 1 + 3 * maxChannels);
    const replicaBuffer = new SharedArrayBuffer(replicaBufferBytes(replicas, slotValues));
    const rowValues = opts.inputShape.reduce((a, d) => a * d, 1);
    const batchBuffer = new SharedArrayBuffer(BATCH_SLOTS * batchSlotValues(opts.maxRows, rowValues, targetWidth) * 4);
    const pool = new TrainingPool(opts, replicaBuffer, batchBuffer);
    pools.add(pool);
    installSignalHandlers();
    try {
      for (let rank = 0; rank < replicas; rank++) {
        const init: WorkerInit = {
          rank, replicas, backend: opts.backend ?? 'wasm', replicaBuffer, batchBuffer, maxRows: opts.maxRows,
          inputShape: opts.inputShape, targetWidth, loss, learningRate: opts.learningRate, doc, blob,
        };
        pool.workers.push(pool.spawn(init));
      }
      const ready = await pool.all();
      const backend = (ready[0] as { backend: string }).backend;
      pool.description = `${replicas} worker${replicas === 1 ? '' : 's'} × ${backend}`;
      return pool;
    } catch (e) {
      await pool.close();
      throw e;
    }
  }

  private spawn(init: WorkerInit): Worker {
    // From the sources, startModuleWorker registers tsx's loader inside the worker first.
    const w = startModuleWorker(import.meta.url, './train-worker', { workerData: init });
    w.on('message', (m: WorkerReply) => this.onReply(init.rank, m));
    w.on('error', (e) => this.fail(e));
    w.on('exit', (code) => {
      if (this.workers.includes(w)) this.fail(new Error(`training worker ${init.rank} exited unexpectedly (code ${code})`));
    });
    return w;
  }

  private onReply(rank: number, m: WorkerReply): void {
    if (m.type === 'error') {
      // Replicas woken by the abort flag report ReplicaAbort: the first real error is the one to keep.
      if (m.name !== 'ReplicaAbort') this.fail(workerError(m));
      return;
    }
    const w = this.pending.find((p) => !p.replies[rank]);
    if (!w) return;
    w.replies[rank] = m;
    while (this.pending.length && this.pending[0].replies.every((r) => r)) this.pending.shift()!.resolve();
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    abortReplicas(this.replicaBuffer);
    for (const w of this.pending.splice(0)) w.reject(e);
  }

  /** Wait for the next reply from every worker (after those of the requests already pending). */
  private all(): Promise<WorkerReply[]> {
    if (this.failure) return Promise.reject(this.failure);
    const replies: (WorkerReply | undefined)[] = this.workers.map(() => undefined);
    let settle!: { resolve: () => void; reject: (e: Error) => void };
    const answered = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    }).then(() => replies as WorkerReply[]);
    // A request behind a failed one is rejected with it; the caller may not be awaiting it yet.
    const done = answered.catch(() => undefined);
    this.pending.push({ replies, ...settle, done });
    return answered;
  }

  private send(m: WorkerRequest): Promise<WorkerReply[]> {
    const done = this.all();
    for (const w of this.workers) w.postMessage(m);
    return done;
  }

  /**
   * Post a step (or gradients request) on a batch: copy it into a free batch slot and send
   * the request, first waiting until fewer than {@link BATCH_SLOTS} requests are pending (a
   * slot is free again once every worker has answered the request that read it). The batch
   * is copied (or, while no slot is free, snapshotted) before the first await, and the slot
   * is taken and the request posted with no await between them.
   */
  private async post(type: 'step' | 'gradients', x: Float32Array, labels: Uint8Array): Promise<WorkerReply[]> {
    const rows = labels.length;
    if (rows > this.opts.maxRows) throw new Error(`batch of ${rows} rows exceeds the pool's ${this.opts.maxRows}`);
    if (this.pending.length >= BATCH_SLOTS) {
      x = x.slice(0, this.slots[0].inputs.length);
      labels = labels.slice();
      while (this.pending.length >= BATCH_SLOTS) await this.pending[0].done;
    }
    if (this.failure) throw this.failure;
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % BATCH_SLOTS;
    const { inputs, targets } = this.slots[slot];
    inputs.set(x.subarray(0, inputs.length));
    this.encodeTargets(labels, this.opts.classes, targets);
    return this.send({ type, rows, slot });
  }

  /**
   * One training step on a batch (inputs NHWC row-major, one label per row) across all
   * workers. A caller may start the next step before awaiting this one: the workers then
   * run the two back to back, in call order, with no idle message round trip between them.
   * @returns the batch loss
   * @throws the first worker's error, e.g. a QatError for a diverged step or NaN data
   */
  async step(x: Float32Array, labels: Uint8Array): Promise<number> {
    const replies = await this.post('step', x, labels);
    return (replies[0] as { loss: number }).loss;
  }

  /** The whole batch's gradients as the workers reduce them (no update); for verification. */
  async gradients(x: Float32Array, labels: Uint8Array): Promise<{ loss: number; gradients: Float32Array[] }> {
    const replies = await this.post('gradients', x, labels);
    const r = replies[0] as { loss: number; gradients: Float32Array[] };
    return { loss: r.loss, gradients: r.gradients };
  }

  /** Every replica's model state, encoded (they are identical; tests check that). */
  async states(): Promise<{ doc: ModelDoc; blob: Uint8Array }[]> {
    const replies = await this.send({ type: 'state' });
    return replies.map((r) => r as { doc: ModelDoc; blob: Uint8Array });
  }

  /** Copy the replicas' trained state (weights, BN statistics, ranges, schedule step) into `model`. */
  async copyStateTo(model: EdgeqModel): Promise<void> {
    const [{ doc, blob }] = await this.states();
    const trained = decodeModel(doc, blob);
    try {
      adoptState(model, trained);
    } finally {
      trained.dispose();
    }
  }

  /** Terminate every worker at once (signal handlers); {@link close} is the normal way. */
  terminateNow(): void {
    abortReplicas(this.replicaBuffer);
    for (const w of this.workers.splice(0)) void w.terminate();
    pools.delete(this);
  }

  /** Stop every worker and wait until they are gone (idempotent). */
  async close(): Promise<void> {
    abortReplicas(this.replicaBuffer);
    const ws = this.workers.splice(0);
    pools.delete(this);
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

/** Copy the state of `source` (the same architecture) into `target`'s variables and fields. */
function adoptState(target: EdgeqModel, source: EdgeqModel): void {
  target.net.nodes.forEach((n, i) => {
    const s = source.net.nodes[i];
    if (n.kind !== 'conv' || s.kind !== 'conv') return;
    n.kernel.assign(s.kernel);
    if (n.bias && s.bias) n.bias.assign(s.bias);
    if (n.bn && s.bn) {
      n.bn.gamma.assign(s.bn.gamma);
      n.bn.beta.assign(s.bn.beta);
      n.bn.mean.assign(s.bn.mean);
      n.bn.variance.assign(s.bn.variance);
    }
  });
  target.ranges = source.ranges.map((r) => r && { ...r });
  target.qatStep = source.qatStep;
  target.frozenWeightScales = copyWeightScales(source.frozenWeightScales);
}
