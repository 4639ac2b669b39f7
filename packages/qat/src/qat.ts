/**
 * prepare(): the entry point of quantisation-aware training — a float tfjs layers model
 * (or a float-trained EdgeqModel) becomes a quantised-phase EdgeqModel whose training
 * follows the QAT schedule (record ranges → quantise → freeze BN → freeze ranges).
 */

import * as tf from '@tensorflow/tfjs';
import { EdgeqModel, type QuantConfig } from './model.js';

/** Options of {@link prepare}: any subset of QuantConfig (schedule fields merge with the defaults). */
export type PrepareConfig = Partial<Omit<QuantConfig, 'schedule'>> & { schedule?: Partial<QuantConfig['schedule']> };

/**
 * Prepare a model for QAT. A tfjs LayersModel is converted (weights copied); an
 * EdgeqModel is cloned, so the float model stays usable (e.g. for PTQ).
 * With `weightBits: 4` the weight layers train on the int4 grid (see QuantConfig.int8Layers for layers kept at 8 bits).
 * @throws QatError naming an unsupported layer (and listing the supported ones), a non-finite weight, a bad weight width or an `int8Layers` entry that is no weight layer (listing the valid ones)
 */
export function prepare(model: tf.LayersModel | EdgeqModel, config: PrepareConfig = {}): EdgeqModel {
  const m = model instanceof EdgeqModel ? model.clone() : EdgeqModel.fromLayersModel(model);
  m.setQuantConfig(config as Partial<QuantConfig>);
  m.ranges = m.ranges.map(() => undefined);
  m.history.push(`prepare ${m.config.scales} ${m.config.perChannel ? 'per-channel' : 'per-tensor'}${m.config.weightBits === 4 ? ` W4 (${m.config.int4Clipping} clip; 8-bit: ${m.config.int8Layers.join(',') || 'none'})` : ''} schedule ${JSON.stringify(m.config.schedule)}`);
  return m;
}
