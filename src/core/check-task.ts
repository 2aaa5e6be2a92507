/**
 * One file's task for check-pool.ts: its sha256 and its content check from
 * one read of its bytes, front to back (scan.ts). It runs in a worker thread
 * (src/worker/index.ts), or in this thread when there is no worker bundle
 * (the unit tests, on the TypeScript sources).
 *
 * - a wheel: the single pass of zip-scan.ts. When that pass meets anything
 *   it does not pass, the file is still hashed to its end, then the
 *   reference check (zip.ts's positioned reads, every rule in its order of
 *   precedence) gives the verdict and its message: the same refusal, word
 *   for word, as before the single pass;
 * - an sdist: its bytes go to the hash as they stream into gunzip and tar;
 * - with the check off, the hash alone.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { ContentError } from './errors.js';
import { type ContentWarning, Findings } from './findings.js';
import { openRegular, openRegularSync } from './files.js';
import { READS_IN_PLACE, readTail, releaseTail, Scan } from './scan.js';
import { checkSdist } from './sdist.js';
import { checkWheel } from './wheel-contents.js';
import type { SdistName, WheelName } from './wheels.js';
import { systemError, ZipArchive } from './zip.js';
import { ScannedZip } from './zip-scan.js';

/** What to do with one file. */
export interface CheckTask {
  path: string;
  /** The distribution's file name (in the container), as findings name it. */
  fileName: string;
  /** Compute the file's sha256. */
  hash: boolean;
  /** Run the content check. */
  check: boolean;
  /** Refuse what is odd but installable. */
  strict: boolean;
  /** Open it only if it is a regular file, never through a symbolic link (files.ts openRegular). */
  regular?: boolean;
}

/**
 * A task with its file name parsed (wheels.ts parseDistributionName) by the
 * thread that sends it: the worker bundle then carries no file discovery.
 */
export interface NamedCheckTask extends CheckTask {
  /** undefined: not a wheel's or sdist's file name. */
  parsed: WheelName | SdistName | undefined;
}

/** The outcome: the sha256 (when hashed), the size, and what the check found. */
export interface CheckResult {
  sha256?: string;
  size: number;
  contentError?: ContentError;
  /** What is odd but installable (absent when nothing is). */
  warnings?: ContentWarning[];
}

/**
 * sdists are fed to gunzip in the read size of fs.createReadStream, as
 * sdist.ts reads them on its own; each slice kept valid (a stream may queue
 * a small write and ask for the next slice before it has used it).
 */
const SDIST_SLICE = 64 * 1024;

/** How the check of a task went: warnings, or a ContentError. */
type Found = ContentWarning[] | ContentError;

/** The check's findings as a result's fields. */
function withFound(result: { sha256?: string; size: number }, found: Found | undefined): CheckResult {
  if (found instanceof ContentError) return { ...result, contentError: found };
  return found && found.length > 0 ? { ...result, warnings: found } : result;
}

/** Runs a ContentError-throwing check, returning what it found. */
async function finding(check: (findings: Findings) => Promise<void>, fileName: string, strict: boolean): Promise<Found> {
  const findings = new Findings(fileName, strict);
  try {
    await check(findings);
    return findings.warnings;
  } catch (error: unknown) {
    if (error instanceof ContentError) return error;
    throw error;
  }
}

/**
 * Hashes and checks one file as `task` says. Throws when the file cannot be
 * read (an error of the file system, or not a regular file with `regular`);
 * a content problem is `contentError` in the result.
 */
export async function runCheckTask(task: NamedCheckTask): Promise<CheckResult> {
  const { fileName } = task;
  const parsed = task.check ? task.parsed : undefined;
  const nameError = task.check && !parsed ? new ContentError(fileName, undefined, 'not a wheel (PEP 427) or sdist (name-version.tar.gz) file name') : undefined;
  // Nothing to read: a check refused by the name alone.
  if (nameError && !task.hash) return { size: 0, contentError: nameError };
  const { fd, size, close } = await openTask(task);
  try {
    if (!parsed) {
      const scan = new Scan(fd, size, { hash: task.hash });
      return withFound(await scan.finish(), nameError);
    }
    if (parsed.kind === 'wheel') return await wheelTask(fd, size, task, parsed);
    return await sdistTask(fd, size, task, parsed);
  } finally {
    await close();
  }
}

/** A task's file, open: in place in a worker thread (READS_IN_PLACE), through the thread pool in the main one. */
async function openTask(task: NamedCheckTask): Promise<{ fd: number; size: number; close: () => void | Promise<void> }> {
  if (READS_IN_PLACE) {
    const fd = task.regular ? openRegularSync(task.path, task.fileName) : openSync(task.path, constants.O_RDONLY);
    try {
      return { fd, size: fstatSync(fd).size, close: () => closeSync(fd) };
    } catch (error: unknown) {
      closeSync(fd);
      throw error;
    }
  }
  const handle = task.regular ? await openRegular(task.path, task.fileName) : await open(task.path, constants.O_RDONLY);
  try {
    return { fd: handle.fd, size: (await handle.stat()).size, close: () => handle.close() };
  } catch (error: unknown) {
    await handle.close();
    throw error;
  }
}

/** A wheel: the single pass, and the reference check when the pass does not pass it. */
async function wheelTask(fd: number, size: number, task: CheckTask, parsed: WheelName): Promise<CheckResult> {
  const pass = await singlePass(fd, size, task, parsed);
  if (pass.passed) return withFound(pass.digest, pass.passed);
  return withFound(pass.digest, await referenceCheck(fd, task, parsed));
}

/** What the single pass made of a wheel: the file's digest, and its warnings if it passed, or why it did not. */
export interface SinglePass {
  digest: { sha256?: string; size: number };
  passed?: ContentWarning[];
  /** What stopped it (a Mismatch, a ContentError, ...): the reference check then decides. */
  deferred?: unknown;
}

/** The single pass over a wheel (zip-scan.ts), the file hashed to its end whatever it finds. Throws errors of the file system. */
export async function singlePass(fd: number, size: number, task: CheckTask, parsed: WheelName): Promise<SinglePass> {
  const { path, fileName, strict } = task;
  const tail = await readTail(fd, size);
  const scan = new Scan(fd, size, { hash: task.hash, tail });
  let passed: ContentWarning[] | undefined;
  let deferred: unknown;
  try {
    const findings = new Findings(fileName, strict);
    let zip: ScannedZip | undefined;
    await checkWheel(path, fileName, parsed, findings, async () => (zip = await ScannedZip.openScanned(fd, fileName, scan, tail)));
    await zip!.complete();
    passed = findings.warnings;
  } catch (error: unknown) {
    // Anything else (a refusal, a Mismatch, the unexpected): the reference check says what it is.
    if (systemError(error)) {
      await scan.settle();
      throw error;
    }
    deferred = error;
  }
  const digest = await scan.finish();
  // Nothing of this file uses its tail any more: the next file's may reuse its buffer.
  releaseTail(tail);
  return passed ? { digest, passed } : { digest, deferred };
}

/** An sdist: hashed as it streams into gunzip and tar. */
async function sdistTask(fd: number, size: number, task: CheckTask, parsed: SdistName): Promise<CheckResult> {
  const scan = new Scan(fd, size, { hash: task.hash });
  let found: Found;
  try {
    found = await finding(() => checkSdist(task.path, task.fileName, parsed, () => scan.slices(size, SDIST_SLICE, true)), task.fileName, task.strict);
  } catch (error: unknown) {
    await scan.settle();
    throw error;
  }
  return withFound(await scan.finish(), found);
}

/**
 * The content check as zip.ts reads a wheel (positioned reads, the local
 * headers first, then each member): every rule in its order of precedence.
 * The single pass defers to it for any wheel it does not pass.
 */
async function referenceCheck(fd: number, task: CheckTask, parsed: WheelName): Promise<Found> {
  return finding((findings) => checkWheel(task.path, task.fileName, parsed, findings, (path, fileName) => ZipArchive.open(path, fileName, fd)), task.fileName, task.strict);
}

/** The reference check of a wheel or sdist at `path` (tests compare the single pass with it). */
export async function referenceCheckFile(path: string, fileName: string, parsed: WheelName | SdistName | undefined, strict = false): Promise<Found> {
  if (!parsed) return new ContentError(fileName, undefined, 'not a wheel (PEP 427) or sdist (name-version.tar.gz) file name');
  if (parsed.kind === 'sdist') return finding(() => checkSdist(path, fileName, parsed), fileName, strict);
  return finding((findings) => checkWheel(path, fileName, parsed, findings), fileName, strict);
}
