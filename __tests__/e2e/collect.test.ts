import { readFileSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deadPid, lacks, sha256sumCheck } from '../helpers/tools.js';
import { type ContainerFixture, FIXTURES } from './fixtures.js';
import { names, problems, runAction, summaryText, WHEELS, workspace } from './harness.js';

function flipped(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt8(copy.readUInt8(at) ^ 0x01, at);
  return copy;
}

/** The damage collect must catch, one wheel at a time. */
const DAMAGE: [string, (fx: ContainerFixture, ws: string, wheel: string) => Promise<void>, RegExp][] = [
  ['truncated', async (fx, ws, w) => fx.put(ws, w, (await fx.get(ws, w)).subarray(0, 1000)), /sha256 mismatch/],
  ['one byte flipped', async (fx, ws, w) => fx.put(ws, w, flipped(await fx.get(ws, w), 700)), /sha256 mismatch/],
  ['without its sidecar', (fx, ws, w) => fx.remove(ws, `${w}.sha256`), /no sidecar/],
  ['with a malformed sidecar', (fx, ws, w) => fx.put(ws, `${w}.sha256`, `deadbeef  ${w}\n`), /digest has 8 hex digits/],
  ['with a sidecar naming another file', (fx, ws, w) => fx.put(ws, `${w}.sha256`, `${'0'.repeat(64)}  other.whl\n`), /names "other.whl"/],
];

describe.each(FIXTURES)('collect bundle, $kind container', (fx) => {
  let ws: string;
  const collect = (inputs: Record<string, string> = {}) => runAction('collect', { ...fx.inputs(ws), ...inputs }, ws, fx.env());

  beforeAll(() => fx.setup());
  afterAll(() => fx.teardown());
  beforeEach(async () => {
    ws = await workspace();
    const run = await runAction('post-build', { ...fx.inputs(ws), sha256sums: 'post-build.sums' }, ws, fx.env());
    expect(run.errors).toEqual([]);
  });

  it.skipIf(lacks('sha256sum'))('downloads and verifies every pair into path, which holds only the wheels; SHA256SUMS passes sha256sum -c', async () => {
    const run = await collect();
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
    for (const wheel of WHEELS) expect(await readFile(join(ws, 'dist', wheel))).toEqual(await readFile(join(ws, 'wheelhouse', wheel)));
    expect(run.outputs.count).toBe('3');
    expect(run.outputs.sha256sums).toBe(join(ws, 'SHA256SUMS'));
    const check = sha256sumCheck(join(ws, 'dist'), '../SHA256SUMS');
    expect(check.match(/: OK$/gm)).toHaveLength(3);
    expect(JSON.parse(run.outputs.files!)).toHaveLength(3);
    expect(run.summary).toContain('verified');
  });

  it('skips a file already in path with the right hash, without rewriting it', async () => {
    await collect();
    const { stat } = await import('node:fs/promises');
    const before = await stat(join(ws, 'dist', WHEELS[1]!));
    const run = await collect();
    expect(run.code).toBe(0);
    expect(run.summary).toContain('already present');
    const after = await stat(join(ws, 'dist', WHEELS[1]!));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('replaces a stale, wrong copy in path with the verified one', async () => {
    await mkdir(join(ws, 'dist'));
    await writeFile(join(ws, 'dist', WHEELS[0]!), 'stale');
    const run = await collect();
    expect(run.code).toBe(0);
    expect(await readFile(join(ws, 'dist', WHEELS[0]!))).toEqual(await readFile(join(ws, 'wheelhouse', WHEELS[0]!)));
  });

  it.each(DAMAGE)('a wheel %s: exit 1, ::error:: names it, nothing of its name left in path', async (_what, damage, reason) => {
    const wheel = WHEELS[1]!;
    await damage(fx, ws, wheel);
    const run = await collect({ retries: '1' });
    expect(run.code).toBe(1);
    expect(run.errors.some((e) => e.includes(wheel) && reason.test(e))).toBe(true);
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS.filter((w) => w !== wheel));
    expect(run.outputs.count).toBe('2');
    expect(await readFile(join(ws, 'SHA256SUMS'), 'utf8')).not.toContain(wheel);
  });

  it('a sidecar without its wheel is named', async () => {
    await fx.remove(ws, WHEELS[2]!);
    const run = await collect();
    expect(run.code).toBe(1);
    expect(run.errors.some((e) => e.includes(WHEELS[2]!) && e.includes('the wheel itself is not'))).toBe(true);
  });

  it('two problems in one run: both are named, the good wheel still arrives', async () => {
    await fx.put(ws, WHEELS[0]!, (await fx.get(ws, WHEELS[0]!)).subarray(0, 500));
    await fx.remove(ws, `${WHEELS[1]}.sha256`);
    await mkdir(join(ws, 'dist'));
    await writeFile(join(ws, 'dist', WHEELS[1]!), 'an old copy from an earlier run');
    const run = await collect({ retries: '1' });
    expect(run.code).toBe(1);
    expect(run.errors.filter((e) => e.includes(WHEELS[0]!))).toHaveLength(1);
    expect(run.errors.filter((e) => e.includes(WHEELS[1]!))).toHaveLength(1);
    expect(await names(join(ws, 'dist'))).toEqual([WHEELS[2]]);
  });

  it('a mismatch is retried `retries` times before it is reported', async () => {
    await fx.put(ws, WHEELS[1]!, flipped(await fx.get(ws, WHEELS[1]!), 10));
    const run = await collect({ retries: '2' });
    expect(run.code).toBe(1);
    expect(run.warnings.filter((w) => w.includes(WHEELS[1]!) && w.includes('retrying'))).toHaveLength(2);
    expect(summaryText(run)).toMatch(new RegExp(`${WHEELS[1]!.replace(/\./g, '\\.')}.*failed.*>3<`, 's'));
  });

  it('an expected pattern with no verified match fails the run, naming the pattern', async () => {
    const run = await collect({ expected: '*-cp312-*manylinux*x86_64.whl\nwheel-*.whl' });
    expect(run.code).toBe(1);
    expect(problems(run)).toEqual([expect.stringContaining('expected *-cp312-*manylinux*x86_64.whl: no verified file matches')]);
  });

  it('an expected wheel that failed verification does not count as present', async () => {
    await fx.put(ws, WHEELS[1]!, flipped(await fx.get(ws, WHEELS[1]!), 10));
    const run = await collect({ retries: '0', expected: 'wheel-*.whl' });
    expect(run.errors.some((e) => e.startsWith('expected wheel-*.whl'))).toBe(true);
  });

  it("removes what dead runs left behind, never a live run's files", async () => {
    const dist = join(ws, 'dist');
    await mkdir(dist);
    const temp = (run: string) => `.${WHEELS[0]}.wg-${run}-0123abcd.tmp`;
    // As a run on this machine writes it: its host and, on Linux, its boot and PID namespace (DEVELOPERS.md, Platforms).
    const machine: Record<string, string> = { host: hostname() };
    if (process.platform === 'linux') {
      machine.boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      machine.pidns = readlinkSync('/proc/self/ns/pid');
    }
    const lock = (run: string, pid: number) => writeFile(join(dist, `.wheel-guard-${run}.lock`), `${JSON.stringify({ pid, ...machine, started: '' })}\n`);
    const hourAgo = new Date(Date.now() - 3600_000);
    // A run killed on this machine (its process is gone): everything it left goes at once.
    await writeFile(join(dist, temp('00000000dead')), 'partial');
    await lock('00000000dead', deadPid());
    // A run without a lock whose file has not changed for an hour: gone.
    await writeFile(join(dist, temp('0000000000aa')), 'partial');
    await utimes(join(dist, temp('0000000000aa')), hourAgo, hourAgo);
    // A run without a lock whose file changed a moment ago, and a live run (this test's process) even with an old file: kept.
    await writeFile(join(dist, temp('0000000000bb')), 'partial');
    await writeFile(join(dist, temp('00000000a11e')), 'partial');
    await utimes(join(dist, temp('00000000a11e')), hourAgo, hourAgo);
    await lock('00000000a11e', process.pid);
    const run = await collect();
    expect(run.code).toBe(0);
    expect(await names(dist)).toEqual([temp('0000000000bb'), temp('00000000a11e'), '.wheel-guard-00000000a11e.lock', ...WHEELS].sort());
  });

  it('waits for pairs still arriving when wait is set', async () => {
    const sidecar = await fx.get(ws, `${WHEELS[0]}.sha256`);
    await fx.remove(ws, `${WHEELS[0]}.sha256`);
    // Put the sidecar back only once collect has seen the set incomplete and says it waits.
    let restored: Promise<void> | undefined;
    const run = await runAction('collect', { ...fx.inputs(ws), wait: '60' }, ws, fx.env(), (stdout) => {
      if (!restored && stdout.includes('waiting for')) restored = fx.put(ws, `${WHEELS[0]}.sha256`, sidecar);
    });
    await restored;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('waiting for 1 unpaired file');
    expect(await names(join(ws, 'dist'))).toEqual(WHEELS);
  });
});

describe('collect, local directory only', () => {
  it('a container directory that does not exist is one clear error', async () => {
    const ws = await workspace();
    const run = await runAction('collect', { container: 'nowhere' }, ws);
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/nowhere.*does not exist/);
  });
});
