/**
 * The arena plan: no two tensors that are live at the same time may overlap, unless the
 * planner deliberately aliased them (RESHAPE, in-place ADD), and the reference models
 * come out at the expected sizes.
 */
import { describe, expect, it } from 'vitest';
import { buildReferenceModel, randomGraph, tensorBytes, type QGraph } from '@edgeq/ir';
import { planMemory } from '../src/index.js';

/** Lifetimes recomputed here, independently of the planner: [first, last] op index. */
function lifetimes(g: QGraph): Map<number, [number, number]> {
  const life = new Map<number, [number, number]>();
  for (const t of g.inputs) life.set(t, [-1, -1]);
  g.ops.forEach((op, i) => {
    for (const t of op.inputs) if (!g.tensors[t].buffer) life.get(t)![1] = i;
    life.set(op.outputs[0], [i, i]);
  });
  for (const t of g.outputs) life.get(t)![1] = g.ops.length;
  return life;
}

/** The tensor a chain of RESHAPEs (views of one buffer) starts from. */
function viewRoot(g: QGraph, t: number): number {
  let root = t;
  for (let op = g.ops.find((o) => o.type === 'RESHAPE' && o.outputs[0] === root); op; op = g.ops.find((o) => o.type === 'RESHAPE' && o.outputs[0] === root)) root = op.inputs[0];
  return root;
}

function allowedAlias(g: QGraph, a: number, b: number): boolean {
  if (viewRoot(g, a) === viewRoot(g, b)) return true;
  return g.ops.some((op) => (op.type === 'RESHAPE' || op.type === 'ADD') && ((op.inputs.includes(a) && op.outputs[0] === b) || (op.inputs.includes(b) && op.outputs[0] === a)));
}

function checkNoOverlap(g: QGraph): number {
  const plan = planMemory(g);
  const life = lifetimes(g);
  const tensors = [...life.keys()];
  let pairs = 0;
  for (const a of tensors) {
    const [fa, la] = life.get(a)!;
    const oa = plan.offsets.get(a)!;
    expect(oa % 8).toBe(0);
    expect(oa + tensorBytes(g.tensors[a])).toBeLessThanOrEqual(plan.arenaBytes);
    for (const b of tensors) {
      if (a >= b) continue;
      const [fb, lb] = life.get(b)!;
      if (fa > lb || fb > la) continue; // not live together
      const ob = plan.offsets.get(b)!;
      const overlap = oa < ob + tensorBytes(g.tensors[b]) && ob < oa + tensorBytes(g.tensors[a]);
      if (overlap) {
        expect(allowedAlias(g, a, b), `${g.name}: ${g.tensors[a].name} and ${g.tensors[b].name} overlap while both live`).toBe(true);
        expect(oa).toBe(ob);
      }
      pairs++;
    }
  }
  return pairs;
}

describe('memory plan', () => {
  it('dscnn fits in the largest live input+output pair (6,272 + 3,136 bytes)', () => {
    const g = buildReferenceModel('dscnn');
    const plan = planMemory(g);
    expect(plan.arenaBytes).toBe(14 * 14 * 32 + 7 * 7 * 64);
    expect(plan.totalActivationBytes).toBeGreaterThan(plan.arenaBytes);
    checkNoOverlap(g);
  });

  it('mbv2mini keeps the residual input alive across its block', () => {
    const g = buildReferenceModel('mbv2mini');
    const plan = planMemory(g);
    // IR1: the 14x14x16 block input stays live beside the 14x14x64 expand and depthwise outputs.
    expect(plan.arenaBytes).toBe(14 * 14 * 16 + 2 * 14 * 14 * 64);
    checkNoOverlap(g);
  });

  it('no simultaneously live tensors overlap in 150 random graphs', () => {
    let pairs = 0;
    for (let seed = 1; seed <= 150; seed++) pairs += checkNoOverlap(randomGraph(seed));
    expect(pairs).toBeGreaterThan(1000);
  });

  it('no simultaneously live tensors overlap in 60 random graphs with several inputs and outputs', () => {
    let pairs = 0;
    for (let seed = 1; seed <= 60; seed++) pairs += checkNoOverlap(randomGraph(seed, { multiIo: true }));
    expect(pairs).toBeGreaterThan(500);
  });

  it('ADD writes in place into an input it is the last user of', () => {
    const g = buildReferenceModel('mbv2mini');
    const plan = planMemory(g);
    const add = g.ops.find((o) => o.type === 'ADD')!;
    const shared = add.inputs.filter((t) => plan.offsets.get(t) === plan.offsets.get(add.outputs[0]));
    expect(shared.length).toBe(1);
  });
});
