/**
 * Batch simulation benchmark (issue 16): wall time of simulating N inputs with @edgeq/ir's
 * simulateBatch on the calling thread (`--sim-workers 1`), on one worker per core
 * (availableParallelism, explicit) and with the default (the run starts on the calling
 * thread and moves to workers only when the rest would take over a second), measured in
 * the same run: rounds alternate the three, and medians over rounds give the times and the
 * speed-up over one thread, with the CPU time of every thread of the process (what the
 * workers cost beyond one thread's work). Worker start-up is inside the timed call, as a user meets it.
 * Every configuration's outputs are compared byte for byte with the one-thread run's.
 *
 * Models: dscnn and the vww architecture equivalent (random weights, seed 1, fixed scales,
 * tflm rounding), seeded random int8 inputs.
 *
 *   npx tsx bench/simulate.ts [--samples 2000] [--rounds 5] [--models dscnn,vww-equivalent] [--from sources|dist] [--out FILE]
 *
 * `--from dist` imports the built package (packages/ir/dist: `npx tsc -b packages/ir/tsconfig.build.json`
 * first), whose workers start without tsx, as an installed package's do; the default runs the
 * TypeScript sources, whose workers load through tsx. The machine's load average before and
 * after is recorded. Results go to bench/results/simulate.json. Never run as a unit test.
 */
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildReferenceModel, graphInputs, mulberry32, writeFileAtomic, type QGraph } from '@edgeq/ir';
import { buildMlperfTinyEquivalent } from './lib/mlperf-tiny-equivalents.js';
import { BENCH_ROOT, RESULTS_DIR, median, provenance } from './lib/record.js';

type IrApi = typeof import('@edgeq/ir');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const SAMPLES = Number(arg('samples', '2000'));
const ROUNDS = Number(arg('rounds', '5'));
const MODELS = arg('models', 'dscnn,vww-equivalent').split(',');
const FROM = arg('from', 'sources');
const OUT = arg('out', path.join(RESULTS_DIR, 'simulate.json'));
const SCHEME = { scales: 'fixed', rounding: 'tflm' } as const;
const CORES = availableParallelism();

/** The package under test: the sources (through tsx), or the built dist. */
async function irPackage(): Promise<IrApi> {
  if (FROM === 'sources') return import('@edgeq/ir');
  if (FROM === 'dist') return import(pathToFileURL(path.join(BENCH_ROOT, '..', 'packages/ir/dist/index.js')).href) as Promise<IrApi>;
  throw new Error(`--from ${FROM}: expected sources or dist`);
}

function model(name: string): QGraph {
  if (name === 'dscnn' || name === 'mbv2mini') return buildReferenceModel(name, SCHEME);
  if (name === 'vww-equivalent' || name === 'kws-equivalent' || name === 'resnet-equivalent' || name === 'ad01-equivalent') return buildMlperfTinyEquivalent(name, SCHEME);
  throw new Error(`--models: unknown model ${name}`);
}

function inputsFor(g: QGraph): Int8Array[] {
  const [input] = graphInputs(g);
  const rand = mulberry32(7);
  return Array.from({ length: SAMPLES }, () => new Int8Array(input.elements).map(() => Math.floor(rand() * 256) - 128));
}

interface Config {
  label: string;
  workers: number | undefined;
}
const CONFIGS: Config[] = [
  { label: '1 thread', workers: 1 },
  { label: `${CORES} workers`, workers: CORES },
  { label: 'default', workers: undefined },
];

const ir = await irPackage();
const loadBefore = loadavg().map((v) => +v.toFixed(2));
const rows = [];
for (const name of MODELS) {
  const g = model(name);
  const inputs = inputsFor(g);
  const times: number[][] = CONFIGS.map(() => []);
  const cpuTimes: number[][] = CONFIGS.map(() => []);
  const ran: number[][] = CONFIGS.map(() => []);
  let reference: Buffer | undefined;
  let identical = true;
  let kernels = '';
  for (let round = 0; round < ROUNDS; round++) {
    for (const [c, config] of CONFIGS.entries()) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const r = await ir.simulateBatch(g, inputs, { workers: config.workers });
      times[c].push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      cpuTimes[c].push((cpu.user + cpu.system) / 1000);
      ran[c].push(r.workers);
      kernels = r.kernels;
      const bytes = Buffer.from(r.values[0].buffer, r.values[0].byteOffset, r.values[0].byteLength);
      reference ??= bytes;
      identical &&= bytes.equals(reference);
    }
    process.stderr.write(`${name}: round ${round + 1}/${ROUNDS}: ${CONFIGS.map((c, k) => `${c.label} ${times[k][round].toFixed(0)} ms`).join(', ')}\n`);
  }
  const medians = times.map((t) => median(t));
  const row = {
    model: name,
    samples: SAMPLES,
    kernels,
    configurations: CONFIGS.map((c, k) => ({
      label: c.label,
      workersRequested: c.workers ?? null,
      workersStartedPerRound: ran[k],
      medianMs: +medians[k].toFixed(1),
      medianCpuMs: +median(cpuTimes[k]).toFixed(1),
      samplesPerS: +((SAMPLES / medians[k]) * 1000).toFixed(1),
      speedupOverOneThread: +(medians[0] / medians[k]).toFixed(3),
      roundsMs: times[k].map((t) => +t.toFixed(1)),
    })),
    outputsIdentical: identical,
  };
  rows.push(row);
  console.log(`${name}: ${row.configurations.map((c) => `${c.label}: ${c.medianMs} ms (×${c.speedupOverOneThread}, CPU ${c.medianCpuMs} ms)`).join('; ')}; outputs identical: ${identical}`);
}

const result = {
  ...provenance(),
  from: FROM === 'dist' ? 'packages/ir/dist (built package: workers start without tsx)' : 'TypeScript sources (workers load through tsx)',
  cores: CORES,
  loadavgBefore: loadBefore,
  loadavgAfter: loadavg().map((v) => +v.toFixed(2)),
  method: `median of ${ROUNDS} rounds, the three configurations alternating within each round; each timed call is one simulateBatch over all samples, worker start-up included; medianCpuMs is the process's user + system CPU time (every thread) of the call`,
  rows,
};
await writeFileAtomic(OUT, JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
