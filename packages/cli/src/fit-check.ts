/**
 * The fit check `generate`, `parity` and `bench` run before building anything: the model's
 * constants against the target's flash and its arena plus stack against its RAM
 * (@edgeq/harness's model-fit rule, lower bounds of the firmware's needs). For the host
 * target the model must fit at least one Cortex-M target. A refusal is one line with the
 * sizes and the shortfall, exit 4.
 */

import { planMemory } from '@edgeq/codegen';
import type { QGraph } from '@edgeq/ir';
import type { ModelNeeds } from '@edgeq/harness';
import { modelError } from './errors.js';
import type { TargetName } from './targets.js';

/**
 * A model's constant bytes (every constant tensor) and a lower bound of its static arena: the
 * most activation bytes live at one op (every memory plan, kernel scratch or not, holds them).
 */
export function modelNeeds(g: QGraph): ModelNeeds {
  const constantBytes = g.tensors.reduce((sum, t) => sum + (t.buffer?.byteLength ?? 0), 0);
  const { buffers } = planMemory(g);
  const liveAt = (op: number) => buffers.reduce((sum, b) => (b.firstUse <= op && op <= b.lastUse ? sum + b.size : sum), 0);
  const arenaBytes = Math.max(0, ...g.ops.map((_, op) => liveAt(op)));
  return { constantBytes, arenaBytes };
}

/**
 * Refuse a model that cannot fit one of `targets`, before any build.
 * @param source the model argument, named first in the error line
 * @throws CliError (exit 4) naming the target, the sizes and the shortfall
 */
export async function checkModelFits(g: QGraph, targets: readonly TargetName[], source: string): Promise<void> {
  const { describeFitsNoTarget, describeModelFit, getCortexMTarget, modelFit } = await import('@edgeq/harness');
  const needs = modelNeeds(g);
  for (const target of targets) {
    if (target === 'host') {
      const none = describeFitsNoTarget(needs);
      if (none) throw modelError(`${source}: ${none}`);
      continue;
    }
    const fit = modelFit(getCortexMTarget(target), needs);
    if (!fit.fits) throw modelError(`${source}: ${describeModelFit(fit)}`);
  }
}
