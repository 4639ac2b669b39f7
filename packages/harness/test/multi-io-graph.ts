/**
 * Test helper: a graph with two inputs and two outputs whose results are worked by hand.
 * Inputs "left" and "right", [1,1,2,1] at scale 0.5, zero point 0. Outputs: "sum" = ADD at
 * scale 1, zero point 0; "side" = CONCATENATION of left with itself, sharing its quantisation
 * (bytes copied, channels innermost).
 * left = [4, -6], right = [2, 10] → real [2, -3] + [1, 5] = [3, 2] → sum = [3, 2];
 * side = [4, 4, -6, -6].
 */
import { GraphBuilder, q, type QGraph } from '@edgeq/ir';

export function leftRightGraph(): QGraph {
  const b = new GraphBuilder('lr', { scales: 'fixed', rounding: 'tflm' });
  const half = q(0.5, 0);
  const left = b.input('left', [1, 1, 2, 1], half);
  const right = b.input('right', [1, 1, 2, 1], half);
  b.output(b.add('sum', left, right, q(1, 0)));
  b.output(b.concat('side', [left, left], half, 'NONE'));
  return b.build();
}

/** The hand-worked vector: inputs and both outputs. */
export const LEFT_RIGHT_CASE = {
  inputs: [Int8Array.of(4, -6), Int8Array.of(2, 10)],
  sum: [3, 2],
  side: [4, 4, -6, -6],
};
