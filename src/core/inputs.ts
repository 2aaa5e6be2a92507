/**
 * Input parsing shared by the action (core.getInput) and the CLI (flags):
 * both hand a getter to the same validators, so a bad value gets the same
 * clear error either way, before any work starts.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ArtifactSettings } from '../containers/artifact.js';
import type { Container } from '../containers/container.js';
import { openContainer } from '../containers/index.js';
import { InputError } from './errors.js';

/** Returns an input's raw value, '' when unset. */
export type InputGetter = (name: string) => string;

/** The value of an input, or its default when unset or blank. */
export function getString(get: InputGetter, name: string, fallback: string): string {
  const value = get(name).trim();
  return value === '' ? fallback : value;
}

/** An integer input within [min, max]. */
export function getInteger(get: InputGetter, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = get(name).trim();
  if (raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new InputError(`${name}: "${raw}" is not ${range}`);
  }
  return Number(raw);
}

/** A boolean input: true/false in any case (as YAML 1.2 core schema). */
export function getBoolean(get: InputGetter, name: string, fallback: boolean): boolean {
  const raw = get(name).trim();
  if (raw === '') return fallback;
  if (/^true$/i.test(raw)) return true;
  if (/^false$/i.test(raw)) return false;
  throw new InputError(`${name}: "${raw}" is not a boolean; use true or false`);
}

/** One of a fixed set of values (an enum object's values). */
export function getChoice<T extends string>(get: InputGetter, name: string, choices: Record<string, T>, fallback: T): T {
  const raw = get(name).trim();
  if (raw === '') return fallback;
  const allowed = Object.values(choices);
  if (!allowed.includes(raw as T)) throw new InputError(`${name}: "${raw}" is not one of ${allowed.join(', ')}`);
  return raw as T;
}

/** A newline-separated list; blank lines and `#` comments dropped. */
export function getList(get: InputGetter, name: string, fallback: readonly string[]): string[] {
  const items = get(name)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return items.length > 0 ? items : [...fallback];
}

/**
 * The `sha256sums` file path, resolved against `cwd`. Refuses a place inside
 * the distribution directory: twine and pypa/gh-action-pypi-publish would try
 * to upload it.
 */
export function getSumsPath(get: InputGetter, name: string, distDir: string, cwd: string): string {
  const file = resolve(cwd, getString(get, name, 'SHA256SUMS'));
  if (isInside(file, resolve(cwd, distDir))) {
    throw new InputError(`${name}: ${file} is inside ${distDir}; twine upload would reject it there, write it elsewhere (default: SHA256SUMS in the working directory)`);
  }
  return file;
}

/** Paths as a file system that ignores case compares them (macOS and Windows by default), else as they are. */
function foldCase(platform: NodeJS.Platform): (path: string) => string {
  return platform === 'darwin' || platform === 'win32' ? (path) => path.toLowerCase() : (path) => path;
}

/**
 * True when the absolute path `file` is the directory `dir` or anything under
 * it (the rule for files a run writes: never among the distributions). Where
 * the file system ignores case (macOS, Windows), `DIST/x` is inside `dist`.
 */
export function isInside(file: string, dir: string, platform: NodeJS.Platform = process.platform): boolean {
  const fold = foldCase(platform);
  const rel = relative(fold(dir), fold(file));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * True when `a` and `b` name the same file: resolved paths equal, without
 * case where the file system ignores it, so `SHA256SUMS` and `sha256sums` are
 * one file there.
 */
export function samePath(a: string, b: string, platform: NodeJS.Platform = process.platform): boolean {
  const fold = foldCase(platform);
  return relative(fold(a), fold(b)) === '';
}

/** Input names shared by every entry point. */
export const Inputs = {
  Container: 'container',
  Path: 'path',
  Pattern: 'pattern',
  Retries: 'retries',
  Concurrency: 'concurrency',
  Sha256Sums: 'sha256sums',
  IfNoFilesFound: 'if-no-files-found',
  Overwrite: 'overwrite',
  LocalSidecars: 'local-sidecars',
  Expected: 'expected',
  Wait: 'wait',
  Mode: 'mode',
  Endpoint: 'endpoint',
  Region: 'region',
  PathStyle: 'path-style',
  CheckContents: 'check-contents',
  Strict: 'strict',
  Timeout: 'timeout',
  RunId: 'run-id',
  Repository: 'repository',
  GithubToken: 'github-token',
  Digests: 'digests',
  SasToken: 'sas-token',
  Requirements: 'requirements',
  Index: 'index',
  AttestedBy: 'attested-by',
  TrustedRoot: 'trusted-root',
  Attest: 'attest',
} as const;

/** What to do when nothing matches: post-build's `pattern` in `path`, collect's in the container. */
export enum NoFilesFound {
  Error = 'error',
  Warn = 'warn',
  Ignore = 'ignore',
}

/** Default globs: wheels only; add `*.tar.gz` for sdists. */
export const DEFAULT_PATTERNS = ['*.whl'] as const;

/** The inputs every entry point shares. */
export interface CommonInputs {
  container: Container;
  /** The local directory of distributions. */
  path: string;
  patterns: string[];
  retries: number;
  concurrency: number;
  /** Absolute path of the SHA256SUMS file to write. */
  sha256sums: string;
  /** Look inside each distribution (RECORD, archive, names and tags; sdist streams) before it moves on. */
  checkContents: boolean;
  /** Refuse what the content check finds odd but installable, instead of warning about it. */
  strict: boolean;
  /** Seconds a connection may stay silent (or take to open) before the transfer is cut and retried. */
  timeout: number;
}

/** Reads the shared inputs; `defaultPath` differs per entry (wheelhouse, dist). */
export function getCommonInputs(get: InputGetter, defaultPath: string, cwd: string): CommonInputs {
  const containerUrl = get(Inputs.Container).trim();
  if (containerUrl === '') {
    throw new InputError(`${Inputs.Container}: required; give a directory, file:///path or another container URL`);
  }
  const path = getString(get, Inputs.Path, defaultPath);
  const endpoint = get(Inputs.Endpoint).trim();
  if (endpoint !== '' && !/^https?:\/\/[^/]+/i.test(endpoint)) {
    throw new InputError(
      `${Inputs.Endpoint}: "${endpoint}" is not an http(s) URL; e.g. https://<account>.r2.cloudflarestorage.com or http://127.0.0.1:9000 (S3), http://127.0.0.1:10000/devstoreaccount1 (Azurite)`,
    );
  }
  const region = get(Inputs.Region).trim();
  const pathStyle = get(Inputs.PathStyle).trim() === '' ? undefined : getBoolean(get, Inputs.PathStyle, false);
  const artifact = getArtifactSettings(get);
  const timeout = getInteger(get, Inputs.Timeout, 30, 1, 3600);
  const retries = getInteger(get, Inputs.Retries, 3, 0, 100);
  const patterns = getList(get, Inputs.Pattern, DEFAULT_PATTERNS);
  const s3 = { ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}), ...(pathStyle !== undefined ? { pathStyle } : {}), idleTimeoutMs: timeout * 1000 };
  const sasToken = get(Inputs.SasToken).trim();
  const azure = { ...(endpoint ? { endpoint } : {}), ...(sasToken ? { sasToken } : {}), idleTimeoutMs: timeout * 1000 };
  return {
    path,
    patterns,
    retries,
    concurrency: getInteger(get, Inputs.Concurrency, 4, 1, 256),
    sha256sums: getSumsPath(get, Inputs.Sha256Sums, path, cwd),
    checkContents: getBoolean(get, Inputs.CheckContents, true),
    strict: getBoolean(get, Inputs.Strict, false),
    timeout,
    container: openContainer(containerUrl, cwd, { s3, azure, artifact: { ...artifact, retries, patterns }, http: { idleTimeoutMs: timeout * 1000 } }),
  };
}

/** `run-id`, `repository`, `github-token`: another run's artifacts (collect). */
function getArtifactSettings(get: InputGetter): ArtifactSettings {
  const runId = get(Inputs.RunId).trim() === '' ? undefined : getInteger(get, Inputs.RunId, 0, 1);
  const repository = getString(get, Inputs.Repository, process.env.GITHUB_REPOSITORY ?? '');
  const githubToken = get(Inputs.GithubToken).trim();
  return {
    ...(runId !== undefined ? { runId } : {}),
    ...(repository ? { repository } : {}),
    ...(githubToken ? { githubToken } : {}),
  };
}
