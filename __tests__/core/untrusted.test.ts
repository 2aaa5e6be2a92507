import { describe, expect, it } from 'vitest';
import { hasUnprintable, MAX_NAME_LENGTH, nameProblem, plain, quote } from '../../src/core/untrusted.js';

describe('nameProblem: the door for names a stranger chose', () => {
  it.each([
    'numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    'wheel_guard_sample-1.0.0-py3-none-any.whl.sha256',
    'pkg-1.0+local.1-1-py2.py3-none-any.whl',
    'Foo.Bar-1!2.0rc1.tar.gz',
  ])('lets %s in', (name) => {
    expect(nameProblem(name)).toBeUndefined();
  });

  it.each([
    ['a line break', 'x\n::error title=pwned::owned\n-1.0-py3-none-any.whl', /control or invisible/],
    ['a terminal escape', 'a\u001b[31m-1.0-py3-none-any.whl', /control or invisible/],
    ['a right-to-left override', 'evil\u202elhw.1-0.1-a', /control or invisible/],
    ['a zero-width space', 'a\u200b-1.0-py3-none-any.whl', /control or invisible/],
    ['a slash', 'sub/a-1.0-py3-none-any.whl', /path separator/],
    ['a backslash', 'sub\\a-1.0-py3-none-any.whl', /path separator/],
    ['a leading dot', '.a-1.0-py3-none-any.whl', /starts with a dot/],
    ['..', 'a..b-1.0-py3-none-any.whl', /".."/],
    ['a space', 'a b-1.0-py3-none-any.whl', /characters no distribution/],
    ['a quote', 'a"-1.0-py3-none-any.whl', /characters no distribution/],
    ['non-ASCII', 'é-1.0-py3-none-any.whl', /characters no distribution/],
    ['nothing', '', /empty/],
    ['too many characters', `${'a'.repeat(MAX_NAME_LENGTH)}.whl`, /at most 255/],
  ])('keeps out a name with %s', (_label, name, reason) => {
    expect(nameProblem(name)).toMatch(reason);
  });
});

describe('quote: how a message shows an untrusted name', () => {
  it('shows a plain name, or an archive member path, as it is', () => {
    expect(quote('wheel-0.43.0-py3-none-any.whl')).toBe('wheel-0.43.0-py3-none-any.whl');
    expect(quote('wheel/__init__.py')).toBe('wheel/__init__.py');
  });

  it('JSON-quotes anything else, with every character outside printable ASCII escaped', () => {
    expect(quote('x\n::error::y')).toBe('"x\\n::error::y"');
    expect(quote('a\u001b[31mb')).toBe('"a\\u001b[31mb"');
    expect(quote('données/é.txt')).toBe('"donn\\u00e9es/\\u00e9.txt"');
    expect(quote('a b')).toBe('"a b"');
    expect(quote('\u202e')).toBe('"\\u202e"');
  });

  it('cuts a long name and counts it', () => {
    const shown = quote(`${'x'.repeat(10_000)} y`);
    expect(shown.length).toBeLessThan(400);
    expect(shown).toMatch(/… \(10002 characters\)$/);
  });

  it('never yields a control character, whatever it is given', () => {
    let all = '';
    for (let code = 0; code < 0x3000; code++) all += String.fromCharCode(code);
    for (let i = 0; i < all.length; i += 200) expect(hasUnprintable(quote(all.slice(i, i + 200)))).toBe(false);
  });
});

describe('plain: the last step before any output', () => {
  it('escapes every unprintable character JSON-style, so a line stays one line', () => {
    expect(plain('a\nb\r\u0007\u009b\u2028c')).toBe('a\\nb\\r\\u0007\\u009b\\u2028c');
    expect(plain('x\n::add-mask::secret')).toBe('x\\n::add-mask::secret');
  });

  it('keeps a line from starting a workflow command', () => {
    expect(plain('::stop-commands::token')).toBe(' ::stop-commands::token');
    expect(plain('ordinary: text')).toBe('ordinary: text');
  });

  it('leaves printable text alone, non-ASCII letters included', () => {
    expect(plain('✓ wheel-0.43.0-py3-none-any.whl verified — café')).toBe('✓ wheel-0.43.0-py3-none-any.whl verified — café');
  });
});
