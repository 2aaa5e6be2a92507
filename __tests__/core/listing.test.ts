import { describe, expect, it } from 'vitest';
import { admitListing, distributionKey, sameDistribution, withoutRefusedPartners } from '../../src/core/listing.js';
import { pairListing } from '../../src/core/wheels.js';

const W = 'wheel-0.43.0-py3-none-any.whl';
const entry = (name: string, refused?: string) => ({ name, size: 1, ...(refused ? { refused } : {}) });

describe('admitListing', () => {
  it('lets through distributions the patterns select and their sidecars; leaves unrelated names alone, unreported', () => {
    const { entries, problems, refused } = admitListing([entry(W), entry(`${W}.sha256`), entry('README.md'), entry('notes about this build.txt')], ['*.whl'], 'box');
    expect(entries.map((e) => e.name)).toEqual([W, `${W}.sha256`]);
    expect(problems).toEqual([]);
    expect(refused.size).toBe(0);
  });

  it('reports a name with control characters even when nothing selects it, escaped', () => {
    const { entries, problems } = admitListing([entry('readme\u001b[2J.txt')], ['*.whl'], 'box');
    expect(entries).toEqual([]);
    expect(problems).toEqual([{ message: 'box holds an entry named "readme\\u001b[2J.txt", which holds control or invisible characters; it was not read: remove it' }]);
  });

  it('refuses a selected name no distribution can have, a refused entry, and a name that is no wheel or sdist', () => {
    const { entries, problems, refused } = admitListing(
      [entry('a b-1.0-py3-none-any.whl'), entry(W, 'is a symbolic link, not a regular file'), entry('setup.whl'), entry('x-1.0-py3-none-any.whl')],
      ['*.whl'],
      'box',
    );
    expect(entries.map((e) => e.name)).toEqual(['x-1.0-py3-none-any.whl']);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining('box holds an entry named "a b-1.0-py3-none-any.whl", which holds characters no distribution'),
      `${W} in box is a symbolic link, not a regular file; it was not read`,
      expect.stringContaining('setup.whl in box is not a wheel (PEP 427'),
    ]);
    expect([...refused].sort()).toEqual(['a b-1.0-py3-none-any.whl', W, 'setup.whl'].sort());
  });

  it('a wheel whose sidecar was refused is not reported again as without a sidecar', () => {
    const admitted = admitListing([entry(W), entry(`${W}.sha256`, 'is a FIFO, not a regular file')], ['*.whl'], 'box');
    const pairing = withoutRefusedPartners(pairListing(admitted.entries.map((e) => e.name), ['*.whl']), admitted.refused);
    expect(pairing).toEqual({ pairs: [], withoutSidecar: [], withoutDistribution: [] });
    expect(admitted.problems).toHaveLength(1);
  });
});

describe('one distribution, two names', () => {
  it.each([
    ['case', 'Foo-1.0-py3-none-any.whl', 'foo-1.0-py3-none-any.whl'],
    ['. and _', 'foo.bar-1.0-py3-none-any.whl', 'foo_bar-1.0-py3-none-any.whl'],
    ['tag order', 'foo-1.0-py2.py3-none-any.whl', 'foo-1.0-py3.py2-none-any.whl'],
    ['sdist case', 'Foo-1.0.tar.gz', 'foo-1.0.tar.gz'],
  ])('%s: the same key, refused together naming both', (_label, a, b) => {
    expect(distributionKey(a)).toBe(distributionKey(b));
    const { unique, problems } = sameDistribution([a, b, 'other-2.0-py3-none-any.whl'], 'dist');
    expect(unique).toEqual(['other-2.0-py3-none-any.whl']);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain(`${a} and ${b} in dist are one distribution under 2 names`);
  });

  it.each([
    ['another version', 'foo-1.0-py3-none-any.whl', 'foo-1.1-py3-none-any.whl'],
    ['another platform', 'foo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl', 'foo-1.0-cp311-cp311-win_amd64.whl'],
    ['another build tag', 'foo-1.0-1-py3-none-any.whl', 'foo-1.0-2-py3-none-any.whl'],
    ['a wheel and its sdist', 'foo-1.0-py3-none-any.whl', 'foo-1.0.tar.gz'],
  ])('%s: different distributions, both kept', (_label, a, b) => {
    expect(distributionKey(a)).not.toBe(distributionKey(b));
    expect(sameDistribution([a, b], 'dist')).toEqual({ unique: [a, b].sort(), problems: [] });
  });
});
