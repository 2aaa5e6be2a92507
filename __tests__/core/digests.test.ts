import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/containers/container.js';
import {
  agreedDigest,
  conflictMessage,
  DigestConflictError,
  disagreement,
  listedSource,
  loadDigests,
  planListing,
  sidecarSource,
  type Truth,
  yankedMessage,
} from '../../src/core/digests.js';
import { InputError } from '../../src/core/errors.js';
import { useTempDirs } from '../helpers/tmp.js';
import { lacks, mkfifo, NOT_POSIX } from '../helpers/tools.js';

const tempDir = useTempDirs();

const A = 'alpha-1.0-py3-none-any.whl';
const B = 'beta-1.0-py3-none-any.whl';
const C = 'gamma-1.0-py3-none-any.whl';
const X = 'a'.repeat(64);
const Y = 'b'.repeat(64);
const Z = 'c'.repeat(64);

const entry = (name: string, extra: Partial<Entry> = {}): Entry => ({ name, size: 10, ...extra });
const sidecarOf = (name: string): Entry => entry(`${name}.sha256`);
const truth = (sums: Record<string, string>, file = 'SHA256SUMS'): Truth => ({ file, sums: new Map(Object.entries(sums)) });
const plan = (entries: Entry[], options: { truth?: Truth; refused?: string[]; statesDigests?: boolean; patterns?: string[] } = {}) =>
  planListing(entries, options.patterns ?? ['*.whl'], {
    where: 'box',
    refused: new Set(options.refused ?? []),
    statesDigests: options.statesDigests ?? false,
    ...(options.truth ? { truth: options.truth } : {}),
  });

describe('listedSource', () => {
  it('takes a listed sha256, lower-cased, with where it came from', () => {
    expect(listedSource(entry(A, { listedSha256: X.toUpperCase(), listedFrom: "the index page's #sha256= fragment" }), 'box')).toEqual({
      source: { sha256: X, from: "the index page's #sha256= fragment" },
    });
  });

  it('names the listing when the container does not say where', () => {
    expect(listedSource(entry(A, { listedSha256: X }), 'https://host/simple/a/').source?.from).toBe('the listing of https://host/simple/a/');
  });

  it('states nothing when the listing states nothing', () => {
    expect(listedSource(entry(A), 'box')).toEqual({});
  });

  it.each([
    ['too short', 'ab'.repeat(20), 'has 40 hex digits; a sha256 has 64'],
    ['too long', 'a'.repeat(65), 'has 65 hex digits; a sha256 has 64'],
    ['not hex', `${'a'.repeat(63)}g`, 'holds characters that are not hex digits (64 characters)'],
    ['empty', '', 'has 0 hex digits; a sha256 has 64'],
  ])('refuses a listed digest %s, describing its shape and never quoting it', (_what, value, shape) => {
    const { source, problem } = listedSource(entry(A, { listedSha256: value, listedFrom: 'the JSON page' }), 'box');
    expect(source).toBeUndefined();
    expect(problem!.message).toBe(`${A}: the JSON page states a digest that ${shape}; it was not downloaded`);
  });

  it('a hostile digest or label never reaches a message raw', () => {
    const { problem } = listedSource(entry(A, { listedSha256: '::error::owned\n', listedFrom: 'page\u001b[2J' }), 'box');
    expect(problem!.message).not.toContain('::error::');
    expect(problem!.message).not.toContain('\u001b');
    expect(problem!.message).not.toContain('\n');
  });
});

describe('agreeing digests', () => {
  const side = sidecarSource(A, X);
  it('all agreeing give the digest', () => {
    expect(agreedDigest(A, [side, { sha256: X, from: 'SHA256SUMS' }, { sha256: X, from: 'the page' }])).toBe(X);
    expect(disagreement([side])).toBeUndefined();
    expect(disagreement([])).toBeUndefined();
  });

  it('two that disagree refuse the file, naming both digests and where each came from', () => {
    const other = { sha256: Y, from: 'SHA256SUMS' };
    expect(disagreement([side, { sha256: X, from: 'the page' }, other])).toEqual([side, other]);
    expect(() => agreedDigest(A, [side, other])).toThrow(DigestConflictError);
    expect(() => agreedDigest(A, [side, other])).toThrow(`${A}: its digests disagree: its sidecar ${A}.sha256 says sha256 ${X}, SHA256SUMS says ${Y}; refused without downloading it`);
    expect(conflictMessage(A, [side, other])).toContain(`${A}.sha256`);
  });

  it('no source at all is refused, never downloaded unverified', () => {
    expect(() => agreedDigest(A, [])).toThrow(/no digest/);
  });
});

describe('planListing: sidecars only (the containers of post-build)', () => {
  it('pairs collect; the words of a wheel without sidecar and a sidecar without wheel are as ever', () => {
    const p = plan([entry(A), sidecarOf(A), entry(B), sidecarOf(C)]);
    expect(p.files).toEqual([{ name: A, sidecar: true, known: [] }]);
    expect(p.problems.map((q) => q.message)).toEqual([
      `${B}: no sidecar ${B}.sha256 in box; its upload never finished, or post-build did not put it there`,
      `${C}: ${C}.sha256 is in box but the wheel itself is not; re-run post-build for it`,
    ]);
    expect(p.unverifiable).toEqual([B, C]);
    expect(p.pending).toBe(2);
  });

  it('a partner refused at the door is not reported again, and its wheel not collected', () => {
    const p = plan([entry(A)], { refused: [`${A}.sha256`] });
    expect(p).toEqual({ files: [], problems: [], unverifiable: [], pending: 0, ignored: [] });
    const q = plan([sidecarOf(B)], { refused: [B] });
    expect(q.problems).toEqual([]);
  });

  it('only what pattern selects', () => {
    const p = plan([entry(A), sidecarOf(A), entry('alpha-1.0.tar.gz')]);
    expect(p.files.map((f) => f.name)).toEqual([A]);
    expect(p.problems).toEqual([]);
  });
});

describe('planListing: digests the listing states', () => {
  it('a listed digest alone makes a file collectable; with a sidecar both are kept for collect to compare', () => {
    const from = "the index page's #sha256= fragment";
    const p = plan([entry(A, { listedSha256: X, listedFrom: from }), entry(B, { listedSha256: Y, listedFrom: from }), sidecarOf(B)], { statesDigests: true });
    expect(p.files).toEqual([
      { name: A, sidecar: false, known: [{ sha256: X, from }] },
      { name: B, sidecar: true, known: [{ sha256: Y, from }] },
    ]);
    expect(p.problems).toEqual([]);
    expect(p.pending).toBe(0);
  });

  it('a file with neither is "no digest", never collected', () => {
    const p = plan([entry(A, { listedSha256: X }), entry(B)], { statesDigests: true });
    expect(p.files.map((f) => f.name)).toEqual([A]);
    expect(p.problems.map((q) => q.message)).toEqual([
      `${B}: no digest: no ${B}.sha256 sidecar in box, and the listing states none; it is never downloaded unverified`,
    ]);
    expect(p.unverifiable).toEqual([B]);
    expect(p.pending).toBe(1);
  });

  it('an invalid listed digest is a problem even with a sidecar beside it', () => {
    const p = plan([entry(A, { listedSha256: 'xyz', listedFrom: 'the JSON page' }), sidecarOf(A)], { statesDigests: true });
    expect(p.files).toEqual([]);
    expect(p.problems.map((q) => q.message)).toEqual([`${A}: the JSON page states a digest that holds characters that are not hex digits (3 characters); it was not downloaded`]);
    expect(p.pending).toBe(0);
  });

  it('carries a yanked mark to collect', () => {
    const p = plan([entry(A, { listedSha256: X, yanked: 'broken build' })], { statesDigests: true });
    expect(p.files[0]!.yanked).toBe('broken build');
    expect(plan([entry(A, { listedSha256: X, yanked: '' })]).files[0]!.yanked).toBe('');
  });
});

describe('planListing: the digests input', () => {
  it('sidecars become optional: every listed file with a line is collected', () => {
    const p = plan([entry(A), entry(B), sidecarOf(B)], { truth: truth({ [A]: X, [B]: Y }) });
    expect(p.files).toEqual([
      { name: A, sidecar: false, known: [{ sha256: X, from: 'SHA256SUMS' }] },
      { name: B, sidecar: true, known: [{ sha256: Y, from: 'SHA256SUMS' }] },
    ]);
    expect(p.problems).toEqual([]);
  });

  it('a file it lists and pattern selects that the container lacks is a problem, and worth waiting for', () => {
    const p = plan([entry(A)], { truth: truth({ [A]: X, [B]: Y }) });
    expect(p.problems.map((q) => q.message)).toEqual([`${B}: listed in SHA256SUMS but not in box`]);
    expect(p.pending).toBe(1);
  });

  it('a sidecar without its wheel, when the wheel is listed, is reported once, as absent', () => {
    const p = plan([sidecarOf(B)], { truth: truth({ [B]: Y }) });
    expect(p.problems.map((q) => q.message)).toEqual([`${B}: listed in SHA256SUMS but not in box`]);
  });

  it('files it lists outside pattern are ignored, not missing', () => {
    const p = plan([entry(A)], { truth: truth({ [A]: X, 'alpha-1.0.tar.gz': Y }) });
    expect(p.problems).toEqual([]);
    expect(p.ignored).toEqual(['alpha-1.0.tar.gz']);
  });

  it('a file in the container it does not list is not part of the release: a problem, not downloaded, not worth waiting for', () => {
    const p = plan([entry(A), entry(C), sidecarOf(C)], { truth: truth({ [A]: X }, 'release/SHA256SUMS') });
    expect(p.files.map((f) => f.name)).toEqual([A]);
    expect(p.problems.map((q) => q.message)).toEqual([
      `${C}: not in release/SHA256SUMS: not part of this release; it was not downloaded (narrow pattern to the release's files, or list it in release/SHA256SUMS)`,
    ]);
    expect(p.unverifiable).toEqual([C]);
    expect(p.pending).toBe(0);
  });

  it('a listed digest that disagrees with it refuses the file before any download, naming both', () => {
    const p = plan([entry(A, { listedSha256: Y, listedFrom: 'the JSON page' })], { truth: truth({ [A]: X }), statesDigests: true });
    expect(p.files).toEqual([]);
    expect(p.problems.map((q) => q.message)).toEqual([`${A}: its digests disagree: the JSON page says sha256 ${Y}, SHA256SUMS says ${X}; refused without downloading it`]);
  });

  it('a refused wheel it lists is not reported again as absent', () => {
    expect(plan([], { truth: truth({ [A]: X }), refused: [A] }).problems).toEqual([]);
  });

  it('stays linear on a large listing', () => {
    const names = Array.from({ length: 50_000 }, (_, i) => `pkg${i}-1.0-py3-none-any.whl`);
    const started = Date.now();
    const p = plan(names.map((name) => entry(name)), { truth: truth(Object.fromEntries(names.map((name) => [name, Z]))) });
    expect(p.files).toHaveLength(50_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('loadDigests', () => {
  it('reads a sha256sum file, paths dropped, names mapped', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'SHA256SUMS'), `${X}  dist/${A}\n${Y.toUpperCase()} *${B}\n`);
    const loaded = await loadDigests('SHA256SUMS', dir);
    expect(loaded.file).toBe('SHA256SUMS');
    expect([...loaded.sums]).toEqual([
      [A, X],
      [B, Y],
    ]);
  });

  type Make = (dir: string) => Promise<unknown>;
  const refuses = async (_what: string, make: Make, message: RegExp) => {
    const dir = await tempDir();
    await make(dir);
    const error = await loadDigests('SHA256SUMS', dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(message);
  };

  it.each([
    ['absent', async (_dir: string) => undefined, /^digests: SHA256SUMS not found \(looked for .*SHA256SUMS\); give the release's SHA256SUMS file/],
    ['empty', (dir: string) => writeFile(join(dir, 'SHA256SUMS'), '\n\n'), /^digests: SHA256SUMS lists no file; give/],
    ['not sha256sum lines', (dir: string) => writeFile(join(dir, 'SHA256SUMS'), 'hello  world\n'), /^digests: SHA256SUMS: entry 1 does not start with a hex sha256 digest .*; give/],
    ['a line naming no file', (dir: string) => writeFile(join(dir, 'SHA256SUMS'), `${X}\n`), /^digests: SHA256SUMS: entry 1 names no file; give/],
    ['a directory', (dir: string) => mkdir(join(dir, 'SHA256SUMS')), /^digests: cannot read SHA256SUMS: SHA256SUMS is a directory/],
  ] as [string, Make, RegExp][])('refuses a file %s with an InputError naming the input and the fix', refuses);
  // A symbolic link needs a privilege on Windows; a FIFO cannot sit in a Windows directory.
  it.skipIf(NOT_POSIX).each([
    ['a symbolic link', (dir: string) => writeFile(join(dir, 'real'), `${X}  ${A}\n`).then(() => symlink(join(dir, 'real'), join(dir, 'SHA256SUMS'))), /symbolic link/],
  ] as [string, Make, RegExp][])('refuses a file %s with an InputError naming the input and the fix', refuses);
  it.skipIf(NOT_POSIX || lacks('mkfifo')).each([
    ['a FIFO', async (dir: string) => mkfifo(join(dir, 'SHA256SUMS')), /FIFO/],
  ] as [string, Make, RegExp][])('refuses a file %s with an InputError naming the input and the fix', refuses);
});

describe('yankedMessage', () => {
  it('names the file and the reason, escaped', () => {
    expect(yankedMessage(A, 'broken build', 'idx')).toBe(`${A}: yanked in idx, reason: "broken build"; pip installs a yanked file only when a requirement pins its exact version (PEP 592)`);
    expect(yankedMessage(A, '', 'idx')).toContain('(no reason given)');
    const hostile = yankedMessage(A, '\n::error::owned\u001b[2J', 'idx');
    expect(hostile).not.toContain('\n');
    expect(hostile).not.toContain('\u001b');
    expect(hostile).toContain('\\n::error::owned\\u001b[2J');
  });
});
