/**
 * Entry of a batch-simulation worker (started by simulate-batch.ts): builds one Interpreter
 * for the graph it was started with (kernels resolved as on the main thread: same modules,
 * same wasm file, and the main thread's compiled WebAssembly module when it has one), says it is ready, then simulates each chunk of samples it is sent and
 * answers with the chunk's packed outputs (transferred). A failure is reported as one
 * message naming the sample; the batch then terminates every worker.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { Interpreter } from './interpreter.js';
import { SimulationError, allocateOutputs, simulateInto } from './sample-runner.js';
import type { SimulationChunk, SimulationReply, SimulationWorkerInit } from './simulate-batch.js';
import { adoptCompiledKernelsModule } from './wasm/wasm-heap.js';

const init = workerData as SimulationWorkerInit;
const port = parentPort!;

function reply(m: SimulationReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

function failure(e: unknown): SimulationReply {
  const message = e instanceof Error ? e.message : String(e);
  return { type: 'error', message, ...(e instanceof SimulationError && e.sample !== undefined ? { sample: e.sample } : {}) };
}

try {
  if (init.kernelsModule) adoptCompiledKernelsModule(init.kernelsModule);
  const interp = new Interpreter(init.graph, { validate: false, kernels: init.kernels });
  port.on('message', (m: SimulationChunk) => {
    const values = allocateOutputs(init.layout, m.samples.length);
    try {
      m.samples.forEach((sample, j) => simulateInto(interp, init.layout, sample, m.first + j, values, j));
    } catch (e) {
      reply(failure(e));
      return;
    }
    reply({ type: 'done', first: m.first, count: m.samples.length, values }, values.map((v) => v.buffer as ArrayBuffer));
  });
  reply({ type: 'ready' });
} catch (e) {
  reply(failure(e));
}
