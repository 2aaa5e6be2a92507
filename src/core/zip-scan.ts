/**
 * A wheel's zip read in one pass, front to back, hashing the whole file from
 * the same reads (scan.ts) that its members are inflated from:
 *
 * 1. the tail (end records and central directory) is read first and parsed
 *    by yauzl, as zip.ts parses it;
 * 2. RECORD and WHEEL are read aside, by positioned reads (their local
 *    headers and spans checked as zip.ts checks them), so every member's
 *    expected hash is known before the pass;
 * 3. the pass then meets each member's local header in file order and
 *    checks it as zip.ts's checkLayout does (signature, the same name as the
 *    central directory, no bytes shared with the next member or the central
 *    directory, data descriptors), before any of its data is inflated; its
 *    data goes to the CRC-32, the inflater and the RECORD hash;
 * 4. finally the tail is hashed from the buffer it was read into.
 *
 * The declared sizes are bounded from the central directory before the
 * pass, as zip.ts bounds them; each member's compressed bytes are fed to
 * one inflater once, cut at the declared size, so nothing is inflated that
 * zip.ts would not inflate.
 *
 * This pass only ever passes a wheel. Anything it does not expect throws
 * (Mismatch, or the rule's own ContentError), and check-task.ts then runs
 * the reference check (zip.ts, positioned reads, every rule in its order of
 * precedence) for the verdict and its message: a refusal reads the file
 * again, a pass never does.
 */
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { Inflater } from './inflate.js';
import type { Scan, Tail } from './scan.js';
import {
  crc32,
  decodeName,
  DESCRIPTOR_SIGNATURE,
  FLAG_DESCRIPTOR,
  inflateSmall,
  LOCAL_HEADER_SIGNATURE,
  type Member,
  SMALL_MEMBER,
  ZipArchive,
  type ZipMember,
} from './zip.js';
import { FileReader, Window } from './zip-reader.js';

/** zlib's output buffer for large members: 16 KiB (Node's default) inflated at 290 MB/s, 256 KiB at 800, 1 MiB at 900. */
const INFLATE_CHUNK = 256 * 1024;
const NOTHING = Buffer.alloc(0);
/** Reads around a local header read aside. */
const HEADER_WINDOW = 64 * 1024;

/** The single pass met something it does not pass: the reference check decides. */
export class Mismatch extends Error {
  constructor(member: string, what: string) {
    super(`${member}: ${what}`);
    this.name = 'Mismatch';
  }
}

/** A zip read in one pass (see the module's comment). */
export class ScannedZip extends ZipArchive {
  /** Every member, by offset. */
  private readonly order: Member[];
  private readonly index: Map<Member, number>;
  /** The first member of `order` the pass has not reached. */
  private next = 0;
  /** This archive's inflater (inflate.ts), reset for each member. */
  private inflater: Inflater | undefined;
  private readonly headers: Window;

  private constructor(zip: yauzl.ZipFile, reader: FileReader, fileName: string, members: Member[], centralDirectory: number, private readonly scan: Scan) {
    super(zip, reader, fileName, scan.size, members, centralDirectory);
    this.order = [...members].sort((a, b) => a.offset - b.offset);
    this.index = new Map(this.order.map((member, i) => [member, i]));
    this.headers = new Window(reader, centralDirectory, HEADER_WINDOW);
  }

  /**
   * Opens the zip on `fd` (the caller's: never closed here) for `scan`:
   * its central directory from `tail` when it holds it, read as
   * ZipArchive.open reads it (the same refusals).
   */
  static async openScanned(fd: number, fileName: string, scan: Scan, tail: Tail): Promise<ScannedZip> {
    const reader = new FileReader(fd, scan.size, false);
    reader.pin(tail.bytes, tail.start);
    const { zip, members, centralDirectory } = await ZipArchive.directory(reader, fileName);
    return new ScannedZip(zip, reader, fileName, members, centralDirectory, scan);
  }

  /** What can be judged before the pass: the declared sizes. Each local header is checked as the pass meets it. */
  override async checkLayout(): Promise<void> {
    this.checkDeclared();
    this.laidOut = true;
  }

  /** A member ahead of the pass: the pass goes to it (checking what lies between) and reads it; one behind: aside. */
  override async read(zipMember: ZipMember, update: (chunk: Buffer) => void): Promise<number> {
    const member = zipMember as Member;
    if (!this.laidOut) throw new Error(`read ${member.name} before checkLayout`);
    const at = this.index.get(member);
    if (at === undefined) throw new Error(`${member.name} is not a member of this archive`);
    if (at < this.next) return this.readAside(member, update);
    await this.reach(at);
    return this.arrive(at, update);
  }

  /** The pass to the central directory: every remaining local header checked, nothing inflated. */
  async complete(): Promise<void> {
    await this.reach(this.order.length);
  }

  /** A member read by positioned reads, its local header and span checked first as checkLayout checks them. */
  protected override async readAside(zipMember: ZipMember, update: (chunk: Buffer) => void): Promise<number> {
    const member = zipMember as Member;
    const at = this.index.get(member)!;
    const end = await this.localSpan(member, this.headers);
    const next = this.order[at + 1];
    if ((next && end > next.offset) || end > this.centralDirectory) throw new Mismatch(member.name, 'its bytes run into the next member or the central directory');
    return super.read(member, update);
  }

  /** Meets every member before `order[at]`, their data skipped. */
  private async reach(at: number): Promise<void> {
    while (this.next < at) await this.arrive(this.next);
  }

  /**
   * Meets `order[at]`: its local header checked, its data read through
   * `update` (CRC-32 and size checked; returns the size) or skipped.
   */
  private async arrive(at: number, update?: (chunk: Buffer) => void): Promise<number> {
    const member = this.order[at]!;
    this.next = at + 1;
    const directory = this.centralDirectory;
    const following = this.order[at + 1];
    const limit = following === undefined ? directory : Math.min(following.offset, directory);
    const mismatch = (what: string): never => {
      throw new Mismatch(member.name, what);
    };
    if (member.offset < this.scan.position || member.offset + 30 > directory) mismatch('its local header is not where the pass expects it');
    await this.scan.skip(member.offset);
    const fixed = await this.scan.take(30);
    if (fixed.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) mismatch('no local header');
    const flags = fixed.readUInt16LE(6);
    const nameLength = fixed.readUInt16LE(26);
    const extraLength = fixed.readUInt16LE(28);
    const dataStart = member.offset + 30 + nameLength + extraLength;
    if (dataStart > directory) mismatch('its local header runs into the central directory');
    const variable = await this.scan.take(nameLength + extraLength);
    if (member.pythonName === undefined || decodeName(variable.subarray(0, nameLength), flags) !== member.pythonName) mismatch('its local header names another file');
    if (member.dataStart >= 0 && member.dataStart !== dataStart) mismatch('its data is not where it was read aside');
    member.dataStart = dataStart;
    const dataEnd = dataStart + member.compressedSize;
    if (dataEnd > limit) mismatch('its data runs into the next member or the central directory');
    // Read from the header before the data: the scan may reuse its bytes after.
    const zip64 = (flags & FLAG_DESCRIPTOR) !== 0 && yauzl.parseExtraFields(variable.subarray(nameLength)).some((field) => field.id === 0x0001);
    let size = 0;
    if (update) size = await this.pass(member, update);
    else await this.scan.skip(dataEnd);
    if (flags & FLAG_DESCRIPTOR) {
      const signature = await this.scan.take(Math.min(4, directory - dataEnd));
      const end = dataEnd + (zip64 ? 20 : 12) + (signature.length === 4 && signature.readUInt32LE(0) === DESCRIPTOR_SIGNATURE ? 4 : 0);
      if (end > limit) mismatch('its data descriptor runs into the next member or the central directory');
    }
    return size;
  }

  /** A member's data from the pass through `update`, as ZipArchive.read gives it: its size and CRC-32 checked. */
  private async pass(member: Member, update: (chunk: Buffer) => void): Promise<number> {
    let crc = 0;
    let size = 0;
    const take = (chunk: Buffer): void => {
      crc = crc32(chunk, crc);
      size += chunk.length;
      update(chunk);
    };
    if (member.method === 0) {
      if (member.compressedSize !== member.uncompressedSize) throw new Mismatch(member.name, 'stored, but its two sizes differ');
      for await (const slice of this.scan.slices(member.compressedSize)) take(slice);
    } else if (member.compressedSize === 0 && member.uncompressedSize === 0) {
      // Nothing to inflate (zip.ts's inflateSmall passes it so too).
    } else if (Inflater.usable()) {
      await this.inflateSync(member, take);
    } else if (member.compressedSize <= SMALL_MEMBER && member.uncompressedSize <= SMALL_MEMBER) {
      inflateSmall(member, await this.scan.take(member.compressedSize), take);
    } else {
      await this.inflate(member, take);
    }
    if (size !== member.uncompressedSize) throw new Mismatch(member.name, 'not the size it declares');
    if (crc !== member.crc32) throw new Mismatch(member.name, 'its CRC-32 does not match the central directory');
    return size;
  }

  /**
   * A deflated member inflated in this thread (inflate.ts) as the pass hands
   * over its bytes, into one buffer used again, cut at its declared size;
   * its deflate stream must end where its data does.
   */
  private async inflateSync(member: Member, take: (chunk: Buffer) => void): Promise<void> {
    if (this.inflater?.healthy) this.inflater.reset();
    else this.inflater = new Inflater();
    const inflater = this.inflater;
    let size = 0;
    const emit = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > member.uncompressedSize) throw new Mismatch(member.name, 'inflates past the size it declares');
      take(chunk);
    };
    let taken = 0;
    for await (const slice of this.scan.slices(member.compressedSize)) taken += inflater.write(slice, false, emit);
    inflater.write(NOTHING, true, emit);
    if (taken !== member.compressedSize) throw new Mismatch(member.name, 'its deflate stream ends before its data does');
  }

  /** Closes the archive and its inflater. */
  override close(): void {
    this.inflater?.close();
    this.inflater = undefined;
    super.close();
  }

  /**
   * Where inflate.ts cannot be used: a large deflated member, streamed through zlib, cut at its declared
   * size; its deflate stream must end where its data does. Each slice is
   * written and its callback awaited (zlib is done with it) before the next
   * is asked of the scan, which may then reuse its bytes.
   */
  private async inflate(member: Member, take: (chunk: Buffer) => void): Promise<void> {
    const inflater = zlib.createInflateRaw({ chunkSize: INFLATE_CHUNK });
    let size = 0;
    let failure: Error | undefined;
    inflater.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > member.uncompressedSize) {
        failure ??= new Mismatch(member.name, 'inflates past the size it declares');
        inflater.destroy(failure);
        return;
      }
      take(chunk);
    });
    const ended = new Promise<void>((resolve, reject) => {
      inflater.once('end', resolve);
      inflater.once('error', reject);
    });
    ended.catch(() => undefined);
    try {
      for await (const slice of this.scan.slices(member.compressedSize)) {
        await new Promise<void>((resolve, reject) => inflater.write(slice, (error) => (error ? reject(error) : resolve())));
        if (failure) throw failure;
      }
      inflater.end();
      await ended;
    } finally {
      inflater.destroy();
    }
    if (failure) throw failure;
    if (inflater.bytesWritten !== member.compressedSize) throw new Mismatch(member.name, 'its deflate stream ends before its data does');
  }
}
