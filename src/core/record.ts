/**
 * The text files of a wheel's .dist-info: RECORD (CSV, a hash and size per
 * member, PEP 376/427) and the email-style headers of WHEEL.
 *
 * Both come from the archive: any of their text that reaches a message goes
 * through quote() (untrusted.ts).
 */
import { quote } from './untrusted.js';

/** Untrusted text in double quotes, escaped as quote() escapes it: `"md5=…"`. */
export function inQuotes(text: string): string {
  const quoted = quote(text);
  return quoted.startsWith('"') ? quoted : `"${quoted}"`;
}

/** The RECORD hash algorithms installers accept (PEP 376/427: sha256 or stronger), by digest length. */
/**
 * The hashes installer checks RECORD with (Python's `hashlib.new(name)`),
 * as Node names them, and their digest lengths. md5 and sha1 are checked
 * too, and are odd: the wheel spec forbids them and `wheel` refuses them,
 * while pip and installer install such a wheel.
 */
const ALGORITHMS: Record<string, { node: string; length: number }> = {
  sha256: { node: 'sha256', length: 32 },
  sha384: { node: 'sha384', length: 48 },
  sha512: { node: 'sha512', length: 64 },
  sha224: { node: 'sha224', length: 28 },
  sha3_224: { node: 'sha3-224', length: 28 },
  sha3_256: { node: 'sha3-256', length: 32 },
  sha3_384: { node: 'sha3-384', length: 48 },
  sha3_512: { node: 'sha3-512', length: 64 },
  blake2b: { node: 'blake2b512', length: 64 },
  blake2s: { node: 'blake2s256', length: 32 },
  md5: { node: 'md5', length: 16 },
  sha1: { node: 'sha1', length: 20 },
};

/** Hashes RECORD may use that the wheel spec forbids (too weak): checked, and a warning. */
export const WEAK_ALGORITHMS: ReadonlySet<string> = new Set(['md5', 'sha1']);

/** One RECORD row: a path, its hash (absent for RECORD and its signatures) and size. */
export interface RecordEntry {
  path: string;
  hash?: { algorithm: string; /** Node's name for it (createHash). */ node: string; digest: Buffer; text: string };
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
      else {
        // The run to the next quote at once: a character at a time makes a
        // rope of one node per character (a 1.9 MB RECORD held 42 MB of them).
        const stop = text.indexOf('"', i);
        field += text.slice(i, stop < 0 ? text.length : stop);
        i = stop < 0 ? text.length : stop;
        continue;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      endRow();
    } else {
      // The run to the next comma or line end at once (see above).
      let stop = i + 1;
      while (stop < text.length) {
        const next = text.charCodeAt(stop);
        if (next === 0x2c || next === 0x0a || next === 0x0d) break;
        stop++;
      }
      field += text.slice(i, stop);
      i = stop;
      continue;
    }
    i++;
  }
  if (quoted) throw new Error('a quoted field is never closed');
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

/** Parses RECORD's rows; throws a message naming the line on a malformed one. */
export function parseRecord(text: string): Map<string, RecordEntry> {
  const entries = new Map<string, RecordEntry>();
  parseCsv(text).forEach((row, index) => {
    const where = `row ${index + 1}`;
    if (row.length !== 3) throw new Error(`${where} has ${row.length} fields, not path,hash,size`);
    const [path, hash, size] = row as [string, string, string];
    if (path === '') throw new Error(`${where} has no path`);
    if (entries.has(path)) throw new Error(`${where}: ${quote(path)} is listed twice`);
    const entry: RecordEntry = { path };
    if (hash !== '') {
      const eq = hash.indexOf('=');
      const algorithm = hash.slice(0, eq).toLowerCase();
      const value = hash.slice(eq + 1);
      const known = Object.hasOwn(ALGORITHMS, algorithm) ? ALGORITHMS[algorithm] : undefined;
      if (eq <= 0 || known === undefined) {
        throw new Error(`${where}: hash ${inQuotes(hash)} for ${quote(path)} is not algorithm=digest with a hash installer knows (sha256, sha384, sha512, …)`);
      }
      const { node, length } = known;
      const digest = Buffer.from(value, 'base64url');
      if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value) || digest.length !== length) {
        throw new Error(`${where}: hash ${inQuotes(hash)} for ${quote(path)} is not an urlsafe-base64 ${algorithm} digest`);
      }
      entry.hash = { algorithm, node, digest, text: hash };
    }
    if (size !== '') {
      if (!/^\d+$/.test(size)) throw new Error(`${where}: size ${inQuotes(size)} for ${quote(path)} is not a byte count`);
      entry.size = Number(size);
    }
    entries.set(path, entry);
  });
  return entries;
}

/** The `Key: value` headers of an email-style file (WHEEL, PKG-INFO), repeated keys kept. */
export function parseHeaders(text: string): Map<string, string[]> {
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
