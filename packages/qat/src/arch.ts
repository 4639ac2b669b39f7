/**
 * Architecture specs: a small JSON description of a CNN (conv / depthwise / inverted
 * residual blocks / pooling / dense) and its construction as a tfjs layers model — the
 * float model the QAT flow starts from. The design notes' reference models (dscnn,
 * mbv2mini) are given here as specs.
 */

import * as tf from '@tensorflow/tfjs';
import { QatError } from './errors.js';
import { subSeed } from './random.js';

export type ActName = 'relu' | 'relu6' | 'linear';

/** One entry of an architecture spec. */
export type LayerSpec =
  | { type: 'conv'; filters: number; kernel: number; stride?: number; bn?: boolean; act?: ActName; name?: string }
  | { type: 'dw'; kernel: number; stride?: number; multiplier?: number; bn?: boolean; act?: ActName; name?: string }
  /** MobileNet-v2 inverted residual: pw expand (ReLU6) → dw (ReLU6) → pw project (linear), + input when shapes match. */
  | { type: 'ir'; expand: number; out: number; stride?: number; name?: string }
  | { type: 'maxpool' | 'avgpool'; size: number; stride?: number; name?: string }
  | { type: 'gap'; name?: string }
  | { type: 'flatten'; name?: string }
  | { type: 'dense'; units: number; act?: ActName; name?: string }
  | { type: 'softmax'; name?: string };

/** A whole model: input [h, w, c] and a layer list. */
export interface ArchSpec {
  name: string;
  input: [number, number, number];
  layers: LayerSpec[];
}

/** dscnn of the design notes (depthwise-separable CNN, ~0.5 M MACs). */
export const DSCNN_SPEC: ArchSpec = {
  name: 'dscnn',
  input: [28, 28, 1],
  layers: [
    { type: 'conv', filters: 16, kernel: 3, stride: 2, bn: true, act: 'relu6', name: 'conv1' },
    { type: 'dw', kernel: 3, stride: 1, bn: true, act: 'relu6', name: 'dw2' },
    { type: 'conv', filters: 32, kernel: 1, bn: true, act: 'relu6', name: 'pw2' },
    { type: 'dw', kernel: 3, stride: 2, bn: true, act: 'relu6', name: 'dw3' },
    { type: 'conv', filters: 64, kernel: 1, bn: true, act: 'relu6', name: 'pw3' },
    { type: 'dw', kernel: 3, stride: 1, bn: true, act: 'relu6', name: 'dw4' },
    { type: 'conv', filters: 64, kernel: 1, bn: true, act: 'relu6', name: 'pw4' },
    { type: 'gap', name: 'gap' },
    { type: 'dense', units: 10, name: 'dense' },
    { type: 'softmax', name: 'softmax' },
  ],
};

/** mbv2mini of the design notes (MobileNet-v2 style inverted residuals). */
export const MBV2MINI_SPEC: ArchSpec = {
  name: 'mbv2mini',
  input: [28, 28, 1],
  layers: [
    { type: 'conv', filters: 16, kernel: 3, stride: 2, bn: true, act: 'relu6', name: 'conv1' },
    { type: 'ir', expand: 4, out: 16, stride: 1, name: 'ir1' },
    { type: 'ir', expand: 4, out: 24, stride: 2, name: 'ir2' },
    { type: 'ir', expand: 4, out: 24, stride: 1, name: 'ir3' },
    { type: 'conv', filters: 96, kernel: 1, bn: true, act: 'relu6', name: 'pw_head' },
    { type: 'gap', name: 'gap' },
    { type: 'dense', units: 10, name: 'dense' },
    { type: 'softmax', name: 'softmax' },
  ],
};

/** Reference specs by name. */
export const REFERENCE_SPECS: Readonly<Record<string, ArchSpec>> = { dscnn: DSCNN_SPEC, mbv2mini: MBV2MINI_SPEC };

const LAYER_TYPES = ['conv', 'dw', 'ir', 'maxpool', 'avgpool', 'gap', 'flatten', 'dense', 'softmax'];

function activation(x: tf.SymbolicTensor, act: ActName | undefined, name: string): tf.SymbolicTensor {
  if (!act || act === 'linear') return x;
  return tf.layers.reLU({ maxValue: act === 'relu6' ? 6 : undefined, name: `${name}_${act}` }).apply(x) as tf.SymbolicTensor;
}

/**
 * Build the float tfjs layers model of a spec, with seeded Glorot/He initialisers so the
 * same seed gives the same initial weights.
 * @throws QatError naming the spec entry at fault
 */
export function buildModel(spec: ArchSpec, seed = 1): tf.LayersModel {
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
    if (bn) y = tf.layers.batchNormalization({ name: `${name}_bn`, momentum: 0.99, epsilon: 1e-3 }).apply(y) as tf.SymbolicTensor;
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
        throw new QatError(where, `unknown layer type ${JSON.stringify((l as { type: unknown }).type)} (supported: ${LAYER_TYPES.join(', ')})`);
    }
  });
  return tf.model({ inputs: input, outputs: h, name: spec.name });
}

/** Build a reference model (dscnn | mbv2mini) as a float tfjs layers model. */
export function buildReferenceTfModel(name: string, seed = 1): tf.LayersModel {
  const spec = REFERENCE_SPECS[name];
  if (!spec) throw new QatError('model', `unknown reference model ${JSON.stringify(name)} (available: ${Object.keys(REFERENCE_SPECS).join(', ')})`);
  return buildModel(spec, seed);
}
