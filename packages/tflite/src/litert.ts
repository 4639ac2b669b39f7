/**
 * LiteRT.js (`@litertjs/core`, pinned 2.5.3: Google's WebAssembly build of TFLite) in
 * plain Node, as an independent oracle. Three things make it work here:
 * - a browser-worker shim: `self`, and `importScripts` that evaluates the emscripten glue
 *   with `require`/`__dirname` bound (the glue then reads its .wasm from disk);
 * - int8 tensors go through the embind objects under `getGlobalLiteRt().liteRtWasm`
 *   (the public Tensor API refuses INT8), models are loaded from bytes;
 * - TFLite reports a failed Prepare only as logged ERROR lines (and then computes zeros),
 *   so the module's stdout/stderr are captured and ERROR lines become exceptions.
 * Only the single-threaded, non-JSPI wasm build is used.
 */

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Element types LiteRT reports (litert::ElementType). */
const ELEMENT_INT8 = 9;
const ELEMENT_FLOAT32 = 1;

/* eslint-disable @typescript-eslint/no-explicit-any -- embind objects are untyped */
type Wasm = any;

export class LiteRtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiteRtError';
  }
}

interface Runtime {
  wasm: Wasm;
  /** The JS Environment wrapper (compile options need it) and its embind object. */
  environment: any;
  log: string[];
}

let runtime: Promise<Runtime> | undefined;

/** Directory holding LiteRT's wasm builds inside the installed package. */
function wasmDir(): string {
  return path.join(path.dirname(require.resolve('@litertjs/core')), '..', 'wasm');
}

function installWorkerShim(): void {
  const g = globalThis as any;
  g.self ??= globalThis;
  g.importScripts ??= (url: string) => {
    const file = url.startsWith('file:') ? fileURLToPath(url) : url;
    const code = readFileSync(file, 'utf8');
    // The glue declares `var ModuleFactory`; evaluate it as a function body and publish it.
    const body = `${code}\n;return typeof ModuleFactory !== 'undefined' ? ModuleFactory : undefined;`;
    const factory = new Function('require', '__dirname', '__filename', body)(require, path.dirname(file), file);
    if (factory) g.ModuleFactory = factory;
  };
}

async function loadRuntime(): Promise<Runtime> {
  installWorkerShim();
  const log: string[] = [];
  // The loader passes `self.Module` to the emscripten factory: route its output to `log`.
  (globalThis as any).Module = {
    print: (line: string) => log.push(String(line)),
    printErr: (line: string) => log.push(String(line)),
  };
  const core: any = await import('@litertjs/core');
  const dir = pathToFileURL(wasmDir() + path.sep).href;
  // Node has no WebGPU; LiteRT's default environment warns about it once. Only the CPU path is used.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).startsWith('Failed to create default WebGPU device')) warn(...args);
  };
  try {
    await core.loadLiteRt(dir);
  } finally {
    console.warn = warn;
  }
  const lrt = core.getGlobalLiteRt();
  return { wasm: lrt.liteRtWasm, environment: lrt.getDefaultEnvironment(), log };
}

/** Load LiteRT.js once per process (≈1 s). */
export function liteRt(): Promise<Runtime> {
  runtime ??= loadRuntime().catch((e) => {
    runtime = undefined;
    throw e;
  });
  return runtime;
}

/**
 * Throw if LiteRT logged an ERROR since `mark`. XNNPACK's "failed to delegate" lines are
 * logged at ERROR level too but are not failures (the op then runs in TFLite's builtin
 * kernel): they are returned as notes instead.
 */
function checkLog(rt: Runtime, mark: number, what: string): string[] {
  const lines = rt.log.slice(mark);
  rt.log.length = mark;
  const notes = lines.filter((l) => /failed to delegate/i.test(l));
  const errors = lines.filter((l) => /\bERROR\b/.test(l) && !/failed to delegate/i.test(l));
  if (errors.length) throw new LiteRtError(`LiteRT ${what} failed: ${errors.join(' | ')}`);
  return notes;
}

export type OracleTensor = Int8Array | Float32Array;

/** A .tflite model compiled by LiteRT.js for its CPU (XNNPACK + builtin kernels) path. */
export class LiteRtModel {
  private deleted = false;
  private constructor(
    private readonly rt: Runtime,
    private readonly ptr: number,
    private readonly model: Wasm,
    private readonly compiled: Wasm,
    /** Input tensor names in signature order. */
    readonly inputNames: string[],
    readonly outputNames: string[],
    /** XNNPACK's "failed to delegate ..." lines: these ops run in TFLite's builtin kernels. */
    readonly delegationNotes: string[],
  ) {}

  /**
   * Load and compile a model from bytes.
   * @param bytes .tflite contents
   * @param source label for error messages
   */
  static async load(bytes: Uint8Array, source = 'model.tflite'): Promise<LiteRtModel> {
    const rt = await liteRt();
    const w = rt.wasm;
    const mark = rt.log.length;
    const ptr = w._malloc(bytes.byteLength);
    w.HEAPU8.set(bytes, ptr);
    let model: Wasm;
    let compiled: Wasm;
    const notes: string[] = [];
    try {
      model = w.loadModel(rt.environment.liteRtEnvironment, ptr, bytes.byteLength);
      notes.push(...checkLog(rt, mark, `loading ${source}`));
      compiled = await w.compileModel(rt.environment.liteRtEnvironment, model, {
        environment: rt.environment,
        accelerator: 'wasm',
        cpuOptions: { numThreads: 1 },
        gpuOptions: {},
        webNNOptions: {},
      });
      notes.push(...checkLog(rt, mark, `compiling ${source}`));
    } catch (e) {
      model?.delete?.();
      w._free(ptr);
      if (e instanceof LiteRtError) throw e;
      throw new LiteRtError(`LiteRT could not load ${source}: ${describe(w, e)}${rt.log.length > mark ? ` (${rt.log.slice(mark).join(' | ')})` : ''}`);
    }
    const sig = model.getSignature(0);
    const names = (v: Wasm): string[] => {
      const out: string[] = [];
      for (let i = 0; i < v.size(); i++) out.push(v.get(i));
      v.delete();
      return out;
    };
    const inputNames = names(sig.inputNames());
    const outputNames = names(sig.outputNames());
    sig.delete();
    return new LiteRtModel(rt, ptr, model, compiled, inputNames, outputNames, notes);
  }

  /**
   * Run once. `inputs[k]` feeds signature input k (see inputNames): Int8Array for int8,
   * Float32Array for float32 tensors. Returns outputs in signature order.
   */
  async run(inputs: OracleTensor[]): Promise<OracleTensor[]> {
    if (this.deleted) throw new LiteRtError('model was deleted');
    const { rt } = this;
    const w = rt.wasm;
    if (inputs.length !== this.inputNames.length) throw new LiteRtError(`expected ${this.inputNames.length} inputs, got ${inputs.length}`);
    const mark = rt.log.length;
    const buffers: Wasm[] = [];
    let outputs: Wasm[] = [];
    try {
      inputs.forEach((data, i) => {
        const type = this.model.getInputTensorType(0, i);
        const element = type.elementType().value;
        const expected = element === ELEMENT_INT8 ? Int8Array : element === ELEMENT_FLOAT32 ? Float32Array : undefined;
        if (!expected || !(data instanceof expected)) {
          type.delete();
          throw new LiteRtError(`input ${i} (${this.inputNames[i]}) has element type ${element}; give ${expected?.name ?? 'a supported type'}`);
        }
        const buf = w.LiteRtTensorBuffer.createManaged(rt.environment.liteRtEnvironment, w.LiteRtTensorBufferType.HOST_MEMORY, type, data.byteLength);
        type.delete();
        buffers.push(buf);
        const p = buf.lock(w.LiteRtTensorBufferLockMode.WRITE);
        try {
          w.HEAPU8.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), p);
        } finally {
          buf.unlock();
        }
      });
      outputs = await this.compiled.run(0, buffers);
      checkLog(rt, mark, 'invoke');
      return outputs.map((buf: Wasm) => {
        const type = buf.tensorType();
        const element = type.elementType().value;
        type.delete();
        const p = buf.lock(w.LiteRtTensorBufferLockMode.READ);
        try {
          const bytes = w.HEAPU8.slice(p, p + buf.packedSize());
          if (element === ELEMENT_INT8) return new Int8Array(bytes.buffer);
          if (element === ELEMENT_FLOAT32) return new Float32Array(bytes.buffer);
          throw new LiteRtError(`output element type ${element} is not supported by the oracle`);
        } finally {
          buf.unlock();
        }
      });
    } finally {
      for (const b of buffers) b.delete();
      for (const b of outputs) b.delete();
    }
  }

  /** Free the wasm-side model. */
  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    this.compiled.delete();
    this.model.delete();
    this.rt.wasm._free(this.ptr);
  }
}

/** Emscripten throws C++ exceptions as numbers/pointers; make them readable. */
function describe(w: Wasm, e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'number' && typeof w.getExceptionMessage === 'function') {
    try {
      return String(w.getExceptionMessage(e));
    } catch {
      /* fall through */
    }
  }
  return String(e);
}
