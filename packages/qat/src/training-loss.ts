/**
 * Training losses by name, with the target rows each one is trained against. A name (not a
 * function) travels to data-parallel training workers, which look the loss up here; the
 * main thread encodes the targets of each batch with the same entry.
 */

import * as tf from '@tensorflow/tfjs';

/**
 * A training loss: the batch mean of a per-example loss between target rows and logits.
 * In data-parallel training each worker calls it on its share of the batch.
 */
export type LossFn = (targets: tf.Tensor, logits: tf.Tensor) => tf.Scalar;

/** Softmax cross-entropy of one-hot targets and logits (the default training loss). */
export const softmaxCrossEntropyLoss: LossFn = (targets, logits) => tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;

/** A named loss: the function and how a batch's labels become its target rows. */
export interface TrainingLoss {
  loss: LossFn;
  /** Values per target row for `classes` classes. */
  targetWidth(classes: number): number;
  /** Write the target rows of `labels` into `out` (labels.length × targetWidth values). */
  encodeTargets(labels: Uint8Array, classes: number, out: Float32Array): void;
}

/** The losses training can use, by name. */
export const TRAINING_LOSSES: Record<string, TrainingLoss> = {
  'softmax-cross-entropy': {
    loss: softmaxCrossEntropyLoss,
    targetWidth: (classes) => classes,
    encodeTargets(labels, classes, out) {
      out.fill(0, 0, labels.length * classes);
      labels.forEach((label, row) => {
        out[row * classes + label] = 1;
      });
    },
  },
};

/** The default loss name. */
export const DEFAULT_TRAINING_LOSS = 'softmax-cross-entropy';

/** Look a loss up by name. @throws Error naming the unknown loss and the known ones */
export function trainingLoss(name: string): TrainingLoss {
  const l = TRAINING_LOSSES[name];
  if (!l) throw new Error(`unknown training loss ${JSON.stringify(name)} (known: ${Object.keys(TRAINING_LOSSES).join(', ')})`);
  return l;
}
