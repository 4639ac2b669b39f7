/**
 * Reading a Keras model file as a float tf.LayersModel, as tfjs-model-dir.ts does for a
 * tfjs directory (the result goes to EdgeqModel.fromLayersModel): a Keras 3 `.keras` zip
 * (config.json + model.weights.h5, weights under `layers/<name>/vars/<i>`) or a Keras 2
 * `.h5` (the `model_config` attribute + `model_weights/<layer>/<weight_names…>`). The
 * configuration goes through keras-config.ts, tfjs builds the layers, and each layer's
 * weights are checked (count, shape, dtype) and set here; nothing is written.
 */

import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { QatError } from './errors.js';
import { Hdf5Reader, isHdf5Signature, type Hdf5Array } from './hdf5-file.js';
import { kerasConfigToTopology, keras3WeightPaths, type KerasLayerInfo } from './keras-config.js';

/** The weights of one layer as stored: a name for errors and the array. */
interface StoredWeight {
  name: string;
  array: Hdf5Array;
}

/** Where a layer's weights are and how they are read. */
type WeightSource = (layer: KerasLayerInfo, where: string) => StoredWeight[];

/** Zip's local-file-header signature "PK\x03\x04". */
function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** Whether a file's first bytes are those of a Keras model file (.keras zip or HDF5). */
export function looksLikeKerasFile(head: Uint8Array): boolean {
  return isZip(head) || isHdf5Signature(head);
}

/**
 * Load a Keras model file (`.keras` or `.h5`, told apart by their first bytes) as a float
 * tfjs layers model.
 * @throws QatError naming the file, the layer and the field: not a Keras file, truncated
 *   zip or HDF5, unsupported layer class, missing weight, wrong dtype, weight of the wrong shape
 */
export async function loadKerasFile(file: string): Promise<tf.LayersModel> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (e) {
    throw new QatError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot be read: ${(e as Error).message}`);
  }
  if (isZip(bytes)) return loadKeras3(file, bytes);
  if (isHdf5Signature(bytes)) return loadKeras2(file);
  throw new QatError(file, 'is neither a Keras 3 .keras file (a zip) nor a Keras 2 .h5 file (HDF5)');
}

async function loadKeras3(file: string, bytes: Uint8Array): Promise<tf.LayersModel> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => f.name === 'config.json' || f.name === 'model.weights.h5' });
  } catch (e) {
    throw new QatError(file, `cannot be read as a .keras zip (truncated or damaged?): ${(e as Error).message}`);
  }
  for (const name of ['config.json', 'model.weights.h5']) {
    if (!entries[name]) throw new QatError(`${file}: ${name}`, 'is missing from the .keras zip');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(entries['config.json']));
  } catch (e) {
    throw new QatError(`${file}: config.json`, `is not valid JSON: ${(e as Error).message}`);
  }
  const { topology, layers } = kerasConfigToTopology(doc, file);
  const h5 = await Hdf5Reader.open(`${file}: model.weights.h5`, entries['model.weights.h5']);
  try {
    const byClass = keras3WeightPaths(layers);
    return await buildModel(topology, layers, file, (layer, where) => {
      const candidates = [`/layers/${byClass.get(layer.name)}/vars`, `/layers/${layer.name}/vars`];
      const group = candidates.find((g) => h5.has(g));
      if (!group) return [];
      const names = h5.keys(group).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
      return names.map((n) => ({ name: `vars/${n}`, array: h5.float32(`${group}/${n}`, `${where}: weight vars/${n}`) }));
    });
  } finally {
    await h5.close();
  }
}

async function loadKeras2(file: string): Promise<tf.LayersModel> {
  const h5 = await Hdf5Reader.open(file);
  try {
    const configText = h5.stringAttribute('/', 'model_config');
    if (configText === undefined) {
      throw new QatError(`${file}: model_config`, 'attribute is missing: a weights-only .h5 (model.save_weights) has no architecture; save the whole model (model.save)');
    }
    let doc: unknown;
    try {
      doc = JSON.parse(configText);
    } catch (e) {
      throw new QatError(`${file}: model_config`, `is not valid JSON: ${(e as Error).message}`);
    }
    const { topology, layers } = kerasConfigToTopology(doc, file);
    const root = h5.has('/model_weights') ? '/model_weights' : '/';
    return await buildModel(topology, layers, file, (layer, where) => {
      const group = `${root === '/' ? '' : root}/${layer.name}`;
      if (!h5.has(group)) return [];
      const names = h5.stringListAttribute(group, 'weight_names') ?? [];
      return names.map((n) => ({ name: n, array: h5.float32(`${group}/${n}`, `${where}: weight ${JSON.stringify(n)}`) }));
    });
  } finally {
    await h5.close();
  }
}

/** Build the tfjs model from the topology and set every layer's weights from `source`. */
async function buildModel(topology: object, layers: readonly KerasLayerInfo[], file: string, source: WeightSource): Promise<tf.LayersModel> {
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: topology as tf.io.ModelJSON['modelTopology'] });
  } catch (e) {
    throw new QatError(file, `tfjs cannot build this model: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    for (const info of layers) {
      const layer = model.getLayer(info.name);
      const where = `${file}: layer ${JSON.stringify(info.name)} (${info.className})`;
      const needed = layer.weights;
      const stored = source(info, where);
      if (stored.length !== needed.length) {
        const missing = needed[stored.length]?.originalName ?? '';
        throw new QatError(where, stored.length < needed.length
          ? `weight ${JSON.stringify(missing.split('/').pop())} is missing (the file holds ${stored.length} of its ${needed.length} weights)`
          : `the file holds ${stored.length} weights, the layer has ${needed.length}`);
      }
      const tensors = stored.map((w, i) => {
        const want = needed[i].shape;
        if (w.array.shape.length !== want.length || w.array.shape.some((d, k) => d !== want[k])) {
          throw new QatError(`${where}: weight ${JSON.stringify(w.name)}`, `has shape [${w.array.shape.join(', ')}] but the layer needs [${want.join(', ')}]`);
        }
        return tf.tensor(w.array.data, w.array.shape, 'float32');
      });
      if (tensors.length > 0) {
        layer.setWeights(tensors);
        tf.dispose(tensors);
      }
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
