/**
 * A PEP 503 / PEP 691 "simple" index of verified files: the pages and the
 * PEP 658 metadata files, as text and bytes. Writing them is index-writer.ts.
 *
 * Layout under the index root (a directory a web server serves, or a
 * container folder served as a static site):
 *
 *   FILE                        each distribution, flat (as containers hold them)
 *   FILE.metadata               a wheel's *.dist-info/METADATA, byte for byte (PEP 658)
 *   simple/index.html           every project, linked as NAME/ (PEP 503)
 *   simple/index.json           the same, PEP 691 JSON
 *   simple/NAME/index.html      the project's files: <a href="../../FILE#sha256=…"> (PEP 503)
 *   simple/NAME/index.json      the same, PEP 691 JSON (api-version 1.1)
 *
 * NAME is the PEP 503 normalised project name. Links are relative
 * (`../../FILE`), so the tree works wherever it is served from, under any
 * prefix; a static server serves index.html for NAME/ by itself, and the
 * JSON form to a client that asks for it only with a rule that negotiates
 * (nginx: `map $http_accept` + `index`), which pip does not need: it
 * takes the HTML when that is what comes.
 *
 * Everything in a page that came from a stranger (file names, project
 * names, Requires-Python from METADATA) is escaped for HTML, and hrefs are
 * percent-encoded: file names passed the door (untrusted.ts nameProblem)
 * before this, but a page is escaped on its own terms anyway.
 */
import { createHash } from 'node:crypto';
import { WheelGuardError } from './errors.js';
import { openRegular } from './files.js';
import { normalizeName, versionKey } from './normalize.js';
import { parseHeaders } from './record.js';
import { hasUnprintable, quote } from './untrusted.js';
import { MAX_METADATA } from './wheel-contents.js';
import { parseDistributionName } from './wheels.js';
import { ZipArchive } from './zip.js';

/** The Simple API version the pages declare (PEP 629 meta tag, PEP 691 `meta.api-version`): 1.1 adds `versions` and `size` (PEP 700). */
export const API_VERSION = '1.1';
/** The folder of the pages under the index root. */
export const SIMPLE = 'simple';
/** PEP 658: the metadata file of FILE is FILE.metadata, beside it. */
export const METADATA_SUFFIX = '.metadata';
/** Content types the pages are written with (a container serving them as a static site sends these). */
export const HTML_TYPE = 'text/html; charset=utf-8';
export const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
export const METADATA_TYPE = 'text/plain; charset=utf-8';

/** The longest Requires-Python put on a page: real ones are a few characters (`>=3.9`); pip reads METADATA's own anyway. */
const MAX_REQUIRES_PYTHON = 256;

/** A normalised project name (PEP 503) that is a valid name (PEP 508): lowercase letters, digits, single inner `-`. */
const PROJECT = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** One verified file as the index lists it. */
export interface IndexedFile {
  /** The file name: also its name in the index root. */
  name: string;
  sha256: string;
  size: number;
  /** The PEP 503 normalised project name (the folder of its page). */
  project: string;
  /** The version as the file name gives it. */
  version: string;
  /** A wheel's METADATA (PEP 658), byte for byte, and its sha256. */
  metadata?: { bytes: Buffer; sha256: string };
  /** METADATA's Requires-Python, when it has a short, printable one. */
  requiresPython?: string;
}

/** HTML text and attribute escaping: & < > " ' (attributes are always double-quoted here). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A file's href from its project page: up two levels to the root, the name percent-encoded (a `+` of a local version too). */
export function fileHref(name: string): string {
  return `../../${encodeURIComponent(name)}`;
}

/**
 * The project a distribution's file name belongs to, normalised (PEP 503),
 * and its version; throws (naming the file) for a name no index can list.
 */
export function projectOf(fileName: string): { project: string; version: string; wheel: boolean } {
  const parsed = parseDistributionName(fileName);
  if (!parsed) throw new WheelGuardError(`${quote(fileName)}: cannot be indexed: not a wheel or sdist file name (PEP 427, PEP 625); narrow pattern to distributions`);
  const project = normalizeName(parsed.distribution);
  if (!PROJECT.test(project)) {
    throw new WheelGuardError(`${quote(fileName)}: cannot be indexed: its project name ${quote(parsed.distribution)} is not a valid project name (PEP 508); rebuild it with a valid name`);
  }
  return { project, version: parsed.version, wheel: parsed.kind === 'wheel' };
}

/**
 * A wheel's `*.dist-info/METADATA` bytes, read with zip.ts as the content
 * check reads the archive (the central directory and local headers checked,
 * the member's CRC-32 too, refused past MAX_METADATA before inflating).
 * The .dist-info is the one named like the file (as pip finds it).
 */
export async function readWheelMetadata(path: string, fileName: string): Promise<Buffer> {
  const parsed = parseDistributionName(fileName);
  // A regular file only, never through a symbolic link (files.ts); the descriptor is ours to close.
  const handle = await openRegular(path, fileName);
  try {
    return await metadataOf(await ZipArchive.open(path, fileName, handle.fd), parsed ? normalizeName(parsed.distribution) : undefined);
  } finally {
    await handle.close();
  }
}

async function metadataOf(zip: ZipArchive, wanted: string | undefined): Promise<Buffer> {
  try {
    const candidates = zip.members.filter((member) => {
      const parts = member.name.split('/');
      if (parts.length !== 2 || parts[1] !== 'METADATA' || !parts[0]!.endsWith('.dist-info')) return false;
      const stem = parts[0]!.slice(0, -'.dist-info'.length);
      const dash = stem.lastIndexOf('-');
      return normalizeName(dash > 0 ? stem.slice(0, dash) : stem) === wanted;
    });
    if (candidates.length !== 1) {
      zip.fail(undefined, `cannot be indexed: ${candidates.length === 0 ? 'no' : 'more than one'} .dist-info/METADATA named like the file; rebuild it (or collect with check-contents on, which refuses such a wheel)`);
    }
    const member = candidates[0]!;
    zip.checkCap(member, MAX_METADATA, 'the largest METADATA of real wheels is under 1 MB');
    await zip.checkLayout();
    return await zip.readWhole(member, MAX_METADATA, 'the largest METADATA of real wheels is under 1 MB');
  } finally {
    zip.close();
  }
}

/** METADATA's Requires-Python, when it is short and printable; else undefined (pip reads it from METADATA itself). */
export function requiresPythonOf(metadata: Buffer): string | undefined {
  const head = metadata.subarray(0, 64 * 1024).toString('utf8');
  const value = parseHeaders(head).get('requires-python')?.[0]?.trim();
  if (!value || value.length > MAX_REQUIRES_PYTHON || hasUnprintable(value)) return undefined;
  return value;
}

/** A file as the index lists it: its project, and for a wheel its METADATA read from `path`. */
export async function describeFile(path: string, file: { name: string; sha256: string; size: number }): Promise<IndexedFile> {
  if (!/^[0-9a-f]{64}$/.test(file.sha256)) throw new Error(`${file.name}: no sha256 to index it by`);
  const { project, version, wheel } = projectOf(file.name);
  const described: IndexedFile = { name: file.name, sha256: file.sha256, size: file.size, project, version };
  if (!wheel) return described;
  const bytes = await readWheelMetadata(path, file.name);
  const requiresPython = requiresPythonOf(bytes);
  return { ...described, metadata: { bytes, sha256: createHash('sha256').update(bytes).digest('hex') }, ...(requiresPython ? { requiresPython } : {}) };
}

/** The files by project, each list sorted by name, the projects sorted. */
export function byProject(files: readonly IndexedFile[]): Map<string, IndexedFile[]> {
  const projects = new Map<string, IndexedFile[]>();
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    projects.set(file.project, [...(projects.get(file.project) ?? []), file]);
  }
  return new Map([...projects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const page = (title: string, body: string[]): string =>
  '<!DOCTYPE html>\n<html>\n  <head>\n' +
  `    <meta name="pypi:repository-version" content="${API_VERSION}">\n` +
  `    <title>${escapeHtml(title)}</title>\n  </head>\n  <body>\n${body.join('\n')}\n  </body>\n</html>\n`;

/**
 * A project's PEP 503 page: one link per file, `#sha256=` on each; a
 * wheel's link carries its METADATA's sha256 under both PEP 714's
 * `data-core-metadata` and PEP 658's `data-dist-info-metadata` (pip before
 * 23.3 reads only the old name in HTML).
 */
export function projectHtml(project: string, files: readonly IndexedFile[]): string {
  const links = files.map((file) => {
    const attributes = [`href="${escapeHtml(`${fileHref(file.name)}#sha256=${file.sha256}`)}"`];
    if (file.requiresPython !== undefined) attributes.push(`data-requires-python="${escapeHtml(file.requiresPython)}"`);
    if (file.metadata) attributes.push(`data-dist-info-metadata="sha256=${file.metadata.sha256}"`, `data-core-metadata="sha256=${file.metadata.sha256}"`);
    return `    <a ${attributes.join(' ')}>${escapeHtml(file.name)}</a><br />`;
  });
  return page(`Links for ${project}`, [`    <h1>Links for ${escapeHtml(project)}</h1>`, ...links]);
}

/**
 * A project's PEP 691 JSON page (api-version 1.1: `versions`, `size`).
 * The metadata hash is under `core-metadata` only: PEP 714 renamed it
 * because pip 22.3 to 23.1 fail outright on a JSON `dist-info-metadata`.
 */
export function projectJson(project: string, files: readonly IndexedFile[]): string {
  const versions: string[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const key = versionKey(file.version.replace(/_/g, '-')) ?? file.version;
    if (!seen.has(key)) versions.push(file.version);
    seen.add(key);
  }
  return `${JSON.stringify({
    meta: { 'api-version': API_VERSION },
    name: project,
    versions,
    files: files.map((file) => ({
      filename: file.name,
      url: fileHref(file.name),
      hashes: { sha256: file.sha256 },
      ...(file.requiresPython !== undefined ? { 'requires-python': file.requiresPython } : {}),
      ...(file.metadata ? { 'core-metadata': { sha256: file.metadata.sha256 } } : {}),
      size: file.size,
      yanked: false,
    })),
  })}\n`;
}

/** The root PEP 503 page: a link to each project's folder. */
export function rootHtml(projects: readonly string[]): string {
  return page('Simple index', projects.map((project) => `    <a href="${escapeHtml(`${encodeURIComponent(project)}/`)}">${escapeHtml(project)}</a><br />`));
}

/** The root PEP 691 JSON page. */
export function rootJson(projects: readonly string[]): string {
  return `${JSON.stringify({ meta: { 'api-version': API_VERSION }, projects: projects.map((name) => ({ name })) })}\n`;
}
