/**
 * Reading (and writing) a TensorFlow.js layers model on disk (model.json + weight shards, as written
 * by `model.save('file://…')`, tensorflowjs_converter or a browser download) without
 * tfjs-node: the files are read here and handed to tfjs through an in-memory IOHandler.
 * The result is a float tf.LayersModel for EdgeqModel.fromLayersModel(); the writer does
 * the reverse for tests and users who build models in code.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeDirAtomic } from '@edgeq/ir';
import { QatError } from './errors.js';

interface ModelJson {
  format?: string;
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

const BYTES_PER_DTYPE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, int16: 2, float16: 2 };

/**
 * Load a tfjs layers model from its model.json (or the directory holding it).
 * @throws QatError naming the file and the field at fault (missing or truncated shard,
 *   not a layers model, quantised weights, a topology tfjs cannot build)
 */
export async function loadLayersModelFile(modelJsonOrDir: string): Promise<tf.LayersModel> {
  const st = await fs.stat(modelJsonOrDir).catch(() => undefined);
  const file = st?.isDirectory() ? path.join(modelJsonOrDir, 'model.json') : modelJsonOrDir;
  let doc: ModelJson;
  try {
    doc = JSON.parse(await fs.readFile(file, 'utf8')) as ModelJson;
  } catch (e) {
    throw new QatError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || !doc.modelTopology) throw new QatError(file, 'has no modelTopology: not a tfjs layers model.json');
  if (doc.format && doc.format !== 'layers-model') throw new QatError(`${file}: format`, `is ${JSON.stringify(doc.format)}; only tfjs layers models ("layers-model") can be trained (graph models cannot)`);
  if (!Array.isArray(doc.weightsManifest)) throw new QatError(`${file}: weightsManifest`, 'is missing or not an array');
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  for (const [g, group] of doc.weightsManifest.entries()) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) throw new QatError(`${file}: weightsManifest[${g}]`, 'needs "paths" and "weights" arrays');
    let bytes = 0;
    for (const w of group.weights) {
      if (w.quantization) throw new QatError(`${file}: weight ${JSON.stringify(w.name)}`, 'is stored quantised (tensorflowjs_converter --quantize_*): re-export the float model');
      const per = BYTES_PER_DTYPE[w.dtype];
      if (!per || !Array.isArray(w.shape)) throw new QatError(`${file}: weight ${JSON.stringify(w.name)}`, `has an unsupported dtype ${JSON.stringify(w.dtype)} or no shape`);
      bytes += per * w.shape.reduce((a, d) => a * d, 1);
      specs.push(w);
    }
    let have = 0;
    for (const p of group.paths) {
      const shard = path.resolve(path.dirname(file), decodeURIComponent(p));
      let data: Buffer;
      try {
        data = await fs.readFile(shard);
      } catch {
        throw new QatError(shard, `weight shard listed in ${file} cannot be read`);
      }
      shards.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      have += data.byteLength;
    }
    if (have !== bytes) {
      throw new QatError(`${file}: weightsManifest[${g}]`, `lists weights of ${bytes} bytes but its shards hold ${have} (truncated or mismatched files?)`);
    }
  }
  const total = shards.reduce((a, s) => a + s.byteLength, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const s of shards) {
    weightData.set(s, off);
    off += s.byteLength;
  }
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: doc.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: specs, weightData: weightData.buffer }));
  } catch (e) {
    throw new QatError(file, `tfjs cannot build this model: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * Write a tfjs layers model as tfjs itself does (`model.json` with the topology and a
 * weights manifest, one `group1-shard1of1.bin`), atomically: the directory is built under
 * a temporary name and renamed into place.
 */
export async function saveLayersModelFiles(model: tf.LayersModel, dir: string): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    await model.save(tf.io.withSaveHandler(async (a) => {
      const shard = 'group1-shard1of1.bin';
      const data = a.weightData instanceof ArrayBuffer ? new Uint8Array(a.weightData) : new Uint8Array(await new Blob(a.weightData as ArrayBuffer[]).arrayBuffer());
      await fs.writeFile(path.join(tmp, shard), data);
      const doc = {
        format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`, convertedBy: 'edgeq',
        modelTopology: a.modelTopology, weightsManifest: [{ paths: [shard], weights: a.weightSpecs }],
      };
      await fs.writeFile(path.join(tmp, 'model.json'), JSON.stringify(doc));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
  });
}
