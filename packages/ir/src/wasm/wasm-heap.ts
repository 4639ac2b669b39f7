/**
 * The WebAssembly side of the interpreter's fast kernels: loads
 * wasm/build/edgeq_interpreter_kernels.wasm (built from wasm/edgeq_interpreter_kernels.c by
 * wasm/build.sh, which scripts/bootstrap.sh runs) once per process, and gives each
 * Interpreter its own instance and linear memory (`WasmHeap`): a bump allocator for the
 * buffers kernels keep (packed weights, tables, descriptors), one region per activation
 * tensor the kernels read or write, and one scratch region all ops share (the convolutions' int16 planes or im2col rows, rewritten whole by each op). The instance is dropped with its
 * Interpreter, so nothing is freed by hand.
 */

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

/** Where the built module is expected. */
export const INTERPRETER_KERNELS_WASM = fileURLToPath(new URL('../../wasm/build/edgeq_interpreter_kernels.wasm', import.meta.url));

/** The slice of the WebAssembly JS API used here (the repo's TS libs do not declare it). */
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

/** The kernels the module exports; each takes a pointer to its descriptor. */
export interface KernelExports {
  conv(descriptor: number): void;
  depthwise(descriptor: number): void;
  add_xnnpack(descriptor: number): void;
  pool(descriptor: number): void;
  channel_sums(descriptor: number): void;
}

const PAGE = 65536;
/** Bytes every region may be read or written past its end by 8-wide vector steps. */
const SLACK = 64;

let compiled: { module?: object; reason?: string } | undefined;

/** The compiled module, or why it is unavailable (compiled once per process). */
function compiledModule(): { module?: object; reason?: string } {
  if (compiled) return compiled;
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) compiled = { reason: 'this JavaScript runtime has no WebAssembly' };
  else if (!existsSync(INTERPRETER_KERNELS_WASM)) compiled = { reason: `${INTERPRETER_KERNELS_WASM} is not built (run packages/ir/wasm/build.sh)` };
  else {
    try {
      compiled = { module: compileOptimised(api, readFileSync(INTERPRETER_KERNELS_WASM)) };
    } catch (e) {
      compiled = { reason: `${INTERPRETER_KERNELS_WASM} does not load: ${(e as Error).message}` };
    }
  }
  return compiled;
}

/**
 * Compile with V8's optimising compiler up front. By default V8 starts every function in
 * its baseline compiler and optimises it only once hot, which for these kernels takes
 * hundreds of inferences (a short `simulate` would run at a fraction of the speed). The
 * flag is set for this one synchronous compile and restored at once.
 */
function compileOptimised(api: WasmApi, bytes: Uint8Array): object {
  v8.setFlagsFromString('--no-liftoff');
  try {
    return new api.Module(bytes);
  } finally {
    v8.setFlagsFromString('--liftoff');
  }
}

/**
 * The compiled kernels module (undefined when unavailable), to hand to worker threads: a
 * WebAssembly.Module passes between threads with its compiled code, so a worker need not
 * compile it again (simulate-batch.ts).
 */
export function compiledKernelsModule(): object | undefined {
  return compiledModule().module;
}

/** Use a module another thread compiled ({@link compiledKernelsModule}) instead of compiling one here. */
export function adoptCompiledKernelsModule(module: object): void {
  compiled ??= { module };
}

/** Why the WebAssembly kernels cannot run here, or undefined when they can. */
export function wasmKernelsUnavailable(): string | undefined {
  return compiledModule().reason;
}

/** One Interpreter's instance of the kernels and its memory layout. */
export class WasmHeap {
  readonly kernels: KernelExports;
  private readonly memory: WasmMemory;
  private top: number;
  private scratchBytes = 0;
  private scratchBase = -1;
  private readonly scratchUsers: ((base: number) => void)[] = [];
  private views?: { buffer: ArrayBuffer; int8: Int8Array; int16: Int16Array; int32: Int32Array };
  private readonly regions = new Map<number, number>();

  constructor() {
    const { module, reason } = compiledModule();
    if (!module) throw new Error(`WebAssembly interpreter kernels unavailable: ${reason}`);
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const exports = new api.Instance(module, {}).exports;
    this.kernels = exports as unknown as KernelExports;
    this.memory = exports.memory as WasmMemory;
    this.top = align((exports.__heap_base as { value: number }).value, 16);
  }

  /** Reserve `bytes` (16-byte aligned, with slack for vector overreads); returns the byte address. */
  allocate(bytes: number): number {
    const at = this.top;
    this.top = align(at + bytes + SLACK, 16);
    const needed = Math.ceil(this.top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (needed > 0) this.memory.grow(needed);
    return at;
  }

  /**
   * Ask for `bytes` of the shared scratch region; `bind` receives its address once every
   * op is prepared ({@link WasmHeap.finish}). Ops run one at a time, so they share it.
   */
  useScratch(bytes: number, bind: (base: number) => void): void {
    this.scratchBytes = Math.max(this.scratchBytes, bytes);
    this.scratchUsers.push(bind);
  }

  /** Allocate the scratch region and hand its address to every op that asked for it. */
  finish(): void {
    if (this.scratchBase >= 0) throw new Error('WasmHeap.finish called twice');
    this.scratchBase = this.allocate(this.scratchBytes);
    for (const bind of this.scratchUsers) bind(this.scratchBase);
  }

  /** Views of the current memory (renewed after growth). */
  view(): { int8: Int8Array; int16: Int16Array; int32: Int32Array } {
    const buffer = this.memory.buffer;
    if (this.views?.buffer !== buffer) {
      this.views = { buffer, int8: new Int8Array(buffer), int16: new Int16Array(buffer), int32: new Int32Array(buffer) };
    }
    return this.views;
  }

  /**
   * The memory of activation tensor `t` (`bytes` long), allocated on the first request: the
   * op producing it writes there and the ops reading it read there, so a tensor passed
   * from one WebAssembly kernel to the next is never copied (see copyIn / copyOut).
   */
  tensorRegion(t: number, bytes: number): number {
    let at = this.regions.get(t);
    if (at === undefined) this.regions.set(t, (at = this.allocate(bytes)));
    return at;
  }

  /** Put `data` at `at`, unless it already is the view of that memory. */
  copyIn(data: Int8Array, at: number): void {
    const memory = this.view().int8;
    if (data.buffer !== memory.buffer || data.byteOffset !== at) memory.set(data, at);
  }

  /** Fill `out` from the memory at `at`, unless it already is the view of that memory. */
  copyOut(at: number, out: Int8Array): void {
    const memory = this.view().int8;
    if (out.buffer !== memory.buffer || out.byteOffset !== at) out.set(memory.subarray(at, at + out.length));
  }

  /** An Int8Array view of `n` bytes at `at` (stable once every op is prepared: memory no longer grows). */
  int8View(at: number, n: number): Int8Array {
    return new Int8Array(this.view().int8.buffer, at, n);
  }

  /** Copy int32 values to `at` (4-byte aligned). */
  writeInt32(at: number, values: ArrayLike<number>): void {
    this.view().int32.set(values, at >> 2);
  }
}

/** `n` rounded up to a multiple of `m`. */
export function align(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}
