/**
 * A wheel's own rules (PEP 427), over the zip that zip.ts opened and
 * checked: one .dist-info named like the file; RECORD, WHEEL and METADATA
 * there, each under a cap; WHEEL's version and tags the file name's; every
 * member in RECORD and hashing to it, at its size.
 */
import { createHash, type Hash } from 'node:crypto';
import { ContentError, messageOf } from './errors.js';
import { type Findings } from './findings.js';
import { expandTags, normalizeName, sameVersion } from './normalize.js';
import { inQuotes, parseHeaders, parseRecord, type RecordEntry, WEAK_ALGORITHMS } from './record.js';
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

/** METADATA's headers (Name, Version) come first: they are read from its first 64 KiB. */
const METADATA_HEAD = 64 * 1024;

const TAG_PART = /^[A-Za-z0-9_]+$/;
/** A distribution name as a wheel file name carries it (PEP 427/491: `-` escaped as `_`). */
const WHEEL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?$/;
/** RECORD's signatures (PEP 427): not listed in RECORD. */
const SIGNATURES = ['RECORD.jws', 'RECORD.p7s'];

/** Strict UTF-8, made once: a TextDecoder costs more to make than a small member costs to decode (each decode starts afresh). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const LENIENT_UTF8 = new TextDecoder('utf-8', { fatal: false });

/** The text of a member read whole, as strict UTF-8. */
async function readText(zip: ZipArchive, member: ZipMember, cap: number, why: string): Promise<string> {
  const bytes = await zip.readWhole(member, cap, why);
  try {
    return UTF8.decode(bytes);
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

/**
 * The one .dist-info directory, named like the file (pip and installer
 * refuse another name; neither reads its version, so another version there
 * is odd, not a refusal).
 */
function infoDirectory(zip: ZipArchive, files: readonly ZipMember[], name: WheelName, findings: Findings): string {
  const infoDirs = [...new Set(files.map((e) => e.name.split('/')[0]!).filter((top) => top.endsWith('.dist-info')))];
  if (infoDirs.length === 0) zip.fail(undefined, 'no .dist-info directory: not a wheel');
  if (infoDirs.length > 1) zip.fail(undefined, `more than one .dist-info directory: ${infoDirs.sort().map(quote).join(', ')}`);
  const infoDir = infoDirs[0]!;
  const stem = infoDir.slice(0, -'.dist-info'.length);
  const dash = stem.lastIndexOf('-');
  const infoName = dash > 0 ? stem.slice(0, dash) : stem;
  const infoVersion = dash > 0 ? stem.slice(dash + 1) : '';
  if (normalizeName(infoName) !== normalizeName(name.distribution)) {
    zip.fail(`${infoDir}/`, `names ${quote(infoName)}, but the file name says ${quote(name.distribution)} (pip and installer refuse it)`);
  }
  if (!sameVersion(infoVersion.replace(/_/g, '-'), name.version.replace(/_/g, '-'))) {
    findings.odd(`${infoDir}/`, `names version ${quote(infoVersion)}, but the file name says ${quote(name.version)} (pip and installer do not read it)`);
  }
  return infoDir;
}

/**
 * WHEEL: a Wheel-Version installers accept (1.x; pip warns about a minor
 * version past 1.0, and so does this), and tags that are the file name's.
 * pip and installer read a wheel's tags from its file name alone: tags that
 * differ in WHEEL (a wheel renamed after it was built, by auditwheel or by
 * hand) are odd, not a refusal.
 */
function checkWheelFile(zip: ZipArchive, member: string, text: string, name: WheelName, findings: Findings): void {
  const headers = parseHeaders(text);
  const wheelVersion = headers.get('wheel-version')?.[0];
  if (wheelVersion === undefined) zip.fail(member, 'has no Wheel-Version (pip refuses it)');
  if (!/^1(\.\d+)?$/.test(wheelVersion!)) zip.fail(member, `Wheel-Version ${quote(wheelVersion!)} is not 1.x; installers refuse it`);
  if (!/^1(\.0)?$/.test(wheelVersion!)) findings.odd(member, `Wheel-Version ${quote(wheelVersion!)} is newer than 1.0 (pip warns about it)`);
  const wheelTags = new Set(
    (headers.get('tag') ?? []).flatMap((tag) => {
      const parts = tag.split('-');
      return parts.length === 3 ? expandTags(...(parts as [string, string, string])) : [tag.toLowerCase()];
    }),
  );
  const nameTags = new Set(expandTags(name.pythonTag, name.abiTag, name.platformTag));
  if (wheelTags.size !== nameTags.size || [...nameTags].some((tag) => !wheelTags.has(tag))) {
    findings.odd(
      member,
      `its tags (${[...wheelTags].sort().map(quote).join(', ') || 'none'}) are not the file name's (${[...nameTags].sort().map(quote).join(', ')}); ` +
        'pip reads the file name',
    );
  }
}

/**
 * Streams one member, checks it against its RECORD row: hash and size.
 * With `head`, keeps the member's first bytes (METADATA's headers) there.
 */
async function checkMember(zip: ZipArchive, member: ZipMember, listed: RecordEntry | undefined, head?: Buffer[]): Promise<void> {
  const hash: Hash | undefined = listed?.hash ? createHash(listed.hash.node) : undefined;
  let kept = 0;
  const size = await zip.read(member, (chunk) => {
    hash?.update(chunk);
    if (head && kept < METADATA_HEAD) {
      // Copied: a chunk is valid only during this call (zip.ts read).
      head.push(Buffer.from(chunk.subarray(0, METADATA_HEAD - kept)));
      kept += chunk.length;
    }
  });
  if (listed?.size !== undefined && listed.size !== size) zip.fail(member.name, `is ${size} bytes, RECORD says ${listed.size}`);
  if (hash && listed?.hash) {
    const actual = hash.digest();
    if (!actual.equals(listed.hash.digest)) {
      zip.fail(member.name, `${listed.hash.algorithm} does not match RECORD (RECORD: ${listed.hash.text}, member: ${listed.hash.algorithm}=${actual.toString('base64url')})`);
    }
  }
}

/**
 * METADATA's Name and Version are the file name's: pip refuses a wheel whose
 * metadata says otherwise ("inconsistent name" / "inconsistent version").
 */
function checkMetadata(zip: ZipArchive, member: string, head: Buffer, name: WheelName, findings: Findings): void {
  let text: string;
  try {
    text = LENIENT_UTF8.decode(head);
  } catch {
    return;
  }
  const headers = parseHeaders(text);
  const metaName = headers.get('name')?.[0];
  const metaVersion = headers.get('version')?.[0];
  if (metaName === undefined || metaVersion === undefined) {
    findings.odd(member, `has no ${metaName === undefined ? 'Name' : 'Version'} header`);
    return;
  }
  if (normalizeName(metaName) !== normalizeName(name.distribution)) {
    zip.fail(member, `says Name: ${quote(metaName)}, but the file name says ${quote(name.distribution)} (pip refuses it: inconsistent name)`);
  }
  if (!sameVersion(metaVersion, name.version.replace(/_/g, '-'))) {
    zip.fail(member, `says Version: ${quote(metaVersion)}, but the file name says ${quote(name.version)} (pip refuses it: inconsistent version)`);
  }
}

/**
 * RECORD against the archive, as installer's `validate_record` compares them
 * (what it refuses is refused here): every member but RECORD and its
 * signatures is listed, with a hash (sha256 or stronger); RECORD lists no
 * file the archive lacks. What pip and installer both let through is odd:
 * a signature listed in RECORD, a hashed row without a size, RECORD's own
 * row with a hash.
 */
function checkRecordRows(zip: ZipArchive, infoDir: string, files: readonly ZipMember[], members: ReadonlyMap<string, ZipMember>, record: Map<string, RecordEntry>, findings: Findings): void {
  const recordPath = `${infoDir}/RECORD`;
  const signatures = new Set(SIGNATURES.map((file) => `${infoDir}/${file}`));
  for (const member of files) {
    if (!record.has(member.name) && member.name !== recordPath && !signatures.has(member.name)) zip.fail(member.name, 'is in the archive but not in RECORD');
  }
  const sizeless: string[] = [];
  const weak: string[] = [];
  for (const [file, entry] of record) {
    if (entry.hash && WEAK_ALGORITHMS.has(entry.hash.algorithm)) weak.push(file);
    if (!members.has(file)) zip.fail(file, 'is listed in RECORD but not in the archive');
    if (file === recordPath) {
      if (entry.hash || entry.size !== undefined) findings.odd(file, "RECORD's own row gives it a hash or size (installer's RECORD validation refuses that)");
    } else if (signatures.has(file)) {
      findings.odd(file, "a signature file listed in RECORD (installer's RECORD validation refuses that; PEP 427 leaves it out)");
    } else if (!entry.hash) {
      zip.fail(file, 'RECORD gives it no hash');
    } else if (entry.size === undefined) {
      sizeless.push(file);
    }
  }
  // One warning for all of them: an old generator leaves every size out.
  if (sizeless.length > 0) {
    const which = sizeless.length === 1 ? 'this member' : `${sizeless.length} members (this one first)`;
    findings.odd(sizeless[0], `RECORD gives ${which} a hash but no size (installer's RECORD validation refuses that; the hashes are checked)`);
  }
  if (weak.length > 0) {
    const which = weak.length === 1 ? 'this member' : `${weak.length} members (this one first)`;
    const algorithm = record.get(weak[0]!)!.hash!.algorithm;
    findings.odd(weak[0]!, `RECORD hashes ${which} with ${algorithm}, which the wheel spec forbids and \`wheel\` refuses (pip and installer install it; the hashes are checked)`);
  }
}

/**
 * Checks a wheel: its zip structure (zip.ts); every member is in RECORD
 * (but RECORD and its signatures) and hashes to it, at its size, with its
 * CRC-32; RECORD lists nothing absent; WHEEL and METADATA exist; the
 * .dist-info name and METADATA's name and version are the file name's; the
 * file name's tags parse. What installers let through but is odd goes to
 * `findings` as a warning (a refusal when strict).
 */
export async function checkWheel(
  path: string,
  fileName: string,
  name: WheelName,
  findings: Findings,
  /** How the archive is opened and read (zip-scan.ts: in one pass, hashing it). */
  open: (path: string, fileName: string) => Promise<ZipArchive> = ZipArchive.open,
): Promise<void> {
  checkFileName(fileName, name);
  const zip = await open(path, fileName);
  try {
    const members = new Map(zip.members.map((member) => [member.name, member]));
    const files = zip.members.filter((member) => !member.name.endsWith('/'));
    const infoDir = infoDirectory(zip, files, name, findings);
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
    checkWheelFile(zip, wheelPath, await readText(zip, members.get(wheelPath)!, MAX_WHEEL, 'WHEEL is a few short lines'), name, findings);
    checkRecordRows(zip, infoDir, files, members, record, findings);

    // Every member, in file order: its CRC-32, and its hash and size from RECORD.
    const metadataHead: Buffer[] = [];
    for (const member of [...files].sort((a, b) => a.offset - b.offset)) {
      await checkMember(zip, member, record.get(member.name), member.name === metadataPath ? metadataHead : undefined);
    }
    checkMetadata(zip, metadataPath, Buffer.concat(metadataHead), name, findings);
  } finally {
    zip.close();
  }
}
