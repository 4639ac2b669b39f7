/**
 * Post-training quantisation (the baseline QAT is compared with): observe activation
 * ranges of a float model on calibration images and choose clip ranges by min/max, a
 * percentile of the value histogram, or the MSE-optimal clip of that histogram. Weights
 * use max |w| per channel or per tensor; fixed-point or power-of-two scales.
 */

import * as tf from '@tensorflow/tfjs';
import type { ScaleMode, RoundingMode, WeightClipping } from '@edgeq/ir';
import { batches, sampleShapeOf, type ImageSet } from './dataset.js';
import { EdgeqModel, type Range } from './model.js';
import { activationQuant, ACT_QMAX, ACT_QMIN } from './quant-params.js';
import { yielder, type ProgressFn } from './train.js';
import { QatError } from './errors.js';
import type { WeightBits } from './weight-bits.js';

export type CalibrationMethod = 'minmax' | 'percentile' | 'mse';

export interface CalibrateOptions {
  method?: CalibrationMethod;
  scales?: ScaleMode;
  rounding?: RoundingMode;
  perChannel?: boolean;
  /** Weight bits (default 8); 4: int4 weights in every weight layer but `int8Layers` (see QuantConfig). */
  weightBits?: WeightBits;
  /** With `weightBits` 4: layers kept at 8 bits (names, `first`, `last`). */
  int8Layers?: string[];
  /** Scale choice of 4-bit layers from the float weights: `mse` (default) or `max`. */
  int4Clipping?: WeightClipping;
  /** Real range of the model input (default [0, 1], pixels/255), for models fed other values (audio features, sensor data). */
  inputRange?: [number, number];
  /** Percentile kept by the 'percentile' method (default 99.99). */
  percentile?: number;
  batchSize?: number;
  onProgress?: ProgressFn;
}

const BINS = 2048;

/** Percentile clip of a histogram over [lo, hi]. */
export function percentileRange(hist: Float64Array, lo: number, hi: number, pct: number): Range {
  const total = hist.reduce((a, v) => a + v, 0);
  const w = (hi - lo) / hist.length;
  const cut = total * (1 - pct / 100);
  let acc = 0;
  let a = 0;
  while (a < hist.length - 1 && acc + hist[a] <= cut) acc += hist[a++];
  acc = 0;
  let z = hist.length - 1;
  while (z > 0 && acc + hist[z] <= cut) acc += hist[z--];
  return { min: lo < 0 ? lo + a * w : lo, max: lo + (z + 1) * w };
}

/** Expected squared error of quantising the histogram's mass with the quantiser of `r`. */
function histMse(hist: Float64Array, lo: number, hi: number, r: Range, mode: ScaleMode): number {
  const qp = activationQuant(r.min, r.max, mode);
  const gLo = (ACT_QMIN - qp.zeroPoint) * qp.scale;
  const gHi = (ACT_QMAX - qp.zeroPoint) * qp.scale;
  const w = (hi - lo) / hist.length;
  const inside = (qp.scale * qp.scale) / 12;
  let err = 0;
  for (let i = 0; i < hist.length; i++) {
    if (!hist[i]) continue;
    const c = lo + (i + 0.5) * w;
    const e = c < gLo ? (gLo - c) ** 2 : c > gHi ? (c - gHi) ** 2 : inside;
    err += hist[i] * e;
  }
  return err;
}

/** MSE-optimal clip: shrink both ends of [lo, hi] by a common factor. */
export function mseRange(hist: Float64Array, lo: number, hi: number, mode: ScaleMode): Range {
  let best: Range = { min: lo, max: hi };
  let bestErr = histMse(hist, lo, hi, best, mode);
  for (let f = 0.99; f >= 0.2; f -= 0.01) {
    const r = { min: lo * f, max: hi * f };
    const e = histMse(hist, lo, hi, r, mode);
    if (e < bestErr) {
      bestErr = e;
      best = r;
    }
  }
  return best;
}

/**
 * Calibrate a float model for post-training quantisation. Returns a quantised copy
 * (freeze() exports it); the float model is left unchanged.
 */
export async function calibrate(model: EdgeqModel, data: ImageSet, opts: CalibrateOptions = {}): Promise<EdgeqModel> {
  if (data.count === 0) throw new QatError('calibration data', 'is empty');
  const method = opts.method ?? 'minmax';
  if (!['minmax', 'percentile', 'mse'].includes(method)) {
    throw new QatError('calibrate.method', `unknown method ${JSON.stringify(method)} (minmax, percentile, mse)`);
  }
  const m = model.clone();
  m.setQuantConfig({
    scales: opts.scales ?? 'fixed', rounding: opts.rounding ?? 'tflm', perChannel: opts.perChannel ?? true,
    weightBits: opts.weightBits ?? 8, int8Layers: opts.int8Layers ?? [], int4Clipping: opts.int4Clipping ?? 'mse',
    ...(opts.inputRange ? { inputRange: opts.inputRange } : {}),
  });
  m.phase = 'float'; // observe in float inference mode
  const idx = m.quantizerNodes();
  const bs = opts.batchSize ?? 100;
  const passes = method === 'minmax' ? 1 : 2;
  const total = passes * data.count;
  let done = 0;
  const pause = yielder();
  const shape = sampleShapeOf(data);
  const toTensor = (x: Float32Array, n: number) => tf.tensor(x, [n, ...shape]);
  const mm = new Map<number, Range>();
  for (const b of batches(data, bs)) {
    const xs = toTensor(b.x, b.size);
    const obs = m.observeRanges(xs);
    xs.dispose();
    for (const [i, [lo, hi]] of obs) {
      const r = mm.get(i);
      mm.set(i, r ? { min: Math.min(r.min, lo), max: Math.max(r.max, hi) } : { min: lo, max: hi });
    }
    done += b.size;
    opts.onProgress?.(done, total);
    await pause();
  }
  for (const [i, r] of mm) {
    if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) {
      throw new QatError(`layer ${JSON.stringify(m.net.nodes[i].name)}`, `calibration range is non-finite (${r.min}, ${r.max}): the model or data holds NaN/Inf`);
    }
  }
  if (method !== 'minmax') {
    const hists = new Map(idx.map((i) => [i, new Float64Array(BINS)]));
    for (const b of batches(data, bs)) {
      const xs = toTensor(b.x, b.size);
      const acts = m.activations(xs, idx);
      xs.dispose();
      for (const [i, v] of acts) {
        const r = mm.get(i)!;
        const lo = Math.min(r.min, 0);
        const w = (Math.max(r.max, 0) - lo) / BINS || 1;
        const h = hists.get(i)!;
        for (let k = 0; k < v.length; k++) h[Math.min(BINS - 1, Math.floor((v[k] - lo) / w))]++;
      }
      done += b.size;
      opts.onProgress?.(done, total);
      await pause();
    }
    for (const i of idx) {
      const r = mm.get(i)!;
      const lo = Math.min(r.min, 0);
      const hi = Math.max(r.max, 0);
      const h = hists.get(i)!;
      mm.set(i, method === 'percentile' ? percentileRange(h, lo, hi, opts.percentile ?? 99.99) : mseRange(h, lo, hi, m.config.scales));
    }
  }
  for (const [i, r] of mm) m.ranges[i] = r;
  m.phase = 'quant';
  m.history.push(`ptq ${method} ${m.config.perChannel ? 'per-channel' : 'per-tensor'} ${m.config.scales}${m.config.weightBits === 4 ? ` W4 (${m.config.int4Clipping} clip; 8-bit: ${m.config.int8Layers.join(',') || 'none'})` : ''} on ${data.count} images`);
  return m;
}
