/**
 * Local files a run reads and writes: only regular files are opened (never
 * through a symbolic link, never a FIFO or device), temporary files carry
 * the run's own id, and a run removes only what it made, or what a dead
 * run left behind long ago.
 */
import { randomBytes } from 'node:crypto';
import { type BigIntStats, closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { WheelGuardError } from './errors.js';
import { dropped } from './heap.js';
import { quote } from './untrusted.js';

/**
 * A file name as the platform's usual file system tells names apart: without
 * case on macOS and Windows, where `Foo-1.0-….whl` and `foo-1.0-….whl` are
 * one file (so what `path` held under either is found by the other).
 */
export function nameKey(name: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'darwin' || platform === 'win32' ? name.toLowerCase() : name;
}

/** This process's id in temporary file names: two runs into one directory never touch each other's files. */
export const RUN_ID = randomBytes(6).toString('hex');

/** Temporary files start with a dot, so listings and globs never show them, and carry the run's id. */
export function temporaryName(name: string): string {
  return `.${name}.wg-${RUN_ID}-${randomBytes(4).toString('hex')}.tmp`;
}

/** A temporary file name of any run: its run id. */
const TEMPORARY = /^\..+\.wg-([0-9a-f]{12})(?:-[0-9a-f]{8})?\.tmp$/;
/** The lock a running collect holds in its directory, refreshed while it runs. */
const LOCK = /^\.wheel-guard-([0-9a-f]{12})\.lock$/;
const lockName = (run: string): string => `.wheel-guard-${run}.lock`;

/**
 * A leftover of another run is removed only when it has not changed for
 * this long and that run's lock is gone or was not refreshed for as long:
 * a run that is alive refreshes its lock every minute.
 */
export const LEFTOVER_AGE_MS = 15 * 60 * 1000;
const LOCK_REFRESH_MS = 60 * 1000;

/** A file that is not a regular file (a symbolic link, a FIFO, a device, a directory). */
export class NotRegularFileError extends WheelGuardError {}

/** What kind of thing a non-regular entry is, for messages. */
export function kindOf(info: Stats | BigIntStats): string {
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isBlockDevice() || info.isCharacterDevice()) return 'a device';
  return 'not a regular file';
}

/** Why an entry cannot be read as a file, or undefined for a regular file. */
export function irregular(info: Stats | BigIntStats): string | undefined {
  return info.isFile() ? undefined : `is ${kindOf(info)}, not a regular file; only regular files are read`;
}

/**
 * Opens a regular file for reading: a symbolic link is refused (O_NOFOLLOW),
 * a FIFO does not block the open (O_NONBLOCK) and is refused, as is anything
 * else that fstat does not call a regular file. ENOENT is thrown as is.
 */
export async function openRegular(path: string, shownName: string, lookFirst: boolean = !HAS_NOFOLLOW): Promise<FileHandle> {
  // Without O_NOFOLLOW (Windows) the open would follow a link: look first, then check that what opened is what was looked at.
  const looked = lookFirst ? await lstat(path, { bigint: true }).catch((error: unknown) => Promise.reject(openError(error, shownName))) : undefined;
  if (looked?.isSymbolicLink()) throw linkRefused(shownName);
  let handle: FileHandle;
  try {
    handle = await open(path, regularFlags(lookFirst));
  } catch (error: unknown) {
    throw openError(error, shownName);
  }
  // One fstat: with bigint ino/dev when they are compared with what lstat saw.
  const opened = looked ? await handle.stat({ bigint: true }) : await handle.stat();
  const why = irregular(opened) ?? (looked ? swapped(looked, opened as BigIntStats) : undefined);
  if (why) {
    await handle.close();
    throw new NotRegularFileError(`${quote(shownName)} ${why}`);
  }
  return handle;
}

/** Whether this platform's open can refuse a symbolic link itself (not Windows). */
const HAS_NOFOLLOW = constants.O_NOFOLLOW !== undefined;

/** Why the file opened is not the one lstat looked at (replaced in between, e.g. by a link), if it is not. */
function swapped(looked: { ino: bigint; dev: bigint }, opened: { ino: bigint; dev: bigint }): string | undefined {
  return looked.ino === opened.ino && looked.dev === opened.dev ? undefined : 'was replaced while it was being opened; only regular files are read';
}

/** The flags openRegular opens with: without O_NOFOLLOW when `lookFirst` stands in for it (as it must where there is none). */
function regularFlags(lookFirst: boolean): number {
  return lookFirst ? REGULAR_FLAGS & ~(constants.O_NOFOLLOW ?? 0) : REGULAR_FLAGS;
}

/** How openRegular opens: never through a symbolic link, never blocking on a FIFO. */
const REGULAR_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** An error of opening with REGULAR_FLAGS, as openRegular throws it. */
function openError(error: unknown, shownName: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  // ELOOP: the last part of the path is a symbolic link (O_NOFOLLOW).
  if (code === 'ELOOP' || code === 'EMLINK') return linkRefused(shownName);
  return error;
}

/** The refusal of a symbolic link, whether the open (O_NOFOLLOW) or a look first (lstat) found it. */
function linkRefused(shownName: string): NotRegularFileError {
  return new NotRegularFileError(`${quote(shownName)} is a symbolic link, not a regular file; only regular files are read`);
}

/** openRegular, blocking this thread (for worker threads, see scan.ts READS_IN_PLACE): the open file descriptor. */
export function openRegularSync(path: string, shownName: string, lookFirst: boolean = !HAS_NOFOLLOW): number {
  let looked: BigIntStats | undefined;
  if (lookFirst) {
    try {
      looked = lstatSync(path, { bigint: true });
    } catch (error: unknown) {
      throw openError(error, shownName);
    }
    if (looked?.isSymbolicLink()) throw linkRefused(shownName);
  }
  let fd: number;
  try {
    fd = openSync(path, regularFlags(lookFirst));
  } catch (error: unknown) {
    throw openError(error, shownName);
  }
  let why: string | undefined;
  try {
    const opened = looked ? fstatSync(fd, { bigint: true }) : fstatSync(fd);
    why = irregular(opened) ?? (looked ? swapped(looked, opened as BigIntStats) : undefined);
  } catch (error: unknown) {
    closeSync(fd);
    throw error;
  }
  if (why) {
    closeSync(fd);
    throw new NotRegularFileError(`${quote(shownName)} ${why}`);
  }
  return fd;
}

/**
 * A small regular file's bytes (a sidecar), read at once in this thread:
 * opened as openRegularSync opens it, read to its end but never past
 * `limit` + 1 bytes; `tooLarge` is thrown when it holds more than `limit`.
 * A few system calls, none through the thread pool: the per-file cost of a
 * run over many small wheels is in such round trips.
 */
export function readSmallSync(path: string, shownName: string, limit: number, tooLarge: () => Error): Buffer {
  const fd = openRegularSync(path, shownName);
  try {
    const buffer = Buffer.allocUnsafe(limit + 1);
    let filled = 0;
    for (let got = -1; got !== 0 && filled < buffer.length; filled += got) got = readSync(fd, buffer, filled, buffer.length - filled, null);
    if (filled > limit) throw tooLarge();
    return Buffer.from(buffer.subarray(0, filled));
  } finally {
    closeSync(fd);
  }
}

/**
 * lstatOrNothing in this thread: an lstat takes microseconds, its trip
 * through the thread pool a tenth of a millisecond (a listing of 1,000
 * wheels, collect's three looks at each file).
 */
export function lstatOrNothingSync(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

/** The lstat of a path, or undefined if nothing is there. */
export async function lstatOrNothing(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * A pipeline stage that writes every chunk to an open file handle.
 * (A FileHandle write stream with autoClose: false never lets the handle
 * sync or close afterwards on Node 20, so the handle is written directly.)
 * `each` sees every chunk before it is written (to count, hash, watch it):
 * what it throws ends the source, and that chunk is not written.
 */
export function sinkTo(handle: FileHandle, each?: (chunk: Buffer) => void): (source: AsyncIterable<Buffer>) => Promise<void> {
  return async (source) => {
    // A socket gives 16-64 KiB at a time: written one by one, each is a trip through the thread pool
    // (a collect of 400 MB from S3 spent 0.6 s of its main thread in them). Gathered to SINK_BATCH
    // bytes and written with one writev, the trips are 16 to 64 times fewer.
    let batch: Buffer[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      const chunks = batch;
      const size = bytes;
      batch = [];
      bytes = 0;
      let at = 0;
      // writev may write less than asked: the rest again, from where it stopped.
      while (at < chunks.length) {
        const { bytesWritten } = await handle.writev(chunks.slice(at));
        let written = bytesWritten;
        while (at < chunks.length && written >= chunks[at]!.length) written -= chunks[at++]!.length;
        if (written > 0) chunks[at] = chunks[at]!.subarray(written);
      }
      dropped(size);
    };
    // One batch is written while the next gathers: a source that waited for each write would stop reading its
    // socket meanwhile, and take more, smaller reads after (1 GiB from S3: 1.1 s more system time).
    let writing: Promise<void> | undefined;
    try {
      for await (const chunk of source) {
        each?.(chunk);
        batch.push(chunk);
        bytes += chunk.length;
        if (bytes >= SINK_BATCH) {
          await writing;
          writing = flush();
          // Awaited before the next batch, or below: never an unhandled rejection meanwhile.
          writing.catch(() => undefined);
        }
      }
    } finally {
      // Also when the source breaks: what arrived (and was hashed) is on disk, where a resume carries on from.
      try {
        await writing;
      } finally {
        if (bytes > 0) await flush();
      }
    }
  };
}

/** Bytes gathered before sinkTo writes them (one writev). */
export const SINK_BATCH = 256 * 1024;

/** True when a process of this id runs on this machine (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What tells this machine's processes from those of others sharing a disk:
 * the host name and, on Linux, the boot id (two machines cloned from one
 * image may share a name) and the PID namespace (a container run with the
 * host's name, e.g. `--network host`, has PIDs of its own). A lock's PID is
 * asked about only when its holder is the same on every count.
 */
export interface Machine {
  host: string;
  boot?: string;
  pidns?: string;
}

let machine: Machine | undefined;
export function thisMachine(): Machine {
  if (!machine) {
    machine = { host: hostname() };
    try {
      machine.boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      // Not Linux: the host name is all there is.
    }
    try {
      machine.pidns = readlinkSync('/proc/self/ns/pid');
    } catch {
      // Not Linux.
    }
  }
  return machine;
}

/** A lock is one short JSON line; a file in a lock's name holding more is not read further (the age decides). */
const LOCK_MAX_BYTES = 4096;

/** What a lock says of its holder, or undefined when it is not a regular file holding one JSON object of 4 KiB at most (readSmallSync: never through a link or a FIFO). */
function lockHolder(path: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(readSmallSync(path, path, LOCK_MAX_BYTES, () => new Error('not a lock')).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the run that holds this lock is gone: it stopped refreshing the
 * lock, or its process ended on this machine (same host, boot and PID
 * namespace: elsewhere its PID means nothing here, and only the age decides).
 */
async function lockIsDead(path: string, info: Stats, now: number): Promise<boolean> {
  if (now - info.mtimeMs >= LEFTOVER_AGE_MS) return true;
  const holder = lockHolder(path);
  const pid = holder?.pid;
  if (!holder || typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return false;
  const me = thisMachine();
  return holder.host === me.host && holder.boot === me.boot && holder.pidns === me.pidns && !alive(pid);
}

/**
 * Takes this run's lock in `dir` (a file refreshed every minute until
 * `release` is called) and removes what dead runs left there: every file of
 * a run whose lock says it is dead (its process ended on this machine, or
 * the lock went unrefreshed for LEFTOVER_AGE_MS), and temporary files of a
 * run with no lock that have not changed for LEFTOVER_AGE_MS. Another live
 * run's files are never touched.
 */
export async function lockDirectory(dir: string): Promise<{ release: () => Promise<void> }> {
  const lock = join(dir, lockName(RUN_ID));
  const text = `${JSON.stringify({ pid: process.pid, ...thisMachine(), started: new Date().toISOString() })}\n`;
  await writeFile(lock, text);
  // Refreshed by writing, not by utimes with this machine's time: on a shared disk every lock's time is then the
  // file server's, whatever each runner's clock says.
  const timer = setInterval(() => {
    writeFile(lock, text).catch(() => undefined);
  }, LOCK_REFRESH_MS);
  timer.unref();
  // Ages are measured on that same clock: "now" is the time the file system just gave this run's own lock.
  await removeLeftovers(dir, (await lstatOrNothing(lock))?.mtimeMs ?? Date.now());
  return {
    release: async () => {
      clearInterval(timer);
      await rm(lock, { force: true });
    },
  };
}

/** Removes what dead runs left in `dir` (see lockDirectory). */
async function removeLeftovers(dir: string, now: number): Promise<void> {
  const byRun = new Map<string, string[]>();
  for (const name of await readdir(dir)) {
    const run = TEMPORARY.exec(name)?.[1] ?? LOCK.exec(name)?.[1];
    if (run !== undefined && run !== RUN_ID) byRun.set(run, [...(byRun.get(run) ?? []), name]);
  }
  for (const [run, names] of byRun) {
    const lockPath = join(dir, lockName(run));
    const lockInfo = await lstatOrNothing(lockPath);
    if (lockInfo && !(await lockIsDead(lockPath, lockInfo, now))) continue;
    for (const name of names) {
      const info = await lstatOrNothing(join(dir, name));
      // Without a lock, only age tells a dead run's file from a live one's.
      if (!info || (!lockInfo && now - info.mtimeMs < LEFTOVER_AGE_MS)) continue;
      // A dead run's leftover that cannot be removed (Windows: another process holds it) is not this run's failure.
      await rm(join(dir, name), { force: true }).catch(() => undefined);
    }
  }
}

/** The codes Windows gives a rename while another process (a virus scan, an indexer, pip, an editor) holds either file. */
const HELD_CODES = new Set(['EPERM', 'EACCES', 'EBUSY']);

/**
 * Renames `from` over `to`. On Windows a rename fails while another process
 * holds either file open (an antivirus scan of the file just written is the
 * usual one, and it lets go within moments): tried again with growing waits
 * for up to `budgetMs`, then one error saying what holds it. Elsewhere, and
 * for other errors, the rename's own error at once.
 */
export async function renameOver(
  from: string,
  to: string,
  shownName: string,
  options: { platform?: NodeJS.Platform; rename?: (from: string, to: string) => Promise<void>; sleep?: (ms: number) => Promise<void>; budgetMs?: number } = {},
): Promise<void> {
  const move = options.rename ?? rename;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const budget = options.budgetMs ?? 10_000;
  let waited = 0;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await move(from, to);
    } catch (error: unknown) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((options.platform ?? process.platform) !== 'win32' || code === undefined || !HELD_CODES.has(code)) throw error;
      if (waited >= budget) {
        throw new WheelGuardError(
          `${quote(shownName)}: cannot be put in place: another process holds it or its temporary copy (${code} for ${Math.round(waited / 1000)} s); ` +
            'close what has it open (an editor, pip, an antivirus scan) and run again',
          { cause: error },
        );
      }
      await sleep(delay);
      waited += delay;
    }
  }
}
