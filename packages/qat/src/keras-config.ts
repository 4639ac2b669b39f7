/**
 * Keras model configuration → TensorFlow.js layers topology. A Keras 2 `.h5` (its
 * `model_config` attribute) and a Keras 3 `.keras` (its `config.json`) describe the model
 * in Python's vocabulary: "Functional" for tfjs's "Model", `batch_shape` on InputLayer,
 * dtype policies as objects, `axis` as a list, and Keras 3's inbound nodes as call
 * arguments holding `__keras_tensor__` records. This module translates one into the
 * topology tfjs deserialises (the snake_case field names tfjs itself maps to camelCase),
 * with one table of the layer classes edgeq reads; the weights are set afterwards
 * (keras-file.ts). Dropout, regularisers, constraints and initialisers play no part in
 * inference and are dropped.
 */

import { QatError } from './errors.js';

/** A JSON object of a Keras configuration. */
type Json = Record<string, unknown>;

/** How one Keras layer class becomes a tfjs one. */
interface LayerRule {
  /** The tfjs class name (the same as Keras's unless noted). */
  tfjs?: string;
  /** Fields that must hold this value (or be absent) for edgeq to read the layer. */
  require?: Record<string, unknown>;
}

const SAME: LayerRule = {};
const CONV_REQUIRE = { data_format: 'channels_last', groups: 1 };

/**
 * The Keras layer classes edgeq reads, with their tfjs names and the fields that must
 * hold tfjs's only supported value. A class not here is refused naming the layer; the
 * float-model conversion (net.ts) then decides what it can quantise.
 */
export const KERAS_LAYER_TABLE: Readonly<Record<string, LayerRule>> = {
  InputLayer: SAME,
  Dense: SAME,
  Conv1D: { require: CONV_REQUIRE },
  Conv2D: { require: CONV_REQUIRE },
  DepthwiseConv2D: { require: CONV_REQUIRE },
  SeparableConv2D: { require: CONV_REQUIRE },
  BatchNormalization: SAME,
  Activation: SAME,
  ReLU: SAME,
  Softmax: SAME,
  Dropout: SAME,
  SpatialDropout2D: { tfjs: 'Dropout' },
  Add: SAME,
  Concatenate: SAME,
  MaxPooling1D: { require: { data_format: 'channels_last' } },
  AveragePooling1D: { require: { data_format: 'channels_last' } },
  GlobalAveragePooling1D: { require: { data_format: 'channels_last' } },
  MaxPooling2D: { require: { data_format: 'channels_last' } },
  AveragePooling2D: { require: { data_format: 'channels_last' } },
  GlobalAveragePooling2D: { require: { data_format: 'channels_last' } },
  Flatten: { require: { data_format: 'channels_last' } },
  Reshape: SAME,
  ZeroPadding2D: { require: { data_format: 'channels_last' } },
  Cropping1D: SAME,
  Cropping2D: { require: { data_format: 'channels_last' } },
  UpSampling2D: { require: { data_format: 'channels_last', interpolation: 'nearest' } },
};

/** Fields with no meaning for a model read for inference and fine-tuning (tfjs would try to build them). */
const DROPPED_FIELDS = new Set([
  'kernel_initializer', 'bias_initializer', 'depthwise_initializer', 'pointwise_initializer',
  'beta_initializer', 'gamma_initializer', 'moving_mean_initializer', 'moving_variance_initializer',
  'kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'depthwise_regularizer', 'pointwise_regularizer',
  'beta_regularizer', 'gamma_regularizer',
  'kernel_constraint', 'bias_constraint', 'depthwise_constraint', 'pointwise_constraint', 'beta_constraint', 'gamma_constraint',
  'synchronized', 'lora_rank', 'lora_alpha', 'quantization_config', 'seed', 'noise_shape', 'sparse', 'ragged',
  'optional', 'build_config', 'registered_name', 'module',
]);

/** The tfjs topology of a Keras model: what tf.models.modelFromJSON takes as modelTopology. */
export interface TfjsTopology {
  class_name: 'Model';
  config: { name: string; layers: Json[]; input_layers: [string, number, number][]; output_layers: [string, number, number][] };
}

/** A Keras layer as the readers see it: its name, class and (for Keras 3) class-derived weight path. */
export interface KerasLayerInfo {
  name: string;
  className: string;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A dtype field: a string (Keras 2) or a DTypePolicy object (Keras 3) → its name. */
function dtypeName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && isObject(v.config) && typeof v.config.name === 'string') return v.config.name;
  return undefined;
}

/** A `[layer, node, tensor]` reference in either Keras version's inbound-node format. */
type NodeRef = [string, number, number];

/** Every `__keras_tensor__` record in a Keras 3 call's arguments, in order. */
function kerasTensorRefs(v: unknown, out: NodeRef[]): NodeRef[] {
  if (Array.isArray(v)) {
    for (const x of v) kerasTensorRefs(x, out);
  } else if (isObject(v)) {
    if (v.class_name === '__keras_tensor__' && isObject(v.config) && Array.isArray(v.config.keras_history)) {
      const [layer, node, tensor] = v.config.keras_history as [string, number, number];
      out.push([layer, node, tensor]);
    } else {
      for (const x of Object.values(v)) kerasTensorRefs(x, out);
    }
  }
  return out;
}

/**
 * Inbound nodes as tfjs wants them: `[[[layer, node, tensor, {}], …]]`. Keras 2 writes
 * exactly that; Keras 3 writes `[{ args: [...], kwargs: {...} }]` with the input tensors
 * as `__keras_tensor__` records somewhere in the arguments.
 */
function inboundNodes(nodes: unknown, where: string): unknown[] {
  if (!Array.isArray(nodes)) return [];
  return nodes.map((node, i) => {
    if (Array.isArray(node)) return node;
    if (isObject(node) && 'args' in node) {
      const refs = kerasTensorRefs([node.args, node.kwargs], []);
      if (refs.length === 0) throw new QatError(`${where}.inbound_nodes[${i}]`, 'names no input tensor');
      return refs.map(([l, n, t]) => [l, n, t, {}]);
    }
    throw new QatError(`${where}.inbound_nodes[${i}]`, 'is neither a Keras 2 node list nor a Keras 3 {args, kwargs} record');
  });
}

/** `[name, node, tensor]` or a list of them (Keras 3 writes one bare triple for a single input). */
function layerRefs(v: unknown, where: string): NodeRef[] {
  if (!Array.isArray(v)) throw new QatError(where, 'is missing or not a list');
  if (v.length === 3 && typeof v[0] === 'string') return [v as NodeRef];
  return v.map((r, i) => {
    if (!Array.isArray(r) || typeof r[0] !== 'string') throw new QatError(`${where}[${i}]`, 'is not a [layer, node, tensor] reference');
    return [r[0], Number(r[1] ?? 0), Number(r[2] ?? 0)] as NodeRef;
  });
}

/** One layer's config in tfjs's terms, or a refusal naming the layer and field. */
function translateLayerConfig(className: string, config: Json, where: string): Json {
  const rule = KERAS_LAYER_TABLE[className];
  const out: Json = {};
  for (const [field, value] of Object.entries(config)) {
    if (DROPPED_FIELDS.has(field)) continue;
    if (field === 'dtype') {
      const dtype = dtypeName(value);
      if (dtype !== undefined && dtype !== 'float32') throw new QatError(`${where}: dtype`, `is ${JSON.stringify(dtype)}; edgeq reads float32 Keras models`);
      out.dtype = 'float32';
      continue;
    }
    out[field] = value;
  }
  for (const [field, wanted] of Object.entries(rule.require ?? {})) {
    if (field in config && config[field] !== null && JSON.stringify(config[field]) !== JSON.stringify(wanted)) {
      throw new QatError(`${where}: ${field}`, `is ${JSON.stringify(config[field])}; edgeq reads only ${JSON.stringify(wanted)}`);
    }
    delete out[field];
    if (field === 'data_format' && field in config) out.data_format = 'channels_last';
  }
  if (className === 'InputLayer') {
    const shape = config.batch_shape ?? config.batch_input_shape ?? (Array.isArray(config.shape) ? [null, ...config.shape] : undefined);
    if (!Array.isArray(shape)) throw new QatError(`${where}: batch_shape`, 'is missing (an input layer needs its shape)');
    delete out.batch_shape;
    delete out.shape;
    out.batch_input_shape = shape;
  }
  if (className === 'BatchNormalization' || className === 'Concatenate' || className === 'Softmax') {
    const axis = config.axis;
    if (Array.isArray(axis)) {
      if (axis.length !== 1) throw new QatError(`${where}: axis`, `is ${JSON.stringify(axis)}; edgeq reads one axis`);
      out.axis = axis[0];
    }
  }
  if (className === 'Activation' && isObject(config.activation)) {
    throw new QatError(`${where}: activation`, 'is a custom activation object; edgeq reads named activations');
  }
  return out;
}

/**
 * Translate a Keras model configuration (the parsed `model_config` / `config.json`) into a
 * tfjs layers topology, and list its layers in order.
 * @param file the file the configuration came from (named in errors)
 * @throws QatError naming the file, the layer and the field: an unsupported class, a
 *   non-float32 dtype, a data format or grouping tfjs cannot run, a malformed reference
 */
export function kerasConfigToTopology(doc: unknown, file: string): { topology: TfjsTopology; layers: KerasLayerInfo[] } {
  if (!isObject(doc) || typeof doc.class_name !== 'string' || !isObject(doc.config)) {
    throw new QatError(`${file}: model config`, 'is not a Keras model configuration ({class_name, config})');
  }
  const modelClass = doc.class_name;
  if (!['Functional', 'Model', 'Sequential'].includes(modelClass)) {
    throw new QatError(`${file}: model config class_name`, `is ${JSON.stringify(modelClass)}; edgeq reads Functional and Sequential models`);
  }
  const config = doc.config;
  const rawLayers = config.layers;
  if (!Array.isArray(rawLayers) || rawLayers.length === 0) throw new QatError(`${file}: model config layers`, 'is missing or empty');
  const name = typeof config.name === 'string' ? config.name : 'model';
  const sequential = modelClass === 'Sequential';
  const layers: Json[] = [];
  const infos: KerasLayerInfo[] = [];
  let previous: string | undefined;
  for (const [i, raw] of rawLayers.entries()) {
    if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
      throw new QatError(`${file}: layers[${i}]`, 'is not a {class_name, config} layer record');
    }
    const className = raw.class_name;
    const layerName = typeof raw.config.name === 'string' ? raw.config.name : typeof raw.name === 'string' ? raw.name : `layer_${i}`;
    const where = `${file}: layer ${JSON.stringify(layerName)} (${className})`;
    const rule = KERAS_LAYER_TABLE[className];
    if (!rule) {
      throw new QatError(where, `class_name ${JSON.stringify(className)} is not supported (supported: ${Object.keys(KERAS_LAYER_TABLE).join(', ')})`);
    }
    const layerConfig = translateLayerConfig(className, raw.config, where);
    layerConfig.name = layerName;
    if (sequential) {
      // A Keras 2 Sequential model carries its input shape on the first layer; tfjs wants an InputLayer.
      if (i === 0 && className !== 'InputLayer') {
        const shape = raw.config.batch_input_shape ?? raw.config.batch_shape;
        if (!Array.isArray(shape)) throw new QatError(`${where}: batch_input_shape`, 'is missing (the first layer of a Sequential model needs the input shape)');
        delete layerConfig.batch_input_shape;
        delete layerConfig.batch_shape;
        const input = `${layerName}_input`;
        layers.push({ class_name: 'InputLayer', name: input, config: { batch_input_shape: shape, dtype: 'float32', name: input }, inbound_nodes: [] });
        previous = input;
      }
      layers.push({
        class_name: rule.tfjs ?? className, name: layerName, config: layerConfig,
        inbound_nodes: className === 'InputLayer' ? [] : [[[previous, 0, 0, {}]]],
      });
      previous = layerName;
    } else {
      layers.push({ class_name: rule.tfjs ?? className, name: layerName, config: layerConfig, inbound_nodes: inboundNodes(raw.inbound_nodes, where) });
    }
    infos.push({ name: layerName, className });
  }
  const inputLayers = sequential ? [[layers[0].name as string, 0, 0] as NodeRef] : layerRefs(config.input_layers, `${file}: model config input_layers`);
  const outputLayers = sequential ? [[previous!, 0, 0] as NodeRef] : layerRefs(config.output_layers, `${file}: model config output_layers`);
  return { topology: { class_name: 'Model', config: { name, layers, input_layers: inputLayers, output_layers: outputLayers } }, layers: infos };
}

/**
 * The name Keras 3 gives a layer's weight group in `model.weights.h5`: the class name in
 * snake case, numbered from the second layer of a class on (`conv2d`, `conv2d_1`, …), in
 * the order of the model's layers.
 */
export function keras3WeightPaths(layers: readonly KerasLayerInfo[]): Map<string, string> {
  const used = new Map<string, number>();
  const paths = new Map<string, string>();
  for (const l of layers) {
    const base = snakeCase(l.className);
    const n = used.get(base);
    used.set(base, (n ?? 0) + 1);
    paths.set(l.name, n === undefined ? base : `${base}_${n}`);
  }
  return paths;
}

/** Keras's class-name to snake-case rule: `DepthwiseConv2D` → `depthwise_conv2d`, `ReLU` → `re_lu`. */
export function snakeCase(name: string): string {
  const split = name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2');
  return split.replace(/\W+/g, '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}
