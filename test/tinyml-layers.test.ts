/**
 * The TinyML layers end to end: a tfjs layers model built in code with Conv1D, the 1-D pools,
 * Cropping1D/2D, SeparableConv2D, UpSampling2D and a sigmoid output (packages/qat/test/
 * tinyml-layer-models.ts, run in a child process) goes through PTQ and QAT; both QGraphs use
 * the new ops, survive the .tflite round trip, `edgeq generate` writes them, and their
 * generated C is bit-exact with the interpreter on the host (gcc, ASan+UBSan, one build) and
 * on Cortex-M4 under QEMU.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadQGraph, type QGraph } from '@edgeq/ir';
import { deviceParity, getCortexMTarget } from '@edgeq/harness';
import { exportTflite, importTflite } from '@edgeq/tflite';
import { batchHostParity } from './support/batch-parity.js';
import { inputsFor } from './support/parity-inputs.js';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '..');

describe('TinyML layers through ptq, qat and generate', () => {
  let work: string;
  let summary: { nodes: string[]; floatMaxDiff: number; qatSteps: number };
  const graphs: Record<'ptq' | 'qat', QGraph> = {} as Record<'ptq' | 'qat', QGraph>;

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-tinyml-layers-'));
    const script = path.join(repoRoot, 'packages/qat/test/tinyml-layer-models.ts');
    const { stdout } = await run('npx', ['tsx', script, work], { cwd: repoRoot, timeout: 300_000 });
    summary = JSON.parse(stdout.trim().split('\n').pop()!);
    graphs.ptq = await loadQGraph(path.join(work, 'ptq.qgraph.json'));
    graphs.qat = await loadQGraph(path.join(work, 'qat.qgraph.json'));
  }, 320_000);
  afterAll(() => fs.rm(work, { recursive: true, force: true }));

  it('the converted float model computes what tfjs computes', () => {
    expect(summary.nodes).toEqual(['input', 'conv', 'maxpool', 'crop', 'conv', 'avgpool', 'gap', 'conv', 'reshape', 'conv', 'conv', 'upsample', 'crop', 'reshape', 'conv', 'logistic']);
    expect(summary.floatMaxDiff).toBeLessThan(1e-5);
    expect(summary.qatSteps).toBe(12);
  });

  it.each(['ptq', 'qat'] as const)('the %s graph holds the new ops and round-trips through .tflite', (kind) => {
    const g = graphs[kind];
    expect(g.ops.map((op) => op.type)).toEqual([
      'CONV_2D', 'MAX_POOL_2D', 'STRIDED_SLICE', 'CONV_2D', 'AVERAGE_POOL_2D', 'MEAN', 'FULLY_CONNECTED', 'RESHAPE',
      'DEPTHWISE_CONV_2D', 'CONV_2D', 'RESIZE_NEAREST_NEIGHBOR', 'STRIDED_SLICE', 'RESHAPE', 'FULLY_CONNECTED', 'LOGISTIC',
    ]);
    expect(g.tensors[g.inputs[0]].shape).toEqual([1, 1, 20, 3]);
    const back = importTflite(exportTflite(g));
    expect(back.ops.map((op) => [op.type, op.options])).toEqual(g.ops.map((op) => [op.type, op.options]));
  });

  it('edgeq generate writes firmware sources that call the new kernels', async () => {
    const bin = path.join(repoRoot, 'packages/cli/bin/edgeq.js');
    const out = path.join(work, 'fw');
    await run(process.execPath, [bin, 'generate', path.join(work, 'qat.qgraph.json'), '--out', out], { cwd: work, env: { ...process.env, EDGEQ_PROGRESS: '0' }, timeout: 120_000 });
    const sources = (await fs.readdir(out, { recursive: true })).filter((f) => f.endsWith('.c')).map((f) => path.join(out, f));
    const text = (await Promise.all(sources.map((f) => fs.readFile(f, 'utf8')))).join('\n');
    for (const call of ['edgeq_strided_slice_s8(', 'edgeq_resize_nearest_s8(', 'edgeq_logistic_s8(']) expect(text, call).toContain(call);
  }, 150_000);

  it('generated C is bit-exact with the interpreter on the host (ASan+UBSan)', async () => {
    const results = await batchHostParity([
      { label: 'ptq', graph: graphs.ptq, inputs: inputsFor(graphs.ptq, 1, 40) },
      { label: 'qat', graph: graphs.qat, inputs: inputsFor(graphs.qat, 2, 40) },
    ]);
    for (const r of results) expect(r, r.label).toEqual({ label: r.label, exactVectors: 40, vectors: 40 });
  }, 240_000);

  it.each(['ptq', 'qat'] as const)('the %s graph is bit-exact on Cortex-M4 (QEMU)', async (kind) => {
    const r = await deviceParity(graphs[kind], inputsFor(graphs[kind], 3, 12), { target: getCortexMTarget('cortex-m4') });
    expect(r.stats.mismatchedElements).toBe(0);
    expect(r.stats.exactVectors).toBe(12);
  }, 240_000);
});
