import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { FileStatus, type Reporter, type RunResult } from '../../src/core/report.js';
import { finishRequirements, getRequirementsTarget } from '../../src/core/requirements-file.js';
import { requirementsText } from '../../src/core/requirements.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

/** A digest made of one hex digit. */
const h = (digit: string): string => digit.repeat(64);
const context = { command: 'collect', file: 'reqs.txt', findLinks: 'dist' };
/** The requirement lines of a text, without its header comments. */
const body = (text: string | undefined): string[] => (text ?? '').split('\n').filter((line) => line !== '' && !line.startsWith('#'));

describe('requirementsText', () => {
  it('says what wrote it and how to install with it, then one line per project', () => {
    const { text, problems, lines } = requirementsText([{ name: 'wheel-0.43.0-py3-none-any.whl', sha256: h('a') }], context);
    expect(problems).toEqual([]);
    expect(lines).toBe(1);
    expect(text).toBe(
      '# Written by wheel-guard collect: the 1 verified file(s), one line per project and version, each file pinned by its sha256.\n' +
        '# Install them offline; pip refuses any file whose bytes differ:\n' +
        '#   pip install --no-index --find-links dist --require-hashes -r reqs.txt\n' +
        `wheel==0.43.0 --hash=sha256:${h('a')}\n`,
    );
  });

  it('normalises names as PEP 503 does: Foo_Bar and foo.bar are foo-bar', () => {
    expect(body(requirementsText([{ name: 'Foo_Bar-1.0-py3-none-any.whl', sha256: h('1') }], context).text)).toEqual([`foo-bar==1.0 --hash=sha256:${h('1')}`]);
    expect(body(requirementsText([{ name: 'Foo.Bar__baz-2.0.tar.gz', sha256: h('2') }], context).text)).toEqual([`foo-bar-baz==2.0 --hash=sha256:${h('2')}`]);
  });

  it('a wheel and the sdist of one version are one line, hashes sorted', () => {
    const { text } = requirementsText(
      [
        { name: 'wheel_guard_sample-1.0.0-py3-none-any.whl', sha256: h('f') },
        { name: 'wheel-guard-sample-1.0.0.tar.gz', sha256: h('0') },
      ],
      context,
    );
    expect(body(text)).toEqual([`wheel-guard-sample==1.0.0 --hash=sha256:${h('0')} --hash=sha256:${h('f')}`]);
  });

  it('several wheels of one version (platforms, build tags) are one line with every hash', () => {
    const files = [
      { name: 'numpy-2.1.0-cp312-cp312-win_amd64.whl', sha256: h('c') },
      { name: 'numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', sha256: h('a') },
      { name: 'numpy-2.1.0-1-cp312-cp312-macosx_14_0_arm64.whl', sha256: h('b') },
      { name: 'numpy-2.1.0.tar.gz', sha256: h('d') },
    ];
    const { text, lines } = requirementsText(files, context);
    expect(lines).toBe(1);
    expect(body(text)).toEqual([`numpy==2.1.0 ${['a', 'b', 'c', 'd'].map((d) => `--hash=sha256:${h(d)}`).join(' ')}`]);
  });

  it('versions pip takes for equal (wheel 1.0, sdist 1.0.0) are one line, spelled as the first file by name', () => {
    const { text, problems } = requirementsText(
      [
        { name: 'pkg-1.0.0.tar.gz', sha256: h('2') },
        { name: 'pkg-1.0-py3-none-any.whl', sha256: h('1') },
      ],
      context,
    );
    expect(problems).toEqual([]);
    expect(body(text)).toEqual([`pkg==1.0 --hash=sha256:${h('1')} --hash=sha256:${h('2')}`]);
  });

  it("a wheel file name's version is written as pip reads it: _ as - (1.0_1 is the post-release 1.0-1)", () => {
    expect(body(requirementsText([{ name: 'pkg-1.0_1-py3-none-any.whl', sha256: h('1') }], context).text)).toEqual([`pkg==1.0-1 --hash=sha256:${h('1')}`]);
  });

  it('lines are sorted by normalised name, whatever the order and case of the files', () => {
    const { text } = requirementsText(
      [
        { name: 'zeta-1.0-py3-none-any.whl', sha256: h('1') },
        { name: 'Alpha-2.0-py3-none-any.whl', sha256: h('2') },
        { name: 'mid_dle-3.0.tar.gz', sha256: h('3') },
        { name: 'beta-0.1-py3-none-any.whl', sha256: h('4') },
      ],
      context,
    );
    expect(body(text).map((line) => line.split(' ')[0])).toEqual(['alpha==2.0', 'beta==0.1', 'mid-dle==3.0', 'zeta==1.0']);
  });

  it('the same bytes under two names are one hash', () => {
    const { text } = requirementsText(
      [
        { name: 'pkg-1.0-py3-none-any.whl', sha256: h('1') },
        { name: 'pkg-1.0-py2.py3-none-any.whl', sha256: h('1') },
      ],
      context,
    );
    expect(body(text)).toEqual([`pkg==1.0 --hash=sha256:${h('1')}`]);
  });

  it('two versions of one project: a problem naming both files, and no text', () => {
    const { text, problems } = requirementsText(
      [
        { name: 'Pkg-1.0-py3-none-any.whl', sha256: h('1') },
        { name: 'pkg-2.0.tar.gz', sha256: h('2') },
        { name: 'other-1.0-py3-none-any.whl', sha256: h('3') },
      ],
      context,
    );
    expect(text).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(
      'pkg: 2 versions, 1.0 (Pkg-1.0-py3-none-any.whl) and 2.0 (pkg-2.0.tar.gz); pip installs one version of a project and refuses a requirements file pinning two, ' +
        'so reqs.txt was not written: collect one version (pattern, expected) or leave requirements empty',
    );
  });

  it('a local version is another version: 1.0 and 1.0+cpu are a problem', () => {
    const { problems } = requirementsText(
      [
        { name: 'pkg-1.0-py3-none-any.whl', sha256: h('1') },
        { name: 'pkg-1.0+cpu-py3-none-any.whl', sha256: h('2') },
      ],
      context,
    );
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^pkg: 2 versions, 1\.0\+cpu \(pkg-1\.0\+cpu-py3-none-any\.whl\) and 1\.0 \(pkg-1\.0-py3-none-any\.whl\)/)]);
  });

  it.each([
    ['a name that is not a requirement name (PEP 508)', 'foo+bar-1.0-py3-none-any.whl', /names project foo\+bar, which is not a valid requirement name/],
    ['a name that normalises to a leading -', '_foo-1.0-py3-none-any.whl', /names project -foo, which is not a valid requirement name/],
    ['a name with ! in it', 'a!b-1.0-py3-none-any.whl', /names project a!b/],
    ['not a wheel or sdist name', 'pkg-1.0.zip', /is not a wheel \(PEP 427\) or sdist/],
    ['a line break in the name', 'pkg-1.0\n--index-url=x-py3-none-any.whl', /is not a wheel/],
  ])('refuses %s rather than writing it', (_what, name, message) => {
    const { text, problems } = requirementsText([{ name, sha256: h('1') }, { name: 'good-1.0-py3-none-any.whl', sha256: h('2') }], context);
    expect(text).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!.message).toMatch(/reqs\.txt was not written: leave the file out with pattern, or leave requirements empty$/);
    expect(problems[0]!.message).not.toContain('\n');
  });

  it('refuses a digest that is not 64 lowercase hex digits', () => {
    const { problems } = requirementsText([{ name: 'pkg-1.0-py3-none-any.whl', sha256: `${'A'.repeat(64)} --hash=x` }], context);
    expect(problems[0]!.message).toMatch(/^pkg-1\.0-py3-none-any\.whl has sha256 ".*", which is not 64 lowercase hex digits/);
  });

  it('a find-links directory or file with a line break stays in one comment line', () => {
    const { text } = requirementsText([{ name: 'pkg-1.0-py3-none-any.whl', sha256: h('1') }], { command: 'verify', file: 'r\nx==1', findLinks: 'a\nb' });
    expect(text!.split('\n').filter((line) => line !== '' && !line.startsWith('#'))).toEqual([`pkg==1.0 --hash=sha256:${h('1')}`]);
    expect(requirementsText([{ name: 'pkg-1.0-py3-none-any.whl', sha256: h('1') }], { command: 'verify', file: 'r.txt' }).text).toContain('--find-links DIR ');
  });
});

describe('the requirements input', () => {
  const getter = (values: Record<string, string>) => (name: string) => values[name] ?? '';
  /** /w, as the platform resolves it (D:\w on Windows). */
  const W = resolve('/w');
  const escaped = (path: string): string => path.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

  it('is off when empty, resolved against the working directory when set', () => {
    expect(getRequirementsTarget(getter({}), { cwd: W, distDir: 'dist' })).toBeUndefined();
    expect(getRequirementsTarget(getter({ requirements: ' reqs.txt ' }), { cwd: W, distDir: 'dist' })).toEqual({ path: join(W, 'reqs.txt'), given: 'reqs.txt' });
    expect(getRequirementsTarget(getter({ requirements: 'dist-reqs/r.txt' }), { cwd: W, distDir: 'dist' })?.path).toBe(join(W, 'dist-reqs', 'r.txt'));
  });

  it.each([
    ['inside path', { requirements: 'dist/reqs.txt' }, new RegExp(`^requirements: ${escaped(join(W, 'dist', 'reqs.txt'))} is inside dist; twine upload would try to upload it there, write it elsewhere`)],
    ['path itself', { requirements: './dist' }, /is inside dist/],
    ['the sha256sums file', { requirements: 'SHA256SUMS' }, new RegExp(`^requirements: ${escaped(join(W, 'SHA256SUMS'))} is also the sha256sums file of this run; give the requirements file a name of its own`)],
    ['the digests file', { requirements: 'release.sums' }, /is also the digests file of this run/],
  ])('is refused %s, before any work', (_what, values, message) => {
    const get = getter(values);
    const run = () => getRequirementsTarget(get, { cwd: W, distDir: 'dist', others: { sha256sums: join(W, 'SHA256SUMS'), digests: 'release.sums' } });
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
  });

  it('is refused where a directory is', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'out'));
    expect(() => getRequirementsTarget(getter({ requirements: 'out' }), { cwd: dir })).toThrow(/is a directory; give the path of the file to write/);
  });
});

describe('finishRequirements', () => {
  const reporter = (): Reporter & { infos: string[] } => {
    const infos: string[] = [];
    return { infos, info: (m) => infos.push(m), warning: () => undefined, progress: () => undefined, fileDone: () => undefined };
  };
  const verified = (name: string, sha256: string) => ({ name, sha256, size: 1, status: FileStatus.Verified, attempts: 1 });

  it('writes the verified files whole (no temporary file left) and names the file in the result', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'reqs.txt'), 'an older file\n');
    const result: RunResult = { files: [verified('pkg-1.0-py3-none-any.whl', h('1')), verified('pkg-1.0.tar.gz', h('2'))], problems: [] };
    const log = reporter();
    await finishRequirements(result, { path: join(dir, 'reqs.txt'), given: 'reqs.txt' }, { command: 'collect', findLinks: 'dist' }, log);
    expect(result.problems).toEqual([]);
    expect(result.requirements).toBe(join(dir, 'reqs.txt'));
    expect(body(await readFile(join(dir, 'reqs.txt'), 'utf8'))).toEqual([`pkg==1.0 --hash=sha256:${h('1')} --hash=sha256:${h('2')}`]);
    expect(await readdir(dir)).toEqual(['reqs.txt']);
    expect(log.infos).toEqual(['requirements: wrote reqs.txt: 1 line(s) pinning 2 file(s) by sha256']);
  });

  it('is not written for a run with a problem, even if the files that verified could be pinned; the log says so', async () => {
    const dir = await tempDir();
    const result: RunResult = {
      files: [verified('pkg-1.0-py3-none-any.whl', h('1')), { name: 'other-1.0-py3-none-any.whl', status: FileStatus.Failed, attempts: 4 }],
      problems: [{ message: 'other-1.0-py3-none-any.whl: sha256 mismatch' }],
    };
    const log = reporter();
    await finishRequirements(result, { path: join(dir, 'reqs.txt'), given: 'reqs.txt' }, { command: 'collect' }, log);
    expect(result.requirements).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
    expect(log.infos).toEqual(['requirements: reqs.txt not written: this run has 1 problem(s), and it pins only a run whose every file verified; fix them and run again']);
  });

  it('two versions of one project become a problem of the run; nothing is written', async () => {
    const dir = await tempDir();
    const result: RunResult = { files: [verified('pkg-1.0-py3-none-any.whl', h('1')), verified('pkg-2.0-py3-none-any.whl', h('2'))], problems: [] };
    await finishRequirements(result, { path: join(dir, 'reqs.txt'), given: 'reqs.txt' }, { command: 'collect' }, reporter());
    expect(result.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^pkg: 2 versions, 1\.0 \(pkg-1\.0-py3-none-any\.whl\) and 2\.0 \(pkg-2\.0-py3-none-any\.whl\)/)]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a file that cannot be written is a problem naming it, not a crash', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'not-a-dir'), '');
    const result: RunResult = { files: [verified('pkg-1.0-py3-none-any.whl', h('1'))], problems: [] };
    await finishRequirements(result, { path: join(dir, 'not-a-dir', 'reqs.txt'), given: 'not-a-dir/reqs.txt' }, { command: 'collect' }, reporter());
    expect(result.problems.map((p) => p.message)).toEqual([expect.stringMatching(/^requirements: not-a-dir\/reqs\.txt could not be written \(.*\); give a path in a writable directory$/)]);
  });

  it('nothing verified: nothing written, said in the log', async () => {
    const dir = await tempDir();
    const log = reporter();
    await finishRequirements({ files: [], problems: [] }, { path: join(dir, 'reqs.txt'), given: 'reqs.txt' }, { command: 'collect' }, log);
    expect(await readdir(dir)).toEqual([]);
    expect(log.infos).toEqual(['requirements: reqs.txt not written: no file was verified']);
  });
});
