// Worker for the replica-sync abort test: joins a 2-replica group as rank 1 and waits at a
// barrier that rank 0 never reaches; reports what the barrier threw.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { ReplicaGroup } = await import('../../src/replica-sync.ts');
const group = new ReplicaGroup(workerData.buffer, 1, 2);
parentPort.postMessage('waiting');
try {
  group.barrier();
  parentPort.postMessage('passed');
} catch (e) {
  parentPort.postMessage(e.name);
}
