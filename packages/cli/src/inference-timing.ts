/**
 * Inference speed on the host: the TypeScript interpreter, and the generated C compiled
 * with gcc -O2 and run by the harness binary. Static costs are in graph-costs.ts.
 */

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { Interpreter, inputVectorBytes, inputVectorTensors, type InputVector, type QGraph } from '@edgeq/ir';
import { writeFirmwareDir, type GenerateOptions } from '@edgeq/codegen';
import { compile } from '@edgeq/harness';

/** Mean interpreter time per inference in milliseconds. */
export function timeInterpreter(g: QGraph, inputs: readonly InputVector[]): number {
  const interp = new Interpreter(g);
  const vectors = inputs.map((x) => inputVectorTensors(g, x));
  interp.run(vectors[0]);
  const t0 = performance.now();
  for (const x of vectors) interp.run(x);
  return (performance.now() - t0) / inputs.length;
}

/**
 * Mean time per inference of the generated C on the host (gcc -O2), in microseconds:
 * the harness binary is run on 1 and on N vectors and the difference divided by N − 1,
 * which removes process start-up.
 */
export async function timeHostC(g: QGraph, inputs: readonly InputVector[], codegen?: GenerateOptions): Promise<number> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-bench-'));
  try {
    const dir = path.join(work, 'fw');
    const gen = await writeFirmwareDir(g, dir, codegen);
    const runtime = path.join(dir, 'runtime');
    const sources = [path.join(dir, `${gen.fileBase}.c`), path.join(dir, 'harness_main.c'), ...(await fs.readdir(runtime)).filter((f) => f.endsWith('.c')).map((f) => path.join(runtime, f))];
    const bin = path.join(work, 'bench');
    await compile({ compiler: 'gcc', sources, includeDirs: [dir, runtime], output: bin, flags: ['-O2'] });
    const feed = (xs: readonly InputVector[]) => Buffer.concat(xs.map((x) => inputVectorBytes(g, x)));
    const run = async (xs: readonly InputVector[]) => {
      const t0 = performance.now();
      await execa(bin, [], { input: feed(xs), encoding: 'buffer', maxBuffer: 1 << 30 });
      return performance.now() - t0;
    };
    const one = Math.min(await run(inputs.slice(0, 1)), await run(inputs.slice(0, 1)));
    const all = await run(inputs);
    return (Math.max(0, all - one) / Math.max(1, inputs.length - 1)) * 1000;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
