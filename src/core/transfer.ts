/**
 * Moving one file with verification: upload then read back (post-build),
 * download into a temporary file while hashing, resume, verify, rename
 * (collect). Containers only move bytes; every check lives here.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as pipelineCallback, Readable } from 'node:stream';
import type { Container } from '../containers/container.js';
import { renameOver, sinkTo, temporaryName } from './files.js';
import { dropped } from './heap.js';
import { IntegrityError, isRetryable, messageOf, SidecarFormatError, TransferError, WheelGuardError } from './errors.js';
import { CountingStream, type Digest, type HashState, hashState, RunningHash } from './hash.js';
import type { Reporter } from './report.js';
import { LimitError, MAX_SIDECAR_BYTES, readBounded } from './bounds.js';
import { retry, type RetryOptions } from './retry.js';
import { formatSidecar, parseSidecar, sidecarName } from './sidecar.js';

/** Called as bytes of one file move. */
export type ProgressCallback = (bytes: number, total: number | undefined) => void;

/** Retry settings for one file's transfer. */
export type TransferRetry = Pick<RetryOptions, 'retries' | 'sleep' | 'baseDelayMs' | 'maxDelayMs' | 'onRetry'>;

/**
 * Retry settings for one file's transfers: they count its attempts (for the
 * table) and warn before each new one.
 */
export function countedRetry(retries: number, reporter: Reporter, file?: string): { options: TransferRetry; attempts: () => number } {
  let attempts = 1;
  const options: TransferRetry = {
    retries,
    onRetry: (error, attempt) => {
      attempts = Math.max(attempts, attempt);
      reporter.warning(`${messageOf(error)}; retrying (attempt ${attempt} of ${retries + 1})`, file);
    },
  };
  return { options, attempts: () => attempts };
}

/**
 * Reads and parses a distribution's sidecar from a container. A sidecar is
 * one line: a body over 4 KiB (or endless, or silent) is refused without
 * being read whole.
 */
export async function readSidecar(container: Container, name: string, idleMs?: number): Promise<string> {
  const sidecar = sidecarName(name);
  const bytes = container.readSmall ? await container.readSmall(sidecar, MAX_SIDECAR_BYTES) : await readBounded(await container.read(sidecar), MAX_SIDECAR_BYTES, sidecar, idleMs);
  return parseSidecar(bytes.toString('utf8'), name, sidecar);
}

/**
 * Reads a sidecar, reading it again when it comes out malformed: a byte
 * flipped in transit, or a store without atomic writes caught mid-write,
 * look just like that. Only a sidecar malformed every time is reported so.
 */
export function readSidecarRetrying(container: Container, name: string, options: TransferRetry & { idleTimeoutMs?: number }): Promise<string> {
  return retry(() => readSidecar(container, name, options.idleTimeoutMs), {
    ...options,
    isRetryable: (error) => error instanceof SidecarFormatError || isRetryable(error),
  });
}

/**
 * Feeds `chunk` to `hasher`, refusing it with a LimitError if it takes the
 * bytes past `most` (what the store listed for `name`): the one check of a
 * body's length, for downloads and read-backs alike.
 */
function hashWithin(hasher: RunningHash, chunk: Buffer, name: string, most: number): void {
  if (hasher.bytes + chunk.length > most) {
    throw new LimitError(`${name}: the container sent more than the ${most} bytes it listed for it (${hasher.bytes + chunk.length} so far); refused`);
  }
  hasher.update(chunk);
}

/** The sha256 of `source`, cut with a LimitError as soon as it sends more than `size` bytes (what the store listed). */
async function hashAtMost(source: Readable, name: string, size: number): Promise<string> {
  const hasher = new RunningHash();
  // One loop, no stream stage between the socket and the hash (as downloadVerified); leaving it early destroys the source.
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      hashWithin(hasher, chunk, name, size);
      dropped(chunk.length);
    }
  } catch (error: unknown) {
    // A read-back that broke off (a reset, an abort) is read again; a body past its size is not.
    if (error instanceof WheelGuardError) throw error;
    throw new TransferError(`${name}: the read-back broke off after ${hasher.bytes} bytes: ${messageOf(error)}`, { cause: error });
  }
  return hasher.digest().sha256;
}

/**
 * Checks that the container holds exactly `expected` under `name`: the size
 * from stat, then the store's own sha256 if it recorded one, else the bytes
 * read back and hashed.
 */
export async function verifyRemote(container: Container, name: string, expected: Digest): Promise<void> {
  const entry = await container.stat(name);
  if (!entry) throw new TransferError(`${name}: not found in ${container.url} right after upload`);
  if (entry.size !== undefined && entry.size !== expected.size) {
    throw new IntegrityError(name, expected.sha256, entry.sha256 ?? 'unknown', entry.size, `stored ${entry.size} bytes, uploaded ${expected.size}`);
  }
  // Read back no further than the size it must have: a store that sends more is refused at that byte.
  const actual = entry.sha256 ?? (await hashAtMost(await container.read(name), name, expected.size));
  if (actual !== expected.sha256) {
    throw new IntegrityError(name, expected.sha256, actual, expected.size, 'read back from the container');
  }
}

/**
 * Uploads a local distribution then its sidecar. The sidecar, the commit
 * marker, is written only after the wheel read back whole.
 */
export async function uploadPair(
  container: Container,
  name: string,
  file: string,
  digest: Digest,
  options: TransferRetry & { onProgress?: ProgressCallback },
): Promise<void> {
  const progress = options.onProgress;
  await retry(async () => {
    // What was sent is judged by reading it back (verifyRemote), not on the way: the bytes are only counted.
    if (container.writeFile) {
      await container.writeFile(name, file, { ...digest, ...(progress ? { onProgress: (bytes: number) => progress(bytes, digest.size) } : {}) });
    } else {
      const counted = new CountingStream(progress && ((bytes) => progress(bytes, digest.size)));
      // pipeline(…, callback) destroys `counted` with the read error, so the container sees it.
      pipelineCallback(createReadStream(file), counted, () => undefined);
      await container.write(name, counted, digest);
    }
    await verifyRemote(container, name, digest);
  }, options);
  const sidecar = Buffer.from(formatSidecar(digest.sha256, name));
  const sidecarDigest = { sha256: createHash('sha256').update(sidecar).digest('hex'), size: sidecar.length };
  await retry(async () => {
    await container.write(sidecarName(name), Readable.from([sidecar]), sidecarDigest);
    const stored = await readSidecar(container, name);
    if (stored !== digest.sha256) {
      throw new IntegrityError(sidecarName(name), digest.sha256, stored, sidecar.length, 'sidecar read back');
    }
    // Malformed on read-back: another job writing the same pair this instant, on a store without
    // atomic writes, or damage in transit. Write and read it again.
  }, { ...options, isRetryable: (error) => error instanceof SidecarFormatError || isRetryable(error) });
}

/** What a verified download produced. */
export interface DownloadResult extends Digest {
  attempts: number;
}

/**
 * Downloads `name` into `dir` and moves it into place only if it hashes to
 * `expectedSha256`. The bytes go to a hidden temporary file in `dir` while
 * being hashed; a broken transfer resumes from the bytes already on disk
 * (if the container allows ranged reads), carrying the hash on; a mismatch
 * starts over. Nothing but a verified file ever appears under `name`, and
 * the temporary file is gone when this returns or throws. `verify`, if
 * given, runs on the temporary file once it hashes right, before the rename:
 * what it throws is thrown, and the file is not moved into place.
 */
export async function downloadVerified(
  container: Container,
  name: string,
  expectedSha256: string,
  expectedSize: number | undefined,
  dir: string,
  options: TransferRetry & { onProgress?: ProgressCallback; verify?: (temp: string) => Promise<void>; idleTimeoutMs?: number },
): Promise<DownloadResult> {
  const temp = join(dir, temporaryName(name));
  let moved = false;
  let state: HashState | undefined;
  try {
    const result = await retry(async (attempt) => {
      let from = container.resumable ? state : undefined;
      const progress = options.onProgress;
      // A refused read (not found, access denied) keeps its own error and its own retry answer.
      const source = await container.read(name, from?.size ?? 0);
      // The store could not resume (an HTTP 200 to a ranged request) and sends the whole file: start over.
      if (from && source.startsAt === 0) from = undefined;
      // A stalled connection (nothing for idleTimeoutMs) is cut here and retried, resuming.
      const idle = options.idleTimeoutMs ?? 30_000;
      const watchdog = setTimeout(() => source.destroy(new TransferError(`no data for ${idle / 1000} s`)), idle);
      const hasher = new RunningHash(from);
      const handle = await open(temp, from ? 'a' : 'w').catch((error: unknown) => {
        clearTimeout(watchdog);
        source.destroy();
        throw error;
      });
      // A body that goes on past the listed size is cut at that byte, not written to the disk's end.
      const most = expectedSize === undefined ? Number.MAX_SAFE_INTEGER : expectedSize;
      // One loop over the body (no stream stages: a socket gives some 16,000 chunks a GiB, and each stage
      // cost each chunk its own buffering and callbacks): counted, hashed and written in batches. On a break
      // the loop ends having written every chunk it hashed, so a resume starts right after them.
      try {
        await sinkTo(handle, (chunk) => {
          hashWithin(hasher, chunk, name, most);
          watchdog.refresh();
          progress?.(hasher.bytes, expectedSize);
        })(source);
      } catch (error: unknown) {
        clearTimeout(watchdog);
        source.destroy();
        await handle.close().catch(() => undefined);
        if (error instanceof LimitError) throw error;
        const onDisk = (await stat(temp)).size;
        state = onDisk === hasher.bytes ? hasher.snapshot() : await hashState(createReadStream(temp));
        throw new TransferError(`${name}: transfer broke off after ${onDisk} bytes: ${messageOf(error)}`, { cause: error });
      }
      clearTimeout(watchdog);
      await handle.close();
      const digest = hasher.digest();
      state = hasher.snapshot();
      if (expectedSize !== undefined && digest.size < expectedSize) {
        throw new TransferError(`${name}: transfer ended after ${digest.size} of ${expectedSize} bytes`);
      }
      if (digest.sha256 !== expectedSha256) {
        state = undefined;
        throw new IntegrityError(name, expectedSha256, digest.sha256, digest.size);
      }
      return { ...digest, attempts: attempt };
    }, options);
    await options.verify?.(temp);
    await renameOver(temp, join(dir, name), name);
    moved = true;
    return result;
  } finally {
    // Moved into place, it is gone already (an rm would still look: 0.14 s of 1,000 small wheels' run).
    if (!moved) await rm(temp, { force: true });
  }
}
