/**
 * Host parity: generate C for a QGraph, compile it with gcc (optionally under
 * ASan+UBSan), stream input vectors through the binary (each vector: every graph input's
 * bytes back to back), compare every output with the interpreter, and on a mismatch
 * rebuild with per-op tracing to name the first op that differs.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { Interpreter, inputVectorBytes, inputVectorTensors, tensorDataBytes, type InputVector, type QGraph } from '@edgeq/ir';
import { writeFirmwareDir, type GenerateOptions, type GeneratedModel } from '@edgeq/codegen';
import { compareOutputs, parityLine, type ParityStats } from './compare.js';
import { compile, HarnessError, SANITIZE_FLAGS } from './toolchain.js';
import { cachedRuntimeArchive } from './runtime-cache.js';
import { locateMismatches, outputVectorBytes, splitOutputBytes } from './vector-outputs.js';
import { makeScratchDir, removeScratchDir } from './scratch-dir.js';
import { interpreterOutputs } from './expected-outputs.js';
import { SANITIZER_ENV, SanitizerReportError, sanitizerReportHeadline } from './sanitizer.js';

export interface HostParityOptions {
  /** Directory for generated sources and binaries (default: a fresh temp dir, removed after). */
  workDir?: string;
  /** Build with -fsanitize=address,undefined; any report fails the run. */
  sanitize?: boolean;
  /** Code generation options (e.g. `optimize: 'size'`). */
  codegen?: GenerateOptions;
  /** Optimisation flag (default -O2). */
  optimize?: string;
  /** C compiler (default gcc). */
  compiler?: string;
  /** Worker threads of the interpreter's side (default: one per core when the run is long enough; 1: this thread). */
  simulationWorkers?: number;
}

export interface FirstDifferingOp {
  vector: number;
  opIndex: number;
  opName: string;
  opType: string;
  element: number;
  expected: number;
  actual: number;
}

export interface HostParityReport {
  stats: ParityStats;
  line: string;
  arenaBytes: number;
  constBytes: number;
  firstDifferingOp?: FirstDifferingOp;
}

async function buildHostBinary(model: GeneratedModel, dir: string, out: string, opts: HostParityOptions, defines: string[] = []): Promise<string> {
  const runtimeDir = path.join(dir, 'runtime');
  const flags = [opts.optimize ?? '-O2', ...(opts.sanitize ? SANITIZE_FLAGS : [])];
  const compiler = opts.compiler ?? 'gcc';
  const runtimeLib = await cachedRuntimeArchive(compiler, flags);
  const bin = path.join(dir, out);
  await compile({
    compiler,
    sources: [path.join(dir, `${model.fileBase}.c`), path.join(dir, 'harness_main.c'), runtimeLib],
    includeDirs: [dir, runtimeDir],
    output: bin,
    flags,
    defines,
  });
  return bin;
}

/**
 * Run a host binary with `stdin` and return its stdout. With `sanitize` (a binary built
 * with {@link SANITIZE_FLAGS}) any sanitizer report is a {@link SanitizerReportError}.
 */
export async function runHostBinary(bin: string, stdin: Uint8Array, sanitize: boolean): Promise<Uint8Array> {
  const env = sanitize ? SANITIZER_ENV : {};
  const r = await execa(bin, [], { input: Buffer.from(stdin), encoding: 'buffer', stripFinalNewline: false, reject: false, env, timeout: 600_000, maxBuffer: 1 << 30 });
  const stderr = Buffer.from(r.stderr as Uint8Array).toString('utf8');
  if (r.timedOut) throw new HarnessError('timeout', `${bin} timed out`);
  const headline = sanitize ? sanitizerReportHeadline(stderr, r.exitCode) : undefined;
  if (headline) throw new SanitizerReportError(bin, headline, stderr);
  if (r.exitCode !== 0) throw new HarnessError('run-error', `${bin} exited with ${r.exitCode ?? r.signal}:\n${stderr.trim()}`);
  return new Uint8Array(r.stdout as Uint8Array);
}

/** Raw outputs of the generated C for each input vector. */
export interface HostRun {
  /** Per vector: every graph output's bytes back to back, in output order (one output: its bytes). */
  outputs: Uint8Array[];
  /** Per vector, per graph output: that output's bytes. */
  outputsByTensor: Uint8Array[][];
  model: GeneratedModel;
  fwDir: string;
}

function streamBytes(g: QGraph, inputs: readonly InputVector[]): Uint8Array {
  const vectors = inputs.map((x, v) => inputVectorBytes(g, x, `input vector ${v}`));
  const all = new Uint8Array(vectors.reduce((s, x) => s + x.length, 0));
  let at = 0;
  for (const x of vectors) {
    all.set(x, at);
    at += x.length;
  }
  return all;
}

/**
 * Generate, compile and run a graph's C on the host; `work` must be an existing directory.
 * Each input vector holds one tensor per graph input (a bare tensor for a one-input graph).
 */
export async function runGeneratedOnHost(g: QGraph, inputs: readonly InputVector[], work: string, opts: HostParityOptions = {}): Promise<HostRun> {
  const stdin = streamBytes(g, inputs);
  const fwDir = path.join(work, 'fw');
  const model = await writeFirmwareDir(g, fwDir, opts.codegen);
  const bin = await buildHostBinary(model, fwDir, 'parity', opts);
  const outBytes = outputVectorBytes(g);
  const raw = await runHostBinary(bin, stdin, !!opts.sanitize);
  if (raw.length !== outBytes * inputs.length) {
    throw new HarnessError('run-error', `${bin} wrote ${raw.length} bytes, expected ${outBytes * inputs.length}`);
  }
  const outputs = inputs.map((_, v) => raw.slice(v * outBytes, (v + 1) * outBytes));
  return { outputs, outputsByTensor: outputs.map((o) => splitOutputBytes(g, o)), model, fwDir };
}

/**
 * Run `inputs` through generated C on the host and compare every output with the
 * interpreter. Each input vector holds one tensor per graph input (a bare tensor for a
 * one-input graph).
 */
export async function hostParity(g: QGraph, inputs: readonly InputVector[], opts: HostParityOptions = {}): Promise<HostParityReport> {
  const ownDir = !opts.workDir;
  const work = opts.workDir ?? (await makeScratchDir('edgeq-parity-'));
  try {
    await fs.mkdir(work, { recursive: true });
    const run = await runGeneratedOnHost(g, inputs, work, opts);
    const expected = await interpreterOutputs(g, inputs, { workers: opts.simulationWorkers });
    const actual = run.outputs.map((o) => new Int8Array(o.buffer, o.byteOffset, o.length));
    const stats = locateMismatches(g, compareOutputs(expected, actual));
    const report: HostParityReport = {
      stats,
      line: parityLine(stats, `host (gcc${opts.sanitize ? ', ASan+UBSan' : ''})`),
      arenaBytes: run.model.plan.arenaBytes,
      constBytes: run.model.constBytes,
    };
    if (stats.firstMismatches.length > 0) {
      const v = stats.firstMismatches[0].vector;
      report.firstDifferingOp = await findFirstDifferingOp(g, run.model, run.fwDir, inputs[v], v, opts);
    }
    return report;
  } finally {
    if (ownDir) await removeScratchDir(work);
  }
}

/** Rebuild with EDGEQ_TRACE, run one vector, and compare each op's output with the interpreter. */
async function findFirstDifferingOp(g: QGraph, model: GeneratedModel, dir: string, input: InputVector, vector: number, opts: HostParityOptions): Promise<FirstDifferingOp | undefined> {
  const bin = await buildHostBinary(model, dir, 'parity-trace', opts, ['EDGEQ_TRACE']);
  const trace = await runHostBinary(bin, inputVectorBytes(g, input), !!opts.sanitize);
  const values = new Interpreter(g, { validate: false }).run(inputVectorTensors(g, input), { keepIntermediates: true }).intermediates!;
  let at = 0;
  for (const [i, op] of g.ops.entries()) {
    const exp = tensorDataBytes(values.get(op.outputs[0])!);
    const got = trace.subarray(at, at + exp.length);
    at += exp.length;
    const k = exp.findIndex((b, j) => b !== got[j]);
    if (k >= 0) {
      return { vector, opIndex: i, opName: op.name, opType: op.type, element: k, expected: (exp[k] << 24) >> 24, actual: (got[k] << 24) >> 24 };
    }
  }
  return undefined;
}
