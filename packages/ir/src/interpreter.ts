/**
 * The integer reference interpreter ("simulation"): runs a validated QGraph on int8 (or,
 * through QUANTIZE, float32) inputs and returns its outputs, and on request every
 * intermediate tensor for per-layer debugging. It is the host twin of the generated C.
 * Each op's kernel is prepared once: on the WebAssembly SIMD kernels (wasm/) when they are
 * built and the op has one, otherwise by its registry entry (ops/<op>.ts `prepare`), the
 * TypeScript reference. Both compute the same bits; `kernels` says which ran.
 */

import type { OpDef, QGraph } from './qgraph.js';
import { constantData, type TensorData } from './constants.js';
import { deriveOpParams } from './op-params.js';
import { validateQGraph } from './validate.js';
import { numElements } from './shapes.js';
import { opDefinition, type OpRun } from './ops/index.js';
import { WasmHeap, wasmKernelsUnavailable } from './wasm/wasm-heap.js';
import { prepareWasmOp } from './wasm/wasm-ops.js';

/** What a run returns: graph outputs in order, and (when asked) every tensor by index. */
export interface RunResult {
  outputs: TensorData[];
  /** Every activation tensor computed, by tensor index (only with `keepIntermediates`). */
  intermediates?: Map<number, TensorData>;
}

export interface RunOptions {
  keepIntermediates?: boolean;
}

/**
 * Which kernels run CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: `wasm` (WebAssembly
 * SIMD, packages/ir/wasm), `typescript` (the reference kernels), or `auto` (wasm when the
 * module is built, else typescript). Every other op always runs its TypeScript kernel.
 */
export type KernelChoice = 'auto' | 'wasm' | 'typescript';

export interface InterpreterOptions {
  validate?: boolean;
  /** Default `auto`, or the environment variable EDGEQ_INTERPRETER_KERNELS when set. */
  kernels?: KernelChoice;
}

/** The kernel choice the environment asks for (EDGEQ_INTERPRETER_KERNELS), default `auto`. */
export function defaultKernelChoice(): KernelChoice {
  const v = process.env.EDGEQ_INTERPRETER_KERNELS;
  if (v === undefined || v === '') return 'auto';
  if (v === 'auto' || v === 'wasm' || v === 'typescript') return v;
  throw new Error(`EDGEQ_INTERPRETER_KERNELS must be auto, wasm or typescript, got ${JSON.stringify(v)}`);
}

interface PreparedOp {
  op: OpDef;
  /** The op's kernel, prepared once. */
  run: OpRun;
  /** The kernel's inputs, aligned with `op.inputs`: constants filled in once, activations per run. */
  inputs: TensorData[];
  /** Indices into `inputs` of the activation inputs. */
  activationSlots: number[];
  /**
   * The op's output buffer, reused run after run when the output is neither a graph
   * output nor kept as an intermediate (nothing outside the run sees it then).
   */
  scratchOutput?: TensorData;
  /** For an op on the WebAssembly kernels: its output's tensor region, as a view. */
  outputView?: () => Int8Array;
}

/** A QGraph prepared for repeated execution (parameters derived, constants decoded once). */
export class Interpreter {
  readonly graph: QGraph;
  /** The kernels that run the graph's convolutions and fully connected layers. */
  readonly kernels: 'wasm' | 'typescript';
  /** Why `auto` fell back to the TypeScript kernels (undefined otherwise). */
  readonly kernelsNote?: string;
  /** Names of the ops that run on the WebAssembly kernels (empty with `typescript`). */
  readonly wasmOps: readonly string[];
  private readonly prepared: PreparedOp[];

  constructor(graph: QGraph, opts: InterpreterOptions = {}) {
    if (opts.validate !== false) validateQGraph(graph);
    this.graph = graph;
    const choice = opts.kernels ?? defaultKernelChoice();
    const unavailable = choice === 'typescript' ? undefined : wasmKernelsUnavailable();
    if (choice === 'wasm' && unavailable) throw new Error(`${graph.name}: kernels 'wasm' requested: ${unavailable}`);
    this.kernels = choice === 'typescript' || unavailable ? 'typescript' : 'wasm';
    this.kernelsNote = unavailable;
    const heap = this.kernels === 'wasm' ? new WasmHeap() : undefined;
    const wasmOps: string[] = [];
    this.prepared = graph.ops.map((op) => {
      const params = deriveOpParams(graph, op);
      const constants = op.inputs.map((t) => (graph.tensors[t].buffer ? constantData(graph, t) : undefined));
      const onWasm = heap && prepareWasmOp(heap, graph, op, params, constants);
      if (onWasm) wasmOps.push(op.name);
      const run = onWasm?.run ?? opDefinition(op).prepare(graph, op, params, constants);
      const activationSlots = op.inputs.flatMap((_t, k) => (constants[k] ? [] : [k]));
      return { op, run, inputs: constants.map((c) => c ?? new Int8Array(0)), activationSlots, outputView: onWasm?.outputView };
    });
    heap?.finish();
    // A WebAssembly kernel's reusable output is its tensor region itself: no copy out, and
    // the next kernel reading it finds it in place.
    for (const p of this.prepared) p.scratchOutput = p.outputView?.();
    this.wasmOps = wasmOps;
  }

  /** Run once. `inputs[k]` feeds `graph.inputs[k]`: Int8Array, or Float32Array for a float input. */
  run(inputs: TensorData[], opts: RunOptions = {}): RunResult {
    const g = this.graph;
    if (inputs.length !== g.inputs.length) throw new Error(`${g.name}: expected ${g.inputs.length} inputs, got ${inputs.length}`);
    const values = new Map<number, TensorData>();
    g.inputs.forEach((t, i) => {
      const def = g.tensors[t];
      const n = numElements(def.shape);
      const given = inputs[i];
      const okType = def.dtype === 'float32' ? given instanceof Float32Array : given instanceof Int8Array;
      if (!okType || given.length !== n) {
        throw new Error(`${g.name}: input ${i} (${def.name}) must be ${def.dtype} with ${n} elements, got ${given.constructor.name}(${given.length})`);
      }
      values.set(t, given);
    });
    const fresh = opts.keepIntermediates === true;
    for (const p of this.prepared) values.set(p.op.outputs[0], this.execute(p, values, fresh));
    const outputs = g.outputs.map((t) => values.get(t)!);
    if (!opts.keepIntermediates) return { outputs };
    return { outputs, intermediates: values };
  }

  /**
   * Run once with inputs keyed by graph input tensor name; returns every graph output keyed
   * by tensor name. Same computation as {@link Interpreter.run}.
   */
  runByName(inputs: Readonly<Record<string, TensorData>>): Record<string, TensorData> {
    const g = this.graph;
    const names = g.inputs.map((t) => g.tensors[t].name);
    const unknown = Object.keys(inputs).filter((n) => !names.includes(n));
    const missing = names.filter((n) => !Object.hasOwn(inputs, n));
    if (unknown.length > 0 || missing.length > 0) {
      const parts = [missing.length ? `missing ${missing.map((n) => JSON.stringify(n)).join(', ')}` : '', unknown.length ? `unknown ${unknown.map((n) => JSON.stringify(n)).join(', ')}` : ''];
      throw new Error(`${g.name}: inputs by name: ${parts.filter(Boolean).join('; ')} (graph inputs: ${names.map((n) => JSON.stringify(n)).join(', ')})`);
    }
    const { outputs } = this.run(names.map((n) => inputs[n]));
    return Object.fromEntries(g.outputs.map((t, k) => [g.tensors[t].name, outputs[k]]));
  }

  private execute(p: PreparedOp, values: Map<number, TensorData>, fresh: boolean): TensorData {
    const out = p.op.outputs[0];
    const outT = this.graph.tensors[out];
    const reuse = !fresh && !this.graph.outputs.includes(out);
    const y = (reuse && p.scratchOutput) || (outT.dtype === 'float32' ? new Float32Array(numElements(outT.shape)) : new Int8Array(numElements(outT.shape)));
    if (reuse) p.scratchOutput = y;
    for (const k of p.activationSlots) p.inputs[k] = values.get(p.op.inputs[k])!;
    p.run(p.inputs, y);
    return y;
  }
}

/** Convenience: run a graph once. */
export function runQGraph(g: QGraph, inputs: TensorData[], opts: RunOptions & { kernels?: KernelChoice } = {}): RunResult {
  return new Interpreter(g, { kernels: opts.kernels }).run(inputs, opts);
}
