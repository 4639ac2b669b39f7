// MLPerf Tiny MCU benchmark (issue 14): for each model, emulated Cortex-M core, rounding
// mode and --optimize choice, builds the generated firmware, runs seeded random int8 inputs
// under QEMU, checks bit-exact parity with the interpreter and records executed instructions
// (QEMU -icount: instructions, not cycles) per inference, per MAC and per op, flash (model,
// runtime, constants against int8 weights + int32 biases + requantisation data), RAM
// (arena, largest scratch buffer, static, stack peak) in bench/results/mcu-mlperf.json.
//
// Models: the four MLPerf Tiny reference int8 .tflite files (kws_ref_model,
// pretrainedResnet_quant, vww_96_int8, ad01_int8) from the directory in
// EDGEQ_MLPERF_TINY_DIR when it is set (never committed), and architecture-equivalent
// models built here with seeded weights for CI: ad01-arch (the AutoEncoder's dense stack)
// and dscnn (edgeq's DS-CNN, the KWS architecture).
//
// CMSIS-NN's figures are measured outside the repository (its kernels built in a temporary
// directory with the same flags, called with the same parameters, counted with the same
// QEMU method; bench/README.md); `--cmsis-nn FILE` puts them beside edgeq's, matched by
// model, core and gcc level, from a JSON file {"commit": "...", "records": [{"model", "core",
// "opt", "instructions", "per_op"?}]} (bench/lib/cmsis-nn-figures.ts).
//
// Cortex-M0 runs on the microbit (cortex-m0) when the model fits its 16 KB RAM and 256 KB
// flash; when it does not, the refusal is recorded and the same ARMv6-M code runs on the
// cortex-m0-mps2 target (the AN385 board's memory map) instead, recorded under that core
// with the machine that ran it and the reason. `--cores cortex-m0-mps2` asks for it directly.
//
// Usage: npx tsx bench/mcu-mlperf.ts [--models ad01-arch,dscnn,ad01_int8,...]
//        [--cores cortex-m0,cortex-m0-mps2,...] [--rounding tflm] [--optimize speed,size] [--gcc O2,Os]
//        [--vectors 2] [--cmsis-nn FILE] [--out FILE]
// --gcc: the firmware's gcc optimisation levels (default O2), recorded per record as `gcc`.
// --out: write there instead of bench/results/mcu-mlperf.json (records of other keys kept).
// --rematch (with --cmsis-nn): measure nothing; put the figures beside the records already in
//   the results file (CMSIS-NN measured after edgeq, or re-measured).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mulberry32, numElements, opMacs, writeFileAtomic, type QuantScheme } from '@edgeq/ir';
import { CORTEX_M_TARGET_IDS, FlashFitError, RamFitError, deviceParity, getCortexMTarget } from '@edgeq/harness';
import { RESULTS_DIR, gitCommit, provenance } from './lib/record.js';
import { REFERENCE_FILES, constantsBaseline, loadModel } from './lib/mlperf-models.js';
import { attachCmsisNn, parseCmsisNnFigures, type CmsisNnFigures, type MeasuredRecord } from './lib/cmsis-nn-figures.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const GCC_LEVELS = ['O0', 'O1', 'O2', 'O3', 'Os'] as const;
type GccLevel = (typeof GCC_LEVELS)[number];

function gccLevels(list: string): GccLevel[] {
  return list.split(',').map((level) => {
    if (!(GCC_LEVELS as readonly string[]).includes(level)) throw new Error(`--gcc: unknown level ${level} (one of ${GCC_LEVELS.join(', ')})`);
    return level as GccLevel;
  });
}

/**
 * The target that runs `core`'s code with more memory (the target table's `sameCodeAs`): a
 * model refused on `core` is measured there (same instruction stream and counts).
 */
function largeMemorySibling(core: string): string | undefined {
  return CORTEX_M_TARGET_IDS.find((id) => getCortexMTarget(id).sameCodeAs === core);
}

/** The -mcpu value of a target's compiler flags (the core the code is built for). */
function cpuOf(cpuFlags: readonly string[]): string {
  return cpuFlags.find((f) => f.startsWith('-mcpu='))?.slice('-mcpu='.length) ?? 'unknown';
}

async function main(): Promise<void> {
  const models = arg('models', ['ad01-arch', 'dscnn', ...Object.keys(REFERENCE_FILES)].join(',')).split(',');
  const cores = arg('cores', CORTEX_M_TARGET_IDS.join(',')).split(',');
  const roundings = arg('rounding', 'tflm').split(',');
  const optimizes = arg('optimize', 'speed,size').split(',') as Array<'speed' | 'size'>;
  const gccs = gccLevels(arg('gcc', 'O2'));
  const vectorCount = Number(arg('vectors', '2'));
  const cmsisFile = arg('cmsis-nn', '');
  const cmsis = cmsisFile ? parseCmsisNnFigures(readFileSync(cmsisFile, 'utf8'), cmsisFile) : undefined;
  const outFile = path.resolve(arg('out', path.join(RESULTS_DIR, 'mcu-mlperf.json')));
  if (process.argv.includes('--rematch')) {
    if (!cmsis) throw new Error('--rematch needs --cmsis-nn FILE');
    await rematch(outFile, cmsis);
    return;
  }
  const records: Array<Record<string, unknown>> = [];
  for (const rounding of roundings) for (const name of models) {
    const scheme: QuantScheme = rounding === 'pow2' ? { scales: 'pow2', rounding: 'tflm' } : { scales: 'fixed', rounding: rounding as 'tflm' | 'single' };
    const loaded = loadModel(name, scheme);
    if (!loaded) { console.log(`${name}: skipped (EDGEQ_MLPERF_TINY_DIR not set or file missing)`); continue; }
    // Imported .tflite files carry their own (tflm) scheme.
    const g = loaded.graph;
    const macs = g.ops.reduce((s, op) => s + opMacs(g, op), 0);
    const n = numElements(g.tensors[g.inputs[0]].shape);
    const r = mulberry32(7);
    const inputs = Array.from({ length: vectorCount }, () => Int8Array.from({ length: n }, () => Math.floor(r() * 256) - 128));
    const baseline = constantsBaseline(g);
    // A core given with no room for the model is retried on its larger-memory sibling (unless listed too).
    const queue = cores.flatMap((core) => gccs.flatMap((gcc) => optimizes.map((optimize) => ({ core, gcc, optimize, because: undefined as string | undefined }))));
    for (let next = queue.shift(); next; next = queue.shift()) {
      const { core, gcc, optimize, because } = next;
      const target = getCortexMTarget(core);
      const base = { model: name, source: loaded.source, core, qemu_machine: target.qemuMachine, cpu: cpuOf(target.cpuFlags),
        ...(because ? { ran_because: because } : {}), rounding: `${g.quantization.scales}/${g.quantization.rounding}`,
        optimize, gcc: `-${gcc}`, macs, constants_baseline: baseline, commit: gitCommit() };
      const t0 = Date.now();
      try {
        // Up to 15 min of QEMU per run: resnet on Cortex-M0 code is ~100 M instructions per vector, on a shared machine.
        const d = await deviceParity(g, inputs, { target, optimize: gcc, codegen: { optimize }, timeoutMs: 15 * 60_000 });
        const flashOf = (b: { code: number; rodata: number; data: number } | undefined) => (b ? b.code + b.rodata + b.data : 0);
        const scratch = [...d.model.plan.buffers].filter((b) => b.scratchOp !== undefined).reduce((m, b) => Math.max(m, b.size), 0);
        const measured = {
          ...base, status: 'ok', vectors: inputs.length, parity: d.line, bit_exact: d.stats.exactVectors === d.stats.vectors,
          instructions: d.profile.instructionsPerInference,
          instructions_per_mac: +(d.profile.instructionsPerInference / macs).toFixed(3),
          per_op: d.profile.perOp.map((o, i) => ({ name: o.name, type: g.ops[i].type, instructions: o.instructions, macs: opMacs(g, g.ops[i]) })),
          flash_model: flashOf(d.build.groups.model), flash_runtime: flashOf(d.build.groups.runtime), flash_total: d.build.sections.flash,
          constants: d.model.constBytes, constants_ratio: +(d.model.constBytes / baseline).toFixed(4),
          arena: d.build.arena ?? d.model.plan.arenaBytes, scratch_max: scratch,
          ram_static: d.build.sections.data + d.build.sections.bss - (d.build.arena ?? 0), stack_peak: d.profile.stackPeak,
        };
        const rec: typeof measured & { cmsis_nn?: { instructions: number; ratio: number } } = cmsis ? attachCmsisNn(measured, cmsis) : measured;
        records.push(rec);
        const versus = rec.cmsis_nn ? ` CMSIS-NN ${rec.cmsis_nn.instructions} (ratio ${rec.cmsis_nn.ratio.toFixed(3)})` : '';
        console.log(`${name.padEnd(22)} ${core.padEnd(14)} -${gcc.padEnd(3)} ${optimize.padEnd(5)} ${String(Math.round(rec.instructions)).padStart(10)} instr ${rec.instructions_per_mac.toFixed(2)}/MAC${versus} ` +
          `constants ${rec.constants} (${rec.constants_ratio}x) arena ${rec.arena} stack ${rec.stack_peak} ${d.line} [${((Date.now() - t0) / 1000).toFixed(0)} s]`);
        if (!rec.bit_exact) process.exitCode = 1;
      } catch (e) {
        if (!(e instanceof RamFitError) && !(e instanceof FlashFitError)) throw e;
        records.push({ ...base, status: 'refused', refused: e.message });
        console.log(`${name.padEnd(22)} ${core.padEnd(14)} -${gcc.padEnd(3)} ${optimize.padEnd(5)} refused: ${e.message}`);
        const sibling = largeMemorySibling(core);
        if (sibling && !cores.includes(sibling)) {
          queue.unshift({ core: sibling, gcc, optimize, because: `${core} (QEMU ${target.qemuMachine}) cannot hold the model: ${e.message}` });
        }
      }
    }
  }
  // Keep records of other (model, core, rounding, optimize, gcc) keys from earlier runs.
  const key = (rec: Record<string, unknown>) => `${rec.model}/${rec.core}/${rec.rounding}/${rec.optimize}/${rec.gcc}`;
  const previous: Array<Record<string, unknown>> = existsSync(outFile) ? (JSON.parse(readFileSync(outFile, 'utf8')).records ?? []) : [];
  const fresh = new Set(records.map(key));
  await writeRecords(outFile, [...previous.filter((rec) => !fresh.has(key(rec))), ...records], cmsis);
  console.log(`wrote ${path.relative(process.cwd(), outFile) || outFile} (${records.length} records)`);
}

async function writeRecords(file: string, records: ReadonlyArray<Record<string, unknown>>, cmsis: CmsisNnFigures | undefined, kept: Record<string, unknown> = {}): Promise<void> {
  await writeFileAtomic(file, JSON.stringify({
    ...kept,
    ...provenance(),
    unit: 'executed instructions under QEMU -icount (not cycles)',
    inputs: 'seeded random int8 vectors (mulberry32 seed 7)',
    ...(cmsis ? { cmsis_nn_commit: cmsis.commit, ...(cmsis.method ? { cmsis_nn_method: cmsis.method } : {}) } : {}),
    records,
  }, null, 2) + '\n');
}

/** --rematch: puts (other) CMSIS-NN figures beside the records already in the results file, measuring nothing. */
async function rematch(file: string, cmsis: CmsisNnFigures): Promise<void> {
  if (!existsSync(file)) throw new Error(`--rematch: ${file} does not exist (run the bench first)`);
  const { records = [], ...kept } = JSON.parse(readFileSync(file, 'utf8')) as { records?: Array<Record<string, unknown>> };
  const matched = records.map((rec) => (rec.status === 'ok' ? attachCmsisNn(rec as unknown as MeasuredRecord, cmsis) as unknown as Record<string, unknown> : rec));
  await writeRecords(file, matched, cmsis, kept); // the other top-level fields stay (provenance is this run's)
  console.log(`rematched ${path.relative(process.cwd(), file) || file}: ${matched.filter((r) => r.cmsis_nn).length} of ${records.length} records have CMSIS-NN figures`);
}

await main();
