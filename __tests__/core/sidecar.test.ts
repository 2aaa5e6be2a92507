import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SidecarFormatError } from '../../src/core/errors.js';
import { formatSidecar, parseSha256Sums, parseSidecar, sidecarName, writeSha256Sums } from '../../src/core/sidecar.js';
import { SAMPLE_SDIST, SAMPLE_SMALL_WHEEL, SAMPLE_WHEEL, sha256sum, useTempDirs } from '../helpers/tmp.js';
import { lacks } from '../helpers/tools.js';

const tempDir = useTempDirs();

const NAME = 'wheel_guard_sample-1.0.0-py3-none-any.whl';
const SIDECAR = `${NAME}.sha256`;
const DIGEST = createHash('sha256').update('wheel-guard').digest('hex');

/** Asserts that `fn` throws a SidecarFormatError about `file` whose message matches `detail`. */
function expectSidecarError(fn: () => unknown, file: string, detail: RegExp): SidecarFormatError {
  let caught: unknown;
  try {
    fn();
  } catch (error: unknown) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SidecarFormatError);
  const error = caught as SidecarFormatError;
  expect(error.file).toBe(file);
  expect(error.message.startsWith(`${file}: `)).toBe(true);
  expect(error.message).toMatch(detail);
  expect(error.exitCode).toBe(1);
  expect(error.retryable).toBe(false);
  return error;
}

describe('sidecarName', () => {
  it('appends .sha256', () => {
    expect(sidecarName(NAME)).toBe(SIDECAR);
  });
});

describe('formatSidecar', () => {
  it.skipIf(lacks('sha256sum')).each([SAMPLE_WHEEL, SAMPLE_SMALL_WHEEL, SAMPLE_SDIST])('is byte-identical to sha256sum output for %s', async (sample) => {
    const dir = await tempDir();
    const name = basename(sample);
    await copyFile(sample, join(dir, name));
    const digest = createHash('sha256').update(await readFile(sample)).digest('hex');
    // --text: the default everywhere but Windows, whose sha256sum (Git's, MSYS) reads in binary mode and writes " *NAME".
    const expected = sha256sum(['--text', name], dir);
    expect(expected.status).toBe(0);
    expect(formatSidecar(digest, name)).toBe(expected.stdout);
    // Exact shape: 64 hex, two spaces, name, one newline.
    expect(Buffer.from(formatSidecar(digest, name))).toEqual(Buffer.from(`${digest}  ${name}\n`));
  });

  it.each([
    ['uppercase hex', DIGEST.toUpperCase()],
    ['63 digits', DIGEST.slice(1)],
    ['65 digits', `${DIGEST}0`],
    ['non-hex digit', `g${DIGEST.slice(1)}`],
    ['empty', ''],
  ])('refuses a digest that is not 64 lowercase hex (%s)', (_label, digest) => {
    expect(() => formatSidecar(digest, NAME)).toThrow(/not a lowercase sha256/);
  });

  it.each([
    ['a line break (would forge a second line)', `x\n${DIGEST}  evil-1.0-py3-none-any.whl`],
    ['a path separator', 'dir/a-1.0-py3-none-any.whl'],
    ['a carriage return', 'a-1.0-py3-none-any.whl\r'],
  ])('refuses a file name with %s', (_label, name) => {
    expect(() => formatSidecar(DIGEST, name)).toThrow(/not written to a checksum file/);
  });

  it('round-trips through parseSidecar', () => {
    expect(parseSidecar(formatSidecar(DIGEST, NAME), NAME, SIDECAR)).toBe(DIGEST);
  });
});

describe('parseSidecar accepts', () => {
  it.each([
    ['the canonical line', `${DIGEST}  ${NAME}\n`],
    ['a bare digest', `${DIGEST}\n`],
    ['a bare digest without newline', DIGEST],
    ['uppercase hex', `${DIGEST.toUpperCase()}  ${NAME}\n`],
    ['the binary marker', `${DIGEST} *${NAME}\n`],
    ['CRLF', `${DIGEST}  ${NAME}\r\n`],
    ['no final newline', `${DIGEST}  ${NAME}`],
    ['a relative path before the name', `${DIGEST}  dist/${NAME}\n`],
    ['an absolute path before the name', `${DIGEST}  /home/runner/work/wheelhouse/${NAME}\n`],
    ['a Windows path before the name', `${DIGEST}  wheelhouse\\${NAME}\r\n`],
    ['binary marker and a path', `${DIGEST} *./dist/${NAME}\n`],
    ['a byte-order mark', `\uFEFF${DIGEST}  ${NAME}\n`],
    ['blank lines around the entry', `\n${DIGEST}  ${NAME}\n\n`],
  ])('%s, returning the lowercase digest', (_label, text) => {
    expect(parseSidecar(text, NAME, SIDECAR)).toBe(DIGEST);
  });

  it.skipIf(lacks('sha256sum'))('a sidecar written by sha256sum itself', async () => {
    const dir = await tempDir();
    await copyFile(SAMPLE_SMALL_WHEEL, join(dir, NAME));
    const { stdout } = sha256sum([NAME], dir);
    const digest = createHash('sha256').update(await readFile(SAMPLE_SMALL_WHEEL)).digest('hex');
    expect(parseSidecar(stdout, NAME, SIDECAR)).toBe(digest);
    // And with the binary flag, as some CI scripts write it.
    const binary = sha256sum(['-b', NAME], dir).stdout;
    expect(binary).toContain(' *');
    expect(parseSidecar(binary, NAME, SIDECAR)).toBe(digest);
  });
});

describe('parseSidecar rejects, naming the sidecar file', () => {
  it('63 hex digits', () => {
    expectSidecarError(() => parseSidecar(`${DIGEST.slice(1)}  ${NAME}\n`, NAME, SIDECAR), SIDECAR, /63 hex digits/);
  });

  it('65 hex digits', () => {
    expectSidecarError(() => parseSidecar(`${DIGEST}a  ${NAME}\n`, NAME, SIDECAR), SIDECAR, /65 hex digits/);
  });

  it('a non-hex digit', () => {
    const bad = `${DIGEST.slice(0, 10)}z${DIGEST.slice(11)}`;
    const error = expectSidecarError(() => parseSidecar(`${bad}  ${NAME}\n`, NAME, SIDECAR), SIDECAR, /does not start with a hex sha256 digest \(\d+ characters\)/);
    // A malformed line is described by its shape, never quoted.
    expect(error.message).not.toContain(bad.slice(0, 10));
  });

  it("another file's name", () => {
    const other = 'wheel-0.43.0-py3-none-any.whl';
    const error = expectSidecarError(() => parseSidecar(`${DIGEST}  ${other}\n`, NAME, SIDECAR), SIDECAR, /names "wheel-0\.43\.0-py3-none-any\.whl"/);
    expect(error.message).toContain(`not "${NAME}"`);
  });

  it("another file's name behind a path", () => {
    expectSidecarError(() => parseSidecar(`${DIGEST}  ${NAME}/other.whl\n`, NAME, SIDECAR), SIDECAR, /names "other\.whl"/);
  });

  it('two entries', () => {
    const text = `${DIGEST}  ${NAME}\n${DIGEST}  ${NAME}\n`;
    expectSidecarError(() => parseSidecar(text, NAME, SIDECAR), SIDECAR, /2 entries/);
  });

  it.each([
    ['empty', ''],
    ['only whitespace', ' \n\r\n\t\n'],
  ])('an %s file', (_label, text) => {
    expectSidecarError(() => parseSidecar(text, NAME, SIDECAR), SIDECAR, /is empty/);
  });

  it('a single-space separator', () => {
    const error = expectSidecarError(() => parseSidecar(`${DIGEST} ${NAME}\n`, NAME, SIDECAR), SIDECAR, /its line is not a sha256 line \(\d+ characters\)/);
    expect(error.message).not.toContain(DIGEST);
  });

  it('BSD-style tagged output', () => {
    expectSidecarError(() => parseSidecar(`SHA256 (${NAME}) = ${DIGEST}\n`, NAME, SIDECAR), SIDECAR, /not a sha256 line/);
  });

  it('a secret in a sidecar (a symlink to a credentials file, read by another tool) is never quoted', () => {
    const secret = 'https://user:ghp_S3cr3tT0k3nValue@github.com';
    const error = expectSidecarError(() => parseSidecar(`${secret}\n`, NAME, SIDECAR), SIDECAR, /not a sha256 line|hex sha256 digest/);
    expect(error.message).not.toMatch(/ghp_|S3cr3t|github\.com|user/);
  });

  it("a well-formed line naming a file no distribution can have: described, not quoted", () => {
    const error = expectSidecarError(
      () => parseSidecar(`${DIGEST}  x\u001b]0;pwned\u0007-1.0-py3-none-any.whl\n`, NAME, SIDECAR),
      SIDECAR,
      /names a file no distribution can be named \(\d+ characters\)/,
    );
    expect(error.message).not.toContain('pwned');
    expect(error.message).not.toContain('\u001b');
  });

  it('the path given for the sidecar, whatever it is', () => {
    const path = '/tmp/somewhere/x.whl.sha256';
    expectSidecarError(() => parseSidecar('', NAME, path), path, /is empty/);
  });
});

describe('parseSha256Sums', () => {
  const A = createHash('sha256').update('a').digest('hex');
  const B = createHash('sha256').update('b').digest('hex');

  it('maps every named file to its lowercase digest', () => {
    const text = `${A}  a-1.0-py3-none-any.whl\r\n\n${B.toUpperCase()} *dist/b-2.0-py3-none-any.whl`;
    const sums = parseSha256Sums(text, 'SHA256SUMS');
    expect([...sums.entries()]).toEqual([
      ['a-1.0-py3-none-any.whl', A],
      ['b-2.0-py3-none-any.whl', B],
    ]);
  });

  it('returns an empty map for an empty file', () => {
    expect(parseSha256Sums('', 'SHA256SUMS').size).toBe(0);
  });

  it('rejects a file listed twice, naming it and the sums file', () => {
    const text = `${'a'.repeat(64)}  x/a.whl\n${'b'.repeat(64)}  y/a.whl\n`;
    expect(() => parseSha256Sums(text, 'SHA256SUMS')).toThrow(/SHA256SUMS: lists a\.whl twice/);
  });

  it('rejects a line that names no file, naming the sums file', () => {
    expectSidecarError(() => parseSha256Sums(`${A}  a.whl\n${B}\n`, 'out/SHA256SUMS'), 'out/SHA256SUMS', /names no file/);
  });

  it.each([
    ['a control character', 'a\u001b[2J-1.0-py3-none-any.whl'],
    ['a leading dot', '.hidden-1.0-py3-none-any.whl'],
    ['a space', 'a b-1.0-py3-none-any.whl'],
  ])('rejects a name with %s, through the same door as listings, escaped', (_label, name) => {
    const error = expectSidecarError(() => parseSha256Sums(`${A}  a-1.0-py3-none-any.whl\n${B}  ${name}\n`, 'SUMS'), 'SUMS', /entry 2 names .+, which/);
    expect(error.message).not.toContain('\u001b');
  });

  it('rejects a bad digest, naming the sums file', () => {
    expectSidecarError(() => parseSha256Sums(`${A.slice(2)}  a.whl\n`, 'SUMS'), 'SUMS', /62 hex digits/);
  });

  it.skipIf(lacks('sha256sum'))('reads what sha256sum writes for several files', async () => {
    const dir = await tempDir();
    for (const sample of [SAMPLE_WHEEL, SAMPLE_SMALL_WHEEL, SAMPLE_SDIST]) await copyFile(sample, join(dir, basename(sample)));
    const names = [SAMPLE_WHEEL, SAMPLE_SMALL_WHEEL, SAMPLE_SDIST].map((s) => basename(s));
    const sums = parseSha256Sums(sha256sum(names, dir).stdout, 'SHA256SUMS');
    expect(sums.size).toBe(3);
    for (const sample of [SAMPLE_WHEEL, SAMPLE_SMALL_WHEEL, SAMPLE_SDIST]) {
      expect(sums.get(basename(sample))).toBe(createHash('sha256').update(await readFile(sample)).digest('hex'));
    }
  });
});

describe('writeSha256Sums', () => {
  it.skipIf(lacks('sha256sum'))('writes a sorted file that sha256sum -c accepts, creating the folder', async () => {
    const dir = await tempDir();
    // Given out of order: wheel_… must come after wheel-… (code-unit order, as `sort` in the C locale).
    const samples = [SAMPLE_SMALL_WHEEL, SAMPLE_SDIST, SAMPLE_WHEEL];
    const entries = [];
    for (const sample of samples) {
      await copyFile(sample, join(dir, basename(sample)));
      entries.push({ name: basename(sample), sha256: createHash('sha256').update(await readFile(sample)).digest('hex') });
    }
    const file = join(dir, 'nested', 'deeper', 'SHA256SUMS');
    expect(await writeSha256Sums(file, entries)).toBe(file);
    const text = await readFile(file, 'utf8');
    const names = text.trimEnd().split('\n').map((line) => line.slice(66));
    expect(names).toEqual(['wheel-0.43.0-py3-none-any.whl', 'wheel-guard-sample-1.0.0.tar.gz', 'wheel_guard_sample-1.0.0-py3-none-any.whl']);
    // Identical to sha256sum's own output (text mode, see above) over the sorted names.
    expect(text).toBe(sha256sum(['--text', ...names], dir).stdout);
    const check = sha256sum(['-c', '--strict', file], dir);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout.trim().split('\n').sort()).toEqual(names.map((name) => `${name}: OK`).sort());
    expect(parseSha256Sums(text, file)).toEqual(new Map(entries.map((e) => [e.name, e.sha256])));
  });

  it.skipIf(lacks('sha256sum'))('produces a file sha256sum -c rejects once a listed file changes', async () => {
    const dir = await tempDir();
    const name = basename(SAMPLE_SMALL_WHEEL);
    await copyFile(SAMPLE_SMALL_WHEEL, join(dir, name));
    const sha256 = createHash('sha256').update(await readFile(SAMPLE_SMALL_WHEEL)).digest('hex');
    const file = join(dir, 'SHA256SUMS');
    await writeSha256Sums(file, [{ name, sha256 }]);
    expect(sha256sum(['-c', file], dir).status).toBe(0);
    const bytes = await readFile(join(dir, name));
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(join(dir, name), bytes);
    const check = sha256sum(['-c', file], dir);
    expect(check.status).not.toBe(0);
    expect(check.stdout).toContain(`${name}: FAILED`);
  });

  it('writes an empty file for no entries', async () => {
    const dir = await tempDir();
    const file = join(dir, 'SHA256SUMS');
    await writeSha256Sums(file, []);
    expect(await readFile(file, 'utf8')).toBe('');
  });

  it('refuses an entry whose digest is not lowercase hex', async () => {
    const dir = await tempDir();
    await expect(writeSha256Sums(join(dir, 'SHA256SUMS'), [{ name: 'a.whl', sha256: 'xyz' }])).rejects.toThrow(/not a lowercase sha256/);
  });
});
