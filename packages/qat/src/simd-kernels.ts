/**
 * WebAssembly SIMD training kernels on the tfjs wasm backend: loads
 * wasm/build/edgeq_train_kernels.wasm (built from wasm/edgeq_train_kernels.c by
 * wasm/build.sh, which scripts/bootstrap.sh runs) into the backend's own memory and
 * registers, on 'wasm', the fused batch-norm forward/backward, the ReLU/ReLU6 clamp, global
 * average pooling and its gradient, the clamp and fake-quant gradient masks, the per-tensor fake-quant forward, the convolution filter gradient, the
 * pointwise convolution and its input gradient, and the depth-multiplier-1 depthwise
 * convolution and its filter and input gradients. The convolutions add in the backend's own
 * order, so they give its bits. Cases the SIMD code does not cover (per-channel fake-quant,
 * depth multipliers > 1, dilation, non-pointwise convolutions) fall through to the backend's,
 * the JS or the tf-op kernels.
 *
 * Without the built module training still works (slower) and initBackend reports why.
 */

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { BN_FWD, BN_GRAD, CLAMP, CLAMP_GRAD, GAP, GAP_GRAD, bnGradCoefficients, bnScale, replicaGradSums, replicaMoments, type BnFwdAttrs, type BnGradAttrs, type GapAttrs } from './fused-ops.js';
import { FQ, FQ_GRAD, fqGradLoop, fqLoop, type FqAttrs } from './fake-quant.js';
import { conv2dBackpropFilter, conv2dBackpropInput, convInfo, depthwiseBackpropFilterKernel, depthwiseBackpropInput, type Pad } from './grad-kernels.js';
import { composedKernel } from './tensor-bridge.js';

/** Where the built module is expected. */
export const TRAIN_KERNELS_WASM = fileURLToPath(new URL('../wasm/build/edgeq_train_kernels.wasm', import.meta.url));

type Ptr = number;

/** The slice of the WebAssembly JS API used here (the repo's TS libs do not declare it). */
interface WasmMemory { readonly buffer: ArrayBuffer }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
interface Exports {
  bn_stats(x: Ptr, m: number, c: number, part: Ptr, sum64: Ptr, sq64: Ptr, mean: Ptr, variance: Ptr): void;
  bn_act_forward(x: Ptr, y: Ptr, m: number, c: number, mean: Ptr, scale: Ptr, beta: Ptr, lo: number, hi: number): void;
  bn_act_backward_sums(x: Ptr, y: Ptr, dy: Ptr, m: number, c: number, mean: Ptr, lo: number, hi: number, partG: Ptr, partGX: Ptr, sumG: Ptr, sumGX: Ptr): void;
  bn_act_backward_dx(x: Ptr, y: Ptr, dy: Ptr, dx: Ptr, m: number, c: number, mean: Ptr, lo: number, hi: number, k1: Ptr, k2: Ptr, k3: Ptr): void;
  clamp_forward(x: Ptr, y: Ptr, n: number, lo: number, hi: number): void;
  clamp_grad(y: Ptr, dy: Ptr, dx: Ptr, n: number, lo: number, hi: number): void;
  fq_grad(x: Ptr, dy: Ptr, dx: Ptr, n: number, lo: number, hi: number): void;
  fq_forward(x: Ptr, y: Ptr, n: number, s: number, qlo: number, qhi: number, minmax: Ptr): void;
  conv_filter_grad(x: Ptr, dy: Ptr, dw: Ptr, n: number, h: number, w: number, cin: number, oh: number, ow: number, cout: number,
    kh: number, kw: number, sh: number, sw: number, top: number, left: number): void;
  dw_input_grad(dy: Ptr, w: Ptr, dx: Ptr, n: number, h: number, wd: number, c: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, top: number, left: number): void;
  dw_filter_grad(x: Ptr, dy: Ptr, dw: Ptr, part: Ptr, n: number, h: number, w: number, c: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, top: number, left: number): void;
  pointwise_input_grad(dy: Ptr, w: Ptr, dx: Ptr, wt: Ptr, m: number, cin: number, cout: number): void;
  pointwise_conv(x: Ptr, w: Ptr, y: Ptr, m: number, cin: number, cout: number): void;
  gap_forward(x: Ptr, y: Ptr, n: number, pixels: number, c: number): void;
  gap_backward(dy: Ptr, dx: Ptr, n: number, pixels: number, c: number): void;
  dw_conv(x: Ptr, w: Ptr, y: Ptr, n: number, h: number, wd: number, c: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, top: number, left: number): void;
}

/** The parts of the tfjs wasm backend these kernels use. */
interface WasmBackend {
  wasm: { asm: { memory: WasmMemory }; _malloc(n: number): Ptr; _free(p: Ptr): void };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

let kernels: Exports | undefined;

/**
 * Scratch memory in the backend's heap: one allocation holding the requested arrays
 * (float64 ones 8-byte aligned). Views are taken after every allocation of the kernel
 * call (heap growth detaches them).
 */
class Scratch {
  private readonly base: Ptr;
  /** Byte pointer of each requested array, in request order. */
  readonly ptrs: Ptr[];
  /** @param arrays element count and element size (4: float32, 8: float64) of each array */
  constructor(private readonly b: WasmBackend, arrays: [count: number, bytes: 4 | 8][]) {
    const offsets: number[] = [];
    let end = 0;
    for (const [n, bytes] of arrays) {
      end = Math.ceil(end / bytes) * bytes;
      offsets.push(end);
      end += n * bytes;
    }
    this.base = b.wasm._malloc(end + 8);
    const align = (8 - (this.base % 8)) % 8;
    this.ptrs = offsets.map((o) => this.base + align + o);
  }
  f32(p: Ptr, n: number): Float32Array {
    return new Float32Array(this.b.wasm.asm.memory.buffer, p, n);
  }
  f64(p: Ptr, n: number): Float64Array {
    return new Float64Array(this.b.wasm.asm.memory.buffer, p, n);
  }
  free(): void {
    this.b.wasm._free(this.base);
  }
}

const ptr = (b: WasmBackend, t: tf.TensorInfo): Ptr => b.dataIdMap.get(t.dataId).memoryOffset;
const count = (shape: number[]) => tf.util.sizeFromShape(shape);
/** A float32 view of a tensor's data in the backend heap (take it after the last allocation). */
const view = (b: WasmBackend, t: tf.TensorInfo) => new Float32Array(b.wasm.asm.memory.buffer, ptr(b, t), count(t.shape));

/** Smallest float32 ≥ v (so that `x ≥ result` ⇔ `x ≥ v` for every float32 x). */
function f32AtLeast(v: number): number {
  const f = Math.fround(v);
  if (f >= v || !Number.isFinite(f)) return f;
  return nextFloat32(f, 1);
}
/** Largest float32 ≤ v. */
function f32AtMost(v: number): number {
  const f = Math.fround(v);
  if (f <= v || !Number.isFinite(f)) return f;
  return nextFloat32(f, -1);
}
function nextFloat32(f: number, dir: 1 | -1): number {
  const buf = new Float32Array([f]);
  const bits = new Int32Array(buf.buffer);
  if (f === 0) return dir * 1.401298464324817e-45;
  bits[0] += (f > 0) === (dir > 0) ? 1 : -1;
  return buf[0];
}

function bnForward({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as WasmBackend;
  const { x, gamma, beta, eps } = inputs as Record<string, tf.TensorInfo>;
  const a = attrs as unknown as BnFwdAttrs;
  const c = gamma.shape[0];
  const m = count(x.shape) / c;
  const out = b.makeOutput(x.shape, 'float32');
  const s = new Scratch(b, [[2 * c, 4], [c, 4], [c, 4], [c, 4], [c, 8], [c, 8]]);
  try {
    const [part, mean, variance, scale, sum64, sq64] = s.ptrs;
    s.f64(sum64, c).fill(0);
    s.f64(sq64, c).fill(0);
    kernels!.bn_stats(ptr(b, x), m, c, part, sum64, sq64, mean, variance);
    a.stats.mean.set(s.f32(mean, c));
    a.stats.variance.set(s.f32(variance, c));
    // In a data-parallel worker: the whole batch's statistics (sq64 is about the local float32 mean).
    if (replicaMoments(m, s.f64(sum64, c), s.f64(sq64, c), s.f32(mean, c), a)) s.f32(mean, c).set(a.stats.mean);
    s.f32(scale, c).set(bnScale(a.stats.variance, view(b, eps), view(b, gamma), a));
    kernels!.bn_act_forward(ptr(b, x), ptr(b, out), m, c, mean, scale, ptr(b, beta), a.lo, a.hi);
  } finally {
    s.free();
  }
  return out;
}

function bnGrad({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as WasmBackend;
  const { x, y, dy, gamma } = inputs as Record<string, tf.TensorInfo>;
  const a = attrs as unknown as BnGradAttrs;
  const c = gamma.shape[0];
  const m = count(x.shape) / c;
  const out = b.makeOutput(x.shape, 'float32');
  const s = new Scratch(b, [[c, 4], [c, 4], [c, 4], [c, 4], [c, 4], [c, 4], [c, 8], [c, 8]]);
  try {
    const [mean, partG, partGX, k1, k2, k3, sumG, sumGX] = s.ptrs;
    s.f32(mean, c).set(a.mean);
    s.f64(sumG, c).fill(0);
    s.f64(sumGX, c).fill(0);
    kernels!.bn_act_backward_sums(ptr(b, x), ptr(b, y), ptr(b, dy), m, c, mean, a.lo, a.hi, partG, partGX, sumG, sumGX);
    a.sumG.set(s.f64(sumG, c));
    a.sumGX.set(s.f64(sumGX, c));
    replicaGradSums(a);
    const k = bnGradCoefficients(view(b, gamma), a.count, a);
    s.f32(k1, c).set(k.k1);
    s.f32(k2, c).set(k.k2);
    s.f32(k3, c).set(k.k3);
    kernels!.bn_act_backward_dx(ptr(b, x), ptr(b, y), ptr(b, dy), ptr(b, out), m, c, mean, a.lo, a.hi, k1, k2, k3);
  } finally {
    s.free();
  }
  return out;
}

function clampForward({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const { lo, hi } = attrs as unknown as { lo: number; hi: number };
  const out = b.makeOutput(x.shape, 'float32');
  kernels!.clamp_forward(ptr(b, x), ptr(b, out), count(x.shape), lo, hi);
  return out;
}

function clampGrad({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as WasmBackend;
  const { y, dy } = inputs as Record<string, tf.TensorInfo>;
  const { lo, hi } = attrs as unknown as { lo: number; hi: number };
  const out = b.makeOutput(y.shape, 'float32');
  kernels!.clamp_grad(ptr(b, y), ptr(b, dy), ptr(b, out), count(y.shape), lo, hi);
  return out;
}

function gapForward({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const [n, h, w, c] = (attrs as unknown as GapAttrs).inputShape;
  const out = b.makeOutput([n, c], 'float32');
  kernels!.gap_forward(ptr(b, x), ptr(b, out), n, h * w, c);
  return out;
}

function gapGrad({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as WasmBackend;
  const dy = inputs.dy as tf.TensorInfo;
  const shape = (attrs as unknown as GapAttrs).inputShape;
  const [n, h, w, c] = shape;
  const out = b.makeOutput(shape, 'float32');
  kernels!.gap_backward(ptr(b, dy), ptr(b, out), n, h * w, c);
  return out;
}

function fakeQuantForward({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as WasmBackend;
  const x = inputs.x as tf.TensorInfo;
  const a = attrs as unknown as FqAttrs;
  const out = b.makeOutput(x.shape, 'float32');
  if (a.scale.length !== 1) {
    fqLoop(view(b, x), view(b, out), a); // per-channel: the JS loop on heap views
    return out;
  }
  const s = new Scratch(b, [[2, 4]]);
  try {
    const [mm] = s.ptrs;
    const zp = a.zeroPoint[0];
    kernels!.fq_forward(ptr(b, x), ptr(b, out), count(x.shape), a.scale[0], a.qmin - zp, a.qmax - zp, mm);
    if (a.stats) {
      const v = s.f32(mm, 2);
      a.stats.min = v[0];
      a.stats.max = v[1];
    }
  } finally {
    s.free();
  }
  return out;
}

function fakeQuantGrad({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const b = backend as unknown as WasmBackend;
  const { x, dy } = inputs as Record<string, tf.TensorInfo>;
  const a = attrs as unknown as FqAttrs;
  const out = b.makeOutput(x.shape, 'float32');
  if (a.scale.length !== 1) {
    fqGradLoop(view(b, x), view(b, dy), view(b, out), a); // per-channel: the JS loop
    return out;
  }
  const lo = (a.qmin - a.zeroPoint[0]) * a.scale[0];
  const hi = (a.qmax - a.zeroPoint[0]) * a.scale[0];
  kernels!.fq_grad(ptr(b, x), ptr(b, dy), ptr(b, out), count(x.shape), f32AtLeast(lo), f32AtMost(hi));
  return out;
}

/** Whether a conv attribute (dilations) is 1 (or absent) in both dimensions. */
function isOne(d: unknown): boolean {
  return d === undefined || d === null || (typeof d === 'number' ? d === 1 : (d as number[]).every((v) => v === 1));
}

const composedDwFilter = composedKernel(depthwiseBackpropFilterKernel);

function dwFilterGrad(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { inputs, attrs, backend } = args;
  const a = attrs as Record<string, unknown>;
  const filterShape = a.filterShape as number[];
  if (filterShape[3] !== 1 || !isOne(a.dilations)) return composedDwFilter(args) as tf.TensorInfo;
  const b = backend as unknown as WasmBackend;
  const { x, dy } = inputs as Record<string, tf.TensorInfo>;
  const info = convInfo(x.shape, filterShape, a.strides, a.pad as 'same', a.dimRoundingMode, true);
  const [kh, kw, c] = filterShape;
  const out = b.makeOutput(filterShape, 'float32');
  const s = new Scratch(b, [[kh * kw * c, 4]]);
  try {
    const [part] = s.ptrs;
    view(b, out).fill(0);
    const [n, h, w] = x.shape;
    kernels!.dw_filter_grad(ptr(b, x), ptr(b, dy), ptr(b, out), part, n, h, w, c, info.outHeight, info.outWidth, kh, kw,
      info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
  } finally {
    s.free();
  }
  return out;
}

const composedConvFilter = composedKernel((i, a) =>
  conv2dBackpropFilter(i.x as tf.Tensor4D, i.dy as tf.Tensor4D, a.filterShape as number[], a.strides, a.pad as Pad, a.dimRoundingMode));

/**
 * Conv2DBackpropFilter (NHWC) as one pass of the SIMD kernel over x and dy per filter tap,
 * in place of the transposes, the dilated convolution and the matmul (whose packing of the
 * output gradient as XNNPACK's weights cost more than the arithmetic on long batches).
 */
function convFilterGrad(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { inputs, attrs, backend } = args;
  const a = attrs as Record<string, unknown>;
  if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') return composedConvFilter(args) as tf.TensorInfo;
  const b = backend as unknown as WasmBackend;
  const { x, dy } = inputs as Record<string, tf.TensorInfo>;
  const filterShape = a.filterShape as number[];
  const info = convInfo(x.shape, filterShape, a.strides, a.pad as 'same', a.dimRoundingMode, false);
  const [kh, kw, cin, cout] = filterShape;
  const out = b.makeOutput(filterShape, 'float32');
  view(b, out).fill(0);
  const [n, h, w] = x.shape;
  const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  // Pointwise: every pixel is one row of a [n·h·w, cin] matrix, so the kernel takes them as one long row.
  const [rows, rowH, rowW, outH, outW] = isPointwiseInfo(filterShape, info) ? [1, 1, n * h * w, 1, n * h * w] : [n, h, w, oh, ow];
  kernels!.conv_filter_grad(ptr(b, x), ptr(b, dy), ptr(b, out), rows, rowH, rowW, cin, outH, outW, cout, kh, kw, sh, sw, top, left);
  return out;
}

const composedConvInput = composedKernel((i, a) =>
  conv2dBackpropInput(i.dy as tf.Tensor4D, i.filter as tf.Tensor4D, a.inputShape as number[], a.strides, a.pad as Pad, a.dimRoundingMode));

/**
 * Whether a convolution with these attributes and input shape is pointwise: a 1×1 filter,
 * stride 1, no padding, NHWC, dilation 1 (every pixel one row of a matmul).
 */
function isPointwise(a: Record<string, unknown>, inputShape: number[], filterShape: number[]): boolean {
  if ((a.dataFormat !== undefined && a.dataFormat !== 'NHWC') || !isOne(a.dilations)) return false;
  return isPointwiseInfo(filterShape, convInfo(inputShape, filterShape, a.strides, a.pad as 'same', a.dimRoundingMode, false));
}

/** The geometry part of {@link isPointwise}, on a computed conv info: 1×1, stride 1, no padding. */
function isPointwiseInfo(filterShape: number[], info: ReturnType<typeof convInfo>): boolean {
  const { top, bottom, left, right } = info.padInfo;
  return filterShape[0] === 1 && filterShape[1] === 1 && info.strideHeight === 1 && info.strideWidth === 1 && top + bottom + left + right === 0;
}

/**
 * Conv2D of a pointwise convolution as one register-tiled SIMD matmul of the input by the
 * filter, which adds each output's products in the order the backend's own Conv2D does
 * (ascending input channel, from zero): the same bits, faster (test/grad-kernels.test.ts).
 * Other convolutions go to the backend's kernel.
 */
function pointwiseConv(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const { x, filter } = inputs as Record<string, tf.TensorInfo>;
    if (!isPointwise(attrs as Record<string, unknown>, x.shape, filter.shape)) return original(args);
    const b = backend as unknown as WasmBackend;
    const [, , cin, cout] = filter.shape;
    const out = b.makeOutput([...x.shape.slice(0, 3), cout], 'float32'); // every element written by the kernel
    kernels!.pointwise_conv(ptr(b, x), ptr(b, filter), ptr(b, out), count(x.shape) / cin, cin, cout);
    return out;
  };
}

/**
 * Conv2DBackpropInput of a pointwise convolution as one register-tiled SIMD matmul of the
 * output gradient by the transposed filter, in place of a transpose kernel and the backend's
 * matmul. Each element adds its products in the order that matmul does (ascending output
 * channel, from zero), so the bits are the same (test/grad-kernels.test.ts). Other
 * convolutions take the composed path of grad-kernels.ts.
 */
function convInputGrad(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { inputs, attrs, backend } = args;
  const a = attrs as Record<string, unknown>;
  const { dy, filter } = inputs as Record<string, tf.TensorInfo>;
  const inputShape = a.inputShape as number[];
  if (!isPointwise(a, inputShape, filter.shape)) return composedConvInput(args) as tf.TensorInfo;
  const [, , cin, cout] = filter.shape;
  const b = backend as unknown as WasmBackend;
  const out = b.makeOutput(inputShape, 'float32'); // every element written by the kernel
  const s = new Scratch(b, [[cin * cout, 4]]);
  try {
    kernels!.pointwise_input_grad(ptr(b, dy), ptr(b, filter), ptr(b, out), s.ptrs[0], count(inputShape) / cin, cin, cout);
  } finally {
    s.free();
  }
  return out;
}

const composedDwInput = composedKernel((i, a) =>
  depthwiseBackpropInput(i.dy as tf.Tensor4D, i.filter as tf.Tensor4D, a.inputShape as number[], a.strides, a.pad as Pad, a.dimRoundingMode));

/**
 * DepthwiseConv2dNativeBackpropInput with depth multiplier 1 as one gather pass of the SIMD
 * kernel (per input pixel, the output gradients of the taps that reach it times the filter,
 * summed in registers), in place of the zero insertion, padding and flipped-filter depthwise
 * convolution.
 */
function dwInputGrad(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { inputs, attrs, backend } = args;
  const a = attrs as Record<string, unknown>;
  const { dy, filter } = inputs as Record<string, tf.TensorInfo>;
  if (filter.shape[3] !== 1 || !isOne(a.dilations)) return composedDwInput(args) as tf.TensorInfo;
  const b = backend as unknown as WasmBackend;
  const inputShape = a.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, a.strides, a.pad as 'same', a.dimRoundingMode, true);
  const [kh, kw, c] = filter.shape;
  const out = b.makeOutput(inputShape, 'float32'); // every element written by the kernel
  const [n, h, w] = inputShape;
  kernels!.dw_input_grad(ptr(b, dy), ptr(b, filter), ptr(b, out), n, h, w, c, info.outHeight, info.outWidth, kh, kw,
    info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
  return out;
}

/**
 * DepthwiseConv2dNative with depth multiplier 1 (NHWC, dilation 1) as one pass of the SIMD
 * kernel, which sums each output's taps in the backend kernel's order (kx outer, ky inner,
 * from zero): the same bits, faster (test/grad-kernels.test.ts). Other cases go to the
 * backend's kernel.
 */
function dwConv(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const a = attrs as Record<string, unknown>;
    const { x, filter } = inputs as Record<string, tf.TensorInfo>;
    if (filter.shape[3] !== 1 || !isOne(a.dilations) || (a.dataFormat !== undefined && a.dataFormat !== 'NHWC')) return original(args);
    const b = backend as unknown as WasmBackend;
    const info = convInfo(x.shape, filter.shape, a.strides, a.pad as 'same', a.dimRoundingMode, true);
    const [kh, kw, c] = filter.shape;
    const [n, h, w] = x.shape;
    const out = b.makeOutput([n, info.outHeight, info.outWidth, c], 'float32'); // every element written by the kernel
    kernels!.dw_conv(ptr(b, x), ptr(b, filter), ptr(b, out), n, h, w, c, info.outHeight, info.outWidth, kh, kw,
      info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
    return out;
  };
}

/** The wasm backend's own kernels that the SIMD ones take over for the cases they cover, by kernel name. */
const backendKernels = new Map<string, tf.KernelFunc>();

/** The wasm backend's own kernel `kernelName` where a SIMD kernel replaced it (for tests comparing the two). */
export function backendKernel(kernelName: string): tf.KernelFunc | undefined {
  return backendKernels.get(kernelName);
}

function register(kernelName: string, kernelFunc: tf.KernelFunc): void {
  if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
}

/**
 * Load the SIMD module into the (initialised) tfjs wasm backend and register its
 * kernels there. Idempotent.
 * @returns undefined when loaded, else why not (the module is missing or will not load)
 */
export function registerSimdKernels(): string | undefined {
  if (kernels) return undefined;
  if (!existsSync(TRAIN_KERNELS_WASM)) {
    return `SIMD training kernels not built (${TRAIN_KERNELS_WASM} missing; run packages/qat/wasm/build.sh, needs Debian clang and lld)`;
  }
  const b = tf.findBackend('wasm') as unknown as WasmBackend | null;
  if (!b?.wasm?.asm?.memory) return 'SIMD training kernels: the tfjs wasm backend does not expose its memory';
  try {
    const module = new WA.Module(readFileSync(TRAIN_KERNELS_WASM));
    kernels = new WA.Instance(module, { env: { memory: b.wasm.asm.memory } }).exports as unknown as Exports;
  } catch (e) {
    return `SIMD training kernels: ${TRAIN_KERNELS_WASM} did not load: ${(e as Error).message}`;
  }
  register(BN_FWD, bnForward);
  register(BN_GRAD, bnGrad);
  register(CLAMP, clampForward);
  register(CLAMP_GRAD, clampGrad);
  register(GAP, gapForward);
  register(GAP_GRAD, gapGrad);
  register(FQ, fakeQuantForward);
  register(FQ_GRAD, fakeQuantGrad);
  register('DepthwiseConv2dNativeBackpropFilter', dwFilterGrad);
  register('Conv2DBackpropFilter', convFilterGrad);
  register('DepthwiseConv2dNativeBackpropInput', dwInputGrad);
  register('Conv2DBackpropInput', convInputGrad);
  for (const [name, wrap] of [['Conv2D', pointwiseConv], ['DepthwiseConv2dNative', dwConv]] as const) {
    const own = tf.getKernel(name, 'wasm');
    if (!own) continue;
    backendKernels.set(name, own.kernelFunc);
    register(name, wrap(own.kernelFunc));
  }
  return undefined;
}

/** Whether the SIMD kernels are loaded. */
export function simdKernelsLoaded(): boolean {
  return kernels !== undefined;
}
