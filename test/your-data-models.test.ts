// Four models of the MLPerf Tiny kind, each from .npy data through `edgeq ptq` and `edgeq qat`
// as a user runs them: float and int8 figures on a held-out .npy, then the int8 QGraph's
// firmware bit-exact against the interpreter on the host (gcc, ASan+UBSan) and on a Cortex-M4
// under QEMU. The data are small seeded sets the model can learn in a few epochs:
//  - KWS-style: MFCC-like float features [N, 49, 10] in [-60, 40] (input range given for QAT);
//  - 1-D: sequences [N, 128, 3] through a [128, 1, 3] conv model (today's layers);
//  - a Dense autoencoder on flat [N, 640] inputs, --targets input, ROC-AUC on anomalies;
//  - binary: uint8 images [N, 8, 8] with one linear logit (--task binary).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '@edgeq/cli';
import { edgeq, scratch } from '../packages/cli/test/helpers.js';

let state = 7;
const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);

interface Case {
  name: string;
  spec: object;
  /** Samples [N, ...shape] and labels for N samples (train and test draw from the same law, except that an autoencoder trains on normal samples only). */
  make: (n: number, test: boolean) => { x: Float32Array | Uint8Array; shape: number[]; y: Uint8Array };
  /** Extra options of both runs (task, targets), of the PTQ run and of the QAT run only. */
  options: string[];
  ptqOptions?: string[];
  qatOptions?: string[];
  /** The input quantisation (scale, zero point) each run must give the graph, when fixed by the options. */
  inputQuant?: { ptq: [number, number]; qat: [number, number] };
  /** Which figure to compare, and how far int8 may be from float. */
  figure: 'top1' | 'auc';
  tolerance: number;
}

const CASES: Case[] = [
  {
    name: 'kws',
    spec: { name: 'kws', input: [49, 10, 1], layers: [{ type: 'conv', filters: 8, kernel: 3, stride: 2, act: 'relu' }, { type: 'dw', kernel: 3, act: 'relu' }, { type: 'conv', filters: 8, kernel: 1, act: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 4 }, { type: 'softmax' }] },
    make: (n) => {
      // Class c raises coefficients 2c and 2c + 1 in frames 10..39 from about -50 to about 30.
      const x = new Float32Array(n * 490);
      const y = Uint8Array.from({ length: n }, (_, k) => k % 4);
      for (let k = 0; k < n; k++) for (let t = 0; t < 49; t++) for (let f = 0; f < 10; f++) {
        const on = t >= 10 && t < 40 && (f === 2 * y[k] || f === 2 * y[k] + 1);
        x[k * 490 + t * 10 + f] = (on ? 30 : -50) + 10 * (random() - 0.5);
      }
      return { x, shape: [n, 49, 10], y };
    },
    options: [],
    ptqOptions: ['--input-scale', '0.5', '--input-zero-point', '-8'],
    qatOptions: ['--input-range', '-60,40'],
    // PTQ: as given. QAT: scale (40 + 60)/255 = 0.39216 (as float32), zero point round(-128 + 60/0.39216) = round(25) = 25.
    inputQuant: { ptq: [0.5, -8], qat: [Math.fround(100 / 255), 25] },
    figure: 'top1',
    tolerance: 0.05,
  },
  {
    name: 'seq1d',
    spec: { name: 'seq1d', input: [128, 1, 3], layers: [{ type: 'conv', filters: 8, kernel: 3, stride: 2, act: 'relu' }, { type: 'conv', filters: 8, kernel: 3, stride: 2, act: 'relu' }, { type: 'gap' }, { type: 'dense', units: 3 }, { type: 'softmax' }] },
    make: (n) => {
      // Class c: a sine of 2 + 6c cycles per window on every axis, random phase, small noise.
      const x = new Float32Array(n * 384);
      const y = Uint8Array.from({ length: n }, (_, k) => k % 3);
      for (let k = 0; k < n; k++) {
        const phase = 6.28 * random();
        for (let t = 0; t < 128; t++) for (let a = 0; a < 3; a++) x[k * 384 + t * 3 + a] = Math.sin((6.28 * (2 + 6 * y[k]) * t) / 128 + phase + a) + 0.1 * (random() - 0.5);
      }
      return { x, shape: [n, 128, 3], y };
    },
    options: [],
    figure: 'top1',
    tolerance: 0.05,
  },
  {
    name: 'autoencoder',
    spec: { name: 'ae640', input: [1, 1, 640], layers: [{ type: 'flatten' }, { type: 'dense', units: 32, act: 'relu' }, { type: 'dense', units: 8, act: 'relu' }, { type: 'dense', units: 32, act: 'relu' }, { type: 'dense', units: 640 }] },
    make: (n, test) => {
      // Normal: a smooth profile 0.5 + 0.3·sin(i/20) with noise; label 1 (odd test samples) adds a
      // bump of 0.6 around a random position.
      const x = new Float32Array(n * 640);
      const y = Uint8Array.from({ length: n }, (_, k) => (test ? k % 2 : 0));
      for (let k = 0; k < n; k++) {
        const at = 40 + 560 * random();
        for (let i = 0; i < 640; i++) x[k * 640 + i] = 0.5 + 0.3 * Math.sin(i / 20) + 0.05 * (random() - 0.5) + (y[k] ? 0.6 * Math.exp(-(((i - at) / 8) ** 2)) : 0);
      }
      return { x, shape: [n, 640], y };
    },
    options: ['--targets', 'input'],
    figure: 'auc',
    tolerance: 0.01,
  },
  {
    name: 'binary',
    spec: { name: 'binary', input: [8, 8, 1], layers: [{ type: 'conv', filters: 4, kernel: 3, stride: 2, act: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 1 }] },
    make: (n) => {
      // uint8 images: label 1 lights the top-left 4x4 quarter, label 0 the bottom-right one.
      const x = new Uint8Array(n * 64);
      const y = Uint8Array.from({ length: n }, (_, k) => k % 2);
      for (let k = 0; k < n; k++) for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) {
        const lit = y[k] ? r < 4 && c < 4 : r >= 4 && c >= 4;
        x[k * 64 + r * 8 + c] = Math.round((lit ? 180 : 20) + 60 * random());
      }
      return { x, shape: [n, 8, 8], y };
    },
    options: ['--task', 'binary'],
    figure: 'auc',
    tolerance: 0.02,
  },
];

interface Metrics { float?: Record<string, number>; int8?: Record<string, number>; evaluatedOn?: string }

describe('your data through ptq and qat to bit-exact firmware', () => {
  for (const c of CASES) {
    it(`${c.name}: float and int8 figures on held-out .npy, parity on host (ASan+UBSan) and Cortex-M4`, async () => {
      const cwd = scratch(`your-data-${c.name}`);
      writeFileSync(path.join(cwd, 'model.json'), JSON.stringify(c.spec));
      for (const [split, n] of [['train', 256], ['test', 64]] as const) {
        const d = c.make(n, split === 'test');
        writeFileSync(path.join(cwd, `${split}.npy`), encodeNpy(d.x, d.shape));
        writeFileSync(path.join(cwd, `${split}-labels.npy`), encodeNpy(d.y, [n]));
      }
      const labels = c.options.includes('--targets') ? [] : ['--labels', 'train-labels.npy'];
      const common = ['model.json', '--data', 'train.npy', ...labels, '--test-data', 'test.npy', '--test-labels', 'test-labels.npy', '--epochs', '4', '--batch', '16', '--lr', '0.005', ...c.options];
      for (const stage of ['ptq', 'qat'] as const) {
        const extra = stage === 'ptq' ? ['--fine-tune-epochs', '0', '--calibration', '128', ...(c.ptqOptions ?? [])] : ['--qat-epochs', '1', '--qat-lr', '0.001', ...(c.qatOptions ?? [])];
        const r = await edgeq(['--json', stage, ...common, ...extra, '--out', `${stage}.qgraph.json`], cwd);
        expect(r.stderr, `${stage} stderr`).toBe('');
        expect(r.exitCode).toBe(0);
        const m = JSON.parse(r.stdout).metrics as Metrics;
        expect(m.evaluatedOn).toBe('test.npy (64 samples)');
        const float = m.float![c.figure];
        const int8 = m.int8![c.figure];
        // The data are learnable: float well above chance, int8 close to float.
        expect(float, `${stage} float ${c.figure}`).toBeGreaterThan(0.85);
        expect(Math.abs(int8 - float), `${stage} int8 ${int8} vs float ${float}`).toBeLessThanOrEqual(c.tolerance);
        if (c.inputQuant) {
          const g = JSON.parse(readFileSync(path.join(cwd, `${stage}.qgraph.json`), 'utf8'));
          const quant = g.tensors[g.inputs[0]].quant;
          expect([quant.scale[0], quant.zeroPoint[0]]).toEqual(c.inputQuant[stage]);
        }
      }
      const host = await edgeq(['parity', 'qat.qgraph.json', '--data', 'test.npy', '--limit', '8', '--sanitize'], cwd);
      expect(host.stdout.trim(), host.stderr).toBe('parity: 8/8 bit-exact on host (gcc, ASan+UBSan)');
      const m4 = await edgeq(['parity', 'ptq.qgraph.json', '--data', 'test.npy', '--limit', '4', '--target', 'cortex-m4'], cwd);
      expect(m4.stdout.trim(), m4.stderr).toBe('parity: 4/4 bit-exact on Cortex-M4F (QEMU mps2-an386)');
    }, 900_000);
  }
});
