import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { names, problems, runAction, WHEELS, workspace } from './harness.js';

/** A workspace whose container `parked/` holds the sample pairs, put there by post-build. */
async function parked(): Promise<string> {
  const ws = await workspace();
  const run = await runAction('post-build', { container: 'parked', sha256sums: 'post-build.sums' }, ws);
  expect(run.code).toBe(0);
  return ws;
}

async function flipByte(file: string, at: number): Promise<void> {
  const bytes = await readFile(file);
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
  await writeFile(file, bytes);
}

/** The damage collect must catch, one wheel at a time. */
const DAMAGE: [string, (container: string, wheel: string) => Promise<void>, RegExp][] = [
  ['truncated', (c, w) => truncate(join(c, w), 1000), /sha256 mismatch/],
  ['one byte flipped', (c, w) => flipByte(join(c, w), 700), /sha256 mismatch/],
  ['without its sidecar', (c, w) => rm(join(c, `${w}.sha256`)), /no sidecar/],
  ['with a malformed sidecar', (c, w) => writeFile(join(c, `${w}.sha256`), `deadbeef  ${w}\n`), /digest has 8 hex digits/],
  ['with a sidecar naming another file', (c, w) => writeFile(join(c, `${w}.sha256`), `${'0'.repeat(64)}  other.whl\n`), /names "other.whl"/],
];

describe('collect bundle, local-directory container', () => {
  let ws: string;
  beforeEach(async () => {
    ws = await parked();
  });

  it('downloads and verifies every pair into path, which holds only the wheels; SHA256SUMS passes sha256sum -c', async () => {
    const run = await runAction('collect', { container: 'parked' }, ws);
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    for (const wheel of WHEELS) expect(await readFile(join(ws, 'dist', wheel))).toEqual(await readFile(join(ws, 'wheelhouse', wheel)));
    expect(run.outputs.count).toBe('3');
    expect(run.outputs.sha256sums).toBe(join(ws, 'SHA256SUMS'));
    expect(execFileSync('sha256sum', ['-c', '../SHA256SUMS'], { cwd: join(ws, 'dist'), encoding: 'utf8' }).match(/: OK$/gm)).toHaveLength(3);
    expect(JSON.parse(run.outputs.files!)).toHaveLength(3);
    expect(run.summary).toContain('verified');
  });

  it('skips a file already in path with the right hash, without rewriting it', async () => {
    await runAction('collect', { container: 'parked' }, ws);
    const before = await stat(join(ws, 'dist', WHEELS[1]!));
    const run = await runAction('collect', { container: 'parked' }, ws);
    expect(run.code).toBe(0);
    expect(run.summary).toContain('already present');
    const after = await stat(join(ws, 'dist', WHEELS[1]!));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('replaces a stale, wrong copy in path with the verified one', async () => {
    await mkdir(join(ws, 'dist'));
    await writeFile(join(ws, 'dist', WHEELS[0]!), 'stale');
    const run = await runAction('collect', { container: 'parked' }, ws);
    expect(run.code).toBe(0);
    expect(await readFile(join(ws, 'dist', WHEELS[0]!))).toEqual(await readFile(join(ws, 'wheelhouse', WHEELS[0]!)));
  });

  it.each(DAMAGE)('a wheel %s: exit 1, ::error:: names it, nothing of its name left in path', async (_what, damage, reason) => {
    const wheel = WHEELS[1]!;
    await damage(join(ws, 'parked'), wheel);
    const run = await runAction('collect', { container: 'parked', retries: '1' }, ws);
    expect(run.code).toBe(1);
    expect(run.errors.some((e) => e.includes(wheel) && reason.test(e))).toBe(true);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.filter((w) => w !== wheel));
    expect(run.outputs.count).toBe('2');
    expect(await readFile(join(ws, 'SHA256SUMS'), 'utf8')).not.toContain(wheel);
  });

  it('a sidecar without its wheel is named', async () => {
    await rm(join(ws, 'parked', WHEELS[2]!));
    const run = await runAction('collect', { container: 'parked' }, ws);
    expect(run.code).toBe(1);
    expect(run.errors.some((e) => e.includes(WHEELS[2]!) && e.includes('the wheel itself is not'))).toBe(true);
  });

  it('two problems in one run: both are named, the good wheel still arrives', async () => {
    await truncate(join(ws, 'parked', WHEELS[0]!), 500);
    await rm(join(ws, 'parked', `${WHEELS[1]}.sha256`));
    await mkdir(join(ws, 'dist'));
    await writeFile(join(ws, 'dist', WHEELS[1]!), 'an old copy from an earlier run');
    const run = await runAction('collect', { container: 'parked', retries: '1' }, ws);
    expect(run.code).toBe(1);
    expect(run.errors.filter((e) => e.includes(WHEELS[0]!))).toHaveLength(1);
    expect(run.errors.filter((e) => e.includes(WHEELS[1]!))).toHaveLength(1);
    expect(await names(join(ws, 'dist'))).toEqual([WHEELS[2]]);
  });

  it('a mismatch is retried `retries` times before it is reported', async () => {
    await flipByte(join(ws, 'parked', WHEELS[1]!), 10);
    const run = await runAction('collect', { container: 'parked', retries: '2' }, ws);
    expect(run.code).toBe(1);
    expect(run.warnings.filter((w) => w.includes(WHEELS[1]!) && w.includes('retrying'))).toHaveLength(2);
    expect(run.summary).toMatch(new RegExp(`${WHEELS[1]!.replace(/\./g, '\\.')}.*failed.*>3<`, 's'));
  });

  it('an expected pattern with no verified match fails the run, naming the pattern', async () => {
    const run = await runAction('collect', { container: 'parked', expected: '*-cp312-*manylinux*x86_64.whl\nwheel-*.whl' }, ws);
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringContaining('expected *-cp312-*manylinux*x86_64.whl: no verified file matches')]);
  });

  it('an expected wheel that failed verification does not count as present', async () => {
    await flipByte(join(ws, 'parked', WHEELS[1]!), 10);
    const run = await runAction('collect', { container: 'parked', retries: '0', expected: 'wheel-*.whl' }, ws);
    expect(run.errors.some((e) => e.startsWith('expected wheel-*.whl'))).toBe(true);
  });

  it('removes temporary files a killed earlier run left behind', async () => {
    await mkdir(join(ws, 'dist'));
    await writeFile(join(ws, 'dist', `.${WHEELS[0]}.wg-0123456789ab.tmp`), 'partial');
    const run = await runAction('collect', { container: 'parked' }, ws);
    expect(run.code).toBe(0);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
  });

  it('a container directory that does not exist is one clear error', async () => {
    const run = await runAction('collect', { container: 'nowhere' }, ws);
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/nowhere.*does not exist/);
  });

  it('waits for pairs still arriving when wait is set', async () => {
    const sidecar = await readFile(join(ws, 'parked', `${WHEELS[0]}.sha256`));
    await rm(join(ws, 'parked', `${WHEELS[0]}.sha256`));
    const pending = runAction('collect', { container: 'parked', wait: '20' }, ws);
    await new Promise((r) => setTimeout(r, 1500));
    await writeFile(join(ws, 'parked', `${WHEELS[0]}.sha256`), sidecar);
    const run = await pending;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('waiting for 1 unpaired file');
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
  });
});
