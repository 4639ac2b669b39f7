/**
 * The models of the MCU benchmarks (bench/mcu-mlperf.ts, bench/mcu-w4.ts): the four MLPerf
 * Tiny reference int8 .tflite files from the directory in EDGEQ_MLPERF_TINY_DIR (never
 * committed), and architecture-equivalent models built with seeded weights for CI (ad01-arch,
 * dscnn); plus the constants baseline the benches divide by.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildReferenceModel, GraphBuilder, mulberry32, numElements, q, type QGraph, type QuantScheme } from '@edgeq/ir';
import { importTflite } from '@edgeq/tflite';

/** The MLPerf Tiny reference int8 .tflite files, by model name. */
export const REFERENCE_FILES: Readonly<Record<string, string>> = {
  kws_ref_model: 'kws_ref_model.tflite',
  pretrainedResnet_quant: 'pretrainedResnet_quant.tflite',
  vww_96_int8: 'vww_96_int8.tflite',
  ad01_int8: 'ad01_int8.tflite',
};

/** The AutoEncoder of MLPerf Tiny anomaly detection (640 -> 128 x4 -> 8 -> 128 x4 -> 640, ReLU), seeded int8 weights. */
export function ad01Architecture(scheme: QuantScheme, seed: number): QGraph {
  const r = mulberry32(seed);
  const b = new GraphBuilder('ad01_arch', scheme);
  let x = b.input('input', [1, 640], q(2 ** -4, 0));
  const widths = [128, 128, 128, 128, 8, 128, 128, 128, 128, 640];
  let inFeatures = 640;
  widths.forEach((outFeatures, i) => {
    const last = i === widths.length - 1;
    x = b.fullyConnected(x, {
      name: `dense_${i}`,
      weights: Int8Array.from({ length: outFeatures * inFeatures }, () => Math.floor(r() * 255) - 127),
      weightShape: [outFeatures, inFeatures], weightScales: [2 ** -10],
      bias: Int32Array.from({ length: outFeatures }, () => Math.floor((r() - 0.5) * 2048)),
      out: last ? q(2 ** -3, 0) : q(2 ** -2, -128), activation: last ? 'NONE' : 'RELU',
    });
    inFeatures = outFeatures;
  });
  b.output(x);
  return b.build();
}

/**
 * A bench model by name: ad01-arch and dscnn are built here; the reference files are read from
 * EDGEQ_MLPERF_TINY_DIR (undefined when it is unset or the file is missing).
 */
export function loadModel(name: string, scheme: QuantScheme): { graph: QGraph; source: string } | undefined {
  if (name === 'ad01-arch') return { graph: ad01Architecture(scheme, 1), source: 'architecture-equivalent, seeded weights (seed 1)' };
  if (name === 'dscnn') return { graph: buildReferenceModel('dscnn', scheme, 1), source: 'edgeq reference model dscnn, seeded weights (seed 1)' };
  const dir = process.env.EDGEQ_MLPERF_TINY_DIR;
  const file = REFERENCE_FILES[name];
  if (!file) throw new Error(`--models: unknown model ${name}`);
  if (!dir || !existsSync(path.join(dir, file))) return undefined;
  return { graph: importTflite(readFileSync(path.join(dir, file)), file), source: `MLPerf Tiny reference ${file}` };
}

/** Bytes of int8 weights + int32 biases + requantisation data (8 B per distinct output channel multiplier) of the MAC ops. */
export function constantsBaseline(g: QGraph): number {
  let bytes = 0;
  for (const op of g.ops) {
    if (op.type !== 'CONV_2D' && op.type !== 'DEPTHWISE_CONV_2D' && op.type !== 'FULLY_CONNECTED') continue;
    const w = g.tensors[op.inputs[1]];
    const channels = g.tensors[op.inputs[2]].shape[0];
    bytes += numElements(w.shape) + 4 * channels + 8 * (w.quant!.scale.length > 1 ? channels : 1);
  }
  return bytes;
}
