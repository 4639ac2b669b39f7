/**
 * Tasks: what a model is trained for and how its output is judged — classification
 * (softmax cross-entropy on integer labels), binary (sigmoid cross-entropy on one logit,
 * or a two-logit softmax) and regression / autoencoders (mean squared error on float
 * targets). The task is inferred from the model's output activation in one place
 * ({@link taskOfOutputActivation}) and can be overridden; the training loop asks this
 * module for the batch targets and the loss.
 */

import * as tf from '@tensorflow/tfjs';
import type { Batch, ImageSet } from './dataset.js';
import type { EdgeqModel } from './model.js';
import { QatError } from './errors.js';

/** The kinds of task edgeq trains and evaluates. Autoencoders are regression onto the input. */
export type TaskKind = 'classification' | 'binary' | 'regression';
/** Every task kind, for option parsing and messages. */
export const TASK_KINDS: readonly TaskKind[] = ['classification', 'binary', 'regression'];

/** A task bound to a model: its kind and the model's output size (values per sample). */
export interface Task {
  kind: TaskKind;
  outputs: number;
}

/** The activation of a model's output layer, as far as the task is concerned. */
export type OutputActivation = 'softmax' | 'sigmoid' | 'linear';

/**
 * The task an output activation implies: softmax → classification, sigmoid → binary,
 * anything linear → regression. This is the one place to extend when a new output layer
 * (e.g. a LOGISTIC op) arrives.
 */
export function taskOfOutputActivation(activation: OutputActivation): TaskKind {
  return activation === 'softmax' ? 'classification' : activation === 'sigmoid' ? 'binary' : 'regression';
}

/** The output activation of a converted model (its last node). */
export function outputActivationOf(model: EdgeqModel): OutputActivation {
  const last = model.net.nodes[model.net.nodes.length - 1];
  const kind: string = last.kind;
  if (kind === 'softmax') return 'softmax';
  if (kind === 'sigmoid' || kind === 'logistic') return 'sigmoid';
  return 'linear';
}

/** Values per sample of the model's output. */
export function outputSize(model: EdgeqModel): number {
  const last = model.net.nodes[model.net.nodes.length - 1];
  return last.shape.reduce((a, d) => a * d, 1);
}

/**
 * The model's task: `kind` when given (checked against the output), else inferred from
 * the output activation.
 * @throws QatError when the output cannot serve the task (e.g. classification on one output)
 */
export function taskFor(model: EdgeqModel, kind?: TaskKind): Task {
  const outputs = outputSize(model);
  const activation = outputActivationOf(model);
  const task: Task = { kind: kind ?? taskOfOutputActivation(activation), outputs };
  const where = `model ${JSON.stringify(model.name)} output [${outputs}] (${activation})`;
  if (task.kind === 'classification' && outputs < 2) {
    throw new QatError(where, 'classification needs one output per class (at least 2); use --task binary or regression');
  }
  if (task.kind === 'binary' && outputs > 2) {
    throw new QatError(where, `binary needs one logit (sigmoid) or two (softmax), not ${outputs}`);
  }
  if (task.kind === 'binary' && outputs === 1 && activation === 'softmax') {
    throw new QatError(where, 'a softmax over one output is constant; binary needs a linear (or sigmoid) logit or two softmax outputs');
  }
  if (task.kind === 'regression' && activation === 'softmax') {
    throw new QatError(where, 'ends in softmax, which cannot fit regression targets; remove the softmax or use --task classification');
  }
  return task;
}

/** Whether the task is scored from integer labels (classification, binary) rather than float targets. */
export function usesLabels(task: Task): boolean {
  return task.kind !== 'regression';
}

/** Number of classes the labels of a task may name. */
export function classCount(task: Task): number {
  return task.kind === 'classification' ? task.outputs : task.kind === 'binary' ? 2 : 0;
}

/** Whether a binary task's score is one sigmoid logit (else a two-logit softmax). */
function singleLogit(task: Task): boolean {
  return task.kind === 'binary' && task.outputs === 1;
}

/** A batch's inputs shaped [size, ...sample] and its targets as the loss wants them. */
export function taskBatch(task: Task, batch: Batch, set: ImageSet): { xs: tf.Tensor; ys: tf.Tensor } {
  const shape = set.sampleShape ?? [set.height, set.width, set.channels];
  return tf.tidy(() => {
    const xs = tf.tensor(batch.x, [batch.size, ...shape]);
    if (task.kind === 'regression') {
      if (!batch.targets) throw new QatError('regression training data', 'has no float targets (give targets, or the input itself for an autoencoder)');
      const per = batch.targets.length / Math.max(batch.size, 1);
      if (per !== task.outputs) throw new QatError('regression targets', `have ${per} values per sample but the model has ${task.outputs} outputs`);
      return { xs, ys: tf.tensor2d(batch.targets, [batch.size, per]) };
    }
    const labels = tf.tensor1d(batch.labels, 'int32');
    if (singleLogit(task)) return { xs, ys: tf.reshape(tf.cast(labels, 'float32'), [batch.size, 1]) };
    return { xs, ys: tf.oneHot(labels, task.outputs).toFloat() };
  });
}

/** The training loss of a task on the model's pre-activation outputs (logits). */
export function taskLoss(task: Task): (targets: tf.Tensor, logits: tf.Tensor) => tf.Scalar {
  if (task.kind === 'regression') return (y, out) => tf.losses.meanSquaredError(y, tf.reshape(out, y.shape)) as tf.Scalar;
  if (singleLogit(task)) return (y, out) => tf.losses.sigmoidCrossEntropy(y, tf.reshape(out, y.shape)) as tf.Scalar;
  return (y, out) => tf.losses.softmaxCrossEntropy(y, out) as tf.Scalar;
}

/**
 * The score of one sample's outputs that ranks it as positive (binary tasks and ROC-AUC):
 * the logit of a single-output model, the logit difference z1 − z0 of a two-way softmax.
 */
export function binaryScore(task: Task, outputs: ArrayLike<number>, offset: number): number {
  return task.outputs === 1 ? outputs[offset] : outputs[offset + 1] - outputs[offset];
}
