/**
 * Adam in one JS pass per variable, for every training step (train.ts, the data-parallel
 * workers): the update tf.train.adam computes with 14 element-wise kernels per variable
 * (about 340 kernel calls per dscnn step, each paying tfjs's dispatch cost whatever the
 * variable's size) done as one loop over plain Float32Arrays, with the moments kept in JS.
 *
 * Every operation is rounded to float32 in tfjs's order (m·β1 + g·(1−β1), v·β2 + g²·(1−β2),
 * bias corrections by 1−β^t, w + (m̂ / (√v̂ + ε))·(−lr)), so the weights are bit-identical
 * to tf.train.adam's on the wasm and cpu backends (test/fused-adam.test.ts).
 */

import * as tf from '@tensorflow/tfjs';

const f32 = Math.fround;

/** One variable's gradient as a plain array (the data-parallel workers' reduced sums). */
export interface VariableGradient {
  variable: tf.Variable;
  gradient: Float32Array;
}

/** Adam (tf.train.adam's arithmetic and defaults) applied by a JS loop per variable. */
export class FusedAdam extends tf.Optimizer {
  static readonly className = 'EdgeqFusedAdam';

  /** tf.Optimizer's instanceof is duck-typed (any optimizer would pass): this one checks the prototype chain. */
  static override [Symbol.hasInstance](instance: unknown): boolean {
    return typeof instance === 'object' && instance !== null && Object.prototype.isPrototypeOf.call(FusedAdam.prototype, instance);
  }

  private readonly moments = new Map<tf.Variable, { first: Float32Array; second: Float32Array }>();
  /** β1^t and β2^t as float32, like tfjs's accBeta variables. */
  private beta1Power: number;
  private beta2Power: number;
  readonly epsilon: number;

  /** @param epsilon default: the backend's epsilon, as tf.train.adam */
  constructor(readonly learningRate: number, readonly beta1 = 0.9, readonly beta2 = 0.999, epsilon?: number) {
    super();
    this.beta1Power = f32(beta1);
    this.beta2Power = f32(beta2);
    this.epsilon = epsilon ?? tf.backend().epsilon();
  }

  /** tf.Optimizer's entry (used by minimize): gradients as tensors, by variable name. */
  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const named = Array.isArray(variableGradients) ? variableGradients : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const registered = tf.engine().registeredVariables;
    this.applyGradientArrays(named.filter((n) => n.tensor != null).map(({ name, tensor }) => {
      if (tensor.dtype !== 'float32') throw new Error(`FusedAdam: gradient of ${name} is ${tensor.dtype}, expected float32`);
      return { variable: registered[name], gradient: tensor.dataSync() as Float32Array };
    }));
  }

  /** One Adam step on each variable from its gradient values (flat, the variable's element order). */
  applyGradientArrays(gradients: readonly VariableGradient[]): void {
    const beta1 = f32(this.beta1);
    const beta2 = f32(this.beta2);
    const oneMinusBeta1 = f32(1 - this.beta1);
    const oneMinusBeta2 = f32(1 - this.beta2);
    const epsilon = f32(this.epsilon);
    const negativeRate = f32(-this.learningRate);
    const correction1 = f32(1 - this.beta1Power);
    const correction2 = f32(1 - this.beta2Power);
    for (const { variable, gradient: g } of gradients) {
      if (g.length !== variable.size) throw new Error(`FusedAdam: gradient of ${variable.name} has ${g.length} values, the variable ${variable.size}`);
      let state = this.moments.get(variable);
      if (!state) {
        state = { first: new Float32Array(variable.size), second: new Float32Array(variable.size) };
        this.moments.set(variable, state);
      }
      const { first, second } = state;
      const w = variable.dataSync() as Float32Array;
      const next = new Float32Array(w.length);
      for (let i = 0; i < w.length; i++) {
        const gi = g[i];
        const m = f32(f32(first[i] * beta1) + f32(gi * oneMinusBeta1));
        const v = f32(f32(second[i] * beta2) + f32(f32(gi * gi) * oneMinusBeta2));
        first[i] = m;
        second[i] = v;
        const step = f32(f32(f32(m / correction1) / f32(f32(Math.sqrt(f32(v / correction2))) + epsilon)) * negativeRate);
        next[i] = f32(step + w[i]);
      }
      const value = tf.tensor(next, variable.shape, 'float32');
      variable.assign(value);
      value.dispose();
    }
    this.beta1Power = f32(this.beta1Power * beta1);
    this.beta2Power = f32(this.beta2Power * beta2);
    this.incrementIterations();
  }

  override dispose(): void {
    this.moments.clear();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
