/**
 * A wheel's own rules (PEP 427), over the zip that zip.ts opened and
 * checked: one .dist-info named like the file; RECORD, WHEEL and METADATA
 * there, each under a cap; WHEEL's version and tags the file name's; every
 * member in RECORD and hashing to it, at its size.
 */
import { createHash, type Hash } from 'node:crypto';
import { ContentError, messageOf } from './errors.js';
import { expandTags, normalizeName, normalizeVersion } from './normalize.js';
import { inQuotes, parseHeaders, parseRecord, type RecordEntry } from './record.js';
import { quote } from './untrusted.js';
import type { WheelName } from './wheels.js';
import { systemError, ZipArchive, type ZipMember } from './zip.js';

const MiB = 1024 * 1024;
/**
 * RECORD is read whole and parsed. The largest among 967 real wheels is
 * 1.9 MB (cmeel-boost 1.90, 16,235 members; lm-eval and tensorflow-cpu
 * follow at 1.9 and 1.7 MB): 16 MiB is eight times that.
 */
export const MAX_RECORD = 16 * MiB;
/** WHEEL is read whole: a few short lines (the largest among 967 real wheels is 224 bytes). */
export const MAX_WHEEL = 1 * MiB;
/**
 * METADATA is hashed as it streams, not held; still, the largest among 967
 * real wheels is 233 KB (mujoco, a long description): past 16 MiB it is not
 * a wheel's.
 */
export const MAX_METADATA = 16 * MiB;

const TAG_PART = /^[A-Za-z0-9_]+$/;
/** A distribution name as a wheel file name carries it (PEP 427/491: `-` escaped as `_`). */
const WHEEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?$/;
/** Members RECORD does not hash: itself and its signatures (PEP 427). */
const UNHASHED = ['RECORD', 'RECORD.jws', 'RECORD.p7s'];

/** The text of a member read whole, as strict UTF-8. */
async function readText(zip: ZipArchive, member: ZipMember, cap: number, why: string): Promise<string> {
  const bytes = await zip.readWhole(member, cap, why);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error: unknown) {
    return zip.fail(member.name, messageOf(error));
  }
}

/** Checks the file name's own parts: its tags parse, its distribution is an escaped name. */
function checkFileName(fileName: string, name: WheelName): void {
  for (const tag of [name.pythonTag, name.abiTag, name.platformTag]) {
    if (!tag.split('.').every((part) => TAG_PART.test(part))) {
      throw new ContentError(fileName, undefined, `the file name's tag ${inQuotes(tag)} does not parse (PEP 425: letters, digits and _, sets joined by .)`);
    }
  }
  if (!WHEEL_NAME.test(name.distribution)) {
    throw new ContentError(fileName, undefined, `the file name's distribution ${inQuotes(name.distribution)} is not a valid escaped name (PEP 427)`);
  }
}

/** The one .dist-info directory, named like the file. */
function infoDirectory(zip: ZipArchive, files: readonly ZipMember[], name: WheelName): string {
  const infoDirs = [...new Set(files.map((e) => e.name.split('/')[0]!).filter((top) => top.endsWith('.dist-info')))];
  if (infoDirs.length === 0) zip.fail(undefined, 'no .dist-info directory: not a wheel');
  if (infoDirs.length > 1) zip.fail(undefined, `more than one .dist-info directory: ${infoDirs.sort().map(quote).join(', ')}`);
  const infoDir = infoDirs[0]!;
  const stem = infoDir.slice(0, -'.dist-info'.length);
  const dash = stem.lastIndexOf('-');
  const infoName = dash > 0 ? stem.slice(0, dash) : stem;
  const infoVersion = dash > 0 ? stem.slice(dash + 1) : '';
  if (normalizeName(infoName) !== normalizeName(name.distribution) || normalizeVersion(infoVersion) !== normalizeVersion(name.version)) {
    zip.fail(`${infoDir}/`, `names ${quote(infoName)} ${quote(infoVersion)}, but the file name says ${quote(name.distribution)} ${quote(name.version)}`);
  }
  return infoDir;
}

/** WHEEL: a Wheel-Version installers accept, and the file name's tags exactly. */
function checkWheelFile(zip: ZipArchive, member: string, text: string, name: WheelName): void {
  const headers = parseHeaders(text);
  const wheelVersion = headers.get('wheel-version')?.[0];
  if (wheelVersion === undefined) zip.fail(member, 'has no Wheel-Version');
  if (!/^1(\.\d+)?$/.test(wheelVersion!)) zip.fail(member, `Wheel-Version ${quote(wheelVersion!)} is not 1.x; installers refuse it`);
  const wheelTags = new Set(
    (headers.get('tag') ?? []).flatMap((tag) => {
      const parts = tag.split('-');
      return parts.length === 3 ? expandTags(...(parts as [string, string, string])) : [tag.toLowerCase()];
    }),
  );
  const nameTags = new Set(expandTags(name.pythonTag, name.abiTag, name.platformTag));
  if (wheelTags.size !== nameTags.size || [...nameTags].some((tag) => !wheelTags.has(tag))) {
    zip.fail(member, `its tags (${[...wheelTags].sort().map(quote).join(', ') || 'none'}) are not the file name's (${[...nameTags].sort().map(quote).join(', ')})`);
  }
}

/** Streams one member, checks it against its RECORD row: hash and size. */
async function checkMember(zip: ZipArchive, member: ZipMember, listed: RecordEntry | undefined): Promise<void> {
  const hash: Hash | undefined = listed?.hash ? createHash(listed.hash.algorithm) : undefined;
  const size = await zip.read(member, hash ? (chunk) => hash.update(chunk) : () => undefined);
  if (listed?.size !== undefined && listed.size !== size) zip.fail(member.name, `is ${size} bytes, RECORD says ${listed.size}`);
  if (hash && listed?.hash) {
    const actual = hash.digest();
    if (!actual.equals(listed.hash.digest)) {
      zip.fail(member.name, `${listed.hash.algorithm} does not match RECORD (RECORD: ${listed.hash.text}, member: ${listed.hash.algorithm}=${actual.toString('base64url')})`);
    }
  }
}

/**
 * Checks a wheel: its zip structure (zip.ts); every member is in RECORD
 * (but RECORD and its signatures) and hashes to it, at its size, with its
 * CRC-32; RECORD lists nothing absent; WHEEL and METADATA exist; the
 * .dist-info name and version match the file name; the file name's tags
 * parse and are exactly WHEEL's `Tag:` lines.
 */
export async function checkWheel(path: string, fileName: string, name: WheelName): Promise<void> {
  checkFileName(fileName, name);
  const zip = await ZipArchive.open(path, fileName);
  try {
    const members = new Map(zip.members.map((member) => [member.name, member]));
    const files = zip.members.filter((member) => !member.name.endsWith('/'));
    const infoDir = infoDirectory(zip, files, name);
    const recordPath = `${infoDir}/RECORD`;
    const wheelPath = `${infoDir}/WHEEL`;
    const metadataPath = `${infoDir}/METADATA`;
    for (const file of [recordPath, wheelPath, metadataPath]) if (!members.has(file)) zip.fail(file, 'missing; every wheel carries it');

    // Caps first, from the central directory: a bomb in RECORD is named as such.
    zip.checkCap(members.get(recordPath)!, MAX_RECORD, 'the largest RECORD of real wheels is under 2 MB');
    zip.checkCap(members.get(wheelPath)!, MAX_WHEEL, 'WHEEL is a few short lines');
    zip.checkCap(members.get(metadataPath)!, MAX_METADATA, 'the largest METADATA of real wheels is under 1 MB');
    await zip.checkLayout();

    let record: Map<string, RecordEntry>;
    try {
      record = parseRecord(await readText(zip, members.get(recordPath)!, MAX_RECORD, 'the largest RECORD of real wheels is under 2 MB'));
    } catch (error: unknown) {
      if (systemError(error) || error instanceof ContentError) throw error;
      return zip.fail(recordPath, messageOf(error));
    }
    checkWheelFile(zip, wheelPath, await readText(zip, members.get(wheelPath)!, MAX_WHEEL, 'WHEEL is a few short lines'), name);

    // RECORD and the archive list the same files.
    const unhashed = new Set(UNHASHED.map((file) => `${infoDir}/${file}`));
    for (const member of files) {
      if (!record.has(member.name) && !unhashed.has(member.name)) zip.fail(member.name, 'is in the archive but not in RECORD');
    }
    for (const [file, entry] of record) {
      if (!members.has(file)) zip.fail(file, 'is listed in RECORD but not in the archive');
      if (!entry.hash && !unhashed.has(file)) zip.fail(file, 'RECORD gives it no hash');
    }

    // Every member, in file order: its CRC-32, and its hash and size from RECORD.
    for (const member of [...files].sort((a, b) => a.offset - b.offset)) {
      await checkMember(zip, member, record.get(member.name));
    }
  } finally {
    zip.close();
  }
}
