// The integration files of a generated firmware directory (`--integrations arduino,platformio,
// zephyr`), checked against the rules of their formats: the Arduino library specification
// (1.5 format: library.properties fields, src/, examples/<name>/<name>.ino, name rules) with the
// example sketch compiled and linked as C++ by arm-none-eabi-g++ against the library (with a
// small Arduino.h stub of this test's own: no Arduino core is installed here), PlatformIO's
// library.json, and the Zephyr module (module.yml parsed as YAML, CMakeLists.txt and Kconfig
// checked for their structure).
import { access, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRICT_C_FLAGS } from '../src/toolchain.js';
import { ARDUINO_EXAMPLE_NAME, FIRMWARE_LAYOUT, getCortexMTarget } from '../src/targets/index.js';
import { generateFirmwareProject, type FirmwareProject } from './support/firmware-project.js';

const M4 = getCortexMTarget('cortex-m4');

let project: FirmwareProject;
beforeAll(async () => {
  // The Arduino specification wants the library folder named like the library.
  project = await generateFirmwareProject({ integrations: ['arduino', 'platformio', 'zephyr'] }, 'edgeq_model');
});
afterAll(async () => {
  await rm(project.parent, { recursive: true, force: true });
});

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** library.properties as key → value (the format: one `key=value` per line, `#` comments). */
function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const eq = line.indexOf('=');
    expect(eq, `line "${line}" is key=value`).toBeGreaterThan(0);
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

// Facts of the Arduino library specification (1.5 library format).
const REQUIRED_FIELDS = ['name', 'version', 'author', 'maintainer', 'sentence', 'paragraph', 'category', 'url', 'architectures'];
const CATEGORIES = ['Display', 'Communication', 'Signal Input/Output', 'Sensors', 'Device Control', 'Timing', 'Data Storage', 'Data Processing', 'Other'];
/** Library names: basic letters, numbers, spaces, underscores, dots, dashes; start with a letter or number; at most 63. */
const LIBRARY_NAME = /^(?=.*[A-Za-z])[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$/;
/** Folder names (library root, sketches): start with a letter or number, then letters, numbers, _ . -; at most 63. */
const FOLDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const SEMVER_RELAXED = /^(0|[1-9]\d*)(\.(0|[1-9]\d*)){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

describe('Arduino library layout', () => {
  it('library.properties has every required field with values the specification allows', async () => {
    const props = parseProperties(await readFile(join(project.dir, 'library.properties'), 'utf8'));
    for (const field of REQUIRED_FIELDS) expect(props.get(field), field).toBeTruthy();
    const name = props.get('name')!;
    expect(name).toMatch(LIBRARY_NAME);
    expect(name.startsWith('Arduino')).toBe(false);
    expect(props.get('version')).toMatch(SEMVER_RELAXED);
    expect(CATEGORIES).toContain(props.get('category'));
    expect(() => new URL(props.get('url')!)).not.toThrow();
    expect(props.get('architectures')).toMatch(/^(\*|[a-z0-9_]+(,[a-z0-9_]+)*)$/);
    expect(props.get('paragraph')!.startsWith(props.get('sentence')!)).toBe(false);
    // `includes` names headers of src/.
    for (const header of props.get('includes')!.split(',')) expect(await exists(join(project.libraryDir, header)), header).toBe(true);
    // The library folder is named like the library.
    expect(project.dir.endsWith(`/${name}`)).toBe(true);
  });

  it('has the 1.5 structure: sources in src/, no utility/, each example in examples/<name>/<name>.ino', async () => {
    const top = await readdir(project.dir);
    expect(top).toEqual(expect.arrayContaining(['library.properties', 'src', 'examples']));
    expect(top).not.toContain('utility');
    expect(FIRMWARE_LAYOUT.library).toBe('src');
    const sources = await readdir(project.libraryDir);
    expect(sources).toContain('model.h');
    expect(sources.every((f) => /\.(c|h)$/.test(f))).toBe(true);
    const examples = await readdir(join(project.dir, 'examples'));
    expect(examples).toEqual([ARDUINO_EXAMPLE_NAME]);
    for (const example of examples) {
      expect(example).toMatch(FOLDER_NAME);
      const files = await readdir(join(project.dir, 'examples', example));
      expect(files).toEqual([`${example}.ino`]);
    }
    expect(project.dir.split('/').pop()).toMatch(FOLDER_NAME);
  });

  it('the example sketch compiles as C++ with arm-none-eabi-g++ and links against the library (Arduino.h stubbed)', async () => {
    const work = join(project.parent, 'sketch-build');
    await mkdir(join(work, 'stub'), { recursive: true });
    // The few Arduino core functions the sketch calls; a stand-in written for this test.
    await writeFile(
      join(work, 'stub', 'Arduino.h'),
      `#ifndef EDGEQ_TEST_ARDUINO_STUB_H
#define EDGEQ_TEST_ARDUINO_STUB_H
class SerialPort {
 public:
  void begin(unsigned long baud) { (void)baud; }
  template <typename T> void print(T value) { (void)value; }
  template <typename T> void println(T value) { (void)value; }
};
extern SerialPort Serial;
unsigned long micros(void);
void delay(unsigned long ms);
#endif
`,
    );
    await writeFile(
      join(work, 'stub', 'core.cpp'),
      `#include "Arduino.h"
SerialPort Serial;
static unsigned long now;
unsigned long micros(void) { return now += 10u; }
void delay(unsigned long ms) { now += ms * 1000u; }
void setup();
void loop();
int main() { setup(); loop(); return 0; }
`,
    );
    const sketch = join(project.dir, 'examples', ARDUINO_EXAMPLE_NAME, `${ARDUINO_EXAMPLE_NAME}.ino`);
    // As Arduino's Arm cores build sketches: no exceptions, no RTTI (and so no libstdc++ to link,
    // which this machine's arm-none-eabi toolchain does not ship).
    const cxx = ['-Wall', '-Wextra', '-Werror', '-O1', '-fno-exceptions', '-fno-rtti', ...M4.cpuFlags, `-I${join(work, 'stub')}`, `-I${project.libraryDir}`];
    await execa('arm-none-eabi-g++', [...cxx, '-x', 'c++', '-c', sketch, '-o', join(work, 'sketch.o')]);
    await execa('arm-none-eabi-g++', [...cxx, '-c', join(work, 'stub', 'core.cpp'), '-o', join(work, 'core.o')]);
    const objects = await Promise.all(
      project.librarySources.map(async (src, i) => {
        const obj = join(work, `lib${i}.o`);
        await execa('arm-none-eabi-gcc', [...STRICT_C_FLAGS, ...M4.cpuFlags, '-O1', `-I${project.libraryDir}`, '-c', src, '-o', obj]);
        return obj;
      }),
    );
    await execa('arm-none-eabi-gcc', [...M4.cpuFlags, join(work, 'sketch.o'), join(work, 'core.o'), ...objects, '--specs=nosys.specs', '-o', join(work, 'sketch.elf')]);
    const { stdout } = await execa('arm-none-eabi-nm', ['-C', join(work, 'sketch.elf')]);
    expect(stdout).toMatch(/ T model_invoke$/m);
    expect(stdout).toMatch(/ T setup\(\)$/m);
  }, 180_000);
});

describe('PlatformIO library.json', () => {
  it('names the library, a semver version and src/ as source and include directory, and its example exists', async () => {
    const manifest = JSON.parse(await readFile(join(project.dir, 'library.json'), 'utf8')) as {
      name: string;
      version: string;
      build: { srcDir: string; includeDir: string };
      frameworks: string;
      platforms: string;
      examples: { base: string; files: string[] }[];
    };
    expect(manifest.name).toBe('edgeq_model');
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.build.srcDir).toBe('src');
    expect(await exists(join(project.dir, manifest.build.includeDir, 'model.h'))).toBe(true);
    expect(manifest.frameworks).toBe('*');
    expect(manifest.platforms).toBe('*');
    for (const e of manifest.examples) for (const f of e.files) expect(await exists(join(project.dir, e.base, f)), f).toBe(true);
  });
});

/** Kconfig basics: `config`/`menuconfig` entries with one type each, attribute lines indented, `help` text indented deeper, `if`/`endif` balanced. */
function parseKconfig(text: string): Map<string, { type: string; prompt?: string }> {
  const symbols = new Map<string, { type: string; prompt?: string }>();
  let current: { type: string; prompt?: string } | undefined;
  let inHelp = false;
  let helpIndent = -1;
  let depth = 0;
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const where = `Kconfig line ${i + 1}: "${raw}"`;
    if (raw.trim() === '' || raw.trim().startsWith('#')) return;
    const indent = /^[\t ]*/.exec(raw)![0].replace(/\t/g, '        ').length;
    if (inHelp) {
      if (helpIndent < 0) helpIndent = indent;
      if (indent >= helpIndent && indent > 0) return;
      inHelp = false;
    }
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(config|menuconfig) ([A-Z0-9_]+)$/.exec(line))) {
      expect(indent, where).toBe(0);
      expect(symbols.has(m[2]), `${where}: defined twice`).toBe(false);
      current = { type: '' };
      symbols.set(m[2], current);
    } else if ((m = /^if ([A-Z0-9_!&|() ]+)$/.exec(line))) {
      depth++;
      current = undefined;
    } else if (/^endif( # .*)?$/.test(line)) {
      depth--;
      expect(depth, `${where}: endif without if`).toBeGreaterThanOrEqual(0);
      current = undefined;
    } else {
      expect(current, `${where}: attribute outside a config entry`).toBeDefined();
      expect(indent, `${where}: attributes are indented`).toBeGreaterThan(0);
      if ((m = /^(bool|tristate|string|int|hex)(?: "([^"]*)")?$/.exec(line))) {
        expect(current!.type, `${where}: second type`).toBe('');
        current!.type = m[1];
        current!.prompt = m[2];
      } else if (line === 'help') {
        inHelp = true;
        helpIndent = -1;
      } else {
        expect(line, where).toMatch(/^(default \S.*|depends on \S.*|select [A-Z0-9_]+.*|imply [A-Z0-9_]+.*|range \S+ \S+|prompt "[^"]*")$/);
      }
    }
  });
  expect(depth, 'if/endif balanced').toBe(0);
  for (const [name, s] of symbols) expect(s.type, `${name} has a type`).not.toBe('');
  return symbols;
}

describe('Zephyr module', () => {
  it('zephyr/module.yml is YAML naming the module, its CMake directory and its Kconfig file, which exist', async () => {
    const module = parseYaml(await readFile(join(project.dir, 'zephyr', 'module.yml'), 'utf8')) as {
      name: string;
      build: { cmake: string; kconfig: string };
    };
    expect(module.name).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await exists(join(project.dir, module.build.cmake, 'CMakeLists.txt'))).toBe(true);
    expect(await exists(join(project.dir, module.build.kconfig))).toBe(true);
  });

  it('zephyr/CMakeLists.txt and zephyr/Kconfig are well-formed and agree: the CONFIG_ symbols exist, every source listed exists', async () => {
    const symbols = parseKconfig(await readFile(join(project.dir, 'zephyr', 'Kconfig'), 'utf8'));
    expect(symbols.get('EDGEQ_MODEL')).toEqual({ type: 'bool', prompt: expect.stringContaining('edgeq model') });
    expect(symbols.get('EDGEQ_MODEL_EXTERNAL_ARENA')?.type).toBe('bool');

    const cmake = await readFile(join(project.dir, 'zephyr', 'CMakeLists.txt'), 'utf8');
    const code = cmake.replace(/#.*$/gm, '');
    // Parentheses balance and if()/endif() pair up.
    let open = 0;
    for (const ch of code) {
      open += ch === '(' ? 1 : ch === ')' ? -1 : 0;
      expect(open).toBeGreaterThanOrEqual(0);
    }
    expect(open).toBe(0);
    expect((code.match(/^\s*if\s*\(/gm) ?? []).length).toBe((code.match(/^\s*endif\s*\(/gm) ?? []).length);
    for (const command of code.matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(/gm)) {
      expect(['if', 'endif', 'set', 'zephyr_library_named', 'zephyr_library', 'zephyr_library_sources', 'zephyr_include_directories', 'zephyr_library_compile_definitions']).toContain(command[1]);
    }
    expect(code).toMatch(/zephyr_library(_named)?\(/);
    for (const used of code.matchAll(/CONFIG_([A-Z0-9_]+)/g)) expect(symbols.has(used[1]), used[0]).toBe(true);
    // The sources: every .c of src/, each existing (the directory variable resolves to ../src).
    const dirVar = /set\((\w+) \$\{CMAKE_CURRENT_LIST_DIR\}\/\.\.\/(\w+)\)/.exec(code)!;
    const listed = /zephyr_library_sources\(([^)]*)\)/.exec(code)![1].trim().split(/\s+/);
    const resolved = listed.map((s) => s.replace(`\${${dirVar[1]}}`, join(project.dir, 'zephyr', '..', dirVar[2])));
    for (const f of resolved) expect(await exists(f), f).toBe(true);
    expect(resolved.map((f) => f.split('/').pop()).sort()).toEqual(project.librarySources.map((f) => f.split('/').pop()).sort());
  });
});
