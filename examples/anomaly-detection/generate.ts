/**
 * Machine-like spectra for the anomaly-detection example (docs/your-data.md): each sample
 * is 5 frames x 128 frequency bins (640 values in [0, 1], like normalised log-mel
 * frames). A normal machine hums at a fundamental f0 (bin 9 to 11) with decaying
 * harmonics over a noise floor; an anomalous one also rings at a resonance away from the
 * harmonics, or has its harmonics shifted by a worn part. Training data is normal only.
 *
 * Usage: npx tsx examples/anomaly-detection/generate.ts OUT_DIR [--train N] [--test N]
 * writes OUT_DIR/train.npy [N, 640] float32, test.npy [M, 640] and test-labels.npy [M]
 * uint8 (1 = anomaly, half of the test set).
 */
import { numberOption, seededRandom, writeNpy } from '../generate-support.js';

const FRAMES = 5;
const BINS = 128;
const outDir = process.argv[2] ?? 'anomaly-data';
const random = seededRandom(12345);

/** One spectrum: harmonics of f0 (shifted by `shift` bins), plus a resonance at `ring` when anomalous. */
function spectrum(anomalous: boolean): Float32Array {
  const f0 = 9 + 2 * random();
  const shift = anomalous && random() < 0.5 ? 0.5 + random() : 0;
  const ring = anomalous && shift === 0 ? 20 + 100 * random() : -1;
  const x = new Float32Array(FRAMES * BINS);
  for (let t = 0; t < FRAMES; t++) {
    for (let b = 0; b < BINS; b++) {
      let v = 0.1 + 0.05 * random();
      for (let h = 1; h * f0 < BINS; h++) v += (0.7 / h) * Math.exp(-(((b - h * f0 - shift) / 1.2) ** 2));
      if (ring >= 0) v += 0.15 * Math.exp(-(((b - ring) / 1.5) ** 2));
      x[t * BINS + b] = Math.min(1, v);
    }
  }
  return x;
}

function samples(n: number, anomalous: (k: number) => boolean): Float32Array {
  const x = new Float32Array(n * FRAMES * BINS);
  for (let k = 0; k < n; k++) x.set(spectrum(anomalous(k)), k * FRAMES * BINS);
  return x;
}

const train = numberOption('--train', 512);
const test = numberOption('--test', 200);
writeNpy(outDir, 'train.npy', samples(train, () => false), [train, FRAMES * BINS]);
const labels = Uint8Array.from({ length: test }, (_, k) => k % 2);
writeNpy(outDir, 'test.npy', samples(test, (k) => labels[k] === 1), [test, FRAMES * BINS]);
writeNpy(outDir, 'test-labels.npy', labels, [test]);
console.log(`wrote ${outDir}/train.npy (${train} normal spectra), test.npy and test-labels.npy (${test}, half anomalous)`);
