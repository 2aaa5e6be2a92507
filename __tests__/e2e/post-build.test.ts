import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { names, runAction, WHEELS, workspace } from './harness.js';

const sha256sum = (dir: string, name: string): string => execFileSync('sha256sum', [name], { cwd: dir, encoding: 'utf8' });

describe('post-build bundle, local-directory container', () => {
  it('uploads every wheel then its sidecar, as sha256sum prints it, and leaves the wheel directory as it was', async () => {
    const ws = await workspace();
    const before = await names(join(ws, 'wheelhouse'));
    const run = await runAction('post-build', { container: 'parked' }, ws);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    const container = join(ws, 'parked');
    expect(await names(container)).toEqual(WHEELS.flatMap((w) => [w, `${w}.sha256`]).sort());
    for (const wheel of WHEELS) {
      expect(await readFile(join(container, `${wheel}.sha256`), 'utf8')).toBe(sha256sum(join(ws, 'wheelhouse'), wheel));
    }
    expect(await names(join(ws, 'wheelhouse'))).toEqual(before);
    expect(run.outputs.count).toBe('3');
    const files = JSON.parse(run.outputs.files!) as { name: string; size: number; sha256: string }[];
    expect(files.map((f) => f.name).sort()).toEqual(WHEELS);
    for (const file of files) expect(`${file.sha256}  ${file.name}\n`).toBe(sha256sum(container, file.name));
    expect(run.outputs.sha256sums).toBe(join(ws, 'SHA256SUMS'));
    execFileSync('sha256sum', ['-c', join(ws, 'SHA256SUMS')], { cwd: join(ws, 'wheelhouse') });
    expect(run.summary).toContain('<table>');
    for (const wheel of WHEELS) expect(run.summary).toContain(wheel);
    expect(run.summary).toContain('uploaded');
  });

  it('a re-run with identical wheels succeeds without rewriting anything', async () => {
    const ws = await workspace();
    expect((await runAction('post-build', { container: 'parked' }, ws)).code).toBe(0);
    const inodes = await Promise.all(WHEELS.map(async (w) => (await stat(join(ws, 'parked', w))).ino));
    const sidecarTimes = await Promise.all(WHEELS.map(async (w) => (await stat(join(ws, 'parked', `${w}.sha256`))).mtimeMs));
    const again = await runAction('post-build', { container: 'parked' }, ws);
    expect(again.code).toBe(0);
    expect(again.summary).toContain('unchanged');
    expect(await Promise.all(WHEELS.map(async (w) => (await stat(join(ws, 'parked', w))).ino))).toEqual(inodes);
    expect(await Promise.all(WHEELS.map(async (w) => (await stat(join(ws, 'parked', `${w}.sha256`))).mtimeMs))).toEqual(sidecarTimes);
  });

  it('refuses to replace a remote wheel of the same name with a different hash unless overwrite is true', async () => {
    const ws = await workspace();
    expect((await runAction('post-build', { container: 'parked' }, ws)).code).toBe(0);
    const wheel = join(ws, 'wheelhouse', WHEELS[1]!);
    const bytes = await readFile(wheel);
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0xff, 100);
    await writeFile(wheel, bytes);
    const refused = await runAction('post-build', { container: 'parked' }, ws);
    expect(refused.code).toBe(1);
    expect(refused.errors.some((e) => e.includes(WHEELS[1]!) && e.includes('overwrite'))).toBe(true);
    expect(await readFile(join(ws, 'parked', WHEELS[1]!))).not.toEqual(bytes);
    const replaced = await runAction('post-build', { container: 'parked', overwrite: 'true' }, ws);
    expect(replaced.errors).toEqual([]);
    expect(replaced.code).toBe(0);
    expect(await readFile(join(ws, 'parked', WHEELS[1]!))).toEqual(bytes);
    expect(await readFile(join(ws, 'parked', `${WHEELS[1]}.sha256`), 'utf8')).toBe(sha256sum(join(ws, 'wheelhouse'), WHEELS[1]!));
  });

  it('re-uploads a wheel whose sidecar never arrived (an interrupted upload) without needing overwrite', async () => {
    const ws = await workspace();
    await runAction('post-build', { container: 'parked' }, ws);
    await writeFile(join(ws, 'parked', WHEELS[0]!), 'half a wheel');
    const { rm } = await import('node:fs/promises');
    await rm(join(ws, 'parked', `${WHEELS[0]}.sha256`));
    const run = await runAction('post-build', { container: 'parked' }, ws);
    expect(run.code).toBe(0);
    expect(await readFile(join(ws, 'parked', WHEELS[0]!))).toEqual(await readFile(join(ws, 'wheelhouse', WHEELS[0]!)));
  });

  it('writes sidecars beside the local wheels only with local-sidecars: true', async () => {
    const ws = await workspace();
    const run = await runAction('post-build', { container: 'parked', 'local-sidecars': 'true' }, ws);
    expect(run.code).toBe(0);
    for (const wheel of WHEELS) execFileSync('sha256sum', ['-c', `${wheel}.sha256`], { cwd: join(ws, 'wheelhouse') });
  });

  it('uploads sdists when the pattern asks for them', async () => {
    const ws = await workspace({ sdist: true });
    const run = await runAction('post-build', { container: 'parked', pattern: '*.whl\n*.tar.gz' }, ws);
    expect(run.code).toBe(0);
    expect(run.outputs.count).toBe('4');
    expect(await names(join(ws, 'parked'))).toContain('wheel-guard-sample-1.0.0.tar.gz.sha256');
  });

  it.each([
    ['error', 1],
    ['warn', 0],
    ['ignore', 0],
  ])('if-no-files-found: %s', async (mode, code) => {
    const ws = await workspace();
    const run = await runAction('post-build', { container: 'parked', path: 'empty', 'if-no-files-found': mode }, ws);
    expect(run.code).toBe(code);
    if (mode === 'error') expect(run.errors.join('\n')).toMatch(/no files matching \*\.whl in empty/);
    if (mode === 'warn') expect(run.warnings.join('\n')).toMatch(/no files matching/);
    if (mode === 'ignore') expect([...run.errors, ...run.warnings]).toEqual([]);
    expect(run.outputs.count).toBe('0');
  });

  it('refuses a file whose name is not a valid wheel name, naming it', async () => {
    const ws = await workspace();
    await writeFile(join(ws, 'wheelhouse', 'not-a-wheel.whl'), 'x');
    const run = await runAction('post-build', { container: 'parked' }, ws);
    expect(run.code).toBe(1);
    expect(run.errors.some((e) => e.includes('not-a-wheel.whl') && e.includes('PEP 427'))).toBe(true);
  });
});
