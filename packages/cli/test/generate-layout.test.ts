// `edgeq generate` for a Cortex-M target: `--prefix` names the C API as for the host target,
// the manifest lists the directory's parts (src/ library, harness/, build files), and
// `--integrations` adds Arduino/PlatformIO/Zephyr files or is refused with one line.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { edgeq, entries, scratch } from './helpers.js';

const lines = (s: string) => s.split('\n').filter((l) => l.trim().length > 0);

describe('edgeq generate (Cortex-M layout)', () => {
  it('--prefix names the API of a Cortex-M directory; --integrations adds the requested files', async () => {
    const cwd = scratch('gen-layout');
    const r = await edgeq(['--json', 'generate', 'dscnn', '--target', 'cortex-m0', '--prefix', 'model', '--integrations', 'arduino,zephyr', '--out', 'fw'], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { prefix: string; files: string[] };
    expect(doc.prefix).toBe('model');
    expect(doc.files).toEqual(['src/', 'harness/', 'cmake/', 'Makefile', 'CMakeLists.txt', 'examples/', 'library.properties', 'zephyr/']);
    const header = readFileSync(path.join(cwd, 'fw', 'src', 'model.h'), 'utf8');
    expect(header).toContain('int model_invoke(void);');
    expect(existsSync(path.join(cwd, 'fw', 'library.json'))).toBe(false);
    expect(readFileSync(path.join(cwd, 'fw', 'Makefile'), 'utf8')).toMatch(/^CORE \?= cortex-m0$/m);
  });

  it('--integrations: an unknown name, or a host target, is refused with one line and exit 2', async () => {
    const cwd = scratch('gen-layout-bad');
    const unknown = await edgeq(['generate', 'dscnn', '--target', 'cortex-m4', '--integrations', 'arduino,mbed', '--out', 'fw'], cwd);
    expect(unknown.exitCode).toBe(2);
    expect(lines(unknown.stderr).at(-1)).toBe('edgeq generate: --integrations mbed: unknown; use any of arduino, platformio, zephyr');
    const host = await edgeq(['generate', 'dscnn', '--integrations', 'zephyr', '--out', 'fw'], cwd);
    expect(host.exitCode).toBe(2);
    expect(lines(host.stderr).at(-1)).toBe('edgeq generate: --integrations: needs a Cortex-M --target (the host target writes plain sources)');
    expect(entries(cwd)).toEqual([]);
  });

  it('--serial-agent writes harness/serial-agent/, whose sources compile against src/ with the strict flags (prefix model)', async () => {
    const cwd = scratch('gen-layout-agent');
    const r = await edgeq(['generate', 'dscnn', '--target', 'cortex-m4', '--prefix', 'model', '--serial-agent', '--out', 'fw'], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    const agent = path.join(cwd, 'fw', 'harness', 'serial-agent');
    const sources = readdirSync(agent).filter((f) => f.endsWith('.c'));
    expect(sources).toContain('edgeq_agent_model.c');
    const flags = ['-mcpu=cortex-m4', '-mthumb', '-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-O2', '-DEDGEQ_TRACE', '-DEDGEQ_PORT_CMSDK_UART', '-DEDGEQ_AGENT_CORE_HZ=25000000'];
    const includes = ['src', 'harness/qemu', 'harness/serial-agent'].map((d) => `-I${path.join(cwd, 'fw', d)}`);
    for (const f of sources) {
      await promisify(execFile)('arm-none-eabi-gcc', [...flags, ...includes, '-c', path.join(agent, f), '-o', path.join(cwd, `${f}.o`)]);
    }
    const host = await edgeq(['generate', 'dscnn', '--serial-agent', '--out', 'fw2'], cwd);
    expect(host.exitCode).toBe(2);
    expect(lines(host.stderr).at(-1)).toBe('edgeq generate: --serial-agent: needs a Cortex-M --target (the agent runs on the board)');
  });
});
