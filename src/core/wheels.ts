/** Distribution files: PEP 427 names, discovery on disk, pairing with sidecars. */
import * as glob from '@actions/glob';
import { minimatch } from 'minimatch';
import { basename, join, resolve } from 'node:path';
import { versionKey } from './normalize.js';
import { SIDECAR_SUFFIX } from './sidecar.js';

/** The parts of a wheel file name (PEP 427). */
export interface WheelName {
  kind: 'wheel';
  distribution: string;
  version: string;
  build?: string;
  pythonTag: string;
  abiTag: string;
  platformTag: string;
}

/** The parts of an sdist file name (PEP 625: `{name}-{version}.tar.gz`). */
export interface SdistName {
  kind: 'sdist';
  distribution: string;
  version: string;
}

const COMPONENT = /^[A-Za-z0-9_.+!]+$/;

/**
 * Parses `{distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl`
 * or `{name}-{version}.tar.gz`. Returns undefined for anything else.
 */
export function parseDistributionName(fileName: string): WheelName | SdistName | undefined {
  if (fileName.endsWith('.whl')) {
    const parts = fileName.slice(0, -'.whl'.length).split('-');
    if (parts.length !== 5 && parts.length !== 6) return undefined;
    if (!parts.every((part) => part !== '' && COMPONENT.test(part))) return undefined;
    const [distribution, version] = parts as [string, string];
    const [pythonTag, abiTag, platformTag] = parts.slice(-3) as [string, string, string];
    const build = parts.length === 6 ? parts[2] : undefined;
    if (build !== undefined && !/^\d/.test(build)) return undefined;
    // pip reads the version with packaging's Version: an invalid one is not a wheel's file name.
    if (versionKey(version.replace(/_/g, '-')) === undefined) return undefined;
    return { kind: 'wheel', distribution, version, ...(build ? { build } : {}), pythonTag, abiTag, platformTag };
  }
  if (fileName.endsWith('.tar.gz')) {
    const stem = fileName.slice(0, -'.tar.gz'.length);
    const dash = stem.lastIndexOf('-');
    if (dash <= 0 || dash === stem.length - 1) return undefined;
    const distribution = stem.slice(0, dash);
    const version = stem.slice(dash + 1);
    if (!/^[A-Za-z0-9_.-]+$/.test(distribution) || !/^[A-Za-z0-9_.+!]+$/.test(version) || versionKey(version) === undefined) return undefined;
    return { kind: 'sdist', distribution, version };
  }
  return undefined;
}

/**
 * True when a file name matches the patterns as @actions/glob reads them: at
 * least one pattern, and no `!` exclusion pattern, matches it.
 */
export function matchesAny(fileName: string, patterns: readonly string[]): boolean {
  const match = (pattern: string): boolean => minimatch(fileName, pattern, { dot: false, nocomment: true, nonegate: true });
  const excluded = patterns.filter((p) => p.startsWith('!')).some((p) => match(p.slice(1)));
  return !excluded && patterns.some((p) => !p.startsWith('!') && match(p));
}

/** Escapes glob characters in a literal path (@actions/glob: wrap them in brackets). */
function escapeGlob(path: string): string {
  return path.replace(/[*?[]/g, '[$&]');
}

/** A distribution found on disk. */
export interface LocalFile {
  /** The file name: also its name in the container. */
  name: string;
  /** Absolute path on disk. */
  path: string;
}

/**
 * Finds the files under `dir` that match `patterns` (globs relative to `dir`,
 * through @actions/glob). Sidecars and hidden files are never returned.
 * Two files with the same name in different folders are an error: a
 * container and a release directory are flat.
 */
export async function findDistributions(dir: string, patterns: readonly string[]): Promise<LocalFile[]> {
  const root = resolve(dir);
  const rooted = patterns.map((p) => (p.startsWith('!') ? `!${join(escapeGlob(root), p.slice(1))}` : join(escapeGlob(root), p)));
  const globber = await glob.create(rooted.join('\n'), {
    matchDirectories: false,
    implicitDescendants: false,
    followSymbolicLinks: true,
  });
  const byName = new Map<string, LocalFile>();
  for (const path of (await globber.glob()).sort()) {
    const name = basename(path);
    if (name.endsWith(SIDECAR_SUFFIX) || name.startsWith('.')) continue;
    const seen = byName.get(name);
    if (seen && seen.path !== path) {
      throw new Error(`two files are both named ${name}: ${seen.path} and ${path}; a container holds one file per name`);
    }
    byName.set(name, { name, path });
  }
  return [...byName.values()];
}

/** The result of pairing a container listing. */
export interface Pairing {
  /** Distribution names with a sidecar beside them. */
  pairs: string[];
  /** Distributions with no sidecar: uploads that never finished, or foreign files. */
  withoutSidecar: string[];
  /** Sidecars whose distribution is absent. */
  withoutDistribution: string[];
}

/** Pairs the distributions matching `patterns` with their `.sha256` sidecars. */
export function pairListing(names: Iterable<string>, patterns: readonly string[]): Pairing {
  const all = new Set(names);
  const pairs: string[] = [];
  const withoutSidecar: string[] = [];
  const withoutDistribution: string[] = [];
  for (const name of [...all].sort()) {
    if (name.endsWith(SIDECAR_SUFFIX)) {
      const distribution = name.slice(0, -SIDECAR_SUFFIX.length);
      if (matchesAny(distribution, patterns) && !all.has(distribution)) withoutDistribution.push(distribution);
    } else if (matchesAny(name, patterns)) {
      (all.has(name + SIDECAR_SUFFIX) ? pairs : withoutSidecar).push(name);
    }
  }
  return { pairs, withoutSidecar, withoutDistribution };
}
