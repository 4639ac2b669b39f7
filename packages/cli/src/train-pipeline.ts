/**
 * The training side of the CLI on @edgeq/qat: builds the float model of a spec, trains it
 * (with progress bars), then calibrates (PTQ) or fine-tunes with fake-quant (QAT) and
 * freezes to a QGraph — all in one process, since models travel between commands only as
 * QGraphs until @edgeq/qat can save and load its models.
 */

import path from 'node:path';
import { saveQGraph, type QGraph, type RoundingMode, type ScaleMode } from '@edgeq/ir';
import { qatApi, type ImageSet, type QatApi, type QatModel } from './components.js';
import { inputError, unavailable } from './errors.js';
import { evaluate } from './evaluate.js';
import { loadArchSpec } from './inputs/arch-spec.js';
import { resolveModel } from './inputs/model.js';
import { readNpy } from './inputs/npy.js';
import { samplesToInputs } from './inputs/data.js';
import type { Output } from './output.js';
import { withProgress } from './progress.js';

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
  const labels = Uint8Array.from(y.data as ArrayLike<number>);
  const set: ImageSet = { images: x.data as Uint8Array, labels, count, height, width, channels, classes: Math.max(...labels) + 1 };
  return q.subset(set, 0, o.limit ?? count);
}

/** Build and train the float model of a spec argument. */
export async function trainFloat(q: QatApi, specArg: string, o: FloatTrainOpts, out: Output): Promise<{ model: QatModel; base: QatModel; train: ImageSet }> {
  const ref = await resolveModel(specArg);
  if (ref.kind !== 'spec') {
    throw unavailable(`${ref.file}: training starts from an architecture spec; continuing from a saved ${ref.kind} model needs model loading in @edgeq/qat, not in this build yet`);
  }
  const spec = await loadArchSpec(ref.file);
  const backend = await q.initBackend();
  out.line(`tfjs backend: ${backend.backend}`);
  const train = await loadTrainingSet(q, o);
  const model = q.EdgeqModel.fromLayersModel(q.buildModel(spec, o.seed));
  const silent = out.opts.json || out.opts.quiet;
  const steps = (e: number) => Math.floor(train.count / o.batch) * e;
  const run = (label: string, epochs: number, lr: number, epochOffset: number) =>
    withProgress(label, steps(epochs), { silent }, (task) => {
      let last = 0;
      return q.train(model, train, { epochs, learningRate: lr, batchSize: o.batch, seed: o.seed, epochOffset, onProgress: (d) => { task.tick(d - last); last = d; } });
    });
  const r = await run('float train', o.epochs, o.lr, 0);
  out.line(`float: ${o.epochs} epochs on ${train.count} images, loss ${r.epochLoss.at(-1)?.toFixed(3)}`);
  const base = model.clone();
  if (o.fineTuneEpochs > 0) await run('float tune', o.fineTuneEpochs, o.fineTuneLr, o.epochs);
  return { model, base, train };
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
}

/** Freeze, save, optionally evaluate, and report. */
async function finish(q: QatApi, m: QatModel, name: string, o: QuantOpts, out: Output, extra: Record<string, unknown>): Promise<void> {
  const g = q.freeze(m, { name, metadata: { tool: 'edgeq', ...extra } });
  const file = path.resolve(o.out);
  await saveQGraph(g, file);
  const acc = o.evaluate ? await testAccuracy(q, g, out) : undefined;
  out.json({ ok: true, graph: file, ops: g.ops.length, quantization: g.quantization, ...(acc ? { test: acc } : {}), ...extra });
  out.result(`wrote ${path.relative(process.cwd(), file)} (${g.ops.length} ops, ${g.quantization.scales} scales)`);
  if (acc) out.result(`int8 top-1 on the Fashion-MNIST test set: ${(100 * acc.accuracy).toFixed(2)}% (${acc.correct}/${acc.count})`);
}

/** `edgeq ptq`: float training, calibration on the first N training images, freeze. */
export async function runPtq(specArg: string, o: FloatTrainOpts & QuantOpts & { calibration: number }, out: Output): Promise<void> {
  const q = await qatApi();
  const { model, base, train } = await trainFloat(q, specArg, o, out);
  const calib = q.subset(train, 0, o.calibration);
  const c = await withProgress('calibrate', calib.count, { silent: out.opts.json || out.opts.quiet }, (task) => {
    let last = 0;
    return q.calibrate(model, calib, { scales: o.scales, rounding: o.rounding, perChannel: !o.perTensor, method: 'minmax', onProgress: (d) => { task.tick(d - last); last = d; } });
  });
  await finish(q, c, `${model.name}_ptq_${o.scales}`, o, out, { stage: 'ptq', calibrationImages: calib.count, perChannel: !o.perTensor });
  [model, base, c].forEach((m) => m.dispose());
}

/** `edgeq qat`: float training, then QAT from the pre-fine-tune weights, freeze. */
export async function runQat(specArg: string, o: FloatTrainOpts & QuantOpts & { qatEpochs: number; qatLr: number }, out: Output): Promise<void> {
  const q = await qatApi();
  const { model, base, train } = await trainFloat(q, specArg, { ...o, fineTuneEpochs: 0 }, out);
  const steps = Math.floor(train.count / o.batch) * o.qatEpochs;
  const schedule = { recordSteps: Math.min(50, Math.floor(steps / 10)), freezeBnStep: Math.floor(steps / 2), freezeRangesStep: Math.floor((steps * 4) / 5) };
  const qm = q.prepare(base, { scales: o.scales, rounding: o.rounding, perChannel: !o.perTensor, schedule });
  await withProgress('QAT', steps, { silent: out.opts.json || out.opts.quiet }, (task) => {
    let last = 0;
    return q.train(qm, train, { epochs: o.qatEpochs, learningRate: o.qatLr, batchSize: o.batch, seed: o.seed, epochOffset: o.epochs, onProgress: (d) => { task.tick(d - last); last = d; } });
  });
  await finish(q, qm, `${model.name}_qat_${o.scales}`, o, out, { stage: 'qat', qatEpochs: o.qatEpochs, perChannel: !o.perTensor });
  [model, base, qm].forEach((m) => m.dispose());
}
