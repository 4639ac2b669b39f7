// MLPerf Tiny float bench (issue 12, Done-when 2): loads each reference float model of MLPerf
// Tiny (Keras 2 .h5 and float32 .tflite, from the directory in EDGEQ_MLPERF_TINY_DIR) through
// @edgeq/qat's readers, quantises it with PTQ and with QAT (one short epoch) on synthetic data
// of its input shape, and records per model: layers, int8-vs-float SQNR on the synthetic set,
// parity on Cortex-M4 under QEMU with instructions, flash and RAM, and how the PTQ graph's
// outputs agree with the int8 reference .tflite of the same model on the same inputs →
// bench/results/mlperf-tiny-float.json.
//
// Usage: EDGEQ_MLPERF_TINY_DIR=/tmp/mlperf-tiny npx tsx bench/mlperf-tiny-float.ts
//        [--models kws,ad,ic,vww] [--samples 64] [--vectors 16]
// The synthetic inputs are uniform over the int8 reference model's input range (so both int8
// graphs see inputs they can represent); labels are uniform over the output classes. Nothing
// of the MLPerf Tiny files is written into the repository.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Interpreter, type QGraph } from '@edgeq/ir';
import { importTflite } from '@edgeq/tflite';
import { deviceParity, getCortexMTarget } from '@edgeq/harness';
import * as q from '@edgeq/qat';
import { writeResults } from './lib/record.js';

/** One MLPerf Tiny benchmark model: its float files (first = the one quantised) and its int8 twin. */
interface TinyModel {
  id: string;
  task: string;
  floatFiles: string[];
  int8File: string;
}

const MODELS: TinyModel[] = [
  { id: 'kws', task: 'keyword spotting (DS-CNN)', floatFiles: ['kws_ref_model_float32.tflite'], int8File: 'kws_ref_model.tflite' },
  { id: 'ad', task: 'anomaly detection (FC autoencoder)', floatFiles: ['ad01.h5', 'ad01_fp32.tflite'], int8File: 'ad01_int8.tflite' },
  { id: 'ic', task: 'image classification (ResNet-8)', floatFiles: ['pretrainedResnet.h5', 'pretrainedResnet.tflite'], int8File: 'pretrainedResnet_quant.tflite' },
  { id: 'vww', task: 'visual wake words (MobileNetV1 0.25)', floatFiles: ['vww_96.h5', 'vww_96_float.tflite'], int8File: 'vww_96_int8.tflite' },
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function loadFloat(file: string): Promise<Awaited<ReturnType<typeof q.loadKerasFile>>> {
  return file.endsWith('.tflite') ? q.loadFloatTflite(new Uint8Array(readFileSync(file)), file) : q.loadKerasFile(file);
}

/** Deterministic uniform values in [lo, hi). */
function uniform(count: number, seed: number, lo: number, hi: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + (hi - lo) * (s / 2 ** 32);
  });
}

/** Signal-to-quantisation-noise ratio in dB of `approx` against `ref`. */
function sqnr(ref: ArrayLike<number>, approx: ArrayLike<number>): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < ref.length; i++) {
    signal += ref[i] * ref[i];
    noise += (ref[i] - approx[i]) ** 2;
  }
  return Number((10 * Math.log10(signal / noise)).toFixed(2));
}

function argmax(v: ArrayLike<number>, from: number, size: number): number {
  let best = from;
  for (let i = from + 1; i < from + size; i++) if (v[i] > v[best]) best = i;
  return best - from;
}

/** Quantise float samples with a graph's input parameters. */
function quantiseInputs(g: QGraph, x: Float32Array, size: number): Int8Array[] {
  const { scale, zeroPoint } = g.tensors[g.inputs[0]].quant!;
  const out: Int8Array[] = [];
  for (let k = 0; k < x.length / size; k++) {
    out.push(Int8Array.from(x.subarray(k * size, (k + 1) * size), (v) => Math.max(-128, Math.min(127, Math.round(v / scale[0]) + zeroPoint[0]))));
  }
  return out;
}

/** Run a graph on int8 inputs and dequantise its outputs (one flat array of all samples). */
function runDequantised(g: QGraph, inputs: Int8Array[]): Float32Array {
  const it = new Interpreter(g);
  const { scale, zeroPoint } = g.tensors[g.outputs[0]].quant!;
  const outSize = g.tensors[g.outputs[0]].shape.reduce((a, d) => a * d, 1);
  const out = new Float32Array(inputs.length * outSize);
  inputs.forEach((x, k) => out.set(Float32Array.from(it.run([x]).outputs[0] as Int8Array, (v) => scale[0] * (v - zeroPoint[0])), k * outSize));
  return out;
}

/** Compare two output sets: SQNR of `b` against `a`, and top-1 agreement for classifiers. */
function agreement(a: Float32Array, b: Float32Array, outSize: number, classifier: boolean) {
  const samples = a.length / outSize;
  let same = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
  for (let k = 0; k < samples; k++) if (argmax(a, k * outSize, outSize) === argmax(b, k * outSize, outSize)) same++;
  return {
    sqnr_db: sqnr(a, b),
    max_abs_diff: Number(maxAbs.toPrecision(4)),
    ...(classifier ? { top1_agreement: Number((same / samples).toFixed(4)) } : {}),
  };
}

const flashOf = (b: { code: number; rodata: number; data: number } | undefined) => (b ? b.code + b.rodata + b.data : 0);

async function benchModel(dir: string, m: TinyModel, samples: number, vectors: number): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  const primaryFile = path.join(dir, m.floatFiles[0]);
  const float = await loadFloat(primaryFile);
  const inShape = float.inputs[0].shape.slice(1) as number[];
  const outSize = (float.outputs[0].shape.slice(1) as number[]).reduce((a, d) => a * d, 1);
  const inSize = inShape.reduce((a, d) => a * d, 1);
  const classifier = m.id !== 'ad';

  // Synthetic inputs over the int8 reference model's input range.
  const int8Ref = importTflite(new Uint8Array(readFileSync(path.join(dir, m.int8File))), m.int8File);
  const refIn = int8Ref.tensors[int8Ref.inputs[0]].quant!;
  const lo = refIn.scale[0] * (-128 - refIn.zeroPoint[0]);
  const hi = refIn.scale[0] * (127 - refIn.zeroPoint[0]);
  const x = uniform(samples * inSize, 12, lo, hi);
  const labels = Uint8Array.from(uniform(samples, 13, 0, Math.min(outSize, 255)), (v) => Math.floor(v));
  const [height, width, channels] = inShape.length === 3 ? inShape : [1, 1, inShape[0]];
  const set: q.ImageSet = { images: x, labels, count: samples, height, width, channels, classes: outSize };
  const floatOut = q.floatOutputs(float, x, samples);

  // The other float file of the same model: loads, and computes what the first one does.
  const twins = [];
  for (const f of m.floatFiles.slice(1)) {
    const twin = await loadFloat(path.join(dir, f));
    const twinOut = q.floatOutputs(twin, x, samples);
    twins.push({ file: f, layers: twin.layers.length, float_outputs_vs_primary: agreement(floatOut, twinOut, outSize, classifier) });
    twin.dispose();
  }

  const model = q.EdgeqModel.fromLayersModel(float);
  // The input quantisation covers the synthetic range (edgeq's default is pixels/255, [0, 1]).
  const inputRange: [number, number] = [lo, hi];
  const ptqModel = await q.calibrate(model, set, { batchSize: 16, inputRange });
  const ptq = q.freeze(ptqModel, { name: `${m.id}_ptq` });
  // A short fine-tune of a trained model: BN frozen from the start (its moving statistics are the
  // model's; batch statistics of synthetic data are not), ranges recorded over the few steps.
  const qatModel = q.prepare(ptqModel, { inputRange, schedule: { freezeBnStep: 0 } });
  const qatTrain = await q.train(qatModel, set, { epochs: 1, batchSize: 16, learningRate: 1e-5, seed: 1 });
  const qat = q.freeze(qatModel, { name: `${m.id}_qat` });

  const ptqInputs = quantiseInputs(ptq, x, inSize);
  const ptqOut = runDequantised(ptq, ptqInputs);
  const qatOut = runDequantised(qat, quantiseInputs(qat, x, inSize));
  const refOut = runDequantised(int8Ref, quantiseInputs(int8Ref, x, inSize));

  const parity = await deviceParity(ptq, ptqInputs.slice(0, vectors), { target: getCortexMTarget('cortex-m4'), optimize: 'O2' });
  const arena = parity.build.arena ?? 0;
  const record = {
    model: m.id,
    task: m.task,
    float_file: m.floatFiles[0],
    input_shape: inShape,
    layers: float.layers.length,
    net_nodes: model.net.nodes.length,
    ops: ptq.ops.length,
    synthetic_samples: samples,
    synthetic_range: [Number(lo.toPrecision(6)), Number(hi.toPrecision(6))],
    sqnr_int8_vs_float_db: { ptq: sqnr(floatOut, ptqOut), qat: sqnr(floatOut, qatOut), int8_reference: sqnr(floatOut, refOut) },
    ...(classifier ? {
      top1_agreement_with_float: {
        ptq: agreement(floatOut, ptqOut, outSize, true).top1_agreement,
        qat: agreement(floatOut, qatOut, outSize, true).top1_agreement,
        int8_reference: agreement(floatOut, refOut, outSize, true).top1_agreement,
      },
    } : {}),
    qat_epoch: { steps: qatTrain.steps, loss: Number(qatTrain.epochLoss.at(-1)?.toFixed(4)) },
    ptq_vs_int8_reference: { reference: m.int8File, ...agreement(refOut, ptqOut, outSize, classifier) },
    float_twins: twins,
    cortex_m4: {
      parity: parity.line,
      bit_exact: parity.stats.exactVectors === parity.stats.vectors,
      vectors: parity.stats.vectors,
      instructions: parity.profile.instructionsPerInference,
      flash_model: flashOf(parity.build.groups.model),
      flash_runtime: flashOf(parity.build.groups.runtime),
      flash_total: parity.build.sections.flash,
      ram_static: parity.build.sections.data + parity.build.sections.bss - arena,
      arena,
      stack_peak: parity.profile.stackPeak,
    },
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  [model, ptqModel, qatModel].forEach((x) => x.dispose());
  float.dispose();
  return record;
}

async function main(): Promise<void> {
  const dir = process.env.EDGEQ_MLPERF_TINY_DIR;
  if (!dir) {
    console.log('EDGEQ_MLPERF_TINY_DIR is not set: nothing to measure (point it at a directory holding the MLPerf Tiny reference models)');
    return;
  }
  const wanted = arg('models', MODELS.map((m) => m.id).join(',')).split(',');
  const samples = Number(arg('samples', '64'));
  const vectors = Number(arg('vectors', '16'));
  await q.initBackend('wasm');
  const records: Record<string, unknown>[] = [];
  for (const m of MODELS.filter((x) => wanted.includes(x.id))) {
    const missing = [...m.floatFiles, m.int8File].filter((f) => !existsSync(path.join(dir, f)));
    if (missing.length) {
      console.log(`${m.id}: skipped, missing ${missing.join(', ')}`);
      records.push({ model: m.id, skipped: `missing ${missing.join(', ')}` });
      continue;
    }
    let r: Record<string, unknown>;
    try {
      r = await benchModel(dir, m, samples, vectors);
    } catch (e) {
      r = { model: m.id, float_file: m.floatFiles[0], error: (e as Error).message.split('\n')[0] };
      process.exitCode = 1;
    }
    records.push(r);
    console.log(JSON.stringify(r));
  }
  const file = await writeResults('mlperf-tiny-float', {
    generated_by: 'bench/mlperf-tiny-float.ts',
    source: 'MLPerf Tiny reference models (mlcommons/tiny benchmark/training/*/trained_models), read from EDGEQ_MLPERF_TINY_DIR; not in this repository',
    notes: 'SQNR in dB of the dequantised int8 interpreter outputs against the float model on the synthetic set; instructions are QEMU -icount executed instructions (not cycles)',
    samples, vectors, records,
  });
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

await main();
