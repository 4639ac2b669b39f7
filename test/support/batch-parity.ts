/**
 * Interpreter vs gcc parity for many small graphs with one compile: each graph's C is
 * generated under its own prefix (m0_, m1_, ...), one dispatcher main links them all with
 * the cached runtime archive, and the binary runs once per graph (model index in argv[1],
 * input vectors on stdin, output bytes on stdout). Used by the QGraph fuzzer and the crafted
 * extreme-graph tests, where hundreds of per-graph compiles would dominate the run time.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Interpreter, tensorBytes, type QGraph, type TensorData } from '@edgeq/ir';
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

function dispatcherMain(count: number): string {
  const includes = Array.from({ length: count }, (_, k) => `#include "m${k}.h"`).join('\n');
  const rows = Array.from({ length: count }, (_, k) => `  {m${k}_input, m${k}_output, m${k}_invoke, M${k}_INPUT0_BYTES, M${k}_OUTPUT0_BYTES}`).join(',\n');
  return `/* batch parity dispatcher: argv[1] selects the model; vectors on stdin, outputs on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
${includes}

typedef struct {
  void *(*input)(int);
  const void *(*output)(int);
  int (*invoke)(void);
  size_t in_bytes;
  size_t out_bytes;
} model_entry;

static const model_entry models[] = {
${rows}
};

int main(int argc, char **argv) {
  static unsigned char in[1 << 20];
  const model_entry *m;
  int k;
  if (argc != 2) return 2;
  k = atoi(argv[1]);
  if (k < 0 || k >= (int)(sizeof models / sizeof models[0])) return 2;
  m = &models[k];
  if (m->in_bytes > sizeof in) return 2;
  for (;;) {
    size_t got = fread(in, 1, m->in_bytes, stdin);
    if (got == 0) break;
    if (got != m->in_bytes) return 3;
    memcpy(m->input(0), in, m->in_bytes);
    if (m->invoke() != 0) return 4;
    if (fwrite(m->output(0), 1, m->out_bytes, stdout) != m->out_bytes) return 5;
  }
  fflush(stdout);
  return 0;
}
`;
}

/**
 * Generates every graph's C, compiles them into one gcc binary under ASan+UBSan and compares
 * each graph's outputs with the interpreter's, byte for byte.
 */
export async function batchHostParity(items: BatchItem[]): Promise<BatchResult[]> {
  if (items.length === 0) return [];
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-batch-parity-'));
  try {
    for (const [k, item] of items.entries()) {
      const model = await generateModel(item.graph, { prefix: `m${k}`, fileBase: `m${k}` });
      for (const [name, text] of model.files) if (name !== 'harness_main.c') await fs.writeFile(path.join(dir, name), text);
    }
    await fs.writeFile(path.join(dir, 'main.c'), dispatcherMain(items.length));
    const flags = ['-O2', ...SANITIZE_FLAGS];
    const runtimeLib = await cachedRuntimeArchive('gcc', flags);
    const bin = path.join(dir, 'batch');
    await compile({
      compiler: 'gcc',
      sources: [...items.map((_, k) => path.join(dir, `m${k}.c`)), path.join(dir, 'main.c'), runtimeLib],
      includeDirs: [dir, RUNTIME_INCLUDE_DIR, RUNTIME_SOURCE_DIR],
      output: bin,
      flags,
    });
    const env = { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:exitcode=87' };
    const results: BatchResult[] = [];
    for (const [k, { label, graph, inputs }] of items.entries()) {
      const stdin = Buffer.concat(inputs.map((x) => Buffer.from(bytesOf(x))));
      const r = await runWithStdin(bin, [String(k)], stdin, env);
      if (r.exitCode !== 0 || /runtime error|AddressSanitizer|LeakSanitizer/.test(r.stderr)) {
        results.push({ label, exactVectors: 0, vectors: inputs.length, error: `exit ${r.exitCode}: ${r.stderr.trim().slice(0, 2000)}` });
        continue;
      }
      const out = r.stdout;
      const outBytes = tensorBytes(graph.tensors[graph.outputs[0]]);
      // Both kernel sets of the interpreter (TypeScript reference, WebAssembly SIMD) must match gcc.
      const interpreters = (['typescript', 'wasm'] as const).map((kernels) => new Interpreter(graph, { validate: false, kernels }));
      let exact = 0;
      inputs.forEach((x, v) => {
        const actual = out.subarray(v * outBytes, (v + 1) * outBytes);
        const agrees = interpreters.every((interp) => {
          const expected = bytesOf(interp.run([x]).outputs[0]);
          return actual.length === expected.length && expected.every((b, i) => b === actual[i]);
        });
        if (agrees) exact++;
      });
      results.push({ label, exactVectors: exact, vectors: inputs.length });
    }
    return results;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
