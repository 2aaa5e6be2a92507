import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lacks, sha256sum as runSha256sum, sha256sumCheck } from '../helpers/tools.js';
import { FIXTURES } from './fixtures.js';
import { names, runAction, SDIST, summaryText, WHEELS, workspace } from './harness.js';

/** What `sha256sum --text NAME` prints in `dir` (text mode said, as Git for Windows' build defaults to binary: `*NAME`). */
const sha256sum = (dir: string, name: string): string => {
  const result = runSha256sum(['--text', name], dir);
  if (result.status !== 0) throw new Error(`sha256sum ${name} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
};

describe.each(FIXTURES)('post-build bundle, $kind container', (fx) => {
  let ws: string;
  const postBuild = (inputs: Record<string, string> = {}) => runAction('post-build', { ...fx.inputs(ws), ...inputs }, ws, fx.env());

  beforeAll(() => fx.setup());
  afterAll(() => fx.teardown());
  beforeEach(async () => {
    ws = await workspace({ sdist: true });
  });

  it.skipIf(lacks('sha256sum'))('uploads every wheel then its sidecar, as sha256sum prints it, and leaves the wheel directory as it was', async () => {
    const before = await names(join(ws, 'wheelhouse'));
    const run = await postBuild();
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await fx.names(ws)).toEqual(WHEELS.flatMap((w) => [w, `${w}.sha256`]).sort());
    for (const wheel of WHEELS) {
      expect((await fx.get(ws, `${wheel}.sha256`)).toString()).toBe(sha256sum(join(ws, 'wheelhouse'), wheel));
      expect(await fx.get(ws, wheel)).toEqual(await readFile(join(ws, 'wheelhouse', wheel)));
    }
    expect(await names(join(ws, 'wheelhouse'))).toEqual(before);
    expect(run.outputs.count).toBe('3');
    const files = JSON.parse(run.outputs.files!) as { name: string; size: number; sha256: string }[];
    expect(files.map((f) => f.name).sort()).toEqual(WHEELS);
    for (const file of files) expect(`${file.sha256}  ${file.name}\n`).toBe(sha256sum(join(ws, 'wheelhouse'), file.name));
    expect(run.outputs.sha256sums).toBe(join(ws, 'SHA256SUMS'));
    sha256sumCheck(join(ws, 'wheelhouse'), join(ws, 'SHA256SUMS'));
    expect(run.summary).toContain('<table>');
    for (const wheel of WHEELS) expect(summaryText(run)).toContain(wheel);
    expect(run.summary).toContain('uploaded');
  });

  it('a re-run with identical wheels succeeds without rewriting anything', async () => {
    expect((await postBuild()).code).toBe(0);
    const stamps = await Promise.all(WHEELS.flatMap((w) => [w, `${w}.sha256`]).map((n) => fx.stamp(ws, n)));
    await new Promise((r) => setTimeout(r, fx.stampResolutionMs));
    const again = await postBuild();
    expect(again.code).toBe(0);
    expect(again.summary).toContain('unchanged');
    expect(again.summary).not.toContain('uploaded');
    expect(await Promise.all(WHEELS.flatMap((w) => [w, `${w}.sha256`]).map((n) => fx.stamp(ws, n)))).toEqual(stamps);
  });

  it.skipIf(lacks('sha256sum'))('refuses to replace a remote wheel of the same name with a different hash unless overwrite is true', async () => {
    expect((await postBuild()).code).toBe(0);
    const wheel = join(ws, 'wheelhouse', WHEELS[1]!);
    // A rebuilt wheel: different bytes, still whole inside (a zip comment added after the end record).
    const original = await readFile(wheel);
    const comment = Buffer.from('rebuilt');
    const bytes = Buffer.concat([original, comment]);
    bytes.writeUInt16LE(comment.length, original.length - 2);
    await writeFile(wheel, bytes);
    const refused = await postBuild();
    expect(refused.code).toBe(1);
    expect(refused.errors.some((e) => e.includes(WHEELS[1]!) && e.includes('overwrite'))).toBe(true);
    expect(await fx.get(ws, WHEELS[1]!)).not.toEqual(bytes);
    const replaced = await postBuild({ overwrite: 'true' });
    expect(replaced.errors).toEqual([]);
    expect(replaced.code).toBe(0);
    expect(await fx.get(ws, WHEELS[1]!)).toEqual(bytes);
    expect((await fx.get(ws, `${WHEELS[1]}.sha256`)).toString()).toBe(sha256sum(join(ws, 'wheelhouse'), WHEELS[1]!));
  });

  it('re-uploads a wheel whose sidecar never arrived (an interrupted upload) without needing overwrite', async () => {
    await postBuild();
    await fx.put(ws, WHEELS[0]!, 'half a wheel');
    await fx.remove(ws, `${WHEELS[0]}.sha256`);
    const run = await postBuild();
    expect(run.code).toBe(0);
    expect(await fx.get(ws, WHEELS[0]!)).toEqual(await readFile(join(ws, 'wheelhouse', WHEELS[0]!)));
  });

  it.skipIf(lacks('sha256sum'))('writes sidecars beside the local wheels only with local-sidecars: true', async () => {
    const run = await postBuild({ 'local-sidecars': 'true' });
    expect(run.code).toBe(0);
    for (const wheel of WHEELS) sha256sumCheck(join(ws, 'wheelhouse'), `${wheel}.sha256`);
  });

  it('uploads sdists when the pattern asks for them', async () => {
    const run = await postBuild({ pattern: '*.whl\n*.tar.gz' });
    expect(run.code).toBe(0);
    expect(run.outputs.count).toBe('4');
    expect(await fx.names(ws)).toContain(`${SDIST}.sha256`);
  });

  it.each([
    ['error', 1],
    ['warn', 0],
    ['ignore', 0],
  ])('if-no-files-found: %s', async (mode, code) => {
    const run = await postBuild({ path: 'empty', 'if-no-files-found': mode });
    expect(run.code).toBe(code);
    if (mode === 'error') expect(run.errors.join('\n')).toMatch(/no files matching \*\.whl in empty/);
    if (mode === 'warn') expect(run.warnings.join('\n')).toMatch(/no files matching/);
    if (mode === 'ignore') expect([...run.errors, ...run.warnings]).toEqual([]);
    expect(run.outputs.count).toBe('0');
  });

  it('refuses a file whose name is not a valid wheel name, naming it', async () => {
    await writeFile(join(ws, 'wheelhouse', 'not-a-wheel.whl'), 'x');
    const run = await postBuild();
    expect(run.code).toBe(1);
    expect(run.errors.some((e) => e.includes('not-a-wheel.whl') && e.includes('PEP 427'))).toBe(true);
  });
});
