/**
 * The training side of the CLI on @edgeq/qat: builds the float model of a spec and trains
 * it for its task (with progress bars) or loads a saved float model, judges it on held-out
 * data, then saves it (`train`), or calibrates (PTQ) or fine-tunes with fake-quant (QAT)
 * with the input quantised from the data or the given range, freezes to a QGraph, judges
 * the int8 graph next to float before anything is written, and optionally saves the
 * quantised model (`--save-model`); `freeze` turns a saved quantised model into a QGraph.
 * Each run returns its figures as {@link PipelineMetrics}.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { saveQGraph, type QGraph, type RoundingMode, type ScaleMode } from '@edgeq/ir';
import { writeOutput } from './atomic.js';
import { qatApi, type ImageSet, type QatApi, type QatModel } from './components.js';
import { modelError, usageError } from './errors.js';
import { loadArchSpec } from './inputs/arch-spec.js';
import { FLOAT_FILE_LABEL, FLOAT_MODEL_KINDS, resolveModel, type ModelRef } from './inputs/model.js';
import { dataInputRange, loadSampleSet, type DataContract } from './inputs/training-data.js';
import { givenInputRange, type InputQuantOpts } from './inputs/input-range.js';
import type { Output } from './output.js';
import { floatFigure, int8Figure, int8Lines, type HeldOut, type PipelineMetrics } from './task-evaluation.js';
import { withProgress, withTrainingProgress } from './progress.js';
import { checkResultsFile, recordResults } from './results-file.js';
import { quantPart, settingsOf, trainPart, type FloatStory, type QuantStory } from './training-results.js';
import { checkRoundingForScales, positiveNumbers } from './commands/common.js';
import { SAVED_MODEL_DOC, checkModelTarget, freezeSavedModel, loadSavedModel, parameterCount, requirePhase, writeSavedModel, type FreezeRequest } from './saved-model.js';

/** Float training options (the design notes' recipe by default) and the data and task they train on. */
export interface FloatTrainOpts {
  data: string;
  labels?: string;
  /** Float targets .npy, or `input` (autoencoder). */
  targets?: string;
  /** classification, binary or regression; default inferred from the model's output layer. */
  task?: 'classification' | 'binary' | 'regression';
  testData?: string;
  testLabels?: string;
  testTargets?: string;
  /** Hold out this fraction of the training data (its end) for evaluation. */
  valSplit?: number;
  limit?: number;
  epochs: number;
  lr: number;
  fineTuneEpochs: number;
  fineTuneLr: number;
  batch: number;
  seed: number;
  /** Merge what the command computed into this results document (edgeq report renders it). */
  results?: string;
  /** Training worker threads (default 1: the main thread). */
  workers?: number;
}

/** The model's task (a model output that cannot serve the asked task is a model error, exit 4). */
function modelTask(q: QatApi, m: QatModel, kind: FloatTrainOpts['task']) {
  try {
    return q.taskFor(m, kind);
  } catch (e) {
    if (e instanceof q.QatError) throw modelError(`${e.message}${kind ? ` (--task ${kind})` : ''}`);
    throw e;
  }
}

/** Checks of the data options that need no file, made before any work. */
function checkDataOptions(o: FloatTrainOpts & { evaluate?: boolean }): void {
  if (o.testData && o.valSplit !== undefined) throw usageError('--val-split: give either --test-data or --val-split, not both');
  if (!o.testData && (o.testLabels || o.testTargets)) throw usageError(`${o.testLabels ? '--test-labels' : '--test-targets'}: needs --test-data`);
  if (o.valSplit !== undefined && !(o.valSplit > 0 && o.valSplit < 1)) throw usageError(`--val-split ${o.valSplit}: expected a fraction between 0 and 1 (e.g. 0.2)`);
  if (o.evaluate && !o.testData && o.valSplit === undefined && !/^fashion-mnist(:train)?$/.test(o.data)) {
    throw usageError('--evaluate: needs held-out data: --test-data FILE.npy (with --test-labels or --test-targets) or --val-split FRACTION');
  }
}

/**
 * The training set and the held-out set of a run: `--test-data`, the end of the training
 * data (`--val-split`), or Fashion-MNIST's test split when training on Fashion-MNIST.
 */
export async function loadTrainingData(q: QatApi, o: FloatTrainOpts, c: DataContract, truthNeeded = true): Promise<{ train: ImageSet; heldOut?: HeldOut }> {
  // A validation split is judged against the training truth, so it needs it.
  const all = await loadSampleSet(q, { data: o.data, labels: o.labels, targets: o.targets, limit: o.limit, truthNeeded: truthNeeded || o.valSplit !== undefined }, c, 'training');
  if (o.testData) {
    const targets = o.testTargets ?? (o.targets === 'input' ? 'input' : undefined);
    const set = await loadSampleSet(q, { data: o.testData, labels: o.testLabels, targets }, c, 'test');
    return { train: all, heldOut: { set, source: `${o.testData} (${set.count} samples)`, explicit: true } };
  }
  if (o.valSplit !== undefined) {
    const held = Math.round(all.count * o.valSplit);
    if (held < 1 || held >= all.count) throw usageError(`--val-split ${o.valSplit}: holds out ${held} of ${all.count} samples; leave at least one on each side`);
    const set = q.subset(all, all.count - held, all.count);
    return { train: q.subset(all, 0, all.count - held), heldOut: { set, source: `the last ${held} of ${all.count} training samples (--val-split ${o.valSplit})`, explicit: true } };
  }
  if (/^fashion-mnist(:train)?$/.test(o.data) && c.task.kind === 'classification') {
    const set = await loadSampleSet(q, { data: 'fashion-mnist:test' }, c, 'test');
    return { train: all, heldOut: { set, source: `the Fashion-MNIST test set (${set.count} images)`, explicit: false } };
  }
  return { train: all };
}

/** A float model from a tfjs layers model directory, a Keras file or a float .tflite (bad files and layers are model errors, exit 4). */
async function loadFloatModelFile(q: QatApi, ref: ModelRef): Promise<QatModel> {
  try {
    const layers = ref.kind === 'keras' ? await q.loadKerasFile(ref.file)
      : ref.kind === 'tflite-float' ? q.loadFloatTflite(new Uint8Array(await fs.readFile(ref.file)), ref.file)
      : await q.loadLayersModelFile(ref.file);
    try {
      return q.EdgeqModel.fromLayersModel(layers);
    } finally {
      layers.dispose();
    }
  } catch (e) {
    if (e instanceof q.QatError) throw modelError(e.message);
    throw e;
  }
}

/** Whether a set holds what its task is scored against (labels were given, or targets). */
function hasTruth(set: ImageSet, task: FloatStage['task']): boolean {
  return task.kind === 'regression' ? set.targets !== undefined : set.classes > 0;
}

/** A float model ready to quantise, with its task, data and float figure. */
export interface FloatStage {
  model: QatModel;
  /** The model before the fine-tune epochs (the same weights as `model` for a loaded model). */
  base: QatModel;
  task: import('@edgeq/qat').Task;
  train: ImageSet;
  heldOut?: HeldOut;
  loaded: boolean;
  result?: { steps: number; loss?: number };
  metrics: PipelineMetrics;
  /** The float model's outputs on the held-out set (for int8-vs-float agreement). */
  floatOutputs?: import('@edgeq/qat').Outputs;
  /** How the float model came about, for the results document. */
  story: FloatStory;
}

/** The float model of a run: a saved edgeq model, a tfjs layers model, a Keras file or a float .tflite as it is, or a spec's model (untrained). */
async function floatModel(q: QatApi, specArg: string, out: Output, command: string, seed: number, allowSaved: boolean, workers: number | undefined): Promise<{ model: QatModel; file: string; loaded: boolean; label?: string }> {
  const ref = await resolveModel(specArg);
  if (FLOAT_MODEL_KINDS.includes(ref.kind) && allowSaved) {
    const backend = await q.initBackend();
    out.line(`tfjs backend: ${q.describeBackend(backend, q.resolveWorkerCount(workers))}`);
    const model = ref.kind === 'edgeq' ? await loadSavedModel(q, ref.file) : await loadFloatModelFile(q, ref);
    try {
      requirePhase(model, ref.file, 'float', command);
    } catch (e) {
      model.dispose();
      throw e;
    }
    return { model, file: ref.file, loaded: true, label: FLOAT_FILE_LABEL[ref.kind] };
  }
  if (ref.kind !== 'spec') {
    if (FLOAT_MODEL_KINDS.includes(ref.kind)) {
      throw usageError(`${ref.file}: ${command} starts from an architecture spec, not a trained model (quantise a float model with edgeq ptq or edgeq qat)`);
    }
    throw usageError(`${ref.file}: is an int8 ${ref.kind === 'qgraph' ? 'QGraph' : '.tflite model'} (nothing to train); ${command} starts from an architecture spec${allowSaved ? ' or a float model saved by edgeq train' : ''}`);
  }
  const spec = await loadArchSpec(ref.file);
  const backend = await q.initBackend();
  out.line(`tfjs backend: ${q.describeBackend(backend, q.resolveWorkerCount(workers))}`);
  return { model: q.EdgeqModel.fromLayersModel(q.buildModel(spec, seed)), file: ref.file, loaded: false };
}

/**
 * The float model to quantise: a saved edgeq or tfjs float model directory as it is, or the float model
 * of a spec, built and trained for its task; then its figure on the held-out data, printed.
 */
export async function trainFloat(
  q: QatApi, specArg: string, o: FloatTrainOpts, out: Output, command: string, allowSaved = true, checkModel?: (m: QatModel) => void,
): Promise<FloatStage> {
  const { model, file, loaded, label } = await floatModel(q, specArg, out, command, o.seed, allowSaved, o.workers);
  let stage: FloatStage;
  try {
    checkModel?.(model);
    const task = modelTask(q, model, o.task);
    // PTQ of a trained model only calibrates: its training data need no labels or targets.
    const truthNeeded = !(loaded && command === 'ptq');
    const { train, heldOut } = await loadTrainingData(q, o, { inputShape: model.inputShape, model: model.name, task }, truthNeeded);
    const story: FloatStory = {
      name: model.name, data: o.data, trainImages: train.count, epochs: o.epochs, lr: o.lr, fineTuneEpochs: o.fineTuneEpochs,
      fineTuneLr: o.fineTuneLr, batch: o.batch, ...(loaded ? { loadedFrom: file } : {}), epochLoss: [],
    };
    if (loaded) {
      out.line(`float: ${model.name} loaded from ${file}${label ? ` (${label})` : ''}`);
      stage = { model, base: model.clone(), task, train, heldOut, loaded: true, metrics: { task: task.kind }, story };
    } else {
      const silent = out.opts.json || out.opts.quiet;
      const run = async (label: string, epochs: number, lr: number, epochOffset: number) => {
        const plan = { label, epochs, stepsPerEpoch: Math.floor(train.count / o.batch), firstEpoch: epochOffset + 1 };
        const r = await withTrainingProgress(plan, { silent }, (onProgress) =>
          q.train(model, train, { task, epochs, learningRate: lr, batchSize: o.batch, seed: o.seed, epochOffset, workers: q.resolveWorkerCount(o.workers), onProgress }));
        story.epochLoss.push({ stage: epochOffset ? 'fine-tune' : 'float', figures: r.epochs });
        return r.result;
      };
      const r = await run('float train', o.epochs, o.lr, 0);
      out.line(`float: ${o.epochs} epochs on ${train.count} ${train.sampleShape ? 'samples' : 'images'}, loss ${r.epochLoss.at(-1)?.toFixed(3)}`);
      const base = model.clone();
      let totalSteps = r.steps;
      let loss = r.epochLoss.at(-1);
      if (o.fineTuneEpochs > 0) {
        const t = await run('float tune', o.fineTuneEpochs, o.fineTuneLr, o.epochs);
        totalSteps += t.steps;
        loss = t.epochLoss.at(-1);
        out.line(`float: then ${o.fineTuneEpochs} fine-tune epochs at ${o.fineTuneLr}, loss ${loss?.toFixed(3)}`);
      }
      stage = { model, base, task, train, heldOut, loaded: false, result: { steps: totalSteps, loss }, metrics: { task: task.kind }, story };
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  // The float figure the run starts from: on the held-out data, else on the training data itself.
  const judged = stage.heldOut ?? (hasTruth(stage.train, stage.task) ? { set: stage.train, source: `the training data (${stage.train.count} samples; no held-out data given)`, explicit: false } : undefined);
  if (judged) {
    const f = await floatFigure(q, stage.model, stage.task, judged, out);
    stage.metrics = { ...stage.metrics, evaluatedOn: judged.source, float: f.metrics };
    if (stage.heldOut) stage.floatOutputs = f.outputs;
  }
  return stage;
}

/** Quantisation options shared by ptq and qat. */
export interface QuantOpts extends InputQuantOpts {
  scales: ScaleMode;
  rounding: RoundingMode;
  perTensor?: boolean;
  out: string;
  evaluate?: boolean;
  /** Also save the quantised model as a model directory here (for a later `edgeq freeze`). */
  saveModel?: string;
  /** Worker threads of the int8 interpreter on the held-out data (default: one per core when it is long enough). */
  simWorkers?: number;
  /** `--weight-bits`: '8' (default) or '4' (int4 weights in every conv/depthwise/dense layer but --int8-layers). */
  weightBits?: string;
  /** `--int8-layers`: with --weight-bits 4, layers kept at 8 bits (comma-separated names, first, last). */
  int8Layers?: string;
  /** `--int4-clipping`: mse (default) or max. */
  int4Clipping?: 'mse' | 'max';
  /** `--freeze-weight-scales` (qat only): half (default with --weight-bits 4) or never. */
  freezeWeightScales?: 'half' | 'never';
}

/** The weight width options of a run as @edgeq/qat's config fields. */
function weightBitsConfig(o: QuantOpts): { weightBits: 4 | 8; int8Layers: string[]; int4Clipping: 'mse' | 'max' } {
  const weightBits = o.weightBits === '4' ? 4 : 8;
  const int8Layers = (o.int8Layers ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return { weightBits, int8Layers, int4Clipping: o.int4Clipping ?? 'mse' };
}

/** Refuse an `--int8-layers` entry that names no weight layer of `model` (before any training), listing the valid ones. */
function checkInt8Layers(q: QatApi, o: QuantOpts, model: QatModel): void {
  const names = q.weightLayerNames(model.net);
  for (const entry of weightBitsConfig(o).int8Layers) {
    if (!(q.INT8_LAYER_RULES as readonly string[]).includes(entry) && !names.includes(entry)) {
      throw usageError(`--int8-layers ${entry}: not a conv/depthwise/dense layer of ${model.name}; valid: ${[...q.INT8_LAYER_RULES, ...names].join(', ')}`);
    }
  }
}

/**
 * Judge the int8 graph on the held-out data (when there is one) before anything is
 * written, so a failing evaluation leaves nothing behind.
 */
async function judgeGraph(
  q: QatApi, g: QGraph, task: FloatStage['task'], heldOut: HeldOut | undefined, metrics: PipelineMetrics, out: Output,
  floatOutputs?: import('@edgeq/qat').Outputs, frozenFrom?: QatModel, simWorkers?: number,
): Promise<PipelineMetrics> {
  if (!heldOut) return metrics;
  const r = await int8Figure(q, g, task, heldOut, out, floatOutputs, frozenFrom, simWorkers);
  return { ...metrics, evaluatedOn: heldOut.source, int8: r.int8, ...(r.agreement ? { agreement: r.agreement } : {}), ...(r.layers ? { layers: r.layers } : {}), ...(r.confusion ? { confusion: r.confusion } : {}) };
}

/**
 * Write a QGraph (shared by ptq, qat and freeze).
 * @returns a function printing the result, to call once every output is in place
 */
async function writeGraph(q: QatApi, g: QGraph, o: { out: string }, out: Output, metrics: PipelineMetrics, extra: Record<string, unknown>): Promise<() => void> {
  const file = path.resolve(o.out);
  await saveQGraph(g, file);
  return () => {
    out.json({ ok: true, graph: file, ops: g.ops.length, quantization: g.quantization, ...metricsJson(metrics), ...extra });
    out.result(`wrote ${path.relative(process.cwd(), file)} (${g.ops.length} ops, ${g.quantization.scales} scales)`);
    for (const line of int8Lines(q, metrics)) out.result(line);
  };
}

/** The figures of a run in `--json` (`test` keeps its Fashion-MNIST-era shape for classification). */
function metricsJson(m: PipelineMetrics): Record<string, unknown> {
  const test = m.int8?.top1 !== undefined && m.task === 'classification'
    ? { test: { accuracy: m.int8.top1, correct: Math.round(m.int8.top1 * m.int8.count), count: m.int8.count } }
    : {};
  return { metrics: m, ...test };
}

/** Freeze, judge, save the model directory (--save-model) and the QGraph, and report. */
async function finish(q: QatApi, m: QatModel, name: string, o: QuantOpts, stage: FloatStage, out: Output, extra: Record<string, unknown>): Promise<{ graph: QGraph; metrics: PipelineMetrics }> {
  const g = q.freeze(m, { name, metadata: { tool: 'edgeq', ...extra } });
  const judged = stage.heldOut && (stage.heldOut.explicit || o.evaluate) ? stage.heldOut : undefined;
  const metrics = await judgeGraph(q, g, stage.task, judged, stage.metrics, out, stage.floatOutputs, m, o.simWorkers);
  if (!o.saveModel) {
    (await writeGraph(q, g, o, out, metrics, extra))();
    return { graph: g, metrics };
  }
  // The model directory is committed only after the QGraph is written: a failure leaves no model directory.
  const dir = path.resolve(o.saveModel);
  const report = await writeOutput(dir, 'dir', async (tmp) => {
    await q.writeModelFiles(m, tmp);
    return writeGraph(q, g, o, out, metrics, { ...extra, savedModel: dir });
  }, SAVED_MODEL_DOC);
  report();
  out.line(`saved the quantised model to ${path.relative(process.cwd(), dir) || '.'} (edgeq freeze reads it)`);
  return { graph: g, metrics };
}

/** The input range to quantise with: given on the command line, or the training data's. */
function inputRangeOf(q: QatApi, o: QuantOpts, stage: FloatStage): [number, number] {
  return givenInputRange(q, o, o.scales) ?? dataInputRange(q, stage.train);
}

/** Checks made before any work: options that need no file. */
async function checkQuantRun(q: QatApi, o: FloatTrainOpts & QuantOpts): Promise<void> {
  checkRoundingForScales(o.scales, o.rounding);
  if (o.weightBits !== '4') {
    if (o.int8Layers !== undefined) throw usageError('--int8-layers: only applies with --weight-bits 4');
    if (o.int4Clipping !== undefined) throw usageError('--int4-clipping: only applies with --weight-bits 4');
    if (o.freezeWeightScales !== undefined) throw usageError('--freeze-weight-scales: only applies with --weight-bits 4');
  }
  givenInputRange(q, o, o.scales);
  if (o.saveModel) await checkModelTarget(q, o.saveModel, '--save-model');
  await checkResultsFile(o.results);
}

/** With `--results FILE`: add what a ptq or qat run made to the results document. */
async function recordQuantRun(
  q: QatApi, o: FloatTrainOpts & QuantOpts, stage: FloatStage, made: { graph: QGraph; metrics: PipelineMetrics },
  how: Pick<QuantStory, 'stage' | 'calibrationImages' | 'qat'>,
): Promise<void> {
  if (!o.results) return;
  await recordResults(o.results, how.stage, await quantPart(q, {
    ...how, float: stage.story, graph: made.graph, graphFile: o.out, floatModel: stage.model, perTensor: !!o.perTensor,
    metrics: made.metrics, heldOut: stage.heldOut?.set, train: stage.train,
  }, settingsOf(how.stage, o)));
}

/** `edgeq ptq`: float training (or a saved float model), calibration on the first N training samples, freeze. */
export async function runPtq(specArg: string, o: FloatTrainOpts & QuantOpts & { calibration: number }, out: Output): Promise<PipelineMetrics> {
  checkDataOptions(o);
  const q = await qatApi();
  await checkQuantRun(q, o);
  const stage = await trainFloat(q, specArg, o, out, 'ptq', true, (m) => checkInt8Layers(q, o, m));
  const { model, base, train } = stage;
  try {
    const calib = q.subset(train, 0, o.calibration);
    const inputRange = inputRangeOf(q, o, stage);
    const c = await withProgress('calibrate', calib.count, { silent: out.opts.json || out.opts.quiet }, (task) => {
      let last = 0;
      return q.calibrate(model, calib, { scales: o.scales, rounding: o.rounding, perChannel: !o.perTensor, ...weightBitsConfig(o), method: 'minmax', inputRange, onProgress: (d) => { task.tick(d - last); last = d; } });
    });
    try {
      const made = await finish(q, c, `${model.name}_ptq_${weightBitsConfig(o).weightBits === 4 ? 'w4_' : ''}${o.scales}`, o, stage, out, { stage: 'ptq', calibrationImages: calib.count, perChannel: !o.perTensor, task: stage.task.kind });
      await recordQuantRun(q, o, stage, made, { stage: 'ptq', calibrationImages: calib.count });
      return made.metrics;
    } finally {
      c.dispose();
    }
  } finally {
    [model, base].forEach((m) => m.dispose());
  }
}

/** The QAT options as given: `--qat-epochs` (absent: 1, or one per rate) and `--qat-lr` (one rate or one per epoch; a config file may give a number). */
export interface QatOpts {
  qatEpochs?: number;
  qatLr: number | string | number[];
}

/**
 * The learning rate of each QAT epoch from `--qat-lr` and `--qat-epochs`: one rate for every
 * epoch, or one rate per epoch (then `--qat-epochs`, when given, must count them).
 */
export function qatRates(o: QatOpts): number[] {
  const given = typeof o.qatLr === 'string' ? positiveNumbers('--qat-lr')(o.qatLr) : Array.isArray(o.qatLr) ? o.qatLr : [o.qatLr];
  if (given.length === 1) return Array.from({ length: o.qatEpochs ?? 1 }, () => given[0]);
  if (o.qatEpochs !== undefined && o.qatEpochs !== given.length) {
    throw usageError(`--qat-lr: ${given.length} rates for --qat-epochs ${o.qatEpochs}; give one rate, or one per QAT epoch`);
  }
  return given;
}

/** `edgeq qat`: float training (or a saved float model), then QAT from the pre-fine-tune weights, freeze. */
export async function runQat(specArg: string, o: FloatTrainOpts & QuantOpts & QatOpts, out: Output): Promise<PipelineMetrics> {
  checkDataOptions(o);
  const rates = qatRates(o);
  const qatEpochs = rates.length;
  const q = await qatApi();
  await checkQuantRun(q, o);
  const stage = await trainFloat(q, specArg, { ...o, fineTuneEpochs: 0 }, out, 'qat', true, (m) => checkInt8Layers(q, o, m));
  const { model, base, train } = stage;
  try {
    const stepsPerEpoch = Math.floor(train.count / o.batch);
    const steps = stepsPerEpoch * qatEpochs;
    // W4: the 4-bit weight scales are fixed at the BN freeze unless --freeze-weight-scales never.
    const schedule = q.scheduleForSteps(steps, { fixWeightScales: weightBitsConfig(o).weightBits === 4 && o.freezeWeightScales !== 'never' });
    const qm = q.prepare(base, { scales: o.scales, rounding: o.rounding, perChannel: !o.perTensor, ...weightBitsConfig(o), schedule, inputRange: inputRangeOf(q, o, stage) });
    try {
      const plan = { label: 'QAT', epochs: qatEpochs, stepsPerEpoch, firstEpoch: o.epochs + 1 };
      const trained = await withTrainingProgress(plan, { silent: out.opts.json || out.opts.quiet }, (onProgress) =>
        q.trainAtRates(qm, train, rates, { task: stage.task, batchSize: o.batch, seed: o.seed, epochOffset: o.epochs, workers: q.resolveWorkerCount(o.workers), onProgress }));
      const made = await finish(q, qm, `${model.name}_qat_${weightBitsConfig(o).weightBits === 4 ? 'w4_' : ''}${o.scales}`, o, stage, out, { stage: 'qat', qatEpochs, perChannel: !o.perTensor, task: stage.task.kind });
      const recorded: FloatTrainOpts & QuantOpts & QatOpts = { ...o, qatEpochs, qatLr: rates.join(',') };
      await recordQuantRun(q, recorded, stage, made, { stage: 'qat', qat: { epochs: qatEpochs, rates, figures: trained.epochs } });
      return made.metrics;
    } finally {
      qm.dispose();
    }
  } finally {
    [model, base].forEach((m) => m.dispose());
  }
}

/** `edgeq train`: build and train the float model of a spec, judge it on held-out data, save it as a model directory. */
export async function runTrain(specArg: string, o: FloatTrainOpts & { out: string }, out: Output): Promise<PipelineMetrics> {
  checkDataOptions(o);
  const q = await qatApi();
  await checkModelTarget(q, o.out, '--out');
  await checkResultsFile(o.results);
  const { model, base, train, result, metrics, story } = await trainFloat(q, specArg, o, out, 'train', false);
  try {
    const dir = await writeSavedModel(q, model, o.out);
    const params = parameterCount(model);
    out.json({
      ok: true, model: dir, name: model.name, phase: model.phase, parameters: params, trainImages: train.count,
      epochs: o.epochs, fineTuneEpochs: o.fineTuneEpochs, steps: result?.steps, loss: result?.loss, history: model.history, metrics,
    });
    out.result(`wrote ${path.relative(process.cwd(), dir) || '.'} (float ${model.name}, ${params.toLocaleString('en-US')} weights; quantise it with edgeq ptq or edgeq qat)`);
    if (o.results) await recordResults(o.results, 'train', trainPart(story, settingsOf('train', o), metrics));
    return metrics;
  } finally {
    [model, base].forEach((m) => m.dispose());
  }
}

/** Held-out data options of `freeze`. */
export interface FreezeDataOpts {
  evaluate?: boolean;
  testData?: string;
  testLabels?: string;
  testTargets?: string;
  task?: FloatTrainOpts['task'];
  /** Worker threads of the int8 interpreter on the held-out data. */
  simWorkers?: number;
}

/** `edgeq freeze`: a saved quantised model directory → QGraph (judged on held-out data first, when given). */
export async function runFreeze(modelArg: string, o: FreezeRequest & FreezeDataOpts & { out: string }, out: Output): Promise<PipelineMetrics> {
  const ref = await resolveModel(modelArg);
  if (ref.kind !== 'edgeq') {
    const hint = ref.kind === 'qgraph' ? 'it is already a QGraph' : ref.kind === 'spec' ? `train and quantise it first: edgeq qat ${modelArg} --save-model DIR` : `import a ${ref.kind} model with edgeq generate/simulate instead`;
    throw usageError(`${ref.file}: freeze reads a saved quantised model directory (written by edgeq qat or ptq --save-model); ${hint}`);
  }
  if (!o.testData && (o.testLabels || o.testTargets)) throw usageError(`${o.testLabels ? '--test-labels' : '--test-targets'}: needs --test-data`);
  const q = await qatApi();
  await q.initBackend();
  const m = await loadSavedModel(q, ref.file);
  try {
    const g = freezeSavedModel(q, m, ref.file, o);
    const task = modelTask(q, m, o.task);
    const data = o.testData ?? (o.evaluate ? 'fashion-mnist:test' : undefined);
    let metrics: PipelineMetrics = { task: task.kind };
    if (data) {
      const set = await loadSampleSet(q, { data, labels: o.testLabels, targets: o.testTargets }, { inputShape: m.inputShape, model: m.name, task }, 'test');
      const source = o.testData ? `${o.testData} (${set.count} samples)` : `the Fashion-MNIST test set (${set.count} images)`;
      metrics = await judgeGraph(q, g, task, { set, source, explicit: true }, metrics, out, undefined, m, o.simWorkers);
    }
    (await writeGraph(q, g, o, out, metrics, { stage: 'freeze', model: path.resolve(ref.file), qatStep: m.qatStep }))();
    return metrics;
  } finally {
    m.dispose();
  }
}
