import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Container, Entry, WriteOptions } from '../../src/containers/container.js';
import { LocalContainer } from '../../src/containers/local.js';
import { IntegrityError, NotFoundError, SidecarFormatError, TransferError } from '../../src/core/errors.js';
import { hashFile } from '../../src/core/hash.js';
import { formatSidecar } from '../../src/core/sidecar.js';
import { downloadVerified, readSidecar, uploadPair, verifyRemote } from '../../src/core/transfer.js';
import { SAMPLE_SMALL_WHEEL, SAMPLE_WHEEL, useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

const NAME = basename(SAMPLE_WHEEL);
const sha = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
const fast = { sleep: async () => {} };

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A local container in a fresh temporary directory. */
async function localContainer(): Promise<{ dir: string; box: LocalContainer }> {
  const dir = await tempDir('wg-box');
  return { dir, box: new LocalContainer(dir, dir) };
}

/** Puts `bytes` into the container's directory directly, as a finished upload. */
async function park(dir: string, name: string, bytes: Buffer): Promise<void> {
  await writeFile(join(dir, name), bytes);
}

/** What a scripted read does instead of returning the whole tail. */
type Fault =
  | { kind: 'reset'; after: number } // emit `after` bytes, then destroy with ECONNRESET
  | { kind: 'end'; after: number } // emit `after` bytes, then end cleanly
  | { kind: 'throw'; error: Error }; // read() itself rejects

/**
 * A real Container that wraps LocalContainer and breaks reads as scripted:
 * one fault per read, in order; reads after the script runs out are clean.
 * Records every read's name and offset.
 */
class ScriptedContainer implements Container {
  readonly url = 'scripted://test';
  readonly reads: { name: string; offset: number }[] = [];

  constructor(
    private readonly inner: Container,
    private readonly faults: (Fault | undefined)[],
    readonly resumable = true,
    /** Where downloads land: a reset waits for the partial bytes to reach disk there first. */
    private readonly downloadDir?: string,
  ) {}

  list(prefix?: string): Promise<Entry[]> {
    return this.inner.list(prefix);
  }

  stat(name: string): Promise<Entry | undefined> {
    return this.inner.stat(name);
  }

  write(name: string, body: Readable, options: WriteOptions): Promise<void> {
    return this.inner.write(name, body, options);
  }

  remove(name: string): Promise<void> {
    return this.inner.remove(name);
  }

  async read(name: string, offset = 0): Promise<Readable> {
    this.reads.push({ name, offset });
    const fault = this.faults.shift();
    if (!fault) return this.inner.read(name, offset);
    if (fault.kind === 'throw') throw fault.error;
    const tail = await readAll(await this.inner.read(name, offset));
    const head = tail.subarray(0, fault.after);
    const waitForDisk = this.waitForPartial.bind(this);
    let pushed = false;
    return new Readable({
      highWaterMark: 1024,
      read() {
        if (pushed) return;
        pushed = true;
        for (let i = 0; i < head.length; i += 4096) this.push(head.subarray(i, i + 4096));
        if (fault.kind === 'end') {
          this.push(null);
          return;
        }
        void waitForDisk(name, offset + head.length).then(() => {
          const error = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
          this.destroy(error);
        });
      },
    });
  }

  /** Waits (bounded) until the hidden temporary file for `name` holds `size` bytes. */
  private async waitForPartial(name: string, size: number): Promise<void> {
    if (!this.downloadDir) return new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 1000; i++) {
      for (const entry of await readdir(this.downloadDir)) {
        if (entry.startsWith(`.${name}.`) && (await stat(join(this.downloadDir, entry))).size >= size) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

/**
 * A container whose store silently damages every write (or reports its own
 * checksum), to check that uploads are read back.
 */
class DamagingContainer extends LocalContainer {
  writes: string[] = [];
  constructor(
    dir: string,
    private readonly damage: (name: string, bytes: Buffer) => Buffer,
  ) {
    super(dir, dir);
  }

  override async write(name: string, body: Readable, options: WriteOptions): Promise<void> {
    this.writes.push(name);
    const bytes = this.damage(name, await readAll(body));
    await super.write(name, Readable.from([bytes]), options);
  }
}

function flipByte(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('uploadPair', () => {
  it('writes the wheel and then its sidecar, byte for byte', async () => {
    const { dir, box } = await localContainer();
    const digest = await hashFile(SAMPLE_WHEEL);
    await uploadPair(box, NAME, SAMPLE_WHEEL, digest, { retries: 2, ...fast });
    expect((await readFile(join(dir, NAME))).equals(await readFile(SAMPLE_WHEEL))).toBe(true);
    expect(await readFile(join(dir, `${NAME}.sha256`), 'utf8')).toBe(formatSidecar(digest.sha256, NAME));
    expect((await readdir(dir)).sort()).toEqual([NAME, `${NAME}.sha256`]);
    expect(await readSidecar(box, NAME)).toBe(digest.sha256);
  });

  it('reports upload progress up to the file size', async () => {
    const { box } = await localContainer();
    const digest = await hashFile(SAMPLE_WHEEL);
    const progress: [number, number | undefined][] = [];
    await uploadPair(box, NAME, SAMPLE_WHEEL, digest, { retries: 0, ...fast, onProgress: (bytes, total) => progress.push([bytes, total]) });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual([digest.size, digest.size]);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0]);
  });

  it('fails on an unreadable local file without leaving anything in the container', async () => {
    const { dir, box } = await localContainer();
    const missing = join(await tempDir(), NAME);
    const error = await errorOf(uploadPair(box, NAME, missing, { sha256: sha('x'), size: 1 }, { retries: 2, ...fast }));
    expect((error as { code?: string }).code).toBe('ENOENT');
    expect(await readdir(dir)).toEqual([]);
  });

  it('retries a damaged upload, then throws IntegrityError and never writes the sidecar', async () => {
    const dir = await tempDir('wg-box');
    const box = new DamagingContainer(dir, (name, bytes) => (name === NAME ? flipByte(bytes, 500) : bytes));
    const digest = await hashFile(SAMPLE_WHEEL);
    const retried: number[] = [];
    const error = await errorOf(
      uploadPair(box, NAME, SAMPLE_WHEEL, digest, { retries: 2, ...fast, onRetry: (_e, attempt) => retried.push(attempt) }),
    );
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).file).toBe(NAME);
    expect((error as IntegrityError).expected).toBe(digest.sha256);
    expect(box.writes).toEqual([NAME, NAME, NAME]);
    expect(retried).toEqual([2, 3]);
    expect(await readdir(dir)).not.toContain(`${NAME}.sha256`);
  });

  it('recovers when only the first upload is damaged', async () => {
    const dir = await tempDir('wg-box');
    let damaged = false;
    const box = new DamagingContainer(dir, (name, bytes) => {
      if (name !== NAME || damaged) return bytes;
      damaged = true;
      return bytes.subarray(0, 1000);
    });
    const digest = await hashFile(SAMPLE_WHEEL);
    await uploadPair(box, NAME, SAMPLE_WHEEL, digest, { retries: 1, ...fast });
    expect(box.writes).toEqual([NAME, NAME, `${NAME}.sha256`]);
    expect(await hashFile(join(dir, NAME))).toEqual(digest);
  });

  it('checks the sidecar read back too', async () => {
    const dir = await tempDir('wg-box');
    const other = sha('something else');
    const box = new DamagingContainer(dir, (name, bytes) => (name.endsWith('.sha256') ? Buffer.from(formatSidecar(other, NAME)) : bytes));
    const digest = await hashFile(SAMPLE_WHEEL);
    const error = await errorOf(uploadPair(box, NAME, SAMPLE_WHEEL, digest, { retries: 1, ...fast }));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).file).toBe(`${NAME}.sha256`);
    expect((error as IntegrityError).actual).toBe(other);
    expect(box.writes).toEqual([NAME, `${NAME}.sha256`, `${NAME}.sha256`]);
  });
});

describe('verifyRemote', () => {
  it('passes when the stored file is the same', async () => {
    const { dir, box } = await localContainer();
    const bytes = await readFile(SAMPLE_WHEEL);
    await park(dir, NAME, bytes);
    await expect(verifyRemote(box, NAME, { sha256: sha(bytes), size: bytes.length })).resolves.toBeUndefined();
  });

  it.each([0, 1, 30_000, 65_774])('throws IntegrityError when byte %i is flipped', async (at) => {
    const { dir, box } = await localContainer();
    const bytes = await readFile(SAMPLE_WHEEL);
    await park(dir, NAME, flipByte(bytes, at));
    const error = await errorOf(verifyRemote(box, NAME, { sha256: sha(bytes), size: bytes.length }));
    expect(error).toBeInstanceOf(IntegrityError);
    const e = error as IntegrityError;
    expect(e.file).toBe(NAME);
    expect(e.expected).toBe(sha(bytes));
    expect(e.actual).toBe(sha(flipByte(bytes, at)));
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('read back');
  });

  it('throws IntegrityError when the stored file is truncated', async () => {
    const { dir, box } = await localContainer();
    const bytes = await readFile(SAMPLE_WHEEL);
    await park(dir, NAME, bytes.subarray(0, bytes.length - 1));
    const error = await errorOf(verifyRemote(box, NAME, { sha256: sha(bytes), size: bytes.length }));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).size).toBe(bytes.length - 1);
    expect((error as Error).message).toContain(`stored ${bytes.length - 1} bytes, uploaded ${bytes.length}`);
  });

  it('throws IntegrityError when the stored file is longer', async () => {
    const { dir, box } = await localContainer();
    const bytes = await readFile(SAMPLE_SMALL_WHEEL);
    await park(dir, NAME, Buffer.concat([bytes, Buffer.from([0])]));
    await expect(verifyRemote(box, NAME, { sha256: sha(bytes), size: bytes.length })).rejects.toBeInstanceOf(IntegrityError);
  });

  it('throws a retryable TransferError when the file is missing', async () => {
    const { box } = await localContainer();
    const error = await errorOf(verifyRemote(box, NAME, { sha256: sha('x'), size: 1 }));
    expect(error).toBeInstanceOf(TransferError);
    expect((error as Error).message).toContain(NAME);
  });

  it("trusts the store's own checksum without reading the bytes", async () => {
    const { dir, box } = await localContainer();
    const bytes = await readFile(SAMPLE_SMALL_WHEEL);
    await park(dir, NAME, bytes);
    let reads = 0;
    const withChecksum = (stored: string): Container => ({
      url: 'checksum://',
      resumable: true,
      list: (p) => box.list(p),
      read: (n, o) => (reads++, box.read(n, o)),
      write: (n, b, o) => box.write(n, b, o),
      remove: (n) => box.remove(n),
      stat: async (n) => {
        const entry = await box.stat(n);
        return entry && { ...entry, sha256: stored };
      },
    });
    await verifyRemote(withChecksum(sha(bytes)), NAME, { sha256: sha(bytes), size: bytes.length });
    const error = await errorOf(verifyRemote(withChecksum(sha('not it')), NAME, { sha256: sha(bytes), size: bytes.length }));
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as IntegrityError).actual).toBe(sha('not it'));
    expect(reads).toBe(0);
  });
});

describe('readSidecar', () => {
  it('rejects a malformed sidecar, naming it', async () => {
    const { dir, box } = await localContainer();
    await park(dir, `${NAME}.sha256`, Buffer.from(`${sha('x')}  other.whl\n`));
    const error = await errorOf(readSidecar(box, NAME));
    expect(error).toBeInstanceOf(SidecarFormatError);
    expect((error as SidecarFormatError).file).toBe(`${NAME}.sha256`);
  });
});

describe('downloadVerified', () => {
  async function setup(bytes: Buffer, stored: Buffer = bytes): Promise<{ box: LocalContainer; out: string }> {
    const { dir, box } = await localContainer();
    await park(dir, NAME, stored);
    const out = await tempDir('wg-out');
    return { box, out };
  }

  it('downloads, verifies and renames into place, leaving no dotfile', async () => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const { box, out } = await setup(bytes);
    const progress: [number, number | undefined][] = [];
    const result = await downloadVerified(box, NAME, sha(bytes), bytes.length, out, {
      retries: 2,
      ...fast,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(result).toEqual({ sha256: sha(bytes), size: bytes.length, attempts: 1 });
    expect(await readdir(out)).toEqual([NAME]);
    expect((await readFile(join(out, NAME))).equals(bytes)).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual([bytes.length, bytes.length]);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0]);
  });

  it('works without a known size', async () => {
    const bytes = await readFile(SAMPLE_SMALL_WHEEL);
    const { box, out } = await setup(bytes);
    expect(await downloadVerified(box, NAME, sha(bytes), undefined, out, { retries: 0, ...fast })).toMatchObject({ size: bytes.length, attempts: 1 });
    expect(await readdir(out)).toEqual([NAME]);
  });

  it('replaces a stale file of the same name only once verified', async () => {
    const bytes = await readFile(SAMPLE_SMALL_WHEEL);
    const { box, out } = await setup(bytes);
    await writeFile(join(out, NAME), 'stale');
    await downloadVerified(box, NAME, sha(bytes), bytes.length, out, { retries: 0, ...fast });
    expect((await readFile(join(out, NAME))).equals(bytes)).toBe(true);
  });

  it.each([0, 2])('with a corrupt stored wheel throws IntegrityError after retries+1 = %i+1 full attempts, leaving nothing', async (retries) => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const corrupt = flipByte(bytes, 40_000);
    const { box } = await setup(bytes, corrupt);
    const out = await tempDir('wg-out');
    const scripted = new ScriptedContainer(box, []);
    const retriedWith: unknown[] = [];
    const error = await errorOf(
      downloadVerified(scripted, NAME, sha(bytes), bytes.length, out, { retries, ...fast, onRetry: (e) => retriedWith.push(e) }),
    );
    expect(error).toBeInstanceOf(IntegrityError);
    const e = error as IntegrityError;
    expect(e.file).toBe(NAME);
    expect(e.expected).toBe(sha(bytes));
    expect(e.actual).toBe(sha(corrupt));
    expect(e.size).toBe(bytes.length);
    // A mismatch starts over from byte 0 every time.
    expect(scripted.reads).toEqual(Array.from({ length: retries + 1 }, () => ({ name: NAME, offset: 0 })));
    expect(retriedWith).toHaveLength(retries);
    for (const r of retriedWith) expect(r).toBeInstanceOf(IntegrityError);
    expect(await readdir(out)).toEqual([]);
  });

  it('does not leave a stale file of the same name replaced by a corrupt download', async () => {
    const bytes = await readFile(SAMPLE_SMALL_WHEEL);
    const { box, out } = await setup(bytes, flipByte(bytes, 10));
    await writeFile(join(out, NAME), 'previous');
    await expect(downloadVerified(box, NAME, sha(bytes), bytes.length, out, { retries: 1, ...fast })).rejects.toBeInstanceOf(IntegrityError);
    expect(await readdir(out)).toEqual([NAME]);
    expect(await readFile(join(out, NAME), 'utf8')).toBe('previous');
  });

  it('recovers when a later attempt reads good bytes', async () => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const { dir, box } = await localContainer();
    await park(dir, NAME, flipByte(bytes, 3));
    const out = await tempDir('wg-out');
    const result = await downloadVerified(box, NAME, sha(bytes), bytes.length, out, {
      retries: 3,
      sleep: async () => park(dir, NAME, bytes), // the store heals before the retry
    });
    expect(result).toEqual({ sha256: sha(bytes), size: bytes.length, attempts: 2 });
    expect((await readFile(join(out, NAME))).equals(bytes)).toBe(true);
    expect(await readdir(out)).toEqual([NAME]);
  });

  it.each([1, 12_345, 65_536, 65_774])('resumes at byte %i after a connection reset, carrying the hash on', async (n) => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const { box, out } = await setup(bytes);
    const scripted = new ScriptedContainer(box, [{ kind: 'reset', after: n }], true, out);
    const retried: [unknown, number][] = [];
    const result = await downloadVerified(scripted, NAME, sha(bytes), bytes.length, out, {
      retries: 3,
      ...fast,
      onRetry: (e, attempt) => retried.push([e, attempt]),
    });
    expect(scripted.reads).toEqual([
      { name: NAME, offset: 0 },
      { name: NAME, offset: n },
    ]);
    expect(result).toEqual({ sha256: sha(bytes), size: bytes.length, attempts: 2 });
    expect(retried).toHaveLength(1);
    expect(retried[0]![1]).toBe(2);
    expect(retried[0]![0]).toBeInstanceOf(TransferError);
    expect((retried[0]![0] as Error).message).toContain('ECONNRESET');
    expect(((retried[0]![0] as Error).cause as { code?: string }).code).toBe('ECONNRESET');
    expect((await readFile(join(out, NAME))).equals(bytes)).toBe(true);
    expect(await readdir(out)).toEqual([NAME]);
  });

  it('resumes several times in a row', async () => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const { box, out } = await setup(bytes);
    const scripted = new ScriptedContainer(
      box,
      [
        { kind: 'reset', after: 10_000 },
        { kind: 'reset', after: 20_000 },
        { kind: 'end', after: 5_000 },
      ],
      true,
      out,
    );
    const result = await downloadVerified(scripted, NAME, sha(bytes), bytes.length, out, { retries: 3, ...fast });
    expect(scripted.reads.map((r) => r.offset)).toEqual([0, 10_000, 30_000, 35_000]);
    expect(result.attempts).toBe(4);
    expect(await hashFile(join(out, NAME))).toEqual({ sha256: sha(bytes), size: bytes.length });
  });

  it('starts over from byte 0 when the container cannot resume', async () => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const { box, out } = await setup(bytes);
    const scripted = new ScriptedContainer(box, [{ kind: 'reset', after: 20_000 }], false, out);
    const result = await downloadVerified(scripted, NAME, sha(bytes), bytes.length, out, { retries: 1, ...fast });
    expect(scripted.reads.map((r) => r.offset)).toEqual([0, 0]);
    expect(result).toEqual({ sha256: sha(bytes), size: bytes.length, attempts: 2 });
    expect((await readFile(join(out, NAME))).equals(bytes)).toBe(true);
    expect(await readdir(out)).toEqual([NAME]);
  });

  it('retries a stream that ends early cleanly as a TransferError, resuming where it ended', async () => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const { box, out } = await setup(bytes);
    const scripted = new ScriptedContainer(box, [{ kind: 'end', after: 40_000 }], true, out);
    const retried: unknown[] = [];
    const result = await downloadVerified(scripted, NAME, sha(bytes), bytes.length, out, {
      retries: 2,
      ...fast,
      onRetry: (e) => retried.push(e),
    });
    expect(retried).toHaveLength(1);
    expect(retried[0]).toBeInstanceOf(TransferError);
    expect((retried[0] as Error).message).toContain(`after 40000 of ${bytes.length} bytes`);
    expect(scripted.reads.map((r) => r.offset)).toEqual([0, 40_000]);
    expect(result).toEqual({ sha256: sha(bytes), size: bytes.length, attempts: 2 });
    expect((await readFile(join(out, NAME))).equals(bytes)).toBe(true);
  });

  it('gives up with TransferError when every attempt ends early, leaving nothing', async () => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const { box, out } = await setup(bytes);
    const scripted = new ScriptedContainer(box, [
      { kind: 'end', after: 100 },
      { kind: 'end', after: 100 },
      { kind: 'end', after: 100 },
    ]);
    const error = await errorOf(downloadVerified(scripted, NAME, sha(bytes), bytes.length, out, { retries: 2, ...fast }));
    expect(error).toBeInstanceOf(TransferError);
    expect((error as Error).message).toContain(`after 300 of ${bytes.length} bytes`);
    expect(scripted.reads.map((r) => r.offset)).toEqual([0, 100, 200]);
    expect(await readdir(out)).toEqual([]);
  });

  it('gives up after repeated resets, leaving no temporary file', async () => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const { box, out } = await setup(bytes);
    const scripted = new ScriptedContainer(box, [{ kind: 'reset', after: 1000 }, { kind: 'reset', after: 1000 }], true, out);
    const error = await errorOf(downloadVerified(scripted, NAME, sha(bytes), bytes.length, out, { retries: 1, ...fast }));
    expect(error).toBeInstanceOf(TransferError);
    expect(scripted.reads.map((r) => r.offset)).toEqual([0, 1000]);
    expect(await readdir(out)).toEqual([]);
  });

  it('retries a read that fails with a network error before any byte', async () => {
    const bytes = await readFile(SAMPLE_SMALL_WHEEL);
    const { box, out } = await setup(bytes);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const scripted = new ScriptedContainer(box, [{ kind: 'throw', error: refused }]);
    const result = await downloadVerified(scripted, NAME, sha(bytes), bytes.length, out, { retries: 1, ...fast });
    expect(result.attempts).toBe(2);
    expect(scripted.reads.map((r) => r.offset)).toEqual([0, 0]);
    expect((await readFile(join(out, NAME))).equals(bytes)).toBe(true);
  });

  it('fails when the download directory does not exist, leaving nothing behind', async () => {
    const bytes = await readFile(SAMPLE_SMALL_WHEEL);
    const { box, out } = await setup(bytes);
    const missing = join(out, 'missing');
    await expect(downloadVerified(box, NAME, sha(bytes), bytes.length, missing, { retries: 0, ...fast })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await mkdir(missing);
    expect(await readdir(missing)).toEqual([]);
  });
});

describe('downloadVerified keeps a refused read as it is', () => {
  it('a wheel the container does not hold fails at once with NotFoundError, not a retried TransferError', async () => {
    const { box } = await localContainer();
    const out = await tempDir('wg-out');
    let sleeps = 0;
    const error = await downloadVerified(box, 'absent-1.0-py3-none-any.whl', 'a'.repeat(64), 10, out, {
      retries: 3,
      sleep: async () => {
        sleeps++;
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(sleeps).toBe(0);
    expect(await readdir(out)).toEqual([]);
  });
});
