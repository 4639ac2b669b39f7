/**
 * The training side's part of a results document (`train` / `ptq` / `qat --results`): what
 * each variant is (epochs, learning rates, calibration), the loss of every epoch, the float
 * and int8 figures of the run's task on its held-out data (task-evaluation.ts computes
 * them), and the int8 graph's statistics — weight ranges, activation ranges and the
 * per-layer float-vs-int8 error on held-out samples.
 */

import { quantizeFloat, type InputVector, type QGraph } from '@edgeq/ir';
import type { TaskMetrics } from '@edgeq/qat';
import type { ImageSet, QatApi, QatModel } from './components.js';
import { weightBitsOf } from './command-results.js';
import { observeActivationRanges } from './evaluate.js';
import { variantLabel } from './report/charts.js';
import type { EpochFigures } from './progress.js';
import type { AccuracyEntry, MetricEntry, TrainingEntry, VariantEntry } from './report/schema.js';
import type { PipelineMetrics } from './task-evaluation.js';
import type { ResultsPart } from './results-file.js';
import { weightRangesOf } from './stats.js';

/** Images the per-layer error and the observed activation ranges are computed on. */
export const LAYER_STATISTICS_IMAGES = 100;

/** How the float model was made (or where it was loaded from). */
export interface FloatStory {
  name: string;
  /** The training data as given (--data). */
  data: string;
  trainImages: number;
  epochs: number;
  lr: number;
  fineTuneEpochs: number;
  fineTuneLr: number;
  batch: number;
  /** The model directory it was loaded from, when it was not trained in this run. */
  loadedFrom?: string;
  /** Loss of every float epoch of this run (float training, then fine-tune). */
  epochLoss: { stage: 'float' | 'fine-tune'; figures: EpochFigures[] }[];
}

/** A command's options as the document's settings, prefixed with the command ("qat epochs"). */
export function settingsOf(command: string, o: object): Record<string, string | number | boolean> {
  const keep = Object.entries(o).filter(([k, v]) => k !== 'results' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'));
  return Object.fromEntries(keep.map(([k, v]) => [`${command} ${k}`, v as string | number | boolean]));
}

/** Thousands separators. */
const n = (x: number) => x.toLocaleString('en-US');

/** "float: 5 epochs at lr 0.001, then 1 fine-tune epoch at 0.0001, on 60,000 images". */
export function floatDescription(s: FloatStory): string {
  if (s.loadedFrom) return `float model loaded from ${s.loadedFrom} (trained by an earlier edgeq train)`;
  const tune = s.fineTuneEpochs > 0 ? `, then ${s.fineTuneEpochs} fine-tune epoch${s.fineTuneEpochs > 1 ? 's' : ''} at ${s.fineTuneLr}` : '';
  return `float training (tfjs, float32): ${s.epochs} epoch${s.epochs > 1 ? 's' : ''} at lr ${s.lr}${tune}, on ${n(s.trainImages)} ${s.data} images, batch ${s.batch}`;
}

/** The training epochs of a float story as results rows. */
export function floatTraining(s: FloatStory): TrainingEntry[] {
  return s.epochLoss.flatMap(({ stage, figures }) => figures.map((f) => ({ stage, epoch: f.epoch, loss: f.loss, ...(f.accuracy !== undefined ? { accuracy: f.accuracy } : {}) })));
}

/** A top-1 figure as an accuracy row (classification and binary tasks). */
function accuracyRow(variant: 'float' | 'ptq' | 'qat', scales: 'fixed' | 'pow2' | null, granularity: 'per-channel' | 'per-tensor' | null, m: TaskMetrics | undefined, evaluatedBy: string): AccuracyEntry[] {
  if (m?.top1 === undefined) return [];
  return [{ variant, scales, granularity, top1: m.top1, correct: Math.round(m.top1 * m.count), total: m.count, evaluatedBy }];
}

/**
 * A run's task figures as metric rows: the float figures under `float`, the int8 ones and
 * the int8-vs-float agreement under `variant` (top-1, MSE, ROC-AUC, output SQNR).
 */
export function metricRows(m: PipelineMetrics, variant: 'float' | 'ptq' | 'qat', scales: 'fixed' | 'pow2' | null, granularity: 'per-channel' | 'per-tensor' | null): MetricEntry[] {
  const data = m.evaluatedOn;
  const rows = (v: 'float' | 'ptq' | 'qat', sc: typeof scales, gr: typeof granularity, t: TaskMetrics | undefined, by: string): MetricEntry[] => {
    if (!t) return [];
    const base = { variant: v, scales: sc, granularity: gr, task: m.task, samples: t.count, ...(data ? { data } : {}), evaluatedBy: by };
    return [
      ...(t.top1 !== undefined ? [{ ...base, metric: 'top-1', value: t.top1, higherIsBetter: true }] : []),
      ...(t.mse !== undefined ? [{ ...base, metric: 'mse', value: t.mse, higherIsBetter: false }] : []),
      ...(t.auc !== undefined ? [{ ...base, metric: 'roc-auc', value: t.auc, higherIsBetter: true }] : []),
    ];
  };
  const agreement: MetricEntry[] = m.agreement && m.int8 && Number.isFinite(m.agreement.sqnrDb)
    ? [{ variant, scales, granularity, task: m.task, metric: 'output SQNR vs float (dB)', value: m.agreement.sqnrDb, higherIsBetter: true, samples: m.int8.count, ...(data ? { data } : {}), evaluatedBy: 'int8 interpreter' }]
    : [];
  return [...rows('float', null, null, m.float, 'tfjs (float32)'), ...(variant === 'float' ? [] : rows(variant, scales, granularity, m.int8, 'int8 interpreter')), ...agreement];
}

/** The float variant's note and (when measured) its figures. */
function floatRows(s: FloatStory, metrics?: PipelineMetrics): Pick<ResultsPart, 'variants' | 'accuracy' | 'metrics'> {
  const variants: VariantEntry[] = [{ variant: 'float', scales: null, granularity: null, description: floatDescription(s), ...(s.loadedFrom ? {} : { epochs: s.epochs + s.fineTuneEpochs }) }];
  const accuracy = accuracyRow('float', null, null, metrics?.float, 'tfjs (float32)');
  const rows = metrics ? metricRows(metrics, 'float', null, null) : [];
  return { variants, ...(accuracy.length ? { accuracy } : {}), ...(rows.length ? { metrics: rows } : {}) };
}

/** `edgeq train --results`: the float variant, its figures and its loss curve. */
export function trainPart(s: FloatStory, settings: Record<string, string | number | boolean>, metrics?: PipelineMetrics): ResultsPart {
  return { model: { name: s.name, dataset: s.data }, settings, ...floatRows(s, metrics), training: floatTraining(s) };
}

/** What ptq or qat made, for {@link quantPart}. */
export interface QuantStory {
  stage: 'ptq' | 'qat';
  float: FloatStory;
  graph: QGraph;
  graphFile: string;
  /** The float model the int8 graph was made from (for the per-layer error). */
  floatModel: QatModel;
  perTensor: boolean;
  /** PTQ: calibration images. */
  calibrationImages?: number;
  /** QAT: epochs, the learning rate of each epoch and each epoch's loss. */
  qat?: { epochs: number; rates: number[]; figures: EpochFigures[] };
  /** The run's float and int8 figures (task-evaluation.ts). */
  metrics: PipelineMetrics;
  /** The held-out samples the figures are on, when there are some. */
  heldOut?: ImageSet;
  /** Training samples, for the per-layer statistics when there is no held-out set. */
  train: ImageSet;
}

/** "0.0001", or per epoch "0.0001 (x4), then 0.00003, then 0.00001", from the runs of equal rates. */
function rateText(runs: Array<[number, number]>): string {
  return runs.map(([r, k]) => (k > 1 && runs.length > 1 ? `${r} (x${k})` : `${r}`)).join(', then ');
}

/** What the int8 variant is, in words a reader of the report needs. */
function quantDescription(q: QatApi, s: QuantStory): string {
  const weights = s.perTensor ? 'per-tensor' : 'per-channel';
  const int4 = s.graph.metadata?.int4Layers as string[] | undefined;
  const bits = int4?.length ? `, 4-bit weights in ${int4.join(', ')} (8-bit elsewhere)` : '';
  const scheme = `${s.graph.quantization.scales} scales, ${weights} weights${bits}`;
  if (s.stage === 'ptq') return `PTQ: the float model calibrated (min/max) on ${n(s.calibrationImages ?? 0)} training images, no further training; ${scheme}`;
  const qat = s.qat!;
  const from = s.float.loadedFrom ? `the float model loaded from ${s.float.loadedFrom} (after all its training)` : `the float weights after epoch ${s.float.epochs} (before any fine-tune)`;
  return `QAT: ${from}, trained ${qat.epochs} more epoch${qat.epochs > 1 ? 's' : ''} with fake-quant at lr ${rateText(q.rateRuns(qat.rates))}; ${scheme}. ` +
    'Those extra epochs are training the float model did not get, which is why QAT can match or beat float.';
}

/**
 * `edgeq ptq|qat --results`: the variants, QAT's loss curve, float and int8 test figures and
 * confusion matrix (when evaluated), and the graph's weight ranges, activation ranges and
 * per-layer error against the float model on {@link LAYER_STATISTICS_IMAGES} held-out test
 * images (training images when there is no test set, as the row says).
 */
export async function quantPart(q: QatApi, s: QuantStory, settings: Record<string, string | number | boolean>): Promise<ResultsPart> {
  const scales = s.graph.quantization.scales;
  const granularity = s.perTensor ? 'per-tensor' : 'per-channel';
  // A W4A8 graph's rows carry weightBits 4, so they neither replace nor read as the W8 ones.
  const bits = weightBitsOf(s.graph);
  const label = variantLabel({ variant: s.stage, scales, granularity, ...bits });
  const floatPart = floatRows(s.float, s.metrics);
  // A loaded float model was described by the train run that made it: keep that description.
  const variants: VariantEntry[] = [
    ...(s.float.loadedFrom ? [] : floatPart.variants ?? []),
    { variant: s.stage, scales, granularity, ...bits, description: quantDescription(q, s), graph: s.graphFile, ...(s.qat && !s.float.loadedFrom ? { epochs: s.float.epochs + s.qat.epochs } : {}) },
  ];
  const part: ResultsPart = { model: { name: s.float.name, dataset: s.float.data }, settings, variants };
  const training = s.float.loadedFrom ? [] : floatTraining(s.float);
  // After a loaded model QAT's epochs are numbered from 1; the results file puts them after the document's float epochs.
  if (s.qat) training.push(...s.qat.figures.map((f, i) => ({ stage: 'qat' as const, epoch: s.float.loadedFrom ? i + 1 : f.epoch, loss: f.loss })));
  if (training.length) part.training = training;
  const accuracy = [...(floatPart.accuracy ?? []), ...accuracyRow(s.stage, scales, granularity, s.metrics.int8, 'int8 interpreter').map((r) => ({ ...r, ...bits }))];
  if (s.metrics.int8) part.accuracy = accuracy;
  const metrics = metricRows(s.metrics, s.stage, scales, granularity).map((r) => (r.variant === 'float' ? r : { ...r, ...bits }));
  if (metrics.length) part.metrics = metrics;
  const matrix = s.metrics.confusion;
  if (matrix) {
    const names = /^fashion-mnist/.test(s.float.data) ? q.FASHION_MNIST_CLASSES : [];
    part.confusion = { variant: `${label} (int8 interpreter)`, labels: matrix.map((_, i) => names[i] ?? String(i)), matrix };
  }
  const held = s.heldOut !== undefined && s.metrics.int8 !== undefined;
  const samples = q.subset(held ? s.heldOut! : s.train, 0, LAYER_STATISTICS_IMAGES);
  const where = held && s.metrics.evaluatedOn ? `${n(samples.count)} samples of ${s.metrics.evaluatedOn}` : `${n(samples.count)} ${s.float.data} training samples`;
  const inputs = quantisedInputs(q, s.graph, samples);
  part.weightRanges = weightRangesOf(s.graph);
  part.activationRanges = (await observeActivationRanges(s.graph, inputs)).map(({ layer, min, max }) => ({ layer, min, max, source: 'observed' as const }));
  part.layerError = q.layerError(s.floatModel, s.graph, samples).map((e) => ({ ...e, variant: label, samples: samples.count, data: where }));
  if (!part.layerError.length) part.missing = { layerError: 'no layer of the int8 graph matched a float layer by name' };
  return part;
}

/** Samples quantised onto the graph's input grid, one input tensor each. */
function quantisedInputs(q: QatApi, g: QGraph, set: ImageSet): InputVector[] {
  const inQ = g.tensors[g.inputs[0]].quant!;
  const inputs: InputVector[] = [];
  for (const b of q.batches(set, 100)) {
    const size = b.x.length / b.size;
    for (let k = 0; k < b.size; k++) {
      inputs.push([Int8Array.from(b.x.subarray(k * size, (k + 1) * size), (v) => quantizeFloat(v, inQ.scale[0], inQ.zeroPoint[0], g.quantization))]);
    }
  }
  return inputs;
}
