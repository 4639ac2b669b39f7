/**
 * Interpreter benchmark (issue 16): single-inference throughput of edgeq's integer
 * interpreter (WebAssembly kernels; with --typescript also the TypeScript kernels) against
 * LiteRT.js (@litertjs/core, one thread, XNNPACK) on the same int8 models, measured in
 * the same run: rounds alternate the engines, each round runs every engine for about
 * --round-ms milliseconds, and the medians over rounds give inferences/s and the ratio.
 * Every model runs in fp32 requantisation (LiteRT's arithmetic): the outputs are compared
 * on the timing inputs and the number of differing elements recorded.
 *
 * Models: dscnn, mbv2mini, the MLPerf Tiny architecture equivalents
 * (bench/lib/mlperf-tiny-equivalents.ts), and the reference .tflite files
 * (kws_ref_model, pretrainedResnet_quant, vww_96_int8, ad01_int8) when
 * EDGEQ_MLPERF_TINY_DIR names their directory.
 *
 *   npx tsx bench/interpreter.ts [--models dscnn,...] [--rounds 7] [--round-ms 300] [--typescript] [--out FILE]
 *
 * Results go to bench/results/interpreter.json (with LiteRT's version and the command).
 * Never run as a unit test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Interpreter, QUANT_SCHEMES, buildReferenceModel, graphInputs, mulberry32, writeFileAtomic, type QGraph, type TensorData } from '@edgeq/ir';
import { LiteRtModel, exportTflite, importTflite } from '@edgeq/tflite';
import { MLPERF_TINY_EQUIVALENTS, buildMlperfTinyEquivalent, type MlperfTinyEquivalent } from './lib/mlperf-tiny-equivalents.js';
import { RESULTS_DIR, provenance } from './lib/record.js';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const ROUNDS = Number(arg('rounds', '7'));
const ROUND_MS = Number(arg('round-ms', '300'));
const WITH_TYPESCRIPT = process.argv.includes('--typescript');
const OUT = arg('out', path.join(RESULTS_DIR, 'interpreter.json'))!;
const FP32 = QUANT_SCHEMES.find((s) => s.scales === 'fixed' && s.rounding === 'fp32')!;
const MLPERF_FILES = ['kws_ref_model', 'pretrainedResnet_quant', 'vww_96_int8', 'ad01_int8'];

interface Model {
  name: string;
  source: string;
  graph: QGraph;
  tflite: Uint8Array;
}

function models(): Model[] {
  const list: Model[] = [];
  const fromGraph = (name: string, source: string, graph: QGraph) => list.push({ name, source, graph, tflite: exportTflite(graph) });
  for (const name of ['dscnn', 'mbv2mini'] as const) fromGraph(name, 'reference model, random weights (seed 1)', buildReferenceModel(name, FP32));
  for (const name of MLPERF_TINY_EQUIVALENTS) fromGraph(name, 'architecture equivalent, random weights (seed 1)', buildMlperfTinyEquivalent(name as MlperfTinyEquivalent, FP32));
  const dir = process.env.EDGEQ_MLPERF_TINY_DIR;
  if (dir) {
    for (const name of MLPERF_FILES) {
      const file = path.join(dir, `${name}.tflite`);
      if (!existsSync(file)) throw new Error(`EDGEQ_MLPERF_TINY_DIR=${dir}: ${name}.tflite not found`);
      const bytes = new Uint8Array(readFileSync(file));
      list.push({ name, source: file, graph: importTflite(bytes, file, { quantization: FP32 }), tflite: bytes });
    }
  }
  const only = arg('models')?.split(',');
  return only ? list.filter((m) => only.includes(m.name)) : list;
}

/** Seeded random inputs, one tensor per graph input. */
function inputsFor(g: QGraph, count: number): TensorData[][] {
  const rand = mulberry32(7);
  return Array.from({ length: count }, () =>
    graphInputs(g).map((t) => (t.dtype === 'float32' ? new Float32Array(t.elements).map(() => rand() * 2 - 1) : new Int8Array(t.elements).map(() => Math.floor(rand() * 256) - 128))),
  );
}

type Engine = { name: string; run: (inputs: TensorData[]) => TensorData[] | Promise<TensorData[]> };

/**
 * Inferences per wall-clock second and per CPU second (user + system time of this
 * process: steadier when other work shares the machine) of `engine` over about ROUND_MS,
 * cycling through `inputs`.
 */
async function round(engine: Engine, inputs: TensorData[][]): Promise<{ wall: number; cpu: number }> {
  let n = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let now = start;
  while (now - start < ROUND_MS) {
    for (let k = 0; k < 8; k++) await engine.run(inputs[n++ % inputs.length]);
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (n * 1000) / (now - start), cpu: (n * 1e6) / (cpu.user + cpu.system) };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  const litertVersion = (JSON.parse(readFileSync(path.join(path.dirname(require.resolve('@litertjs/core')), '..', 'package.json'), 'utf8')) as { version: string }).version;
  const rows: Record<string, unknown>[] = [];
  for (const m of models()) {
    const lite = await LiteRtModel.load(m.tflite, m.name);
    const wasm = new Interpreter(m.graph, { kernels: 'wasm' });
    const engines: Engine[] = [
      { name: 'edgeq', run: (x) => wasm.run(x).outputs },
      { name: 'litert', run: (x) => lite.run(x as Int8Array[]) },
    ];
    if (WITH_TYPESCRIPT) {
      const ts = new Interpreter(m.graph, { kernels: 'typescript' });
      engines.push({ name: 'edgeq-typescript', run: (x) => ts.run(x).outputs });
    }
    const inputs = inputsFor(m.graph, 16);
    let differing = 0;
    let elements = 0;
    for (const x of inputs) {
      const [a, b] = [wasm.run(x).outputs, await lite.run(x as Int8Array[])];
      a.forEach((t, k) => {
        elements += t.length;
        for (let i = 0; i < t.length; i++) if (t[i] !== b[k][i]) differing++;
      });
    }
    for (const e of engines) await round(e, inputs); // warm-up
    const samples: Record<string, { wall: number; cpu: number }[]> = Object.fromEntries(engines.map((e) => [e.name, []]));
    for (let r = 0; r < ROUNDS; r++) for (const e of engines) samples[e.name].push(await round(e, inputs));
    const med = (engine: string, key: 'wall' | 'cpu') => +median(samples[engine].map((s) => s[key])).toFixed(1);
    const row = {
      model: m.name, source: m.source, kernels: wasm.kernels,
      edgeq_inferences_per_s: med('edgeq', 'wall'), litert_inferences_per_s: med('litert', 'wall'),
      ratio: +(med('edgeq', 'wall') / med('litert', 'wall')).toFixed(3),
      edgeq_inferences_per_cpu_s: med('edgeq', 'cpu'), litert_inferences_per_cpu_s: med('litert', 'cpu'),
      ratio_cpu: +(med('edgeq', 'cpu') / med('litert', 'cpu')).toFixed(3),
      ...(WITH_TYPESCRIPT ? { edgeq_typescript_inferences_per_s: med('edgeq-typescript', 'wall') } : {}),
      outputs_compared: elements, outputs_differing: differing,
    };
    rows.push(row);
    console.log(`${m.name.padEnd(24)} edgeq ${String(row.edgeq_inferences_per_s).padStart(9)}/s  litert ${String(row.litert_inferences_per_s).padStart(9)}/s  ratio ${row.ratio.toFixed(2)} (per CPU second ${row.ratio_cpu.toFixed(2)})${WITH_TYPESCRIPT ? `  typescript ${row.edgeq_typescript_inferences_per_s}/s` : ''}  differing ${differing}/${elements}`);
    lite.delete();
  }
  const result = {
    ...provenance(),
    litert: { package: '@litertjs/core', version: litertVersion, threads: 1, accelerator: 'wasm (XNNPACK)' },
    method: `median of ${ROUNDS} rounds of ~${ROUND_MS} ms per engine, engines alternating within each round; one inference per call, fp32 requantisation; one thread`,
    target: 'edgeq_inferences_per_s / litert_inferences_per_s >= 1.0 on every model (issue 16)',
    rows,
  };
  await writeFileAtomic(OUT, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${OUT}`);
}

await main();
