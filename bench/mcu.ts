// MCU benchmark (issue 5): for each reference model, emulated Cortex-M core and
// kernel path, builds the generated firmware, runs >= 1,000 Fashion-MNIST test
// images under QEMU, checks bit-exact parity with the interpreter, and records
// executed instructions (QEMU -icount: instructions, not cycles) per inference
// and per op, instructions per MAC, flash (model / runtime), static RAM, arena
// and stack peak in bench/results/mcu.json.
//
// Usage: npx tsx bench/mcu.ts [--models dscnn,mbv2mini] [--cores cortex-m0,...]
//        [--vectors 1000] [--optimize O2] [--rounding tflm,single,pow2,fp32] [--paths portable,dsp]
// `--rounding` takes a list; `pow2` means power-of-two scales (one rounding shift).
// The dsp path is measured only on cores with the DSP extension; portable
// builds define EDGEQ_NO_DSP.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReferenceModel, opMacs, type QGraph, type ReferenceModelName, type RoundingMode } from '@edgeq/ir';
import {
  CORTEX_M_TARGET_IDS,
  RamFitError,
  buildFirmware,
  deviceParity,
  getCortexMTarget,
  type DeviceParityReport,
} from '@edgeq/harness';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results', 'mcu.json');
const FASHION_TEST_IMAGES = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Reads the first `count` 28x28 images of an IDX3 file (Debian dataset-fashion-mnist). */
function fashionImages(count: number): Uint8Array[] {
  if (!existsSync(FASHION_TEST_IMAGES)) {
    throw new Error(`${FASHION_TEST_IMAGES} not found: install the Debian package dataset-fashion-mnist`);
  }
  const buf = gunzipSync(readFileSync(FASHION_TEST_IMAGES));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(0) !== 0x0803) throw new Error('not an IDX3 image file');
  const n = Math.min(count, view.getUint32(4));
  return Array.from({ length: n }, (_, i) => buf.subarray(16 + i * 784, 16 + (i + 1) * 784));
}

/** Quantises pixels/255 with the model input's own scale and zero point. */
function quantiseImage(g: QGraph, pixels: Uint8Array): Int8Array {
  const qp = g.tensors[g.inputs[0]].quant!;
  const s = qp.scale[0];
  const zp = qp.zeroPoint[0];
  return Int8Array.from(pixels, (p) => Math.max(-128, Math.min(127, Math.round(p / 255 / s) + zp)));
}

interface McuRecord {
  model: string;
  core: string;
  qemu_machine: string;
  path: 'portable' | 'dsp';
  rounding: string;
  optimize: string;
  status: 'ok' | 'refused';
  vectors?: number;
  parity?: string;
  bit_exact?: boolean;
  instructions?: number;
  macs: number;
  instructions_per_mac?: number;
  per_op?: Array<{ name: string; type: string; instructions: number; macs: number }>;
  flash_model?: number;
  flash_runtime?: number;
  flash_runtime_os?: number;
  flash_total?: number;
  ram_static?: number;
  arena?: number;
  stack_peak?: number;
  refused?: string;
  unit: string;
  commit: string;
}

const gitCommit = (() => {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown';
  }
})();

const flashOf = (b: { code: number; rodata: number; data: number } | undefined) => (b ? b.code + b.rodata + b.data : 0);

/** A requantisation mode of the issue set: a fixed-point rounding, or power-of-two scales. */
type ModeName = RoundingMode | 'pow2';

async function runOne(model: ReferenceModelName, core: string, kpath: 'portable' | 'dsp', rounding: ModeName, vectors: number, optimize: 'O2' | 'Os'): Promise<McuRecord> {
  const scheme = rounding === 'pow2' ? { scales: 'pow2' as const, rounding: 'tflm' as const } : { scales: 'fixed' as const, rounding };
  const g = buildReferenceModel(model, scheme, 1);
  const target = getCortexMTarget(core);
  const macs = g.ops.reduce((s, op) => s + opMacs(g, op), 0);
  const base = { model, core, qemu_machine: target.qemuMachine, path: kpath, rounding, optimize, macs,
    unit: 'executed instructions under QEMU -icount shift=0 (not cycles)', commit: gitCommit };
  const inputs = fashionImages(vectors).map((p) => quantiseImage(g, p));
  let r: DeviceParityReport;
  try {
    r = await deviceParity(g, inputs, { target, optimize, defines: kpath === 'portable' ? { EDGEQ_NO_DSP: true } : {} });
  } catch (e) {
    if (e instanceof RamFitError) return { ...base, status: 'refused', refused: e.message };
    throw e;
  }
  // Runtime code size at -Os: build only (no run), same sources.
  let flashRuntimeOs: number | undefined;
  if (optimize !== 'Os') {
    const dir = path.join(ROOT, 'bench', '.work', `${model}-${core}-os`);
    const { writeFirmwareDir } = await import('@edgeq/codegen');
    const m = await writeFirmwareDir(g, path.join(dir, 'fw'));
    const rt = path.join(dir, 'fw', 'runtime');
    const { readdirSync } = await import('node:fs');
    const b = await buildFirmware({
      target,
      outDir: path.join(dir, 'build'),
      optimize: 'Os',
      includeDirs: [path.join(dir, 'fw'), rt],
      sources: [
        { path: path.join(dir, 'fw', `${m.fileBase}.c`), group: 'model' },
        ...readdirSync(rt).filter((f) => f.endsWith('.c')).map((f) => ({ path: path.join(rt, f), group: 'runtime' })),
        { path: path.join(ROOT, 'bench', 'mcu-size-main.c'), group: 'harness' },
      ],
      defines: { EDGEQ_SIZE_MAIN_PREFIX: m.prefix, EDGEQ_SIZE_MAIN_HEADER: `"${m.fileBase}.h"`, ...(kpath === 'portable' ? { EDGEQ_NO_DSP: true } : {}) },
    });
    flashRuntimeOs = flashOf(b.groups.runtime);
  }
  const arena = r.build.arena ?? 0;
  return {
    ...base,
    status: 'ok',
    vectors: inputs.length,
    parity: r.line,
    bit_exact: r.stats.exactVectors === r.stats.vectors,
    instructions: r.profile.instructionsPerInference,
    instructions_per_mac: Number((r.profile.instructionsPerInference / macs).toFixed(3)),
    per_op: r.profile.perOp.map((o, i) => ({ name: o.name, type: g.ops[i].type, instructions: o.instructions, macs: opMacs(g, g.ops[i]) })),
    flash_model: flashOf(r.build.groups.model),
    flash_runtime: flashOf(r.build.groups.runtime),
    flash_runtime_os: flashRuntimeOs,
    flash_total: r.build.sections.flash,
    ram_static: r.build.sections.data + r.build.sections.bss - arena,
    arena,
    stack_peak: r.profile.stackPeak,
  };
}

async function main(): Promise<void> {
  const models = arg('models', 'dscnn,mbv2mini').split(',') as ReferenceModelName[];
  const cores = arg('cores', CORTEX_M_TARGET_IDS.join(',')).split(',');
  const vectors = Number(arg('vectors', '1000'));
  const optimize = arg('optimize', 'O2') as 'O2' | 'Os';
  const roundings = arg('rounding', 'tflm').split(',') as ModeName[];
  const paths = arg('paths', 'portable,dsp').split(',') as Array<'portable' | 'dsp'>;
  const records: McuRecord[] = [];
  console.log(`edgeq MCU bench: ${vectors} Fashion-MNIST test images, -${optimize}, modes ${roundings.join(', ')}; ` +
    'figures are QEMU -icount executed instructions, not cycles');
  for (const rounding of roundings) for (const model of models) {
    for (const core of cores) for (const kpath of paths) {
      if (kpath === 'dsp' && !getCortexMTarget(core).dsp) continue;
      const t0 = Date.now();
      const rec = await runOne(model, core, kpath, rounding, vectors, optimize);
      records.push(rec);
      if (rec.status === 'refused') {
        console.log(`${model.padEnd(9)} ${core.padEnd(11)} refused: ${rec.refused}`);
        continue;
      }
      console.log(
        `${model.padEnd(9)} ${rounding.padEnd(6)} ${core.padEnd(11)} ${rec.path.padEnd(8)} ${String(rec.instructions).padStart(10)} instr ` +
          `${rec.instructions_per_mac!.toFixed(2).padStart(6)} /MAC  flash model ${rec.flash_model} runtime ${rec.flash_runtime}` +
          ` (-Os ${rec.flash_runtime_os ?? '-'})  static RAM ${rec.ram_static}  arena ${rec.arena}  stack ${rec.stack_peak}` +
          `  ${rec.parity}  [${((Date.now() - t0) / 1000).toFixed(0)} s]`,
      );
      if (!rec.bit_exact) process.exitCode = 1;
    }
  }
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  // Keep records of other (model, core, path, rounding) keys from earlier runs.
  const key = (r: McuRecord) => `${r.model}/${r.core}/${r.path}/${r.rounding}`;
  const previous: McuRecord[] = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')).records ?? []) : [];
  const fresh = new Set(records.map(key));
  const all = [...previous.filter((r) => !fresh.has(key(r))), ...records];
  writeFileSync(RESULTS, JSON.stringify({ generated_by: 'bench/mcu.ts', records: all }, null, 2) + '\n');
  console.log(`wrote ${path.relative(ROOT, RESULTS)} (${all.length} records)`);
}

await main();
