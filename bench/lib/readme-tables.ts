/**
 * Renders the README's bench figures from bench/results/{arena,mcu,qat,mcu-mlperf,mcu-w4}.json: each section
 * is Markdown placed between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers, so the
 * README quotes the files instead of pinning numbers in prose. Used by
 * scripts/render-bench-tables.ts (rewrites the README) and test/readme-bench-tables.test.ts
 * (checks the README equals the rendering of the current files).
 */

import { WEIGHT_DOMINATED_MODELS, type W4Record, type W4Summary } from './w4-summary.js';

/** bench/results/arena.json, the fields the README quotes. */
export interface ArenaResults {
  commit: string;
  target_interpreter_images_per_s: number;
  machine: { cpus: number; loadavg: number[] };
  results: {
    model: string;
    arena_bytes: number;
    activation_bytes_total: number;
    arena_ratio: number;
    interpreter_images_per_s_wall_median: number;
    interpreter_images_per_s_cpu_median: number;
    segments: number;
  }[];
}

/** One run of bench/results/mcu.json. */
export interface McuRecord {
  model: string;
  core: string;
  path: string;
  rounding: string;
  optimize: string;
  commit: string;
  status: string;
  refused?: string;
  vectors?: number;
  bit_exact?: boolean;
  instructions?: number;
  instructions_per_mac?: number;
  flash_model?: number;
  flash_runtime?: number;
  flash_runtime_os?: number;
  arena?: number;
  stack_peak?: number;
}

/** bench/results/mcu.json. */
export interface McuResults {
  records: McuRecord[];
}

interface QatMean {
  mean: number;
  seeds: number[];
}

interface QatTarget {
  floatMinusQat: number;
  allowed: number;
  met: boolean;
}

interface QatThroughput {
  floatImagesPerSecond: number;
  qatImagesPerSecond: number;
  qatPow2ImagesPerSecond: number;
  qatStepCostVsFloat: number;
  rounds: number;
  segmentSteps: number;
  batchSize: number;
  /** The untimed warm-up round (bench/qat.ts `--warmup-steps`): its steps and wall time per variant. */
  warmup?: { steps: number; floatSeconds: number; qatSeconds: number; qatPow2Seconds: number };
}

/** bench/results/qat.json, the fields the README quotes. */
export interface QatResults {
  rows: { model: string; variant: string; commit: string; seed: number; backend?: string; int4Layers?: string[] }[];
  recipe: string;
  summary: Record<string, { means: Record<string, QatMean>; targets: Record<string, QatTarget> }>;
  throughput: Record<string, QatThroughput | unknown> & { commit: string };
}

/** One run of bench/results/mcu-mlperf.json (bench/mcu-mlperf.ts), the fields the README quotes. */
export interface MlperfRecord {
  model: string;
  core: string;
  rounding: string;
  optimize: string;
  /** gcc level, e.g. "-O2"; records written before --gcc existed have none (-O2). */
  gcc?: string;
  commit: string;
  status: string;
  macs?: number;
  bit_exact?: boolean;
  instructions?: number;
  instructions_per_mac?: number;
  constants_ratio?: number;
  cmsis_nn?: { instructions: number; ratio: number };
}

/** bench/results/mcu-mlperf.json. */
export interface MlperfResults {
  cmsis_nn_commit?: string;
  records: MlperfRecord[];
}

/** bench/results/mcu-w4.json (bench/mcu-w4.ts), the fields the README quotes. */
export interface W4Results {
  cmsis_nn_commit?: string;
  cmsis_nn_w4_commit?: string;
  summary: W4Summary[];
  records: W4Record[];
}

/** The results files. */
export interface BenchResults {
  arena: ArenaResults;
  mcu: McuResults;
  qat: QatResults;
  /** bench/results/qat-w4.json (`bench/qat.ts --w4`), absent until the W4 table is measured. */
  qatW4?: QatResults;
  mlperf: MlperfResults;
  w4: W4Results;
}

/** The MLPerf Tiny reference models (and dscnn) in the README's table, in this order. */
export const MLPERF_TABLE_MODELS: readonly string[] = ['kws_ref_model', 'pretrainedResnet_quant', 'vww_96_int8', 'ad01_int8', 'dscnn'];

/** The Cortex-M rows the README's table shows (model, core, path), `tflm` rounding at -O2. */
export const MCU_TABLE_ROWS: readonly (readonly [string, string, string])[] = [
  ['dscnn', 'cortex-m0', 'portable'],
  ['dscnn', 'cortex-m3', 'portable'],
  ['dscnn', 'cortex-m4', 'dsp'],
  ['dscnn', 'cortex-m4', 'portable'],
  ['dscnn', 'cortex-m7', 'dsp'],
  ['dscnn', 'cortex-m33', 'dsp'],
  ['mbv2mini', 'cortex-m4', 'dsp'],
];

/** The row printed in bold: the headline figure. */
const MCU_HEADLINE: readonly [string, string, string] = ['dscnn', 'cortex-m4', 'dsp'];

/** Training-throughput targets the README states (from the design notes). */
export const QAT_THROUGHPUT_TARGETS = { model: 'dscnn', qatImagesPerSecond: 600, stepCostVsFloat: 1.5 } as const;

const count = (n: number): string => n.toLocaleString('en-US');
const bytes = (n: number): string => `${count(n)} B`;
const shortCommit = (c: string): string => c.slice(0, 7);

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function arenaSection(arena: ArenaResults, mcu: McuResults): string {
  const fastArena = arena.results.map((r) => {
    const rec = mcu.records.find((m) => m.model === r.model && m.core === 'cortex-m4' && m.path === 'dsp' && m.rounding === 'tflm' && m.status === 'ok');
    return rec?.arena === undefined ? undefined : `${r.model} ${bytes(rec.arena)}`;
  });
  return [
    '| model | arena | all activations | arena / activations |',
    '|---|---|---|---|',
    ...arena.results.map((r) => `| ${r.model} | ${bytes(r.arena_bytes)} | ${bytes(r.activation_bytes_total)} | ${(r.arena_ratio * 100).toFixed(1)}% |`),
    '',
    `With the Cortex-M fast kernels, their scratch rows are placed in the plan's gaps; the firmware`,
    `arenas (\`bench/results/mcu.json\`, Cortex-M4, \`tflm\`): ${list(fastArena.filter((x): x is string => x !== undefined))}.`,
  ].join('\n');
}

function interpreterSection(arena: ArenaResults): string {
  const target = arena.target_interpreter_images_per_s;
  const first = arena.results[0];
  const verdict = first.interpreter_images_per_s_wall_median >= target ? 'above' : 'below';
  return [
    `The TypeScript interpreter on a ${arena.machine.cpus}-core machine (commit ${shortCommit(arena.commit)}, medians of ${first.segments} timed`,
    `segments, load average ${arena.machine.loadavg[0]} recorded):`,
    '',
    ...arena.results.map(
      (r) => `- ${r.model}: ${count(r.interpreter_images_per_s_wall_median)} images/s wall clock (${count(r.interpreter_images_per_s_cpu_median)} per CPU second)`,
    ),
    '',
    `${first.model} is ${verdict} the ${count(target)} images/s target. The machine is shared and noisy: rerun`,
    '`npx tsx bench/arena.ts` for figures of your own.',
  ].join('\n');
}

function mcuSection(mcu: McuResults): string {
  const tflm = mcu.records.filter((r) => r.rounding === 'tflm' && r.optimize === 'O2');
  const ran = mcu.records.filter((r) => r.status === 'ok');
  const exact = ran.filter((r) => r.bit_exact);
  const vectors = [...new Set(ran.map((r) => r.vectors ?? 0))];
  const roundings = [...new Set(mcu.records.map((r) => r.rounding))];
  const commits = [...new Set(mcu.records.map((r) => shortCommit(r.commit)))];
  const refused = [...new Set(mcu.records.filter((r) => r.status === 'refused').map((r) => `${r.model} on ${r.core}`))];
  const lines = [
    `From \`bench/results/mcu.json\` (\`npx tsx bench/mcu.ts --rounding ${roundings.join(',')} --vectors ${vectors.join('/')}\`,`,
    `commit ${list(commits)}): ${ran.length} runs of (model, core, path, rounding) on the first ${vectors.map(count).join('/')} Fashion-MNIST`,
    `test images under QEMU, ${exact.length === ran.length ? '**all bit-exact**' : `**${exact.length} of them bit-exact**`} against the interpreter.`,
  ];
  if (refused.length > 0) lines.push(`Refused before running, with the sizes and the shortfall in the message (see the file): ${list(refused)}.`);
  lines.push('Instruction counts are QEMU `-icount` executed instructions, **not cycles**. `tflm` rounding, -O2:', '');
  lines.push(
    '| model | core | path | instructions / inference | per MAC | flash: model | flash: runtime (-O2 / -Os) | arena | stack peak |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const [model, core, path] of MCU_TABLE_ROWS) {
    const r = tflm.find((x) => x.model === model && x.core === core && x.path === path);
    if (!r || r.status !== 'ok') throw new Error(`bench/results/mcu.json: no tflm -O2 run of ${model} on ${core} (${path})`);
    const bold = model === MCU_HEADLINE[0] && core === MCU_HEADLINE[1] && path === MCU_HEADLINE[2];
    const b = (s: string): string => (bold ? `**${s}**` : s);
    lines.push(
      `| ${b(model)} | ${b(core)} | ${b(path)} | ${b(count(r.instructions!))} | ${b(r.instructions_per_mac!.toFixed(2))} | ` +
        `${bytes(r.flash_model!)} | ${count(r.flash_runtime!)} / ${bytes(r.flash_runtime_os!)} | ${bytes(r.arena!)} | ${bytes(r.stack_peak!)} |`,
    );
  }
  return lines.join('\n');
}

/** Where a QAT accuracy table comes from: its results file and the command that writes it. */
interface QatTableSource {
  file: string;
  command: string;
}

function qatAccuracySection(qat: QatResults, source: QatTableSource = { file: 'bench/results/qat.json', command: 'npx tsx bench/qat.ts' }): string {
  const models = Object.keys(qat.summary);
  const variants = Object.keys(qat.summary[models[0]].means);
  const commits = [...new Set(qat.rows.map((r) => r.commit))];
  const seeds = [...new Set(qat.rows.map((r) => r.seed))].sort((a, b) => a - b);
  const backends = [...new Set(qat.rows.map((r) => r.backend).filter((b): b is string => b !== undefined))];
  const cell = (model: string, variant: string): string => {
    const mean = qat.summary[model].means[variant]?.mean;
    if (mean === undefined) return '–';
    const target = qat.summary[model].targets[variant];
    // QAT above float reads "float + gap", not "float − -gap".
    const gap = target?.floatMinusQat;
    return gap === undefined ? mean.toFixed(2) : `${mean.toFixed(2)} (float ${gap < 0 ? '+' : '−'} ${Math.abs(gap).toFixed(2)})`;
  };
  const targetText = Object.keys(qat.summary[models[0]].targets).map((variant) => {
    const allowed = qat.summary[models[0]].targets[variant].allowed;
    const met = models.every((m) => qat.summary[m].targets[variant]?.met);
    return `${variant} ≥ float − ${allowed}: ${met ? 'met' : 'not met'}`;
  });
  return [
    `From \`${source.file}\` (\`${source.command}\`, commit ${list(commits)}, seeds ${list(seeds.map(String))}` +
      `${backends.length ? `, trained on ${list(backends)}` : ''}; per-seed`,
    `figures in the file): int8 top-1 on all 10,000 Fashion-MNIST test images, computed by the integer interpreter.`,
    `Recipe (the file's \`recipe\`): ${qat.recipe}.`,
    '',
    `Mean of ${seeds.length} seeds:`,
    '',
    `| variant | ${models.join(' | ')} |`,
    `|---|${models.map(() => '---|').join('')}`,
    ...variants.map((v) => `| ${v} | ${models.map((m) => cell(m, v)).join(' | ')} |`),
    '',
    `Targets (both models; verdicts stored in the file's \`summary\`):`,
    ...targetText.map((t) => `- ${t}`),
  ].join('\n');
}

/**
 * The W4A8 table (issue 17): float / PTQ W8 / PTQ W4 / QAT W4 in both scale modes, with the
 * layers that were 4-bit; a pointer to the command while bench/results/qat-w4.json is missing.
 */
function qatW4AccuracySection(qat: QatResults | undefined): string {
  const command = 'npx tsx bench/qat.ts --w4';
  if (!qat) return `Not measured yet: \`${command}\` writes \`bench/results/qat-w4.json\`.`;
  const layers = Object.keys(qat.summary).map((model) => {
    const row = qat.rows.find((r) => r.model === model && r.variant.startsWith('QAT W4') && r.int4Layers);
    return `${model}: ${row?.int4Layers?.join(', ') ?? '–'}`;
  });
  return [qatAccuracySection(qat, { file: 'bench/results/qat-w4.json', command }), '', `4-bit layers (the rows' \`int4Layers\`; the others stay 8-bit): ${layers.join('; ')}.`].join('\n');
}

/** One model's edgeq / PyTorch training throughput ratios in bench/results/qat.json (`throughput.pytorch.comparison`). */
interface PytorchComparison {
  qatRatio: number;
  floatRatio: number;
  pytorchQatObserversOn: { mean: number };
  pytorchFloat: { mean: number };
  /** With several PyTorch / edgeq / PyTorch sequences: how many, and the ratios' range (the ratios are medians). */
  sequences?: number;
  qatRatioRange?: [number, number];
  floatRatioRange?: [number, number];
}

function qatThroughputSection(qat: QatResults): string {
  const t = qat.throughput;
  const models = Object.keys(t).filter((k) => typeof t[k] === 'object' && t[k] !== null && 'floatImagesPerSecond' in (t[k] as object));
  const rows = models.map((m) => [m, t[m] as QatThroughput] as const);
  const first = rows[0][1];
  const target = t[QAT_THROUGHPUT_TARGETS.model] as QatThroughput;
  const met =
    target.qatImagesPerSecond >= QAT_THROUGHPUT_TARGETS.qatImagesPerSecond &&
    rows.every(([, r]) => r.qatStepCostVsFloat <= QAT_THROUGHPUT_TARGETS.stepCostVsFloat);
  const backend = typeof t.backend === 'string' ? `, ${t.backend}` : '';
  const peer = t.pytorch as { torch: string; threads: number; comparison: Record<string, PytorchComparison> } | undefined;
  const sequences = peer ? Math.max(...Object.values(peer.comparison).map((c) => c.sequences ?? 1)) : 0;
  const range = (r: [number, number] | undefined) => (r && sequences > 1 ? ` [${r[0].toFixed(2)}–${r[1].toFixed(2)}]` : '');
  const versus = peer
    ? ['', `Against PyTorch ${peer.torch} (${peer.threads} threads, observers on; ` +
        (sequences > 1
          ? `${sequences} sequences of PyTorch, edgeq, PyTorch; per sequence edgeq over the mean of the PyTorch runs before and after it, median over the sequences [range]): `
          : 'run just before and just after edgeq, mean of the two): ') +
        list(Object.entries(peer.comparison).map(([m, c]) =>
          `${m} QAT ${c.qatRatio.toFixed(2)}×${range(c.qatRatioRange)} (PyTorch ${count(c.pytorchQatObserversOn.mean)} img/s), float ${c.floatRatio.toFixed(2)}×${range(c.floatRatioRange)} (${count(c.pytorchFloat.mean)})`)) + '.']
    : [];
  return [
    `Training throughput (\`npx tsx bench/qat.ts --throughput-only\`, commit ${shortCommit(t.commit)}${backend}, batch ${first.batchSize}, median`,
    `of ${first.rounds} interleaved ${first.segmentSteps}-step segments${first.warmup ? ` after a ${first.warmup.steps}-step warm-up of each variant` : ''}):`,
    '',
    '| model | float | QAT (BN folding, batch statistics) | QAT power-of-two | QAT step / float step |',
    '|---|---|---|---|---|',
    ...rows.map(
      ([m, r]) =>
        `| ${m} | ${count(r.floatImagesPerSecond)} img/s | ${count(r.qatImagesPerSecond)} img/s | ${count(r.qatPow2ImagesPerSecond)} img/s | ${r.qatStepCostVsFloat.toFixed(2)}× |`,
    ),
    ...(first.warmup
      ? ['', `The warm-up, while V8 tiers up tfjs's JS and WebAssembly in each thread, is not in those figures; it took ` +
          list(rows.map(([m, r]) => `${m} ${r.warmup ? `${r.warmup.floatSeconds} s (float) / ${r.warmup.qatSeconds} s (QAT)` : '—'}`)) +
          ` for ${first.warmup.steps} steps.`]
      : []),
    '',
    `Targets (${QAT_THROUGHPUT_TARGETS.model} QAT ≥ ${QAT_THROUGHPUT_TARGETS.qatImagesPerSecond} images/s, QAT step ≤ ${QAT_THROUGHPUT_TARGETS.stepCostVsFloat}× a float step): ${met ? 'met' : 'not met'}.`,
    ...versus,
  ].join('\n');
}

function mlperfSection(mlperf: MlperfResults): string {
  const find = (model: string, cores: readonly string[], optimize: string, gcc: string) =>
    mlperf.records.find((r) => r.model === model && cores.includes(r.core) && r.rounding.endsWith('tflm') && r.optimize === optimize &&
      (r.gcc ?? '-O2') === gcc && r.status === 'ok');
  const ratio = (r: MlperfRecord | undefined): string => (r?.cmsis_nn ? `${r.cmsis_nn.ratio.toFixed(2)}×` : '—');
  const ran = mlperf.records.filter((r) => r.status === 'ok');
  const exact = ran.filter((r) => r.bit_exact);
  const commits = [...new Set(ran.map((r) => shortCommit(r.commit.replace(/\+dirty$/, ''))))];
  const lines = [
    `From \`bench/results/mcu-mlperf.json\` (\`bench/mcu-mlperf.ts\`, commit ${list(commits)}): ${ran.length} runs, ` +
      `${exact.length === ran.length ? '**all bit-exact**' : `**${exact.length} of them bit-exact**`} against the interpreter on 2 seeded vectors.`,
    `Instructions per inference under QEMU \`-icount\`, \`tflm\` rounding; ÷ CMSIS-NN is edgeq's count over CMSIS-NN ${mlperf.cmsis_nn_commit ? shortCommit(mlperf.cmsis_nn_commit) : ''}'s`,
    'on the same weights, built with the same flags and counted the same way (bench/README.md). Cortex-M0 rows of models the',
    'micro:bit cannot hold ran the same ARMv6-M code on the `cortex-m0-mps2` target.',
    '',
    '| model | MACs | M4 `speed` (per MAC) | ÷ CMSIS-NN | M4 `size` | ÷ CMSIS-NN | constants ×, `speed` / `size` | M3 -O2 ÷ CMSIS-NN | M3 -Os ÷ CMSIS-NN | M0 ÷ CMSIS-NN | `size` on the other cores, worst ÷ CMSIS-NN |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  /** The `size` run of `model` off the M4 with the highest CMSIS-NN ratio, e.g. "0.93× (cortex-m3 -Os)". */
  const worstSizeElsewhere = (model: string): string => {
    const runs = ran.filter((r) => r.model === model && r.core !== 'cortex-m4' && r.optimize === 'size' && r.rounding.endsWith('tflm') && r.cmsis_nn);
    if (runs.length === 0) return '—';
    const worst = runs.reduce((a, b) => (b.cmsis_nn!.ratio > a.cmsis_nn!.ratio ? b : a));
    return `${ratio(worst)} (${worst.core} ${worst.gcc ?? '-O2'}; ${runs.length} runs)`;
  };
  for (const model of MLPERF_TABLE_MODELS) {
    const speed = find(model, ['cortex-m4'], 'speed', '-O2');
    if (!speed) throw new Error(`bench/results/mcu-mlperf.json: no tflm -O2 speed run of ${model} on cortex-m4`);
    const size = find(model, ['cortex-m4'], 'size', '-O2');
    const m3 = find(model, ['cortex-m3'], 'speed', '-O2');
    const m3s = find(model, ['cortex-m3'], 'speed', '-Os');
    const m0 = find(model, ['cortex-m0', 'cortex-m0-mps2'], 'speed', '-O2');
    lines.push(
      `| ${model} | ${count(speed.macs!)} | ${count(speed.instructions!)} (${speed.instructions_per_mac!.toFixed(2)}) | ${ratio(speed)} | ` +
        `${size ? count(size.instructions!) : '—'} | ${ratio(size)} | ${speed.constants_ratio!.toFixed(2)} / ${size ? size.constants_ratio!.toFixed(2) : '—'} | ` +
        `${ratio(m3)} | ${ratio(m3s)} | ${ratio(m0)} | ${worstSizeElsewhere(model)} |`,
    );
  }
  return lines.join('\n');
}

/** The W4 rows of the README, in this order (those measured). */
export const W4_TABLE_MODELS: readonly string[] = ['ad01_int8', 'vww_96_int8', 'kws_ref_model', 'pretrainedResnet_quant', 'dscnn'];

function w4Section(w4: W4Results): string {
  const ran = w4.records.filter((r) => r.status === 'ok');
  const exact = ran.filter((r) => r.bit_exact);
  const commits = [...new Set(ran.map((r) => shortCommit(r.commit.replace(/\+dirty$/, ''))))];
  const narrowing = ran.find((r) => r.weights === 'w4')?.narrowing as { clipping?: string; granularity?: string; ops?: string[] } | undefined;
  const row = (model: string, optimize: string) => w4.summary.find((x) => x.model === model && x.optimize === optimize);
  const bar = (optimize: string): string => {
    const rows = WEIGHT_DOMINATED_MODELS.map((m) => row(m, optimize)).filter((x): x is W4Summary => x !== undefined);
    if (rows.length === 0) return `\`${optimize}\`: not measured`;
    const met = rows.every((x) => x.flash_bar_met);
    return `\`${optimize}\` ${list(rows.map((x) => `${x.model} ${x.constants_ratio.toFixed(2)}×`))}: **${met ? 'met' : 'not met'}**`;
  };
  const pair = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '—' : `${count(a)} / ${count(b)}`);
  const cmsis = (model: string): string => {
    const s = row(model, 'speed');
    return pair(s?.cmsis_nn_w8_instructions, s?.cmsis_nn_w4_instructions);
  };
  const lines = [
    `From \`bench/results/mcu-w4.json\` (\`bench/mcu-w4.ts\`, commit ${list(commits)}): ${ran.length} runs on the Cortex-M4 (-O2, \`tflm\`), ` +
      `${exact.length === ran.length ? '**all bit-exact**' : `**${exact.length} of them bit-exact**`} against the interpreter of the same graph on 2 seeded vectors.`,
    `W4 is each model's int8 weights narrowed to int4 by \`narrowWeightsToInt4\` (every CONV_2D, DEPTHWISE_CONV_2D and`,
    `FULLY_CONNECTED${narrowing?.clipping ? `, ${narrowing.clipping} clip search` : ''}; no retraining). Constants are the generated const bytes (weights, biases,`,
    `requantisation data); ÷ divides W4 by W8 in the same \`--optimize\` mode. The bar for the weight-dominated models`,
    `(W4 ≤ 0.55× W8): ${bar('speed')}; ${bar('size')}.`,
    `CMSIS-NN ${w4.cmsis_nn_w4_commit ? shortCommit(w4.cmsis_nn_w4_commit) : ''} runs its s8 kernels on W8 and its s4 kernels on W4, measured outside the`,
    'repository the same way (bench/README.md); its flash is the whole firmware\'s.',
    '',
    '| model | constants W8 / W4 `speed` | ÷ | constants W8 / W4 `size` | ÷ | M4 instructions W8 / W4 `speed` | M4 `size` | CMSIS-NN s8 / s4 instructions | CMSIS-NN flash s8 / s4 |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const model of W4_TABLE_MODELS) {
    const speed = row(model, 'speed');
    const size = row(model, 'size');
    if (!speed && !size) continue;
    const name = WEIGHT_DOMINATED_MODELS.includes(model) ? `**${model}**` : model;
    lines.push(
      `| ${name} | ${pair(speed?.constants_w8, speed?.constants_w4)} | ${speed ? `${speed.constants_ratio.toFixed(2)}×` : '—'} | ` +
        `${pair(size?.constants_w8, size?.constants_w4)} | ${size ? `${size.constants_ratio.toFixed(2)}×` : '—'} | ` +
        `${pair(speed?.instructions_w8, speed?.instructions_w4)} | ${pair(size?.instructions_w8, size?.instructions_w4)} | ${cmsis(model)} | ` +
        `${pair(speed?.cmsis_nn_w8_flash, speed?.cmsis_nn_w4_flash)} |`,
    );
  }
  return lines.join('\n');
}

/** Every section's Markdown, by marker name. */
export function renderBenchSections(results: BenchResults): Record<string, string> {
  return {
    arena: arenaSection(results.arena, results.mcu),
    interpreter: interpreterSection(results.arena),
    mcu: mcuSection(results.mcu),
    mlperf: mlperfSection(results.mlperf),
    w4: w4Section(results.w4),
    'qat-accuracy': qatAccuracySection(results.qat),
    'qat-w4-accuracy': qatW4AccuracySection(results.qatW4),
    'qat-throughput': qatThroughputSection(results.qat),
  };
}

/**
 * The document with every `<!-- bench:NAME -->…<!-- /bench:NAME -->` section replaced by its
 * rendering. A marker without a section of that name, or a section without its markers, is an error.
 */
export function renderIntoDocument(document: string, sections: Record<string, string>): string {
  let text = document;
  for (const [name, body] of Object.entries(sections)) {
    const open = `<!-- bench:${name} -->`;
    const close = `<!-- /bench:${name} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start < 0 || end < start) throw new Error(`the document has no ${open} … ${close} section`);
    text = `${text.slice(0, start + open.length)}\n${body}\n${text.slice(end)}`;
  }
  const unknown = [...text.matchAll(/<!-- bench:([\w-]+) -->/g)].map((m) => m[1]).filter((n) => !(n in sections));
  if (unknown.length > 0) throw new Error(`unknown bench sections: ${unknown.join(', ')}`);
  return text;
}
