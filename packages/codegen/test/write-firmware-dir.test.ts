/**
 * writeFirmwareDir replaces an existing firmware directory as a whole (through @edgeq/ir's
 * writeDirAtomic): no stale file survives, no temporary sibling is left behind, and a
 * failed generation leaves the old directory untouched.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReferenceModel } from '@edgeq/ir';
import { writeFirmwareDir } from '../src/index.js';

let parent = '';
beforeEach(async () => {
  parent = await fs.mkdtemp(path.join(os.tmpdir(), 'edgeq-fwdir-'));
});
afterEach(async () => {
  await fs.rm(parent, { recursive: true, force: true });
});

describe('writeFirmwareDir', () => {
  it('replaces an existing directory whole and leaves no temporary sibling', async () => {
    const dir = path.join(parent, 'fw');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'stale.c'), 'old');
    const model = await writeFirmwareDir(buildReferenceModel('dscnn'), dir);
    const entries = await fs.readdir(dir);
    expect(entries).not.toContain('stale.c');
    expect(entries).toEqual(expect.arrayContaining(['model.c', 'model.h', 'harness_main.c', 'runtime']));
    expect(await fs.readFile(path.join(dir, 'model.c'), 'utf8')).toBe(model.files.get('model.c'));
    expect(await fs.readdir(parent)).toEqual(['fw']);
  });

  it('keeps the old directory when generation fails', async () => {
    const dir = path.join(parent, 'fw');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'model.c'), 'old');
    const broken = buildReferenceModel('dscnn');
    broken.ops[0].inputs = [9999];
    await expect(writeFirmwareDir(broken, dir)).rejects.toThrow();
    expect(await fs.readFile(path.join(dir, 'model.c'), 'utf8')).toBe('old');
    expect(await fs.readdir(parent)).toEqual(['fw']);
  });
});
