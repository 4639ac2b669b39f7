/**
 * Batch simulation: the integer interpreter over many input vectors (a validation set, a
 * parity run) spread over worker threads (simulate-worker.ts). Every worker gets the graph
 * once (its constant blob in shared memory, copied once for all of them) and then chunks of
 * samples, whose input tensors are copied and transferred; it answers with the chunk's
 * packed outputs, transferred back. Chunks go to whichever worker is free, but each sample's
 * outputs land at its own index and depend on nothing but the sample and the graph, so the
 * result is bit-identical to simulating on one thread, whatever the worker count.
 *
 * Small batches (under {@link IN_THREAD_BELOW} samples) and `workers: 1` run on the calling
 * thread, yielding to the event loop every few milliseconds. Otherwise the calling thread
 * simulates samples too until the first worker is ready, so worker start-up (about 0.15 s of
 * CPU from the built package, about 1 s from the TypeScript sources under tsx) is not time
 * the batch waits for. With the worker count left to the default, a batch starts on the
 * calling thread and starts workers only once its first {@link PROBE_MS} ms of CPU time show
 * that the rest would take more than {@link AUTO_WORKERS_MIN_MS} ms there: a short batch of a
 * small model is over before a worker would be ready.
 */

import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import type { TensorData } from './constants.js';
import type { InputVector } from './graph-io.js';
import { Interpreter, defaultKernelChoice, type KernelChoice } from './interpreter.js';
import { startModuleWorker } from './module-worker.js';
import type { QGraph } from './qgraph.js';
import { SimulationError, allocateOutputs, batchLayout, sampleTensors, simulateInto, type BatchLayout } from './sample-runner.js';
import { validateQGraph } from './validate.js';
import { compiledKernelsModule } from './wasm/wasm-heap.js';

export { SimulationError } from './sample-runner.js';

/** Batches with fewer samples run on the calling thread (starting workers would cost more than it saves). */
export const IN_THREAD_BELOW = 64;

/** With the default worker count: the CPU time (ms) a batch runs on the calling thread before its speed is judged. */
export const PROBE_MS = 200;

/** With the default worker count: the least work (CPU ms on the calling thread) left after the probe that goes to workers. */
export const AUTO_WORKERS_MIN_MS = 1000;

/** Options of {@link simulateBatch}. */
export interface SimulateBatchOptions {
  /**
   * Worker threads; 1 runs on the calling thread, as does any batch under
   * {@link IN_THREAD_BELOW} samples. Default: {@link defaultSimulationWorkers} (one per core)
   * for what is left of a batch after {@link PROBE_MS} ms of CPU time when it would take over
   * {@link AUTO_WORKERS_MIN_MS} ms more on the calling thread, else the calling thread.
   */
  workers?: number;
  /** Interpreter kernels (default `auto`, or EDGEQ_INTERPRETER_KERNELS); workers use the same. */
  kernels?: KernelChoice;
  /** Tensors returned per sample, as indices into `graph.tensors` (default `graph.outputs`). */
  tensors?: readonly number[];
  /**
   * Default true: the calling thread simulates samples until a worker is ready (and, with the
   * default worker count, first times the batch to decide whether workers are worth starting).
   * false: with more than one worker, every sample runs on a worker.
   */
  useCallingThread?: boolean;
  /** Validate the graph first (default true). */
  validate?: boolean;
  /** Called as samples complete (in chunks, not necessarily in index order). */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link simulateBatch} returns. */
export interface BatchOutputs {
  /** Samples simulated. */
  count: number;
  /** The tensors returned, as indices into `graph.tensors`. */
  tensors: readonly number[];
  /** Elements of each tensor per sample. */
  elements: readonly number[];
  /**
   * One packed array per tensor (Int8Array, or Float32Array for a float tensor): sample i's
   * values are `values[k].subarray(i * elements[k], (i + 1) * elements[k])` ({@link sampleValues}).
   */
  values: TensorData[];
  /** Worker threads started; 0 when every sample ran on the calling thread. */
  workers: number;
  /** Samples the workers simulated (the others ran on the calling thread). */
  samplesOnWorkers: number;
  /** The kernels that ran the convolutions and fully connected layers. */
  kernels: 'wasm' | 'typescript';
}

/** Sample `sample`'s values of the batch's tensor `k` (a view, no copy). */
export function sampleValues(batch: BatchOutputs, k: number, sample: number): TensorData {
  const n = batch.elements[k];
  return batch.values[k].subarray(sample * n, (sample + 1) * n);
}

/** Default worker count of a batch simulation: one per core the process may use. */
export function defaultSimulationWorkers(): number {
  return availableParallelism();
}

/**
 * Run every input vector through the integer interpreter, on worker threads when the batch
 * is large enough. `inputs[i]` holds one tensor per graph input (a bare tensor for a
 * one-input graph), as {@link Interpreter.run} takes them.
 * @returns the requested tensors of every sample, in input order; bit-identical whatever the worker count
 * @throws SimulationError naming the first failing sample's index (e.g. a tensor of the wrong type or length)
 */
export async function simulateBatch(graph: QGraph, inputs: readonly InputVector[], opts: SimulateBatchOptions = {}): Promise<BatchOutputs> {
  if (opts.workers !== undefined && (!Number.isInteger(opts.workers) || opts.workers < 1)) {
    throw new Error(`simulateBatch: workers must be a positive integer, got ${opts.workers}`);
  }
  if (opts.validate !== false) validateQGraph(graph);
  const layout = batchLayout(graph, opts.tensors);
  const kernels = opts.kernels ?? defaultKernelChoice();
  const workers = Math.min(opts.workers ?? defaultSimulationWorkers(), inputs.length);
  const values = allocateOutputs(layout, inputs.length);
  const interp = new Interpreter(graph, { validate: false, kernels });
  const kernelsModule = interp.kernels === 'wasm' ? compiledKernelsModule() : undefined;
  const batch: Batch = { graph, inputs, layout, values, kernelsModule, onProgress: opts.onProgress };
  const result = (threads: number, samplesOnWorkers: number): BatchOutputs => ({
    count: inputs.length, tensors: layout.tensors, elements: layout.elements, values, workers: threads, samplesOnWorkers, kernels: interp.kernels,
  });
  if (inputs.length < IN_THREAD_BELOW || workers <= 1) {
    await inThread(batch, interp);
    return result(0, 0);
  }
  const useCallingThread = opts.useCallingThread !== false;
  let from = 0;
  if (opts.workers === undefined && useCallingThread) {
    from = await inThread(batch, interp, { probeMs: PROBE_MS, minRemainingMs: AUTO_WORKERS_MIN_MS });
    if (from === inputs.length) return result(0, 0);
  }
  const samplesOnWorkers = await onWorkers(batch, from, workers, useCallingThread ? interp : undefined, kernels);
  return result(workers, samplesOnWorkers);
}

/** One batch being simulated: what every path reads, and the packed outputs they fill. */
interface Batch {
  graph: QGraph;
  inputs: readonly InputVector[];
  layout: BatchLayout;
  values: TensorData[];
  /** The compiled WebAssembly kernels the calling thread runs, for the workers. */
  kernelsModule: object | undefined;
  onProgress: SimulateBatchOptions['onProgress'];
}

/** Longest stretch of interpreter work on the calling thread between two yields to the event loop. */
const SLICE_MS = 20;

/**
 * Samples 0, 1, … of the batch on the calling thread, in slices that yield to the event
 * loop; with `handOff`, it stops after `probeMs` of CPU time when the samples left would take
 * more than `minRemainingMs` of CPU time at the speed seen so far (CPU time, not wall time: on a
 * busy machine the wall time would overstate the work and start workers for a short batch).
 * @returns the first sample left undone (the batch's length when it finished)
 */
async function inThread(batch: Batch, interp: Interpreter, handOff?: { probeMs: number; minRemainingMs: number }): Promise<number> {
  const { inputs, layout, values, onProgress } = batch;
  const cpuStart = process.cpuUsage();
  // The speed is judged on the probe's second half: its first samples run on cold JIT code.
  let halfway: { sample: number; cpuMs: number } | undefined;
  let sliceStart = performance.now();
  for (let i = 0; i < inputs.length; i++) {
    simulateInto(interp, layout, inputs[i], i, values, i);
    const now = performance.now();
    if (handOff) {
      const cpu = process.cpuUsage(cpuStart);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      if (!halfway && cpuMs >= handOff.probeMs / 2) halfway = { sample: i, cpuMs };
      if (halfway && cpuMs >= handOff.probeMs) {
        const perSample = i > halfway.sample ? (cpuMs - halfway.cpuMs) / (i - halfway.sample) : cpuMs / (i + 1);
        if (perSample * (inputs.length - i - 1) > handOff.minRemainingMs) return i + 1;
        handOff = undefined;
      }
    }
    if (now - sliceStart >= SLICE_MS) {
      onProgress?.(i + 1, inputs.length);
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  onProgress?.(inputs.length, inputs.length);
  return inputs.length;
}

/** What a simulation worker is started with (workerData). */
export interface SimulationWorkerInit {
  /** The graph, its blob in shared memory. */
  graph: QGraph;
  kernels: KernelChoice;
  /** The calling thread's compiled WebAssembly kernels, when it runs them (workers then compile nothing). */
  kernelsModule?: object;
  layout: BatchLayout;
}

/** Requests of the batch to a worker: simulate samples `first`, `first + 1`, … */
export interface SimulationChunk {
  first: number;
  samples: TensorData[][];
}

/** Answers of a worker. */
export type SimulationReply =
  | { type: 'ready' }
  | { type: 'done'; first: number; count: number; values: TensorData[] }
  | { type: 'error'; message: string; sample?: number };

/** Chunks each worker holds at once: one running, one waiting, so no worker idles while its answer is copied. */
const CHUNKS_IN_FLIGHT = 2;

/** Samples per chunk: about eight chunks per worker (load balance, progress), at most 64. */
function chunkSize(count: number, workers: number): number {
  return Math.max(1, Math.min(64, Math.ceil(count / (workers * 8))));
}

/** The graph with its constant blob copied once into shared memory, which every worker reads. */
function withSharedBlob(g: QGraph): QGraph {
  const blob = new Uint8Array(new SharedArrayBuffer(g.blob.length));
  blob.set(g.blob);
  return { ...g, blob };
}

/**
 * Samples `from`, `from + 1`, … to the batch's end on `workers` worker threads. Given
 * `interp`, the calling thread goes on simulating samples itself until the first worker is
 * ready (yielding to the event loop between slices), so a worker's start-up is no time
 * lost; from then on it only hands out chunks and copies answers.
 * @returns the number of samples the workers simulated
 */
function onWorkers(batch: Batch, from: number, workers: number, interp: Interpreter | undefined, kernels: KernelChoice): Promise<number> {
  const { graph: g, inputs, layout, values, onProgress } = batch;
  const count = inputs.length;
  const chunk = chunkSize(count - from, workers);
  const init: SimulationWorkerInit = { graph: withSharedBlob(g), kernels, layout, kernelsModule: batch.kernelsModule };
  const threads: Worker[] = [];
  let next = from;
  let done = from;
  let onWorkerThreads = 0;
  let anyReady = false;
  let ended = false;

  return new Promise<number>((resolve, reject) => {
    /** End the batch once: terminate every worker, then settle. */
    const end = (error?: unknown) => {
      if (ended) return;
      ended = true;
      void Promise.all(threads.map((w) => w.terminate())).then(() => (error === undefined ? resolve(onWorkerThreads) : reject(error)));
    };

    const completed = (n: number) => {
      done += n;
      onProgress?.(done, count);
      if (done === count) end();
    };

    /** Hand the next chunk of samples to `w` (copies of their tensors, transferred). */
    const dispatch = (w: Worker) => {
      if (ended || next >= count) return;
      const first = next;
      const n = Math.min(chunk, count - first);
      next += n;
      const samples: TensorData[][] = [];
      const transfer: ArrayBuffer[] = [];
      try {
        for (let i = first; i < first + n; i++) {
          const copies = sampleTensors(g, inputs[i], i).map((t) => (ArrayBuffer.isView(t) ? t.slice() : t));
          for (const t of copies) if (ArrayBuffer.isView(t) && t.buffer instanceof ArrayBuffer) transfer.push(t.buffer);
          samples.push(copies);
        }
      } catch (e) {
        end(e);
        return;
      }
      const message: SimulationChunk = { first, samples };
      w.postMessage(message, transfer);
    };

    const onReply = (w: Worker, m: SimulationReply) => {
      if (ended) return;
      if (m.type === 'error') {
        end(new SimulationError(m.message, m.sample));
      } else if (m.type === 'ready') {
        anyReady = true;
        for (let k = 0; k < CHUNKS_IN_FLIGHT; k++) dispatch(w);
      } else {
        m.values.forEach((v, k) => values[k].set(v, m.first * layout.elements[k]));
        onWorkerThreads += m.count;
        completed(m.count);
        dispatch(w);
      }
    };

    /** The calling thread's share: one sample at a time while no worker is ready. */
    const meanwhile = async (interp: Interpreter) => {
      let sliceStart = performance.now();
      let simulated = 0;
      while (!anyReady && !ended && next < count) {
        const i = next++;
        simulateInto(interp, layout, inputs[i], i, values, i);
        simulated++;
        if (performance.now() - sliceStart >= SLICE_MS) {
          completed(simulated);
          simulated = 0;
          await nextTurn();
          sliceStart = performance.now();
        }
      }
      if (simulated > 0 && !ended) completed(simulated);
    };

    try {
      for (let rank = 0; rank < workers; rank++) {
        const w = startModuleWorker(import.meta.url, './simulate-worker', { workerData: init });
        threads.push(w);
        w.on('message', (m: SimulationReply) => onReply(w, m));
        w.on('error', (e) => end(new SimulationError(`${g.name}: simulation worker ${rank} failed: ${e.message}`)));
        w.on('exit', (code) => end(new SimulationError(`${g.name}: simulation worker ${rank} exited unexpectedly (code ${code})`)));
      }
    } catch (e) {
      end(e);
      return;
    }
    if (interp) meanwhile(interp).catch(end);
  });
}
