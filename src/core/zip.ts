/**
 * A distribution's zip, read as Python's zipfile (and so pip) reads it, with
 * what a stranger can make of a zip refused before anything is inflated:
 *
 * - more members than any wheel has (MAX_MEMBERS), before the central
 *   directory is read;
 * - a member whose declared size deflate cannot make of its data;
 * - a local header that names another file than the central directory
 *   (pip refuses: "File name in directory … and header … differ");
 * - members that share bytes with each other or with the central directory:
 *   the overlapping zip bomb, whose few kilobytes declare gigabytes (Python
 *   3.13's zipfile refuses: "Overlapped entries … (possible zip bomb)";
 *   Python 3.11 and its pip install such a wheel);
 * - declared sizes that add up to more than MAX_RATIO times the archive.
 *
 * Then every member's CRC-32 is checked against the central directory as it
 * streams (pip refuses a mismatch: "Bad CRC-32 for file …"), and no member
 * inflates past its declared size (yauzl's validateEntrySizes), so what the
 * checks above bound is what is read.
 *
 * Every refusal is a ContentError naming the file and the member.
 */
import { close, fstat, open } from 'node:fs';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { ContentError, messageOf } from './errors.js';
import { plain, quote } from './untrusted.js';
import { FileReader, Window } from './zip-reader.js';

/**
 * Members in one archive. The largest real wheels hold some 16,000
 * (cmeel-boost 1.90: 16,235; lm-eval 0.4.13: 15,586; tensorflow-cpu 2.21:
 * 15,632). A member costs some 190 bytes of heap once the central directory
 * is read, and some 6 µs to check: 200,000 (twelve times the largest) is
 * about 37 MB and a second. Past it the archive is refused from its end
 * record alone, before the central directory is read.
 */
export const MAX_MEMBERS = 200_000;
/**
 * Declared uncompressed bytes, all members together, per byte of the
 * archive. Among 967 real wheels (a local PyPI mirror: torch, tensorflow,
 * scipy, onnx...) the highest is 17.7 (xyzservices, a JSON file), most are
 * 2 to 5. Past 250 the archive is a bomb, not a wheel: refused before
 * anything is inflated.
 */
export const MAX_RATIO = 250;
/**
 * The most deflate can make of one byte: a 2-bit code for a 258-byte match,
 * four to a byte. A real member came close (onnx 1.23.1, a test tensor of
 * zeros, 1016:1); a larger declared size is a lie about the data.
 */
export const DEFLATE_MAX_RATIO = 1032;
/** Slack over DEFLATE_MAX_RATIO for the tiniest members. */
const DEFLATE_SLACK = 1024;
/** A member at most this large, packed and unpacked, is read in one piece rather than streamed. */
export const SMALL_MEMBER = 1024 * 1024;
/** How much of small members' data is read at once (read in file order). */
const DATA_WINDOW = 1024 * 1024;
/** How much is read at once around the local headers (read in file order; the data between them mostly skipped). */
const HEADER_WINDOW = 256 * 1024;

export const LOCAL_HEADER_SIGNATURE = 0x04034b50;
export const DESCRIPTOR_SIGNATURE = 0x08074b50;
/** General purpose flags: sizes and CRC-32 follow the data in a data descriptor; the name is UTF-8. */
export const FLAG_DESCRIPTOR = 0x08;
const FLAG_UTF8 = 0x800;

/** CP437 above ASCII: the encoding of a zip name without the UTF-8 flag, as Python decodes it. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A raw zip name as Python's zipfile decodes it: UTF-8 when flagged (undefined if it is not UTF-8), else CP437. */
export function decodeName(raw: Buffer, flags: number): string | undefined {
  if (raw.every((byte) => byte < 0x80)) return raw.toString('latin1');
  if (flags & FLAG_UTF8) {
    try {
      return UTF8.decode(raw);
    } catch {
      return undefined;
    }
  }
  let name = '';
  for (const byte of raw) name += byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80];
  return name;
}

/** CRC-32 (zip's) in JavaScript: the fallback where Node has no zlib.crc32 (before 20.15 and 22.2). */
const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 of `data` continued from `value` (0 to start), in JavaScript. */
export function crc32Js(data: Uint8Array, value = 0): number {
  let crc = ~value;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * CRC-32 of `data` continued from `value`: Node's native zlib.crc32 where
 * it exists (some 3 times faster than sha256 on the same bytes), else the
 * table in JavaScript.
 */
export const crc32: (data: Uint8Array, value?: number) => number = nativeCrc32 ?? crc32Js;

/** An error of the file system (it names a syscall), not of the bytes: not a content problem. */
export function systemError(error: unknown): boolean {
  return typeof (error as { syscall?: unknown } | null)?.syscall === 'string';
}

/**
 * yauzl's message for an error, safe to show: the member names some of
 * them end with (an absolute path, a `..`, a backslash) quoted, any other
 * text escaped.
 */
function yauzlMessage(error: unknown): string {
  const message = messageOf(error);
  const named = /^(invalid relative path|absolute path|invalid characters in fileName): ([\s\S]*)$/.exec(message);
  return named ? `${named[1]}: ${quote(named[2]!)}` : plain(message);
}

/** A byte count for messages: 1234567 → "1,234,567". */
const count = (n: number): string => n.toLocaleString('en-US');

/**
 * One member as the central directory describes it: what the checks need
 * of yauzl's Entry and no more (an Entry and its buffers hold some 600
 * bytes of heap; a wheel may have MAX_MEMBERS of them).
 */
export interface ZipMember {
  /** Its name as yauzl decodes it (the Info-ZIP Unicode path field honoured, `\` read as `/`): RECORD's paths compare to it. */
  readonly name: string;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  /** 0 stored, 8 deflate. */
  readonly method: number;
  /** Where its local header starts. */
  readonly offset: number;
}

/** A member as the checks see it (zip-scan.ts reads the same fields). */
export interface Member extends ZipMember {
  readonly flags: number;
  /** Its name as Python's zipfile decodes the central directory's bytes (undefined: flagged UTF-8 but not). */
  readonly pythonName: string | undefined;
  /** The central directory's name and extra field lengths: the local header's are usually the same. */
  readonly headerGuess: number;
  /** Where its data starts, from its local header (set by checkLayout). */
  dataStart: number;
}

/** A byte count in the form "16 MiB", "64 KiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${count(bytes)} bytes`;
}

/**
 * Every entry of the central directory, in its order, each checked as it
 * is read: named once, not encrypted, stored or deflated, declaring no more
 * than deflate can make of its data.
 */
function readMembers(zip: yauzl.ZipFile, fail: (member: string | undefined, detail: string) => never): Promise<Member[]> {
  return new Promise((resolve, reject) => {
    const members: Member[] = [];
    const names = new Set<string>();
    zip.on('entry', (entry: yauzl.Entry) => {
      try {
        const name = entry.fileName;
        if (names.has(name)) fail(name, 'appears twice in the archive');
        names.add(name);
        if (entry.isEncrypted()) fail(name, 'is encrypted');
        if (!entry.canDecodeFileData()) fail(name, `compression method ${entry.compressionMethod} is neither stored nor deflate`);
        if (entry.compressionMethod === 8 && entry.uncompressedSize > entry.compressedSize * DEFLATE_MAX_RATIO + DEFLATE_SLACK) {
          fail(
            name,
            `declares ${count(entry.uncompressedSize)} bytes from ${count(entry.compressedSize)} deflated: more than deflate can make of them (${DEFLATE_MAX_RATIO}:1); refused before inflating`,
          );
        }
        const pythonName = decodeName(entry.fileNameRaw, entry.generalPurposeBitFlag);
        members.push({
          name,
          compressedSize: entry.compressedSize,
          uncompressedSize: entry.uncompressedSize,
          crc32: entry.crc32,
          method: entry.compressionMethod,
          offset: entry.relativeOffsetOfLocalHeader,
          flags: entry.generalPurposeBitFlag,
          pythonName: pythonName === name ? name : pythonName,
          headerGuess: entry.fileNameLength + entry.extraFieldLength,
          dataStart: -1,
        });
      } catch (error: unknown) {
        reject(error);
        return;
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve(members));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/**
 * A small member's data (`raw`, all of it) inflated in one call and handed
 * to `take` whole; throws (a plain Error, for `read` to name) when it
 * inflates past or short of its declared size. zip.ts and zip-scan.ts both
 * read small members through this.
 */
export function inflateSmall(member: Member, raw: Buffer, take: (chunk: Buffer) => void): void {
  const tooMany = (): Error => new Error(`too many bytes: it inflates past the ${count(member.uncompressedSize)} it declares`);
  let data = raw;
  if (member.method === 8 && !(raw.length === 0 && member.uncompressedSize === 0)) {
    try {
      data = zlib.inflateRawSync(raw, { maxOutputLength: member.uncompressedSize + 1, chunkSize: inflateChunk(member.uncompressedSize) });
    } catch (error: unknown) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooMany();
      throw error;
    }
  }
  if (data.length > member.uncompressedSize) throw tooMany();
  if (data.length < member.uncompressedSize) throw new Error(`not enough bytes: ${count(data.length)} of the ${count(member.uncompressedSize)} it declares`);
  take(data);
}

/**
 * zlib's output buffer for a member of `size` bytes: Node's default of
 * 16 KiB makes a 1 MiB member 64 buffers concatenated (inflating ran at
 * 600 MB/s, at 900 with 64 KiB); a small member gets one just big enough.
 */
function inflateChunk(size: number): number {
  return Math.min(64 * 1024, Math.max(zlib.constants.Z_MIN_CHUNK, 2 ** Math.ceil(Math.log2(size + 1))));
}

/**
 * An open zip: its central directory read and checked member by member;
 * `checkLayout` checks the local headers and the members' spans before any
 * member is read; `read` and `readWhole` inflate members, their CRC-32
 * checked.
 */
export class ZipArchive {
  /** Small members' data, read a window at a time in file order. */
  protected readonly data: Window;
  protected laidOut = false;

  protected constructor(
    protected readonly zip: yauzl.ZipFile,
    protected readonly reader: FileReader,
    /** The distribution's file name, as errors name it. */
    readonly fileName: string,
    /** The archive's size in bytes. */
    readonly size: number,
    protected readonly all: readonly Member[],
    /** Where the central directory starts: no member's bytes may reach it. */
    protected readonly centralDirectory: number,
  ) {
    this.data = new Window(reader, centralDirectory, DATA_WINDOW);
  }

  /** Every member of the central directory, in its order. */
  get members(): readonly ZipMember[] {
    return this.all;
  }

  /** A ContentError for this archive. */
  fail(member: string | undefined, detail: string): never {
    throw new ContentError(this.fileName, member, detail);
  }

  /**
   * Opens the zip at `path` and reads its central directory: refused when
   * its end records are missing or damaged, when they declare more than
   * MAX_MEMBERS members, when an entry is damaged, encrypted, neither stored
   * nor deflated, named twice, or declares more than deflate can make of
   * its data.
   */
  static async open(path: string, fileName: string, fd?: number): Promise<ZipArchive> {
    // A descriptor given is the caller's to close; one opened here is closed with the archive.
    const owned = fd === undefined;
    const descriptor = fd ?? (await promisify(open)(path, 'r'));
    let reader: FileReader;
    try {
      reader = new FileReader(descriptor, (await promisify(fstat)(descriptor)).size, owned);
    } catch (error: unknown) {
      if (owned) close(descriptor, () => undefined);
      throw error;
    }
    const directory = await ZipArchive.directory(reader, fileName);
    return new ZipArchive(directory.zip, reader, fileName, reader.size, directory.members, directory.centralDirectory);
  }

  /**
   * Reads the central directory through `reader` (closed when this throws):
   * the checks `open` names, shared with zip-scan.ts.
   */
  protected static async directory(reader: FileReader, fileName: string): Promise<{ zip: yauzl.ZipFile; members: Member[]; centralDirectory: number }> {
    const fail = (member: string | undefined, detail: string): never => {
      throw new ContentError(fileName, member, detail);
    };
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.fromRandomAccessReaderPromise(reader, reader.size, {
        lazyEntries: true,
        autoClose: false,
        // Keep it on: a deflated member that inflates past its declared size is cut there.
        validateEntrySizes: true,
        strictFileNames: false,
        decodeStrings: true,
      });
    } catch (error: unknown) {
      reader.close(() => undefined);
      if (systemError(error)) throw error;
      return fail(undefined, `not a readable zip archive: ${yauzlMessage(error)} (the central directory at its end is missing or damaged: cut short?)`);
    }
    try {
      if (zip.entryCount > MAX_MEMBERS) {
        fail(undefined, `the zip declares ${count(zip.entryCount)} members; more than ${count(MAX_MEMBERS)} is refused (the largest real wheels hold some 16,000)`);
      }
      // Where yauzl starts reading entries: the central directory's offset (zip64's if it has one).
      const centralDirectory = (zip as unknown as { readEntryCursor: number }).readEntryCursor;
      let members: Member[];
      try {
        members = await readMembers(zip, fail);
      } catch (error: unknown) {
        if (systemError(error) || error instanceof ContentError) throw error;
        return fail(undefined, `the zip central directory is damaged: ${yauzlMessage(error)}`);
      }
      return { zip, members, centralDirectory };
    } catch (error: unknown) {
      zip.close();
      throw error;
    }
  }

  /**
   * Checks the archive's layout before any member is inflated: each local
   * header is where the central directory says, with the same name; no
   * member's bytes (local header, data, data descriptor) overlap another's
   * or the central directory; the declared sizes add up to at most
   * MAX_RATIO times the archive.
   */
  async checkLayout(): Promise<void> {
    const sorted = [...this.all].sort((a, b) => a.offset - b.offset);
    const window = new Window(this.reader, this.centralDirectory, HEADER_WINDOW);
    const ends: number[] = [];
    for (const member of sorted) ends.push(await this.localSpan(member, window));
    sorted.forEach((member, i) => {
      const end = ends[i]!;
      const next = sorted[i + 1];
      if (next && end > next.offset) {
        this.fail(
          member.name,
          `its bytes (${count(member.offset)} to ${count(end)}) run into those of ${quote(next.name)} (from ${count(next.offset)}): ` +
            'members that share bytes are a zip bomb (Python 3.13 refuses "Overlapped entries"); refused before inflating',
        );
      }
      if (end > this.centralDirectory) {
        this.fail(member.name, `its bytes (${count(member.offset)} to ${count(end)}) run into the central directory (from ${count(this.centralDirectory)}); refused before inflating`);
      }
    });
    this.checkDeclared();
    this.laidOut = true;
  }

  /** Refuses declared sizes that add up to more than MAX_RATIO times the archive (from the central directory alone). */
  protected checkDeclared(): void {
    const declared = this.all.reduce((sum, member) => sum + member.uncompressedSize, 0);
    if (declared > MAX_RATIO * this.size) {
      this.fail(
        undefined,
        `its members declare ${count(declared)} bytes uncompressed in a ${count(this.size)}-byte archive: more than ${MAX_RATIO}:1 is refused before inflating (real wheels stay under 20:1)`,
      );
    }
  }

  /**
   * Reads a member's local header: checks it is there and names the member
   * as the central directory does; sets where its data starts; returns
   * where its bytes end (data descriptor included).
   */
  protected async localSpan(member: Member, window: Window): Promise<number> {
    const { name, offset } = member;
    if (offset + 30 > this.centralDirectory) {
      this.fail(name, `the central directory puts its local header at byte ${count(offset)}, in or past the central directory (from ${count(this.centralDirectory)})`);
    }
    const fixed = await window.bytes(offset, 30 + member.headerGuess);
    if (fixed.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) this.fail(name, `no local header at byte ${count(offset)}, where the central directory puts it`);
    const flags = fixed.readUInt16LE(6);
    const nameLength = fixed.readUInt16LE(26);
    const extraLength = fixed.readUInt16LE(28);
    const header = await window.bytes(offset, 30 + nameLength + extraLength);
    if (header.length < 30 + nameLength + extraLength) this.fail(name, `its local header at byte ${count(offset)} runs into the central directory`);
    // Compared as Python's zipfile compares them: each decoded by its own UTF-8 flag.
    if (member.pythonName === undefined) this.fail(name, "its name is flagged UTF-8 but is not UTF-8 (Python's zipfile cannot open the archive)");
    const localRaw = header.subarray(30, 30 + nameLength);
    const localName = decodeName(localRaw, flags);
    if (localName !== member.pythonName) {
      this.fail(
        name,
        `its local header names it ${quote(localName ?? localRaw.toString('latin1'))}: the central directory and the local header differ (pip refuses it: "File name in directory and header differ")`,
      );
    }
    member.dataStart = offset + 30 + nameLength + extraLength;
    let end = member.dataStart + member.compressedSize;
    if (member.flags & FLAG_DESCRIPTOR) {
      // A data descriptor follows the data: 12 bytes (CRC-32 and two 4-byte
      // sizes), 8 more with zip64 sizes, 4 more when it opens with its signature.
      const zip64 = yauzl.parseExtraFields(header.subarray(30 + nameLength)).some((field) => field.id === 0x0001);
      const signature = await window.bytes(end, 4);
      end += (zip64 ? 20 : 12) + (signature.length === 4 && signature.readUInt32LE(0) === DESCRIPTOR_SIGNATURE ? 4 : 0);
    }
    return end;
  }

  /**
   * Streams one member through `update` and returns its byte count, its
   * CRC-32 checked against the central directory. checkLayout must have
   * passed. A member that cannot be inflated, or inflates to another size
   * than it declares, or to another CRC-32, is refused (ContentError).
   * A chunk given to `update` is valid during that call only: what it
   * keeps, it copies (zip-scan.ts hands out one buffer again and again).
   */
  async read(zipMember: ZipMember, update: (chunk: Buffer) => void): Promise<number> {
    const member = zipMember as Member;
    if (!this.laidOut || member.dataStart < 0) throw new Error(`read ${member.name} before checkLayout`);
    let crc = 0;
    let size = 0;
    const take = (chunk: Buffer): void => {
      crc = crc32(chunk, crc);
      size += chunk.length;
      update(chunk);
    };
    try {
      if (member.compressedSize <= SMALL_MEMBER && member.uncompressedSize <= SMALL_MEMBER) await this.readSmall(member, take);
      else await this.stream(member, take);
    } catch (error: unknown) {
      if (systemError(error) || error instanceof ContentError) throw error;
      return this.fail(member.name, `cannot be read: ${yauzlMessage(error)}`);
    }
    if (crc !== member.crc32) this.fail(member.name, 'its CRC-32 does not match the central directory (pip refuses it: "Bad CRC-32")');
    return size;
  }

  /** A small member in one read and one inflate: no stream to set up for each of a wheel's many small files. */
  private async readSmall(member: Member, take: (chunk: Buffer) => void): Promise<void> {
    const raw = await this.data.bytes(member.dataStart, member.compressedSize);
    if (raw.length < member.compressedSize) throw new Error('its data runs into the central directory');
    inflateSmall(member, raw, take);
  }

  /** A member streamed as yauzl inflates it, never held whole (yauzl stops it at its declared size). */
  private async stream(member: Member, take: (chunk: Buffer) => void): Promise<void> {
    const stream = await new Promise<Readable>((resolve, reject) => {
      this.zip.openReadStreamLowLevel(member.dataStart, member.compressedSize, 0, member.compressedSize, member.method === 8, member.uncompressedSize, (error, readStream) =>
        error ? reject(error) : resolve(readStream),
      );
    });
    for await (const chunk of stream as AsyncIterable<Buffer>) take(chunk);
  }

  /**
   * Reads a member whole (RECORD, WHEEL), its CRC-32 checked, refused
   * before it is read when it declares more than `cap` bytes (`why` says
   * why the cap is what it is).
   */
  async readWhole(member: ZipMember, cap: number, why: string): Promise<Buffer> {
    this.checkCap(member, cap, why);
    const chunks: Buffer[] = [];
    await this.readAside(member, (chunk) => chunks.push(Buffer.from(chunk)));
    return Buffer.concat(chunks);
  }

  /** Reads a member out of file order (RECORD and WHEEL, before the rest): here, as `read` does. */
  protected readAside(member: ZipMember, update: (chunk: Buffer) => void): Promise<number> {
    return this.read(member, update);
  }

  /** Refuses a member that declares more than `cap` bytes, before anything is read (its actual bytes stop at what it declares). */
  checkCap(member: ZipMember, cap: number, why: string): void {
    if (member.uncompressedSize > cap) {
      this.fail(member.name, `declares ${count(member.uncompressedSize)} bytes; more than ${formatBytes(cap)} is refused before inflating (${why})`);
    }
  }

  /** Closes the file. */
  close(): void {
    if (this.zip.isOpen) this.zip.close();
  }
}
