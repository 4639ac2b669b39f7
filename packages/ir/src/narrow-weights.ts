/**
 * Narrowing an int8 QGraph's weights to int4 (W8A8 -> W4A8 without retraining): the
 * post-training path from a trained int8 model (an imported .tflite, a frozen QGraph) to
 * its 4-bit-weight version, for flash and speed measurements and as the PTQ W4 baseline.
 * Per selected CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED op, the real weights
 * w8·s8[c] get a new scale per output channel (weight-clipping.ts on [-7, 7]), the values
 * become clamp(round(w / s4), -7, 7) and the int32 bias is re-quantised to the new
 * accumulator scale. Activations, the other ops and the scheme stay as they were.
 */

import { BlobBuilder, constantData, type TensorData } from './constants.js';
import { QGraphError } from './errors.js';
import type { OpDef, QGraph, QuantParams, ScaleMode, TensorDef } from './qgraph.js';
import { roundHalfAway } from './quant-math.js';
import { numElements } from './shapes.js';
import { validateQGraph } from './validate.js';
import { channelWeightScale, type WeightClipping } from './weight-clipping.js';

/** Largest int4 weight level the narrowing uses: the grid is symmetric, [-7, 7] (-8 stays unused, as -128 at 8 bits). */
export const NARROW_WEIGHT_QMAX = 7;

/** Op types whose weights can be narrowed. */
const WEIGHTED_OPS: ReadonlySet<string> = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);

/**
 * Which weighted ops get int4 weights: `all` of them, all but the first and the last
 * weighted op in graph order (`keep-first-last`, the usual rule: the input and classifier
 * layers are the most sensitive), or the ops named in a list.
 */
export type NarrowLayerSelection = 'all' | 'keep-first-last' | readonly string[];

/**
 * How a per-tensor weight tensor is narrowed: `keep` gives it one int4 scale (the searched
 * clip over all its values; what CMSIS-NN's per-tensor `arm_fully_connected_s4` takes),
 * `per-channel` one scale per output channel. Per-channel weights stay per-channel.
 */
export type NarrowGranularity = 'keep' | 'per-channel';

/** Options of {@link narrowWeightsToInt4}. */
export interface NarrowWeightsOptions {
  /** Ops to narrow (default `all`). */
  readonly layers?: NarrowLayerSelection;
  /** Clip search of each scale (default `mse`: the squared-error-optimal clip; `max` clips at max |w|). */
  readonly clipping?: WeightClipping;
  /** Per-tensor weights: keep them per-tensor (default) or give them per-channel scales. */
  readonly granularity?: NarrowGranularity;
}

/** A legal scale of the scheme: float32 in fixed mode, the power of two at or above `scale` in pow2 mode. */
function constrainScale(mode: ScaleMode): (scale: number) => number {
  if (mode === 'fixed') return (scale) => Math.fround(scale);
  return (scale) => {
    let p = 2 ** Math.ceil(Math.log2(scale));
    if (p < scale) p *= 2; // log2 rounding below an exact power
    if (p / 2 >= scale) p /= 2;
    return p;
  };
}

/** The weighted ops of `g` to narrow, refusing names that are unknown or not weighted ops. */
function selectedOps(g: QGraph, layers: NarrowLayerSelection): OpDef[] {
  const weighted = g.ops.filter((op) => WEIGHTED_OPS.has(op.type));
  if (layers === 'all') return weighted;
  if (layers === 'keep-first-last') return weighted.slice(1, -1);
  if (!Array.isArray(layers)) throw new QGraphError('narrowWeightsToInt4 layers', `must be "all", "keep-first-last" or a list of op names, got ${JSON.stringify(layers)}`);
  return layers.map((name) => {
    const op = g.ops.find((o) => o.name === name);
    if (!op) throw new QGraphError(`narrowWeightsToInt4 layers: op ${JSON.stringify(name)}`, `no op of that name in graph ${JSON.stringify(g.name)}`);
    if (!WEIGHTED_OPS.has(op.type)) {
      throw new QGraphError(`narrowWeightsToInt4 layers: op ${JSON.stringify(name)} (${op.type})`, 'has no weights to narrow (only CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED have)');
    }
    return op;
  });
}

/** The narrowed weight and bias tensors of one op. */
interface Narrowed {
  readonly weights: Int8Array;
  readonly quant: QuantParams;
  readonly bias: Int32Array;
}

/** Narrows one op's weights (int8 -> int4 values, new scales) and re-quantises its bias. */
function narrowOp(g: QGraph, op: OpDef, clipping: WeightClipping, granularity: NarrowGranularity): Narrowed {
  const where = `op ${JSON.stringify(op.name)} (${op.type})`;
  const wt = g.tensors[op.inputs[1]];
  const bt = g.tensors[op.inputs[2]];
  if (wt.dtype !== 'int8' || !wt.buffer || !wt.quant) {
    throw new QGraphError(where, `weights ${JSON.stringify(wt.name)} are ${wt.buffer ? '' : 'non-constant '}${wt.dtype}; narrowing needs quantised int8 constant weights`);
  }
  if (bt?.dtype !== 'int32' || !bt.buffer) throw new QGraphError(where, `bias ${JSON.stringify(bt?.name)} must be an int32 constant to be re-quantised`);
  const axis = op.type === 'DEPTHWISE_CONV_2D' ? 3 : 0;
  const channels = wt.shape[axis];
  const w8 = constantData(g, op.inputs[1]) as Int8Array;
  const b8 = constantData(g, op.inputs[2]) as Int32Array;
  const s8 = wt.quant.scale;
  const perChannel = s8.length > 1 || granularity === 'per-channel';
  // Element i belongs to channel (i / inner) % channels: OHWI and [out, in] have the channel outermost, 1HW(C·M) innermost.
  const inner = numElements(wt.shape.slice(axis + 1));
  const channelOf = (i: number): number => Math.floor(i / inner) % channels;
  const real = Float64Array.from(w8, (v, i) => v * s8[s8.length > 1 ? channelOf(i) : 0]);
  const groups = perChannel ? channels : 1;
  const members: number[][] = Array.from({ length: groups }, () => []);
  real.forEach((_, i) => members[perChannel ? channelOf(i) : 0].push(i));
  const maxAbs = members.map((idx) => idx.reduce((m, i) => Math.max(m, Math.abs(real[i])), 0));
  const live = maxAbs.filter((m) => m > 0);
  // A channel without a non-zero weight borrows the widest range of the layer (or, if none, the old int8 grid's).
  const fallback = live.length > 0 ? Math.max(...live) : Math.max(...s8) * 127;
  const constrain = constrainScale(g.quantization.scales);
  const s4 = members.map((idx) => channelWeightScale(idx.map((i) => real[i]), NARROW_WEIGHT_QMAX, clipping, constrain, fallback));
  const weights = Int8Array.from(real, (v, i) => {
    const level = roundHalfAway(v / s4[perChannel ? channelOf(i) : 0]);
    return Math.min(NARROW_WEIGHT_QMAX, Math.max(-NARROW_WEIGHT_QMAX, level));
  });
  // Bias is on the accumulator scale s_in·s_w[c]: b4 = round(b8 · s8[c] / s4[c]).
  const bias = Int32Array.from(b8, (b, c) => {
    const value = roundHalfAway((b * s8[s8.length > 1 ? c : 0]) / s4[perChannel ? c : 0]);
    if (value > 2 ** 31 - 1 || value < -(2 ** 31)) {
      throw new QGraphError(`${where} bias ${JSON.stringify(bt.name)}[${c}]`, `re-quantised to the int4 scale it is ${value}, outside int32`);
    }
    return value;
  });
  const quant: QuantParams = perChannel ? { scale: s4, zeroPoint: s4.map(() => 0), axis } : { scale: s4, zeroPoint: [0] };
  return { weights, quant, bias };
}

/**
 * Returns a copy of the int8 graph `g` whose selected CONV_2D, DEPTHWISE_CONV_2D and
 * FULLY_CONNECTED ops have int4 weights (dtype `int4`, packed in the blob): per output
 * channel (or per tensor, see {@link NarrowGranularity}) the real weights w8·s8 get the
 * scale `channelWeightScale(values, 7, clipping, constrain, fallback)` — constrain is
 * float32 rounding in fixed mode and rounding up to a power of two in pow2 mode — the
 * values become clamp(round(w / s4), -7, 7) (half away from zero) and the bias
 * round(b8·s8[c] / s4[c]). Ops whose weights are already int4 are left as they are under
 * `all` / `keep-first-last`. The result is validated; `metadata.weightNarrowing` names the
 * narrowed ops and the clipping.
 *
 * @throws QGraphError naming the op when a name is unknown or not a weighted op, when its
 *   weights are not int8 constants, when a weight tensor is shared with an op left at 8 bits,
 *   or when a re-quantised bias leaves int32.
 */
export function narrowWeightsToInt4(g: QGraph, options: NarrowWeightsOptions = {}): QGraph {
  const clipping = options.clipping ?? 'mse';
  const granularity = options.granularity ?? 'keep';
  const layers = options.layers ?? 'all';
  const chosen = selectedOps(g, layers).filter((op) => Array.isArray(layers) || g.tensors[op.inputs[1]].dtype !== 'int4');
  const chosenNames = new Set(chosen.map((op) => op.name));
  const replaced = new Map<number, { data: TensorData; dtype?: 'int4'; quant?: QuantParams }>();
  for (const op of chosen) {
    const sharer = g.ops.find((o) => !chosenNames.has(o.name) && (o.inputs.includes(op.inputs[1]) || o.inputs.includes(op.inputs[2])));
    if (sharer) {
      throw new QGraphError(`op ${JSON.stringify(op.name)} (${op.type})`, `shares its weights or bias with op ${JSON.stringify(sharer.name)}, which stays at 8 bits; select both or neither`);
    }
    if (replaced.has(op.inputs[1])) continue; // shared by two selected ops: narrowed once
    const n = narrowOp(g, op, clipping, granularity);
    replaced.set(op.inputs[1], { data: n.weights, dtype: 'int4', quant: n.quant });
    replaced.set(op.inputs[2], { data: n.bias });
  }
  const blob = new BlobBuilder();
  const kept = new Map<string, { offset: number; byteLength: number }>(); // unchanged tensors sharing bytes keep sharing them
  const tensors: TensorDef[] = g.tensors.map((t, i) => {
    const copy: TensorDef = structuredClone(t);
    if (!t.buffer) return copy;
    const change = replaced.get(i);
    if (change) {
      copy.buffer = blob.add(change.data, change.dtype);
      if (change.dtype) copy.dtype = change.dtype;
      if (change.quant) copy.quant = change.quant;
      return copy;
    }
    const key = `${t.buffer.offset}/${t.buffer.byteLength}/${t.dtype}`;
    copy.buffer = kept.get(key) ?? blob.add(constantData(g, i), t.dtype);
    kept.set(key, copy.buffer);
    return copy;
  });
  const bytes = blob.build();
  const { blobSha256: _digest, ...doc } = g;
  const narrowed: QGraph = {
    ...structuredClone({ ...doc, blob: undefined }),
    tensors,
    blob: bytes,
    blobByteLength: bytes.length,
    metadata: { ...(g.metadata ?? {}), weightNarrowing: { bits: 4, clipping, granularity, ops: chosen.map((op) => op.name) } },
  };
  validateQGraph(narrowed);
  return narrowed;
}
