/**
 * Looking inside a distribution. A sidecar proves a file arrived as it left;
 * it cannot tell that the file was already broken when it was hashed (a build
 * step killed mid-write, a full disk). A wheel carries its own manifest,
 * RECORD, with a hash per member: this checks the archive against it, and the
 * names and tags against the file name. An sdist has no manifest: its gzip and
 * tar streams must read to their end and hold PKG-INFO.
 *
 * This module is the door; the rules live by format:
 *   zip.ts            the zip structure (local headers, overlaps, sizes, CRC-32), member streaming
 *   zip-reader.ts     the archive's bytes for yauzl and zip.ts, read in windows
 *   record.ts         RECORD's CSV and WHEEL's headers
 *   wheel-contents.ts a wheel's rules over both (PEP 427)
 *   sdist.ts          an sdist's streams and PKG-INFO
 *   normalize.ts      names, versions and tags as compared
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ContentError } from './errors.js';
import { type ContentWarning, Findings } from './findings.js';
import { type Digest, hashFile } from './hash.js';
import { checkSdist } from './sdist.js';
import { checkWheel } from './wheel-contents.js';
import { parseDistributionName } from './wheels.js';

export { expandTags, normalizeName, normalizeVersion } from './normalize.js';
export { parseCsv } from './record.js';
export type { ContentWarning } from './findings.js';

/** Read size of the hashing worker. */
const CHUNK = 1024 * 1024;

/**
 * Checks what is inside a distribution file at `path` (named `fileName` in
 * the container): a wheel against its zip structure, RECORD, names and tags;
 * an sdist for whole gzip and tar streams and PKG-INFO. Throws ContentError
 * naming the file and the first broken member; returns what is odd but
 * installable (a ContentError too, with `strict`).
 */
export async function checkDistribution(path: string, fileName: string = basename(path), options: CheckOptions = {}): Promise<ContentWarning[]> {
  const parsed = parseDistributionName(fileName);
  if (!parsed) throw new ContentError(fileName, undefined, 'not a wheel (PEP 427) or sdist (name-version.tar.gz) file name');
  const findings = new Findings(fileName, options.strict ?? false);
  if (parsed.kind === 'wheel') await checkWheel(path, fileName, parsed, findings);
  else await checkSdist(path, fileName, parsed);
  return findings.warnings;
}

/** How strictly to judge. */
export interface CheckOptions {
  /** Refuse what is merely odd (the `strict` input) instead of warning about it. */
  strict?: boolean;
}

/** Below this size a second thread costs more than it saves. */
const PARALLEL_FROM = 8 * 1024 * 1024;

/**
 * The worker's code: the file's sha256 as hash.ts computes it. Inline (a
 * CommonJS script with only Node's modules), so each bundle carries it.
 */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { createReadStream } = require('node:fs');
const hash = createHash('sha256');
let size = 0;
createReadStream(workerData, { highWaterMark: ${CHUNK} })
  .on('data', (chunk) => { hash.update(chunk); size += chunk.length; })
  .on('error', (error) => parentPort.postMessage({ error: error.message, code: error.code }))
  .on('end', () => parentPort.postMessage({ sha256: hash.digest('hex'), size }));
`;

/** sha256 of a file in a worker thread, so it runs beside work on this one. */
function hashFileInWorker(path: string, signal: AbortSignal): Promise<Digest> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: path });
    const stop = (): void => void worker.terminate();
    signal.addEventListener('abort', stop, { once: true });
    worker.once('message', (message: Digest & { error?: string; code?: string }) => {
      if (message.error !== undefined) reject(Object.assign(new Error(message.error), { code: message.code }));
      else resolve({ sha256: message.sha256, size: message.size });
    });
    worker.once('error', reject);
    worker.once('exit', () => {
      signal.removeEventListener('abort', stop);
      reject(new Error(`hashing ${path} stopped`));
    });
  });
}

/** A file's digest, and what its content check found (nothing when it passed or was off). */
export interface CheckedDigest extends Digest {
  contentError?: ContentError;
  /** What is odd but installable. */
  warnings?: ContentWarning[];
}

/**
 * The file's sha256 and, when `check` is on, its content check, both run to
 * their end: the caller decides which finding comes first. For a large file
 * the hash runs in a worker thread beside the check, so the check adds
 * little time to hashing alone. Errors other than a ContentError (the file
 * cannot be read) are thrown.
 */
export async function hashAndCheck(path: string, fileName: string, check: boolean, options: CheckOptions = {}): Promise<CheckedDigest> {
  if (!check) return hashFile(path);
  const checked = (): Promise<ContentError | ContentWarning[]> =>
    checkDistribution(path, fileName, options).catch((error: unknown) => {
      if (error instanceof ContentError) return error;
      throw error;
    });
  const withFinding = (digest: Digest, found: ContentError | ContentWarning[]): CheckedDigest =>
    found instanceof ContentError ? { ...digest, contentError: found } : found.length > 0 ? { ...digest, warnings: found } : digest;
  const { size } = await stat(path);
  if (size < PARALLEL_FROM) return withFinding(await hashFile(path), await checked());
  const abort = new AbortController();
  try {
    const [digest, found] = await Promise.all([hashFileInWorker(path, abort.signal), checked()]);
    return withFinding(digest, found);
  } finally {
    abort.abort();
  }
}
