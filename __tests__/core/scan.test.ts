/**
 * The read-once scan (src/core/scan.ts) and the in-place inflater
 * (src/core/inflate.ts) that the single pass is made of.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Inflater } from '../../src/core/inflate.js';
import { readTail, Scan } from '../../src/core/scan.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

/** A file of `bytes`, opened for reading, closed after `use`. */
async function withFile<T>(bytes: Buffer, use: (fd: number) => Promise<T>): Promise<T> {
  const path = join(await tempDir('wg-scan'), 'file.bin');
  await writeFile(path, bytes);
  const fd = openSync(path, 'r');
  try {
    return await use(fd);
  } finally {
    closeSync(fd);
  }
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('Scan', () => {
  it('hands out every byte in order across chunk edges (take, skip, slices) and hashes the whole file once, tail included', async () => {
    const bytes = randomBytes(10_000);
    for (const tailFrom of [bytes.length, 9_000, 0]) {
      await withFile(bytes, async (fd) => {
        const tail = { start: tailFrom, bytes: Buffer.from(bytes.subarray(tailFrom)) };
        const scan = new Scan(fd, bytes.length, { hash: true, tail, chunk: 1_000 });
        expect(await scan.take(10)).toEqual(bytes.subarray(0, 10));
        // Across an edge: a copy of both chunks' bytes.
        expect(await scan.take(1_500)).toEqual(bytes.subarray(10, 1_510));
        await scan.skip(4_321);
        const sliced: Buffer[] = [];
        for await (const slice of scan.slices(3_000, 700, true)) {
          expect(slice.length).toBeLessThanOrEqual(700);
          sliced.push(slice);
        }
        expect(Buffer.concat(sliced)).toEqual(bytes.subarray(4_321, 7_321));
        expect(await scan.take(5_000)).toEqual(bytes.subarray(7_321));
        expect(await scan.take(5)).toHaveLength(0);
        expect(await scan.finish()).toEqual({ sha256: sha256(bytes), size: bytes.length });
      });
    }
  });

  it('the rest is read and hashed by finish, wherever the reader stopped; without hashing, nothing more is read', async () => {
    const bytes = randomBytes(50_000);
    await withFile(bytes, async (fd) => {
      const scan = new Scan(fd, bytes.length, { hash: true, chunk: 4_096 });
      await scan.take(100);
      expect(await scan.finish()).toEqual({ sha256: sha256(bytes), size: bytes.length });
      const plain = new Scan(fd, bytes.length, { hash: false, chunk: 4_096 });
      await plain.take(100);
      expect(await plain.finish()).toEqual({ size: bytes.length });
    });
  });

  it('reuses the buffers it is past, but never under a slice it was asked to keep', async () => {
    const bytes = randomBytes(64 * 1024);
    await withFile(bytes, async (fd) => {
      const scan = new Scan(fd, bytes.length, { hash: true, chunk: 4_096 });
      const kept = await scan.take(100, true);
      const copy = Buffer.from(kept);
      const loose = await scan.take(100);
      const looseCopy = Buffer.from(loose);
      for await (const slice of scan.slices(bytes.length)) void slice;
      expect(kept).toEqual(copy);
      // What was not kept has been read over by later chunks.
      expect(loose.equals(looseCopy)).toBe(false);
      expect((await scan.finish()).sha256).toBe(sha256(bytes));
    });
  });

  it('a file shorter than its size when opened: an error, not a short hash', async () => {
    const bytes = randomBytes(5_000);
    await withFile(bytes, async (fd) => {
      const scan = new Scan(fd, 6_000, { hash: true, chunk: 1_000 });
      await expect(scan.finish()).rejects.toThrow('the file ended at byte 5000, before its size when opened');
    });
  });

  it('readTail holds the central directory the end record points at, up to MAX_HELD_TAIL', async () => {
    // A zip-like tail: 1 MB of data, then a "central directory" of 600 KB and an end record pointing at it.
    const body = randomBytes(1_000_000);
    const directory = randomBytes(600_000);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(body.length, 16);
    const bytes = Buffer.concat([body, directory, end]);
    await withFile(bytes, async (fd) => {
      const tail = await readTail(fd, bytes.length);
      expect(tail.start).toBe(body.length);
      expect(tail.bytes.equals(bytes.subarray(body.length))).toBe(true);
    });
    // Not a zip: just the last 256 KiB.
    await withFile(body, async (fd) => {
      const tail = await readTail(fd, body.length);
      expect(tail.start).toBe(body.length - 256 * 1024);
      expect(tail.bytes.equals(body.subarray(body.length - 256 * 1024))).toBe(true);
    });
  });
});

describe('Inflater', () => {
  it('is usable on this Node (node:zlib internals as expected, checked on a known stream)', () => {
    expect(Inflater.usable()).toBe(true);
  });

  it('inflates in any pieces what zlib.inflateRawSync inflates, stream after stream (reset between)', () => {
    const inflater = new Inflater();
    for (const size of [0, 1, 1000, 300_000, 2_000_000]) {
      const text = Buffer.from(Array.from({ length: size }, (_, i) => String.fromCharCode(97 + ((i * 31) % 7))).join(''));
      const deflated = zlib.deflateRawSync(text);
      inflater.reset();
      const out: Buffer[] = [];
      let taken = 0;
      for (let at = 0; at < deflated.length; at += 777) taken += inflater.write(deflated.subarray(at, at + 777), false, (chunk) => out.push(Buffer.from(chunk)));
      taken += inflater.write(Buffer.alloc(0), true, (chunk) => out.push(Buffer.from(chunk)));
      expect(taken).toBe(deflated.length);
      expect(Buffer.concat(out).equals(zlib.inflateRawSync(deflated))).toBe(true);
    }
    inflater.close();
  });

  it('says how much it took when the deflate stream ends early; throws on a cut or damaged stream, and is then spent', () => {
    const deflated = zlib.deflateRawSync(Buffer.alloc(100_000, 'x'));
    const inflater = new Inflater();
    expect(inflater.write(Buffer.concat([deflated, Buffer.from('trailing')]), true, () => undefined)).toBe(deflated.length);
    inflater.reset();
    expect(() => inflater.write(deflated.subarray(0, deflated.length - 5), true, () => undefined)).toThrow('unexpected end of file');
    expect(inflater.healthy).toBe(false);
    const other = new Inflater();
    expect(() => other.write(Buffer.from([0xff, 0xff, 0xff, 0xff]), true, () => undefined)).toThrow();
    expect(other.healthy).toBe(false);
  });

  it('an output that would exceed a bound is stopped by the caller within one buffer of it', () => {
    const bomb = zlib.deflateRawSync(Buffer.alloc(64 * 1024 * 1024));
    const inflater = new Inflater();
    let seen = 0;
    expect(() =>
      inflater.write(bomb, true, (chunk) => {
        seen += chunk.length;
        if (seen > 1000) throw new Error('past its declared size');
      }),
    ).toThrow('past its declared size');
    expect(seen).toBeLessThanOrEqual(256 * 1024);
    inflater.close();
  });
});
