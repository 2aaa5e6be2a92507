import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkDistribution, expandTags, hashAndCheck, normalizeName, parseCsv } from '../../src/core/contents.js';
import { ContentError } from '../../src/core/errors.js';
import { hashFile } from '../../src/core/hash.js';
import { SAMPLE_EXAMPLE_WHEEL, SAMPLE_SDIST, SAMPLE_SMALL_WHEEL, SAMPLE_WHEEL, SAMPLES, useTempDirs } from '../helpers/tmp.js';
import { lacks, PYTHON } from '../helpers/tools.js';

const tempDir = useTempDirs();
const HELPERS = resolve(import.meta.dirname, '../helpers');
const WHEEL = 'wheel-0.43.0-py3-none-any.whl';
const INFO = 'wheel-0.43.0.dist-info';

/** Writes a copy of `src` named `name` in a fresh directory, changed as `spec` says (rewrite-wheel.py). */
async function rewrite(spec: object, name = WHEEL, src = SAMPLE_WHEEL): Promise<string> {
  const out = join(await tempDir('wg-contents'), name);
  execFileSync(PYTHON, [join(HELPERS, 'rewrite-wheel.py'), src, out, JSON.stringify(spec)]);
  return out;
}

/** A copy of `src` under another file name. */
async function renamed(name: string, src = SAMPLE_WHEEL): Promise<string> {
  const out = join(await tempDir('wg-contents'), name);
  await copyFile(src, out);
  return out;
}

/** The ContentError a check throws (fails the test if it passes). */
async function contentError(path: string, fileName?: string): Promise<ContentError> {
  const error = await checkDistribution(path, fileName).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContentError);
  if (process.env.WG_SHOW) console.log((error as Error).message);
  return error as ContentError;
}

describe('checkDistribution: real distributions pass', () => {
  it.each([SAMPLE_WHEEL, SAMPLE_SMALL_WHEEL, SAMPLE_EXAMPLE_WHEEL, SAMPLE_SDIST])('%s', async (path) => {
    await expect(checkDistribution(path)).resolves.toEqual([]);
  });

  it.skipIf(lacks('python'))('a wheel rewritten by Python with a fresh RECORD, stored rather than deflated', async () => {
    await expect(checkDistribution(await rewrite({ rehash: true, stored: true }))).resolves.toEqual([]);
  });

  it.skipIf(lacks('python'))('a generated wheel (make-wheel.py)', async () => {
    const dir = await tempDir('wg-contents');
    const wheel = execFileSync(PYTHON, [join(HELPERS, 'make-wheel.py'), dir, 'made-here', '2.0', '100000'], { encoding: 'utf8' }).trim();
    await expect(checkDistribution(wheel)).resolves.toEqual([]);
  });
});

describe.skipIf(lacks('python'))('checkDistribution: unusual but legal wheels pass', () => {
  it('a .data directory, RECORD.jws listed without hash, RECORD.p7s unlisted, directory entries, a quoted comma, non-ASCII, compressed tags, a build tag, name normalisation', async () => {
    const info = 'Odd.Pkg-1.0.post1.dist-info';
    const wheel = await rewrite(
      {
        rename: [
          [`${INFO}/`, `${info}/`],
          ['wheel/', 'odd_pkg/'],
        ],
        set: {
          [`${info}/WHEEL`]: 'Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: false\nTag: py2-none-any\nTag: py3-none-any\nBuild: 7\n',
          [`${info}/METADATA`]: 'Metadata-Version: 2.1\nName: Odd.Pkg\nVersion: 1.0.post1\n\nA project whose METADATA names it as the file name does.\n',
          'Odd.Pkg-1.0.post1.data/scripts/odd-tool': '#!python\nprint("odd")\n',
          'Odd.Pkg-1.0.post1.data/headers/odd.h': '#define ODD 1\n',
          'odd_pkg/with,comma "and quotes".txt': 'commas are quoted in RECORD\n',
          'odd_pkg/données/é.txt': 'non-ASCII names are UTF-8 in the zip\n',
          'odd_pkg/empty.txt': '',
          [`${info}/RECORD.jws`]: '{"signatures": []}\n',
          [`${info}/RECORD.p7s`]: 'not really a signature\n',
        },
        dirs: ['odd_pkg/', `${info}/`],
        rehash: true,
        unlisted: [`${info}/RECORD.jws`, `${info}/RECORD.p7s`],
        rows: [[`${info}/RECORD.jws`, '', '']],
      },
      'odd_pkg-1.0.post1-7-py2.py3-none-any.whl',
    );
    // RECORD.jws listed in RECORD: pip installs it, installer's RECORD validation refuses it: a warning.
    expect((await checkDistribution(wheel)).map((w) => w.message)).toEqual([
      "odd_pkg-1.0.post1-7-py2.py3-none-any.whl: odd at Odd.Pkg-1.0.post1.dist-info/RECORD.jws: a signature file listed in RECORD (installer's RECORD validation refuses that; PEP 427 leaves it out)",
    ]);
  });

  it('RECORD rows with sha512 and padded base64, and CRLF lines', async () => {
    const wheel = await rewrite({ rehash: true });
    const { createHash } = await import('node:crypto');
    const init = `${INFO}/METADATA`;
    const dir = await tempDir('wg-contents');
    // Rewrite RECORD by hand: one sha512 row, one padded row, CRLF endings.
    const listing = execFileSync(PYTHON, ['-c', `import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); sys.stdout.buffer.write(z.read(sys.argv[2]))`, wheel, `${INFO}/RECORD`]).toString();
    const metadata = execFileSync(PYTHON, ['-c', `import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); sys.stdout.buffer.write(z.read(sys.argv[2]))`, wheel, init]);
    const sha512 = createHash('sha512').update(metadata).digest('base64url');
    const record = listing
      .split('\n')
      .map((line) => (line.startsWith(`${init},`) ? `${init},sha512=${sha512},${metadata.length}` : line.startsWith('wheel/util.py,') ? line.replace(/,(\d+)$/, '=,$1') : line))
      .join('\r\n');
    const out = join(dir, WHEEL);
    execFileSync(PYTHON, [join(HELPERS, 'rewrite-wheel.py'), wheel, out, JSON.stringify({ set: { [`${INFO}/RECORD`]: record } })]);
    await expect(checkDistribution(out)).resolves.toEqual([]);
  });
});

describe('checkDistribution: broken wheels are refused, naming the file and the first broken member', () => {
  it.skipIf(lacks('python'))('a member changed after RECORD was written', async () => {
    const error = await contentError(await rewrite({ set: { 'wheel/util.py': 'print("changed")\n' } }));
    expect(error.file).toBe(WHEEL);
    expect(error.member).toBe('wheel/util.py');
    expect(error.message).toMatch(/^wheel-0\.43\.0-py3-none-any\.whl: content check failed at wheel\/util\.py: is 17 bytes, RECORD says 621/);
  });

  it.skipIf(lacks('python'))('a member changed in place, same size, different bytes', async () => {
    // The bytes, decoded here: Python's text stdout would turn each \n into \r\n on Windows.
    const original = execFileSync(PYTHON, ['-c', 'import zipfile,sys; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("wheel/util.py"))', SAMPLE_WHEEL], { encoding: 'utf8' });
    const error = await contentError(await rewrite({ set: { 'wheel/util.py': original.replace('import', 'IMPORT') } }));
    expect(error.member).toBe('wheel/util.py');
    expect(error.message).toContain('sha256 does not match RECORD (RECORD: sha256=e0jpnsbbM9QhaaMSyap-_ZgUxcxwpyLDk6RHcrduPLg');
  });

  it.skipIf(lacks('python'))('RECORD missing', async () => {
    const error = await contentError(await rewrite({ drop: [`${INFO}/RECORD`] }));
    expect(error.member).toBe(`${INFO}/RECORD`);
    expect(error.message).toContain('missing');
  });

  it.skipIf(lacks('python'))('WHEEL or METADATA missing', async () => {
    expect((await contentError(await rewrite({ drop: [`${INFO}/WHEEL`], rehash: true }))).member).toBe(`${INFO}/WHEEL`);
    expect((await contentError(await rewrite({ drop: [`${INFO}/METADATA`], rehash: true }))).member).toBe(`${INFO}/METADATA`);
  });

  it.skipIf(lacks('python'))('a member missing from RECORD', async () => {
    const error = await contentError(await rewrite({ set: { 'wheel/sneaked_in.py': 'x = 1\n' } }));
    expect(error.member).toBe('wheel/sneaked_in.py');
    expect(error.message).toContain('is in the archive but not in RECORD');
  });

  it.skipIf(lacks('python'))('a RECORD entry whose member is gone', async () => {
    const error = await contentError(await rewrite({ drop: ['wheel/cli/pack.py'] }));
    expect(error.member).toBe('wheel/cli/pack.py');
    expect(error.message).toContain('listed in RECORD but not in the archive');
  });

  it('a truncated central directory (the file cut short)', async () => {
    const bytes = await readFile(SAMPLE_WHEEL);
    const cut = await renamed(WHEEL);
    await writeFile(cut, bytes.subarray(0, bytes.length - 300));
    const error = await contentError(cut);
    expect(error.member).toBeUndefined();
    expect(error.message).toMatch(/^wheel-0\.43\.0-py3-none-any\.whl: content check failed: not a readable zip archive: .*central directory/);
  });

  it('a damaged central directory record (end record intact)', async () => {
    const bytes = Buffer.from(await readFile(SAMPLE_WHEEL));
    const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const cdOffset = bytes.readUInt32LE(eocd + 16);
    bytes.fill(0, cdOffset + 500, cdOffset + 560);
    const damaged = await renamed(WHEEL);
    await writeFile(damaged, bytes);
    const error = await contentError(damaged);
    expect(error.message).toContain('central directory');
  });

  it('a flipped byte in a deflated member', async () => {
    const bytes = Buffer.from(await readFile(SAMPLE_WHEEL));
    const at = bytes.indexOf(Buffer.from('wheel/bdist_wheel.py')) + 200;
    bytes[at] = bytes[at]! ^ 0xff;
    const damaged = await renamed(WHEEL);
    await writeFile(damaged, bytes);
    expect((await contentError(damaged)).member).toBe('wheel/bdist_wheel.py');
  });

  it('a file name whose project is not the .dist-info\'s, or not METADATA\'s version: pip refuses both', async () => {
    let error = await contentError(await renamed('wheels-0.43.0-py3-none-any.whl'));
    expect(error.member).toBe(`${INFO}/`);
    expect(error.message).toContain('names wheel, but the file name says wheels (pip and installer refuse it)');
    error = await contentError(await renamed('wheel-0.44.0-py3-none-any.whl'));
    expect(error.member).toBe(`${INFO}/METADATA`);
    expect(error.message).toContain('says Version: 0.43.0, but the file name says 0.44.0 (pip refuses it: inconsistent version)');
  });

  it.skipIf(lacks('python'))("METADATA's Name other than the file name's: pip refuses it", async () => {
    const metadata = execFileSync(PYTHON, ['-c', `import zipfile,sys; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))`, SAMPLE_WHEEL, `${INFO}/METADATA`]).toString();
    const error = await contentError(await rewrite({ set: { [`${INFO}/METADATA`]: metadata.replace(/^Name: wheel$/m, 'Name: wheel2') }, rehash: true }));
    expect(error.member).toBe(`${INFO}/METADATA`);
    expect(error.message).toContain('says Name: wheel2, but the file name says wheel (pip refuses it: inconsistent name)');
  });

  it.skipIf(lacks('python'))("METADATA's version in another form pip takes for equal: accepted", async () => {
    const metadata = execFileSync(PYTHON, ['-c', `import zipfile,sys; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))`, SAMPLE_WHEEL, `${INFO}/METADATA`]).toString();
    const wheel = await rewrite({ set: { [`${INFO}/METADATA`]: metadata.replace(/^Version: 0\.43\.0$/m, 'Version: 0.43.0.0') }, rehash: true });
    await expect(checkDistribution(wheel)).resolves.toEqual([]);
  });

  it.skipIf(lacks('python'))('a .dist-info whose version is not the file name\'s: neither pip nor installer reads it, so a warning', async () => {
    const wheel = await rewrite({ rename: [[`${INFO}/`, 'wheel-0.43.1.dist-info/']], rehash: true });
    const warnings = await checkDistribution(wheel);
    expect(warnings.map((w) => w.message)).toEqual([`${WHEEL}: odd at wheel-0.43.1.dist-info/: names version 0.43.1, but the file name says 0.43.0 (pip and installer do not read it)`]);
    await expect(checkDistribution(wheel, WHEEL, { strict: true })).rejects.toThrow('names version 0.43.1, but the file name says 0.43.0 (pip and installer do not read it); refused because strict is on');
  });

  it.skipIf(lacks('python'))('a .dist-info renamed inside a consistent RECORD', async () => {
    const error = await contentError(await rewrite({ rename: [[`${INFO}/`, 'other-0.43.0.dist-info/']], rehash: true }));
    expect(error.member).toBe('other-0.43.0.dist-info/');
  });

  it.skipIf(lacks('python'))('WHEEL tags other than the file name\'s (a wheel renamed after it was built): pip reads the file name, so a warning; strict refuses it', async () => {
    const renamedWheel = await renamed('wheel-0.43.0-py2.py3-none-any.whl');
    const warnings = await checkDistribution(renamedWheel);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.member).toBe(`${INFO}/WHEEL`);
    expect(warnings[0]!.message).toBe(
      "wheel-0.43.0-py2.py3-none-any.whl: odd at wheel-0.43.0.dist-info/WHEEL: its tags (py3-none-any) are not the file name's (py2-none-any, py3-none-any); pip reads the file name",
    );
    const error = await checkDistribution(renamedWheel, undefined, { strict: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentError);
    expect((error as ContentError).message).toContain('refused because strict is on');
    const other = await checkDistribution(await rewrite({ set: { [`${INFO}/WHEEL`]: 'Wheel-Version: 1.0\nTag: cp312-cp312-manylinux_2_17_x86_64\n' }, rehash: true }));
    expect(other.map((w) => w.message).join()).toContain('cp312-cp312-manylinux_2_17_x86_64');
  });

  it.skipIf(lacks('python'))('RECORD rows installer validation refuses but pip installs: a warning each kind, once per wheel', async () => {
    const wheel = await rewrite({ rehash: true, unlisted: ['wheel/util.py', 'wheel/cli/pack.py'], rows: [['wheel/util.py', 'sha256=e0jpnsbbM9QhaaMSyap-_ZgUxcxwpyLDk6RHcrduPLg', ''], ['wheel/cli/pack.py', 'sha256=' + createHash('sha256').update(execFileSync(PYTHON, ['-c', `import zipfile,sys; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read('wheel/cli/pack.py'))`, SAMPLE_WHEEL])).digest('base64url'), '']] });
    const warnings = await checkDistribution(wheel);
    expect(warnings.map((w) => w.detail)).toEqual(["RECORD gives 2 members (this one first) a hash but no size (installer's RECORD validation refuses that; the hashes are checked)"]);
  });

  it.skipIf(lacks('python'))('a Wheel-Version of 1.x past 1.0: pip warns, so do we; 2.0: refused', async () => {
    const newer = await checkDistribution(await rewrite({ set: { [`${INFO}/WHEEL`]: 'Wheel-Version: 1.9\nTag: py3-none-any\n' }, rehash: true }));
    expect(newer.map((w) => w.detail)).toEqual(['Wheel-Version 1.9 is newer than 1.0 (pip warns about it)']);
    const error = await contentError(await rewrite({ set: { [`${INFO}/WHEEL`]: 'Wheel-Version: 2.0\nTag: py3-none-any\n' }, rehash: true }));
    expect(error.message).toContain('Wheel-Version 2.0 is not 1.x; installers refuse it');
  });

  it("a file name's tags that do not parse", async () => {
    const error = await contentError(await renamed('wheel-0.43.0-py3-none-any+x.whl'));
    expect(error.message).toContain('tag "any+x" does not parse');
  });

  it.skipIf(lacks('python'))('md5 and sha1 in RECORD: installer checks them and installs, so they are checked and odd; a wrong one is refused', async () => {
    const md5 = await checkDistribution(await rewrite({ rehash: true, unlisted: ['wheel/extra.py'], rows: [['wheel/extra.py', 'md5=1B2M2Y8AsgTpgAmY7PhCfg', '0']], set: { 'wheel/extra.py': '' } }));
    expect(md5.map((w) => `${w.member}: ${w.detail}`)).toEqual(['wheel/extra.py: RECORD hashes this member with md5, which the wheel spec forbids and `wheel` refuses (pip and installer install it; the hashes are checked)']);
    const sha1 = await checkDistribution(await rewrite({ rehash: true, unlisted: ['wheel/extra.py'], rows: [['wheel/extra.py', 'sha1=2jmj7l5rSw0yVb_vlWAYkK_YBwk', '0']], set: { 'wheel/extra.py': '' } }));
    expect(sha1.map((w) => w.detail)).toEqual([expect.stringContaining('with sha1, which the wheel spec forbids')]);
    const wrong = await contentError(await rewrite({ rehash: true, unlisted: ['wheel/extra.py'], rows: [['wheel/extra.py', 'md5=AAAAAAAAAAAAAAAAAAAAAA', '1']], set: { 'wheel/extra.py': 'x' } }));
    expect(wrong.member).toBe('wheel/extra.py');
    expect(wrong.message).toContain('md5 does not match RECORD');
    const blake = await checkDistribution(await rewrite({ rehash: true, unlisted: ['wheel/extra.py'], rows: [['wheel/extra.py', 'blake2s=' + createHash('blake2s256').update('').digest('base64url'), '0']], set: { 'wheel/extra.py': '' } }));
    expect(blake).toEqual([]);
  });

  it.skipIf(lacks('python'))('RECORD rows installers refuse: a hash installer does not know, a missing hash, a bad size', async () => {
    const unknown = await contentError(await rewrite({ rehash: true, unlisted: ['wheel/extra.py'], rows: [['wheel/extra.py', 'crc32=AAAAAA', '0']], set: { 'wheel/extra.py': '' } }));
    expect(unknown.member).toBe(`${INFO}/RECORD`);
    expect(unknown.message).toContain('hash "crc32=AAAAAA" for wheel/extra.py is not algorithm=digest with a hash installer knows');
    const size = await contentError(await rewrite({ rehash: true, unlisted: ['wheel/util.py'], rows: [['wheel/util.py', 'sha256=e0jpnsbbM9QhaaMSyap-_ZgUxcxwpyLDk6RHcrduPLg', '621 bytes']] }));
    expect(size.message).toContain('size "621 bytes" for wheel/util.py is not a byte count');
    const twice = await contentError(await rewrite({ rehash: true, rows: [['wheel/util.py', 'sha256=e0jpnsbbM9QhaaMSyap-_ZgUxcxwpyLDk6RHcrduPLg', '621']] }));
    expect(twice.message).toContain('wheel/util.py is listed twice');
    const none = await contentError(await rewrite({ rehash: true, unlisted: ['wheel/util.py'], rows: [['wheel/util.py', '', '']] }));
    expect(none.member).toBe('wheel/util.py');
    expect(none.message).toContain('RECORD gives it no hash');
  });

  it('not a zip at all', async () => {
    const path = await renamed(WHEEL);
    await writeFile(path, 'not a zip\n');
    expect((await contentError(path)).message).toContain('not a readable zip archive');
  });
});

describe('checkDistribution: sdists', () => {
  it('a truncated sdist fails in its gzip stream', async () => {
    const bytes = await readFile(SAMPLE_SDIST);
    const path = await renamed('wheel-guard-sample-1.0.0.tar.gz', SAMPLE_SDIST);
    await writeFile(path, bytes.subarray(0, bytes.length - 40));
    expect((await contentError(path)).message).toMatch(/gzip or tar stream breaks .*cut short/);
  });

  it('a flipped byte fails the gzip CRC or the tar headers', async () => {
    const bytes = Buffer.from(await readFile(SAMPLE_SDIST));
    bytes[bytes.length - 6] = bytes[bytes.length - 6]! ^ 0xff;
    const path = await renamed('wheel-guard-sample-1.0.0.tar.gz', SAMPLE_SDIST);
    await writeFile(path, bytes);
    await contentError(path);
  });

  it('an sdist without PKG-INFO, and one named for another version', async () => {
    const dir = await tempDir('wg-contents');
    const tarball = join(dir, 'x.tar');
    // The archive named relative to cwd: GNU tar (Git for Windows') reads a "C:" in -f's value as a remote host.
    execFileSync('tar', ['-cf', 'x.tar', '-C', join(SAMPLES, 'src'), 'wheel-guard-sample'], { cwd: dir });
    const path = join(dir, 'wheel-guard-sample-1.0.0.tar.gz');
    await writeFile(path, gzipSync(await readFile(tarball)));
    expect((await contentError(path)).message).toContain('no wheel-guard-sample-1.0.0/PKG-INFO');
    expect((await contentError(await renamed('wheel-guard-sample-1.0.1.tar.gz', SAMPLE_SDIST))).message).toContain('PKG-INFO');
  });

  it('accepts the top directory in normalised form (wheel_guard_sample-1.0.0/)', async () => {
    await expect(checkDistribution(await renamed('wheel_guard_sample-1.0.0.tar.gz', SAMPLE_SDIST))).resolves.toEqual([]);
  });
});

describe.skipIf(lacks('python'))('hashAndCheck', () => {
  it('a large wheel: the digest hashFile gives (hashed in a worker beside the check), and the check\'s finding', async () => {
    const dir = await tempDir('wg-contents');
    const wheel = execFileSync(PYTHON, [join(HELPERS, 'make-wheel.py'), dir, 'big', '1.0', String(9 * 1024 * 1024)], { encoding: 'utf8' }).trim();
    const digest = await hashFile(wheel);
    expect(await hashAndCheck(wheel, 'big-1.0-py3-none-any.whl', true)).toEqual(digest);
    const moved = join(dir, 'bigger-1.0-py3-none-any.whl');
    await copyFile(wheel, moved);
    const found = await hashAndCheck(moved, 'bigger-1.0-py3-none-any.whl', true);
    expect(found).toMatchObject(digest);
    expect(found.contentError).toBeInstanceOf(ContentError);
    expect(found.contentError!.member).toBe('big-1.0.dist-info/');
    expect(await hashAndCheck(moved, 'bigger-1.0-py3-none-any.whl', false)).toEqual(digest);
  });

  it('a small wheel; a missing file is an I/O error, not a content finding', async () => {
    expect(await hashAndCheck(SAMPLE_WHEEL, WHEEL, true)).toEqual(await hashFile(SAMPLE_WHEEL));
    const broken = await rewrite({ set: { 'wheel/util.py': '' } });
    expect((await hashAndCheck(broken, WHEEL, true)).contentError?.member).toBe('wheel/util.py');
    await expect(hashAndCheck(join(SAMPLES, 'absent-1.0-py3-none-any.whl'), 'absent-1.0-py3-none-any.whl', true)).rejects.toThrow(/ENOENT/);
    await expect(checkDistribution(join(SAMPLES, 'absent-1.0-py3-none-any.whl'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(checkDistribution(join(SAMPLES, 'absent-1.0.tar.gz'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('helpers', () => {
  it('normalizeName (PEP 503)', () => {
    expect(normalizeName('Foo.Bar__baz-Qux')).toBe('foo-bar-baz-qux');
  });

  it('expandTags', () => {
    expect(expandTags('py2.py3', 'none', 'any')).toEqual(['py2-none-any', 'py3-none-any']);
    expect(expandTags('cp312', 'cp312', 'manylinux_2_17_x86_64.manylinux2014_x86_64')).toHaveLength(2);
  });

  it('parseCsv: quotes, doubled quotes, CRLF, blank lines', () => {
    expect(parseCsv('a,"b,c","say ""hi""",\r\n\nx,y,z')).toEqual([
      ['a', 'b,c', 'say "hi"', ''],
      ['x', 'y', 'z'],
    ]);
    expect(() => parseCsv('"open')).toThrow(/never closed/);
  });
});
