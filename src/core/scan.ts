/**
 * A file read once, front to back, in large chunks: every byte goes into the
 * file's sha256 in order as it is read, whatever the reader then makes of
 * it (zip-scan.ts parses local headers and inflates members from the same
 * chunks; sdist.ts gunzips them). The next chunk is read while this one is
 * worked on. The scan reuses the buffers it is past (garbage of a megabyte
 * per megabyte read kept some 40 MB per worker thread waiting for the
 * collector), so what it hands out is valid until its next call unless
 * asked to keep it.
 *
 * The end of the file may already be in memory (a zip's tail, read first
 * for its central directory): those bytes are served, and hashed, from
 * there rather than read again.
 */
import { createHash, type Hash } from 'node:crypto';
import { read, readSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { MAX_HELD_TAIL } from './bounds.js';

/**
 * Read size. Through the thread pool (the main thread), measured on 889
 * real wheels (1.5 GB, page cache warm): 1 MiB and 4 MiB chunks cost the
 * same CPU; 256 KiB costs more trips to the pool. Read in place (a worker
 * thread, READS_IN_PLACE) there are no trips, and a chunk that fits the
 * CPU's cache is still there when it is hashed: 40 wheels of 20 MiB, hash
 * only, 0.48 s and 0.87 CPU s with 1 MiB, 0.43 s and 0.78 with 256 KiB
 * (128 KiB the same, 64 KiB no better); with the content check 0.93 s
 * against 0.85 s.
 */
export const CHUNK = isMainThread ? 1024 * 1024 : 256 * 1024;
/** How much of a file's end is read first: the end record and, for most wheels, the whole central directory (a file this small, whole). */
export const TAIL = 256 * 1024;

/** Bytes from `start` to the end of the file, already read. */
export interface Tail {
  start: number;
  bytes: Buffer;
  /** The buffer under `bytes` when it is one of the idle ones (releaseTail gives it back). */
  pooled?: Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * Read buffers no scan is using, for the next scan of this thread: a worker
 * thread reads file after file, and a megabyte of garbage per file read
 * kept some 40 MB per worker thread waiting for the collector. Only the
 * scans' own chunks and tails come here, never a buffer a caller may keep.
 */
const idle = { chunks: [] as Buffer[], tails: [] as Buffer[] };
/** Buffers kept idle, at most, of each kind. */
const IDLE_MOST = 4;

function release(list: Buffer[], buffer: Buffer | undefined): void {
  if (buffer && list.length < IDLE_MOST) list.push(buffer);
}

/**
 * Whether reads block this thread: in a worker thread, which does nothing
 * but this one file, a read waits for the disk in place instead of making a
 * round trip through the process's four libuv threads. Measured on 1,000
 * wheels of 200 KiB (page cache warm, one thread): open, fstat, read and
 * close 0.18 ms a file in place, 0.43 ms through the pool, so the trips
 * were most of what hashing small files cost. The main thread never blocks.
 */
export const READS_IN_PLACE = !isMainThread;

/** Exactly `buffer.length` bytes at `position` (an error at an early end of file). */
export function readAt(fd: number, buffer: Buffer, position: number): Promise<Buffer> {
  if (READS_IN_PLACE) {
    try {
      return Promise.resolve(readAtSync(fd, buffer, position));
    } catch (error: unknown) {
      return Promise.reject(error);
    }
  }
  return new Promise((resolve, reject) => {
    const more = (done: number): void => {
      if (done === buffer.length) return resolve(buffer);
      read(fd, buffer, done, buffer.length - done, position + done, (error, bytes) => {
        if (error) return reject(error);
        if (bytes === 0) return reject(Object.assign(new Error(`the file ended at byte ${position + done}, before its size when opened`), { code: 'WG_SHORT_READ' }));
        more(done + bytes);
      });
    };
    more(0);
  });
}

/** readAt, blocking this thread (worker threads only). */
function readAtSync(fd: number, buffer: Buffer, position: number): Buffer {
  let done = 0;
  while (done < buffer.length) {
    const bytes = readSync(fd, buffer, done, buffer.length - done, position + done);
    if (bytes === 0) throw Object.assign(new Error(`the file ended at byte ${position + done}, before its size when opened`), { code: 'WG_SHORT_READ' });
    done += bytes;
  }
  return buffer;
}

/**
 * The tail of a zip of `size` bytes: its last TAIL bytes and, when its end
 * record puts the central directory further back and the whole is at most
 * MAX_HELD_TAIL, the central directory with them. Only a hint for where to
 * start: yauzl parses and judges the end records (a damaged one just means
 * less is held).
 */
export async function readTail(fd: number, size: number): Promise<Tail> {
  let start = Math.max(0, size - TAIL);
  const pooled = idle.tails.pop() ?? Buffer.allocUnsafe(TAIL);
  let bytes = await readAt(fd, pooled.subarray(0, size - start), start);
  const directory = centralDirectoryHint(bytes, start);
  if (directory !== undefined && directory < start && directory >= 0 && size - directory <= MAX_HELD_TAIL) {
    const whole = Buffer.allocUnsafe(size - directory);
    bytes.copy(whole, start - directory);
    release(idle.tails, pooled);
    bytes = await readAt(fd, whole.subarray(0, start - directory), directory).then(() => whole);
    start = directory;
    return { start, bytes };
  }
  return { start, bytes, pooled };
}

/** Gives a tail's buffer back for the next file, once nothing of that file is in use. */
export function releaseTail(tail: Tail): void {
  release(idle.tails, tail.pooled);
  tail.pooled = undefined;
}

/** Where the end record in `tail` (at `start` in the file) says the central directory starts, zip64's if it points there. */
function centralDirectoryHint(tail: Buffer, start: number): number | undefined {
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== 0x06054b50) continue;
    const offset = tail.readUInt32LE(i + 16);
    if (offset !== 0xffffffff) return offset;
    // zip64: the locator just before the end record points at the zip64 end record.
    const locator = i - 20;
    if (locator < 0 || tail.readUInt32LE(locator) !== 0x07064b50) return undefined;
    const record = Number(tail.readBigUInt64LE(locator + 8)) - start;
    if (record < 0 || record + 56 > tail.length || tail.readUInt32LE(record) !== 0x06064b50) return undefined;
    return Number(tail.readBigUInt64LE(record + 48));
  }
  return undefined;
}

/** A chunk read, and the buffer it was read into (undefined for the tail, which is never reused). */
interface Chunk {
  bytes: Buffer;
  buffer?: Buffer;
}

/** One file read front to back, hashed as it is read. */
export class Scan {
  /** The chunk being worked on: bytes [chunkStart, chunkStart + chunk.length). */
  private chunk: Buffer = EMPTY;
  private chunkStart = 0;
  /** The buffer under `chunk`, to reuse once the scan is past it; undefined when it must not be (the tail, or handed out to be kept). */
  private reusable: Buffer | undefined;
  /** The next chunk, being read. */
  private ahead: Promise<Chunk> | undefined;
  /** Buffers the scan is past, for the next reads: two or three per scan, not one per megabyte. */
  private readonly spare: Buffer[] = [];
  private readonly hash: Hash | undefined;
  private readonly tail: Tail;
  private readonly chunkSize: number;
  /** Where the reader is: the bytes before it were handed out or skipped. */
  position = 0;

  constructor(
    private readonly fd: number,
    /** The file's size when it was opened: the scan reads exactly this many bytes. */
    readonly size: number,
    options: { hash: boolean; tail?: Tail; chunk?: number },
  ) {
    this.hash = options.hash ? createHash('sha256') : undefined;
    this.tail = options.tail ?? { start: size, bytes: EMPTY };
    this.chunkSize = options.chunk ?? CHUNK;
    // The first chunk is read while the caller reads the central directory and RECORD: a worker thread idles less between files.
    if (size > 0) {
      this.ahead = this.read(0);
      this.ahead.catch(() => undefined);
    }
  }

  /** Bytes read (and hashed) so far. */
  private get loaded(): number {
    return this.chunkStart + this.chunk.length;
  }

  private async read(at: number): Promise<Chunk> {
    if (at >= this.tail.start) return { bytes: this.tail.bytes.subarray(at - this.tail.start) };
    const buffer = this.spare.pop() ?? (this.chunkSize === CHUNK ? idle.chunks.pop() : undefined) ?? Buffer.allocUnsafe(this.chunkSize);
    return { bytes: await readAt(this.fd, buffer.subarray(0, Math.min(this.chunkSize, this.tail.start - at)), at), buffer };
  }

  /** Makes the next chunk the current one, hashes it, and starts reading the one after. */
  private async load(): Promise<void> {
    const at = this.loaded;
    const { bytes, buffer } = await (this.ahead ?? this.read(at));
    this.ahead = undefined;
    this.hash?.update(bytes);
    // Nothing handed out of the chunk before is in use any more (see take and slices).
    if (this.reusable) this.spare.push(this.reusable);
    this.chunkStart = at;
    this.chunk = bytes;
    this.reusable = buffer;
    const after = at + bytes.length;
    if (after < this.size) {
      this.ahead = this.read(after);
      // Awaited by the next load, or by settle(); never an unhandled rejection meanwhile.
      this.ahead.catch(() => undefined);
    }
  }

  /** Moves to `to` (not back), reading what lies between. */
  async skip(to: number): Promise<void> {
    const end = Math.min(to, this.size);
    while (this.loaded < end) await this.load();
    if (end > this.position) this.position = end;
  }

  /**
   * The next `n` bytes (fewer at the end of the file), in one buffer: a
   * slice of a chunk, valid until the next call of this scan, or a copy
   * where they span two. With `keep`, the slice stays valid for good (its
   * chunk is not reused).
   */
  async take(n: number, keep = false): Promise<Buffer> {
    const end = Math.min(this.position + n, this.size);
    if (end <= this.loaded) {
      const bytes = this.chunk.subarray(this.position - this.chunkStart, end - this.chunkStart);
      this.position = end;
      if (keep) this.reusable = undefined;
      return bytes;
    }
    const bytes = Buffer.allocUnsafe(end - this.position);
    let filled = 0;
    while (this.position < end) {
      if (this.position >= this.loaded) {
        await this.load();
        continue;
      }
      const stop = Math.min(end, this.loaded);
      filled += this.chunk.copy(bytes, filled, this.position - this.chunkStart, stop - this.chunkStart);
      this.position = stop;
    }
    return bytes;
  }

  /**
   * The next `n` bytes as they come, slices of the chunks (at most `most`
   * bytes each). A slice is valid until the next one is asked for: the
   * consumer must be done with it by then (an inflater waits for its
   * write's callback). With `keep`, every slice stays valid for good.
   */
  async *slices(n: number, most = Number.POSITIVE_INFINITY, keep = false): AsyncGenerator<Buffer> {
    const end = Math.min(this.position + n, this.size);
    while (this.position < end) {
      if (this.position >= this.loaded) {
        await this.load();
        continue;
      }
      const stop = Math.min(end, this.loaded, this.position + most);
      const slice = this.chunk.subarray(this.position - this.chunkStart, stop - this.chunkStart);
      this.position = stop;
      if (keep) this.reusable = undefined;
      yield slice;
    }
  }

  /**
   * Reads (and hashes) the rest of the file: its sha256 (none without
   * hashing) and size. The scan is over: nothing it handed out without
   * `keep` may be used after this.
   */
  async finish(): Promise<{ sha256?: string; size: number }> {
    if (this.hash) while (this.loaded < this.size) await this.load();
    await this.settle();
    this.position = this.size;
    if (this.chunkSize === CHUNK) for (const buffer of [...this.spare.splice(0), this.reusable]) release(idle.chunks, buffer);
    this.reusable = undefined;
    return this.hash ? { sha256: this.hash.digest('hex'), size: this.size } : { size: this.size };
  }

  /** Waits for a read still under way, so the descriptor can be closed under no one. */
  async settle(): Promise<void> {
    const ahead = await this.ahead?.catch(() => undefined);
    this.ahead = undefined;
    if (ahead?.buffer) this.spare.push(ahead.buffer);
  }
}
