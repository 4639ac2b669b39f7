/**
 * RESIZE_NEAREST_NEIGHBOR in the ir: TFLite's index rule on hand-worked sizes, and the
 * validation errors naming the op and field at fault. (Outputs through the interpreter and gcc:
 * test/ops-hand.test.ts; against LiteRT.js on every size pair: packages/tflite/test.)
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder, QGraphError, nearestSourceIndices, q, type ResizeNearestNeighborOptions } from '../src/index.js';

const PLAIN = { alignCorners: false, halfPixelCenters: false };
const CORNERS = { alignCorners: true, halfPixelCenters: false };
const CENTRES = { alignCorners: false, halfPixelCenters: true };

describe('nearestSourceIndices (TFLite GetNearestNeighbor in float32)', () => {
  it('works out the hand-checked indices', () => {
    // scale 2/4 = 0.5: floor(0, 0.5, 1, 1.5) = 0, 0, 1, 1
    expect(Array.from(nearestSourceIndices(2, 4, PLAIN))).toEqual([0, 0, 1, 1]);
    // scale (3-1)/(5-1) = 0.5: round half away from zero of 0, 0.5, 1, 1.5, 2 = 0, 1, 1, 2, 2
    expect(Array.from(nearestSourceIndices(3, 5, CORNERS))).toEqual([0, 1, 1, 2, 2]);
    // scale 3/5 = 0.6: floor((i + 0.5) * 0.6) = floor(0.3, 0.9, 1.5, 2.1, 2.7) = 0, 0, 1, 2, 2
    expect(Array.from(nearestSourceIndices(3, 5, CENTRES))).toEqual([0, 0, 1, 2, 2]);
    // downsampling 5 -> 2: scale 2.5: floor(0, 2.5) = 0, 2; align corners: scale 4, round(0, 4) = 0, 4
    expect(Array.from(nearestSourceIndices(5, 2, PLAIN))).toEqual([0, 2]);
    expect(Array.from(nearestSourceIndices(5, 2, CORNERS))).toEqual([0, 4]);
    // one output with align corners: the scale falls back to in/out = 5, index 0
    expect(Array.from(nearestSourceIndices(5, 1, CORNERS))).toEqual([0]);
    // half-pixel centres 2 -> 1: scale 2, floor(0.5 * 2) = 1
    expect(Array.from(nearestSourceIndices(2, 1, CENTRES))).toEqual([1]);
  });
});

function resizeGraph(options: ResizeNearestNeighborOptions, outShape = [1, 4, 4, 2], outScale = 0.5) {
  const b = new GraphBuilder('resize', { scales: 'fixed', rounding: 'tflm' });
  const x = b.input('x', [1, 2, 2, 2], q(0.5, 3));
  b.output(b.op('RESIZE_NEAREST_NEIGHBOR', 'up', [x], options, outShape, q(outScale, 3)));
  return () => b.build();
}

describe('RESIZE_NEAREST_NEIGHBOR validation', () => {
  it('accepts each option setting', () => {
    for (const o of [PLAIN, CORNERS, CENTRES]) expect(resizeGraph(o)).not.toThrow();
  });
  it('refuses both flags at once', () => {
    expect(resizeGraph({ alignCorners: true, halfPixelCenters: true })).toThrow(/ops\[0\] "up" \(RESIZE_NEAREST_NEIGHBOR\)\.options: alignCorners and halfPixelCenters cannot both be true/);
  });
  it('refuses a missing flag', () => {
    expect(resizeGraph({ alignCorners: false } as ResizeNearestNeighborOptions)).toThrow(/\.options\.halfPixelCenters: must be a boolean, got undefined/);
  });
  it('refuses a channel count change', () => {
    expect(resizeGraph(PLAIN, [1, 4, 4, 3])).toThrow(/\.outputs\[0\]: output has 3 channels, input 2/);
  });
  it('refuses a different output scale', () => {
    expect(resizeGraph(PLAIN, [1, 4, 4, 2], 0.25)).toThrow(QGraphError);
    expect(resizeGraph(PLAIN, [1, 4, 4, 2], 0.25)).toThrow(/input and output must share scale and zero point/);
  });
});
