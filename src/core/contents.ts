/**
 * Looking inside a distribution. A sidecar proves a file arrived as it left;
 * it cannot tell that the file was already broken when it was hashed (a build
 * step killed mid-write, a full disk). A wheel carries its own manifest,
 * RECORD, with a hash per member: this checks the archive against it, and the
 * names and tags against the file name. An sdist has no manifest: its gzip and
 * tar streams must read to their end and hold PKG-INFO.
 *
 * Everything streams: a member is hashed as yauzl inflates it, never held whole.
 */
import { createHash, type Hash } from 'node:crypto';
import { close, createReadStream, fstat, open, read } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import yauzl from 'yauzl';
import { ContentError, messageOf } from './errors.js';
import { type Digest, hashFile } from './hash.js';
import { parseDistributionName, type SdistName, type WheelName } from './wheels.js';

/** PEP 503 normalisation: lowercase, runs of `-`, `_` and `.` as one `-`. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/**
 * A version as compared between a file name and the archive's own names:
 * case-insensitive, with `-` and `_` alike (wheel file names escape `-` as `_`).
 */
export function normalizeVersion(version: string): string {
  return version.toLowerCase().replace(/-/g, '_');
}

/** A tag triple's compressed sets expanded: `py2.py3-none-any` → `py2-none-any`, `py3-none-any`. */
export function expandTags(python: string, abi: string, platform: string): string[] {
  const tags: string[] = [];
  for (const p of python.split('.')) for (const a of abi.split('.')) for (const f of platform.split('.')) tags.push(`${p}-${a}-${f}`.toLowerCase());
  return tags;
}

const TAG_PART = /^[A-Za-z0-9_]+$/;
/** A distribution name as a wheel file name carries it (PEP 427/491: `-` escaped as `_`). */
const WHEEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?$/;
/** The RECORD hash algorithms installers accept (PEP 376/427: sha256 or stronger). */
const ALGORITHMS: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };
/** Members RECORD does not hash: itself and its signatures (PEP 427). */
const UNHASHED = ['RECORD', 'RECORD.jws', 'RECORD.p7s'];
/** RECORD and WHEEL are read whole; a larger one is not a real wheel's. */
const MAX_MANIFEST = 256 * 1024 * 1024;
/** Read size for the archive's file data. */
const CHUNK = 1024 * 1024;

/** One RECORD row: a path, its hash (absent for RECORD and its signatures) and size. */
interface RecordEntry {
  path: string;
  hash?: { algorithm: string; digest: Buffer; text: string };
  size?: number;
}

/**
 * Parses CSV as Python's csv module writes it (RECORD's format): commas,
 * fields quoted with `"` when needed, `""` for a quote, `\n` or `\r\n` lines.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    row.push(field);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      endRow();
    } else {
      field += c;
    }
    i++;
  }
  if (quoted) throw new Error('a quoted field is never closed');
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** Parses RECORD's rows; throws a message naming the line on a malformed one. */
function parseRecord(text: string): Map<string, RecordEntry> {
  const entries = new Map<string, RecordEntry>();
  parseCsv(text).forEach((row, index) => {
    const where = `row ${index + 1}`;
    if (row.length !== 3) throw new Error(`${where} has ${row.length} fields, not path,hash,size`);
    const [path, hash, size] = row as [string, string, string];
    if (path === '') throw new Error(`${where} has no path`);
    if (entries.has(path)) throw new Error(`${where}: ${path} is listed twice`);
    const entry: RecordEntry = { path };
    if (hash !== '') {
      const eq = hash.indexOf('=');
      const algorithm = hash.slice(0, eq).toLowerCase();
      const value = hash.slice(eq + 1);
      const length = ALGORITHMS[algorithm];
      if (eq <= 0 || length === undefined) {
        throw new Error(`${where}: hash "${hash}" for ${path} is not sha256=…, sha384=… or sha512=… (installers refuse md5 and sha1)`);
      }
      const digest = Buffer.from(value, 'base64url');
      if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value) || digest.length !== length) {
        throw new Error(`${where}: hash "${hash}" for ${path} is not an urlsafe-base64 ${algorithm} digest`);
      }
      entry.hash = { algorithm, digest, text: hash };
    }
    if (size !== '') {
      if (!/^\d+$/.test(size)) throw new Error(`${where}: size "${size}" for ${path} is not a byte count`);
      entry.size = Number(size);
    }
    entries.set(path, entry);
  });
  return entries;
}

/** The `Key: value` headers of an email-style file (WHEEL, PKG-INFO), repeated keys kept. */
function parseHeaders(text: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    headers.set(key, [...(headers.get(key) ?? []), line.slice(colon + 1).trim()]);
  }
  return headers;
}

/** CRC-32 (zip's), for the few members RECORD does not hash: RECORD itself and its signatures. */
const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

class Crc32 {
  private crc = -1;
  update(chunk: Buffer): void {
    let crc = this.crc;
    for (let i = 0; i < chunk.length; i++) crc = CRC_TABLE[(crc ^ chunk[i]!) & 0xff]! ^ (crc >>> 8);
    this.crc = crc;
  }
  value(): number {
    return (this.crc ^ -1) >>> 0;
  }
}

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
 * yauzl's source: positioned reads of the open file, 1 MiB at a time (yauzl's
 * own fd reader reads the stream default, 16 KiB on Node 20), and straight
 * fs.read calls for the central directory's small records.
 */
class FileReader extends yauzl.RandomAccessReader {
  constructor(private readonly fd: number) {
    super();
  }
  override _readStreamForRange(start: number, end: number): Readable {
    return new RangeStream(this.fd, start, end);
  }
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
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
    close(this.fd, (error) => callback(error ?? null));
  }
}

/** An error of the file system (it names a syscall), not of the bytes: not a content problem. */
function systemError(error: unknown): boolean {
  return typeof (error as { syscall?: unknown } | null)?.syscall === 'string';
}

/** Opens a zip file through FileReader: the central directory is read and checked by yauzl. */
async function openZip(path: string, fail: (detail: string) => never): Promise<yauzl.ZipFile> {
  const fd = await promisify(open)(path, 'r');
  try {
    const { size } = await promisify(fstat)(fd);
    return await yauzl.fromRandomAccessReaderPromise(new FileReader(fd), size, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
      strictFileNames: false,
      decodeStrings: true,
    });
  } catch (error: unknown) {
    close(fd, () => undefined);
    if (systemError(error)) throw error;
    return fail(`not a readable zip archive: ${messageOf(error)} (the central directory at its end is missing or damaged: cut short?)`);
  }
}

/** Every entry of the central directory, in its order. */
function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** Streams one member through `update`; returns its byte count. */
async function streamMember(zip: yauzl.ZipFile, entry: yauzl.Entry, update: (chunk: Buffer) => void): Promise<number> {
  const stream: Readable = await zip.openReadStreamPromise(entry);
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    update(chunk);
    size += chunk.length;
  }
  return size;
}

/** Reads a small member whole (RECORD, WHEEL), its CRC-32 checked. */
async function readSmall(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  if (entry.uncompressedSize > MAX_MANIFEST) throw new Error(`${entry.uncompressedSize} bytes; a manifest this large is not a wheel's`);
  const chunks: Buffer[] = [];
  const crc = new Crc32();
  await streamMember(zip, entry, (chunk) => {
    crc.update(chunk);
    chunks.push(chunk);
  });
  if (crc.value() !== entry.crc32) throw new Error('its CRC-32 does not match the central directory');
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
}

/**
 * Checks a wheel: the central directory reads whole; every member is in
 * RECORD (but RECORD and its signatures) and hashes to it, at its size;
 * RECORD lists nothing absent; WHEEL and METADATA exist; the .dist-info
 * name and version match the file name; the file name's tags parse and are
 * exactly WHEEL's `Tag:` lines.
 */
async function checkWheel(path: string, fileName: string, name: WheelName): Promise<void> {
  const fail = (member: string | undefined, detail: string): never => {
    throw new ContentError(fileName, member, detail);
  };
  for (const tag of [name.pythonTag, name.abiTag, name.platformTag]) {
    if (!tag.split('.').every((part) => TAG_PART.test(part))) fail(undefined, `the file name's tag "${tag}" does not parse (PEP 425: letters, digits and _, sets joined by .)`);
  }
  if (!WHEEL_NAME.test(name.distribution)) fail(undefined, `the file name's distribution "${name.distribution}" is not a valid escaped name (PEP 427)`);

  const zip = await openZip(path, (detail) => fail(undefined, detail));
  try {
    let entries: yauzl.Entry[];
    try {
      entries = await readEntries(zip);
    } catch (error: unknown) {
      if (systemError(error)) throw error;
      return fail(undefined, `the zip central directory is damaged: ${messageOf(error)}`);
    }
    const members = new Map<string, yauzl.Entry>();
    for (const entry of entries) {
      if (members.has(entry.fileName)) fail(entry.fileName, 'appears twice in the archive');
      if (entry.isEncrypted()) fail(entry.fileName, 'is encrypted');
      if (!entry.canDecodeFileData()) fail(entry.fileName, `compression method ${entry.compressionMethod} is neither stored nor deflate`);
      members.set(entry.fileName, entry);
    }
    const files = [...members.values()].filter((entry) => !entry.fileName.endsWith('/'));

    // The .dist-info directory: one, named like the file.
    const infoDirs = [...new Set(files.map((e) => e.fileName.split('/')[0]!).filter((top) => top.endsWith('.dist-info')))];
    if (infoDirs.length === 0) fail(undefined, 'no .dist-info directory: not a wheel');
    if (infoDirs.length > 1) fail(undefined, `more than one .dist-info directory: ${infoDirs.sort().join(', ')}`);
    const infoDir = infoDirs[0]!;
    const stem = infoDir.slice(0, -'.dist-info'.length);
    const dash = stem.lastIndexOf('-');
    const infoName = dash > 0 ? stem.slice(0, dash) : stem;
    const infoVersion = dash > 0 ? stem.slice(dash + 1) : '';
    if (normalizeName(infoName) !== normalizeName(name.distribution) || normalizeVersion(infoVersion) !== normalizeVersion(name.version)) {
      fail(`${infoDir}/`, `names ${infoName} ${infoVersion}, but the file name says ${name.distribution} ${name.version}`);
    }

    const recordPath = `${infoDir}/RECORD`;
    const needed = ['RECORD', 'WHEEL', 'METADATA'].map((file) => `${infoDir}/${file}`);
    for (const file of needed) if (!members.has(file)) fail(file, 'missing; every wheel carries it');

    let record: Map<string, RecordEntry>;
    let wheelText: string;
    try {
      record = parseRecord(await readSmall(zip, members.get(recordPath)!));
    } catch (error: unknown) {
      if (systemError(error)) throw error;
      return fail(recordPath, messageOf(error));
    }
    try {
      wheelText = await readSmall(zip, members.get(`${infoDir}/WHEEL`)!);
    } catch (error: unknown) {
      if (systemError(error)) throw error;
      return fail(`${infoDir}/WHEEL`, messageOf(error));
    }

    // WHEEL: a Wheel-Version installers accept, and the file name's tags exactly.
    const headers = parseHeaders(wheelText);
    const wheelVersion = headers.get('wheel-version')?.[0];
    if (wheelVersion === undefined) fail(`${infoDir}/WHEEL`, 'has no Wheel-Version');
    if (!/^1(\.\d+)?$/.test(wheelVersion!)) fail(`${infoDir}/WHEEL`, `Wheel-Version ${wheelVersion} is not 1.x; installers refuse it`);
    const wheelTags = new Set((headers.get('tag') ?? []).flatMap((tag) => {
      const parts = tag.split('-');
      return parts.length === 3 ? expandTags(...(parts as [string, string, string])) : [tag.toLowerCase()];
    }));
    const nameTags = new Set(expandTags(name.pythonTag, name.abiTag, name.platformTag));
    if (wheelTags.size !== nameTags.size || [...nameTags].some((tag) => !wheelTags.has(tag))) {
      fail(`${infoDir}/WHEEL`, `its tags (${[...wheelTags].sort().join(', ') || 'none'}) are not the file name's (${[...nameTags].sort().join(', ')})`);
    }

    // RECORD and the archive list the same files.
    const unhashed = new Set(UNHASHED.map((file) => `${infoDir}/${file}`));
    for (const entry of files) {
      if (!record.has(entry.fileName) && !unhashed.has(entry.fileName)) fail(entry.fileName, 'is in the archive but not in RECORD');
    }
    for (const [file, entry] of record) {
      if (!members.has(file)) fail(file, 'is listed in RECORD but not in the archive');
      if (!entry.hash && !unhashed.has(file)) fail(file, 'RECORD gives it no hash');
    }

    // Every member, in file order: its hash and size from RECORD, else its CRC-32.
    for (const entry of files.sort((a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader)) {
      const listed = record.get(entry.fileName);
      const hash: Hash | undefined = listed?.hash ? createHash(listed.hash.algorithm) : undefined;
      const crc = hash ? undefined : new Crc32();
      let size: number;
      try {
        size = await streamMember(zip, entry, hash ? (chunk) => hash.update(chunk) : (chunk) => crc!.update(chunk));
      } catch (error: unknown) {
        if (systemError(error)) throw error;
        return fail(entry.fileName, `cannot be read: ${messageOf(error)}`);
      }
      if (listed?.size !== undefined && listed.size !== size) fail(entry.fileName, `is ${size} bytes, RECORD says ${listed.size}`);
      if (hash && listed?.hash) {
        const actual = hash.digest();
        if (!actual.equals(listed.hash.digest)) {
          fail(entry.fileName, `${listed.hash.algorithm} does not match RECORD (RECORD: ${listed.hash.text}, member: ${listed.hash.algorithm}=${actual.toString('base64url')})`);
        }
      } else if (crc!.value() !== entry.crc32) {
        fail(entry.fileName, 'its CRC-32 does not match the central directory');
      }
    }
  } finally {
    if (zip.isOpen) zip.close();
  }
}

/** True when `dir` (an sdist's top directory) names this sdist's distribution and version. */
function sameSdistStem(dir: string, name: SdistName): boolean {
  const dash = dir.lastIndexOf('-');
  return dash > 0 && normalizeName(dir.slice(0, dash)) === normalizeName(name.distribution) && normalizeVersion(dir.slice(dash + 1)) === normalizeVersion(name.version);
}

/** Checks an sdist: the gzip and tar streams read to their end, and `<name>-<version>/PKG-INFO` is there. */
async function checkSdist(path: string, fileName: string, name: SdistName): Promise<void> {
  const tar = extract();
  let current: string | undefined;
  let pkgInfo = false;
  const walk = (async () => {
    for await (const entry of tar) {
      current = entry.header.name.replace(/^\.\//, '');
      const parts = current.split('/');
      if (parts.length === 2 && parts[1] === 'PKG-INFO' && (entry.header.type ?? 'file') === 'file' && sameSdistStem(parts[0]!, name)) pkgInfo = true;
      for await (const chunk of entry) void chunk;
    }
  })();
  try {
    await Promise.all([pipeline(createReadStream(path), createGunzip(), tar), walk]);
  } catch (error: unknown) {
    if (systemError(error)) throw error;
    const where = current === undefined ? 'before its first member' : 'in this member or right after it';
    throw new ContentError(fileName, current, `the gzip or tar stream breaks ${where}: ${messageOf(error)} (cut short?)`);
  }
  if (!pkgInfo) {
    throw new ContentError(fileName, undefined, `no ${fileName.slice(0, -'.tar.gz'.length)}/PKG-INFO: an sdist carries its metadata there`);
  }
}

/**
 * Checks what is inside a distribution file at `path` (named `fileName` in
 * the container): a wheel against its RECORD, names and tags; an sdist for
 * whole gzip and tar streams and PKG-INFO. Throws ContentError naming the
 * file and the first broken member.
 */
export async function checkDistribution(path: string, fileName: string = basename(path)): Promise<void> {
  const parsed = parseDistributionName(fileName);
  if (!parsed) throw new ContentError(fileName, undefined, 'not a wheel (PEP 427) or sdist (name-version.tar.gz) file name');
  if (parsed.kind === 'wheel') await checkWheel(path, fileName, parsed);
  else await checkSdist(path, fileName, parsed);
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
}

/**
 * The file's sha256 and, when `check` is on, its content check, both run to
 * their end: the caller decides which finding comes first. For a large file
 * the hash runs in a worker thread beside the check, so the check adds
 * little time to hashing alone. Errors other than a ContentError (the file
 * cannot be read) are thrown.
 */
export async function hashAndCheck(path: string, fileName: string, check: boolean): Promise<CheckedDigest> {
  if (!check) return hashFile(path);
  const checked = (): Promise<ContentError | undefined> =>
    checkDistribution(path, fileName).then(
      () => undefined,
      (error: unknown) => {
        if (error instanceof ContentError) return error;
        throw error;
      },
    );
  const withFinding = (digest: Digest, contentError: ContentError | undefined): CheckedDigest => (contentError ? { ...digest, contentError } : digest);
  const { size } = await stat(path);
  if (size < PARALLEL_FROM) return withFinding(await hashFile(path), await checked());
  const abort = new AbortController();
  try {
    const [digest, contentError] = await Promise.all([hashFileInWorker(path, abort.signal), checked()]);
    return withFinding(digest, contentError);
  } finally {
    abort.abort();
  }
}
