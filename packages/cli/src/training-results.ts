/**
 * The training side's part of a results document (`train` / `ptq` / `qat --results`): what
 * each variant is (epochs, learning rates, calibration), the loss of every epoch, the float
 * and int8 figures on the test set (the float one also printed: the figure ptq/qat start
 * from), and the int8 graph's statistics — weight ranges, activation ranges and the
 * per-layer float-vs-int8 error on held-out images.
 */

import type { QGraph } from '@edgeq/ir';
import type { ImageSet, QatApi, QatModel } from './components.js';
import { observeActivationRanges } from './evaluate.js';
import { samplesToInputs } from './inputs/data.js';
import { layerError } from './layer-error.js';
import type { Output } from './output.js';
import { withProgress, type EpochFigures } from './progress.js';
import type { AccuracyEntry, TrainingEntry, VariantEntry } from './report/schema.js';
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

/** A test-set figure: top-1 with its counts. */
export interface TestFigure {
  accuracy: number;
  correct: number;
  count: number;
  confusion?: number[][];
}

/** Float top-1 of the model ptq/qat starts from, on Fashion-MNIST's test split (tfjs), printed. */
export async function floatTestAccuracy(q: QatApi, m: QatModel, out: Output, command: string): Promise<TestFigure> {
  const test = q.loadFashionMnist('test');
  const e = await withProgress('float eval', test.count, { silent: out.opts.json || out.opts.quiet }, (task) => {
    let last = 0;
    return q.evaluateModel(m, test, { onProgress: (d) => { task.tick(d - last); last = d; } });
  });
  out.result(`float top-1 on the Fashion-MNIST test set: ${(100 * e.accuracy).toFixed(2)}% (${e.correct}/${e.count}), the float model ${command} starts from`);
  return { accuracy: e.accuracy, correct: e.correct, count: e.count };
}

/** The test figures ptq/qat record: Fashion-MNIST's test split, as `--evaluate` uses it. */
export function testFigures(q: QatApi, int8: TestFigure | undefined, float: TestFigure | undefined): QuantStory['test'] {
  return int8 ? { set: q.loadFashionMnist('test'), labels: q.FASHION_MNIST_CLASSES, int8, float } : undefined;
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

/** The float variant's note and (when measured) its test figure. */
function floatRows(s: FloatStory, float?: TestFigure): Pick<ResultsPart, 'variants' | 'accuracy'> {
  const variants: VariantEntry[] = [{ variant: 'float', scales: null, granularity: null, description: floatDescription(s), ...(s.loadedFrom ? {} : { epochs: s.epochs + s.fineTuneEpochs }) }];
  const accuracy: AccuracyEntry[] | undefined = float
    ? [{ variant: 'float', scales: null, granularity: null, top1: float.accuracy, correct: float.correct, total: float.count, evaluatedBy: 'tfjs (float32)' }]
    : undefined;
  return { variants, ...(accuracy ? { accuracy } : {}) };
}

/** `edgeq train --results`: the float variant and its loss curve. */
export function trainPart(s: FloatStory, settings: Record<string, string | number | boolean>): ResultsPart {
  return { model: { name: s.name, dataset: s.data }, settings, ...floatRows(s), training: floatTraining(s) };
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
  /** QAT: epochs, learning rate and each epoch's loss. */
  qat?: { epochs: number; lr: number; figures: EpochFigures[] };
  /** Float and int8 top-1 on the test set, when evaluated. */
  test?: { set: ImageSet; labels: readonly string[]; int8: TestFigure; float?: TestFigure };
  /** Training images, for the per-layer statistics when there is no test set. */
  train: ImageSet;
}

/** What the int8 variant is, in words a reader of the report needs. */
function quantDescription(s: QuantStory): string {
  const weights = s.perTensor ? 'per-tensor' : 'per-channel';
  const scheme = `${s.graph.quantization.scales} scales, ${weights} weights`;
  if (s.stage === 'ptq') return `PTQ: the float model calibrated (min/max) on ${n(s.calibrationImages ?? 0)} training images, no further training; ${scheme}`;
  const q = s.qat!;
  const from = s.float.loadedFrom ? `the float model loaded from ${s.float.loadedFrom} (after all its training)` : `the float weights after epoch ${s.float.epochs} (before any fine-tune)`;
  return `QAT: ${from}, trained ${q.epochs} more epoch${q.epochs > 1 ? 's' : ''} with fake-quant at lr ${q.lr}; ${scheme}. ` +
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
  const label = `${s.stage.toUpperCase()} · ${scales}${s.perTensor ? ' · per-tensor' : ''}`;
  const floatPart = floatRows(s.float, s.test?.float);
  // A loaded float model was described by the train run that made it: keep that description.
  const variants: VariantEntry[] = [
    ...(s.float.loadedFrom ? [] : floatPart.variants ?? []),
    { variant: s.stage, scales, granularity, description: quantDescription(s), graph: s.graphFile, ...(s.qat && !s.float.loadedFrom ? { epochs: s.float.epochs + s.qat.epochs } : {}) },
  ];
  const part: ResultsPart = { model: { name: s.float.name, dataset: s.float.data }, settings, variants };
  const training = s.float.loadedFrom ? [] : floatTraining(s.float);
  // After a loaded model QAT's epochs are numbered from 1; the results file puts them after the document's float epochs.
  if (s.qat) training.push(...s.qat.figures.map((f, i) => ({ stage: 'qat' as const, epoch: s.float.loadedFrom ? i + 1 : f.epoch, loss: f.loss })));
  if (training.length) part.training = training;
  if (s.test) {
    const { int8, float } = s.test;
    part.accuracy = [
      ...(floatPart.accuracy ?? []),
      { variant: s.stage, scales, granularity, top1: int8.accuracy, correct: int8.correct, total: int8.count, evaluatedBy: 'int8 interpreter' },
    ];
    if (int8.confusion) part.confusion = { variant: `${label} (int8 interpreter)`, labels: int8.confusion.map((_, i) => s.test!.labels[i] ?? String(i)), matrix: int8.confusion };
  }
  const images = q.subset(s.test?.set ?? s.train, 0, LAYER_STATISTICS_IMAGES);
  const where = `${n(images.count)} ${s.float.data} ${s.test ? 'test' : 'training'} images`;
  const inputs = samplesToInputs(s.graph, { descr: '|u1', shape: [images.count, images.height, images.width, images.channels], data: images.images as Uint8Array }, where);
  part.weightRanges = weightRangesOf(s.graph);
  part.activationRanges = (await observeActivationRanges(s.graph, inputs)).map(({ layer, min, max }) => ({ layer, min, max, source: 'observed' as const }));
  part.layerError = layerError(q, s.floatModel, s.graph, images).map((e) => ({ ...e, variant: label, samples: images.count, data: where }));
  if (!part.layerError.length) part.missing = { layerError: 'no layer of the int8 graph matched a float layer by name' };
  return part;
}
