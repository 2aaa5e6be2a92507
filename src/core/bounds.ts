/**
 * Bounds on what a stranger can make a run read. Every read of untrusted
 * bytes has a cap, stated here once with the reason for its size, and a
 * body that goes past its cap is cut there: never read whole first.
 */
import { Transform, type TransformCallback, type Readable } from 'node:stream';
import { messageOf, TransferError, WheelGuardError } from './errors.js';

/** A sidecar is one line of about 100 bytes; 4 KiB leaves room for a long path and CRLF. */
export const MAX_SIDECAR_BYTES = 4096;
/** A SHA256SUMS file: 32 MiB is some 200,000 lines, far past any release. */
export const MAX_SUMS_BYTES = 32 * 1024 * 1024;
/**
 * Entries in one container listing: a release has tens of files (numpy's
 * largest has under 100), a folder of every nightly for years some
 * thousands. Past this the listing is refused, not held in memory.
 */
export const MAX_LISTING_ENTRIES = 200_000;
/** One page of a store's listing (S3 returns at most 1,000 keys of at most 1 KiB each per page). */
export const MAX_LISTING_PAGE_BYTES = 16 * 1024 * 1024;
/**
 * A web address's listing (a PEP 691/503 simple page, a server's directory
 * listing, a SHA256SUMS file), counted after any gzip is inflated: the
 * SHA256SUMS cap, some 200,000 links; a project's page on pypi.org is a
 * small fraction of it.
 */
export const MAX_WEB_LISTING_BYTES = MAX_SUMS_BYTES;
/** Redirects followed for one request: an index or a release asset takes one or two. */
export const MAX_REDIRECTS = 5;
/** Problems shown in full as annotations and in the job summary; the rest are counted there and logged. */
export const MAX_ANNOTATIONS = 50;
/** The runner drops a step summary over 1 MiB: stay well under it. */
export const MAX_SUMMARY_BYTES = 900 * 1024;
/**
 * A wheel's tail (its central directory and end records) held in memory
 * while the content check reads the rest, so the same bytes serve the
 * directory's parse and the file's sha256. The largest real central
 * directory is some 2.4 MB (16,000 members); a larger one is read in
 * windows and read again for the hash.
 */
export const MAX_HELD_TAIL = 8 * 1024 * 1024;

/** Bytes past a cap: refused, not retried (the same bytes would come again). */
export class LimitError extends WheelGuardError {}

/** Counts bytes, in the message form "4 KiB", "32 MiB". */
export function formatCap(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * A pass-through stream that fails with `error()` as soon as more than
 * `limit` bytes came through, so the body is cut there.
 */
export class LimitStream extends Transform {
  private bytes = 0;
  constructor(
    private readonly limit: number,
    private readonly error: (bytes: number) => Error,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(this.error(this.bytes));
    done(null, chunk);
  }
}

/** The refusal of a file larger than the `limit` it may have (readBounded, Container.readSmall). */
export function tooLarge(what: string, limit: number): LimitError {
  return new LimitError(`${what} is larger than ${formatCap(limit)}: refused, not read further`);
}

/**
 * Reads a stream to its end, refusing it as soon as it exceeds `limit`
 * bytes (the stream is destroyed, so an endless body ends here), and
 * refusing it when no byte arrives for `idleMs`. `what` names it in errors.
 */
export async function readBounded(stream: Readable, limit: number, what: string, idleMs = 30_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const watchdog = setTimeout(() => stream.destroy(new TransferError(`${what}: no data for ${idleMs / 1000} s`)), idleMs);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      watchdog.refresh();
      bytes += chunk.length;
      if (bytes > limit) {
        stream.destroy();
        throw tooLarge(what, limit);
      }
      chunks.push(chunk);
    }
  } catch (error: unknown) {
    // A body that broke off (whatever the client library calls it: a reset, an abort) is worth another try.
    if (error instanceof WheelGuardError) throw error;
    throw new TransferError(`${what}: the transfer broke off after ${bytes} bytes: ${messageOf(error)}`, { cause: error });
  } finally {
    clearTimeout(watchdog);
  }
  return Buffer.concat(chunks);
}
