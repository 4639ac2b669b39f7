/**
 * Op-by-op comparison of edgeq's `tflm` mode with TFLite Micro's reference kernels
 * (issue 13). This script never builds or calls TFLite Micro: it only exchanges files with
 * an external driver that the user builds from a TFLite Micro checkout
 * (docs/quantization-spec.md, "Checking against TFLite Micro").
 *
 *   npx tsx scripts/tflm-op-cases.ts write   --out DIR [--seed 1] [--per-op 1000] [--model-inputs 10]
 *   <driver> DIR/cases.txt DIR/tflm-outputs.txt
 *   npx tsx scripts/tflm-op-cases.ts compare --dir DIR
 *
 * `write` draws cases with edgeq's own machinery — ops of seeded random graphs
 * (randomGraph, TFLite's concatenation rule), single-op SOFTMAX, MEAN, LOGISTIC and near-tie
 * FULLY_CONNECTED graphs built with GraphBuilder, and every op of the dscnn and mbv2mini
 * reference models — runs each graph in the interpreter (`fixed`/`tflm`) and records each
 * op's inputs, constants, options and edgeq's output. Model ops appear twice: group
 * `<model>/op` feeds each op edgeq's own input; group `<model>/chain` feeds it the driver's
 * output of the previous op (`ref`), i.e. TFLite Micro end to end. `compare` prints, per op
 * and group, how many output elements differ, and exits 1 if any do.
 *
 * cases.txt (whitespace-separated tokens; every float is its float32 bit pattern as an
 * unsigned integer, every int8/int32 value a signed decimal):
 *   edgeq-op-cases 1
 *   case ID OP_TYPE GROUP
 *   options N v1..vN          (per op, below)
 *   inputs K                  then K times:
 *   tensor DTYPE RANK d1..dR NSCALES s1..sN ZERO_POINT (data COUNT v1..vCOUNT | ref CASE_ID)
 *   output DTYPE RANK d1..dR NSCALES s1..sN ZERO_POINT
 *   edgeq COUNT v1..vCOUNT    (edgeq's output; the driver skips it)
 *   end
 * DTYPE is i8, i32 or f32. Weights carry their per-channel scales (axis 0 for CONV_2D and
 * FULLY_CONNECTED, 3 for DEPTHWISE_CONV_2D). Options: padding 0 = SAME, 1 = VALID;
 * activation 0 = NONE, 1 = RELU, 3 = RELU6 (TFLite's enum);
 *   CONV_2D            padding strideW strideH dilationW dilationH activation
 *   DEPTHWISE_CONV_2D  the same, then depthMultiplier
 *   FULLY_CONNECTED, ADD  activation
 *   AVERAGE/MAX_POOL_2D   padding strideW strideH filterW filterH activation
 *   MEAN               keepDims axisCount axes...
 *   SOFTMAX            beta (float32 bits)
 *   PAD                before/after per dimension (2·rank values)
 *   CONCATENATION      axis activation
 *   STRIDED_SLICE      begin (4 values), end (4), strides (4): unit strides, no masks
 *   QUANTIZE, DEQUANTIZE, RESHAPE, LOGISTIC  none
 * tflm-outputs.txt: `edgeq-op-outputs 1`, then per case `result ID ok COUNT v1..` (same
 * value encoding) or `result ID refused REASON` (TFLite Micro's Prepare would refuse it).
 */

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildReferenceModel,
  constantData,
  convRealMultipliers,
  float32ToBits,
  GraphBuilder,
  Interpreter,
  mulberry32,
  q,
  randomGraph,
  REFERENCE_MODELS,
  type OpDef,
  type QGraph,
  type QuantScheme,
  type TensorData,
  type TensorDef,
} from '@edgeq/ir';

const TFLM: QuantScheme = { scales: 'fixed', rounding: 'tflm' };
const ACTIVATION_CODE = { NONE: 0, RELU: 1, RELU6: 3 } as const;
const PADDING_CODE = { SAME: 0, VALID: 1 } as const;
/** The ops of issue 13's list that edgeq has; every one gets ≥ --per-op random cases. */
const COMPARED_OPS = [
  'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'MEAN', 'SOFTMAX', 'PAD', 'CONCATENATION',
  'QUANTIZE', 'DEQUANTIZE', 'LOGISTIC', 'STRIDED_SLICE',
] as const;

/** The option tokens of one op, in the order the header above lists them. */
function optionTokens(g: QGraph, op: OpDef): number[] {
  switch (op.type) {
    case 'CONV_2D': {
      const o = op.options;
      return [PADDING_CODE[o.padding], o.strideW, o.strideH, o.dilationW, o.dilationH, ACTIVATION_CODE[o.activation]];
    }
    case 'DEPTHWISE_CONV_2D': {
      const o = op.options;
      return [PADDING_CODE[o.padding], o.strideW, o.strideH, o.dilationW, o.dilationH, ACTIVATION_CODE[o.activation], o.depthMultiplier];
    }
    case 'FULLY_CONNECTED':
    case 'ADD':
      return [ACTIVATION_CODE[op.options.activation]];
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const o = op.options;
      return [PADDING_CODE[o.padding], o.strideW, o.strideH, o.filterW, o.filterH, ACTIVATION_CODE[o.activation]];
    }
    case 'MEAN':
      return [op.options.keepDims ? 1 : 0, op.options.axes.length, ...op.options.axes];
    case 'SOFTMAX':
      return [float32ToBits(op.options.beta) >>> 0];
    case 'PAD':
      return op.options.paddings.flat();
    case 'CONCATENATION':
      return [op.options.axis, ACTIVATION_CODE[op.options.activation]];
    case 'STRIDED_SLICE': {
      const extent = g.tensors[op.outputs[0]].shape;
      const begin = op.options.begin;
      return [...begin, ...begin.map((b, k) => b + extent[k]), 1, 1, 1, 1];
    }
    default:
      return [];
  }
}

const DTYPE_TOKEN = { int8: 'i8', int32: 'i32', float32: 'f32' } as const;

function valueTokens(data: TensorData): string {
  const values = data instanceof Float32Array ? Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length)) : Array.from(data);
  return `${values.length} ${values.join(' ')}`;
}

function tensorHeader(t: TensorDef): string {
  const scales = t.quant ? t.quant.scale.map((s) => float32ToBits(s) >>> 0) : [];
  if (t.dtype === 'int4') throw new Error(`${t.name}: the TFLM op cases hold no int4 tensors`);
  return `${DTYPE_TOKEN[t.dtype]} ${t.shape.length} ${t.shape.join(' ')} ${scales.length} ${scales.join(' ')} ${t.quant ? t.quant.zeroPoint[0] : 0}`.replace(/ +/g, ' ');
}

/** Collects case records and counts cases per op and group. */
class CaseWriter {
  readonly lines: string[] = ['edgeq-op-cases 1'];
  readonly counts = new Map<string, number>();
  private nextId = 0;

  /**
   * Add one case per op of `ops`. An activation input carries its edgeq value, or in a chain
   * (`chain`) a `ref` to the earlier case of this run that produced it.
   */
  addGraphOps(g: QGraph, values: Map<number, TensorData>, group: string, ops: readonly OpDef[], chain: boolean): void {
    const producer = new Map<number, number>();
    for (const op of ops) {
      const id = this.nextId++;
      const inputs = op.inputs.map((t) => {
        const def = g.tensors[t];
        if (def.buffer) return `tensor ${tensorHeader(def)} data ${valueTokens(constantData(g, t))}`;
        const from = chain ? producer.get(t) : undefined;
        return from === undefined ? `tensor ${tensorHeader(def)} data ${valueTokens(values.get(t)!)}` : `tensor ${tensorHeader(def)} ref ${from}`;
      });
      const options = optionTokens(g, op);
      this.lines.push(
        `case ${id} ${op.type} ${group}`,
        `options ${options.length} ${options.join(' ')}`.trimEnd(),
        `inputs ${inputs.length}`,
        ...inputs,
        `output ${tensorHeader(g.tensors[op.outputs[0]])}`,
        `edgeq ${valueTokens(values.get(op.outputs[0])!)}`,
        'end',
      );
      producer.set(op.outputs[0], id);
      const key = `${op.type} ${group}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
  }
}

/** Random activations for a graph's inputs: int8 uniform; float32 around the quantised range, with exact ties. */
function randomInputs(g: QGraph, rand: () => number): TensorData[] {
  return g.inputs.map((t) => {
    const def = g.tensors[t];
    const n = def.shape.reduce((a, d) => a * d, 1);
    if (def.dtype !== 'float32') return new Int8Array(n).map(() => Math.floor(rand() * 256) - 128);
    // The QUANTIZE that reads this input fixes the scale and zero point.
    const quantOp = g.ops.find((op) => op.inputs[0] === t)!;
    const { scale, zeroPoint } = g.tensors[quantOp.outputs[0]].quant!;
    const s = Math.fround(scale[0]);
    return new Float32Array(n).map(() => {
      const k = Math.floor(rand() * 300) - 150 - zeroPoint[0];
      const pick = rand();
      if (pick < 0.3) return (k + 0.5) * s; // a tie before rounding (in real numbers)
      if (pick < 0.4) return k * s;
      return (k + rand()) * s;
    });
  });
}

function runAll(g: QGraph, inputs: TensorData[]): Map<number, TensorData> {
  return new Interpreter(g).run(inputs, { keepIntermediates: true }).intermediates!;
}

/** A single-op graph and the input it is run on. */
interface SingleOpCase {
  graph: QGraph;
  inputs: TensorData[];
}

/**
 * A single-op SOFTMAX graph: 1 to 300 classes in 1 to 4 rows, input scale over 2^−9..2^2,
 * any zero point, varied beta; uniform int8 logits or normally spread real ones.
 */
function softmaxCase(seed: number): SingleOpCase {
  const rand = mulberry32(seed);
  const b = new GraphBuilder(`softmax_${seed}`);
  const classes = 1 + Math.floor(rand() * (rand() < 0.8 ? 16 : 300));
  const rows = rand() < 0.3 ? 2 + Math.floor(rand() * 3) : 1;
  const x = b.input('logits', rows > 1 ? [1, rows, classes] : [1, classes], q(Math.fround(2 ** (-9 + 11 * rand())), Math.floor(rand() * 256) - 128));
  const beta = [1, 1, 0.5, 2, Math.fround(0.1 + 3 * rand())][Math.floor(rand() * 5)];
  b.output(b.softmax('softmax', x, beta));
  const graph = b.build();
  if (rand() < 0.5) return { graph, inputs: randomInputs(graph, rand) };
  // Logits as a trained classifier spreads them: normal, standard deviation 1 to 8 (real units).
  const { scale, zeroPoint } = b.quantOf(x);
  const spread = 1 + 7 * rand();
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const logits = new Int8Array(rows * classes).map(() => Math.max(-128, Math.min(127, Math.round(zeroPoint[0] + (spread * normal()) / scale[0]))));
  return { graph, inputs: [logits] };
}

/** A single-op MEAN graph: windows up to 32×32, output scale equal to the input's (global average pool) or drawn. */
function meanCase(seed: number): SingleOpCase {
  const rand = mulberry32(seed);
  const b = new GraphBuilder(`mean_${seed}`);
  const side = () => 1 + Math.floor(rand() * (rand() < 0.7 ? 10 : 32));
  const inQ = q(Math.fround(2 ** (-8 + 6 * rand())), Math.floor(rand() * 256) - 128);
  const x = b.input('x', [1, side(), side(), 1 + Math.floor(rand() * 8)], inQ);
  const outQ = rand() < 0.4 ? inQ : q(Math.fround(inQ.scale[0] * (0.25 + 2 * rand())), Math.floor(rand() * 256) - 128);
  b.output(b.mean('mean', x, outQ, rand() < 0.3));
  const graph = b.build();
  return { graph, inputs: randomInputs(graph, rand) };
}

/**
 * A single-op LOGISTIC graph on every int8 input once: input scale over 2^−8..2^4 (range radius
 * from beyond the int8 span down to 0), zero points anywhere, the extremes 20% of the time.
 */
function logisticCase(seed: number): SingleOpCase {
  const rand = mulberry32(seed);
  const b = new GraphBuilder(`logistic_${seed}`);
  const zeroPoint = rand() < 0.2 ? (rand() < 0.5 ? -128 : 127) : Math.floor(rand() * 256) - 128;
  const x = b.input('x', [1, 256], q(Math.fround(2 ** (-8 + 12 * rand())), zeroPoint));
  b.output(b.op('LOGISTIC', 'logistic', [x], {}, [1, 256], q(1 / 256, -128)));
  return { graph: b.build(), inputs: [Int8Array.from({ length: 256 }, (_, i) => i - 128)] };
}

/**
 * A single-op FULLY_CONNECTED graph whose accumulators land next to a rounding tie: the
 * multiplier is small (2^−22..2^−10), and each channel's bias puts acc·M within a few
 * steps of k + ½. Here a 1-unit difference in the Q31 multiplier shows in the output, so a
 * multiplier derived differently from TFLite Micro's Prepare cannot hide.
 */
function fullyConnectedTieCase(seed: number): SingleOpCase {
  const rand = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const [cin, cout] = [int(1, 16), int(1, 16)];
  const inQ = q(Math.fround(2 ** (-8 + 4 * rand())), int(-128, 127));
  const weightScales = Array.from({ length: rand() < 0.5 ? 1 : cout }, () => Math.fround(2 ** (-9 + 3 * rand())));
  const outScale = Math.fround(inQ.scale[0] * weightScales[0] * 2 ** (10 + 12 * rand()));
  const weights = new Int8Array(cout * cin).map(() => int(-127, 127));
  const x = new Int8Array(cin).map(() => int(-128, 127));
  const reals = convRealMultipliers('FULLY_CONNECTED', inQ.scale[0], weightScales, outScale, cout, TFLM);
  const bias = new Int32Array(cout).map((_, c) => {
    let dot = 0;
    for (let i = 0; i < cin; i++) dot += (x[i] - inQ.zeroPoint[0]) * weights[c * cin + i];
    return Math.round((int(-100, 100) + 0.5) / reals[c]) - dot + int(-2, 2);
  });
  const b = new GraphBuilder(`fc_tie_${seed}`);
  const input = b.input('x', [1, cin], inQ);
  b.output(b.fullyConnected(input, { name: 'fc', weights, weightShape: [cout, cin], weightScales, bias, out: q(outScale, int(-20, 20)) }));
  return { graph: b.build(), inputs: [x] };
}

function writeCases(dir: string, seed: number, perOp: number, modelInputs: number): void {
  const w = new CaseWriter();
  const rand = mulberry32(seed);
  const have = (op: string) => w.counts.get(`${op} random`) ?? 0;
  for (let s = seed * 1_000_003; COMPARED_OPS.some((op) => have(op) < perOp); s++) {
    const g = randomGraph(s >>> 0, { sharedConcatQuant: true });
    const wanted = g.ops.filter((op) => (COMPARED_OPS as readonly string[]).includes(op.type) && have(op.type) < perOp);
    if (wanted.length > 0) w.addGraphOps(g, runAll(g, randomInputs(g, rand)), 'random', wanted, false);
  }
  for (let i = 0; i < perOp; i++) {
    for (const { graph, inputs } of [softmaxCase(seed * 7919 + i), meanCase(seed * 7919 + i), fullyConnectedTieCase(seed * 7919 + i), logisticCase(seed * 7919 + i)]) {
      w.addGraphOps(graph, runAll(graph, inputs), 'single', graph.ops, false);
    }
  }
  for (const name of REFERENCE_MODELS) {
    const g = buildReferenceModel(name);
    for (let i = 0; i < modelInputs; i++) {
      const values = runAll(g, randomInputs(g, rand));
      w.addGraphOps(g, values, `${name}/op`, g.ops, false);
      w.addGraphOps(g, values, `${name}/chain`, g.ops, true);
    }
  }
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'cases.txt');
  writeFileSync(`${path}.tmp`, w.lines.join('\n') + '\n');
  renameSync(`${path}.tmp`, path);
  const total = [...w.counts.values()].reduce((a, n) => a + n, 0);
  console.log(`wrote ${path}: ${total} cases (seed ${seed}, ${perOp} random per op, ${modelInputs} inputs per model)`);
  for (const [key, n] of [...w.counts].sort()) console.log(`  ${key.padEnd(36)} ${n}`);
}

interface Tally {
  cases: number;
  refused: number;
  elements: number;
  differing: number;
  maxAbs: number;
  firstCase?: number;
  reasons: Set<string>;
}

/** Per case: its op, group and edgeq's output tokens, from cases.txt (one record per line, as `write` puts them). */
function readEdgeqOutputs(path: string): Map<number, { key: string; values: string[] }> {
  const cases = new Map<number, { key: string; values: string[] }>();
  let key = '';
  let id = -1;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('case ')) {
      const [, idText, op, group] = line.split(' ');
      [id, key] = [Number(idText), `${op} ${group}`];
    } else if (line.startsWith('edgeq ')) {
      cases.set(id, { key, values: line.split(' ').slice(2) });
    }
  }
  return cases;
}

function compare(dir: string): number {
  const edgeq = readEdgeqOutputs(join(dir, 'cases.txt'));
  const lines = readFileSync(join(dir, 'tflm-outputs.txt'), 'utf8').split('\n');
  if (lines[0].trim() !== 'edgeq-op-outputs 1') throw new Error(`${join(dir, 'tflm-outputs.txt')}: expected header "edgeq-op-outputs 1"`);
  const tallies = new Map<string, Tally>();
  let results = 0;
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const [, idText, status, ...rest] = line.split(' ');
    const id = Number(idText);
    const mine = edgeq.get(id);
    if (!mine) throw new Error(`tflm-outputs.txt: result for unknown case ${idText}`);
    results++;
    const t = tallies.get(mine.key) ?? { cases: 0, refused: 0, elements: 0, differing: 0, maxAbs: 0, reasons: new Set<string>() };
    tallies.set(mine.key, t);
    t.cases++;
    if (status === 'refused') {
      t.refused++;
      t.reasons.add(rest[0]);
      continue;
    }
    const theirs = rest.slice(1);
    if (theirs.length !== mine.values.length) throw new Error(`case ${id}: TFLite Micro gave ${theirs.length} values, edgeq ${mine.values.length}`);
    t.elements += theirs.length;
    theirs.forEach((v, k) => {
      if (v === mine.values[k]) return;
      t.differing++;
      t.firstCase ??= id;
      if (!mine.key.startsWith('DEQUANTIZE')) t.maxAbs = Math.max(t.maxAbs, Math.abs(Number(v) - Number(mine.values[k])));
    });
  }
  if (results !== edgeq.size) throw new Error(`tflm-outputs.txt has ${results} results for ${edgeq.size} cases`);
  console.log(`${'op'.padEnd(18)} ${'group'.padEnd(16)} ${'cases'.padStart(6)} ${'refused'.padStart(7)} ${'elements'.padStart(9)} ${'differing'.padStart(9)}  max|Δ|  first differing case`);
  let differing = 0;
  for (const [key, t] of [...tallies].sort()) {
    const [op, group] = key.split(' ');
    differing += t.differing;
    const reasons = t.reasons.size ? `  refused: ${[...t.reasons].join(', ')}` : '';
    console.log(`${op.padEnd(18)} ${group.padEnd(16)} ${String(t.cases).padStart(6)} ${String(t.refused).padStart(7)} ${String(t.elements).padStart(9)} ${String(t.differing).padStart(9)}  ${String(t.maxAbs).padStart(6)}  ${t.firstCase ?? '-'}${reasons}`);
  }
  console.log(`total differing elements: ${differing}`);
  return differing === 0 ? 0 : 1;
}

function flag(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

const mode = process.argv[2];
if (mode === 'write') {
  writeCases(flag('out'), Number(flag('seed', '1')), Number(flag('per-op', '1000')), Number(flag('model-inputs', '10')));
} else if (mode === 'compare') {
  process.exitCode = compare(flag('dir'));
} else {
  console.error('usage: tflm-op-cases.ts write --out DIR [--seed 1] [--per-op 1000] [--model-inputs 10] | compare --dir DIR');
  process.exitCode = 2;
}
