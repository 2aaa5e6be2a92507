import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { CountingStream, hashFile, hashState, hashStream, RunningHash } from '../../src/core/hash.js';
import { SAMPLE_SDIST, SAMPLE_SMALL_WHEEL, SAMPLE_WHEEL, sha256sum, useTempDirs } from '../helpers/tmp.js';
import { lacks } from '../helpers/tools.js';

const tempDir = useTempDirs();

const sha = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Feeds every chunk of `stream` to `hasher` and returns the bytes. */
async function drain(stream: Readable, hasher: RunningHash): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hasher.update(chunk);
    out.push(chunk);
  }
  return Buffer.concat(out);
}

describe('hashFile', () => {
  it.skipIf(lacks('sha256sum')).each([SAMPLE_WHEEL, SAMPLE_SMALL_WHEEL, SAMPLE_SDIST])('equals node crypto over the whole file and sha256sum (%s)', async (sample) => {
    const bytes = await readFile(sample);
    const digest = await hashFile(sample);
    expect(digest).toEqual({ sha256: sha(bytes), size: bytes.length });
    const dir = await tempDir();
    const name = basename(sample);
    await copyFile(sample, join(dir, name));
    // --text: the default everywhere but Windows, whose sha256sum (Git's, MSYS) reads in binary mode and writes " *NAME".
    expect(sha256sum(['--text', name], dir).stdout).toBe(`${digest.sha256}  ${name}\n`);
  });

  it.skipIf(lacks('sha256sum'))('hashes a file larger than one read chunk (several MB) correctly', async () => {
    const dir = await tempDir();
    const file = join(dir, 'big.bin');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 9)) & 0xff;
    await writeFile(file, bytes);
    const digest = await hashFile(file);
    expect(digest).toEqual({ sha256: sha(bytes), size: bytes.length });
    expect(sha256sum(['big.bin'], dir).stdout.slice(0, 64)).toBe(digest.sha256);
  });

  it('hashes an empty file', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'empty'), '');
    expect(await hashFile(join(dir, 'empty'))).toEqual({ sha256: EMPTY_SHA256, size: 0 });
  });

  it('rejects for a missing file', async () => {
    const dir = await tempDir();
    await expect(hashFile(join(dir, 'nope.whl'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('changes when one byte changes', async () => {
    const dir = await tempDir();
    const bytes = await readFile(SAMPLE_SMALL_WHEEL);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    await writeFile(join(dir, 'x.whl'), bytes);
    const digest = await hashFile(join(dir, 'x.whl'));
    expect(digest.sha256).not.toBe((await hashFile(SAMPLE_SMALL_WHEEL)).sha256);
    expect(digest.sha256).toBe(sha(bytes));
  });
});

describe('hashStream and hashState', () => {
  it('hashStream over several chunks equals one hash of their concatenation', async () => {
    const chunks = [Buffer.from('abc'), Buffer.from(''), Buffer.from('defgh'), Buffer.alloc(70_000, 7)];
    expect(await hashStream(Readable.from(chunks))).toEqual({ sha256: sha(Buffer.concat(chunks)), size: 70_008 });
  });

  it('hashState returns a running hash that can be continued', async () => {
    const state = await hashState(Readable.from([Buffer.from('hello ')]));
    expect(state.size).toBe(6);
    state.hash.update('world');
    expect(state.hash.digest('hex')).toBe(sha('hello world'));
  });
});

describe('CountingStream', () => {
  it('passes bytes through unchanged, reporting the running count to onBytes', async () => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const sizes: number[] = [];
    const counter = new CountingStream((size) => sizes.push(size));
    const out: Buffer[] = [];
    await pipeline(createReadStream(SAMPLE_WHEEL, { highWaterMark: 4096 }), counter, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    });
    expect(Buffer.concat(out).equals(bytes)).toBe(true);
    expect(counter.bytes).toBe(bytes.length);
    expect(sizes).toEqual(Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) => Math.min((i + 1) * 4096, bytes.length)));
  });
});

describe('RunningHash', () => {
  it('hashes and counts what it is fed, in any pieces', async () => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const hasher = new RunningHash();
    const out = await drain(createReadStream(SAMPLE_WHEEL, { highWaterMark: 4096 }), hasher);
    expect(out.equals(bytes)).toBe(true);
    expect(hasher.bytes).toBe(bytes.length);
    expect(hasher.digest()).toEqual({ sha256: sha(bytes), size: bytes.length });
  });

  it('digest() does not end the hash: later bytes still count', () => {
    const hasher = new RunningHash();
    hasher.update(Buffer.from('part one,'));
    expect(hasher.digest()).toEqual({ sha256: sha('part one,'), size: 9 });
    hasher.update(Buffer.from(' part two'));
    expect(hasher.digest()).toEqual({ sha256: sha('part one, part two'), size: 18 });
  });

  it.each([0, 1, 4096, 30_000, 65_774, 65_775])(
    'snapshot after the first %i bytes, resumed in a new stream over the rest, gives the whole-file digest',
    async (n) => {
      const bytes = await readFile(SAMPLE_WHEEL);
      expect(bytes.length).toBe(65_775);
      const first = new RunningHash();
      await drain(Readable.from([bytes.subarray(0, n)]), first);
      expect(first.bytes).toBe(n);
      const snapshot = first.snapshot();
      expect(snapshot.size).toBe(n);

      const second = new RunningHash(snapshot);
      expect(second.bytes).toBe(n);
      const rest = createReadStream(SAMPLE_WHEEL, { start: n, highWaterMark: 1000 });
      const out = await drain(rest, second);
      expect(out.length).toBe(bytes.length - n);
      expect(second.digest()).toEqual({ sha256: sha(bytes), size: bytes.length });
    },
  );

  it('a snapshot is independent of the stream it came from and of its resumers', async () => {
    const first = new RunningHash();
    await drain(Readable.from([Buffer.from('abc')]), first);
    const snapshot = first.snapshot();
    // Two resumes from the same snapshot must not disturb each other.
    const a = new RunningHash(snapshot);
    await drain(Readable.from([Buffer.from('def')]), a);
    const b = new RunningHash(snapshot);
    await drain(Readable.from([Buffer.from('xyz')]), b);
    expect(a.digest()).toEqual({ sha256: sha('abcdef'), size: 6 });
    expect(b.digest()).toEqual({ sha256: sha('abcxyz'), size: 6 });
    expect(first.digest()).toEqual({ sha256: sha('abc'), size: 3 });
    expect(snapshot.size).toBe(3);
    expect(snapshot.hash.copy().digest('hex')).toBe(sha('abc'));
  });

  it('resumes from a hashState of the bytes already on disk', async () => {
    const bytes = await readFile(SAMPLE_SMALL_WHEEL);
    const dir = await tempDir();
    await writeFile(join(dir, 'partial'), bytes.subarray(0, 500));
    const state = await hashState(createReadStream(join(dir, 'partial')));
    const hasher = new RunningHash(state);
    await drain(Readable.from([bytes.subarray(500)]), hasher);
    expect(hasher.digest()).toEqual({ sha256: sha(bytes), size: bytes.length });
  });
});
