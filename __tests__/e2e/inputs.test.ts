import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { names, runAction, WHEELS, workspace } from './harness.js';

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

describe('inputs are checked before any work', () => {
  it.each([
    ['collect', { retries: 'three' }, /retries: "three" is not an integer/],
    ['collect', { concurrency: '0' }, /concurrency: "0" is not an integer from 1/],
    ['collect', { wait: '-1' }, /wait: "-1" is not an integer/],
    ['post-build', { 'if-no-files-found': 'fail' }, /if-no-files-found: "fail" is not one of error, warn, ignore/],
    ['post-build', { overwrite: 'yes' }, /overwrite: "yes" is not a boolean/],
    ['collect', { container: 'ftp://host/wheels' }, /unknown scheme "ftp:\/\/".*supported: a local directory path, file:\/\/\/absolute\/path/],
    ['post-build', { container: '' }, /container: required/],
    ['collect', { sha256sums: 'dist/SHA256SUMS' }, /sha256sums: .* is inside dist; twine upload would reject it/],
  ] as const)('%s with %j: one clear error, exit 1, nothing done', async (entry, bad, message) => {
    const ws = await workspace();
    const run = await runAction(entry, { container: 'parked', ...bad }, ws);
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(message);
    expect(run.stdout).not.toMatch(/\n\s+at /); // no stack trace as the headline
    expect(await exists(join(ws, 'parked'))).toBe(false);
    expect(await exists(join(ws, 'dist'))).toBe(false);
  });

  it('a file:// URL names a directory container', async () => {
    const ws = await workspace();
    // file:///tmp/… here; file:///C:/… on Windows, where file://C:\… is no URL.
    const run = await runAction('post-build', { container: pathToFileURL(join(ws, 'by-url')).href }, ws);
    expect(run.code).toBe(0);
    expect(await names(join(ws, 'by-url'))).toHaveLength(6);
  });
});

describe('root action.yml entry (mode)', () => {
  it('runs post-build then collect by mode, defaulting path per mode', async () => {
    const ws = await workspace();
    expect((await runAction('root', { mode: 'post-build', container: 'parked' }, ws)).code).toBe(0);
    const run = await runAction('root', { mode: 'collect', container: 'parked' }, ws);
    expect(run.code).toBe(0);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
  });

  it.each([[''], ['upload']])('mode %j is refused with the choices named', async (mode) => {
    const ws = await workspace();
    const run = await runAction('root', { mode, container: 'parked' }, ws);
    expect(run.code).toBe(1);
    expect(run.errors[0]).toMatch(/mode: .*post-build.*collect/);
  });
});
