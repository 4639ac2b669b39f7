/**
 * QAT's batch-norm folding of a conv's weights as one op with a hand-written gradient
 * (model.ts, training with batch statistics): from the kernel k, γ, the moving variance
 * σ²_moving and the bias b it computes, per output channel c with f = γ/√(σ²_moving + ε),
 *
 *  - wq = fake-quant(k·f) on the weight grid (straight-through inside the clip range),
 *  - γ·sign(f), ε·f² and b·f, the per-channel terms of the batch normalisation that follows,
 *
 * in one pass of JS over these small tensors. Composed from tf ops this took about 50
 * kernel calls per conv and step (forward, the saved-tensor copies tfjs makes for the tape,
 * and the backward of every multiply, divide, square and sign), each paying tfjs's dispatch
 * cost whatever its size: on dscnn the folding cost more than the convolutions it feeds
 * at 32 rows per training worker. Every forward value is rounded to float32 in the order
 * the tf ops round it, so the forward results are bit-identical to the composed ops (test
 * /fold-weights.test.ts); the gradients equal tfjs's up to float summation order.
 */

import * as tf from '@tensorflow/tfjs';
import { fqGradLoop, fqLoop, type FqAttrs } from './fake-quant.js';
import { floatOutput, type JsKernelBackend } from './tensor-bridge.js';

/** Kernel name of the folding op (registered on every backend that reads and makes tensors synchronously). */
export const FOLD_QUANT_WEIGHTS = 'EdgeqFoldQuantWeights';

const f32 = Math.fround;

/** The values the forward pass computed, kept (in the attrs) for the gradient. */
interface FoldAttrs {
  /** Output channels (the last axis of k). */
  channels: number;
  k: Float32Array;
  /** k·f, before fake-quant. */
  wf: Float32Array;
  gamma: Float32Array;
  /** √(σ²_moving + ε) and f = γ/√(σ²_moving + ε), per channel. */
  den: Float32Array;
  f: Float32Array;
  bias: Float32Array | undefined;
  /** ε as float32. */
  epsilon: number;
  fq: FqAttrs;
  kShape: number[];
}

/** Results of {@link foldQuantWeights}. */
export interface FoldedWeights {
  /** Fake-quantised k·f, shaped as k. */
  wq: tf.Tensor;
  /** γ·sign(f), ε·f² and b·f per channel (b·f only with a bias). */
  gammaSign: tf.Tensor1D;
  epsF2: tf.Tensor1D;
  biasF?: tf.Tensor1D;
  /** f per channel (for the moving statistics). */
  f: Float32Array;
}

/** tf.sign's value: 1, −1, or 0 (also for −0). */
function sign(v: number): number {
  return v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN;
}

/**
 * Fold γ/√(σ²_moving + ε) into `k` (output channels last) and fake-quantise it.
 * Differentiable in k, γ and b.
 * @param scalesOf the weight grid's scales for the folded values (one, or one per channel)
 * @param qmax the symmetric grid's bound (127 for 8 bits, 7 for 4)
 */
export function foldQuantWeights(
  k: tf.Tensor, gamma: tf.Tensor, variance: tf.Tensor, bias: tf.Tensor | undefined, epsilon: number,
  scalesOf: (wf: Float32Array, channels: number) => number[], qmax: number,
): FoldedWeights {
  const channels = k.shape[k.shape.length - 1];
  const kv = k.dataSync() as Float32Array;
  const g = gamma.dataSync() as Float32Array;
  const v = variance.dataSync() as Float32Array;
  const e = f32(epsilon);
  const den = new Float32Array(channels);
  const f = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    den[c] = Math.sqrt(f32(v[c] + e)); // the float32 square root (correctly rounded either way)
    f[c] = g[c] / den[c];
  }
  const wf = new Float32Array(kv.length);
  for (let i = 0; i < kv.length; i++) wf[i] = kv[i] * f[i % channels];
  const scales = scalesOf(wf, channels);
  const attrs: FoldAttrs = {
    channels, k: kv, wf, gamma: g, den, f, bias: bias ? (bias.dataSync() as Float32Array) : undefined, epsilon: e,
    fq: { scale: Float64Array.from(scales), zeroPoint: new Float64Array(scales.length), qmin: -qmax, qmax }, kShape: k.shape,
  };
  const inputs: tf.NamedTensorMap = { k, gamma, ...(bias ? { bias } : {}) };
  const out = tf.engine().runKernel(FOLD_QUANT_WEIGHTS, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  return { wq: out[0], gammaSign: out[1] as tf.Tensor1D, epsF2: out[2] as tf.Tensor1D, ...(bias ? { biasF: out[3] as tf.Tensor1D } : {}), f };
}

/** The forward kernel on `backendName`: writes the outputs from the values {@link foldQuantWeights} computed. */
function foldForward(backendName: JsKernelBackend, { attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const a = attrs as unknown as FoldAttrs;
  const out = (shape: number[], values: Float32Array) => floatOutput(backend, backendName, shape, values);
  const c = a.channels;
  const wq = new Float32Array(a.wf.length);
  fqLoop(a.wf, wq, a.fq);
  const gammaSign = new Float32Array(c);
  const epsF2 = new Float32Array(c);
  const biasF = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    gammaSign[k] = a.gamma[k] * sign(a.f[k]);
    epsF2[k] = f32(a.f[k] * a.f[k]) * a.epsilon;
    if (a.bias) biasF[k] = a.bias[k] * a.f[k];
  }
  const outputs = [out(a.kShape, wq), out([c], gammaSign), out([c], epsF2)];
  if (a.bias) outputs.push(out([c], biasF));
  return outputs;
}

/**
 * The gradient: the straight-through mask of the weight grid on d(wq), then
 * dk = d(k·f)·f; df = Σ d(k·f)·k + d(ε·f²)·2εf + d(b·f)·b (summed in float64);
 * dγ = df/√(σ²_moving + ε) + d(γ·sign f)·sign f; db = d(b·f)·f.
 */
function foldGrad(dy: tf.Tensor | tf.Tensor[], _saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> {
  const a = attrs as unknown as FoldAttrs;
  const [dWq, dGammaSign, dEpsF2, dBiasF] = (dy as tf.Tensor[]).map((t) => t.dataSync() as Float32Array);
  const c = a.channels;
  const dwf = new Float32Array(a.wf.length);
  fqGradLoop(a.wf, dWq, dwf, a.fq);
  const dk = new Float32Array(a.k.length);
  const df = new Float64Array(c);
  for (let i = 0; i < dk.length; i++) {
    const ch = i % c;
    dk[i] = dwf[i] * a.f[ch];
    df[ch] += dwf[i] * a.k[i];
  }
  const dgamma = new Float32Array(c);
  const dbias = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    let d = df[k] + dEpsF2[k] * 2 * a.epsilon * a.f[k];
    if (a.bias) {
      d += dBiasF[k] * a.bias[k];
      dbias[k] = dBiasF[k] * a.f[k];
    }
    dgamma[k] = d / a.den[k] + dGammaSign[k] * sign(a.f[k]);
  }
  return {
    k: () => tf.tensor(dk, a.kShape),
    gamma: () => tf.tensor1d(dgamma),
    ...(a.bias ? { bias: () => tf.tensor1d(dbias) } : {}),
  };
}

/**
 * Register the folding kernel on the cpu and wasm backends (those present) and its
 * gradient; elsewhere (tfjs-node) model.ts composes the folding from tf ops.
 */
export function registerFoldKernels(): void {
  for (const backendName of ['cpu', 'wasm'] as const) {
    if (!tf.findBackendFactory(backendName)) continue;
    if (tf.getKernel(FOLD_QUANT_WEIGHTS, backendName)) tf.unregisterKernel(FOLD_QUANT_WEIGHTS, backendName);
    tf.registerKernel({ kernelName: FOLD_QUANT_WEIGHTS, backendName, kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => foldForward(backendName, args)) as unknown as tf.KernelFunc });
  }
  tf.registerGradient({ kernelName: FOLD_QUANT_WEIGHTS, gradFunc: foldGrad });
}
