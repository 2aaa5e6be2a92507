import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getCollectInputs } from '../../src/collect/inputs.js';
import { SUPPORTED_CONTAINERS } from '../../src/containers/index.js';
import { HttpContainer } from '../../src/containers/http.js';
import { LocalContainer } from '../../src/containers/local.js';
import { InputError } from '../../src/core/errors.js';
import { DEFAULT_PATTERNS, getBoolean, getChoice, getInteger, getList, getString, getSumsPath, type InputGetter } from '../../src/core/inputs.js';
import { getPostBuildInputs, NoFilesFound } from '../../src/post-build/inputs.js';

/** A getter over a plain object, '' for anything unset (as core.getInput). */
const getter =
  (values: Record<string, string>): InputGetter =>
  (name) =>
    values[name] ?? '';

/** The InputError `fn` throws; fails the test if it throws something else or nothing. */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    expect(e.exitCode).toBe(2);
    expect(e.retryable).toBe(false);
    expect(e.name).toBe('InputError');
    return e;
  }
  throw new Error('expected an InputError, nothing was thrown');
}

const CWD = resolve('/work/project');
/** An absolute file:// URL on every platform (file:///srv/parked here; file:///D:/srv/parked on Windows, where a URL without a drive is refused). */
const PARKED_URL = pathToFileURL(resolve('/srv/parked')).href;

describe('getString', () => {
  it('trims, and falls back when blank', () => {
    expect(getString(getter({ a: '  x  ' }), 'a', 'd')).toBe('x');
    expect(getString(getter({ a: '   ' }), 'a', 'd')).toBe('d');
    expect(getString(getter({}), 'a', 'd')).toBe('d');
  });
});

describe('getInteger', () => {
  it('parses an integer in range and falls back when unset', () => {
    expect(getInteger(getter({ retries: ' 7 ' }), 'retries', 3, 0, 100)).toBe(7);
    expect(getInteger(getter({ retries: '0' }), 'retries', 3, 0, 100)).toBe(0);
    expect(getInteger(getter({ retries: '100' }), 'retries', 3, 0, 100)).toBe(100);
    expect(getInteger(getter({}), 'retries', 3, 0, 100)).toBe(3);
  });

  it.each(['abc', '-1', '1.5', '1e2', '0x10', '101', '3 4', '+3'])('refuses "%s", naming the input and the range', (raw) => {
    const error = inputError(() => getInteger(getter({ retries: raw }), 'retries', 3, 0, 100));
    expect(error.message).toMatch(/^retries: /);
    expect(error.message).toContain(`"${raw}"`);
    expect(error.message).toContain('an integer from 0 to 100');
  });

  it('states an open range when there is no maximum', () => {
    const error = inputError(() => getInteger(getter({ wait: '0' }), 'wait', 5, 1));
    expect(error.message).toBe('wait: "0" is not an integer >= 1');
  });
});

describe('getBoolean', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    [' True ', true],
    ['false', false],
    ['False', false],
  ])('reads "%s" as %s', (raw, value) => {
    expect(getBoolean(getter({ overwrite: raw }), 'overwrite', !value)).toBe(value);
  });

  it('falls back when unset', () => {
    expect(getBoolean(getter({}), 'overwrite', true)).toBe(true);
    expect(getBoolean(getter({}), 'overwrite', false)).toBe(false);
  });

  it.each(['yes', '1', 'on', 'truthy', 'no'])('refuses "%s", naming the input', (raw) => {
    const error = inputError(() => getBoolean(getter({ overwrite: raw }), 'overwrite', false));
    expect(error.message).toBe(`overwrite: "${raw}" is not a boolean; use true or false`);
  });
});

describe('getChoice', () => {
  it('accepts one of the values and falls back when unset', () => {
    expect(getChoice(getter({ 'if-no-files-found': 'warn' }), 'if-no-files-found', NoFilesFound, NoFilesFound.Error)).toBe(NoFilesFound.Warn);
    expect(getChoice(getter({}), 'if-no-files-found', NoFilesFound, NoFilesFound.Error)).toBe(NoFilesFound.Error);
  });

  it.each(['Warn', 'fail', 'Error'])('refuses "%s", naming the input and listing the choices', (raw) => {
    const error = inputError(() => getChoice(getter({ 'if-no-files-found': raw }), 'if-no-files-found', NoFilesFound, NoFilesFound.Error));
    expect(error.message).toBe(`if-no-files-found: "${raw}" is not one of error, warn, ignore`);
  });
});

describe('getList', () => {
  it('splits lines, trims, drops blanks and comments', () => {
    const raw = '  *.whl \r\n\n# sdists too\n*.tar.gz\n   \n  # indented comment\n';
    expect(getList(getter({ pattern: raw }), 'pattern', ['x'])).toEqual(['*.whl', '*.tar.gz']);
  });

  it('falls back to a copy of the default when empty or only comments', () => {
    const fallback = ['*.whl'] as const;
    const a = getList(getter({}), 'pattern', fallback);
    expect(a).toEqual(['*.whl']);
    a.push('mutated');
    expect(fallback).toEqual(['*.whl']);
    expect(getList(getter({ pattern: '# nothing\n\n' }), 'pattern', fallback)).toEqual(['*.whl']);
  });
});

describe('getSumsPath', () => {
  it('defaults to SHA256SUMS in the working directory', () => {
    expect(getSumsPath(getter({}), 'sha256sums', 'dist', CWD)).toBe(join(CWD, 'SHA256SUMS'));
  });

  it.each([
    ['dist-SHA256SUMS', join(CWD, 'dist-SHA256SUMS')],
    ['../x', resolve(CWD, '..', 'x')],
    ['out/SHA256SUMS', join(CWD, 'out', 'SHA256SUMS')],
    ['/elsewhere/SUMS', resolve('/elsewhere/SUMS')],
    ['dist/../SUMS', join(CWD, 'SUMS')],
  ])('accepts "%s" outside the dist dir', (raw, expected) => {
    expect(getSumsPath(getter({ sha256sums: raw }), 'sha256sums', 'dist', CWD)).toBe(expected);
  });

  it.each(['dist/SHA256SUMS', 'dist/sub/SUMS', './dist/SUMS', join(CWD, 'dist', 'SUMS'), 'dist', './dist/', 'dist/..SUMS'])(
    'refuses "%s" inside the dist dir (or the dist dir itself), naming the input',
    (raw) => {
      const error = inputError(() => getSumsPath(getter({ sha256sums: raw }), 'sha256sums', 'dist', CWD));
      expect(error.message).toMatch(/^sha256sums: /);
      expect(error.message).toContain(resolve(CWD, raw));
      expect(error.message).toContain('inside dist');
    },
  );

  it('compares against an absolute dist dir too', () => {
    const dist = join(CWD, 'build', 'wheelhouse');
    inputError(() => getSumsPath(getter({ sums: 'build/wheelhouse/SUMS' }), 'sums', dist, CWD));
    expect(getSumsPath(getter({ sums: 'build/SUMS' }), 'sums', dist, CWD)).toBe(join(CWD, 'build', 'SUMS'));
  });

  it('refuses the default when the dist dir is the working directory', () => {
    inputError(() => getSumsPath(getter({}), 'sha256sums', '.', CWD));
  });
});

describe.each([
  ['getPostBuildInputs', getPostBuildInputs, 'wheelhouse'],
  ['getCollectInputs', getCollectInputs, 'dist'],
] as const)('%s', (_name, read, defaultPath) => {
  it('applies the defaults', () => {
    const inputs = read(getter({ container: 'parked' }), CWD);
    expect(inputs.path).toBe(defaultPath);
    expect(inputs.patterns).toEqual(['*.whl']);
    expect(inputs.patterns).toEqual([...DEFAULT_PATTERNS]);
    expect(inputs.retries).toBe(3);
    expect(inputs.concurrency).toBe(4);
    expect(inputs.sha256sums).toBe(join(CWD, 'SHA256SUMS'));
    expect(inputs.container).toBeInstanceOf(LocalContainer);
    expect(inputs.container.url).toBe('parked');
    expect(inputs.container.resumable).toBe(true);
  });

  it('reads every common input', () => {
    const inputs = read(
      getter({
        container: PARKED_URL,
        path: 'out',
        pattern: '*.whl\n*.tar.gz',
        retries: '0',
        concurrency: '16',
        sha256sums: 'sums.txt',
      }),
      CWD,
    );
    expect(inputs).toMatchObject({ path: 'out', patterns: ['*.whl', '*.tar.gz'], retries: 0, concurrency: 16, sha256sums: join(CWD, 'sums.txt') });
    expect(inputs.container.url).toBe(PARKED_URL);
  });

  it('check-contents: true by default, false turns it off, anything else refused', () => {
    expect(read(getter({ container: 'parked' }), CWD).checkContents).toBe(true);
    expect(read(getter({ container: 'parked', 'check-contents': 'False' }), CWD).checkContents).toBe(false);
    expect(inputError(() => read(getter({ container: 'parked', 'check-contents': 'no' }), CWD)).message).toBe('check-contents: "no" is not a boolean; use true or false');
  });

  it.each(['', '   '])('refuses an empty container (%j)', (container) => {
    const error = inputError(() => read(getter({ container }), CWD));
    expect(error.message).toMatch(/^container: required/);
  });

  it('refuses an unknown scheme, naming it and listing the supported ones', () => {
    const error = inputError(() => read(getter({ container: 'ftp://x' }), CWD));
    expect(error.message).toContain('"ftp://"');
    expect(error.message).toContain('ftp://x');
    expect(error.message).toContain(`supported: ${SUPPORTED_CONTAINERS.join(', ')}`);
    expect(SUPPORTED_CONTAINERS).toContain('a local directory path');
    expect(SUPPORTED_CONTAINERS).toContain('file:///absolute/path');
  });

  it('refuses an s3:// URL without a valid bucket name, with an InputError about the container', () => {
    const error = inputError(() => read(getter({ container: 's3://b/p' }), CWD));
    expect(error.message).toMatch(/^container: s3:\/\/b\/p does not name a bucket/);
  });

  it('opens s3://bucket/prefix as a folder', () => {
    expect(read(getter({ container: 's3://my-bucket/wheels/1.2/' }), CWD).container.url).toBe('s3://my-bucket/wheels/1.2/');
  });

  it('opens artifact://NAME, and refuses run-id without a token', () => {
    expect(read(getter({ container: 'artifact://wheels-linux' }), CWD).container.url).toBe('artifact://wheels-linux');
    const error = inputError(() => read(getter({ container: 'artifact://wheels-*', 'run-id': '12', repository: 'o/r' }), CWD));
    expect(error.message).toMatch(/^github-token: required with run-id/);
  });

  it.each([
    ['azure://acct/wheels', 'azure://acct/wheels/'],
    ['azure://acct/wheels/1.2/', 'azure://acct/wheels/1.2/'],
    ['https://acct.blob.core.windows.net/wheels/nightly/1.2', 'azure://acct/wheels/nightly/1.2/'],
  ])('opens the Azure Blob container %s as a folder', (container, url) => {
    expect(read(getter({ container }), CWD).container.url).toBe(url);
  });

  it('does not show the SAS token of an https:// Azure address', () => {
    const opened = read(getter({ container: 'https://acct.blob.core.windows.net/wheels/x?sv=2024-01-01&sp=rl&sig=SECRETSIG%3D' }), CWD).container;
    expect(opened.url).toBe('azure://acct/wheels/x/');
  });

  it.each([
    ['retries', '101', /^retries: "101"/],
    ['retries', '-1', /^retries: "-1"/],
    ['concurrency', '0', /^concurrency: "0" is not an integer from 1 to 256/],
    ['concurrency', '257', /^concurrency: "257"/],
    ['sha256sums', `${defaultPath}/SHA256SUMS`, /^sha256sums: .* is inside/],
  ])('refuses %s=%s', (name, value, message) => {
    const error = inputError(() => read(getter({ container: 'parked', [name]: value }), CWD));
    expect(error.message).toMatch(message);
  });

  it('refuses a sums file inside a custom path', () => {
    const error = inputError(() => read(getter({ container: 'parked', path: 'custom', sha256sums: 'custom/S' }), CWD));
    expect(error.message).toContain('inside custom');
  });
});

describe('entry-specific inputs', () => {
  it('post-build: defaults and parsing', () => {
    expect(getPostBuildInputs(getter({ container: 'c' }), CWD)).toMatchObject({
      ifNoFilesFound: NoFilesFound.Error,
      overwrite: false,
      localSidecars: false,
    });
    expect(
      getPostBuildInputs(getter({ container: 'c', 'if-no-files-found': 'ignore', overwrite: 'TRUE', 'local-sidecars': 'true' }), CWD),
    ).toMatchObject({ ifNoFilesFound: NoFilesFound.Ignore, overwrite: true, localSidecars: true });
    expect(inputError(() => getPostBuildInputs(getter({ container: 'c', overwrite: 'yes' }), CWD)).message).toMatch(/^overwrite: /);
    expect(inputError(() => getPostBuildInputs(getter({ container: 'c', 'if-no-files-found': 'fail' }), CWD)).message).toMatch(
      /^if-no-files-found: /,
    );
  });

  it('collect: defaults and parsing', () => {
    expect(getCollectInputs(getter({ container: 'c' }), CWD)).toMatchObject({ expected: [], wait: 0 });
    expect(getCollectInputs(getter({ container: 'c', expected: 'a-*.whl\nb-*.whl', wait: '600' }), CWD)).toMatchObject({
      expected: ['a-*.whl', 'b-*.whl'],
      wait: 600,
    });
    expect(inputError(() => getCollectInputs(getter({ container: 'c', wait: '21601' }), CWD)).message).toMatch(/^wait: "21601"/);
  });

  it('a web address: collect opens it read-only (credentials out of its url, the timeout applied); post-build refuses it in one line', () => {
    const container = 'https://bot:t0ken@wheels.example.org/simple/x/';
    const collect = getCollectInputs(getter({ container, timeout: '7' }), CWD);
    expect(collect.container).toBeInstanceOf(HttpContainer);
    expect(collect.container.readOnly).toBe(true);
    expect(collect.container.url).toBe('https://wheels.example.org/simple/x/');
    expect(inputError(() => getPostBuildInputs(getter({ container }), CWD)).message).toBe(
      'container: https://wheels.example.org/simple/x/ is read-only (a web address); post-build writes to a directory, file://, s3:// or artifact://',
    );
  });
});
