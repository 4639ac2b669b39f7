/**
 * Architecture spec → QGraph with deterministic random int8 weights: the no-training path
 * that lets `generate`, `simulate`, `parity` and `bench` size and check any spec'd
 * architecture before (or without) training. The builder is @edgeq/ir's (the one that
 * also builds the reference models); this module reports its refusals as model errors.
 */

import { specToRandomQGraph as buildRandomQGraph, type QGraph, type QuantScheme } from '@edgeq/ir';
import { asModelError, type ArchSpec } from './arch-spec.js';

/**
 * Build the int8 QGraph of a spec with seeded random weights (untrained: for sizing,
 * code generation and parity checks, not for accuracy).
 * @param spec validated architecture spec
 * @param scheme requantisation scheme of the graph
 * @param seed weight seed (same seed → same graph)
 * @param source file name used in error messages
 */
export function specToRandomQGraph(spec: ArchSpec, scheme: QuantScheme, seed = 1, source = spec.name): QGraph {
  return asModelError(() => buildRandomQGraph(spec, scheme, { seed, source }));
}
