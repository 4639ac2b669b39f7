/**
 * Static arena planning: every activation tensor of a QGraph gets an offset in one
 * arena, sized exactly at build time (no "guess the arena" for users).
 *
 * 1. Buffers: as each op's registry entry says (`memory` of @edgeq/ir's OpDefinition), an
 *    output aliases its input (RESHAPE), or an element-wise op (ADD) writes in place into
 *    an input whose last use it is (never a graph input). Aliased tensors form one buffer
 *    whose lifetime is the union of theirs.
 * 2. Lifetimes: from the producing op to the last consuming op; graph inputs live from
 *    before op 0, graph outputs to after the last op. An op's inputs and output are live
 *    at once, so they never share memory unless aliased in step 1.
 * 2b. Scratch: a kernel's scratch buffer (its *_get_buffer_size()) is a buffer live only
 *    during its op; it takes a gap of the plan when one exists, else the arena grows.
 * 3. Placement: greedy by size, largest first (as TFLite Micro's greedy planner), each at
 *    the lowest aligned offset that overlaps no placed buffer with an intersecting life.
 */

import { opDefinition, tensorBytes, type QGraph } from '@edgeq/ir';

/** Alignment of every arena offset, in bytes. */
export const ARENA_ALIGNMENT = 8;

export interface PlannedBuffer {
  /** Tensor indices sharing this memory. */
  tensors: number[];
  offset: number;
  size: number;
  /** First and last op index during which the buffer is live (inclusive). */
  firstUse: number;
  lastUse: number;
  /** Set on an op's scratch buffer (then `tensors` is empty). */
  scratchOp?: number;
}

export interface MemoryPlan {
  arenaBytes: number;
  buffers: PlannedBuffer[];
  /** Arena offset of every activation tensor (constants are absent). */
  offsets: Map<number, number>;
  /** Arena offset of each op's scratch buffer, by op index. */
  scratchOffsets: Map<number, number>;
  /** Sum of all activation tensor sizes (what a plan without reuse would need). */
  totalActivationBytes: number;
}

const alignUp = (n: number) => Math.ceil(n / ARENA_ALIGNMENT) * ARENA_ALIGNMENT;

/** Plan the arena of a validated QGraph. */
export function planMemory(g: QGraph, scratch: ReadonlyMap<number, number> = new Map()): MemoryPlan {
  const nOps = g.ops.length;
  const isActivation = (t: number) => !g.tensors[t].buffer;
  // Union-find over tensors for aliasing.
  const parent = new Map<number, number>();
  const find = (t: number): number => {
    let r = t;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const union = (a: number, b: number) => parent.set(find(b), find(a));

  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const touch = (t: number, at: number) => {
    first.set(t, Math.min(first.get(t) ?? at, at));
    last.set(t, Math.max(last.get(t) ?? at, at));
  };
  g.inputs.forEach((t) => touch(t, -1));
  g.ops.forEach((op, i) => {
    op.inputs.forEach((t) => isActivation(t) && touch(t, i));
    touch(op.outputs[0], i);
  });
  g.outputs.forEach((t) => touch(t, nOps));
  for (const [t] of first) parent.set(t, t);

  g.ops.forEach((op, i) => {
    const out = op.outputs[0];
    const memory = opDefinition(op).memory;
    if (memory.outputAliasesInput) {
      union(op.inputs[0], out);
    } else if (memory.mayRunInPlace) {
      const candidate = op.inputs.find(
        (t) => last.get(t) === i && !g.inputs.includes(t) && !g.outputs.includes(t) && tensorBytes(g.tensors[t]) === tensorBytes(g.tensors[out]),
      );
      // Only when no other member of the candidate's buffer is used later.
      if (candidate !== undefined) {
        const root = find(candidate);
        const groupLast = Math.max(...[...first.keys()].filter((t) => find(t) === root).map((t) => last.get(t)!));
        if (groupLast === i) union(candidate, out);
      }
    }
  });

  const groups = new Map<number, PlannedBuffer>();
  for (const t of first.keys()) {
    const r = find(t);
    const size = tensorBytes(g.tensors[t]);
    const b = groups.get(r) ?? { tensors: [], offset: 0, size: 0, firstUse: Infinity, lastUse: -Infinity };
    b.tensors.push(t);
    b.size = Math.max(b.size, size);
    b.firstUse = Math.min(b.firstUse, first.get(t)!);
    b.lastUse = Math.max(b.lastUse, last.get(t)!);
    groups.set(r, b);
  }
  const buffers = [...groups.values()];
  for (const [op, size] of scratch) {
    if (size > 0) buffers.push({ tensors: [], offset: 0, size, firstUse: op, lastUse: op, scratchOp: op });
  }
  const order = [...buffers].sort((a, b) => b.size - a.size || a.firstUse - b.firstUse);
  const placed: PlannedBuffer[] = [];
  for (const b of order) {
    const conflicts = placed
      .filter((p) => p.firstUse <= b.lastUse && b.firstUse <= p.lastUse)
      .sort((x, y) => x.offset - y.offset);
    let offset = 0;
    for (const c of conflicts) {
      if (offset + b.size <= c.offset) break;
      offset = Math.max(offset, alignUp(c.offset + c.size));
    }
    b.offset = offset;
    placed.push(b);
  }
  const offsets = new Map<number, number>();
  const scratchOffsets = new Map<number, number>();
  for (const b of buffers) {
    for (const t of b.tensors) offsets.set(t, b.offset);
    if (b.scratchOp !== undefined) scratchOffsets.set(b.scratchOp, b.offset);
  }
  const arenaBytes = alignUp(Math.max(0, ...buffers.map((b) => b.offset + b.size)));
  const totalActivationBytes = [...first.keys()].reduce((s, t) => s + tensorBytes(g.tensors[t]), 0);
  return { arenaBytes, buffers, offsets, scratchOffsets, totalActivationBytes };
}
