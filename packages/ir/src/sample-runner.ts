/**
 * One sample of a batch simulation: runs an input vector through an Interpreter and writes
 * the requested tensors into packed per-tensor arrays (sample i at [i·elements, (i+1)·elements)).
 * Shared by the calling thread (small batches, one worker) and every simulation worker
 * (simulate-worker.ts), so both compute and lay out the same bits and report a bad sample
 * with the same error.
 */

import type { TensorData } from './constants.js';
import { inputVectorTensors, type InputVector } from './graph-io.js';
import type { Interpreter } from './interpreter.js';
import type { DType, QGraph } from './qgraph.js';
import { numElements } from './shapes.js';

/** A sample that could not be simulated: `sample` is its index in the batch (absent when no sample is to blame). */
export class SimulationError extends Error {
  readonly sample: number | undefined;
  constructor(message: string, sample?: number) {
    super(message);
    this.name = 'SimulationError';
    this.sample = sample;
  }
}

/** Which tensors a batch returns per sample and how they are packed. */
export interface BatchLayout {
  /** Tensor indices, in the order the batch returns them. */
  tensors: number[];
  dtypes: DType[];
  /** Elements of each tensor per sample. */
  elements: number[];
  /** For each tensor, its position among the graph outputs, or -1 (then the run keeps intermediates). */
  outputPositions: number[];
  keepIntermediates: boolean;
}

/**
 * The layout of `tensors` (default the graph outputs) of `g`.
 * @throws Error naming a tensor index that is not an activation tensor of `g`
 */
export function batchLayout(g: QGraph, tensors: readonly number[] = g.outputs): BatchLayout {
  for (const t of tensors) {
    if (!Number.isInteger(t) || t < 0 || t >= g.tensors.length || g.tensors[t].buffer) {
      throw new Error(`${g.name}: tensor ${t} is not an activation tensor of the graph (tensors: 0..${g.tensors.length - 1}, constants excluded)`);
    }
  }
  const outputPositions = tensors.map((t) => g.outputs.indexOf(t));
  return {
    tensors: [...tensors],
    dtypes: tensors.map((t) => g.tensors[t].dtype),
    elements: tensors.map((t) => numElements(g.tensors[t].shape)),
    outputPositions,
    keepIntermediates: outputPositions.includes(-1),
  };
}

/** Packed arrays for `count` samples of every tensor of the layout. */
export function allocateOutputs(layout: BatchLayout, count: number): TensorData[] {
  return layout.dtypes.map((dtype, k) => {
    const n = count * layout.elements[k];
    if (dtype === 'float32') return new Float32Array(n);
    if (dtype === 'int32') return new Int32Array(n);
    if (dtype !== 'int8') throw new Error(`no packed array for dtype ${dtype}`);
    return new Int8Array(n);
  });
}

/** An error of sample `index`, named as such (one `<graph>: input vector <index>:` prefix). */
export function sampleError(g: QGraph, index: number, e: unknown): SimulationError {
  if (e instanceof SimulationError) return e;
  let text = e instanceof Error ? e.message : String(e);
  if (text.startsWith(`${g.name}: `)) text = text.slice(g.name.length + 2);
  const named = text.startsWith(`input vector ${index}`) ? text : `input vector ${index}: ${text}`;
  return new SimulationError(`${g.name}: ${named}`, index);
}

/** The tensors of input vector `index` (one per graph input); a wrong count is a {@link SimulationError}. */
export function sampleTensors(g: QGraph, vector: InputVector, index: number): TensorData[] {
  try {
    return inputVectorTensors(g, vector, `input vector ${index}`);
  } catch (e) {
    throw sampleError(g, index, e);
  }
}

/**
 * Run input vector `index` and copy the layout's tensors into `outputs` at `slot`.
 * @throws SimulationError naming the sample
 */
export function simulateInto(interp: Interpreter, layout: BatchLayout, vector: InputVector, index: number, outputs: TensorData[], slot: number): void {
  const g = interp.graph;
  try {
    const run = interp.run(sampleTensors(g, vector, index), { keepIntermediates: layout.keepIntermediates });
    layout.tensors.forEach((t, k) => {
      const position = layout.outputPositions[k];
      const value = position >= 0 ? run.outputs[position] : run.intermediates!.get(t)!;
      outputs[k].set(value, slot * layout.elements[k]);
    });
  } catch (e) {
    throw sampleError(g, index, e);
  }
}
