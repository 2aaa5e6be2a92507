import { describe, expect, it } from 'vitest';
import { sameVersion, versionKey } from '../../src/core/normalize.js';

describe('PEP 440 versions, as pip reads them', () => {
  it.each([
    ['1.0', '1.0.0'],
    ['1.0', 'v1.0'],
    ['1.0RC1', '1.0rc1'],
    ['1.0c1', '1.0rc1'],
    ['1.0-alpha.1', '1.0a1'],
    ['1.0_post1', '1.0.post1'],
    ['1.0-1', '1.0.post1'],
    ['1.0.rev2', '1.0.post2'],
    ['1.0dev', '1.0.dev0'],
    ['0!1.0', '1.0'],
    ['1.0+Ubuntu-1', '1.0+ubuntu.1'],
    ['1.0+01', '1.0+1'],
    ['01.002', '1.2'],
  ])('%s and %s are one version', (a, b) => {
    expect(sameVersion(a, b)).toBe(true);
  });

  it.each([
    ['1.0', '1.0.1'],
    ['1.0', '1.0.post0'],
    ['1.0a1', '1.0b1'],
    ['1.0', '1!1.0'],
    ['1.0+a', '1.0'],
  ])('%s and %s are not', (a, b) => {
    expect(sameVersion(a, b)).toBe(false);
  });

  it.each(['latest', '1.0.foo', '1.0+', '1..0', '', 'v', '1.0-beta-2-x', '1.0 1'])('%j is not a version', (text) => {
    expect(versionKey(text)).toBeUndefined();
  });
});
