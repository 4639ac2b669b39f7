// Fashion-MNIST IDX loading (Debian package dataset-fashion-mnist), seeded batching, errors.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { batches, FASHION_MNIST_DIR, loadFashionMnist, parseIdx, subset } from '../src/dataset.js';
import { QatError } from '../src/errors.js';

describe('Fashion-MNIST loader', () => {
  it('decodes the IDX files: shapes, first labels and pixels match a direct read of the bytes', () => {
    const train = loadFashionMnist('train', { limit: 100 });
    const test = loadFashionMnist('test', { limit: 100 });
    expect([train.count, train.height, train.width, train.channels]).toEqual([100, 28, 28, 1]);
    // Published first labels of Fashion-MNIST: train 9,0,0,3,0,2,7,2,5,5; test 9,2,1,1,6,1,4,6,5,7.
    expect(Array.from(train.labels.slice(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(Array.from(test.labels.slice(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    const raw = gunzipSync(readFileSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`));
    expect(raw.readUInt32BE(0)).toBe(0x803);
    expect(raw.readUInt32BE(4)).toBe(60000);
    expect(Array.from(train.images.slice(0, 784 * 2))).toEqual(Array.from(raw.subarray(16, 16 + 784 * 2)));
  });

  it('full splits hold 60,000 and 10,000 images', () => {
    expect(loadFashionMnist('train').count).toBe(60000);
    expect(loadFashionMnist('test').count).toBe(10000);
  });

  it('a missing directory is named, with the apt package that provides the files', () => {
    expect(() => loadFashionMnist('train', { dir: '/no/such/dir' })).toThrow(/\/no\/such\/dir.*apt-get install dataset-fashion-mnist/);
    expect(() => loadFashionMnist('train', { dir: '/tmp' })).toThrow(/train-images-idx3-ubyte.*dataset-fashion-mnist/);
  });

  it('rejects malformed IDX data with the file name', () => {
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4, 5]), 'bad.idx')).toThrow(QatError);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]), 'short.idx')).toThrow(/short.idx.*5/);
  });

  it('batches are pixels/255, seeded shuffles are reproducible permutations', () => {
    const set = loadFashionMnist('test', { limit: 50 });
    const plain = [...batches(set, 16)];
    expect(plain.map((b) => b.size)).toEqual([16, 16, 16, 2]);
    expect(plain[0].x[200]).toBeCloseTo(set.images[200] / 255, 7);
    const a = [...batches(set, 16, { shuffleSeed: 3, dropRemainder: true })].flatMap((b) => Array.from(b.labels));
    const b = [...batches(set, 16, { shuffleSeed: 3, dropRemainder: true })].flatMap((b) => Array.from(b.labels));
    const c = [...batches(set, 50, { shuffleSeed: 4 })][0];
    expect(a).toEqual(b);
    expect(a).toHaveLength(48);
    // A permutation: same multiset of labels as the unshuffled set.
    expect(Array.from(c.labels).sort()).toEqual(Array.from(set.labels).sort());
    expect(Array.from(c.labels)).not.toEqual(Array.from(set.labels));
    expect(subset(set, 10, 20).labels[0]).toBe(set.labels[10]);
  });

  it('float images with NaN are refused with the image index', () => {
    const images = new Float32Array(3 * 4).fill(0.5);
    images[5] = NaN;
    const set = { images, labels: new Uint8Array(3), count: 3, height: 2, width: 2, channels: 1, classes: 10 };
    expect(() => [...batches(set, 3)]).toThrow(/image 1: pixel 1 is NaN/);
  });
});
