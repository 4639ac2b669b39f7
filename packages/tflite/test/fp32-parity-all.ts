/**
 * Issue 4, "Done when" 2 in full: for 100 random CONV/DW/FC/ADD/AVG_POOL/MEAN/RESHAPE/PAD
 * graphs in fp32 mode (the seeds of oracle-fp32.test.ts), 1000 inputs each, LiteRT.js,
 * the interpreter and the generated C (host gcc) must agree bit for bit, whole model.
 * Run: npx tsx packages/tflite/test/fp32-parity-all.ts [count]
 */
import { randomGraph } from '@edgeq/ir';
import { hostParity } from '@edgeq/harness';
import { compareWholeModel } from '../src/index.js';
import { randomInputs } from './inputs.js';
import { FP32_GRAPHS } from './random-graph-options.js';

const count = Number(process.argv[2] ?? 100);
let bad = 0;
let elements = 0;
const t0 = Date.now();
for (let seed = 1000; seed < 1000 + count; seed++) {
  const g = randomGraph(seed, FP32_GRAPHS);
  const inputs = randomInputs(g, 1000, seed);
  const lite = await compareWholeModel(g, inputs.map((x) => [x]));
  const host = await hostParity(g, inputs);
  elements += lite.elements;
  const ok = lite.differing === 0 && host.stats.exactVectors === inputs.length;
  if (!ok) bad++;
  console.log(`${g.name.padEnd(12)} ${g.ops.map((o) => o.type).join(',').padEnd(90)} LiteRT ${lite.differing}/${lite.elements} differ; C ${host.line}`);
}
console.log(`${count - bad}/${count} graphs bit-exact across LiteRT.js, interpreter and generated C (${elements} output elements each way, ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
process.exit(bad ? 1 : 0);
