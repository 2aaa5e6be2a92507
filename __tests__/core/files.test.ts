import { mkdir, open, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { LEFTOVER_AGE_MS, lockDirectory, NotRegularFileError, openRegular, RUN_ID, sinkTo, temporaryName, thisMachine } from '../../src/core/files.js';
import { useTempDirs } from '../helpers/tmp.js';
import { deadPid as exitedPid, lacks, mkfifo, NOT_POSIX } from '../helpers/tools.js';

const tempDir = useTempDirs();

describe('openRegular', () => {
  it('opens a regular file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.whl'), 'bytes');
    const handle = await openRegular(join(dir, 'a.whl'), 'a.whl');
    expect((await handle.readFile()).toString()).toBe('bytes');
    await handle.close();
  });

  type Make = (path: string, dir: string) => Promise<void>;
  const refuses = async (_label: string, make: Make, message: RegExp) => {
    const dir = await tempDir();
    const path = join(dir, 'x.whl.sha256');
    await make(path, dir);
    const error = await openRegular(path, 'x.whl.sha256').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotRegularFileError);
    expect((error as Error).message).toMatch(new RegExp(`^x\\.whl\\.sha256 ${message.source}`));
  };

  // A symbolic link needs a privilege on Windows; a FIFO cannot sit in a Windows directory.
  it.skipIf(NOT_POSIX).each([
    ['a symbolic link', async (path: string, dir: string) => {
      await writeFile(join(dir, 'target'), 'secret');
      await symlink(join(dir, 'target'), path);
    }, /is a symbolic link, not a regular file/],
  ] as [string, Make, RegExp][])('refuses %s, naming it', refuses);
  it.skipIf(NOT_POSIX || lacks('mkfifo')).each([
    ['a FIFO, without waiting for a writer', async (path: string) => mkfifo(path), /is a FIFO, not a regular file/],
  ] as [string, Make, RegExp][])('refuses %s, naming it', refuses);
  it.each([
    ['a directory', async (path: string) => void (await mkdir(path)), /is a directory, not a regular file/],
  ] as [string, Make, RegExp][])('refuses %s, naming it', refuses);
});

describe('temporary names and the directory lock', () => {
  it("carry this run's id", () => {
    expect(temporaryName('a.whl')).toMatch(new RegExp(`^\\.a\\.whl\\.wg-${RUN_ID}-[0-9a-f]{8}\\.tmp$`));
  });

  it("keeps a live run's files and fresh lockless ones; removes a dead run's and old lockless ones; releases its own lock", async () => {
    const dir = await tempDir();
    const old = new Date(Date.now() - LEFTOVER_AGE_MS - 60_000);
    const deadPid = exitedPid();
    const lock = (run: string, pid: number, host = hostname()) => writeFile(join(dir, `.wheel-guard-${run}.lock`), `${JSON.stringify({ pid, ...thisMachine(), host, started: '' })}\n`);
    const files = {
      dead: '.a.whl.wg-00000000dead-00000001.tmp',
      deadLock: '.wheel-guard-00000000dead.lock',
      live: '.a.whl.wg-0000000a11e0-00000001.tmp',
      liveLock: '.wheel-guard-0000000a11e0.lock',
      otherHost: '.a.whl.wg-00000000f00d-00000001.tmp',
      otherHostLock: '.wheel-guard-00000000f00d.lock',
      staleLock: '.wheel-guard-00000000057a.lock',
      staleTemp: '.a.whl.wg-00000000057a-00000001.tmp',
      oldLockless: '.a.whl.wg-000000000001-00000001.tmp',
      freshLockless: '.a.whl.wg-000000000002-00000001.tmp',
      legacy: '.a.whl.wg-000000000003.tmp',
      wheel: 'a.whl',
    };
    for (const name of Object.values(files)) await writeFile(join(dir, name), 'x');
    await lock('00000000dead', deadPid);
    await lock('0000000a11e0', process.pid);
    // Another machine's run on a shared disk: its pid means nothing here, only the lock's age does.
    await lock('00000000f00d', deadPid, 'another-host');
    await lock('00000000057a', process.pid);
    for (const name of [files.live, files.otherHost, files.oldLockless, files.legacy, files.staleLock, files.staleTemp]) await utimes(join(dir, name), old, old);
    const held = await lockDirectory(dir);
    const left = await readdir(dir);
    expect(left.sort()).toEqual(
      [files.live, files.liveLock, files.otherHost, files.otherHostLock, files.freshLockless, files.wheel, `.wheel-guard-${RUN_ID}.lock`].sort(),
    );
    await held.release();
    expect(await readdir(dir)).not.toContain(`.wheel-guard-${RUN_ID}.lock`);
  });
});

describe("a lock's PID is asked about only on the machine and PID namespace that wrote it", () => {
  // Each case: a fresh lock (and a temporary file) of a run whose PID has ended, as another holder would have written it.
  const cases: [string, (me: ReturnType<typeof thisMachine>) => Record<string, unknown>, boolean][] = [
    ['this machine, this namespace: the run is dead, its files go', (me) => ({ ...me }), true],
    ['the same host name in another PID namespace (a container on the host network): kept', (me) => ({ ...me, pidns: 'pid:[1]' }), false],
    ['the same host name after another boot, or on a machine cloned from one image: kept', (me) => ({ ...me, boot: '00000000-0000-4000-8000-000000000000' }), false],
    ['an older lock that names only the host, read on Linux: kept (age decides)', (me) => ({ host: me.host }), process.platform !== 'linux'],
    ['a PID of 0 (the process group) or not a number: kept', (me) => ({ ...me, pid: 0 }), false],
  ];
  it.each(cases)('%s', async (_, holder, removed) => {
    const dir = await tempDir();
    const run = '000000dead01';
    await writeFile(join(dir, `.wheel-guard-${run}.lock`), `${JSON.stringify({ pid: exitedPid(), ...holder(thisMachine()), started: '' })}\n`);
    await writeFile(join(dir, `.a.whl.wg-${run}-00000001.tmp`), 'x');
    const held = await lockDirectory(dir);
    const left = (await readdir(dir)).filter((n) => !n.includes(RUN_ID));
    await held.release();
    expect(left.sort()).toEqual(removed ? [] : [`.a.whl.wg-${run}-00000001.tmp`, `.wheel-guard-${run}.lock`]);
  });

  it('what this run writes names its host and, on Linux, its boot and PID namespace', async () => {
    const dir = await tempDir();
    const held = await lockDirectory(dir);
    const text = await readFile(join(dir, `.wheel-guard-${RUN_ID}.lock`), 'utf8');
    await held.release();
    const written = JSON.parse(text) as Record<string, unknown>;
    expect(written).toMatchObject({ pid: process.pid, host: hostname() });
    if (process.platform === 'linux') {
      expect(written.boot).toMatch(/^[0-9a-f-]{36}$/);
      expect(written.pidns).toMatch(/^pid:\[\d+\]$/);
    }
  });

  it.skipIf(NOT_POSIX || lacks('mkfifo'))('a FIFO or a huge file in a lock\'s name is not read (no hang, no memory): the age decides', async () => {
    const dir = await tempDir();
    mkfifo(join(dir, '.wheel-guard-00000000f1f0.lock'));
    // A dead run's lock, every field this machine's, but padded past what a lock may hold: not parsed, so kept.
    await writeFile(join(dir, '.wheel-guard-0000000b16b1.lock'), JSON.stringify({ pid: exitedPid(), ...thisMachine(), pad: 'x'.repeat(1024 * 1024) }));
    const held = await lockDirectory(dir);
    await held.release();
    expect((await readdir(dir)).sort()).toEqual(['.wheel-guard-00000000f1f0.lock', '.wheel-guard-0000000b16b1.lock']);
  });
});

describe('lockDirectory on a shared disk whose clock differs from this machine\'s', () => {
  it("judges another machine's lock by the file system's clock: a runner 20 minutes ahead does not take a live run for dead", async () => {
    const dir = await tempDir();
    // Another machine's live run: its lock and temporary file just written (the file system's time, now).
    await writeFile(join(dir, '.wheel-guard-0000000b0b0b.lock'), `${JSON.stringify({ pid: 1, host: 'another-host', started: new Date().toISOString() })}\n`);
    await writeFile(join(dir, '.a.whl.wg-0000000b0b0b-00000001.tmp'), 'x');
    // This machine's clock runs 20 minutes ahead of the file server's.
    const skewed = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 20 * 60 * 1000);
    try {
      const held = await lockDirectory(dir);
      expect((await readdir(dir)).sort()).toEqual(['.a.whl.wg-0000000b0b0b-00000001.tmp', '.wheel-guard-0000000b0b0b.lock', `.wheel-guard-${RUN_ID}.lock`].sort());
      await held.release();
    } finally {
      skewed.mockRestore();
    }
  });
});

describe('sinkTo', () => {
  const chunk = (i: number): Buffer => Buffer.alloc(100 * 1024, i);

  it('writes every chunk in order, one batch on disk while the next gathers', async () => {
    const dir = await tempDir();
    const handle = await open(join(dir, 'out'), 'w');
    const seen: number[] = [];
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 40; i++) yield chunk(i);
    }
    await sinkTo(handle, (c) => seen.push(c[0]!))(source());
    await handle.close();
    const written = await readFile(join(dir, 'out'));
    expect(written.equals(Buffer.concat(Array.from({ length: 40 }, (_, i) => chunk(i))))).toBe(true);
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it.each([
    ['the source breaks', 'source'],
    ['each refuses a chunk', 'each'],
  ])('when %s, every chunk `each` accepted is on disk, and nothing after it', async (_label, where) => {
    const dir = await tempDir();
    const handle = await open(join(dir, 'out'), 'w');
    let accepted = 0;
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 23; i++) yield chunk(i);
      if (where === 'source') throw new Error('connection reset');
      yield chunk(99);
    }
    const sink = sinkTo(handle, (c) => {
      if (c[0] === 99) throw new Error('refused');
      accepted += c.length;
    });
    await expect(sink(source())).rejects.toThrow(where === 'source' ? 'connection reset' : 'refused');
    await handle.close();
    const written = await readFile(join(dir, 'out'));
    // 23 chunks of 100 KiB: several batches written, the last one partial (written after the break).
    expect(written.length).toBe(accepted);
    expect(written.equals(Buffer.concat(Array.from({ length: 23 }, (_, i) => chunk(i))))).toBe(true);
  });
});
