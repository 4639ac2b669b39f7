/**
 * Model cost measurements that need no device: MACs and parameter counts from the graph,
 * arena and constant bytes from code generation, interpreter speed, and the speed of the
 * generated C compiled for the host. Cortex-M flash/RAM/instructions come from
 * @edgeq/harness's targets.
 */

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { Interpreter, numElements, type QGraph, type TensorData } from '@edgeq/ir';
import { generateModel, writeFirmwareDir } from '@edgeq/codegen';
import { compile } from '@edgeq/harness';

/** Static costs of a graph. */
export interface GraphCosts {
  ops: number;
  macs: number;
  parameters: number;
  arenaBytes: number;
  constBytes: number;
}

/** Multiply-accumulates per inference, counted over conv, depthwise and dense ops. */
export function countMacs(g: QGraph): number {
  let macs = 0;
  for (const op of g.ops) {
    const out = g.tensors[op.outputs[0]].shape;
    if (op.type === 'CONV_2D') {
      const w = g.tensors[op.inputs[1]].shape; // [cout, kh, kw, cin]
      macs += out[1] * out[2] * w[0] * w[1] * w[2] * w[3];
    } else if (op.type === 'DEPTHWISE_CONV_2D') {
      const w = g.tensors[op.inputs[1]].shape; // [1, kh, kw, c]
      macs += out[1] * out[2] * w[3] * w[1] * w[2];
    } else if (op.type === 'FULLY_CONNECTED') {
      const w = g.tensors[op.inputs[1]].shape; // [out, in]
      macs += w[0] * w[1];
    }
  }
  return macs;
}

/** Number of weight and bias elements. */
export function countParameters(g: QGraph): number {
  return g.tensors.filter((t) => t.buffer).reduce((s, t) => s + numElements(t.shape), 0);
}

/** MACs, parameters, arena and constant bytes (generates the C in memory). */
export async function graphCosts(g: QGraph): Promise<GraphCosts> {
  const gen = await generateModel(g);
  return { ops: g.ops.length, macs: countMacs(g), parameters: countParameters(g), arenaBytes: gen.plan.arenaBytes, constBytes: gen.constBytes };
}

/** Mean interpreter time per inference in milliseconds. */
export function timeInterpreter(g: QGraph, inputs: TensorData[]): number {
  const interp = new Interpreter(g);
  interp.run([inputs[0]]);
  const t0 = performance.now();
  for (const x of inputs) interp.run([x]);
  return (performance.now() - t0) / inputs.length;
}

/**
 * Mean time per inference of the generated C on the host (gcc -O2), in microseconds:
 * the harness binary is run on 1 and on N vectors and the difference divided by N − 1,
 * which removes process start-up.
 */
export async function timeHostC(g: QGraph, inputs: TensorData[]): Promise<number> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-bench-'));
  try {
    const dir = path.join(work, 'fw');
    const gen = await writeFirmwareDir(g, dir);
    const runtime = path.join(dir, 'runtime');
    const sources = [path.join(dir, `${gen.fileBase}.c`), path.join(dir, 'harness_main.c'), ...(await fs.readdir(runtime)).filter((f) => f.endsWith('.c')).map((f) => path.join(runtime, f))];
    const bin = path.join(work, 'bench');
    await compile({ compiler: 'gcc', sources, includeDirs: [dir, runtime], output: bin, flags: ['-O2'] });
    const feed = (xs: TensorData[]) => Buffer.concat(xs.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)));
    const run = async (xs: TensorData[]) => {
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
