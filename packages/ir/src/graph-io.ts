/**
 * A graph's boundary for callers that feed and read it (interpreter users, the harnesses,
 * the CLI): one descriptor per graph input and output (position, tensor, name, shape, dtype,
 * quantisation, bytes), and input vectors. An input vector holds one tensor per graph
 * input, in `graph.inputs` order; a one-input graph's vector may be given as the bare tensor,
 * so single-input callers keep passing `Int8Array`s.
 */

import type { DType, QGraph, QuantParams } from './qgraph.js';
import { dtypeByteLength, type TensorData } from './constants.js';
import { numElements, shapeString } from './shapes.js';

/** One graph input or output, as callers and generated code see it. */
export interface BoundaryTensor {
  /** Position in `graph.inputs` / `graph.outputs` (the index of `<prefix>_input(i)` / `<prefix>_output(i)`). */
  position: number;
  /** Tensor index in `graph.tensors`. */
  tensor: number;
  name: string;
  shape: number[];
  dtype: DType;
  quant?: QuantParams;
  elements: number;
  bytes: number;
}

function describe(g: QGraph, tensor: number, position: number): BoundaryTensor {
  const t = g.tensors[tensor];
  const elements = numElements(t.shape);
  return { position, tensor, name: t.name, shape: [...t.shape], dtype: t.dtype, quant: t.quant, elements, bytes: dtypeByteLength(t.dtype, elements) };
}

/** The graph inputs, in order. */
export function graphInputs(g: QGraph): BoundaryTensor[] {
  return g.inputs.map((t, k) => describe(g, t, k));
}

/** The graph outputs, in order. */
export function graphOutputs(g: QGraph): BoundaryTensor[] {
  return g.outputs.map((t, k) => describe(g, t, k));
}

/** `"a" [1, 4, 4, 3] int8, "b" [1, 4, 4, 2] int8`: for messages naming a graph's inputs or outputs. */
export function boundaryList(tensors: readonly BoundaryTensor[]): string {
  return tensors.map((b) => `${JSON.stringify(b.name)} ${shapeString(b.shape)} ${b.dtype}`).join(', ');
}

/** One input vector: a tensor per graph input (in order), or the bare tensor of a one-input graph. */
export type InputVector = TensorData | readonly TensorData[];

/**
 * The tensors of an input vector, one per graph input, in order. Checks only the count
 * (the interpreter checks each tensor's type and length); `where` names the vector in errors.
 */
export function inputVectorTensors(g: QGraph, vector: InputVector, where = 'input vector'): TensorData[] {
  const tensors = ArrayBuffer.isView(vector) ? [vector as TensorData] : [...(vector as readonly TensorData[])];
  if (tensors.length !== g.inputs.length) {
    throw new Error(`${g.name}: ${where} holds ${tensors.length} tensor(s), the graph has ${g.inputs.length} input(s): ${boundaryList(graphInputs(g))}`);
  }
  return tensors;
}

/** Bytes of a tensor's data (little endian, as the generated C holds it). */
export function tensorDataBytes(t: TensorData): Uint8Array {
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}

/** An input vector's bytes as the harnesses stream it: every input's bytes, back to back in input order. */
export function inputVectorBytes(g: QGraph, vector: InputVector, where?: string): Uint8Array {
  const tensors = inputVectorTensors(g, vector, where);
  graphInputs(g).forEach((b, k) => {
    if (tensors[k].byteLength !== b.bytes) {
      throw new Error(`${g.name}: ${where ?? 'input vector'}: input ${k} ${JSON.stringify(b.name)} needs ${b.bytes} bytes (${b.dtype} ${shapeString(b.shape)}), got ${tensors[k].byteLength}`);
    }
  });
  const all = new Uint8Array(tensors.reduce((s, x) => s + x.byteLength, 0));
  let at = 0;
  for (const x of tensors) {
    all.set(tensorDataBytes(x), at);
    at += x.byteLength;
  }
  return all;
}
