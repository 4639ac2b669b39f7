/**
 * Gradient kernels the wasm backend lacks (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropFilter/Input) and a faster Conv2DBackpropInput, written
 * in terms of forward ops wasm runs well (XNNPACK convolutions, matmul, pad, transpose).
 *
 * - Filter gradients are convolutions of the input with the output gradient used as the
 *   filter, with dilation = stride (the "transposition trick"); 1x1 stride-1 convs use one
 *   matmul, on explicitly transposed operands (wasm's transposeA/transposeB matmul paths
 *   are an order of magnitude slower than a transpose plus a plain matmul). The depthwise filter gradient packs batch × channel into channels so one
 *   depthwise convolution computes every channel at once.
 * - Input gradients insert stride−1 zeros between output-gradient pixels, pad, and
 *   correlate with the spatially flipped filter.
 * Each is checked against the cpu backend in test/grad-kernels.test.ts.
 */

import * as tf from '@tensorflow/tfjs';
import { registerOpKernel } from './tensor-bridge.js';

export type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
const pair = (v: unknown): [number, number] => (typeof v === 'number' ? [v, v] : [(v as number[])[0], (v as number[])[1]]);

function checkDilation(kernel: string, d: unknown): void {
  if (d === undefined || d === null) return;
  const [a, b] = pair(d);
  if (a !== 1 || b !== 1) throw new Error(`${kernel}: dilation ${a}x${b} is not supported by edgeq's wasm gradient kernels (only 1)`);
}

/** Pad (positive) or crop (negative) H and W of an NHWC tensor. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  let y = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const t0 = Math.max(0, -top);
    const l0 = Math.max(0, -left);
    y = tf.slice(y, [0, t0, l0, 0], [n, h - t0 - Math.max(0, -bottom), w - l0 - Math.max(0, -right), c]);
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    y = tf.pad(y, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]);
  }
  return y;
}

/** Insert (s−1) zeros after every pixel along H and W. */
function dilateZeros(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, h, w, c] = dy.shape;
  const e = tf.reshape(dy, [n, h, 1, w, 1, c]);
  const p = tf.pad(e, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.reshape(p, [n, h * sh, w * sw, c]);
}

/**
 * Gradient of a stride-s correlation w.r.t. its input: zero-insert, pad so that every
 * input pixel sees the taps that touched it, then correlate with the flipped filter.
 */
function inputGradGeometry(dy: tf.Tensor4D, inH: number, inW: number, kh: number, kw: number, sh: number, sw: number, top: number, left: number): tf.Tensor4D {
  const d = dilateZeros(dy, sh, sw);
  const pt = kh - 1 - top;
  const pl = kw - 1 - left;
  const pb = inH + kh - 1 - pt - d.shape[1];
  const pr = inW + kw - 1 - pl - d.shape[2];
  return padOrCrop(d, pt, pb, pl, pr);
}

export function convInfo(xShape: number[], filterShape: number[], strides: unknown, pad: Pad, dimRoundingMode: unknown, depthwise: boolean) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    pair(strides), 1, pad, dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined, depthwise, 'channelsLast',
  );
}

/** dW of CONV_2D: [kh, kw, cin, cout]. */
export function conv2dBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], strides: unknown, pad: Pad, dimRoundingMode?: unknown): tf.Tensor4D {
  const info = convInfo(x.shape, filterShape, strides, pad, dimRoundingMode, false);
  const [kh, kw, cin, cout] = filterShape;
  const { top, bottom, left, right } = info.padInfo;
  if (kh === 1 && kw === 1 && info.strideHeight === 1 && info.strideWidth === 1 && top + bottom + left + right === 0) {
    // Explicit transpose + plain matMul: wasm's BatchMatMul with transposeA is ~12x slower.
    const g = tf.matMul(tf.transpose(tf.reshape(x, [-1, cin])), tf.reshape(dy, [-1, cout]));
    return tf.reshape(g, [1, 1, cin, cout]);
  }
  const xp = padOrCrop(x, top, bottom, left, right);
  const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [cin, Hp, Wp, N]
  const f = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, cout]
  const r = tf.conv2d(xt, f, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]); // [cin, ≥kh, ≥kw, cout]
  const c = tf.slice(r, [0, 0, 0, 0], [cin, kh, kw, cout]);
  return tf.transpose(c, [1, 2, 0, 3]);
}

/** dX of CONV_2D. */
export function conv2dBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: number[], strides: unknown, pad: Pad, dimRoundingMode?: unknown): tf.Tensor4D {
  const info = convInfo(inputShape, filter.shape, strides, pad, dimRoundingMode, false);
  const [kh, kw, cin, cout] = filter.shape;
  const { top, left, bottom, right } = info.padInfo;
  if (kh === 1 && kw === 1 && info.strideHeight === 1 && info.strideWidth === 1 && top + bottom + left + right === 0) {
    // As above: transposing the (small) filter beats wasm's transposeB path.
    const g = tf.matMul(tf.reshape(dy, [-1, cout]), tf.transpose(tf.reshape(filter, [cin, cout])));
    return tf.reshape(g, inputShape as [number, number, number, number]);
  }
  const d = inputGradGeometry(dy, inputShape[1], inputShape[2], kh, kw, info.strideHeight, info.strideWidth, top, left);
  const f = tf.transpose(tf.reverse(filter, [0, 1]) as tf.Tensor4D, [0, 1, 3, 2]); // [kh, kw, cout, cin]
  return tf.conv2d(d, f, 1, 'valid');
}

/** dW of DEPTHWISE_CONV_2D: [kh, kw, c, mult]. */
export function depthwiseBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], strides: unknown, pad: Pad, dimRoundingMode?: unknown): tf.Tensor4D {
  const info = convInfo(x.shape, filterShape, strides, pad, dimRoundingMode, true);
  const [kh, kw, c, mult] = filterShape;
  const [n, h, w] = x.shape;
  const k = c * mult;
  let xr: tf.Tensor4D = x;
  if (mult > 1) xr = tf.reshape(tf.tile(tf.reshape(x, [n, h, w, c, 1]), [1, 1, 1, 1, mult]), [n, h, w, k]);
  const { top, bottom, left, right } = info.padInfo;
  const xp = padOrCrop(xr, top, bottom, left, right);
  const [, hp, wp] = xp.shape;
  const a = tf.reshape(tf.transpose(xp, [1, 2, 0, 3]), [1, hp, wp, n * k]) as tf.Tensor4D;
  const [, ho, wo] = dy.shape;
  const f = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [ho, wo, n * k, 1]) as tf.Tensor4D;
  const r = tf.depthwiseConv2d(a, f, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth]);
  const cropped = tf.slice(r, [0, 0, 0, 0], [1, kh, kw, n * k]);
  return tf.reshape(tf.sum(tf.reshape(cropped, [kh, kw, n, k]), 2), [kh, kw, c, mult]);
}

/** dX of DEPTHWISE_CONV_2D. */
export function depthwiseBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: number[], strides: unknown, pad: Pad, dimRoundingMode?: unknown): tf.Tensor4D {
  const info = convInfo(inputShape, filter.shape, strides, pad, dimRoundingMode, true);
  const [kh, kw, c, mult] = filter.shape;
  const d = inputGradGeometry(dy, inputShape[1], inputShape[2], kh, kw, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
  const f = tf.reshape(tf.reverse(filter, [0, 1]) as tf.Tensor4D, [kh, kw, c * mult, 1]) as tf.Tensor4D;
  const g = tf.depthwiseConv2d(d, f, 1, 'valid') as tf.Tensor4D;
  if (mult === 1) return g;
  const [n, h, w] = g.shape;
  return tf.sum(tf.reshape(g, [n, h, w, c, mult]), 4);
}

/** DepthwiseConv2dNativeBackpropFilter in tf ops, on a kernel's named inputs and attributes. */
export function depthwiseBackpropFilterKernel(i: Record<string, tf.Tensor>, a: Record<string, unknown>): tf.Tensor {
  checkDilation('DepthwiseConv2dNativeBackpropFilter', a.dilations);
  return depthwiseBackpropFilter(i.x as tf.Tensor4D, i.dy as tf.Tensor4D, a.filterShape as number[], a.strides, a.pad as Pad, a.dimRoundingMode);
}

/** The kernels this module registers, by tfjs kernel name. */
export const GRADIENT_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;

/** Register (or replace) the gradient kernels on `backendName` (normally 'wasm'). */
export function registerGradientKernels(backendName = 'wasm'): void {
  registerOpKernel('Conv2DBackpropFilter', backendName, (i, a) =>
    conv2dBackpropFilter(i.x as tf.Tensor4D, i.dy as tf.Tensor4D, a.filterShape as number[], a.strides, a.pad as Pad, a.dimRoundingMode));
  registerOpKernel('Conv2DBackpropInput', backendName, (i, a) =>
    conv2dBackpropInput(i.dy as tf.Tensor4D, i.filter as tf.Tensor4D, a.inputShape as number[], a.strides, a.pad as Pad, a.dimRoundingMode));
  registerOpKernel('DepthwiseConv2dNativeBackpropFilter', backendName, depthwiseBackpropFilterKernel);
  registerOpKernel('DepthwiseConv2dNativeBackpropInput', backendName, (i, a) => {
    checkDilation('DepthwiseConv2dNativeBackpropInput', a.dilations);
    return depthwiseBackpropInput(i.dy as tf.Tensor4D, i.filter as tf.Tensor4D, a.inputShape as number[], a.strides, a.pad as Pad, a.dimRoundingMode);
  });
}
