/**
 * Graphs with several inputs and outputs: validation of the boundary lists, the
 * interpreter's by-name run, input vectors, and the random-graph family that produces them.
 */
import { describe, expect, it } from 'vitest';
import {
  GraphBuilder,
  Interpreter,
  QGraphError,
  graphInputs,
  graphOutputs,
  inputVectorBytes,
  inputVectorTensors,
  parseQGraph,
  q,
  qgraphDoc,
  randomGraph,
  type QGraph,
  type QGraphDoc,
} from '../src/index.js';

/** Inputs a [1,1,2,1] and b [1,1,2,1] (one quantisation), concatenated along channels; outputs: the concat and its [1,4] reshape. */
function twoInTwoOut(): QGraph {
  const b = new GraphBuilder('pair', { scales: 'fixed', rounding: 'tflm' });
  const shared = q(0.5, 3);
  const a = b.input('a', [1, 1, 2, 1], shared);
  const c = b.input('b', [1, 1, 2, 1], shared);
  const joined = b.concat('joined', [a, c], shared, 'NONE');
  b.output(joined);
  b.output(b.reshape('flat', joined, [1, 4]));
  return b.build();
}

function mutated(edit: (doc: QGraphDoc) => void): () => unknown {
  const g = twoInTwoOut();
  const doc = JSON.parse(JSON.stringify(qgraphDoc(g))) as QGraphDoc;
  edit(doc);
  return () => parseQGraph(doc, g.blob, 'pair.qgraph.json');
}

describe('boundary lists are validated', () => {
  it('accepts two inputs and two outputs', () => {
    expect(() => mutated(() => undefined)()).not.toThrow();
  });
  const cases: [string, (d: QGraphDoc) => void, RegExp][] = [
    ['an input listed twice', (d) => { d.inputs = [0, 1, 0]; }, /inputs\[2\]: tensors\[0\] "a" is already graph input 0/],
    ['an output listed twice', (d) => { d.outputs = [d.outputs[1], d.outputs[0], d.outputs[1]]; }, /outputs\[2\]: tensors\[\d+\] "flat" is already graph output 0/],
    ['an input that is also an output', (d) => { d.outputs = [d.outputs[0], 1]; }, /outputs\[1\]: tensors\[1\] "b" is also graph input 1: an output must be computed by an op/],
  ];
  for (const [what, edit, message] of cases) {
    it(`refuses ${what}`, () => {
      const run = mutated(edit);
      expect(run).toThrow(QGraphError);
      expect(run).toThrow(message);
    });
  }
  it('refuses a constant tensor as a graph input', () => {
    const b = new GraphBuilder('const_in', { scales: 'fixed', rounding: 'tflm' });
    const x = b.input('x', [1, 2], q(0.5, 0));
    b.output(b.fullyConnected(x, { name: 'fc', weights: Int8Array.of(1, 2), weightShape: [1, 2], weightScales: [0.01], bias: new Int32Array(1), out: q(0.1, 0) }));
    const g = b.build();
    const doc = JSON.parse(JSON.stringify(qgraphDoc(g))) as QGraphDoc;
    doc.inputs = [x, g.tensors.findIndex((t) => t.name === 'fc/weights')];
    expect(() => parseQGraph(doc, g.blob, 'c.qgraph.json')).toThrow(/inputs\[1\]: graph input tensors\[1\] "fc\/weights" is a constant/);
  });
});

describe('interpreter with several inputs and outputs', () => {
  // Concatenation with one shared quantisation copies bytes: [a0, b0, a1, b1] per pixel order
  // (NHWC, channels innermost): a = [10, -20], b = [30, -40] → joined = [10, 30, -20, -40].
  const a = Int8Array.of(10, -20);
  const b = Int8Array.of(30, -40);
  it('run takes every input in order and returns every output in order', () => {
    const { outputs } = new Interpreter(twoInTwoOut()).run([a, b]);
    expect(outputs.map((o) => Array.from(o))).toEqual([[10, 30, -20, -40], [10, 30, -20, -40]]);
  });
  it('runByName keys inputs and outputs by tensor name', () => {
    const out = new Interpreter(twoInTwoOut()).runByName({ b, a });
    expect(Object.keys(out)).toEqual(['joined', 'flat']);
    expect(Array.from(out.joined)).toEqual([10, 30, -20, -40]);
    expect(() => new Interpreter(twoInTwoOut()).runByName({ a, c: b })).toThrow(/missing "b"; unknown "c" \(graph inputs: "a", "b"\)/);
  });
  it('input vectors: one tensor per input, bytes back to back; the count and sizes are checked', () => {
    const g = twoInTwoOut();
    expect(graphInputs(g).map((t) => [t.name, t.bytes])).toEqual([['a', 2], ['b', 2]]);
    expect(graphOutputs(g).map((t) => [t.position, t.name, t.shape])).toEqual([[0, 'joined', [1, 1, 2, 2]], [1, 'flat', [1, 4]]]);
    expect(Array.from(inputVectorBytes(g, [a, b]))).toEqual([10, 236, 30, 216]);
    expect(() => inputVectorTensors(g, a)).toThrow(/holds 1 tensor\(s\), the graph has 2 input\(s\): "a" \[1, 1, 2, 1\] int8, "b" \[1, 1, 2, 1\] int8/);
    expect(() => inputVectorBytes(g, [a, Int8Array.of(1)])).toThrow(/input 1 "b" needs 2 bytes/);
  });
});

describe('random graphs: the several-inputs-and-outputs family', () => {
  it('gives 2–3 inputs joined by ADD and CONCATENATION, and 2 distinct outputs, in every scheme', () => {
    const inputCounts = new Set<number>();
    const joins = new Set<string>();
    for (let seed = 1; seed <= 60; seed++) {
      const scheme = seed % 2 ? { scales: 'fixed', rounding: 'tflm' } as const : { scales: 'pow2', rounding: 'tflm' } as const;
      const g = randomGraph(seed, { multiIo: true, scheme });
      expect(g.inputs.length).toBeGreaterThanOrEqual(2);
      expect(g.inputs.length).toBeLessThanOrEqual(3);
      expect(g.outputs).toHaveLength(2);
      expect(g.outputs[0]).not.toBe(g.outputs[1]);
      inputCounts.add(g.inputs.length);
      g.ops.filter((op) => op.name.startsWith('join')).forEach((op) => joins.add(op.type));
      const inputs = graphInputs(g).map((t) => new Int8Array(t.elements).fill(seed % 7));
      const { outputs } = new Interpreter(g).run(inputs);
      outputs.forEach((o, k) => expect(o.length, `seed ${seed} output ${k}`).toBe(graphOutputs(g)[k].elements));
    }
    expect([...inputCounts].sort()).toEqual([2, 3]);
    expect([...joins].sort()).toEqual(['ADD', 'CONCATENATION']);
  });
  it('leaves graphs without the option as they were (one input, one output)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const g = randomGraph(seed);
      expect([g.inputs.length, g.outputs.length]).toEqual([1, 1]);
      expect(randomGraph(seed, { multiIo: false })).toEqual(g);
    }
  });
});
