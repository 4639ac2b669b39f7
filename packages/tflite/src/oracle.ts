/**
 * LiteRT.js as an oracle for the interpreter: run a QGraph (exported to .tflite) whole,
 * or one op at a time (each op cut out into its own single-op graph and fed the
 * interpreter's own intermediate inputs), and count the elements that differ.
 */

import {
  BlobBuilder,
  constantData,
  Interpreter,
  QGRAPH_FORMAT,
  QGRAPH_VERSION,
  validateQGraph,
  type OpDef,
  type QGraph,
  type TensorData,
  type TensorDef,
} from '@edgeq/ir';
import { exportTflite } from './export.js';
import { LiteRtModel, type OracleTensor } from './litert.js';

/** Difference statistics of one compared tensor stream. */
export interface DiffStats {
  elements: number;
  differing: number;
  maxAbsDiff: number;
}

export interface OpDiff extends DiffStats {
  index: number;
  name: string;
  type: OpDef['type'];
}

function emptyStats(): DiffStats {
  return { elements: 0, differing: 0, maxAbsDiff: 0 };
}

function accumulate(s: DiffStats, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`oracle: output lengths differ (${a.length} vs ${b.length})`);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    s.elements++;
    if (d !== 0) {
      s.differing++;
      if (d > s.maxAbsDiff) s.maxAbsDiff = d;
    }
  }
}

/**
 * The graph made of op `index` alone: its activation inputs become graph inputs, its
 * constants are copied, its output is the graph output. Tensor names are kept.
 */
export function singleOpGraph(g: QGraph, index: number): QGraph {
  const op = g.ops[index];
  const blob = new BlobBuilder();
  const tensors: TensorDef[] = [];
  const map = new Map<number, number>();
  const take = (t: number): number => {
    let k = map.get(t);
    if (k === undefined) {
      const def = g.tensors[t];
      const copy: TensorDef = { name: def.name, shape: [...def.shape], dtype: def.dtype };
      if (def.quant) copy.quant = structuredClone(def.quant);
      if (def.buffer) copy.buffer = blob.add(constantData(g, t), def.dtype);
      k = tensors.push(copy) - 1;
      map.set(t, k);
    }
    return k;
  };
  const inputs = op.inputs.map(take);
  const outputs = op.outputs.map(take);
  const bytes = blob.build();
  const single: QGraph = {
    format: QGRAPH_FORMAT,
    version: QGRAPH_VERSION,
    name: `${g.name}.${op.name}`,
    quantization: g.quantization,
    tensors,
    inputs: [...new Set(inputs.filter((t) => !tensors[t].buffer))],
    outputs,
    ops: [{ ...op, inputs, outputs } as OpDef],
    blobByteLength: bytes.length,
    blob: bytes,
  };
  validateQGraph(single);
  return single;
}

/** Order graph inputs as LiteRT's signature lists them (by tensor name). */
function signatureOrder(g: QGraph, model: LiteRtModel): number[] {
  const names = g.inputs.map((t) => g.tensors[t].name);
  const order = model.inputNames.map((n) => names.indexOf(n));
  return order.every((k) => k >= 0) && new Set(order).size === names.length ? order : names.map((_, k) => k);
}
function outputOrder(g: QGraph, model: LiteRtModel): number[] {
  const names = g.outputs.map((t) => g.tensors[t].name);
  const order = names.map((n) => model.outputNames.indexOf(n));
  return order.every((k) => k >= 0) ? order : names.map((_, k) => k);
}

/** A QGraph compiled by LiteRT.js, run with graph-ordered inputs and outputs. */
export class LiteRtGraph {
  private constructor(
    readonly graph: QGraph,
    readonly model: LiteRtModel,
    private readonly inOrder: number[],
    private readonly outOrder: number[],
  ) {}

  /** Export `g` to .tflite and compile it in LiteRT.js. */
  static async create(g: QGraph): Promise<LiteRtGraph> {
    const model = await LiteRtModel.load(exportTflite(g), `${g.name}.tflite`);
    return new LiteRtGraph(g, model, signatureOrder(g, model), outputOrder(g, model));
  }

  /** Run with inputs in QGraph order; outputs come back in QGraph order. */
  async run(inputs: TensorData[]): Promise<OracleTensor[]> {
    const outs = await this.model.run(this.inOrder.map((k) => inputs[k] as OracleTensor));
    return this.outOrder.map((k) => outs[k]);
  }

  delete(): void {
    this.model.delete();
  }
}

/**
 * Whole-model comparison: the interpreter and LiteRT.js on the same inputs.
 * @param inputs one entry per run, each holding the graph's inputs in order
 */
export async function compareWholeModel(g: QGraph, inputs: TensorData[][]): Promise<DiffStats> {
  const it = new Interpreter(g);
  const lite = await LiteRtGraph.create(g);
  const stats = emptyStats();
  try {
    for (const xs of inputs) {
      const ours = it.run(xs).outputs;
      const theirs = await lite.run(xs);
      ours.forEach((o, k) => accumulate(stats, o, theirs[k]));
    }
  } finally {
    lite.delete();
  }
  return stats;
}

/**
 * Per-op comparison: every op runs alone in LiteRT.js on the interpreter's own
 * intermediate inputs, so differences do not propagate from op to op.
 */
export async function compareOpByOp(g: QGraph, inputs: TensorData[][]): Promise<OpDiff[]> {
  const it = new Interpreter(g);
  const runs = inputs.map((xs) => it.run(xs, { keepIntermediates: true }).intermediates!);
  const out: OpDiff[] = [];
  for (let k = 0; k < g.ops.length; k++) {
    const op = g.ops[k];
    const single = singleOpGraph(g, k);
    const lite = await LiteRtGraph.create(single);
    const stats = emptyStats();
    try {
      const activationInputs = [...new Set(op.inputs.filter((t) => !g.tensors[t].buffer))];
      for (const values of runs) {
        const [theirs] = await lite.run(activationInputs.map((t) => values.get(t)!));
        accumulate(stats, values.get(op.outputs[0])!, theirs);
      }
    } finally {
      lite.delete();
    }
    out.push({ index: k, name: op.name, type: op.type, ...stats });
  }
  return out;
}

/** A printable table: one line per op with the fraction of differing elements. */
export function formatOpDiffs(rows: OpDiff[]): string {
  const lines = rows.map((r) => {
    const pct = r.elements ? ((100 * r.differing) / r.elements).toFixed(3) : '0.000';
    return `${String(r.index).padStart(3)} ${r.type.padEnd(18)} ${r.name.padEnd(20)} ${String(r.differing).padStart(7)}/${String(r.elements).padEnd(8)} ${pct.padStart(7)}%  max|diff| ${r.maxAbsDiff}`;
  });
  return ['  # op                 name                 differing/elements   fraction  max', ...lines].join('\n');
}
