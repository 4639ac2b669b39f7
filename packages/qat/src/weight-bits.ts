/**
 * Weight bit widths per layer (W4A8): which conv / depthwise / dense layers of a network
 * store 4-bit weights and which stay at 8 bits. The model's QuantConfig names a model-wide
 * width and the layers kept at 8 bits (by name, or by the rules `first` / `last`); this
 * module resolves them to one width per layer, for fake-quant in training and for freeze.
 */

import type { Net } from './net.js';
import { QatError } from './errors.js';

/** Bits of a layer's weights: 8 (int8) or 4 (int4, values in [-7, 7]). */
export type WeightBits = 4 | 8;

/**
 * Rules accepted in a list of layers kept at 8 bits, besides layer names: `first` / `last`
 * (the first / last weight layer in graph order) and `depthwise` (every depthwise layer: few
 * taps per output, so 4 bits cost them most accuracy, and they hold few of the weights).
 */
export const INT8_LAYER_RULES = ['first', 'last', 'depthwise'] as const;

/** Names of the layers that carry weights (conv, depthwise, dense), in graph order. */
export function weightLayerNames(net: Net): string[] {
  return net.nodes.filter((n) => n.kind === 'conv').map((n) => n.name);
}

/**
 * The weight width of every weight layer, by layer name. With `weightBits` 8 every layer
 * is 8-bit; with 4 every layer is 4-bit except those `int8Layers` names: a layer name, or
 * a rule of INT8_LAYER_RULES.
 * @throws QatError naming an entry that is neither a rule nor a weight layer, and listing the valid ones
 */
export function resolveWeightBits(net: Net, weightBits: WeightBits, int8Layers: readonly string[]): Map<string, WeightBits> {
  if (weightBits !== 4 && weightBits !== 8) throw new QatError('weightBits', `must be 4 or 8, got ${JSON.stringify(weightBits)}`);
  const names = weightLayerNames(net);
  const kept = new Set<string>();
  for (const entry of int8Layers) {
    if (entry === 'first' || entry === 'last') {
      if (names.length) kept.add(entry === 'first' ? names[0] : names[names.length - 1]);
    } else if (entry === 'depthwise') {
      for (const node of net.nodes) if (node.kind === 'conv' && node.op === 'dw') kept.add(node.name);
    } else if (names.includes(entry)) {
      kept.add(entry);
    } else {
      throw new QatError(`int8Layers ${JSON.stringify(entry)}`,
        `is not a conv/depthwise/dense layer of ${JSON.stringify(net.name)}; valid: ${[...INT8_LAYER_RULES, ...names].join(', ')}`);
    }
  }
  return new Map(names.map((name) => [name, weightBits === 4 && !kept.has(name) ? 4 : 8]));
}

/** The layers of a resolved map that hold 4-bit weights (for metadata and reports). */
export function int4LayerNames(bits: Map<string, WeightBits>): string[] {
  return [...bits].filter(([, b]) => b === 4).map(([name]) => name);
}
