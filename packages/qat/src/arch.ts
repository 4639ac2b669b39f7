/**
 * Architecture spec → float tfjs layers model: the float model the QAT flow starts from.
 * The spec format, its validation and the reference specs (dscnn, mbv2mini) live in
 * @edgeq/ir (arch-spec.ts); this module only constructs the tfjs layers.
 */

import * as tf from '@tensorflow/tfjs';
import { REFERENCE_SPECS, SUPPORTED_LAYER_TYPES, type ActName, type ArchSpec } from '@edgeq/ir';
import { QatError } from './errors.js';
import { subSeed } from './random.js';

export { DSCNN_SPEC, MBV2MINI_SPEC, REFERENCE_SPECS, type ActName, type ArchSpec, type LayerSpec } from '@edgeq/ir';

function activation(x: tf.SymbolicTensor, act: ActName | undefined, name: string): tf.SymbolicTensor {
  if (!act || act === 'linear') return x;
  return tf.layers.reLU({ maxValue: act === 'relu6' ? 6 : undefined, name: `${name}_${act}` }).apply(x) as tf.SymbolicTensor;
}

/** Options of {@link buildModel}. */
export interface BuildOptions {
  /** BatchNormalization momentum of the moving statistics (default 0.99, Keras'). */
  bnMomentum?: number;
}

/**
 * Build the float tfjs layers model of a spec, with seeded Glorot initialisers so the
 * same seed gives the same initial weights.
 * @throws QatError naming the spec entry at fault
 */
export function buildModel(spec: ArchSpec, seed = 1, opts: BuildOptions = {}): tf.LayersModel {
  let k = 0;
  const init = () => tf.initializers.glorotUniform({ seed: subSeed(seed, k++) });
  const input = tf.input({ shape: spec.input, name: 'input' });
  let h: tf.SymbolicTensor = input;
  const convBnAct = (
    x: tf.SymbolicTensor, name: string, kind: 'conv' | 'dw', filters: number, kernel: number, stride: number,
    bn: boolean, act: ActName | undefined, multiplier = 1,
  ): tf.SymbolicTensor => {
    const common = { kernelSize: kernel, strides: stride, padding: 'same' as const, useBias: !bn, name };
    let y = (kind === 'conv'
      ? tf.layers.conv2d({ ...common, filters, kernelInitializer: init() })
      : tf.layers.depthwiseConv2d({ ...common, depthMultiplier: multiplier, depthwiseInitializer: init() })
    ).apply(x) as tf.SymbolicTensor;
    if (bn) y = tf.layers.batchNormalization({ name: `${name}_bn`, momentum: opts.bnMomentum ?? 0.99, epsilon: 1e-3 }).apply(y) as tf.SymbolicTensor;
    return activation(y, act, name);
  };
  spec.layers.forEach((l, i) => {
    const where = `${spec.name}.layers[${i}]`;
    const name = l.name ?? `${l.type}${i}`;
    switch (l.type) {
      case 'conv':
        h = convBnAct(h, name, 'conv', l.filters, l.kernel, l.stride ?? 1, l.bn ?? false, l.act);
        break;
      case 'dw':
        h = convBnAct(h, name, 'dw', 0, l.kernel, l.stride ?? 1, l.bn ?? false, l.act, l.multiplier ?? 1);
        break;
      case 'ir': {
        const cin = h.shape[3] as number;
        let t = convBnAct(h, `${name}_expand`, 'conv', cin * l.expand, 1, 1, true, 'relu6');
        t = convBnAct(t, `${name}_dw`, 'dw', 0, 3, l.stride ?? 1, true, 'relu6');
        t = convBnAct(t, `${name}_project`, 'conv', l.out, 1, 1, true, 'linear');
        h = (l.stride ?? 1) === 1 && cin === l.out ? (tf.layers.add({ name: `${name}_add` }).apply([h, t]) as tf.SymbolicTensor) : t;
        break;
      }
      case 'maxpool':
      case 'avgpool': {
        const cfg = { poolSize: l.size, strides: l.stride ?? l.size, padding: 'valid' as const, name };
        h = (l.type === 'maxpool' ? tf.layers.maxPooling2d(cfg) : tf.layers.averagePooling2d(cfg)).apply(h) as tf.SymbolicTensor;
        break;
      }
      case 'gap':
        h = tf.layers.globalAveragePooling2d({ name }).apply(h) as tf.SymbolicTensor;
        break;
      case 'flatten':
        h = tf.layers.flatten({ name }).apply(h) as tf.SymbolicTensor;
        break;
      case 'dense':
        h = tf.layers.dense({ units: l.units, name, kernelInitializer: init() }).apply(h) as tf.SymbolicTensor;
        h = activation(h, l.act, name);
        break;
      case 'softmax':
        h = tf.layers.softmax({ name }).apply(h) as tf.SymbolicTensor;
        break;
      default:
        throw new QatError(where, `unknown layer type ${JSON.stringify((l as { type: unknown }).type)} (supported: ${SUPPORTED_LAYER_TYPES.join(', ')})`);
    }
  });
  return tf.model({ inputs: input, outputs: h, name: spec.name });
}

/** Build a reference model (dscnn | mbv2mini) as a float tfjs layers model. */
export function buildReferenceTfModel(name: string, seed = 1, opts: BuildOptions = {}): tf.LayersModel {
  const spec = (REFERENCE_SPECS as Readonly<Record<string, ArchSpec | undefined>>)[name];
  if (!spec) throw new QatError('model', `unknown reference model ${JSON.stringify(name)} (available: ${Object.keys(REFERENCE_SPECS).join(', ')})`);
  return buildModel(spec, seed, opts);
}
