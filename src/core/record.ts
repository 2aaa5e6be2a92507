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
const ALGORITHMS: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** One RECORD row: a path, its hash (absent for RECORD and its signatures) and size. */
export interface RecordEntry {
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
      const length = ALGORITHMS[algorithm];
      if (eq <= 0 || length === undefined) {
        throw new Error(`${where}: hash ${inQuotes(hash)} for ${quote(path)} is not sha256=…, sha384=… or sha512=… (installers refuse md5 and sha1)`);
      }
      const digest = Buffer.from(value, 'base64url');
      if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value) || digest.length !== length) {
        throw new Error(`${where}: hash ${inQuotes(hash)} for ${quote(path)} is not an urlsafe-base64 ${algorithm} digest`);
      }
      entry.hash = { algorithm, digest, text: hash };
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
