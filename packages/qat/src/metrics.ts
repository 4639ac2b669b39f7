/**
 * Task metrics: turns model outputs (float, fake-quant or the int8 graph's, dequantised)
 * into the figures a task is judged by — top-1 for classification, accuracy and ROC-AUC
 * for binary, MSE for regression, ROC-AUC of the reconstruction error for anomaly
 * detection — plus how closely int8 follows float (prediction agreement, output SQNR).
 * Pure functions over typed arrays: the CLI prints them and writes them to results.
 */

import type { Outputs } from './evaluate.js';
import { binaryScore, type Task, type TaskKind } from './task.js';
import { QatError } from './errors.js';

/** What a task's outputs score on one data set. Absent fields do not apply. */
export interface TaskMetrics {
  task: TaskKind;
  /** Samples scored. */
  count: number;
  /** Fraction of samples whose prediction equals the label (classification, binary). */
  top1?: number;
  /** Mean squared error per output value (regression). */
  mse?: number;
  /** ROC-AUC: of the binary score (binary), or of the per-sample squared error against 0/1 anomaly labels (regression). */
  auc?: number;
}

/** How closely int8 outputs follow float outputs on the same samples. */
export interface AgreementMetrics {
  /** Fraction of samples with the same prediction (classification, binary). */
  agreement?: number;
  /** Signal-to-quantisation-noise ratio of the int8 outputs against float, in dB. */
  sqnrDb: number;
}

/** Ground truth of a data set: class labels and/or float targets (`perSample` values each). */
export interface Truth {
  labels?: ArrayLike<number>;
  targets?: Float32Array;
}

/** Index of the largest of `n` values from `offset` (first on ties). */
export function argmaxAt(values: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (values[offset + i] > values[offset + best]) best = i;
  return best;
}

/** The predicted class of every sample (argmax; binary: score above 0). */
export function predictions(task: Task, out: Outputs): Int32Array {
  const p = new Int32Array(out.count);
  for (let k = 0; k < out.count; k++) {
    p[k] = task.kind === 'binary' ? (binaryScore(task, out.values, k * out.perSample) > 0 ? 1 : 0) : argmaxAt(out.values, k * out.perSample, out.perSample);
  }
  return p;
}

/** Mean squared error between two equally long arrays. */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new QatError('meanSquaredError', `arrays of ${a.length} and ${b.length} values`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return a.length ? s / a.length : NaN;
}

/** Mean squared error of each sample (`per` values) against its targets: the anomaly score of an autoencoder. */
export function sampleSquaredErrors(values: ArrayLike<number>, targets: ArrayLike<number>, per: number): Float64Array {
  const n = Math.floor(values.length / per);
  const e = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let i = k * per; i < (k + 1) * per; i++) s += (values[i] - targets[i]) ** 2;
    e[k] = s / per;
  }
  return e;
}

/**
 * Area under the ROC curve of `scores` for 0/1 `labels` (higher score = more positive):
 * the Mann-Whitney statistic, ties counted as one half (mid-ranks).
 * @throws QatError when the labels hold only one class (the AUC is undefined)
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] === 1) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (!positives || !negatives) throw new QatError('ROC-AUC', `needs both classes among the labels (${positives} positive, ${negatives} negative)`);
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Signal-to-noise ratio of `test` against `reference`, in dB (Infinity when identical). */
export function sqnrDb(reference: ArrayLike<number>, test: ArrayLike<number>): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    signal += reference[i] ** 2;
    noise += (reference[i] - test[i]) ** 2;
  }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

/** Fraction of positions where two label arrays agree. */
function matching(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length ? same / a.length : NaN;
}

/**
 * The task's figures for outputs against the truth. Classification and binary need
 * labels; regression needs targets (MSE) and, given 0/1 labels as well, scores anomaly
 * detection: ROC-AUC of the per-sample squared error.
 */
export function taskMetrics(task: Task, out: Outputs, truth: Truth): TaskMetrics {
  const m: TaskMetrics = { task: task.kind, count: out.count };
  if (task.kind === 'regression') {
    if (truth.targets) {
      m.mse = meanSquaredError(out.values, truth.targets);
      if (truth.labels) m.auc = rocAuc(sampleSquaredErrors(out.values, truth.targets, out.perSample), truth.labels);
    }
    return m;
  }
  if (!truth.labels) return m;
  m.top1 = matching(predictions(task, out), truth.labels);
  if (task.kind === 'binary') {
    const scores = Float64Array.from({ length: out.count }, (_, k) => binaryScore(task, out.values, k * out.perSample));
    m.auc = rocAuc(scores, truth.labels);
  }
  return m;
}

/** How closely `int8` follows `float` on the same samples. */
export function agreementMetrics(task: Task, float: Outputs, int8: Outputs): AgreementMetrics {
  const a: AgreementMetrics = { sqnrDb: sqnrDb(float.values, int8.values) };
  if (task.kind !== 'regression') a.agreement = matching(predictions(task, float), predictions(task, int8));
  return a;
}

/** One line for a metrics object, e.g. `top-1 91.20%`, `MSE 0.0123, ROC-AUC 0.981`. */
export function formatMetrics(m: TaskMetrics): string {
  const parts: string[] = [];
  if (m.top1 !== undefined) parts.push(`${m.task === 'binary' ? 'accuracy' : 'top-1'} ${(100 * m.top1).toFixed(2)}%`);
  if (m.mse !== undefined) parts.push(`MSE ${m.mse.toPrecision(4)}`);
  if (m.auc !== undefined) parts.push(`ROC-AUC ${m.auc.toFixed(4)}`);
  return parts.length ? parts.join(', ') : 'no labels or targets to score against';
}
