/**
 * What a web address lists, read from the bytes it served: a PEP 691 JSON
 * simple page, a PEP 503 HTML simple page or a web server's directory
 * listing (both are links: `<a href>`), or a `SHA256SUMS` file. Pure
 * functions over text already read (and capped) by containers/http.ts.
 *
 * Every name, address and digest here is a stranger's: names are given raw
 * (the door in core/listing.ts judges them) and digests raw (collect
 * validates and compares them). Work is linear in the page's size.
 */
import { MAX_LISTING_ENTRIES } from '../core/bounds.js';
import { ContainerError, messageOf } from '../core/errors.js';
import { parseSha256Sums } from '../core/sidecar.js';
import type { Entry } from './container.js';

/** What an address serves, as recognised. */
export enum ListingKind {
  /** PEP 691: application/vnd.pypi.simple.v1+json. */
  Json = 'a PEP 691 JSON simple page',
  /** PEP 503 simple page or a server's directory listing: both are `<a href>` links. */
  Html = 'an HTML page of links',
  /** A sha256sum file: the names it lists, beside it. */
  Sums = 'a SHA256SUMS file',
}

/** One file a listing links to. */
export interface Link {
  /** The file name: the last segment of the address, percent-decoded (PEP 691: `filename`). Raw. */
  name: string;
  /** The absolute address, without its fragment. */
  url: string;
  /** A sha256 the listing states for it, raw and unchecked. */
  sha256?: string;
  /** Where `sha256` came from, for messages. */
  from?: string;
  /** Size in bytes, when the listing gives it (PEP 691). */
  size?: number;
  /** PEP 592: the reason given, or '' when yanked without one. */
  yanked?: string;
}

/** Where each listed digest is said to come from (Entry.listedFrom). */
export const LISTED_FROM = {
  json: "the index's JSON hashes",
  fragment: "the index page's #sha256= fragment",
  sums: (url: string) => `SHA256SUMS at ${url}`,
} as const;

/** The Accept header of a listing request: PEP 691 JSON first, HTML after, anything else (SHA256SUMS) last. */
export const LISTING_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1, */*;q=0.01';

const JSON_TYPES = /^application\/(vnd\.pypi\.simple\.v1\+json|vnd\.pypi\.simple\.latest\+json|json)\b/i;
const HTML_TYPES = /^(text\/html|application\/vnd\.pypi\.simple\.v1\+html|application\/vnd\.pypi\.simple\.latest\+html|application\/xhtml\+xml)\b/i;
/** The last segment of an address that names a checksum file. */
const SUMS_NAME = /^(SHA256SUMS|sha256sums)(\.txt)?$/;
/** One line of sha256sum output. */
const SUMS_LINE = /^[0-9a-fA-F]{64}(?: \*| {2})\S/;

/** The last path segment of an address, percent-decoded ('' for a folder). */
export function fileNameOf(url: URL): string {
  const segment = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(segment);
  } catch {
    // Not valid percent-encoding: the raw segment, which the door refuses ('%' is no name character).
    return segment;
  }
}

/** True when text is a sha256sum file: every non-blank line a digest and a name. */
function looksLikeSums(text: string): boolean {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines.length > 0 && lines.every((line) => SUMS_LINE.test(line.trim()));
}

/**
 * Decides what a listing's body is: by the address (a last segment named
 * SHA256SUMS), then the content type, then the body itself.
 */
export function recognise(text: string, contentType: string | undefined, url: URL): ListingKind | undefined {
  const type = (contentType ?? '').trim();
  if (SUMS_NAME.test(fileNameOf(url))) return ListingKind.Sums;
  if (JSON_TYPES.test(type)) return ListingKind.Json;
  if (HTML_TYPES.test(type)) return ListingKind.Html;
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('{')) return ListingKind.Json;
  if (looksLikeSums(text)) return ListingKind.Sums;
  if (start.startsWith('<')) return ListingKind.Html;
  return undefined;
}

/** Parses a listing's text as `kind`, against the address it was finally served from. */
export function parseListing(kind: ListingKind, text: string, url: URL): Link[] {
  if (kind === ListingKind.Json) return parseSimpleJson(text, url);
  if (kind === ListingKind.Sums) return parseSumsFile(text, url);
  return parseLinks(text, url);
}

/** Too many files for one listing: refused, not held. */
function tooMany(url: URL): ContainerError {
  return new ContainerError(`${shownUrl(url.href)} lists more than ${MAX_LISTING_ENTRIES} files; point the container at the page of one project or release`);
}

/** Resolves a link against `base`; undefined for what is no http(s) address. */
function resolveLink(href: string, base: URL): URL | undefined {
  try {
    const url = new URL(href, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** A resolved link's address with its fragment and userinfo dropped (a page cannot hand out credentials). */
function addressOf(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = '';
  copy.username = '';
  copy.password = '';
  return copy.href;
}

/** The sha256 of a `#sha256=<hex>` fragment (PEP 503), raw; undefined for none or another hash. */
function fragmentSha256(url: URL): string | undefined {
  const match = /^#sha256=(.*)$/i.exec(url.hash);
  return match ? match[1] : undefined;
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes the character references of an HTML attribute value. */
export function decodeEntities(value: string): string {
  return value.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z]{2,8});/g, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/** One start tag: its lower-cased name and attributes (names lower-cased, values decoded). */
interface Tag {
  name: string;
  attributes: Map<string, string>;
}

const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/**
 * The `<a>` and `<base>` start tags of an HTML document, in order. A small
 * tokenizer, not a full HTML parser: it skips comments and the bodies of
 * script and style, and reads attributes as HTML does (quoted or not, names
 * in any case, character references decoded).
 */
export function* startTags(html: string, wanted: ReadonlySet<string> = new Set(['a', 'base'])): Generator<Tag> {
  let at = 0;
  for (;;) {
    const open = html.indexOf('<', at);
    if (open < 0) return;
    if (html.startsWith('<!--', open)) {
      const close = html.indexOf('-->', open + 4);
      if (close < 0) return;
      at = close + 3;
      continue;
    }
    const nameMatch = /^<([A-Za-z][A-Za-z0-9-]*)/.exec(html.slice(open, open + 64));
    if (!nameMatch) {
      at = open + 1;
      continue;
    }
    const name = nameMatch[1]!.toLowerCase();
    // The tag ends at the first '>' outside a quoted value.
    let end = open + nameMatch[0].length;
    let quoteChar: string | undefined;
    for (; end < html.length; end++) {
      const c = html[end];
      if (quoteChar) {
        if (c === quoteChar) quoteChar = undefined;
      } else if (c === '"' || c === "'") {
        quoteChar = c;
      } else if (c === '>') {
        break;
      }
    }
    if (end >= html.length) return;
    at = end + 1;
    if (name === 'script' || name === 'style') {
      // Searched from here on, case-insensitively, without copying the page: linear however many there are.
      const close = new RegExp(`</${name}`, 'ig');
      close.lastIndex = at;
      at = close.exec(html)?.index ?? html.length;
      continue;
    }
    if (!wanted.has(name)) continue;
    const attributes = new Map<string, string>();
    const body = html.slice(open + nameMatch[0].length, end);
    for (const match of body.matchAll(ATTRIBUTE)) {
      const key = match[1]!.toLowerCase();
      if (attributes.has(key)) continue; // HTML keeps the first of two attributes of one name
      attributes.set(key, decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
    }
    yield { name, attributes };
  }
}

/**
 * The files an HTML page links to: a PEP 503 simple page (a `#sha256=`
 * fragment is the file's digest, `data-yanked` marks it yanked) or a web
 * server's directory listing (nginx, Apache, `python -m http.server`).
 * Links resolve against the page's final address, or its first `<base
 * href>`; they may lead to another path or host. Folders, the parent, sort
 * links (`?C=N;O=D`) and anything but http(s) are left out.
 */
export function parseLinks(html: string, pageUrl: URL): Link[] {
  let base = pageUrl;
  let baseSeen = false;
  const links: Link[] = [];
  for (const tag of startTags(html)) {
    const href = tag.attributes.get('href')?.trim();
    if (href === undefined) continue;
    if (tag.name === 'base') {
      // Only the first <base href> counts (HTML); it resolves against the page's address.
      if (!baseSeen) base = resolveLink(href, pageUrl) ?? base;
      baseSeen = true;
      continue;
    }
    // A query or fragment alone points at this same page (sorting, anchors).
    if (href === '' || href.startsWith('?') || href.startsWith('#')) continue;
    const url = resolveLink(href, base);
    if (!url) continue;
    const name = fileNameOf(url);
    if (name === '' || name === '.' || name === '..') continue;
    if (links.length >= MAX_LISTING_ENTRIES) throw tooMany(pageUrl);
    const sha256 = fragmentSha256(url);
    const yanked = tag.attributes.get('data-yanked');
    links.push({
      name,
      url: addressOf(url),
      ...(sha256 !== undefined ? { sha256, from: LISTED_FROM.fragment } : {}),
      ...(yanked !== undefined ? { yanked } : {}),
    });
  }
  return links;
}

/** A listing that is not what it claims: one line naming the address. */
function malformed(url: URL, detail: string): ContainerError {
  return new ContainerError(`${shownUrl(url.href)} serves a PEP 691 JSON page that ${detail}; refused`);
}

/**
 * The files of a PEP 691 JSON simple page: `files[]` with `filename`,
 * `url` (resolved against the page's final address), `hashes.sha256`,
 * `size` and `yanked` (true, or the reason). A file without a url is an
 * entry refused; a document without `files` is refused whole.
 */
export function parseSimpleJson(text: string, pageUrl: URL): Link[] {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error: unknown) {
    throw malformed(pageUrl, `is not JSON (${messageOf(error).slice(0, 100)})`);
  }
  const files = (document as { files?: unknown } | null)?.files;
  if (typeof document !== 'object' || document === null || !Array.isArray(files)) throw malformed(pageUrl, 'has no "files" list');
  if (files.length > MAX_LISTING_ENTRIES) throw tooMany(pageUrl);
  const links: Link[] = [];
  for (const file of files as unknown[]) {
    if (typeof file !== 'object' || file === null) continue;
    const { filename, url, hashes, size, yanked } = file as Record<string, unknown>;
    if (typeof filename !== 'string') continue;
    const resolved = typeof url === 'string' ? resolveLink(url, pageUrl) : undefined;
    if (!resolved) {
      // Listed, but with no address to fetch it from: a problem of the run, not a silent omission.
      links.push({ name: filename, url: '' });
      continue;
    }
    const sha256 = typeof hashes === 'object' && hashes !== null ? (hashes as Record<string, unknown>).sha256 : undefined;
    links.push({
      name: filename,
      url: addressOf(resolved),
      ...(typeof sha256 === 'string' ? { sha256, from: LISTED_FROM.json } : {}),
      ...(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? { size } : {}),
      ...(yanked === true ? { yanked: '' } : typeof yanked === 'string' ? { yanked } : {}),
    });
  }
  return links;
}

/**
 * The files a `SHA256SUMS` file lists, each beside it (a path in a line,
 * as `sha256sum dir/x.whl` prints, is followed relative to the file), each
 * with its digest. Parsed by core/sidecar's `parseSha256Sums`: a malformed
 * line refuses the whole file, naming the line.
 */
export function parseSumsFile(text: string, sumsUrl: URL): Link[] {
  let sums: Map<string, string>;
  const shown = addressOf(sumsUrl);
  try {
    sums = parseSha256Sums(text, `SHA256SUMS at ${shown}`);
  } catch (error: unknown) {
    throw new ContainerError(messageOf(error), { cause: error });
  }
  if (sums.size > MAX_LISTING_ENTRIES) throw tooMany(sumsUrl);
  // The same lines again for each name's path (parseSha256Sums keeps only the last segment).
  const paths = new Map<string, string>();
  for (const line of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const match = /^\S+(?: \*| {2})(.+)$/.exec(line.trim());
    if (!match) continue;
    const path = match[1]!.trim().replace(/^\*/, '').replace(/\\/g, '/');
    paths.set(path.slice(path.lastIndexOf('/') + 1), path);
  }
  const from = LISTED_FROM.sums(shown);
  return [...sums].map(([name, sha256]) => {
    const path = (paths.get(name) ?? name).replace(/^\.\//, '');
    const url = new URL(path.split('/').map(encodeURIComponent).join('/'), sumsUrl);
    return { name, url: addressOf(url), sha256, from };
  });
}

/** A listing as entries, and where each listed name is fetched from. */
export interface WebListing {
  entries: Entry[];
  /** Name → absolute address, for names that can be read. */
  addresses: Map<string, string>;
}

/** An address a stranger wrote, as a message shows it: cut to a readable length. */
export function shownUrl(url: string): string {
  return url.length > 200 ? `${url.slice(0, 200)}…` : url;
}

/**
 * Turns links into entries, one per name. A name linked twice with one
 * address is one entry; linked with two addresses (or two digests), it is
 * refused, naming both: never one picked silently. A plain-http link from an
 * https page is refused (anyone on the way could change it). Sizes unknown
 * stay unknown.
 */
export function toEntries(links: readonly Link[], pageUrl: URL): WebListing {
  const byName = new Map<string, Link[]>();
  for (const link of links) {
    const group = byName.get(link.name);
    if (group) group.push(link);
    else byName.set(link.name, [link]);
  }
  const entries: Entry[] = [];
  const addresses = new Map<string, string>();
  for (const [name, group] of byName) {
    const urls = [...new Set(group.map((link) => link.url))];
    const stated = group.filter((link) => link.sha256 !== undefined);
    const digests = new Set(stated.map((link) => link.sha256!.toLowerCase()));
    const size = group.find((link) => link.size !== undefined)?.size;
    const yanked = group.find((link) => link.yanked !== undefined)?.yanked;
    const entry: Entry = {
      name,
      ...(size !== undefined ? { size } : {}),
      ...(stated[0] ? { listedSha256: stated[0].sha256!, listedFrom: stated[0].from! } : {}),
      ...(yanked !== undefined ? { yanked } : {}),
    };
    const url = urls[0]!;
    if (urls.length > 1) {
      const shown = urls.slice(0, 2).map(shownUrl).join(' and ') + (urls.length > 2 ? ` and ${urls.length - 2} more` : '');
      entry.refused = `is linked ${group.length} times with different addresses (${shown}); refused rather than one picked`;
    } else if (digests.size > 1) {
      entry.refused = `is listed ${group.length} times with different sha256 digests; refused rather than one picked`;
    } else if (url === '') {
      entry.refused = 'has no address in the listing (its "url" is missing or not http(s))';
    } else if (pageUrl.protocol === 'https:' && new URL(url).protocol === 'http:') {
      entry.refused = `is linked over plain http:// (${shownUrl(url)}) from an https:// page: anyone on the way could change it; refused`;
    } else {
      addresses.set(name, url);
    }
    entries.push(entry);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entries, addresses };
}
