/**
 * Interpreter vs gcc parity for many small graphs with one compile: each graph's C is
 * generated under its own prefix (m0_, m1_, ...), one dispatcher main links them all with
 * the cached runtime archive, and the binary runs once per graph (model index in argv[1],
 * input vectors on stdin, output bytes on stdout). Used by the QGraph fuzzer, the crafted
 * extreme-graph tests and the hand-worked op cases, where hundreds of per-graph compiles would
 * dominate the run time.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Interpreter, tensorBytes, type InputVector, type QGraph, type TensorData } from '@edgeq/ir';
import { generateModel } from '@edgeq/codegen';
import { RUNTIME_INCLUDE_DIR, RUNTIME_SOURCE_DIR } from '@edgeq/runtime-c';
import { SANITIZE_FLAGS, cachedRuntimeArchive, compile } from '@edgeq/harness';

/** One graph of a batch and the input vectors to run it on (input 0, one output). */
export interface BatchItem {
  label: string;
  graph: QGraph;
  inputs: TensorData[];
}

/** The parity of one graph of a batch. */
export interface BatchResult {
  label: string;
  /** Vectors whose output bytes equal the interpreter's. */
  exactVectors: number;
  vectors: number;
  /** Set when the binary failed on this graph (sanitizer report, crash). */
  error?: string;
}

const bytesOf = (t: TensorData) => new Uint8Array(t.buffer, t.byteOffset, t.byteLength);

/** Runs `bin` with `stdin`, collecting stdout (bytes) and stderr (text); exitCode is null on a signal. */
function runWithStdin(bin: string, args: string[], stdin: Uint8Array, env: Record<string, string>): Promise<{ exitCode: number | null; stdout: Uint8Array; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], timeout: 120_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code, stdout: new Uint8Array(Buffer.concat(out)), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined); // a crashed binary closes its stdin early; the exit code reports it
    child.stdin.end(Buffer.from(stdin));
  });
}

/** What the dispatcher does with one model: how many inputs each vector fills, how many outputs it writes. */
interface DispatchedModel {
  inputs: number;
  outputs: number;
}

function dispatcherMain(models: readonly DispatchedModel[]): string {
  const includes = models.map((_, k) => `#include "m${k}.h"`).join('\n');
  const sizes = (k: number, kind: 'INPUT' | 'OUTPUT', n: number) => Array.from({ length: n }, (_, j) => `M${k}_${kind}${j}_BYTES`).join(', ');
  const tables = models.map((m, k) => `static const size_t m${k}_in_bytes[] = {${sizes(k, 'INPUT', m.inputs)}};\nstatic const size_t m${k}_out_bytes[] = {${sizes(k, 'OUTPUT', m.outputs)}};`).join('\n');
  const rows = models.map((m, k) => `  {m${k}_input, m${k}_output, m${k}_invoke, ${m.inputs}, m${k}_in_bytes, ${m.outputs}, m${k}_out_bytes}`).join(',\n');
  return `/* batch parity dispatcher: argv[1] selects the model; vectors on stdin (the fed inputs back to back),
   every output of each vector on stdout (back to back). */
#include <stdio.h>
#include <stdlib.h>
${includes}

typedef struct {
  void *(*input)(int);
  const void *(*output)(int);
  int (*invoke)(void);
  int inputs;
  const size_t *in_bytes;
  int outputs;
  const size_t *out_bytes;
} model_entry;

${tables}

static const model_entry models[] = {
${rows}
};

int main(int argc, char **argv) {
  const model_entry *m;
  int k;
  if (argc != 2) return 2;
  k = atoi(argv[1]);
  if (k < 0 || k >= (int)(sizeof models / sizeof models[0])) return 2;
  m = &models[k];
  for (;;) {
    int j;
    size_t got = fread(m->input(0), 1, m->in_bytes[0], stdin);
    if (got == 0) break;
    if (got != m->in_bytes[0]) return 3;
    for (j = 1; j < m->inputs; j++) {
      if (fread(m->input(j), 1, m->in_bytes[j], stdin) != m->in_bytes[j]) return 3;
    }
    if (m->invoke() != 0) return 4;
    for (j = 0; j < m->outputs; j++) {
      if (fwrite(m->output(j), 1, m->out_bytes[j], stdout) != m->out_bytes[j]) return 5;
    }
  }
  fflush(stdout);
  return 0;
}
`;
}

/**
 * One graph and its input vectors for {@link batchHostOutputs}: a bare tensor per vector feeds
 * input 0 only (the other inputs keep what they hold), an array feeds inputs 0, 1, ... in order.
 */
export interface BatchRun {
  graph: QGraph;
  inputs: readonly InputVector[];
}

/** The tensors of one vector, in input order. */
const vectorTensors = (x: InputVector): readonly TensorData[] => (Array.isArray(x) ? x : [x as TensorData]);

/** What one graph's run of a batch binary printed: every vector's output bytes, or why it failed. */
export type BatchOutput = { output: Uint8Array; error?: undefined } | { output?: undefined; error: string };

/**
 * Generates every graph's C, compiles them into one gcc binary under ASan+UBSan and runs each
 * graph on its vectors: the bytes of every output of each graph (output after output, vector
 * after vector, as the host harness writes them), or the exit status and sanitizer report of a
 * failed run. Throws when the compile fails.
 */
export async function batchHostOutputs(runs: readonly BatchRun[]): Promise<BatchOutput[]> {
  if (runs.length === 0) return [];
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-batch-parity-'));
  try {
    for (const [k, { graph }] of runs.entries()) {
      const model = await generateModel(graph, { prefix: `m${k}`, fileBase: `m${k}` });
      for (const [name, text] of model.files) if (name !== 'harness_main.c') await fs.writeFile(path.join(dir, name), text);
    }
    const models = runs.map(({ graph, inputs }) => ({ inputs: inputs.length === 0 ? 1 : vectorTensors(inputs[0]).length, outputs: graph.outputs.length }));
    await fs.writeFile(path.join(dir, 'main.c'), dispatcherMain(models));
    const flags = ['-O2', ...SANITIZE_FLAGS];
    const runtimeLib = await cachedRuntimeArchive('gcc', flags);
    const bin = path.join(dir, 'batch');
    await compile({
      compiler: 'gcc',
      sources: [...runs.map((_, k) => path.join(dir, `m${k}.c`)), path.join(dir, 'main.c'), runtimeLib],
      includeDirs: [dir, RUNTIME_INCLUDE_DIR, RUNTIME_SOURCE_DIR],
      output: bin,
      flags,
    });
    const env = { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:exitcode=87' };
    const outputs: BatchOutput[] = [];
    for (const [k, { inputs }] of runs.entries()) {
      const stdin = Buffer.concat(inputs.flatMap((x) => vectorTensors(x).map((t) => Buffer.from(bytesOf(t)))));
      const r = await runWithStdin(bin, [String(k)], stdin, env);
      if (r.exitCode !== 0 || /runtime error|AddressSanitizer|LeakSanitizer/.test(r.stderr)) {
        outputs.push({ error: `exit ${r.exitCode}: ${r.stderr.trim().slice(0, 2000)}` });
      } else {
        outputs.push({ output: r.stdout });
      }
    }
    return outputs;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Generates every graph's C, compiles them into one gcc binary under ASan+UBSan and compares
 * each graph's outputs with the interpreter's, byte for byte.
 */
export async function batchHostParity(items: BatchItem[]): Promise<BatchResult[]> {
  const outputs = await batchHostOutputs(items);
  return items.map(({ label, graph, inputs }, k) => {
    const { output: out, error } = outputs[k];
    if (out === undefined) return { label, exactVectors: 0, vectors: inputs.length, error };
    // Output 0 of each vector (the batch binary writes every output of a vector back to back).
    const outBytes = tensorBytes(graph.tensors[graph.outputs[0]]);
    const vectorBytes = graph.outputs.reduce((sum, t) => sum + tensorBytes(graph.tensors[t]), 0);
    // Both kernel sets of the interpreter (TypeScript reference, WebAssembly SIMD) must match gcc.
    const interpreters = (['typescript', 'wasm'] as const).map((kernels) => new Interpreter(graph, { validate: false, kernels }));
    let exact = 0;
    inputs.forEach((x, v) => {
      const actual = out.subarray(v * vectorBytes, v * vectorBytes + outBytes);
      const agrees = interpreters.every((interp) => {
        const expected = bytesOf(interp.run([x]).outputs[0]);
        return actual.length === expected.length && expected.every((b, i) => b === actual[i]);
      });
      if (agrees) exact++;
    });
    return { label, exactVectors: exact, vectors: inputs.length };
  });
}
