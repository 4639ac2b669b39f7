// The wasm gradient kernels edgeq registers (Conv2DBackpropFilter/Input,
// DepthwiseConv2dNativeBackpropFilter/Input) against the cpu backend's own kernels, and
// the SIMD convolutions (pointwise Conv2D, DepthwiseConv2dNative) bit for bit against the
// wasm backend's own kernels they replace.
import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.js';
import { conv2dBackpropFilter, conv2dBackpropInput, depthwiseBackpropInput } from '../src/grad-kernels.js';
import { backendKernel, simdKernelsLoaded } from '../src/simd-kernels.js';
import { mulberry32 } from '../src/random.js';
import { relErr } from './support/rel-err.js';

interface Case {
  name: string;
  depthwise: boolean;
  x: [number, number, number, number];
  k: number;
  cin: number;
  cout: number; // depthwise: multiplier
  stride: number;
  pad: 'same' | 'valid';
}

const cases: Case[] = [
  { name: 'conv 3x3 s1 same', depthwise: false, x: [3, 8, 8, 4], k: 3, cin: 4, cout: 5, stride: 1, pad: 'same' },
  { name: 'conv 3x3 s2 same even', depthwise: false, x: [2, 8, 8, 3], k: 3, cin: 3, cout: 4, stride: 2, pad: 'same' },
  { name: 'conv 3x3 s2 same odd', depthwise: false, x: [2, 7, 9, 2], k: 3, cin: 2, cout: 3, stride: 2, pad: 'same' },
  { name: 'conv 1x1 s1', depthwise: false, x: [4, 5, 5, 6], k: 1, cin: 6, cout: 7, stride: 1, pad: 'valid' },
  { name: 'conv 5x5 s2 valid', depthwise: false, x: [2, 11, 11, 2], k: 5, cin: 2, cout: 3, stride: 2, pad: 'valid' },
  { name: 'conv 3x3 s2 same, 1 input channel, 16 outputs (a first layer)', depthwise: false, x: [3, 10, 10, 1], k: 3, cin: 1, cout: 16, stride: 2, pad: 'same' },
  { name: 'conv 1x1 s1, 10 outputs (SIMD and scalar tail), 7 pixels (rows tail)', depthwise: false, x: [1, 7, 1, 5], k: 1, cin: 5, cout: 10, stride: 1, pad: 'valid' },
  { name: 'conv 1x1 s1, 13 inputs (8-, 4- and 1-column input-gradient paths), 30 pixels (rows tail), 20 outputs', depthwise: false, x: [2, 5, 3, 13], k: 1, cin: 13, cout: 20, stride: 1, pad: 'same' },
  { name: 'conv 3x3 s1 same, 37-pixel rows (a full 32-pixel chunk and a tail), 4x8 and 4x4 tiles', depthwise: false, x: [1, 4, 37, 8], k: 3, cin: 8, cout: 12, stride: 1, pad: 'same' },
  { name: 'dw 3x3 s1 same', depthwise: true, x: [3, 8, 8, 5], k: 3, cin: 5, cout: 1, stride: 1, pad: 'same' },
  { name: 'dw 3x3 s2 same even', depthwise: true, x: [2, 8, 8, 4], k: 3, cin: 4, cout: 1, stride: 2, pad: 'same' },
  { name: 'dw 3x3 s2 same odd', depthwise: true, x: [2, 7, 7, 3], k: 3, cin: 3, cout: 1, stride: 2, pad: 'same' },
  { name: 'dw 3x3 s2 same, 6 channels (SIMD tail)', depthwise: true, x: [2, 9, 9, 6], k: 3, cin: 6, cout: 1, stride: 2, pad: 'same' },
  { name: 'dw 5x5 s2 valid', depthwise: true, x: [3, 11, 10, 8], k: 5, cin: 8, cout: 1, stride: 2, pad: 'valid' },
  { name: 'dw 3x3 s1 valid mult 2', depthwise: true, x: [2, 6, 6, 3], k: 3, cin: 3, cout: 2, stride: 1, pad: 'valid' },
  { name: 'dw 3x3 s2 same, 7 channels (SIMD + scalar tail), odd size', depthwise: true, x: [2, 9, 7, 7], k: 3, cin: 7, cout: 1, stride: 2, pad: 'same' },
  { name: 'dw 3x3 s2 same, 23 channels (16-, 4- and 1-channel paths)', depthwise: true, x: [2, 9, 8, 23], k: 3, cin: 23, cout: 1, stride: 2, pad: 'same' },
  { name: 'dw 5x5 s1 valid, 32 channels', depthwise: true, x: [1, 8, 7, 32], k: 5, cin: 32, cout: 1, stride: 1, pad: 'valid' },
];

function randomArray(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** Gradients of sum(conv(x, w) · r) w.r.t. x and w on the current backend. */
function grads(c: Case, xv: Float32Array, wv: Float32Array, rv: Float32Array): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, c.x);
    const w = tf.tensor4d(wv, [c.k, c.k, c.cin, c.cout]);
    const f = (xx: tf.Tensor, ww: tf.Tensor) => {
      const y = c.depthwise
        ? tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad)
        : tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad);
      return tf.sum(tf.mul(y, tf.tensor(rv, y.shape)));
    };
    const [dx, dw] = tf.grads(f)([x, w]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

/** Run the wasm backend's own kernel `name` (which a SIMD kernel replaced) and read its output. */
function runBackendKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): Float32Array {
  const own = backendKernel(name);
  if (!own) throw new Error(`no backend kernel kept for ${name}`);
  const backend = tf.backend();
  const out = own({ inputs, attrs: attrs as tf.NamedAttrMap, backend }) as tf.TensorInfo;
  const values = backend.readSync(out.dataId) as Float32Array;
  backend.disposeData(out.dataId);
  return values;
}

/** Padding before the first row and column of a case's convolution (tfjs's rule for 'same'). */
function padTopLeft(c: Case): { top: number; left: number } {
  const info = tf.backend_util.computeConv2DInfo(c.x, [c.k, c.k, c.cin, c.cout], [c.stride, c.stride], 1, c.pad, undefined, c.depthwise, 'channelsLast');
  return { top: info.padInfo.top, left: info.padInfo.left };
}

function outSize(c: Case): number[] {
  const o = (n: number) => (c.pad === 'same' ? Math.ceil(n / c.stride) : Math.floor((n - c.k) / c.stride) + 1);
  return [c.x[0], o(c.x[1]), o(c.x[2]), c.depthwise ? c.cin * c.cout : c.cout];
}

describe('wasm gradient kernels match the cpu backend', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      const xv = randomArray(c.x.reduce((a, d) => a * d, 1), 10 + i);
      const wv = randomArray(c.k * c.k * c.cin * c.cout, 100 + i);
      const rv = randomArray(outSize(c).reduce((a, d) => a * d, 1), 1000 + i);
      await tf.setBackend('cpu');
      const ref = grads(c, xv, wv, rv);
      await tf.setBackend('wasm');
      const got = grads(c, xv, wv, rv);
      expect(relErr(got.dw, ref.dw)).toBeLessThanOrEqual(1e-4);
      expect(relErr(got.dx, ref.dx)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('the tf-op compositions the SIMD kernels replace (the path without the module) match too: conv filter and input, depthwise input gradients', async () => {
    for (const [i, c] of cases.entries()) {
      const xv = randomArray(c.x.reduce((a, d) => a * d, 1), 10 + i);
      const wv = randomArray(c.k * c.k * c.cin * c.cout, 100 + i);
      const rv = randomArray(outSize(c).reduce((a, d) => a * d, 1), 1000 + i);
      await tf.setBackend('cpu');
      const ref = grads(c, xv, wv, rv); // the cpu backend's gradients of x and w, from r
      await tf.setBackend('wasm');
      const r = () => tf.tensor4d(rv, outSize(c) as [number, number, number, number]);
      const got = c.depthwise
        ? tf.tidy(() => depthwiseBackpropInput(r(), tf.tensor4d(wv, [c.k, c.k, c.cin, c.cout]), c.x, c.stride, c.pad).dataSync())
        : tf.tidy(() => conv2dBackpropFilter(tf.tensor4d(xv, c.x), r(), [c.k, c.k, c.cin, c.cout], c.stride, c.pad).dataSync());
      expect(relErr(got as Float32Array, c.depthwise ? ref.dx : ref.dw), c.name).toBeLessThanOrEqual(1e-4);
      if (c.depthwise) continue;
      const dx = tf.tidy(() => conv2dBackpropInput(r(), tf.tensor4d(wv, [c.k, c.k, c.cin, c.cout]), c.x, c.stride, c.pad).dataSync());
      expect(relErr(dx as Float32Array, ref.dx), c.name).toBeLessThanOrEqual(1e-4);
    }
  });

  it('the SIMD filter gradients add their products in the documented order: the bits of a plain float32 loop', async () => {
    // conv: every filter element sums its pixels one at a time in (n, oy, ox) order from zero;
    // depthwise: per image, each tap's sum over (oy, ox) from zero, then added into dw.
    await tf.setBackend('wasm');
    for (const [i, c] of cases.entries()) {
      if (c.depthwise && c.cout !== 1) continue; // multiplier > 1 takes the composed path
      const [n, h, w, cin] = c.x;
      const xv = randomArray(n * h * w * cin, 20 + i);
      const [, oh, ow, cout] = outSize(c);
      const gv = randomArray(n * oh * ow * cout, 2000 + i);
      const { top, left } = padTopLeft(c);
      const taps = c.k * c.k * c.cin * (c.depthwise ? 1 : cout);
      const ref = new Float32Array(taps);
      const f = Math.fround;
      for (let b = 0; b < n; b++) {
        const part = c.depthwise ? new Float32Array(taps) : ref;
        for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ky = 0; ky < c.k; ky++) for (let kx = 0; kx < c.k; kx++) {
          const iy = oy * c.stride - top + ky;
          const ix = ox * c.stride - left + kx;
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
          const xo = ((b * h + iy) * w + ix) * cin;
          const go = ((b * oh + oy) * ow + ox) * cout;
          const t = (ky * c.k + kx) * cin;
          if (c.depthwise) for (let k = 0; k < cin; k++) part[t + k] = f(part[t + k] + f(xv[xo + k] * gv[go + k]));
          else for (let a = 0; a < cin; a++) for (let o = 0; o < cout; o++) ref[(t + a) * cout + o] = f(ref[(t + a) * cout + o] + f(xv[xo + a] * gv[go + o]));
        }
        if (c.depthwise) for (let t = 0; t < taps; t++) ref[t] = f(ref[t] + part[t]);
      }
      const kernel = c.depthwise ? 'DepthwiseConv2dNativeBackpropFilter' : 'Conv2DBackpropFilter';
      const got = tf.tidy(() => (tf.engine().runKernel(kernel, { x: tf.tensor4d(xv, c.x), dy: tf.tensor4d(gv, [n, oh, ow, cout]) },
        { strides: [c.stride, c.stride], pad: c.pad, filterShape: [c.k, c.k, c.cin, c.cout], dilations: [1, 1] }) as tf.Tensor).dataSync());
      expect(Array.from(got), c.name).toEqual(Array.from(ref));
    }
  });

  it('the SIMD depthwise input gradient sums each input pixel\'s products in ascending output-pixel order: the bits of a scatter loop', async () => {
    await tf.setBackend('wasm');
    for (const [i, c] of cases.entries()) {
      if (!c.depthwise || c.cout !== 1) continue;
      const [n, h, w, ch] = c.x;
      const [, oh, ow] = outSize(c);
      const gv = randomArray(n * oh * ow * ch, 3000 + i);
      const wv = randomArray(c.k * c.k * ch, 4000 + i);
      const { top, left } = padTopLeft(c);
      const ref = new Float32Array(n * h * w * ch);
      for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ky = 0; ky < c.k; ky++) for (let kx = 0; kx < c.k; kx++) {
        const iy = oy * c.stride - top + ky;
        const ix = ox * c.stride - left + kx;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
        for (let k = 0; k < ch; k++) {
          const o = ((b * h + iy) * w + ix) * ch + k;
          ref[o] = Math.fround(ref[o] + Math.fround(gv[((b * oh + oy) * ow + ox) * ch + k] * wv[(ky * c.k + kx) * ch + k]));
        }
      }
      const got = tf.tidy(() => (tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: tf.tensor4d(gv, [n, oh, ow, ch]), filter: tf.tensor4d(wv, [c.k, c.k, ch, 1]) },
        { strides: [c.stride, c.stride], pad: c.pad, inputShape: c.x, dilations: [1, 1] }) as tf.Tensor).dataSync());
      expect(Array.from(got), c.name).toEqual(Array.from(ref));
    }
  });

  it('the SIMD pointwise convolution and its input gradient sum each element from zero in channel order: the bits of a float32 loop and of the backend\'s matmul', async () => {
    await tf.setBackend('wasm');
    let checked = 0;
    for (const [i, c] of cases.entries()) {
      if (c.depthwise || c.k !== 1 || c.stride !== 1) continue;
      const [n, h, w, cin] = c.x;
      const m = n * h * w;
      const gv = randomArray(m * c.cout, 5000 + i);
      const wv = randomArray(cin * c.cout, 6000 + i);
      const ref = new Float32Array(m * cin);
      for (let p = 0; p < m; p++) for (let a = 0; a < cin; a++) {
        let s = 0;
        for (let o = 0; o < c.cout; o++) s = Math.fround(s + Math.fround(gv[p * c.cout + o] * wv[a * c.cout + o]));
        ref[p * cin + a] = s;
      }
      const got = tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(gv, [n, h, w, c.cout]), filter: tf.tensor4d(wv, [1, 1, cin, c.cout]) },
        { strides: [1, 1], pad: c.pad, inputShape: c.x, dilations: [1, 1], dataFormat: 'NHWC' }) as tf.Tensor).dataSync());
      const matmul = tf.tidy(() => tf.matMul(tf.tensor2d(gv, [m, c.cout]), tf.transpose(tf.tensor2d(wv, [cin, c.cout]))).dataSync());
      expect(Array.from(got), c.name).toEqual(Array.from(ref));
      expect(Array.from(matmul), `${c.name}: the backend's matmul`).toEqual(Array.from(ref));
      // The forward pass likewise: y[p, o] summed from zero over ascending input channels.
      const xv = randomArray(m * cin, 7000 + i);
      const yRef = new Float32Array(m * c.cout);
      for (let p = 0; p < m; p++) for (let o = 0; o < c.cout; o++) {
        let s = 0;
        for (let a = 0; a < cin; a++) s = Math.fround(s + Math.fround(xv[p * cin + a] * wv[a * c.cout + o]));
        yRef[p * c.cout + o] = s;
      }
      const y = tf.tidy(() => tf.conv2d(tf.tensor4d(xv, c.x), tf.tensor4d(wv, [1, 1, cin, c.cout]), 1, c.pad).dataSync());
      const yOwn = tf.tidy(() => runBackendKernel('Conv2D', { x: tf.tensor4d(xv, c.x), filter: tf.tensor4d(wv, [1, 1, cin, c.cout]) },
        { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] }));
      expect(Array.from(y), `${c.name}: forward`).toEqual(Array.from(yRef));
      expect(Array.from(yOwn), `${c.name}: forward, the backend's own Conv2D`).toEqual(Array.from(yRef));
      checked++;
    }
    expect(checked).toBe(3);
  });

  it('the SIMD depthwise convolution sums each output\'s taps from zero, kx outer and ky inner: the bits of a float32 loop and of the backend\'s own kernel', async () => {
    await tf.setBackend('wasm');
    let checked = 0;
    for (const [i, c] of cases.entries()) {
      if (!c.depthwise || c.cout !== 1) continue;
      const [n, h, w, ch] = c.x;
      const [, oh, ow] = outSize(c);
      const xv = randomArray(n * h * w * ch, 8000 + i);
      const wv = randomArray(c.k * c.k * ch, 9000 + i);
      const { top, left } = padTopLeft(c);
      const ref = new Float32Array(n * oh * ow * ch);
      for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let k = 0; k < ch; k++) {
        let s = 0;
        for (let kx = 0; kx < c.k; kx++) for (let ky = 0; ky < c.k; ky++) {
          const iy = oy * c.stride - top + ky;
          const ix = ox * c.stride - left + kx;
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
          s = Math.fround(s + Math.fround(xv[((b * h + iy) * w + ix) * ch + k] * wv[(ky * c.k + kx) * ch + k]));
        }
        ref[((b * oh + oy) * ow + ox) * ch + k] = s;
      }
      const attrs = { strides: [c.stride, c.stride], pad: c.pad, dilations: [1, 1], dataFormat: 'NHWC' };
      const got = tf.tidy(() => (tf.engine().runKernel('DepthwiseConv2dNative', { x: tf.tensor4d(xv, c.x), filter: tf.tensor4d(wv, [c.k, c.k, ch, 1]) }, attrs) as tf.Tensor).dataSync());
      const own = tf.tidy(() => runBackendKernel('DepthwiseConv2dNative', { x: tf.tensor4d(xv, c.x), filter: tf.tensor4d(wv, [c.k, c.k, ch, 1]) }, attrs));
      expect(Array.from(got), c.name).toEqual(Array.from(ref));
      expect(Array.from(own), `${c.name}: the backend's own kernel`).toEqual(Array.from(ref));
      checked++;
    }
    expect(checked).toBe(8);
  });

  it('uses edgeq kernels on wasm and leaves no tensors behind', async () => {
    expect(simdKernelsLoaded()).toBe(true);
    await tf.setBackend('wasm');
    for (const k of ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']) {
      expect(tf.getKernel(k, 'wasm')).toBeDefined();
    }
    const before = tf.memory().numTensors;
    const c = cases[1];
    grads(c, randomArray(2 * 8 * 8 * 3, 1), randomArray(3 * 3 * 3 * 4, 2), randomArray(2 * 4 * 4 * 4, 3));
    expect(tf.memory().numTensors).toBe(before);
  });
});
