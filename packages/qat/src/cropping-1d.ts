/**
 * Keras' Cropping1D as a TensorFlow.js layer: tfjs has Cropping2D but no 1-D form, so a
 * model built in code (or read from a Keras file) that crops the steps axis of a
 * [batch, steps, channels] tensor uses this class. Registered with tfjs serialization
 * under the Keras class name; the QAT conversion (net.ts) maps it to STRIDED_SLICE.
 */

import * as tf from '@tensorflow/tfjs';

/** Options of {@link Cropping1D}: steps removed at the start and at the end. */
export interface Cropping1DArgs {
  cropping: [number, number];
  name?: string;
}

/** Removes `cropping[0]` steps at the start and `cropping[1]` at the end of axis 1. */
export class Cropping1D extends tf.layers.Layer {
  static readonly className = 'Cropping1D';
  readonly cropping: [number, number];

  constructor(args: Cropping1DArgs) {
    super({ name: args.name });
    const [start, end] = args.cropping;
    if (![start, end].every((v) => Number.isInteger(v) && v >= 0)) {
      throw new Error(`Cropping1D: cropping must be two non-negative integers, got ${JSON.stringify(args.cropping)}`);
    }
    this.cropping = [start, end];
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShape as tf.Shape;
    const steps = shape[1];
    return [shape[0], steps === null ? null : steps - this.cropping[0] - this.cropping[1], shape[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const steps = (x.shape[1] as number) - this.cropping[0] - this.cropping[1];
    return tf.slice(x, [0, this.cropping[0], 0], [-1, steps, -1]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), cropping: [...this.cropping] };
  }
}

tf.serialization.registerClass(Cropping1D);

/** A Cropping1D layer (the tfjs-style factory). */
export function cropping1D(args: Cropping1DArgs): Cropping1D {
  return new Cropping1D(args);
}
