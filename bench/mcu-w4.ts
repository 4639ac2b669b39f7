// W4 vs W8 on the Cortex-M4 (issue 17): each model runs twice, with its int8 weights (W8) and
// with the same weights narrowed to int4 by @edgeq/ir's narrowWeightsToInt4 (W4; per-channel
// MSE clip search on [-7, 7], per-tensor weights kept per-tensor), in both `--optimize speed`
// and `size`. Each run builds the generated firmware (gcc -O2, `tflm` rounding as the models
// carry it), runs seeded random int8 vectors under QEMU, checks bit-exact parity with the
// interpreter of the same (W8 or W4) graph and records executed instructions per inference
// (QEMU -icount: instructions, not cycles) and the generated constants (flash of weights,
// biases, requantisation data), per model and per layer. W4 constants are divided by W8's in
// the same optimize mode; the bar is W4 <= 0.55x W8 for the weight-dominated models
// (ad01_int8, vww_96_int8). Results: bench/results/mcu-w4.json (command, commit, toolchain).
//
// CMSIS-NN's figures are measured outside the repository (bench/README.md): `--cmsis-nn FILE`
// (its s8 kernels on the W8 weights, the file bench/mcu-mlperf.ts reads) and `--cmsis-nn-w4 FILE`
// (its s4 kernels on the same W4 weights) put them beside edgeq's, matched by model, core and
// gcc level, with CMSIS-NN's firmware flash (and, from the W4 file, its layers' constants) when the file has them.
//
// Usage: npx tsx bench/mcu-w4.ts [--models ad01_int8,vww_96_int8,kws_ref_model,pretrainedResnet_quant,dscnn]
//        [--optimize speed,size] [--layers all|keep-first-last] [--clipping mse|max] [--vectors 2]
//        [--cmsis-nn FILE] [--cmsis-nn-w4 FILE] [--out FILE]
// The MLPerf Tiny files come from EDGEQ_MLPERF_TINY_DIR (models without it are skipped, said so).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mulberry32, narrowWeightsToInt4, numElements, opMacs, writeFileAtomic, type NarrowLayerSelection, type QGraph, type WeightClipping } from '@edgeq/ir';
import { deviceParity, getCortexMTarget } from '@edgeq/harness';
import { RESULTS_DIR, gitCommit, provenance, toolchainVersions } from './lib/record.js';
import { loadModel } from './lib/mlperf-models.js';
import { attachCmsisNn, findCmsisNnRecord, parseCmsisNnFigures, type CmsisNnFigures } from './lib/cmsis-nn-figures.js';
import { summariseW4, WEIGHT_DOMINATED_MODELS, type W4Record } from './lib/w4-summary.js';

const CORE = 'cortex-m4';
const GCC = 'O2';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function layerSelection(text: string): NarrowLayerSelection {
  return text === 'all' || text === 'keep-first-last' ? text : text.split(',');
}

function figures(flag: string): CmsisNnFigures | undefined {
  const file = arg(flag, '');
  return file ? parseCmsisNnFigures(readFileSync(file, 'utf8'), file) : undefined;
}

/** CMSIS-NN's firmware flash (and, in the W4 file, its layers' constants) from a figures file, when it recorded them. */
function cmsisFlash(figs: CmsisNnFigures, model: string): { flash?: number; constants?: number } {
  const found = findCmsisNnRecord(figs, model, CORE, GCC) as ({ flash?: number; constants_cmsis_layers?: number } & object) | undefined;
  return { ...(found?.flash ? { flash: found.flash } : {}), ...(found?.constants_cmsis_layers ? { constants: found.constants_cmsis_layers } : {}) };
}

async function main(): Promise<void> {
  const models = arg('models', ['ad01_int8', 'vww_96_int8', 'kws_ref_model', 'pretrainedResnet_quant', 'dscnn'].join(',')).split(',');
  const optimizes = arg('optimize', 'speed,size').split(',') as Array<'speed' | 'size'>;
  const layers = layerSelection(arg('layers', 'all'));
  const clipping = arg('clipping', 'mse') as WeightClipping;
  if (clipping !== 'mse' && clipping !== 'max') throw new Error(`--clipping: ${clipping} is not mse or max`);
  const vectorCount = Number(arg('vectors', '2'));
  const cmsisW8 = figures('cmsis-nn');
  const cmsisW4 = figures('cmsis-nn-w4');
  const outFile = path.resolve(arg('out', path.join(RESULTS_DIR, 'mcu-w4.json')));
  const target = getCortexMTarget(CORE);
  const records: W4Record[] = [];
  for (const name of models) {
    const loaded = loadModel(name, { scales: 'fixed', rounding: 'tflm' });
    if (!loaded) { console.log(`${name}: skipped (EDGEQ_MLPERF_TINY_DIR not set or file missing)`); continue; }
    const w8 = loaded.graph;
    const w4 = narrowWeightsToInt4(w8, { layers, clipping });
    const n = numElements(w8.tensors[w8.inputs[0]].shape);
    const r = mulberry32(7);
    const inputs = Array.from({ length: vectorCount }, () => Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128));
    const macs = w8.ops.reduce((s, op) => s + opMacs(w8, op), 0);
    for (const optimize of optimizes) for (const [weights, g] of [['w8', w8], ['w4', w4]] as Array<['w8' | 'w4', QGraph]>) {
      const t0 = Date.now();
      const d = await deviceParity(g, inputs, { target, optimize: GCC, codegen: { optimize }, timeoutMs: 15 * 60_000 });
      const flashOf = (b: { code: number; rodata: number; data: number } | undefined) => (b ? b.code + b.rodata + b.data : 0);
      const measured: W4Record = {
        model: name, source: loaded.source, weights, core: CORE, cpu: 'cortex-m4', rounding: `${g.quantization.scales}/${g.quantization.rounding}`,
        optimize, gcc: `-${GCC}`, commit: gitCommit(), macs, ...(weights === 'w4' ? { narrowing: g.metadata?.weightNarrowing } : {}),
        status: 'ok', vectors: inputs.length, parity: d.line, bit_exact: d.stats.exactVectors === d.stats.vectors,
        instructions: d.profile.instructionsPerInference, instructions_per_mac: +(d.profile.instructionsPerInference / macs).toFixed(3),
        constants: d.model.constBytes,
        per_op: d.profile.perOp.map((o, i) => ({
          name: o.name, type: g.ops[i].type, weight_dtype: g.tensors[g.ops[i].inputs[1]]?.buffer ? g.tensors[g.ops[i].inputs[1]].dtype : undefined,
          instructions: o.instructions, constants: d.model.ops[i].constBytes, macs: opMacs(g, g.ops[i]),
        })),
        flash_model: flashOf(d.build.groups.model), flash_runtime: flashOf(d.build.groups.runtime), flash_total: d.build.sections.flash,
        arena: d.build.arena ?? d.model.plan.arenaBytes, stack_peak: d.profile.stackPeak,
      };
      const figs = weights === 'w8' ? cmsisW8 : cmsisW4;
      let rec = figs ? attachCmsisNn(measured, figs) : measured;
      if (figs && rec.cmsis_nn) rec = { ...rec, cmsis_nn: { ...rec.cmsis_nn, ...cmsisFlash(figs, name) } };
      records.push(rec);
      const versus = rec.cmsis_nn ? ` CMSIS-NN ${rec.cmsis_nn.instructions} (ratio ${rec.cmsis_nn.ratio.toFixed(3)})` : '';
      console.log(`${name.padEnd(22)} ${weights} ${optimize.padEnd(5)} ${String(Math.round(rec.instructions)).padStart(10)} instr ${rec.instructions_per_mac.toFixed(2)}/MAC${versus} ` +
        `constants ${rec.constants} flash ${rec.flash_total} ${d.line} [${((Date.now() - t0) / 1000).toFixed(0)} s]`);
      if (!rec.bit_exact) process.exitCode = 1;
    }
  }
  // Keep records of other (model, weights, optimize) keys from earlier runs.
  const key = (rec: W4Record) => `${rec.model}/${rec.weights}/${rec.optimize}`;
  const previous: W4Record[] = existsSync(outFile) ? (JSON.parse(readFileSync(outFile, 'utf8')).records ?? []) : [];
  const fresh = new Set(records.map(key));
  const all = [...previous.filter((rec) => !fresh.has(key(rec))), ...records];
  const summary = summariseW4(all);
  await writeFileAtomic(outFile, JSON.stringify({
    ...provenance(),
    toolchain: toolchainVersions(),
    unit: 'executed instructions under QEMU -icount (not cycles); constants: bytes of generated const data',
    inputs: 'seeded random int8 vectors (mulberry32 seed 7)',
    weight_dominated_models: WEIGHT_DOMINATED_MODELS,
    flash_bar: 'W4 constants <= 0.55x W8 constants in the same optimize mode, for the weight-dominated models',
    ...(cmsisW8 ? { cmsis_nn_commit: cmsisW8.commit, ...(cmsisW8.method ? { cmsis_nn_method: cmsisW8.method } : {}) } : {}),
    ...(cmsisW4 ? { cmsis_nn_w4_commit: cmsisW4.commit, ...(cmsisW4.method ? { cmsis_nn_w4_method: cmsisW4.method } : {}) } : {}),
    summary,
    records: all,
  }, null, 2) + '\n');
  for (const s of summary) {
    console.log(`${s.model.padEnd(22)} ${s.optimize.padEnd(5)} constants W4/W8 ${s.constants_ratio}${s.flash_bar_met === undefined ? '' : s.flash_bar_met ? ' (<= 0.55: met)' : ' (> 0.55: NOT met)'} instructions W4/W8 ${s.instructions_ratio}`);
  }
  console.log(`wrote ${path.relative(process.cwd(), outFile) || outFile} (${records.length} records)`);
}

await main();
