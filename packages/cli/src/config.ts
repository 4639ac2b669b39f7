/**
 * edgeq.config.json: defaults for command options, so a project can pin its target,
 * scale mode, data and output paths. Flags on the command line always win; a key at the
 * top level applies to every command that has that option, a key inside a section named
 * after a command applies to that command only.
 *
 * ```json
 * { "target": "cortex-m4", "scales": "fixed", "parity": { "limit": 1000 } }
 * ```
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command, Option } from 'commander';
import { inputError, usageError } from './errors.js';

/** The default config file name, looked up in the current directory. */
export const CONFIG_FILE = 'edgeq.config.json';

/** A parsed config: option values, and per-command sections. */
export type EdgeqConfig = Record<string, unknown>;

/**
 * Read the config: `explicit` (from --config) must exist; otherwise ./edgeq.config.json is
 * used when present.
 */
export async function readConfig(explicit?: string): Promise<{ file?: string; config: EdgeqConfig }> {
  const file = explicit ?? path.resolve(CONFIG_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if (!explicit && (e as NodeJS.ErrnoException).code === 'ENOENT') return { config: {} };
    throw inputError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw usageError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw usageError(`${file}: expected a JSON object`);
  return { file, config: doc as EdgeqConfig };
}

const optionKey = (o: Option) => o.attributeName();

/** Every option key any command accepts (for checking top-level config keys). */
function allOptionKeys(program: Command): Set<string> {
  const keys = new Set<string>();
  for (const c of program.commands) for (const o of c.options) keys.add(optionKey(o));
  return keys;
}

function checkValue(file: string, where: string, opt: Option, value: unknown): unknown {
  const choices = (opt as Option & { argChoices?: string[] }).argChoices;
  if (choices && !choices.includes(String(value))) {
    throw usageError(`${file}: ${where}: "${String(value)}" is not one of ${choices.join(', ')}`);
  }
  if (opt.isBoolean?.() && typeof value !== 'boolean') throw usageError(`${file}: ${where}: expected true or false`);
  return value;
}

/**
 * Apply config values to `cmd`'s options wherever the value did not come from the command
 * line. Unknown keys are refused, naming the key.
 */
export function applyConfig(program: Command, cmd: Command, config: EdgeqConfig, file: string): void {
  const commandNames = new Set(program.commands.map((c) => c.name()));
  const known = allOptionKeys(program);
  const byKey = new Map(cmd.options.map((o) => [optionKey(o), o] as const));
  const section = config[cmd.name()];
  if (section !== undefined && (typeof section !== 'object' || section === null || Array.isArray(section))) {
    throw usageError(`${file}: ${cmd.name()}: expected an object of ${cmd.name()} options`);
  }
  for (const key of Object.keys(config)) {
    if (key === '$schema' || commandNames.has(key)) continue;
    if (!known.has(key)) throw usageError(`${file}: unknown option "${key}" (not an option of any edgeq command)`);
  }
  for (const key of Object.keys((section as object | undefined) ?? {})) {
    if (!byKey.has(key)) throw usageError(`${file}: ${cmd.name()}.${key}: "${cmd.name()}" has no option "${key}"`);
  }
  const merged = { ...Object.fromEntries(Object.entries(config).filter(([k]) => byKey.has(k) && !commandNames.has(k))), ...((section as object | undefined) ?? {}) };
  for (const [key, value] of Object.entries(merged)) {
    const src = cmd.getOptionValueSource(key);
    if (src === 'cli' || src === 'env') continue;
    const opt = byKey.get(key)!;
    cmd.setOptionValueWithSource(key, checkValue(file, key, opt, value), 'config');
  }
}
