/**
 * What the web servers of the https:// tests serve, laid out as real ones
 * lay it out, from real wheels (samples/ or make-wheel.py):
 *
 * - a package index as a mirror writes it to disk (bandersnatch's layout,
 *   the one PyPI's own file host uses): `simple/index.html` naming the
 *   projects, `simple/<normalized name>/index.html` (PEP 503, with PEP 629's
 *   repository-version meta tag, `#sha256=` fragments, data-requires-python,
 *   data-yanked) and `simple/<name>/index.json` (PEP 691 1.1), the files
 *   themselves under `packages/<2 hex>/<2 hex>/<60 hex>/<file>`, linked from
 *   the project page as `../../packages/…` or, for a files host on another
 *   origin (a CDN), as absolute URLs;
 * - a SHA256SUMS file written by coreutils' sha256sum.
 *
 * pip (a client nobody here wrote) downloads from these trees in
 * __tests__/e2e/http.test.ts: the proof that they are what an index serves.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PYTHON, sha256sumTo } from './tools.js';

export const ROOT = join(import.meta.dirname, '..', '..');

/** Builds a valid wheel with make-wheel.py (a payload of `size` seeded random bytes) in `dir`; returns its path. */
export function makeWheel(dir: string, name: string, version: string, size: number, seed = 0): string {
  return execFileSync(PYTHON, [join(ROOT, '__tests__/helpers/make-wheel.py'), dir, name, version, String(size), String(seed)], { encoding: 'utf8' }).trim();
}

/** PEP 503 normalization. */
export const normalize = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** Writes `sha256sum <names>` (coreutils, run in `dir`; tools.ts finds it) to `dir/<file>`; returns its text. */
export async function writeSha256Sums(dir: string, names: string[], file = 'SHA256SUMS'): Promise<string> {
  return sha256sumTo(dir, names, file);
}

/** One file of a project page. */
export interface IndexedFile {
  name: string;
  sha256: string;
  size: number;
  /** Where the file lies, relative to the files root: `packages/ab/cd/…/name`. */
  path: string;
  /** The href on the HTML page (and `url` in the JSON), fragment included. */
  href: string;
}

export interface TreeOptions {
  /** Where the files go (default: `root`, beside `simple/`): a second server's root for a files host on another origin. */
  filesRoot?: string;
  /** Link the files absolutely under this base (`http://127.0.0.1:PORT`) instead of `../../packages/…`. */
  filesBase?: string;
  /** Per file name: the digest to state instead of the true one, or null for none (no fragment, no `hashes`). */
  digests?: Record<string, string | null>;
  /** Per file name: yanked, with this reason ('' for none given). */
  yanked?: Record<string, string>;
  /** Which pages to write (default both). */
  html?: boolean;
  json?: boolean;
}

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Adds project `project` with these wheels to the index tree at `root`, and
 * rewrites `simple/index.html` to list every project there. Returns the
 * project page's path (`/simple/<name>/`) and what it lists.
 */
export async function writeSimpleProject(
  root: string,
  project: string,
  wheels: string[],
  options: TreeOptions = {},
): Promise<{ page: string; files: IndexedFile[] }> {
  const norm = normalize(project);
  const filesRoot = options.filesRoot ?? root;
  const files: IndexedFile[] = [];
  for (const wheel of wheels) {
    const bytes = await readFile(wheel);
    const name = basename(wheel);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // PyPI's file host (and bandersnatch) file a release under the blake2b-256 of its bytes, split 2/2/60.
    const blake = createHash('blake2s256').update(bytes).digest('hex');
    const path = `packages/${blake.slice(0, 2)}/${blake.slice(2, 4)}/${blake.slice(4)}/${name}`;
    await mkdir(join(filesRoot, path, '..'), { recursive: true });
    await copyFile(wheel, join(filesRoot, path));
    const stated = options.digests && name in options.digests ? options.digests[name] : sha256;
    const url = (options.filesBase ? `${options.filesBase.replace(/\/$/, '')}/` : '../../') + path.split('/').map(encodeURIComponent).join('/');
    files.push({ name, sha256, size: bytes.length, path, href: stated ? `${url}#sha256=${stated}` : url });
  }
  const dir = join(root, 'simple', norm);
  await mkdir(dir, { recursive: true });
  if (options.html !== false) {
    const links = files.map((file) => {
      const yanked = options.yanked && file.name in options.yanked ? ` data-yanked="${escapeHtml(options.yanked[file.name]!)}"` : '';
      return `    <a href="${escapeHtml(file.href)}" data-requires-python="${escapeHtml('>=3.8')}"${yanked}>${escapeHtml(file.name)}</a><br />`;
    });
    await writeFile(
      join(dir, 'index.html'),
      `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Links for ${escapeHtml(norm)}</title>\n  </head>\n  <body>\n    <h1>Links for ${escapeHtml(norm)}</h1>\n${links.join('\n')}\n  </body>\n</html>\n`,
    );
  }
  if (options.json !== false) {
    const versions = [...new Set(files.map((file) => file.name.split('-')[1]!))];
    const page = {
      meta: { 'api-version': '1.1' },
      name: norm,
      versions,
      files: files.map((file) => {
        const stated = options.digests && file.name in options.digests ? options.digests[file.name] : file.sha256;
        const yanked = options.yanked && file.name in options.yanked ? options.yanked[file.name] || true : false;
        return {
          filename: file.name,
          url: file.href.split('#')[0],
          hashes: stated ? { sha256: stated } : {},
          'requires-python': '>=3.8',
          size: file.size,
          'upload-time': '2026-11-28T12:00:00.000000Z',
          yanked,
        };
      }),
    };
    await writeFile(join(dir, 'index.json'), JSON.stringify(page));
  }
  const projects = (await readdir(join(root, 'simple'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  await writeFile(
    join(root, 'simple', 'index.html'),
    `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Simple index</title>\n  </head>\n  <body>\n${projects.map((p) => `    <a href="${p}/">${p}</a><br />`).join('\n')}\n  </body>\n</html>\n`,
  );
  await writeFile(
    join(root, 'simple', 'index.json'),
    JSON.stringify({ meta: { 'api-version': '1.1' }, projects: projects.map((name) => ({ name })) }),
  );
  return { page: `/simple/${norm}/`, files };
}
