/**
 * Graph statistics for the report: the real-valued weight range of every output channel
 * of every conv, depthwise and dense layer (int8 weights × their per-channel scale).
 */

import { constantData, type QGraph } from '@edgeq/ir';
import type { WeightRangeEntry } from './report/schema.js';

/** Per-channel real weight ranges of every weighted layer, in graph order. */
export function weightRangesOf(g: QGraph): WeightRangeEntry[] {
  const out: WeightRangeEntry[] = [];
  for (const op of g.ops) {
    if (op.type !== 'CONV_2D' && op.type !== 'DEPTHWISE_CONV_2D' && op.type !== 'FULLY_CONNECTED') continue;
    const wIdx = op.inputs[1];
    const t = g.tensors[wIdx];
    const w = constantData(g, wIdx) as Int8Array;
    const scales = t.quant!.scale;
    const channelAxis = op.type === 'DEPTHWISE_CONV_2D' ? 3 : 0;
    const channels = t.shape[channelAxis];
    const lo = new Array<number>(channels).fill(Infinity);
    const hi = new Array<number>(channels).fill(-Infinity);
    const inner = channelAxis === 0 ? w.length / channels : 1;
    for (let i = 0; i < w.length; i++) {
      const c = channelAxis === 0 ? Math.floor(i / inner) : i % channels;
      const v = w[i] * (scales.length > 1 ? scales[c] : scales[0]);
      if (v < lo[c]) lo[c] = v;
      if (v > hi[c]) hi[c] = v;
    }
    for (let c = 0; c < channels; c++) out.push({ layer: op.name, channel: c, min: lo[c], max: hi[c] });
  }
  return out;
}
