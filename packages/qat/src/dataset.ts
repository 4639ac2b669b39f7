/**
 * Datasets: the Fashion-MNIST IDX files shipped by the Debian package
 * `dataset-fashion-mnist`, decoded into uint8 images and labels, with seeded shuffling
 * and batching. This is where training, calibration and int8 evaluation get their data.
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
 * An image classification split: `count` images of h·w·c values (NHWC) and their labels.
 * Uint8Array images are pixels (fed as pixels/255); Float32Array images are fed as is.
 */
export interface ImageSet {
  images: Uint8Array | Float32Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  classes: number;
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

/** Images [from, to) of a set as a new set (no copy). */
export function subset(set: ImageSet, from: number, to: number): ImageSet {
  const px = set.height * set.width * set.channels;
  const lo = Math.max(0, from);
  const hi = Math.min(set.count, to);
  return { ...set, images: set.images.subarray(lo * px, hi * px), labels: set.labels.subarray(lo, hi), count: Math.max(0, hi - lo) };
}

/** One mini-batch: pixels/255 as float32 NHWC and integer labels. */
export interface Batch {
  x: Float32Array;
  labels: Uint8Array;
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
  const px = set.height * set.width * set.channels;
  const order = opts.shuffleSeed === undefined ? null : permutation(set.count, mulberry32(opts.shuffleSeed));
  for (let start = 0; start < set.count; start += batchSize) {
    const size = Math.min(batchSize, set.count - start);
    if (size < batchSize && opts.dropRemainder) return;
    const x = new Float32Array(size * px);
    const labels = new Uint8Array(size);
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
    }
    yield { x, labels, size };
  }
}

/** Number of batches {@link batches} yields. */
export function batchCount(count: number, batchSize: number, dropRemainder = false): number {
  return dropRemainder ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}
