/**
 * What a second thread adds on this machine: the ceiling of data-parallel training
 * (bench/qat.ts, `--workers 2`) and of PyTorch's two threads. Each probe is a fixed loop run
 * in worker threads, first one thread alone, then two at once; the figure is the pair's
 * throughput over one thread's (2.0: two full cores, 1.0: the second thread adds nothing),
 * median over `--reps` alternating repetitions.
 *
 *   npx tsx bench/parallel-fp.ts [--reps 5] [--seconds 2]
 *
 * - `simd`: edgeq's convolution filter-gradient kernel (packages/qat/wasm, built by
 *   scripts/bootstrap.sh) on a 1x1 64->64 layer of 256 pixels, small enough to stay in L1/L2:
 *   WebAssembly SIMD multiplies and adds back to back, throughput-bound on the core's vector
 *   units, as training's kernels are.
 * - `stream`: edgeq's ReLU6 clamp kernel over 16 MB in and 16 MB out: memory-bound, as the
 *   batch-norm passes over large activations are.
 * - `scalar`: eight independent float64 multiply-add chains in JS: latency-bound, it leaves
 *   most of the core's execution units idle.
 * Two vCPUs that are the two hardware threads of one host core (or whose siblings other
 * guests keep busy) show as `scalar` ≈ 2 and `simd` well below 2; a shared memory bus as
 * `stream` below 2. Written to bench/results/parallel-fp.json.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { argValue, positiveIntArg } from './lib/args.js';
import { BENCH_ROOT, median, writeResults } from './lib/record.js';

const reps = positiveIntArg('reps', '5');
const seconds = Number(argValue('seconds', '2'));
if (!(seconds >= 0.2 && seconds <= 60)) throw new Error(`--seconds: ${argValue('seconds')} must be between 0.2 and 60`);
const KERNELS = path.join(BENCH_ROOT, '..', 'packages/qat/wasm/build/edgeq_train_kernels.wasm');
if (!existsSync(KERNELS)) throw new Error(`${KERNELS} is missing: run bash scripts/bootstrap.sh (or bash packages/qat/wasm/build.sh)`);

type Probe = 'simd' | 'stream' | 'scalar';

/** The loop each worker runs `iterations` times; posts its own seconds and a checksum (so the loop is not optimised away). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { probe, iterations, kernels } = workerData;
/** edgeq's training kernels on a memory of their own of \`pages\` 64 KiB pages. */
const instantiate = (pages) => {
  const memory = new WebAssembly.Memory({ initial: pages });
  const k = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(kernels)), { env: { memory } }).exports;
  return { k, f: new Float32Array(memory.buffer) };
};
let run;
if (probe === 'simd') {
  const { k, f } = instantiate(16);
  const pixels = 256, cin = 64, cout = 64;
  const x = 0, dy = pixels * cin * 4, dw = dy + pixels * cout * 4;
  for (let i = 0; i < (dw >> 2); i++) f[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  run = (n) => {
    f.fill(0, dw >> 2, (dw >> 2) + cin * cout);
    for (let i = 0; i < n; i++) k.conv_filter_grad(x, dy, dw, 1, 1, pixels, cin, 1, pixels, cout, 1, 1, 1, 1, 0, 0);
    return f[(dw >> 2) + 1];
  };
} else if (probe === 'stream') {
  const floats = 4 << 20;
  const { k, f } = instantiate((2 * floats * 4) / 65536 + 1);
  for (let i = 0; i < floats; i++) f[i] = (i % 13) - 6;
  run = (n) => {
    for (let i = 0; i < n; i++) k.clamp_forward(0, floats * 4, floats, 0, 6);
    return f[floats + 5];
  };
} else {
  run = (n) => {
    let a = 1, b = 1.1, c = 1.2, d = 1.3, e = 1.4, g = 1.5, h = 1.6, j = 1.7;
    const m = 0.9999999, q = 1e-7;
    for (let i = 0; i < n * 100000; i++) {
      a = a * m + q; b = b * m + q; c = c * m + q; d = d * m + q;
      e = e * m + q; g = g * m + q; h = h * m + q; j = j * m + q;
    }
    return a + b + c + d + e + g + h + j;
  };
}
if (iterations === 0) {
  // Calibration: seconds per call once V8 has tiered the loop up.
  run(400);
  const t1 = process.hrtime.bigint();
  run(100);
  parentPort.postMessage({ seconds: Number(process.hrtime.bigint() - t1) / 1e9 / 100, check: 0 });
} else {
  const t0 = process.hrtime.bigint();
  const check = run(iterations);
  parentPort.postMessage({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, check });
}
`;

function runOne(probe: Probe, iterations: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { probe, iterations, kernels: KERNELS } });
    w.once('message', (m: { seconds: number; check: number }) => {
      if (!Number.isFinite(m.check)) reject(new Error(`${probe} probe: checksum ${m.check}`));
      else resolve(m.seconds);
    });
    w.once('error', reject);
  });
}

/** Wall seconds of `threads` copies started together (until the last one ends). */
async function wall(probe: Probe, threads: number, iterations: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: threads }, () => runOne(probe, iterations)));
  return (performance.now() - t0) / 1000;
}

const results: Record<string, unknown> = {};
const calls: Record<string, number> = {};
for (const probe of ['simd', 'stream', 'scalar'] as const) {
  // Calls of the probe's loop for about `seconds` s on one thread, from a short timed run.
  const iterations = Math.max(1, Math.round(seconds / (await runOne(probe, 0))));
  calls[probe] = iterations;
  const solo: number[] = [];
  const pair: number[] = [];
  for (let r = 0; r < reps; r++) {
    solo.push(await wall(probe, 1, iterations));
    pair.push(await wall(probe, 2, iterations));
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
const file = await writeResults('parallel-fp', { seconds, reps, calls, probes: results });
console.log(`wrote ${file}`);
