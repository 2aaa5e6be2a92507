/**
 * Looking inside a distribution. A sidecar proves a file arrived as it left;
 * it cannot tell that the file was already broken when it was hashed (a build
 * step killed mid-write, a full disk). A wheel carries its own manifest,
 * RECORD, with a hash per member: this checks the archive against it, and the
 * names and tags against the file name. An sdist has no manifest: its gzip and
 * tar streams must read to their end and hold PKG-INFO.
 *
 * This module is the door; the rules live by format, the reading by need:
 *   check-pool.ts     worker threads, one file each at a time: hash and check from one read
 *   check-task.ts     one file's task: the single pass, the reference check when it does not pass
 *   scan.ts           a file read once, front to back, hashed as it is read
 *   zip-scan.ts       a wheel's zip in one pass over a scan
 *   zip.ts            the zip structure (local headers, overlaps, sizes, CRC-32), member streaming
 *   zip-reader.ts     the archive's bytes for yauzl and zip.ts, read in windows
 *   record.ts         RECORD's CSV and WHEEL's headers
 *   wheel-contents.ts a wheel's rules over both (PEP 427)
 *   sdist.ts          an sdist's streams and PKG-INFO
 *   normalize.ts      names, versions and tags as compared
 */
import { basename } from 'node:path';
import { type CheckPool, sharedCheckPool } from './check-pool.js';
import { runCheckTask } from './check-task.js';
import type { ContentError } from './errors.js';
import type { ContentWarning } from './findings.js';
import type { Digest } from './hash.js';
import { parseDistributionName } from './wheels.js';

export { expandTags, normalizeName, normalizeVersion } from './normalize.js';
export { parseCsv } from './record.js';
export type { ContentWarning } from './findings.js';

/**
 * Checks what is inside a distribution file at `path` (named `fileName` in
 * the container): a wheel against its zip structure, RECORD, names and tags;
 * an sdist for whole gzip and tar streams and PKG-INFO. Throws ContentError
 * naming the file and the first broken member; returns what is odd but
 * installable (a ContentError too, with `strict`). Runs in this thread.
 */
export async function checkDistribution(path: string, fileName: string = basename(path), options: CheckOptions = {}): Promise<ContentWarning[]> {
  const { contentError, warnings } = await runCheckTask({ path, fileName, hash: false, check: true, strict: options.strict ?? false, parsed: parseDistributionName(fileName) });
  if (contentError) throw contentError;
  return warnings ?? [];
}

/** How strictly to judge. */
export interface CheckOptions {
  /** Refuse what is merely odd (the `strict` input) instead of warning about it. */
  strict?: boolean;
}

/** A file's digest, and what its content check found (nothing when it passed or was off). */
export interface CheckedDigest extends Digest {
  contentError?: ContentError;
  /** What is odd but installable. */
  warnings?: ContentWarning[];
}

/**
 * The file's sha256 and, when `check` is on, its content check, both run to
 * their end from one read of the file, in a worker thread of `pool` (by
 * default a pool shared by such callers): the caller decides which finding
 * comes first. Errors other than a ContentError (the file cannot be read)
 * are thrown.
 */
export async function hashAndCheck(path: string, fileName: string, check: boolean, options: CheckOptions & { pool?: CheckPool } = {}): Promise<CheckedDigest> {
  const { sha256, size, contentError, warnings } = await (options.pool ?? sharedCheckPool()).run({ path, fileName, hash: true, check, strict: options.strict ?? false });
  if (sha256 === undefined) throw new Error(`${fileName}: hashed, but no sha256 came back`);
  return { sha256, size, ...(contentError ? { contentError } : {}), ...(warnings ? { warnings } : {}) };
}
