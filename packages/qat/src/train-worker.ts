/**
 * Entry of a data-parallel training worker (started by train-workers.ts): one replica of
 * the model on its own tfjs wasm backend with edgeq's SIMD training kernels. Per step it
 * reads its contiguous share of the batch from the shared input buffer, computes gradients
 * and takes the optimizer step together with the other replicas through replica-sync.ts,
 * and answers the pool; on request it sends its model state back (every replica holds the
 * same). Any failure is reported as one message and the worker then waits to be ended.
 */

import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from './backend.js';
import { FusedAdam } from './fused-adam.js';
import { decodeModel, encodeModel } from './model-io.js';
import { ReplicaGroup, setReplicaGroup } from './replica-sync.js';
import { trainingLoss } from './training-loss.js';
import { BATCH_SLOTS, batchSlotValues, type WorkerInit, type WorkerReply, type WorkerRequest } from './train-workers.js';

const init = workerData as WorkerInit;
const port = parentPort!;

function reply(m: WorkerReply): void {
  port.postMessage(m);
}

async function main(): Promise<void> {
  const report = await initBackend(init.backend);
  const group = new ReplicaGroup(init.replicaBuffer, init.rank, init.replicas);
  setReplicaGroup(group);
  const model = decodeModel(init.doc, init.blob);
  const vars = model.trainableVariables();
  const { loss } = trainingLoss(init.loss);
  const optimizer = new FusedAdam(init.learningRate);
  const rowValues = init.inputShape.reduce((a, d) => a * d, 1);
  const slotBytes = batchSlotValues(init.maxRows, rowValues, init.targetWidth) * 4;
  const slots = Array.from({ length: BATCH_SLOTS }, (_, k) => ({
    inputs: new Float32Array(init.batchBuffer, k * slotBytes, init.maxRows * rowValues),
    targets: new Float32Array(init.batchBuffer, k * slotBytes + init.maxRows * rowValues * 4, init.maxRows * init.targetWidth),
  }));

  /** This replica's rows of batch slot `slot` (a batch of `rows`) as tensors, and its share of the loss set on the group. */
  const shard = (rows: number, slot: number) => {
    const { inputs, targets } = slots[slot];
    const from = Math.floor((init.rank * rows) / init.replicas);
    const to = Math.floor(((init.rank + 1) * rows) / init.replicas);
    group.shardWeight = (to - from) / rows;
    group.globalRows = rows;
    return {
      xs: tf.tensor(inputs.subarray(from * rowValues, to * rowValues), [to - from, ...init.inputShape]),
      ys: tf.tensor2d(targets.subarray(from * init.targetWidth, to * init.targetWidth), [to - from, init.targetWidth]),
    };
  };

  port.on('message', (m: WorkerRequest) => {
    try {
      if (m.type === 'step' || m.type === 'gradients') {
        const { xs, ys } = shard(m.rows, m.slot);
        try {
          if (m.type === 'step') reply({ type: 'step', loss: model.trainStep(optimizer, xs, ys, vars, loss) });
          else {
            const g = model.batchGradients(xs, ys, loss);
            reply({ type: 'gradients', loss: g.loss, gradients: g.gradients });
          }
        } finally {
          xs.dispose();
          ys.dispose();
        }
      } else if (m.type === 'state') {
        const { doc, blob } = encodeModel(model);
        reply({ type: 'state', doc, blob });
      }
    } catch (e) {
      const err = e as Error & { where?: string };
      reply({ type: 'error', name: err.name, message: err.message, where: err.where });
    }
  });
  reply({ type: 'ready', backend: describeBackend(report) });
}

main().catch((e: Error) => reply({ type: 'error', name: e.name, message: e.message }));
