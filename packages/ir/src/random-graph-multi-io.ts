/**
 * The "several inputs and outputs" family of the random-graph generator (random-graph.ts,
 * option `multiIo`): 2 or 3 graph inputs joined by ADD or CONCATENATION into the body's
 * first tensor, and 2 graph outputs, the join (still consumed by the body) and the body's
 * end. So the property tests exercise the interpreter's, the generated C's and the
 * harnesses' handling of several boundary tensors, and the arena planner's rule that an
 * output still read by later ops is never overwritten.
 */

import type { GraphBuilder } from './builder.js';
import type { FusedActivation, QuantParams } from './qgraph.js';
import { q } from './builder.js';

/** The random draws the family needs (random-graph.ts's seeded generator). */
export interface RandomSource {
  float(): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

/** How the family draws, shared with the rest of the generator so the scheme rules hold. */
export interface MultiIoContext {
  builder: GraphBuilder;
  random: RandomSource;
  /** A scale legal in the graph's scheme (a power of two in pow2 mode). */
  scale(approx: number): number;
  zeroPoint(): number;
  activation(): FusedActivation;
  /** Ops that may join the inputs (ADD when neither is allowed). */
  joins: readonly ('add' | 'concat')[];
  /** CONCATENATION as TFLite's int8 kernel computes it: inputs and output share one quantisation. */
  sharedConcatQuant: boolean;
}

const INPUT_NAMES = ['input_a', 'input_b', 'input_c'];

/**
 * Adds 2 or 3 graph inputs (the first of `firstShape` / `firstQuant`) and joins them, one
 * at a time, by ADD or CONCATENATION along channels; returns the joined tensor.
 */
export function joinedInputs(c: MultiIoContext, firstShape: number[], firstQuant: QuantParams): number {
  const { builder: b, random: r } = c;
  const count = r.int(2, 3);
  let x = b.input(INPUT_NAMES[0], firstShape, firstQuant);
  const joins = c.joins.length > 0 ? c.joins : (['add'] as const);
  for (let k = 1; k < count; k++) {
    const kind = r.pick(joins);
    const s = b.shapeOf(x);
    const sx = b.quantOf(x).scale[0];
    if (kind === 'add') {
      const other = b.input(INPUT_NAMES[k], s, q(c.scale(sx * (0.25 + 2 * r.float())), c.zeroPoint()));
      const so = b.quantOf(other).scale[0];
      x = b.add(`join${k}_add`, x, other, q(c.scale(Math.max(sx, so) * (0.5 + 2 * r.float())), c.zeroPoint()), c.activation());
      continue;
    }
    const channels = r.int(1, 6);
    if (c.sharedConcatQuant) {
      const shared = b.quantOf(x);
      const other = b.input(INPUT_NAMES[k], [s[0], s[1], s[2], channels], shared);
      x = b.concat(`join${k}_concat`, r.chance(0.5) ? [x, other] : [other, x], shared, 'NONE');
      continue;
    }
    const other = b.input(INPUT_NAMES[k], [s[0], s[1], s[2], channels], q(c.scale(sx * (0.25 + 2 * r.float())), c.zeroPoint()));
    const sMax = Math.max(sx, b.quantOf(other).scale[0]);
    x = b.concat(`join${k}_concat`, r.chance(0.5) ? [x, other] : [other, x], q(c.scale(sMax * (0.5 + r.float())), c.zeroPoint()), c.activation());
  }
  return x;
}

/**
 * Marks the two graph outputs, in random order: `joined` (the join, which the body may
 * still read) and `last` (the body's end; a RESHAPE of the join when the body added nothing).
 */
export function twoOutputs(c: MultiIoContext, joined: number, last: number): void {
  const b = c.builder;
  let end = last;
  if (end === joined) {
    const s = b.shapeOf(joined);
    end = b.reshape('output_reshape', joined, [1, s[1] * s[2], 1, s[3]]);
  }
  const [first, second] = c.random.chance(0.5) ? [joined, end] : [end, joined];
  b.output(first);
  b.output(second);
}
