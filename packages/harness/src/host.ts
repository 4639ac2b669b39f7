/**
 * Host parity: generate C for a QGraph, compile it with gcc (optionally under
 * ASan+UBSan), stream input vectors through the binary, compare every output with the
 * interpreter, and on a mismatch rebuild with per-op tracing to name the first op that
 * differs.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { Interpreter, tensorBytes, type QGraph, type TensorData } from '@edgeq/ir';
import { writeFirmwareDir, type GeneratedModel } from '@edgeq/codegen';
import { compareOutputs, parityLine, type ParityStats } from './compare.js';
import { compile, HarnessError, SANITIZE_FLAGS } from './toolchain.js';
import { cachedRuntimeArchive } from './runtime-cache.js';
import { makeScratchDir, removeScratchDir } from './scratch-dir.js';
import { interpreterOutputs } from './expected-outputs.js';
import { SANITIZER_ENV, SanitizerReportError, sanitizerReportHeadline } from './sanitizer.js';

export interface HostParityOptions {
  /** Directory for generated sources and binaries (default: a fresh temp dir, removed after). */
  workDir?: string;
  /** Build with -fsanitize=address,undefined; any report fails the run. */
  sanitize?: boolean;
  /** Optimisation flag (default -O2). */
  optimize?: string;
  /** C compiler (default gcc). */
  compiler?: string;
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

function bytesOf(t: TensorData): Uint8Array {
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
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

/** Raw outputs of the generated C for each input vector (bytes of output 0). */
export interface HostRun {
  outputs: Uint8Array[];
  model: GeneratedModel;
  fwDir: string;
}

function concatBytes(inputs: TensorData[]): Uint8Array {
  const all = new Uint8Array(inputs.reduce((s, x) => s + x.byteLength, 0));
  let at = 0;
  for (const x of inputs) {
    all.set(bytesOf(x), at);
    at += x.byteLength;
  }
  return all;
}

/** Generate, compile and run a graph's C on the host; `work` must be an existing directory. */
export async function runGeneratedOnHost(g: QGraph, inputs: TensorData[], work: string, opts: HostParityOptions = {}): Promise<HostRun> {
  if (g.inputs.length !== 1 || g.outputs.length !== 1) throw new Error(`${g.name}: the host harness supports graphs with one input and one output`);
  const fwDir = path.join(work, 'fw');
  const model = await writeFirmwareDir(g, fwDir);
  const bin = await buildHostBinary(model, fwDir, 'parity', opts);
  const outT = g.tensors[g.outputs[0]];
  const outBytes = tensorBytes(outT);
  const raw = await runHostBinary(bin, concatBytes(inputs), !!opts.sanitize);
  if (raw.length !== outBytes * inputs.length) {
    throw new HarnessError('run-error', `${bin} wrote ${raw.length} bytes, expected ${outBytes * inputs.length}`);
  }
  return { outputs: inputs.map((_, v) => raw.slice(v * outBytes, (v + 1) * outBytes)), model, fwDir };
}

/** Run `inputs` through generated C on the host and compare with the interpreter. */
export async function hostParity(g: QGraph, inputs: TensorData[], opts: HostParityOptions = {}): Promise<HostParityReport> {
  const ownDir = !opts.workDir;
  const work = opts.workDir ?? (await makeScratchDir('edgeq-parity-'));
  try {
    await fs.mkdir(work, { recursive: true });
    const run = await runGeneratedOnHost(g, inputs, work, opts);
    const expected = await interpreterOutputs(g, inputs);
    const actual = run.outputs.map((o) => new Int8Array(o.buffer, o.byteOffset, o.length));
    const stats = compareOutputs(expected, actual);
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
async function findFirstDifferingOp(g: QGraph, model: GeneratedModel, dir: string, input: TensorData, vector: number, opts: HostParityOptions): Promise<FirstDifferingOp | undefined> {
  const bin = await buildHostBinary(model, dir, 'parity-trace', opts, ['EDGEQ_TRACE']);
  const trace = await runHostBinary(bin, bytesOf(input), !!opts.sanitize);
  const values = new Interpreter(g, { validate: false }).run([input], { keepIntermediates: true }).intermediates!;
  let at = 0;
  for (const [i, op] of g.ops.entries()) {
    const exp = bytesOf(values.get(op.outputs[0])!);
    const got = trace.subarray(at, at + exp.length);
    at += exp.length;
    const k = exp.findIndex((b, j) => b !== got[j]);
    if (k >= 0) {
      return { vector, opIndex: i, opName: op.name, opType: op.type, element: k, expected: (exp[k] << 24) >> 24, actual: (got[k] << 24) >> 24 };
    }
  }
  return undefined;
}
