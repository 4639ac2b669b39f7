/**
 * What a second thread adds on this machine, for floating-point work and for integer work:
 * the ceiling of data-parallel training (bench/qat.ts, `--workers 2`) and of PyTorch's two
 * threads. Each probe is a fixed loop run in worker threads, first one thread alone, then
 * two at once; the figure is the pair's throughput over one thread's (2.0: two full cores,
 * 1.0: the second thread adds nothing), median over `--reps` alternating repetitions.
 *
 *   npx tsx bench/parallel-fp.ts [--reps 5] [--iterations 200000000]
 *
 * - `fp`: eight independent multiply-add chains on float64 (V8 emits scalar SSE/AVX
 *   multiplies and adds): throughput-bound on the core's floating-point pipes.
 * - `integer`: one dependent chain of integer adds and xors: latency-bound, it leaves the
 *   core's execution units mostly idle, so two threads on one physical core's two hardware
 *   threads both run at full speed.
 * Two vCPUs that are the two hardware threads of one host core show as `integer` ≈ 2 and
 * `fp` well below 2. Written to bench/results/parallel-fp.json.
 */
import { Worker } from 'node:worker_threads';
import { median, writeResults } from './lib/record.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const reps = Number(arg('reps', '5'));
const iterations = Number(arg('iterations', '200000000'));
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps: ${arg('reps', '')} is not a positive integer`);
if (!Number.isInteger(iterations) || iterations < 1e6) throw new Error(`--iterations: ${arg('iterations', '')} must be an integer ≥ 1000000`);

type Probe = 'fp' | 'integer';

/** The loop each worker runs; posts its own seconds and a checksum (so the loop is not optimised away). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { probe, iterations } = workerData;
const t0 = process.hrtime.bigint();
let check = 0;
if (probe === 'fp') {
  let a = 1, b = 1.1, c = 1.2, d = 1.3, e = 1.4, f = 1.5, g = 1.6, h = 1.7;
  const m = 0.9999999, k = 1e-7;
  for (let i = 0; i < iterations; i++) {
    a = a * m + k; b = b * m + k; c = c * m + k; d = d * m + k;
    e = e * m + k; f = f * m + k; g = g * m + k; h = h * m + k;
  }
  check = a + b + c + d + e + f + g + h;
} else {
  let x = 0;
  for (let i = 0; i < iterations; i++) x = ((x + i) ^ (i >>> 3)) | 0;
  check = x;
}
parentPort.postMessage({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, check });
`;

function runOne(probe: Probe): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { probe, iterations } });
    w.once('message', (m: { seconds: number; check: number }) => {
      if (!Number.isFinite(m.check)) reject(new Error(`${probe} probe: checksum ${m.check}`));
      else resolve(m.seconds);
    });
    w.once('error', reject);
  });
}

/** Wall seconds of `threads` copies started together (until the last one ends). */
async function wall(probe: Probe, threads: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: threads }, () => runOne(probe)));
  return (performance.now() - t0) / 1000;
}

const results: Record<string, unknown> = {};
for (const probe of ['fp', 'integer'] as const) {
  await wall(probe, 1); // warm-up: worker start-up and the loop's optimisation
  const solo: number[] = [];
  const pair: number[] = [];
  for (let r = 0; r < reps; r++) {
    solo.push(await wall(probe, 1));
    pair.push(await wall(probe, 2));
  }
  const speedup = median(solo.map((s, k) => (2 * s) / pair[k]));
  results[probe] = {
    oneThreadSeconds: +median(solo).toFixed(3),
    twoThreadsSeconds: +median(pair).toFixed(3),
    twoThreadSpeedup: +speedup.toFixed(2),
    oneThreadRuns: solo.map((v) => +v.toFixed(3)),
    twoThreadRuns: pair.map((v) => +v.toFixed(3)),
  };
  console.log(`${probe.padEnd(7)}: one thread ${median(solo).toFixed(2)} s, two at once ${median(pair).toFixed(2)} s: two threads do ${speedup.toFixed(2)}x the work of one (median of ${reps})`);
}
const file = await writeResults('parallel-fp', { iterations, reps, probes: results });
console.log(`wrote ${file}`);
