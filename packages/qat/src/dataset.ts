/**
 * Datasets: sample sets of any input shape (uint8 pixels fed as pixels/255, or real
 * values), with integer class labels and/or float targets — the user's .npy data or the
 * Fashion-MNIST IDX files shipped by the Debian package `dataset-fashion-mnist` — with
 * seeded shuffling and batching. This is where training, calibration and int8 evaluation
 * get their data.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { QatError } from './errors.js';
import { mulberry32, permutation } from './random.js';

/** Where `apt-get install dataset-fashion-mnist` puts the IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** The Debian package that provides them. */
export const FASHION_MNIST_APT_PACKAGE = 'dataset-fashion-mnist';

/** Fashion-MNIST class names, by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/**
 * A split of `count` samples (row-major, batch first) and what they should give.
 * Uint8Array samples are pixels (fed as pixels/255); Float32Array samples are fed as is.
 * The name is historical: an image split sets `height`, `width` and `channels` (NHWC);
 * any other input shape sets `sampleShape`, which then wins (see {@link sampleShapeOf}).
 */
export interface ImageSet {
  images: Uint8Array | Float32Array;
  /** Class id per sample (classification and binary tasks; zeros when the task has none). */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  classes: number;
  /** Shape of one sample without the batch axis, when it is not [height, width, channels]. */
  sampleShape?: number[];
  /** Float targets, `targetSize` values per sample (regression, autoencoders). */
  targets?: Float32Array;
  targetSize?: number;
}

/** Any task's sample set (the same structure as {@link ImageSet}). */
export type SampleSet = ImageSet;

/** Shape of one sample of `set` (no batch axis). */
export function sampleShapeOf(set: ImageSet): number[] {
  return set.sampleShape ?? [set.height, set.width, set.channels];
}

/** Values per sample of `set`. */
export function sampleSize(set: ImageSet): number {
  return sampleShapeOf(set).reduce((a, d) => a * d, 1);
}

/**
 * A sample set over real-valued (or pixel) samples of any shape, with class labels and/or
 * float targets. `height`/`width`/`channels` are filled from the shape for code that still
 * reads them (rank-3 shapes are exact; others fold into channels).
 */
export function makeSampleSet(o: {
  samples: Uint8Array | Float32Array;
  sampleShape: number[];
  labels?: Uint8Array;
  classes?: number;
  targets?: Float32Array;
}): SampleSet {
  const per = o.sampleShape.reduce((a, d) => a * d, 1);
  const count = per > 0 ? Math.floor(o.samples.length / per) : 0;
  if (count * per !== o.samples.length) throw new QatError('sample set', `${o.samples.length} values are not whole samples of shape [${o.sampleShape.join(', ')}]`);
  if (o.labels && o.labels.length !== count) throw new QatError('sample set', `${o.labels.length} labels for ${count} samples`);
  if (o.targets && o.targets.length % Math.max(count, 1) !== 0) throw new QatError('sample set', `${o.targets.length} target values are not the same number per sample for ${count} samples`);
  const [height, width, channels] = o.sampleShape.length === 3 ? o.sampleShape : [1, 1, per];
  return {
    images: o.samples,
    labels: o.labels ?? new Uint8Array(count),
    count, height, width, channels,
    classes: o.classes ?? 0,
    sampleShape: [...o.sampleShape],
    ...(o.targets ? { targets: o.targets, targetSize: count ? o.targets.length / count : 0 } : {}),
  };
}

/** Smallest and largest value the model sees of `set` (pixels as pixels/255). */
export function valueRange(set: ImageSet): [number, number] {
  const n = set.count * sampleSize(set);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = set.images[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return set.images instanceof Uint8Array ? [lo / 255, hi / 255] : [lo, hi];
}

/** Decode an IDX file (optionally gzip-compressed). Returns its dimensions and uint8 payload. */
export function parseIdx(bytes: Uint8Array, file: string): { dims: number[]; data: Uint8Array } {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new QatError(file, `corrupt gzip data (${(e as Error).message})`);
    }
  }
  if (buf.length < 4) throw new QatError(file, `not an IDX file: only ${buf.length} bytes`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint16(0) !== 0) throw new QatError(file, 'not an IDX file: magic number must start with two zero bytes');
  const type = buf[2];
  const rank = buf[3];
  if (type !== 0x08) throw new QatError(file, `IDX element type 0x${type.toString(16)} is not supported (only unsigned byte, 0x08)`);
  if (rank < 1 || rank > 4) throw new QatError(file, `IDX rank ${rank} is not supported (1 to 4)`);
  const header = 4 + 4 * rank;
  if (buf.length < header) throw new QatError(file, 'truncated IDX header');
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i));
  const n = dims.reduce((a, d) => a * d, 1);
  if (buf.length !== header + n) {
    throw new QatError(file, `IDX payload has ${buf.length - header} bytes but dimensions ${dims.join('x')} need ${n}`);
  }
  return { dims, data: buf.subarray(header) };
}

function readIdx(dir: string, name: string): { dims: number[]; data: Uint8Array } {
  const plain = join(dir, name);
  const gz = `${plain}.gz`;
  const file = existsSync(gz) ? gz : existsSync(plain) ? plain : undefined;
  if (!file) {
    throw new QatError(gz, `Fashion-MNIST file not found (looked for ${name}.gz and ${name} in ${dir}); ` +
      `install it with \`apt-get install ${FASHION_MNIST_APT_PACKAGE}\` or pass the directory holding the IDX files`);
  }
  return parseIdx(readFileSync(file), file);
}

export interface LoadOptions {
  /** Directory with the four IDX(.gz) files; default {@link FASHION_MNIST_DIR}. */
  dir?: string;
  /** Keep only the first `limit` images of the split (tests use small subsets). */
  limit?: number;
}

/**
 * Load one Fashion-MNIST split.
 * @throws QatError naming the missing directory or file, and the apt package that provides it
 */
export function loadFashionMnist(split: 'train' | 'test', opts: LoadOptions = {}): ImageSet {
  const dir = opts.dir ?? FASHION_MNIST_DIR;
  if (!existsSync(dir)) {
    throw new QatError(dir, `dataset directory does not exist; install the Fashion-MNIST IDX files with ` +
      `\`apt-get install ${FASHION_MNIST_APT_PACKAGE}\` (they land in ${FASHION_MNIST_DIR}) or pass another directory`);
  }
  const prefix = split === 'train' ? 'train' : 't10k';
  const img = readIdx(dir, `${prefix}-images-idx3-ubyte`);
  const lab = readIdx(dir, `${prefix}-labels-idx1-ubyte`);
  if (img.dims.length !== 3) throw new QatError(`${prefix}-images-idx3-ubyte`, `expected 3 dimensions, got ${img.dims.join('x')}`);
  if (lab.dims.length !== 1 || lab.dims[0] !== img.dims[0]) {
    throw new QatError(`${prefix}-labels-idx1-ubyte`, `has ${lab.dims.join('x')} labels for ${img.dims[0]} images`);
  }
  const bad = lab.data.findIndex((l) => l > 9);
  if (bad >= 0) throw new QatError(`${prefix}-labels-idx1-ubyte`, `label ${lab.data[bad]} at index ${bad} is not a class 0..9`);
  const [n, h, w] = img.dims;
  const count = opts.limit === undefined ? n : Math.min(n, opts.limit);
  return {
    images: img.data.slice(0, count * h * w),
    labels: lab.data.slice(0, count),
    count,
    height: h,
    width: w,
    channels: 1,
    classes: 10,
  };
}

/** Samples [from, to) of a set as a new set (no copy). */
export function subset(set: ImageSet, from: number, to: number): ImageSet {
  const px = sampleSize(set);
  const lo = Math.max(0, from);
  const hi = Math.max(lo, Math.min(set.count, to));
  const t = set.targetSize ?? 0;
  return {
    ...set, images: set.images.subarray(lo * px, hi * px), labels: set.labels.subarray(lo, hi), count: hi - lo,
    ...(set.targets ? { targets: set.targets.subarray(lo * t, hi * t) } : {}),
  };
}

/** One mini-batch: samples as float32 (pixels/255), integer labels and float targets if the set has them. */
export interface Batch {
  x: Float32Array;
  labels: Uint8Array;
  targets?: Float32Array;
  size: number;
}

/**
 * Iterate over mini-batches. With `shuffleSeed`, the order is a seeded permutation
 * (same seed → same batches); the last partial batch is kept unless `dropRemainder`.
 */
export function* batches(
  set: ImageSet,
  batchSize: number,
  opts: { shuffleSeed?: number; dropRemainder?: boolean } = {},
): Generator<Batch> {
  if (!(batchSize >= 1) || !Number.isInteger(batchSize)) throw new QatError('batchSize', `must be a positive integer, got ${batchSize}`);
  const px = sampleSize(set);
  const t = set.targetSize ?? 0;
  const order = opts.shuffleSeed === undefined ? null : permutation(set.count, mulberry32(opts.shuffleSeed));
  for (let start = 0; start < set.count; start += batchSize) {
    const size = Math.min(batchSize, set.count - start);
    if (size < batchSize && opts.dropRemainder) return;
    const x = new Float32Array(size * px);
    const labels = new Uint8Array(size);
    const targets = set.targets ? new Float32Array(size * t) : undefined;
    for (let b = 0; b < size; b++) {
      const idx = order ? order[start + b] : start + b;
      const src = set.images.subarray(idx * px, (idx + 1) * px);
      if (src instanceof Uint8Array) {
        for (let i = 0; i < px; i++) x[b * px + i] = src[i] / 255;
      } else {
        for (let i = 0; i < px; i++) {
          if (!Number.isFinite(src[i])) throw new QatError(`image ${idx}`, `pixel ${i} is ${src[i]}; input data must be finite`);
          x[b * px + i] = src[i];
        }
      }
      labels[b] = set.labels[idx];
      if (targets) targets.set(set.targets!.subarray(idx * t, (idx + 1) * t), b * t);
    }
    yield { x, labels, size, ...(targets ? { targets } : {}) };
  }
}

/** Number of batches {@link batches} yields. */
export function batchCount(count: number, batchSize: number, dropRemainder = false): number {
  return dropRemainder ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}
