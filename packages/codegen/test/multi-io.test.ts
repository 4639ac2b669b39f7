/**
 * The generated C API of a graph with several inputs and outputs: model.h documents each
 * (name, dtype, shape, scale, zero point) with index macros by name, the arena keeps every
 * input apart from the others and every output apart from the others (bar RESHAPE views of
 * one another), and a user main.c using the API compiles strict and computes the
 * hand-worked result.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { randomGraph, tensorBytes } from '@edgeq/ir';
import { STRICT_C_FLAGS } from '@edgeq/harness';
import { planMemory, writeFirmwareDir } from '../src/index.js';
import { leftRightGraph } from '../../harness/test/multi-io-graph.js';

// The hand-worked two-input, two-output graph (its working is in the helper's comment):
// left = [4, -6], right = [2, 10] → sum = [3, 2], side = [4, 4, -6, -6].
const leftRight = leftRightGraph;

const MAIN_C = `#include <stdio.h>
#include <string.h>
#include "model.h"

int main(void) {
  static const int8_t left[LR_INPUT0_ELEMENTS] = {4, -6};
  static const int8_t right[LR_INPUT1_ELEMENTS] = {2, 10};
  const int8_t *sum;
  const int8_t *side;
  int i;
  memcpy(lr_input(LR_INPUT_LEFT), left, LR_INPUT0_BYTES);
  memcpy(lr_input(LR_INPUT_RIGHT), right, LR_INPUT1_BYTES);
  if (lr_invoke() != 0) return 1;
  sum = (const int8_t *)lr_output(LR_OUTPUT_SUM);
  side = (const int8_t *)lr_output(LR_OUTPUT_SIDE);
  for (i = 0; i < LR_OUTPUT0_ELEMENTS; i++) printf("%d ", sum[i]);
  printf("|");
  for (i = 0; i < LR_OUTPUT1_ELEMENTS; i++) printf(" %d", side[i]);
  printf("\\n");
  return lr_input(LR_NUM_INPUTS) == NULL && lr_output(LR_NUM_OUTPUTS) == NULL ? 0 : 2;
}
`;

describe('generated C API with several inputs and outputs', () => {
  it('model.h documents every input and output, with index macros by name', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-multi-io-'));
    try {
      await writeFirmwareDir(leftRight(), dir, { includeRuntime: false });
      const h = await fs.readFile(path.join(dir, 'model.h'), 'utf8');
      expect(h).toContain('#define LR_NUM_INPUTS 2');
      expect(h).toContain('#define LR_NUM_OUTPUTS 2');
      expect(h).toContain('/* input 0 "left": int8 [1, 1, 2, 1], scale 0.500000000f, zero point 0 */\n#define LR_INPUT_LEFT 0\n#define LR_INPUT0_ELEMENTS 2');
      expect(h).toContain('/* input 1 "right": int8 [1, 1, 2, 1], scale 0.500000000f, zero point 0 */\n#define LR_INPUT_RIGHT 1');
      expect(h).toContain('/* output 0 "sum": int8 [1, 1, 2, 1], scale 1.00000000f, zero point 0 */\n#define LR_OUTPUT_SUM 0');
      expect(h).toContain('/* output 1 "side": int8 [1, 1, 2, 2], scale 0.500000000f, zero point 0 */\n#define LR_OUTPUT_SIDE 1\n#define LR_OUTPUT1_ELEMENTS 4');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('a user main.c reading and writing by name compiles strict and computes the hand-worked outputs', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-multi-io-'));
    try {
      const fw = path.join(dir, 'fw');
      await writeFirmwareDir(leftRight(), fw);
      await fs.writeFile(path.join(dir, 'main.c'), MAIN_C);
      const runtime = (await fs.readdir(path.join(fw, 'runtime'))).filter((f) => f.endsWith('.c')).map((f) => path.join(fw, 'runtime', f));
      const app = path.join(dir, 'app');
      await execa('gcc', [...STRICT_C_FLAGS, '-O1', `-I${fw}`, `-I${path.join(fw, 'runtime')}`, path.join(dir, 'main.c'), path.join(fw, 'model.c'), ...runtime, '-o', app]);
      const { stdout } = await execa(app);
      expect(stdout).toBe('3 2 | 4 4 -6 -6');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('inputs never share arena memory with each other, nor outputs with each other (bar RESHAPE views)', () => {
    for (let seed = 1; seed <= 80; seed++) {
      const g = randomGraph(seed, { multiIo: true });
      const plan = planMemory(g);
      const range = (t: number): [number, number] => [plan.offsets.get(t)!, plan.offsets.get(t)! + tensorBytes(g.tensors[t])];
      const overlap = (a: number, b: number) => range(a)[0] < range(b)[1] && range(b)[0] < range(a)[1];
      // A RESHAPE chain is one buffer under several names: same bytes, so sharing is right.
      const viewRoot = (t: number): number => {
        const op = g.ops.find((o) => o.type === 'RESHAPE' && o.outputs[0] === t);
        return op ? viewRoot(op.inputs[0]) : t;
      };
      const viewOf = (a: number, b: number) => viewRoot(a) === viewRoot(b);
      for (const list of [g.inputs, g.outputs]) {
        for (const a of list) {
          for (const b of list) {
            if (a !== b && overlap(a, b)) expect(viewOf(a, b), `seed ${seed}: ${g.tensors[a].name} and ${g.tensors[b].name} overlap`).toBe(true);
          }
        }
      }
    }
  });
});
