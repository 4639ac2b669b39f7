/**
 * The Fashion-MNIST demo, end to end: float training → PTQ (fixed and pow2) → QAT (fixed
 * and pow2), each with 8-bit and with 4-bit weights (W4A8) → freeze → firmware for a
 * Cortex-M core → parity under QEMU over the test images → one results document → the HTML
 * report. Prints the accuracy table and the parity line as it goes.
 *
 *   npx tsx examples/fashion-mnist/run.ts            # default: under 15 minutes on 2 cores
 *   npx tsx examples/fashion-mnist/run.ts --full     # the design notes' recipe
 *   options: --out DIR (default out/fashion-mnist) --model dscnn|mbv2mini --target cortex-m4
 *            --other-targets cortex-m0,...|none --train-images N --test-images N --seed N
 *            --no-w4 (only the 8-bit-weight variants)
 *
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { quantizeFloat, saveQGraph, writeFileAtomic, type QGraph } from '@edgeq/ir';
import {
  RESULTS_SCHEMA,
  graphCosts,
  observeActivationRanges,
  runHostParity,
  textTable,
  weightRangesOf,
  withProgress,
  writeReport,
  type AccuracyEntry,
  type CostEntry,
  type EdgeqResults,
  type ParityEntry,
} from '@edgeq/cli';
import * as q from '@edgeq/qat';
import { deviceParity, getCortexMTarget, writeDeviceFirmwareDir } from '@edgeq/harness';
import { evaluateInWorkers } from './parallel-eval.js';
import { DEFAULT_SETTINGS, FULL_SETTINGS, type DemoSettings } from './settings.js';

const { values: args } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    out: { type: 'string', default: 'out/fashion-mnist' },
    model: { type: 'string' },
    target: { type: 'string' },
    'other-targets': { type: 'string' },
    'train-images': { type: 'string' },
    'test-images': { type: 'string' },
    seed: { type: 'string' },
    'no-w4': { type: 'boolean', default: false },
  },
});

const settings: DemoSettings = { ...(args.full ? FULL_SETTINGS : DEFAULT_SETTINGS) };
if (args.model) settings.model = args.model as DemoSettings['model'];
if (args.target) settings.target = args.target;
if (args['other-targets'] !== undefined) settings.otherTargets = args['other-targets'] === 'none' ? [] : args['other-targets'].split(',');
if (args['train-images']) settings.trainImages = Number(args['train-images']);
if (args['test-images']) settings.testImages = Number(args['test-images']);
if (args.seed) settings.seed = Number(args.seed);
if (args['no-w4']) settings.w4 = false;
const outDir = path.resolve(args.out!);
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
const log = (s: string) => process.stdout.write(`${s}\n`);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** One int8 variant the demo makes: scale mode and weight width. */
interface Int8Variant {
  scales: 'fixed' | 'pow2';
  bits: 4 | 8;
}
/** The int8 variants, W8 first (QAT fixed W8 is the one deployed). */
const int8Variants = (): Int8Variant[] =>
  (settings.w4 ? [8, 4] as const : [8] as const).flatMap((bits) => (['fixed', 'pow2'] as const).map((scales) => ({ scales, bits })));
/** "QAT W4 pow2" style name of a variant in the printed table. */
const printedName = (stage: 'ptq' | 'qat', v: Int8Variant) => `${stage.toUpperCase()}${v.bits === 4 ? ' W4' : ''} ${v.scales}`;
/** The @edgeq/qat options of a variant's weight width. */
const widthOptions = (v: Int8Variant) => (v.bits === 4 ? { weightBits: 4 as const, int8Layers: settings.int8Layers } : {});
/** The results rows' marker of a W4A8 variant. */
const bitsField = (v: Int8Variant) => (v.bits === 4 ? { weightBits: 4 as const } : {});

const results: EdgeqResults = {
  schema: RESULTS_SCHEMA,
  title: `edgeq on Fashion-MNIST — ${settings.model}`,
  createdAt: new Date().toISOString(),
  model: { name: settings.model, dataset: 'Fashion-MNIST (Debian dataset-fashion-mnist)' },
  settings: { ...settings, otherTargets: settings.otherTargets.join(', '), int8Layers: settings.int8Layers.join(','), mode: args.full ? 'full recipe' : 'default (shortened)' },
  missing: {},
};
const missing = (section: keyof NonNullable<EdgeqResults['missing']>, why: string) => {
  results.missing![section] = why;
};

/** Bridge @edgeq/qat's (done, total) callbacks to a CLI progress bar. */
async function stage<T>(label: string, total: number, run: (onProgress: (done: number) => void) => T): Promise<T> {
  return withProgress(label, total, {}, (task) => {
    let last = 0;
    return run((done) => {
      task.tick(done - last);
      last = done;
    });
  });
}

/** Train, quantise and evaluate; returns the graph to deploy and the test images. */
async function trainedPipeline(): Promise<{ deploy: QGraph; test: q.ImageSet; evaluations: Promise<void> }> {
  const backend = await q.initBackend();
  const workers = q.resolveWorkerCount(); // training worker threads (1: data-parallel training is opt-in)
  log(`tfjs backend: ${q.describeBackend(backend, workers)}`);
  const train = q.subset(q.loadFashionMnist('train'), 0, settings.trainImages);
  const test = q.subset(q.loadFashionMnist('test'), 0, settings.testImages);
  log(`data: ${train.count} training / ${test.count} test images`);
  const s = settings;
  const m = q.EdgeqModel.fromLayersModel(q.buildReferenceTfModel(s.model, s.seed));
  const steps = (n: number, e: number) => Math.floor(n / s.batchSize) * e;
  const epochs = (stage: 'float' | 'fine-tune' | 'qat', first: number, r: q.TrainResult) => r.epochLoss.map((loss, i) => ({ stage, epoch: first + i, loss }));
  const floatRun = await stage('float train', steps(train.count, s.floatEpochs), (p) =>
    q.train(m, train, { epochs: s.floatEpochs, learningRate: s.floatLr, batchSize: s.batchSize, seed: s.seed, workers, onProgress: p }));
  results.training = epochs('float', 1, floatRun);
  const base = m.clone(); // the weights QAT starts from (before the fine-tune epochs)
  if (s.fineTuneEpochs > 0) {
    const tune = await stage('float tune', steps(train.count, s.fineTuneEpochs), (p) =>
      q.train(m, train, { epochs: s.fineTuneEpochs, learningRate: s.fineTuneLr, batchSize: s.batchSize, seed: s.seed, epochOffset: s.floatEpochs, workers, onProgress: p }));
    results.training.push(...epochs('fine-tune', s.floatEpochs + 1, tune));
  }
  const tuneText = s.fineTuneEpochs > 0 ? `, then ${s.fineTuneEpochs} fine-tune epoch(s) at ${s.fineTuneLr}` : '';
  const weightsText = (v: Int8Variant) => (v.bits === 4
    ? `per-channel weights, 4-bit (int4, MSE clip) in every conv/depthwise/dense layer but ${s.int8Layers.join(', ')}`
    : 'per-channel weights');
  results.variants = [
    { variant: 'float', scales: null, granularity: null, epochs: s.floatEpochs + s.fineTuneEpochs, description: `float training (tfjs, float32): ${s.floatEpochs} epoch(s) at lr ${s.floatLr}${tuneText}, on ${train.count} training images` },
    ...int8Variants().map((v) => ({ variant: 'ptq' as const, scales: v.scales, granularity: 'per-channel' as const, ...bitsField(v), description: `PTQ: the float model calibrated (min/max) on ${s.calibrationImages} training images, no further training; ${v.scales} scales, ${weightsText(v)}` })),
    ...int8Variants().map((v) => ({
      variant: 'qat' as const, scales: v.scales, granularity: 'per-channel' as const, ...bitsField(v), epochs: s.floatEpochs + s.qatEpochs,
      description: `QAT: the float weights after epoch ${s.floatEpochs} (before the fine-tune), trained ${s.qatEpochs} more epoch(s) with fake-quant at lr ${s.qatLr} on ${s.qatImages} images; ${v.scales} scales, ${weightsText(v)}${v.bits === 4 ? ' (4-bit scales fixed from the BN freeze on)' : ''}. Those extra epochs are training the float model did not get, which is why QAT can match or beat float.`,
    })),
  ];
  const acc: AccuracyEntry[] = [];
  const fe = await stage('float eval', test.count, (p) => q.evaluateModel(m, test, { onProgress: p }));
  acc.push({ variant: 'float', scales: null, granularity: null, top1: fe.accuracy, correct: fe.correct, total: fe.count, evaluatedBy: 'tfjs float32' });
  log(`float: ${pct(fe.accuracy)} (${elapsed()})`);

  // PTQ graphs are evaluated in a worker thread while QAT trains on the main thread; the two
  // QAT graphs then in two workers at once (int8 evaluation is the long pole on 2 cores).
  const calib = q.subset(train, 0, s.calibrationImages);
  const ptq: (Int8Variant & { g: QGraph })[] = [];
  for (const v of int8Variants()) {
    const c = await q.calibrate(m, calib, { scales: v.scales, rounding: 'tflm', perChannel: true, method: 'minmax', ...widthOptions(v) });
    ptq.push({ ...v, g: q.freeze(c, { name: `${s.model}_ptq_${v.bits === 4 ? 'w4_' : ''}${v.scales}` }) });
    c.dispose();
  }
  const ptqEvals = evaluateInWorkers(ptq.map((p) => p.g), test, 1);
  log(`PTQ: calibrated on ${calib.count} images; evaluating in the background (${elapsed()})`);

  const qatData = q.subset(train, 0, s.qatImages);
  const qatSteps = steps(qatData.count, s.qatEpochs);
  const qatGraphs: (Int8Variant & { g: QGraph })[] = [];
  for (const v of int8Variants()) {
    // W4: the 4-bit weight scales are fixed at the BN freeze, as in bench/qat.ts --w4 and edgeq qat.
    const schedule = q.scheduleForSteps(qatSteps, { fixWeightScales: v.bits === 4 });
    const qm = q.prepare(base, { scales: v.scales, rounding: 'tflm', perChannel: true, schedule, ...widthOptions(v) });
    const qatRun = await stage(printedName('qat', v), qatSteps, (p) =>
      q.train(qm, qatData, { epochs: s.qatEpochs, learningRate: s.qatLr, batchSize: s.batchSize, seed: s.seed, epochOffset: s.floatEpochs, workers, onProgress: p }));
    if (v.scales === 'fixed' && v.bits === 8) results.training!.push(...epochs('qat', s.floatEpochs + 1, qatRun));
    qatGraphs.push({ ...v, g: q.freeze(qm, { name: `${s.model}_qat_${v.bits === 4 ? 'w4_' : ''}${v.scales}` }) });
    qm.dispose();
    log(`${printedName('qat', v)}: trained (${elapsed()})`);
  }
  // The QAT graphs are evaluated in two workers while the caller runs parity on the device.
  const evaluations = (async () => {
    const qatEvals = await evaluateInWorkers(qatGraphs.map((x) => x.g), test, 2);
    const ptqDone = await ptqEvals;
    const graphs = new Map<string, QGraph>();
    for (const [variant, list, evals] of [['ptq', ptq, ptqDone], ['qat', qatGraphs, qatEvals]] as const) {
      list.forEach(({ g, ...v }, i) => {
        const e = evals[i];
        acc.push({ variant, scales: v.scales, granularity: 'per-channel', ...bitsField(v), top1: e.accuracy, correct: e.correct, total: e.count, evaluatedBy: 'int8 interpreter' });
        log(`${printedName(variant, v)}: ${pct(e.accuracy)} (${elapsed()})`);
        graphs.set(`${variant}-${v.scales}${v.bits === 4 ? '-w4' : ''}`, g);
      });
    }
    results.accuracy = acc;
    const labels = q.FASHION_MNIST_CLASSES;
    const cm = labels.map(() => new Array<number>(labels.length).fill(0));
    qatEvals[0].predictions.forEach((p, i) => cm[test.labels[i]][p]++);
    results.confusion = { variant: 'QAT · fixed (int8 interpreter)', labels: [...labels], matrix: cm };
    const layerImages = q.subset(test, 0, s.layerErrorImages);
    results.layerError = q.layerError(m, ptq[0].g, layerImages).map((e) => ({ ...e, variant: 'PTQ · fixed', samples: layerImages.count, data: `${layerImages.count} Fashion-MNIST test images` }));
    if (!results.layerError.length) missing('layerError', 'no layer of the int8 graph matched a float layer by name');
    for (const [k, g] of graphs) await saveQGraph(g, path.join(outDir, 'graphs', `${k}.qgraph.json`));
    m.dispose();
    base.dispose();
  })();
  log(`QAT: evaluating ${qatGraphs.length} graphs in the background (${elapsed()})`);
  return { deploy: qatGraphs[0].g, test, evaluations };
}

/** Quantise test images with the graph's input parameters (pixels/255). */
function testInputs(g: QGraph, test: q.ImageSet): Int8Array[] {
  const qp = g.tensors[g.inputs[0]].quant!;
  const px = test.height * test.width * test.channels;
  return Array.from({ length: test.count }, (_, i) =>
    Int8Array.from(test.images.subarray(i * px, (i + 1) * px) as ArrayLike<number>, (v) => quantizeFloat(test.images instanceof Uint8Array ? v / 255 : v, qp.scale[0], qp.zeroPoint[0], g.quantization)));
}

async function main(): Promise<number> {
  log(`edgeq Fashion-MNIST demo — ${args.full ? 'full recipe' : 'default settings'}: ${settings.model}, target ${settings.target}`);
  await fs.mkdir(outDir, { recursive: true });
  const r = await trainedPipeline();
  const evaluations = r.evaluations;
  const deploy = r.deploy;
  const inputs = testInputs(deploy, r.test);
  const vectorsFrom = `${r.test.count} Fashion-MNIST test images`;
  await saveQGraph(deploy, path.join(outDir, 'model.qgraph.json'));
  results.weightRanges = weightRangesOf(deploy);
  results.activationRanges = (await observeActivationRanges(deploy, inputs.slice(0, 200))).map(({ layer, min, max }) => ({ layer, min, max, source: 'observed' as const }));

  const parity: ParityEntry[] = [];
  const costs: CostEntry[] = [];
  const host = await graphCosts(deploy);
  const hp = await withProgress('host parity', Math.min(inputs.length, 1000), {}, (task) => runHostParity(deploy, inputs.slice(0, 1000), false, task));
  const deployed = 'QAT · fixed';
  parity.push({ target: 'host', runner: hp.runner, vectors: hp.stats.vectors, exactVectors: hp.stats.exactVectors, maxAbsDiff: hp.stats.maxAbsDiff, line: hp.line, variant: deployed, vectorsFrom: `${hp.stats.vectors} Fashion-MNIST test images` });
  costs.push({ target: 'host', arenaBytes: host.arenaBytes, constBytes: host.constBytes, variant: deployed });
  log(hp.line);

  const target = getCortexMTarget(settings.target);
  const fwDir = path.join(outDir, `firmware-${settings.target}`);
  await writeDeviceFirmwareDir(deploy, fwDir, { defaultCore: target.id });
  log(`firmware for ${target.title} → ${path.relative(process.cwd(), fwDir)}/; running ${vectorsFrom} under QEMU…`);
  const onDevice = async (id: string, vectors: Int8Array[]) => {
    const t = getCortexMTarget(id);
    const dp = await deviceParity(deploy, vectors, { target: t, timeoutMs: 60_000 + 50 * vectors.length });
    parity.push({ target: id, runner: `qemu ${t.qemuMachine}`, vectors: dp.stats.vectors, exactVectors: dp.stats.exactVectors, maxAbsDiff: dp.stats.maxAbsDiff, line: dp.line, variant: deployed, vectorsFrom: `${vectors.length} Fashion-MNIST test images` });
    costs.push({ target: id, flashBytes: dp.build.sections.flash, ramBytes: dp.build.sections.ramStatic + dp.build.sections.stack, arenaBytes: dp.model.plan.arenaBytes, constBytes: dp.model.constBytes, instructions: Math.round(dp.profile.instructionsPerInference), variant: deployed });
    log(dp.line);
  };
  await onDevice(settings.target, inputs);
  // The other cores: cost figures (flash, RAM, instructions) and a shorter parity run each.
  for (const id of settings.otherTargets.filter((t) => t !== settings.target)) {
    try {
      await onDevice(id, inputs.slice(0, settings.otherTargetVectors));
    } catch (e) {
      // A core the model does not fit (RAM) is reported, not fatal: the others still count.
      log(`${id}: not run: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  await evaluations;
  results.parity = parity;
  results.costs = costs;
  if (!Object.keys(results.missing!).length) delete results.missing;

  await writeFileAtomic(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  const report = await writeReport(results, path.join(outDir, 'report'), { png: true });
  log('');
  if (results.accuracy) {
    log(textTable(['model', 'top-1', 'correct'], results.accuracy.map((a) => [a.variant === 'float' ? 'float' : printedName(a.variant, { scales: a.scales!, bits: a.weightBits === 4 ? 4 : 8 }), pct(a.top1), `${a.correct}/${a.total}`])));
  } else {
    log(`accuracy: not measured (${results.missing?.accuracy})`);
  }
  for (const p of parity) log(p.line);
  log(`report: ${path.relative(process.cwd(), report.html)} · results: ${path.relative(process.cwd(), path.join(outDir, 'results.json'))} · ${elapsed()}`);
  return parity.every((p) => p.exactVectors === p.vectors) ? 0 : 5;
}

process.exitCode = await main();
