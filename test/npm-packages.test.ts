// edgeq from npm, as a user gets it: runs the README's npm block verbatim (build every package
// to JavaScript + declarations, pack the tarballs, install them with npm into an empty project
// outside the repository, generate firmware and check parity there), then type-checks a
// TypeScript file against @edgeq/ir and @edgeq/codegen and imports both from plain Node.
// Nothing in the installed tree may need tsx or the repository.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['ir', 'runtime-c', 'codegen', 'harness', 'tflite', 'qat', 'cli'];

let work: string;
let project: string;

interface Run {
  exitCode: number;
  stdout: string;
  /** stdout then stderr. */
  all: string;
}

/** Runs a command to completion (asynchronously: the test worker stays responsive). */
function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, maxBuffer: 64 << 20, env: { ...process.env, NODE_PATH: '' } }, (error, stdout, stderr) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ exitCode, stdout, all: stdout + stderr });
    });
  });
}

/** Runs a command in the installed project; the repository's node_modules are not on any path. */
const inProject = (command: string, args: string[]) => run(command, args, project);

/** Write `lines` as a module in the installed project, run it with plain Node (it must exit 0) and return its stdout, trimmed. */
async function nodeScript(file: string, lines: string[]): Promise<string> {
  await fs.writeFile(path.join(project, file), lines.join('\n') + '\n');
  const result = await inProject('node', [file]);
  expect(result.exitCode, result.all).toBe(0);
  return result.stdout.trim();
}

async function mustRun(command: string, args: string[], cwd: string): Promise<void> {
  const result = await run(command, args, cwd);
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.exitCode}:\n${result.all}`);
}

describe('edgeq as npm packages', () => {
  let readmeRun: Run;

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-npm-'));
    const tarballs = path.join(work, 'tarballs');
    // The README block, run as written: only the tarball directory and the clone's path change.
    const readme = await fs.readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const block = /<!-- example\nskip: run verbatim by test\/npm-packages\.test\.ts[^\n]*\n-->\n```sh\n([\s\S]*?)```/.exec(readme);
    if (!block) throw new Error('README.md: the npm block (skip: run verbatim by test/npm-packages.test.ts) was not found');
    const script = block[1].replaceAll('/tmp/edgeq-packages', tarballs).replace(/^scripts\//m, `${repoRoot}/scripts/`);
    readmeRun = await run('bash', ['-euo', 'pipefail', '-c', script], work);
    if (readmeRun.exitCode !== 0) throw new Error(`README npm block exited ${readmeRun.exitCode}:\n${readmeRun.all}`);
    project = path.join(work, 'my-firmware');
    await mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--save-dev', 'typescript@5.9.3', '@types/node@20'], project);
  }, 900_000);

  afterAll(async () => {
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('installs JavaScript and declarations only: no TypeScript sources, no tsx', async () => {
    const installed = path.join(project, 'node_modules/@edgeq');
    expect((await fs.readdir(installed)).sort()).toEqual([...PACKAGES].sort());
    for (const p of PACKAGES) {
      const manifest = JSON.parse(await fs.readFile(path.join(installed, p, 'package.json'), 'utf8'));
      expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
      expect(manifest.license).toBe('Apache-2.0');
      expect(JSON.stringify(manifest.dependencies ?? {})).not.toContain('workspace:');
      await fs.access(path.join(installed, p, 'dist/index.d.ts'));
      await expect(fs.access(path.join(installed, p, 'src'))).rejects.toThrow();
    }
    await expect(fs.access(path.join(project, 'node_modules/tsx'))).rejects.toThrow();
  });

  it('`npx edgeq generate dscnn --target cortex-m4` (README) wrote firmware sources from the packaged templates', async () => {
    expect(readmeRun.all).toContain('generated dscnn for cortex-m4');
    const model = await fs.readFile(path.join(project, 'fw/src/model.c'), 'utf8');
    expect(model).toContain('dscnn_invoke');
    await fs.access(path.join(project, 'fw/src/edgeq.h'));
  });

  it('`npx edgeq parity dscnn --random 20` (README) was bit-exact on the host with the packaged C runtime', () => {
    expect(readmeRun.all).toContain('parity: 20/20 bit-exact on host (gcc)');
  });

  it('a TypeScript file importing @edgeq/ir and @edgeq/codegen type-checks, and a wrong name does not', async () => {
    const tsconfig = { compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'] }, files: ['check.mts'] };
    await fs.writeFile(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const good = [
      "import { buildReferenceModel, runQGraph, type QGraph } from '@edgeq/ir';",
      "import { generateModel, type GeneratedModel } from '@edgeq/codegen';",
      'const graph: QGraph = buildReferenceModel(\'dscnn\');',
      'export const outputs = runQGraph(graph, [new Int8Array(49 * 10)]);',
      'export const model: Promise<GeneratedModel> = generateModel(graph, { prefix: \'kws\' });',
    ].join('\n');
    await fs.writeFile(path.join(project, 'check.mts'), good + '\n');
    const ok = await inProject('npx', ['tsc', '-p', 'tsconfig.json']);
    expect(ok.exitCode, ok.all).toBe(0);
    await fs.writeFile(path.join(project, 'check.mts'), good.replace('generateModel, type', 'generateModels, type') + '\n');
    const bad = await inProject('npx', ['tsc', '-p', 'tsconfig.json']);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.all).toMatch(/has no exported member (named )?'generateModels'/);
  });

  it('simulateBatch starts its worker threads from the installed package (no tsx): 2 workers give the bits of one thread', async () => {
    const script = [
      "import { buildReferenceModel, graphInputs, mulberry32, simulateBatch } from '@edgeq/ir';",
      "const g = buildReferenceModel('dscnn');",
      'const rand = mulberry32(3);',
      'const inputs = Array.from({ length: 100 }, () => Int8Array.from({ length: graphInputs(g)[0].elements }, () => Math.floor(rand() * 256) - 128));',
      'const one = await simulateBatch(g, inputs, { workers: 1 });',
      'const two = await simulateBatch(g, inputs, { workers: 2, useCallingThread: false });',
      'console.log(two.workers, two.samplesOnWorkers, Buffer.from(one.values[0].buffer).equals(Buffer.from(two.values[0].buffer)));',
    ];
    expect(await nodeScript('simulate.mjs', script)).toBe('2 100 true');
  }, 120_000);

  it('plain Node imports the built packages and generates C with the requested prefix', async () => {
    const script = [
      "import { buildReferenceModel } from '@edgeq/ir';",
      "import { generateModel } from '@edgeq/codegen';",
      "const model = await generateModel(buildReferenceModel('dscnn'), { prefix: 'kws' });",
      'console.log([...model.files.keys()].join(","), model.prefix, model.constBytes);',
    ];
    expect(await nodeScript('use.mjs', script)).toMatch(/^model\.h,model\.c,harness_main\.c kws \d+$/);
  }, 120_000);
});
