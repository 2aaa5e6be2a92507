/**
 * The `<wheel>.sha256` sidecar: exactly one line as `sha256sum` prints it,
 * `<64 lowercase hex><two spaces><file name>\n`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SidecarFormatError } from './errors.js';
import { nameProblem, quote } from './untrusted.js';

/** The suffix that turns a distribution's name into its sidecar's name. */
export const SIDECAR_SUFFIX = '.sha256';

/** The sidecar name for a distribution file. */
export function sidecarName(distribution: string): string {
  return distribution + SIDECAR_SUFFIX;
}

/**
 * The sidecar text for a file, byte for byte what `sha256sum FILE` prints.
 * A name that could not be a distribution's (a line break would forge a
 * second line) never gets this far; refusing it here keeps it so.
 */
export function formatSidecar(sha256: string, fileName: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a lowercase sha256 hex digest: ${quote(sha256)}`);
  const problem = nameProblem(fileName);
  if (problem) throw new Error(`${quote(fileName)} ${problem}: not written to a checksum file`);
  return `${sha256}  ${fileName}\n`;
}

/**
 * One `sha256sum` line: the digest in lowercase and the file name, if the
 * line names one. What the line holds is a stranger's bytes: a malformed
 * line is described by its shape, never quoted.
 */
function parseLine(line: string, file: string, expectedName: string, where: string): { sha256: string; name?: string } {
  const match = /^(\S+)(?:(?: \*| {2})(.+))?$/.exec(line.trim());
  if (!match) {
    throw new SidecarFormatError(file, `${where} is not a sha256 line (${line.length} characters); expected "<sha256>  ${expectedName}"`);
  }
  const digest = match[1]!;
  if (!/^[0-9a-fA-F]+$/.test(digest)) {
    throw new SidecarFormatError(file, `${where} does not start with a hex sha256 digest (${line.length} characters)`);
  }
  if (digest.length !== 64) {
    throw new SidecarFormatError(file, `${where}: the digest has ${digest.length} hex digits; a sha256 has 64`);
  }
  // sha256sum prints a path when given one, and `*` marks binary mode.
  const name = match[2]?.trim().replace(/^\*/, '').split(/[\\/]/).pop();
  return { sha256: digest.toLowerCase(), ...(name !== undefined ? { name } : {}) };
}

/** The non-blank lines of a checksum file, a byte-order mark dropped. */
function contentLines(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
}

/**
 * Reads a sidecar and returns its digest in lowercase.
 *
 * Accepted: the sha256sum line, a bare digest alone, uppercase hex, the `*`
 * binary marker, CRLF, no final newline, a path before the name (as
 * `sha256sum dir/x.whl` prints). Rejected, naming `sidecarFile`: a wrong
 * length, a non-hex digit, another file's name, more than one entry.
 */
export function parseSidecar(text: string, expectedName: string, sidecarFile: string): string {
  const lines = contentLines(text);
  if (lines.length === 0) throw new SidecarFormatError(sidecarFile, `is empty; expected "<sha256>  ${expectedName}"`);
  if (lines.length > 1) {
    throw new SidecarFormatError(sidecarFile, `holds ${lines.length} entries; a sidecar names exactly one file`);
  }
  const entry = parseLine(lines[0]!, sidecarFile, expectedName, 'its line');
  if (entry.name !== undefined && entry.name !== expectedName) {
    const named = nameProblem(entry.name) ? `a file no distribution can be named (${entry.name.length} characters)` : `"${entry.name}"`;
    throw new SidecarFormatError(sidecarFile, `names ${named}, not "${expectedName}"`);
  }
  return entry.sha256;
}

/** Reads a `SHA256SUMS` file: every line must name its file. Returns name → digest. */
export function parseSha256Sums(text: string, file: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const [index, line] of contentLines(text).entries()) {
    const where = `entry ${index + 1}`;
    const entry = parseLine(line, file, '<file name>', where);
    if (entry.name === undefined) throw new SidecarFormatError(file, `${where} names no file`);
    // Names from a checksum file pass the same door as names from a listing.
    const problem = nameProblem(entry.name);
    if (problem) throw new SidecarFormatError(file, `${where} names ${quote(entry.name)}, which ${problem}`);
    if (sums.has(entry.name)) throw new SidecarFormatError(file, `lists ${entry.name} twice; each file may appear once`);
    sums.set(entry.name, entry.sha256);
  }
  return sums;
}

/**
 * Writes a `SHA256SUMS` file (sha256sum -c compatible) for the given files,
 * sorted by name. Returns the path written.
 */
export async function writeSha256Sums(file: string, entries: readonly { name: string; sha256: string }[]): Promise<string> {
  const text = [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((entry) => formatSidecar(entry.sha256, entry.name))
    .join('');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}
