/**
 * Accelerometer-like sequences for the time-series classification example
 * (docs/your-data.md): each sample is 128 time steps x 3 axes (x, y, z in g). Class 0
 * is rest (gravity on z plus sensor noise), class 1 walking (a slow sway of about 4
 * cycles per window on x and y), class 2 running (about 10 faster, stronger cycles).
 * Frequency, amplitude and phase vary from sample to sample.
 *
 * Usage: npx tsx examples/time-series/generate.ts OUT_DIR [--train N] [--test N]
 * writes OUT_DIR/train.npy [N, 128, 3] float32 + train-labels.npy [N] uint8, and
 * test.npy + test-labels.npy.
 */
import { numberOption, seededRandom, writeNpy } from '../generate-support.js';

const STEPS = 128;
const AXES = 3;
const outDir = process.argv[2] ?? 'time-series-data';
const random = seededRandom(4242);

function sequence(label: number, out: Float32Array, at: number): void {
  const cycles = label === 1 ? 3 + 2 * random() : 8 + 4 * random();
  const amp = label === 0 ? 0 : label === 1 ? 0.3 + 0.2 * random() : 0.8 + 0.4 * random();
  const phase = 2 * Math.PI * random();
  for (let t = 0; t < STEPS; t++) {
    const w = (2 * Math.PI * cycles * t) / STEPS + phase;
    const noise = () => 0.05 * (random() - 0.5);
    out[at + t * AXES] = amp * Math.sin(w) + noise();
    out[at + t * AXES + 1] = 0.5 * amp * Math.cos(w) + noise();
    out[at + t * AXES + 2] = 1 + 0.3 * amp * Math.sin(2 * w) + noise();
  }
}

function split(n: number): { x: Float32Array; y: Uint8Array } {
  const x = new Float32Array(n * STEPS * AXES);
  const y = Uint8Array.from({ length: n }, (_, k) => k % 3);
  y.forEach((label, k) => sequence(label, x, k * STEPS * AXES));
  return { x, y };
}

for (const [name, n] of [['train', numberOption('--train', 600)], ['test', numberOption('--test', 150)]] as const) {
  const { x, y } = split(n);
  writeNpy(outDir, `${name}.npy`, x, [n, STEPS, AXES]);
  writeNpy(outDir, `${name}-labels.npy`, y, [n]);
}
console.log(`wrote ${outDir}/train.npy, train-labels.npy, test.npy, test-labels.npy ([N, ${STEPS}, ${AXES}] float32, 3 classes)`);
