import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDistributions, matchesAny, pairListing, parseDistributionName } from '../../src/core/wheels.js';
import { useTempDirs } from '../helpers/tmp.js';
import { NOT_POSIX } from '../helpers/tools.js';

const tempDir = useTempDirs();

describe('parseDistributionName', () => {
  it('parses a pure-Python wheel', () => {
    expect(parseDistributionName('wheel-0.43.0-py3-none-any.whl')).toEqual({
      kind: 'wheel',
      distribution: 'wheel',
      version: '0.43.0',
      pythonTag: 'py3',
      abiTag: 'none',
      platformTag: 'any',
    });
  });

  it('parses a wheel with a build tag and compressed platform tags', () => {
    expect(parseDistributionName('numpy-2.1.0-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')).toEqual({
      kind: 'wheel',
      distribution: 'numpy',
      version: '2.1.0',
      build: '1',
      pythonTag: 'cp312',
      abiTag: 'cp312',
      platformTag: 'manylinux_2_17_x86_64.manylinux2014_x86_64',
    });
  });

  it('parses a build tag with a suffix, a local version and a compressed python tag', () => {
    expect(parseDistributionName('my_pkg-1.0+local.1-12abc-py2.py3-none-any.whl')).toEqual({
      kind: 'wheel',
      distribution: 'my_pkg',
      version: '1.0+local.1',
      build: '12abc',
      pythonTag: 'py2.py3',
      abiTag: 'none',
      platformTag: 'any',
    });
  });

  it('leaves build out of a wheel without one', () => {
    const parsed = parseDistributionName('wheel_guard_sample-1.0.0-py3-none-any.whl');
    expect(parsed).toBeDefined();
    expect(parsed).not.toHaveProperty('build');
  });

  it.each([
    ['wheel-guard-sample-1.0.0.tar.gz', 'wheel-guard-sample', '1.0.0'],
    ['numpy-2.1.0.tar.gz', 'numpy', '2.1.0'],
    ['my_pkg-1.0rc1.tar.gz', 'my_pkg', '1.0rc1'],
  ])('parses the sdist %s', (name, distribution, version) => {
    expect(parseDistributionName(name)).toEqual({ kind: 'sdist', distribution, version });
  });

  it.each(['pkg-v1.0-py3-none-any.whl', 'pkg-1!2.0rc1.post2.dev3+local.7-py3-none-any.whl', 'pkg-1.0_post1-py3-none-any.whl', 'pkg-2013b-py3-none-any.whl', 'pkg-v1.0.tar.gz'])(
    'reads %s: a version PEP 440 allows in a form that is not its normal one',
    (name) => {
      expect(parseDistributionName(name)).toBeDefined();
    },
  );

  it.each([
    ['4 parts', 'pkg-1.0-py3-any.whl'],
    ['7 parts', 'pkg-1.0-1-extra-py3-none-any.whl'],
    ['a build tag not starting with a digit', 'pkg-1.0-b1-py3-none-any.whl'],
    ['an empty part', 'pkg-1.0--none-any.whl'],
    ['an empty distribution', '-1.0-py3-none-any.whl'],
    ['an empty platform', 'pkg-1.0-py3-none-.whl'],
    ['a version PEP 440 does not allow (pip refuses it)', 'pkg-1.0.foo-py3-none-any.whl'],
    ['a version that is a word', 'pkg-latest-py3-none-any.whl'],
    ['a local version without a label', 'pkg-1.0+-py3-none-any.whl'],
    ['a character outside the allowed set', 'pkg-1.0-py3-none-any os.whl'],
    ['a .zip', 'pkg-1.0-py3-none-any.zip'],
    ['.whl alone', '.whl'],
    ['an sdist without version', 'pkg.tar.gz'],
    ['an sdist with empty version', 'pkg-.tar.gz'],
    ['an sdist with empty name', '-1.0.tar.gz'],
    ['an sdist with a non-numeric version', 'pkg-latest.tar.gz'],
    ['a .zip sdist', 'pkg-1.0.zip'],
    ['a sidecar', 'pkg-1.0-py3-none-any.whl.sha256'],
  ])('returns undefined for %s (%s)', (_label, name) => {
    expect(parseDistributionName(name)).toBeUndefined();
  });
});

describe('matchesAny', () => {
  it('matches file names against any of the globs, never dotfiles', () => {
    expect(matchesAny('a-1.0-py3-none-any.whl', ['*.tar.gz', '*.whl'])).toBe(true);
    expect(matchesAny('a-1.0.tar.gz', ['*.whl'])).toBe(false);
    expect(matchesAny('.a-1.0-py3-none-any.whl.wg-abc.tmp', ['*'])).toBe(false);
    expect(matchesAny('.hidden.whl', ['*.whl'])).toBe(false);
    expect(matchesAny('numpy-2.1.0-cp312-cp312-win_amd64.whl', ['numpy-*-win_*.whl'])).toBe(true);
  });
});

describe('pairListing', () => {
  const A = 'a-1.0-py3-none-any.whl';
  const B = 'b-2.0-py3-none-any.whl';
  const C = 'c-3.0-py3-none-any.whl';

  it('pairs wheels with their sidecars, sorted', () => {
    expect(pairListing([`${B}.sha256`, A, B, `${A}.sha256`], ['*.whl'])).toEqual({
      pairs: [A, B],
      withoutSidecar: [],
      withoutDistribution: [],
    });
  });

  it('reports wheels without sidecar and sidecars without wheel', () => {
    expect(pairListing([A, `${A}.sha256`, B, `${C}.sha256`], ['*.whl'])).toEqual({
      pairs: [A],
      withoutSidecar: [B],
      withoutDistribution: [C],
    });
  });

  it('ignores files and sidecars that match no pattern', () => {
    const sdist = 'a-1.0.tar.gz';
    const result = pairListing([A, `${A}.sha256`, sdist, `x-1.0.tar.gz.sha256`, 'README.md', `${sdist}.sha256`], ['*.whl']);
    expect(result).toEqual({ pairs: [A], withoutSidecar: [], withoutDistribution: [] });
  });

  it('honours several patterns', () => {
    const sdist = 'a-1.0.tar.gz';
    expect(pairListing([A, `${A}.sha256`, sdist, 'z-1.0.tar.gz.sha256'], ['*.whl', '*.tar.gz'])).toEqual({
      pairs: [A],
      withoutSidecar: [sdist],
      withoutDistribution: ['z-1.0.tar.gz'],
    });
  });

  it('ignores duplicates in the listing and accepts any iterable', () => {
    const names = new Set([A, `${A}.sha256`]);
    expect(pairListing([...names, A], ['*.whl']).pairs).toEqual([A]);
    expect(pairListing(names.values(), ['*.whl']).pairs).toEqual([A]);
  });

  it('returns empty lists for an empty listing', () => {
    expect(pairListing([], ['*.whl'])).toEqual({ pairs: [], withoutSidecar: [], withoutDistribution: [] });
  });
});

describe('findDistributions', () => {
  async function touch(dir: string, ...names: string[]): Promise<void> {
    for (const name of names) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), name);
    }
  }

  it('finds the files matching the patterns, skipping sidecars and dotfiles', async () => {
    const dir = await tempDir();
    await touch(
      dir,
      'a-1.0-py3-none-any.whl',
      'a-1.0-py3-none-any.whl.sha256',
      'b-1.0-cp312-cp312-linux_x86_64.whl',
      '.c-1.0-py3-none-any.whl',
      '.a-1.0-py3-none-any.whl.wg-0123456789ab.tmp',
      'a-1.0.tar.gz',
      'notes.txt',
    );
    const found = await findDistributions(dir, ['*.whl']);
    expect(found).toEqual([
      { name: 'a-1.0-py3-none-any.whl', path: join(dir, 'a-1.0-py3-none-any.whl') },
      { name: 'b-1.0-cp312-cp312-linux_x86_64.whl', path: join(dir, 'b-1.0-cp312-cp312-linux_x86_64.whl') },
    ]);
  });

  it('skips a sidecar even when a pattern matches it', async () => {
    const dir = await tempDir();
    await touch(dir, 'a-1.0-py3-none-any.whl', 'a-1.0-py3-none-any.whl.sha256', '.hidden');
    const found = await findDistributions(dir, ['*']);
    expect(found.map((f) => f.name)).toEqual(['a-1.0-py3-none-any.whl']);
  });

  it('takes several patterns and does not list a file twice', async () => {
    const dir = await tempDir();
    await touch(dir, 'a-1.0-py3-none-any.whl', 'a-1.0.tar.gz', 'a-1.0.zip');
    const found = await findDistributions(dir, ['*.whl', '*.tar.gz', 'a-*']);
    expect(found.map((f) => f.name).sort()).toEqual(['a-1.0-py3-none-any.whl', 'a-1.0.tar.gz', 'a-1.0.zip']);
  });

  it('does not descend into folders for a flat pattern', async () => {
    const dir = await tempDir();
    await touch(dir, 'a-1.0-py3-none-any.whl', 'sub/b-1.0-py3-none-any.whl');
    expect((await findDistributions(dir, ['*.whl'])).map((f) => f.name)).toEqual(['a-1.0-py3-none-any.whl']);
  });

  it('finds files in folders with **, returning absolute paths', async () => {
    const dir = await tempDir();
    await touch(dir, 'linux/a-1.0-cp312-cp312-linux_x86_64.whl', 'mac/a-1.0-cp312-cp312-macosx_11_0_arm64.whl', 'mac/.x.whl');
    const found = await findDistributions(dir, ['**/*.whl']);
    expect(found).toEqual([
      { name: 'a-1.0-cp312-cp312-linux_x86_64.whl', path: join(dir, 'linux', 'a-1.0-cp312-cp312-linux_x86_64.whl') },
      { name: 'a-1.0-cp312-cp312-macosx_11_0_arm64.whl', path: join(dir, 'mac', 'a-1.0-cp312-cp312-macosx_11_0_arm64.whl') },
    ]);
  });

  it('throws naming both paths when two files in different folders share a name', async () => {
    const dir = await tempDir();
    const name = 'a-1.0-py3-none-any.whl';
    await touch(dir, `one/${name}`, `two/${name}`);
    const error = await findDistributions(dir, ['**/*.whl']).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toContain(`two files are both named ${name}`);
    expect(error!.message).toContain(join(dir, 'one', name));
    expect(error!.message).toContain(join(dir, 'two', name));
  });

  it('returns nothing when nothing matches, or the directory is missing', async () => {
    const dir = await tempDir();
    await touch(dir, 'notes.txt');
    expect(await findDistributions(dir, ['*.whl'])).toEqual([]);
    expect(await findDistributions(join(dir, 'missing'), ['*.whl'])).toEqual([]);
  });

  // Needs a relative way from the working directory to the temporary one: none where they are on two drives (a Windows runner's D: and C:).
  it.skipIf(isAbsolute(relative(process.cwd(), tmpdir())))('resolves a relative directory to absolute paths', async () => {
    const dir = await tempDir();
    await touch(dir, 'x-1.0-py3-none-any.whl');
    const relativeDir = relative(process.cwd(), dir);
    expect(relativeDir.startsWith('..')).toBe(true);
    const found = await findDistributions(relativeDir, ['*.whl']);
    expect(found).toEqual([{ name: 'x-1.0-py3-none-any.whl', path: join(dir, 'x-1.0-py3-none-any.whl') }]);
  });

  // Making a symbolic link needs a privilege on Windows.
  it.skipIf(NOT_POSIX)('follows a symbolic link to a wheel', async () => {
    const dir = await tempDir();
    await touch(dir, 'store/real-1.0-py3-none-any.whl');
    await mkdir(join(dir, 'dist'));
    await symlink(join(dir, 'store', 'real-1.0-py3-none-any.whl'), join(dir, 'dist', 'real-1.0-py3-none-any.whl'));
    const found = await findDistributions(join(dir, 'dist'), ['*.whl']);
    expect(found.map((f) => f.name)).toEqual(['real-1.0-py3-none-any.whl']);
  });
});

describe('patterns with ! exclusions and directories with glob characters', () => {
  it('matchesAny: a ! pattern excludes, as @actions/glob reads it', () => {
    expect(matchesAny('numpy-2.1.0-cp312-cp312-win_amd64.whl', ['*.whl', '!*win*.whl'])).toBe(false);
    expect(matchesAny('numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.whl', ['*.whl', '!*win*.whl'])).toBe(true);
    expect(matchesAny('notes.txt', ['*.whl', '!*win*.whl'])).toBe(false);
  });

  it('findDistributions finds wheels in a directory whose path holds glob characters, and honours ! patterns', async () => {
    // Windows forbids * in a file name: a bracket range is its glob there (as a pattern it matches wheelxhouse, not itself).
    const dir = join(await tempDir('wg-glob'), 'proj[1]', NOT_POSIX ? 'wheel[a-z]house' : 'wheel*house');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'a-1.0-py3-none-any.whl'), 'a');
    await writeFile(join(dir, 'b-1.0-cp312-cp312-win_amd64.whl'), 'b');
    expect((await findDistributions(dir, ['*.whl'])).map((f) => f.name)).toEqual(['a-1.0-py3-none-any.whl', 'b-1.0-cp312-cp312-win_amd64.whl']);
    expect((await findDistributions(dir, ['*.whl', '!*win*.whl'])).map((f) => f.name)).toEqual(['a-1.0-py3-none-any.whl']);
  });
});
