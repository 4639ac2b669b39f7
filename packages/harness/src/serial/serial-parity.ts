// Parity and cycle counts against a board running the serial agent: checks the
// board serves the expected model (graph hash), runs every input vector on it,
// compares each output bit for bit with the integer interpreter, and with
// `perLayer` streams one vector's every op output and compares layer by layer
// (naming the first op and element that differ). Same comparison as the QEMU
// path (compareOutputs / parityLine), through a serial link instead of semihosting.
import { Interpreter, boundaryList, graphInputs, graphOutputs, inputVectorTensors, type InputVector, type QGraph, type TensorData } from '@edgeq/ir';
import { compareOutputs, parityLine, type ParityStats } from '../compare.js';
import type { FirstDifferingOp } from '../host.js';
import { AgentClient, AgentModelMismatchError, type AgentClientOptions, type AgentInfo, type CounterKind } from './client.js';
import { graphHash } from './agent-firmware.js';
import type { ByteTransport } from './transport.js';

/** Device-vs-simulation figures of one op's output on one vector. */
export interface LayerParity {
  readonly opIndex: number;
  readonly opName: string;
  readonly opType: string;
  readonly elements: number;
  readonly mismatched: number;
  /** Largest |device - simulation| in int8 steps (LSB). */
  readonly maxAbsDiff: number;
  /** The same in real units (LSB times the output scale), when the output is quantised. */
  readonly maxAbsDiffReal?: number;
  /** First differing element, if any, with the simulation's and the device's values. */
  readonly firstElement?: number;
  readonly firstExpected?: number;
  readonly firstActual?: number;
}

/** Options of {@link serialParity}. */
export interface SerialParityOptions extends AgentClientOptions {
  /** Stream and compare every layer of one vector (the first mismatching one, else vector 0). */
  readonly perLayer?: boolean;
  /** Called after each vector (for progress bars). */
  readonly onVector?: (done: number) => void;
}

/** Outcome of {@link serialParity}. */
export interface SerialParityReport {
  readonly stats: ParityStats;
  readonly line: string;
  readonly info: AgentInfo;
  /** Mean cycles per inference measured by the agent (0 when it has no counter). */
  readonly cyclesPerInference: number;
  readonly counter: CounterKind;
  /** Per-layer comparison (with `perLayer`). */
  readonly layers?: readonly LayerParity[];
  /** Vector the per-layer comparison ran on. */
  readonly layerVector?: number;
  readonly firstDifferingOp?: FirstDifferingOp;
  /** Link trouble seen and recovered from. */
  readonly linkEvents: AgentClient['events'];
}

function bytesOf(t: TensorData): Uint8Array {
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}

/** Checks that the board serves `g`; throws {@link AgentModelMismatchError} naming both models otherwise. */
export function checkServedModel(g: QGraph, info: AgentInfo, where: string): void {
  const expected = graphHash(g);
  if (info.graphHash === expected) return;
  throw new AgentModelMismatchError(
    `the board on ${where} serves model "${info.name}" (graph hash ${info.graphHash}, ${info.inputBytes} B in, ${info.outputBytes} B out, ` +
      `${info.opOutputBytes.length} ops), not "${g.name}" (graph hash ${expected}): flash the agent firmware generated for this model`,
  );
}

/** Compares one vector's streamed op outputs with the interpreter's intermediates. */
export function compareLayers(g: QGraph, input: TensorData, deviceLayers: readonly Uint8Array[]): LayerParity[] {
  const values = new Interpreter(g, { validate: false }).run([input], { keepIntermediates: true }).intermediates!;
  return g.ops.map((op, i) => {
    const t = g.tensors[op.outputs[0]];
    const exp = bytesOf(values.get(op.outputs[0])!);
    const got = deviceLayers[i];
    let mismatched = 0;
    let maxAbsDiff = 0;
    let first: { firstElement: number; firstExpected: number; firstActual: number } | undefined;
    for (let k = 0; k < exp.length; k++) {
      const e = (exp[k] << 24) >> 24;
      const a = got && k < got.length ? (got[k] << 24) >> 24 : undefined;
      if (a === e) continue;
      mismatched++;
      first ??= { firstElement: k, firstExpected: e, firstActual: a ?? NaN };
      maxAbsDiff = Math.max(maxAbsDiff, a === undefined ? 256 : Math.abs(a - e));
    }
    const scale = t.quant?.scale.length === 1 ? t.quant.scale[0] : undefined;
    return {
      opIndex: i,
      opName: op.name,
      opType: op.type,
      elements: exp.length,
      mismatched,
      maxAbsDiff,
      ...(scale !== undefined ? { maxAbsDiffReal: maxAbsDiff * scale } : {}),
      ...first,
    };
  });
}

/**
 * Runs `inputs` on the board behind `transport` and compares with the
 * interpreter. Throws when the board serves another model or stops answering;
 * a mismatch is reported in `stats` (and, with `perLayer`, located).
 */
export async function serialParity(g: QGraph, vectors: readonly InputVector[], transport: ByteTransport, o: SerialParityOptions = {}): Promise<SerialParityReport> {
  const inputs = singleInputTensors(g, vectors);
  const client = new AgentClient(transport, o);
  try {
    const info = await client.info();
    checkServedModel(g, info, transport.description);
    const interp = new Interpreter(g, { validate: false });
    const expected: Int8Array[] = [];
    const actual: Int8Array[] = [];
    let cycles = 0;
    let counter: CounterKind = info.counter;
    for (const [v, x] of inputs.entries()) {
      const r = await client.runVector(bytesOf(x));
      actual.push(new Int8Array(r.output.buffer, r.output.byteOffset, r.output.length));
      expected.push(new Int8Array(bytesOf(interp.run([x]).outputs[0]).slice()));
      cycles += r.cycles;
      counter = r.counter;
      o.onVector?.(v + 1);
    }
    const stats = compareOutputs(expected, actual);
    const where = `board at ${transport.description}`;
    const base = {
      stats,
      line: parityLine(stats, where),
      info,
      cyclesPerInference: inputs.length ? Math.round(cycles / inputs.length) : 0,
      counter,
      linkEvents: client.events,
    };
    if (!o.perLayer || inputs.length === 0) return base;
    const layerVector = stats.firstMismatches[0]?.vector ?? 0;
    const run = await client.runVector(bytesOf(inputs[layerVector]), true);
    const layers = compareLayers(g, inputs[layerVector], run.layers!);
    const first = layers.find((l) => l.mismatched > 0);
    const firstDifferingOp: FirstDifferingOp | undefined = first
      ? {
          vector: layerVector,
          opIndex: first.opIndex,
          opName: first.opName,
          opType: first.opType,
          element: first.firstElement!,
          expected: first.firstExpected!,
          actual: first.firstActual!,
        }
      : undefined;
    return { ...base, layers, layerVector, firstDifferingOp };
  } finally {
    await client.close();
  }
}

/** Cycles per inference measured by the agent. */
export interface SerialBenchReport {
  readonly info: AgentInfo;
  readonly counter: CounterKind;
  readonly runs: number;
  readonly cyclesMean: number;
  readonly cyclesMin: number;
  readonly cyclesMax: number;
}

/**
 * The one input tensor of each vector: the agent serves models with one input and one output
 * (several inputs and outputs are checked on the host and under QEMU semihosting).
 */
function singleInputTensors(g: QGraph, vectors: readonly InputVector[]): TensorData[] {
  if (g.inputs.length !== 1 || g.outputs.length !== 1) {
    throw new Error(`${g.name}: the serial agent serves models with one input and one output; this one has ${boundaryList(graphInputs(g))} in and ${boundaryList(graphOutputs(g))} out`);
  }
  return vectors.map((v, k) => inputVectorTensors(g, v, `input vector ${k}`)[0]);
}

/** Runs `inputs` on the board and reports the cycles each inference took (the agent's counter). */
export async function serialBench(g: QGraph, vectors: readonly InputVector[], transport: ByteTransport, o: AgentClientOptions = {}): Promise<SerialBenchReport> {
  const inputs = singleInputTensors(g, vectors);
  const client = new AgentClient(transport, o);
  try {
    const info = await client.info();
    checkServedModel(g, info, transport.description);
    const cycles: number[] = [];
    let counter: CounterKind = info.counter;
    for (const x of inputs) {
      const r = await client.runVector(bytesOf(x));
      cycles.push(r.cycles);
      counter = r.counter;
    }
    return {
      info,
      counter,
      runs: cycles.length,
      cyclesMean: Math.round(cycles.reduce((s, c) => s + c, 0) / Math.max(1, cycles.length)),
      cyclesMin: Math.min(...cycles),
      cyclesMax: Math.max(...cycles),
    };
  } finally {
    await client.close();
  }
}
