/**
 * Reading an archive's bytes for zip.ts: yauzl's source (positioned reads
 * of one open descriptor) and windows over it, so that a wheel of 16,000
 * small files costs tens of reads, not tens of thousands.
 */
import { close, read } from 'node:fs';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** Read size for the archive's file data. */
const CHUNK = 1024 * 1024;
/** Read-ahead for the central directory's records. */
const READ_AHEAD = 256 * 1024;

/** Bytes [start, end) of an open file, by positioned reads; the descriptor stays open (FileReader owns it). */
class RangeStream extends Readable {
  constructor(
    private readonly fd: number,
    private position: number,
    private readonly end: number,
  ) {
    super({ highWaterMark: CHUNK });
  }
  override _read(): void {
    const length = Math.min(CHUNK, this.end - this.position);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(length);
    read(this.fd, buffer, 0, length, this.position, (error, bytes) => {
      if (error) return this.destroy(error);
      if (bytes === 0) return this.destroy(new Error(`unexpected end of file at byte ${this.position}`));
      this.position += bytes;
      this.push(bytes < length ? buffer.subarray(0, bytes) : buffer);
    });
  }
}

/**
 * yauzl's source: positioned reads of the open file, 1 MiB at a time for
 * member data (yauzl's own fd reader reads the stream default, 16 KiB on
 * Node 20), and the central directory's small records served from a
 * read-ahead window (yauzl reads two records per entry: one read each
 * would be tens of thousands of trips to the thread pool). (A
 * `fs.createReadStream({fd, autoClose: false})` closes the shared descriptor
 * when destroyed: hence this.)
 */
export class FileReader extends yauzl.RandomAccessReader {
  private ahead = Buffer.alloc(0);
  private aheadStart = 0;
  /** Bytes already in memory (zip-scan.ts: the archive's tail), served from here rather than read again. */
  private pinned: Buffer = Buffer.alloc(0);
  private pinnedStart = 0;
  constructor(
    readonly fd: number,
    readonly size: number,
    /** Whether closing the archive closes the descriptor (false: the caller closes it). */
    private readonly owned = true,
  ) {
    super();
  }
  /** Serves reads of [start, start + bytes.length) from `bytes`. */
  pin(bytes: Buffer, start: number): void {
    this.pinned = bytes;
    this.pinnedStart = start;
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return new RangeStream(this.fd, start, end);
  }
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    if (position >= this.pinnedStart && position + length <= this.pinnedStart + this.pinned.length) return this.readFully(buffer, offset, length, position, callback);
    const cached = (): boolean => position >= this.aheadStart && position + length <= this.aheadStart + this.ahead.length;
    if (length <= READ_AHEAD && !cached() && position + length <= this.size) {
      const size = Math.min(READ_AHEAD, this.size - position);
      const ahead = Buffer.allocUnsafe(size);
      return this.readFully(ahead, 0, size, position, (error) => {
        if (error) return callback(error);
        this.ahead = ahead;
        this.aheadStart = position;
        this.read(buffer, offset, length, position, callback);
      });
    }
    if (cached()) {
      this.ahead.copy(buffer, offset, position - this.aheadStart, position - this.aheadStart + length);
      // Not synchronously: yauzl reads the next entry from this callback, and would recurse.
      queueMicrotask(() => callback(null));
      return;
    }
    this.readFully(buffer, offset, length, position, callback);
  }
  /** Exactly `length` bytes at `position`, bypassing the read-ahead. */
  readFully(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    if (position >= this.pinnedStart && position + length <= this.pinnedStart + this.pinned.length) {
      this.pinned.copy(buffer, offset, position - this.pinnedStart, position - this.pinnedStart + length);
      queueMicrotask(() => callback(null));
      return;
    }
    const more = (done: number): void => {
      if (done === length) return callback(null);
      read(this.fd, buffer, offset + done, length - done, position + done, (error, bytes) => {
        if (error) return callback(error);
        if (bytes === 0) return callback(new Error(`unexpected end of file at byte ${position + done}`));
        more(done + bytes);
      });
    };
    more(0);
  }
  override close(callback: (err: Error | null) => void): void {
    if (!this.owned) return queueMicrotask(() => callback(null));
    close(this.fd, (error) => callback(error ?? null));
  }
}

/**
 * Reads an archive front to back in windows: the local headers, and small
 * members' data, come from one read per window rather than one per member
 * (a wheel holds up to some 16,000 small files; a read costs a trip to the
 * thread pool). A window is read anew, never reused, so what it handed out
 * stays valid.
 */
export class Window {
  private buffer = Buffer.alloc(0);
  private start = 0;
  constructor(
    private readonly reader: FileReader,
    /** Where the readable part ends (the central directory). */
    private readonly end: number,
    private readonly size: number,
  ) {}
  /** Up to `length` bytes at `position` (fewer at the end of the readable part). */
  async bytes(position: number, length: number): Promise<Buffer> {
    const available = Math.max(0, Math.min(length, this.end - position));
    if (position < this.start || position + available > this.start + this.buffer.length) {
      const size = Math.max(0, Math.min(Math.max(this.size, available), this.end - position));
      const buffer = Buffer.allocUnsafe(size);
      // A promise made by hand: promisify() on every window cost some 20 µs a call (a tenth of small wheels' check).
      if (size > 0) await new Promise<void>((resolve, reject) => this.reader.readFully(buffer, 0, size, position, (error) => (error ? reject(error) : resolve())));
      this.buffer = buffer;
      this.start = position;
    }
    return this.buffer.subarray(position - this.start, position - this.start + available);
  }
}

