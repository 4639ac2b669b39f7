/**
 * Arena and interpreter benchmark (issue 2): for each reference model, the planned
 * arena against the sum of all activation bytes (what a plan without reuse would need),
 * and the TypeScript interpreter's speed in images/s (median of timed segments, wall
 * clock and CPU time, both reported since this machine is shared and noisy).
 *
 * Usage: npx tsx bench/arena.ts [--segments 7] [--segment-ms 1000]
 */
import { buildReferenceModel, Interpreter, mulberry32, REFERENCE_MODELS } from '@edgeq/ir';
import { planMemory } from '@edgeq/codegen';
import { median, writeResults } from './lib/record.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const segments = arg('segments', 7);
const segmentMs = arg('segment-ms', 1000);

const rows = [];
for (const name of REFERENCE_MODELS) {
  const g = buildReferenceModel(name);
  const plan = planMemory(g);
  const interp = new Interpreter(g);
  const rand = mulberry32(7);
  const inputs = Array.from({ length: 64 }, () => new Int8Array(784).map(() => Math.floor(rand() * 256) - 128));
  for (let i = 0; i < 200; i++) interp.run([inputs[i % inputs.length]]); // warm up the JIT
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let s = 0; s < segments; s++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let n = 0;
    while (performance.now() - t0 < segmentMs) interp.run([inputs[n++ % inputs.length]]);
    const c = process.cpuUsage(c0);
    wall.push(n / ((performance.now() - t0) / 1000));
    cpu.push(n / ((c.user + c.system) / 1e6));
  }
  const row = {
    model: name,
    arena_bytes: plan.arenaBytes,
    activation_bytes_total: plan.totalActivationBytes,
    arena_ratio: +(plan.arenaBytes / plan.totalActivationBytes).toFixed(3),
    interpreter_images_per_s_wall_median: Math.round(median(wall)),
    interpreter_images_per_s_cpu_median: Math.round(median(cpu)),
    segments,
  };
  rows.push(row);
  console.log(`${name}: arena ${row.arena_bytes} B vs ${row.activation_bytes_total} B of activations (${(100 * row.arena_ratio).toFixed(1)}%); interpreter ${row.interpreter_images_per_s_wall_median} images/s wall, ${row.interpreter_images_per_s_cpu_median} images/s CPU (median of ${segments})`);
}
const file = await writeResults('arena', { target_interpreter_images_per_s: 1000, results: rows });
console.log(`wrote ${file}`);
