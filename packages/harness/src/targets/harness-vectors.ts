// The firmware harness main's view of a graph's boundary: the bytes of each input and
// output (int8 only: the harness streams raw bytes and the device compares int8), and
// their totals, the size of one input and one output vector.
import { boundaryList, graphInputs, graphOutputs, type QGraph } from '@edgeq/ir';
import type { HarnessMainOptions } from './firmware-templates.js';

/** inputSize / outputSize and the per-input / per-output sizes of the firmware harness for `g`. */
export function harnessVectorSizes(g: QGraph): Pick<HarnessMainOptions, 'inputSize' | 'outputSize' | 'inputSizes' | 'outputSizes'> {
  const boundary = [...graphInputs(g), ...graphOutputs(g)];
  if (boundary.some((b) => b.dtype !== 'int8')) throw new Error(`${g.name}: the firmware harness needs int8 inputs and outputs, got ${boundaryList(boundary)}`);
  const inputSizes = graphInputs(g).map((b) => b.bytes);
  const outputSizes = graphOutputs(g).map((b) => b.bytes);
  return { inputSize: inputSizes.reduce((a, b) => a + b, 0), outputSize: outputSizes.reduce((a, b) => a + b, 0), inputSizes, outputSizes };
}
