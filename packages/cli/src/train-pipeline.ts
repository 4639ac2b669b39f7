/**
 * The training side of the CLI on @edgeq/qat: builds the float model of a spec and trains
 * it (with progress bars) or loads a saved float model, then saves it (`train`), or
 * calibrates (PTQ) or fine-tunes with fake-quant (QAT), freezes to a QGraph and optionally
 * saves the quantised model (`--save-model`); `freeze` turns a saved quantised model into a
 * QGraph.
 */

import path from 'node:path';
import { saveQGraph, type QGraph, type RoundingMode, type ScaleMode } from '@edgeq/ir';
import { writeOutput } from './atomic.js';
import { qatApi, type ImageSet, type QatApi, type QatModel } from './components.js';
import { inputError, modelError, usageError } from './errors.js';
import { evaluate } from './evaluate.js';
import { loadArchSpec } from './inputs/arch-spec.js';
import { resolveModel } from './inputs/model.js';
import { classIds } from './inputs/labels.js';
import { readNpy } from './inputs/npy.js';
import { samplesToInputs } from './inputs/data.js';
import type { Output } from './output.js';
import { withProgress } from './progress.js';
import { checkRoundingForScales } from './commands/common.js';
import { SAVED_MODEL_DOC, checkModelTarget, freezeSavedModel, loadSavedModel, parameterCount, requirePhase, writeSavedModel, type FreezeRequest } from './saved-model.js';

/** Float training options (the design notes' recipe by default). */
export interface FloatTrainOpts {
  data: string;
  labels?: string;
  limit?: number;
  epochs: number;
  lr: number;
  fineTuneEpochs: number;
  fineTuneLr: number;
  batch: number;
  seed: number;
  /** Training worker threads (default: one per core on wasm). */
  workers?: number;
}

/** Training images: Fashion-MNIST's training split, or .npy images + labels. */
export async function loadTrainingSet(q: QatApi, o: FloatTrainOpts): Promise<ImageSet> {
  if (/^fashion-mnist(:train)?$/.test(o.data)) return q.subset(q.loadFashionMnist('train'), 0, o.limit ?? 60_000);
  if (!o.data.endsWith('.npy')) throw inputError(`--data ${o.data}: expected fashion-mnist[:train] or a .npy file of images`);
  if (!o.labels) throw inputError(`--data ${o.data}: training from .npy needs --labels`);
  const x = await readNpy(o.data);
  const y = await readNpy(o.labels);
  if (x.descr !== '|u1' || x.shape.length < 3) throw inputError(`${o.data}: expected uint8 images [N, H, W] or [N, H, W, C], got '${x.descr}' (${x.shape.join(', ')})`);
  const [count, height, width, channels = 1] = x.shape;
  if (y.data.length !== count) throw inputError(`${o.labels}: ${y.data.length} labels for ${count} images`);
  const labels = Uint8Array.from(classIds(y, o.labels, 256, 'training labels are stored as uint8'));
  const set: ImageSet = { images: x.data as Uint8Array, labels, count, height, width, channels, classes: Math.max(...labels) + 1 };
  return q.subset(set, 0, o.limit ?? count);
}

/** A float model from a tfjs layers model directory (bad files and layers are model errors, exit 4). */
async function loadTfjsModel(q: QatApi, modelJson: string): Promise<QatModel> {
  try {
    const layers = await q.loadLayersModelFile(modelJson);
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

/**
 * The float model to quantise: a saved edgeq or tfjs float model directory as it is, or the float model
 * of a spec, built and trained. `base` is the model before the fine-tune epochs (the same
 * weights as `model` for a loaded model).
 */
export async function trainFloat(
  q: QatApi, specArg: string, o: FloatTrainOpts, out: Output, command: string, allowSaved = true,
): Promise<{ model: QatModel; base: QatModel; train: ImageSet; loaded: boolean; result?: { steps: number; loss?: number } }> {
  const ref = await resolveModel(specArg);
  if ((ref.kind === 'edgeq' || ref.kind === 'tfjs') && allowSaved) {
    const backend = await q.initBackend();
    out.line(`tfjs backend: ${q.describeBackend(backend, q.resolveWorkerCount(o.workers))}`);
    const model = ref.kind === 'edgeq' ? await loadSavedModel(q, ref.file) : await loadTfjsModel(q, ref.file);
    try {
      requirePhase(model, ref.file, 'float', command);
    } catch (e) {
      model.dispose();
      throw e;
    }
    const train = await loadTrainingSet(q, o);
    out.line(`float: ${model.name} loaded from ${ref.file}${ref.kind === 'tfjs' ? ' (tfjs layers model)' : ''}`);
    return { model, base: model.clone(), train, loaded: true };
  }
  if (ref.kind !== 'spec') {
    if (ref.kind === 'edgeq' || ref.kind === 'tfjs') {
      throw usageError(`${ref.file}: ${command} starts from an architecture spec, not a trained model (quantise a float model with edgeq ptq or edgeq qat)`);
    }
    throw usageError(`${ref.file}: is an int8 ${ref.kind === 'qgraph' ? 'QGraph' : '.tflite model'} (nothing to train); ${command} starts from an architecture spec${allowSaved ? ' or a float model saved by edgeq train' : ''}`);
  }
  const spec = await loadArchSpec(ref.file);
  const backend = await q.initBackend();
  out.line(`tfjs backend: ${q.describeBackend(backend, q.resolveWorkerCount(o.workers))}`);
  const train = await loadTrainingSet(q, o);
  const model = q.EdgeqModel.fromLayersModel(q.buildModel(spec, o.seed));
  const silent = out.opts.json || out.opts.quiet;
  const steps = (e: number) => Math.floor(train.count / o.batch) * e;
  const run = (label: string, epochs: number, lr: number, epochOffset: number) =>
    withProgress(label, steps(epochs), { silent }, (task) => {
      let last = 0;
      return q.train(model, train, { epochs, learningRate: lr, batchSize: o.batch, seed: o.seed, epochOffset, workers: q.resolveWorkerCount(o.workers), onProgress: (d) => { task.tick(d - last); last = d; } });
    });
  const r = await run('float train', o.epochs, o.lr, 0);
  out.line(`float: ${o.epochs} epochs on ${train.count} images, loss ${r.epochLoss.at(-1)?.toFixed(3)}`);
  const base = model.clone();
  let totalSteps = r.steps;
  let loss = r.epochLoss.at(-1);
  if (o.fineTuneEpochs > 0) {
    const t = await run('float tune', o.fineTuneEpochs, o.fineTuneLr, o.epochs);
    totalSteps += t.steps;
    loss = t.epochLoss.at(-1);
  }
  return { model, base, train, loaded: false, result: { steps: totalSteps, loss } };
}

/** Int8 top-1 of a graph on Fashion-MNIST's test split (integer interpreter). */
export async function testAccuracy(q: QatApi, g: QGraph, out: Output): Promise<{ accuracy: number; correct: number; count: number }> {
  const test = q.loadFashionMnist('test');
  const inputs = samplesToInputs(g, { descr: '|u1', shape: [test.count, test.height, test.width, test.channels], data: test.images as Uint8Array }, 'Fashion-MNIST test');
  const ev = await withProgress('int8 eval', inputs.length, { silent: out.opts.json || out.opts.quiet }, (task) => evaluate(g, inputs, Int32Array.from(test.labels), task));
  return { accuracy: ev.accuracy!, correct: ev.correct!, count: inputs.length };
}

/** Quantisation options shared by ptq and qat. */
export interface QuantOpts {
  scales: ScaleMode;
  rounding: RoundingMode;
  perTensor?: boolean;
  out: string;
  evaluate?: boolean;
  /** Also save the quantised model as a model directory here (for a later `edgeq freeze`). */
  saveModel?: string;
}

/**
 * Write a QGraph and optionally evaluate it (shared by ptq, qat and freeze).
 * @returns a function printing the result, to call once every output is in place
 */
async function writeGraph(q: QatApi, g: QGraph, o: { out: string; evaluate?: boolean }, out: Output, extra: Record<string, unknown>): Promise<() => void> {
  const file = path.resolve(o.out);
  await saveQGraph(g, file);
  const acc = o.evaluate ? await testAccuracy(q, g, out) : undefined;
  return () => {
    out.json({ ok: true, graph: file, ops: g.ops.length, quantization: g.quantization, ...(acc ? { test: acc } : {}), ...extra });
    out.result(`wrote ${path.relative(process.cwd(), file)} (${g.ops.length} ops, ${g.quantization.scales} scales)`);
    if (acc) out.result(`int8 top-1 on the Fashion-MNIST test set: ${(100 * acc.accuracy).toFixed(2)}% (${acc.correct}/${acc.count})`);
  };
}

/** Freeze, save the model directory (--save-model) and the QGraph, optionally evaluate, and report. */
async function finish(q: QatApi, m: QatModel, name: string, o: QuantOpts, out: Output, extra: Record<string, unknown>): Promise<void> {
  const g = q.freeze(m, { name, metadata: { tool: 'edgeq', ...extra } });
  if (!o.saveModel) return (await writeGraph(q, g, o, out, extra))();
  // The model directory is committed only after the QGraph is written: a failure leaves no model directory.
  const dir = path.resolve(o.saveModel);
  const report = await writeOutput(dir, 'dir', async (tmp) => {
    await q.writeModelFiles(m, tmp);
    return writeGraph(q, g, o, out, { ...extra, savedModel: dir });
  }, SAVED_MODEL_DOC);
  report();
  out.line(`saved the quantised model to ${path.relative(process.cwd(), dir) || '.'} (edgeq freeze reads it)`);
}

/** `edgeq ptq`: float training (or a saved float model), calibration on the first N training images, freeze. */
export async function runPtq(specArg: string, o: FloatTrainOpts & QuantOpts & { calibration: number }, out: Output): Promise<void> {
  checkRoundingForScales(o.scales, o.rounding);
  const q = await qatApi();
  if (o.saveModel) await checkModelTarget(q, o.saveModel, '--save-model');
  const { model, base, train } = await trainFloat(q, specArg, o, out, 'ptq');
  const calib = q.subset(train, 0, o.calibration);
  const c = await withProgress('calibrate', calib.count, { silent: out.opts.json || out.opts.quiet }, (task) => {
    let last = 0;
    return q.calibrate(model, calib, { scales: o.scales, rounding: o.rounding, perChannel: !o.perTensor, method: 'minmax', onProgress: (d) => { task.tick(d - last); last = d; } });
  });
  await finish(q, c, `${model.name}_ptq_${o.scales}`, o, out, { stage: 'ptq', calibrationImages: calib.count, perChannel: !o.perTensor });
  [model, base, c].forEach((m) => m.dispose());
}

/** `edgeq qat`: float training (or a saved float model), then QAT from the pre-fine-tune weights, freeze. */
export async function runQat(specArg: string, o: FloatTrainOpts & QuantOpts & { qatEpochs: number; qatLr: number }, out: Output): Promise<void> {
  checkRoundingForScales(o.scales, o.rounding);
  const q = await qatApi();
  if (o.saveModel) await checkModelTarget(q, o.saveModel, '--save-model');
  const { model, base, train } = await trainFloat(q, specArg, { ...o, fineTuneEpochs: 0 }, out, 'qat');
  const steps = Math.floor(train.count / o.batch) * o.qatEpochs;
  const schedule = { recordSteps: Math.min(50, Math.floor(steps / 10)), freezeBnStep: Math.floor(steps / 2), freezeRangesStep: Math.floor((steps * 4) / 5) };
  const qm = q.prepare(base, { scales: o.scales, rounding: o.rounding, perChannel: !o.perTensor, schedule });
  await withProgress('QAT', steps, { silent: out.opts.json || out.opts.quiet }, (task) => {
    let last = 0;
    return q.train(qm, train, { epochs: o.qatEpochs, learningRate: o.qatLr, batchSize: o.batch, seed: o.seed, epochOffset: o.epochs, workers: q.resolveWorkerCount(o.workers), onProgress: (d) => { task.tick(d - last); last = d; } });
  });
  await finish(q, qm, `${model.name}_qat_${o.scales}`, o, out, { stage: 'qat', qatEpochs: o.qatEpochs, perChannel: !o.perTensor });
  [model, base, qm].forEach((m) => m.dispose());
}

/** `edgeq train`: build and train the float model of a spec, save it as a model directory. */
export async function runTrain(specArg: string, o: FloatTrainOpts & { out: string }, out: Output): Promise<void> {
  const q = await qatApi();
  await checkModelTarget(q, o.out, '--out');
  const { model, base, train, result } = await trainFloat(q, specArg, o, out, 'train', false);
  try {
    const dir = await writeSavedModel(q, model, o.out);
    const params = parameterCount(model);
    out.json({
      ok: true, model: dir, name: model.name, phase: model.phase, parameters: params, trainImages: train.count,
      epochs: o.epochs, fineTuneEpochs: o.fineTuneEpochs, steps: result?.steps, loss: result?.loss, history: model.history,
    });
    out.result(`wrote ${path.relative(process.cwd(), dir) || '.'} (float ${model.name}, ${params.toLocaleString('en-US')} weights; quantise it with edgeq ptq or edgeq qat)`);
  } finally {
    [model, base].forEach((m) => m.dispose());
  }
}

/** `edgeq freeze`: a saved quantised model directory → QGraph. */
export async function runFreeze(modelArg: string, o: FreezeRequest & { out: string; evaluate?: boolean }, out: Output): Promise<void> {
  const ref = await resolveModel(modelArg);
  if (ref.kind !== 'edgeq') {
    const hint = ref.kind === 'qgraph' ? 'it is already a QGraph' : ref.kind === 'spec' ? `train and quantise it first: edgeq qat ${modelArg} --save-model DIR` : `import a ${ref.kind} model with edgeq generate/simulate instead`;
    throw usageError(`${ref.file}: freeze reads a saved quantised model directory (written by edgeq qat or ptq --save-model); ${hint}`);
  }
  const q = await qatApi();
  await q.initBackend();
  const m = await loadSavedModel(q, ref.file);
  try {
    const g = freezeSavedModel(q, m, ref.file, o);
    (await writeGraph(q, g, o, out, { stage: 'freeze', model: path.resolve(ref.file), qatStep: m.qatStep }))();
  } finally {
    m.dispose();
  }
}
