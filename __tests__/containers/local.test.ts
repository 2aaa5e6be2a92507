import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openContainer } from '../../src/containers/index.js';
import { checkName, LocalContainer } from '../../src/containers/local.js';
import { temporaryName } from '../../src/core/files.js';
import { NotFoundError, WheelGuardError } from '../../src/core/errors.js';
import { SAMPLE_SMALL_WHEEL, SAMPLE_WHEEL, useTempDirs } from '../helpers/tmp.js';
import { lacks, mkfifo, NOT_POSIX } from '../helpers/tools.js';

const tempDir = useTempDirs();

const NAME = 'wheel-0.43.0-py3-none-any.whl';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const optionsFor = (bytes: Buffer) => ({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });

async function container(): Promise<{ dir: string; box: LocalContainer }> {
  const dir = await tempDir();
  return { dir, box: new LocalContainer(pathToFileURL(dir).href, dir) };
}

/** A readable that yields `bytes` in small chunks, then fails with `error`. */
function failingAfter(bytes: Buffer, error: Error): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        for (let i = 0; i < bytes.length; i += 1000) this.push(bytes.subarray(i, i + 1000));
        setImmediate(() => this.destroy(error));
      }
    },
  });
}

describe('LocalContainer', () => {
  it('writes a file, then reads, stats, lists and removes it', async () => {
    const { dir, box } = await container();
    const bytes = await readFile(SAMPLE_WHEEL);
    await box.write(NAME, createReadStream(SAMPLE_WHEEL), optionsFor(bytes));
    expect((await readFile(join(dir, NAME))).equals(bytes)).toBe(true);
    expect((await readAll(await box.read(NAME))).equals(bytes)).toBe(true);
    expect(await box.stat(NAME)).toEqual({ name: NAME, size: bytes.length });
    expect(await box.list()).toEqual([{ name: NAME, size: bytes.length }]);
    await box.remove(NAME);
    expect(await box.stat(NAME)).toBeUndefined();
    expect(await box.list()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
    // Removing again is not an error.
    await box.remove(NAME);
  });

  it('creates its directory on first write', async () => {
    const dir = join(await tempDir(), 'a', 'b');
    const box = new LocalContainer(dir, dir);
    await box.write('x.whl', Readable.from([Buffer.from('x')]), optionsFor(Buffer.from('x')));
    expect(await readFile(join(dir, 'x.whl'), 'utf8')).toBe('x');
  });

  it('replaces an existing file whole', async () => {
    const { dir, box } = await container();
    await box.write('x.whl', Readable.from([Buffer.from('a much longer first version')]), optionsFor(Buffer.from('')));
    await box.write('x.whl', Readable.from([Buffer.from('short')]), optionsFor(Buffer.from('short')));
    expect(await readFile(join(dir, 'x.whl'), 'utf8')).toBe('short');
    expect(await readdir(dir)).toEqual(['x.whl']);
  });

  it.each([0, 1, 1000, 65_774, 65_775])('read with offset %i returns the tail from that byte', async (offset) => {
    const { box } = await container();
    const bytes = await readFile(SAMPLE_WHEEL);
    await box.write(NAME, createReadStream(SAMPLE_WHEEL), optionsFor(bytes));
    const tail = await readAll(await box.read(NAME, offset));
    expect(tail.equals(bytes.subarray(offset))).toBe(true);
  });

  it('lists sorted entries with sizes, filtered by prefix, hiding dotfiles and folders', async () => {
    const { dir, box } = await container();
    await writeFile(join(dir, 'b-1.0-py3-none-any.whl'), 'bb');
    await writeFile(join(dir, 'a-1.0-py3-none-any.whl'), 'aaa');
    await writeFile(join(dir, 'a-1.0-py3-none-any.whl.sha256'), 'x');
    await writeFile(join(dir, temporaryName('c-1.0-py3-none-any.whl')), 'partial');
    await writeFile(join(dir, '.hidden'), 'h');
    await mkdir(join(dir, 'a-folder'));
    expect(await box.list()).toEqual([
      { name: 'a-1.0-py3-none-any.whl', size: 3 },
      { name: 'a-1.0-py3-none-any.whl.sha256', size: 1 },
      { name: 'b-1.0-py3-none-any.whl', size: 2 },
    ]);
    expect((await box.list('b-')).map((e) => e.name)).toEqual(['b-1.0-py3-none-any.whl']);
    expect(await box.list('zzz')).toEqual([]);
  });

  it('does not show a write in progress in list, then shows it complete', async () => {
    const { dir, box } = await container();
    const bytes = await readFile(SAMPLE_WHEEL);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const body = Readable.from(
      (async function* () {
        yield bytes.subarray(0, 30_000);
        await gate;
        yield bytes.subarray(30_000);
      })(),
    );
    const writing = box.write(NAME, body, optionsFor(bytes));
    // Wait until the partial bytes have reached the temporary file.
    for (let i = 0; i < 200; i++) {
      const names = await readdir(dir);
      if (names.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const during = await readdir(dir);
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(/^\.wheel-0\.43\.0-py3-none-any\.whl\.wg-[0-9a-f]{12}-[0-9a-f]{8}\.tmp$/);
    expect(await box.list()).toEqual([]);
    expect(await box.stat(NAME)).toBeUndefined();
    release();
    await writing;
    expect(await box.list()).toEqual([{ name: NAME, size: bytes.length }]);
    expect(await readdir(dir)).toEqual([NAME]);
  });

  it('leaves no file and no temporary file when the source errors half-way', async () => {
    const { dir, box } = await container();
    const bytes = await readFile(SAMPLE_WHEEL);
    const failure = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await expect(box.write(NAME, failingAfter(bytes.subarray(0, 30_000), failure), optionsFor(bytes))).rejects.toBe(failure);
    expect(await readdir(dir)).toEqual([]);
    expect(await box.stat(NAME)).toBeUndefined();
  });

  it('keeps the previous version intact when a replacing write fails', async () => {
    const { dir, box } = await container();
    const old = await readFile(SAMPLE_SMALL_WHEEL);
    await box.write(NAME, Readable.from([old]), optionsFor(old));
    await expect(box.write(NAME, failingAfter(Buffer.alloc(5000, 1), new Error('boom')), optionsFor(old))).rejects.toThrow('boom');
    expect(await readdir(dir)).toEqual([NAME]);
    expect((await readFile(join(dir, NAME))).equals(old)).toBe(true);
  });

  it.each(['sub/x.whl', '../x.whl', '..', '.', '.x.whl', '.hidden', 'a\\b.whl', '/etc/passwd', '', 'a\0b'])(
    'refuses the name %j in every operation',
    async (name) => {
      const { dir, box } = await container();
      const ops: [string, () => Promise<unknown>][] = [
        ['read', () => box.read(name)],
        ['write', () => box.write(name, Readable.from([Buffer.from('x')]), optionsFor(Buffer.from('x')))],
        ['stat', () => box.stat(name)],
        ['remove', () => box.remove(name)],
      ];
      for (const [, op] of ops) {
        const error = await op().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(WheelGuardError);
        expect((error as Error).message).toContain('is not a plain file name');
      }
      expect(await readdir(dir)).toEqual([]);
      expect(() => checkName(name)).toThrow(WheelGuardError);
    },
  );

  it('accepts ordinary distribution names', () => {
    for (const name of [NAME, 'a-1.0.tar.gz', 'a..b.whl', 'x.whl.sha256']) expect(() => checkName(name)).not.toThrow();
  });

  it('write refuses ../ even when the target folder exists', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'box');
    await mkdir(dir);
    const box = new LocalContainer(dir, dir);
    await expect(box.write('../escaped.whl', Readable.from([Buffer.from('x')]), optionsFor(Buffer.from('x')))).rejects.toThrow(
      WheelGuardError,
    );
    expect((await readdir(parent)).sort()).toEqual(['box']);
  });

  it('list of a missing directory throws NotFoundError naming the container', async () => {
    const dir = join(await tempDir(), 'missing');
    const box = new LocalContainer('my-container', dir);
    const error = await box.list().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toContain('my-container');
    expect((error as Error).message).toContain(dir);
  });

  it('read of a missing file throws NotFoundError; stat returns undefined', async () => {
    const { box } = await container();
    await expect(box.read('absent.whl')).rejects.toBeInstanceOf(NotFoundError);
    await expect(box.read('absent.whl')).rejects.toThrow(/absent\.whl not found/);
    expect(await box.stat('absent.whl')).toBeUndefined();
  });

  it('stat of a folder returns undefined', async () => {
    const { dir, box } = await container();
    await mkdir(join(dir, 'folder.whl'));
    expect(await box.stat('folder.whl')).toBeUndefined();
  });

  it('temporary names are hidden, unique and carry the name', () => {
    const a = temporaryName(NAME);
    const b = temporaryName(NAME);
    expect(a).not.toBe(b);
    expect(a.startsWith(`.${NAME}.wg-`)).toBe(true);
    expect(a.endsWith('.tmp')).toBe(true);
  });
});

describe('openContainer', () => {
  it('opens a relative path against cwd and a file:// URL as LocalContainers', async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, 'parked'));
    await writeFile(join(cwd, 'parked', 'x.whl'), 'xyz');
    const byPath = openContainer('parked', cwd);
    expect(byPath).toBeInstanceOf(LocalContainer);
    expect(byPath.url).toBe('parked');
    expect(await byPath.list()).toEqual([{ name: 'x.whl', size: 3 }]);
    // file:///C:/… on Windows, where file://C:\… is no URL.
    const byUrl = openContainer(pathToFileURL(join(cwd, 'parked')).href, '/');
    expect(await byUrl.list()).toEqual([{ name: 'x.whl', size: 3 }]);
  });
});

describe('LocalContainer: only regular files', () => {
  // POSIX only: a symbolic link needs a privilege on Windows, which has no FIFO nor /dev/zero.
  it.skipIf(NOT_POSIX || lacks('mkfifo'))('lists a symbolic link, a FIFO and a device as refused, never following them', async () => {
    const { dir, box } = await container();
    const { symlink } = await import('node:fs/promises');
    await writeFile(join(dir, 'secret'), 'ghp_token');
    await symlink(join(dir, 'secret'), join(dir, 'a-1.0-py3-none-any.whl.sha256'));
    mkfifo(join(dir, 'b-1.0-py3-none-any.whl.sha256'));
    await symlink('/dev/zero', join(dir, 'c-1.0-py3-none-any.whl'));
    const listed = await box.list();
    expect(listed.filter((e) => e.name !== 'secret')).toEqual([
      { name: 'a-1.0-py3-none-any.whl.sha256', size: 0, refused: 'is a symbolic link, not a regular file; only regular files are read' },
      { name: 'b-1.0-py3-none-any.whl.sha256', size: 0, refused: 'is a FIFO, not a regular file; only regular files are read' },
      { name: 'c-1.0-py3-none-any.whl', size: 0, refused: 'is a symbolic link, not a regular file; only regular files are read' },
    ]);
    await expect(box.read('a-1.0-py3-none-any.whl.sha256')).rejects.toThrow(/is a symbolic link/);
    await expect(box.read('b-1.0-py3-none-any.whl.sha256')).rejects.toThrow(/is a FIFO/);
    // readSmall (sidecars) goes through the same door, without blocking on the FIFO.
    await expect(box.readSmall('a-1.0-py3-none-any.whl.sha256', 4096)).rejects.toThrow(/is a symbolic link/);
    await expect(box.readSmall('b-1.0-py3-none-any.whl.sha256', 4096)).rejects.toThrow(/is a FIFO/);
    expect(await box.stat('a-1.0-py3-none-any.whl.sha256')).toBeUndefined();
  });

  it('readSmall gives a small file whole, refuses one past its limit without reading it all, and says what is missing', async () => {
    const { dir, box } = await container();
    await writeFile(join(dir, 'a.sha256'), 'x'.repeat(4096));
    await writeFile(join(dir, 'b.sha256'), 'x'.repeat(4097));
    await writeFile(join(dir, 'empty.sha256'), '');
    expect((await box.readSmall('a.sha256', 4096)).toString()).toBe('x'.repeat(4096));
    expect((await box.readSmall('empty.sha256', 4096)).length).toBe(0);
    await expect(box.readSmall('b.sha256', 4096)).rejects.toThrow('b.sha256 is larger than 4 KiB: refused, not read further');
    await expect(box.readSmall('gone.sha256', 4096)).rejects.toBeInstanceOf(NotFoundError);
    await expect(box.readSmall('../escape.sha256', 4096)).rejects.toThrow();
  });
});
