/**
 * Fuzzes the QGraph loader (issue 13's contract) and prints the counts: mutants refused with
 * a QGraphError, valid ones, bugs (any other exception, or a valid graph the interpreter or
 * code generator cannot handle), and the interpreter-vs-gcc (ASan+UBSan) parity of a sample of
 * the valid ones. Exit 1 on any bug or parity failure.
 *
 *   npx tsx scripts/fuzz-qgraph.ts                              # 20,000 mutants, 40 parity checks
 *   npx tsx scripts/fuzz-qgraph.ts --mutations 2000 --parity 24 --seed 7 --json
 *
 * test/qgraph-fuzz.test.ts runs it with --json as a child process.
 */
import { runFuzz } from '../test/support/qgraph-fuzz.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs a non-negative integer, got ${process.argv[i + 1]}`);
  return v;
}

const json = process.argv.includes('--json');
const mutations = option('mutations', 20_000);
const parity = option('parity', 40);
const seed = option('seed', 1);
const started = Date.now();
const summary = await runFuzz({
  mutations,
  parity,
  seed,
  onProgress: json ? undefined : (done) => done % 2000 === 0 && console.error(`${done} mutants...`),
});
if (json) {
  console.log(JSON.stringify(summary));
} else {
  console.log(`mutants: ${summary.mutations} (seed ${seed}), ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`refused with QGraphError: ${summary.refused}`);
  console.log(`valid (interpreter ran, C generated): ${summary.valid}`);
  console.log(`bugs (any other exception): ${summary.bugs}`);
  for (const b of summary.bugExamples) console.log(`  bug: ${b}`);
  console.log(`parity interpreter vs gcc (ASan+UBSan): ${summary.parityExact}/${summary.parityChecked} valid mutants bit-exact`);
  for (const f of summary.parityFailures) console.log(`  parity failure: ${f}`);
  console.log('most frequent refusals:');
  for (const [reason, n] of summary.topRefusals) console.log(`  ${String(n).padStart(6)}  ${reason}`);
}
process.exitCode = summary.bugs === 0 && summary.parityFailures.length === 0 ? 0 : 1;
